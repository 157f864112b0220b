"""DN matching cannot fail open, on the lab: `exclude` given in another spelling than AD's
(case, spaces, \\2C escapes, non-ASCII) still excludes the subtree; an exclude that does not
exist is an error; a DN option given as one string is one DN.

The OUs are made here (not in the seed): OU=Tier0\\2C Admins and OU=Zürich under OU=DN Tests."""

import pytest

from conftest import LAB_OU
from made_here import make_tree, protected

TOP = "OU=DN Tests,%s" % LAB_OU
TIER0 = "OU=Tier0\\, Admins,%s" % TOP
ZURICH = "OU=Zürich,%s" % TOP
USERS = {TIER0: ["CN=Admin\\, Tier0 %d,%s" % (i, TIER0) for i in (1, 2)],
         ZURICH: ["CN=Müller %d,%s" % (i, ZURICH) for i in (1, 2)]}
ALL = USERS[TIER0] + USERS[ZURICH]


@pytest.fixture(scope="module")
def tree(directory):
    make_tree(directory, [TOP, TIER0, ZURICH],
              dict((dn, "dntest%d" % number) for number, dn in enumerate(ALL, 1)), broken=True)
    yield
    directory.tree_delete(TOP)


def statuses(result):
    return dict((o["dn"], (o["status"], o.get("reason"))) for o in result["objects"])


@pytest.mark.parametrize("spelling", [
    TIER0,
    "ou = tier0\\2c admins , ou=dn tests,ou=LAB,dc=lab,dc=example,dc=test",
    "OU=Tier0\\2C Admins,OU=DN Tests,%s" % LAB_OU,
])
def test_exclude_in_any_spelling_excludes_the_subtree(ansible, directory, tree, spelling):
    result = ansible.run("inheritance", {"search_base": TOP, "exclude": [spelling]},
                         check=True)
    assert not result.get("failed"), result["msg"]
    seen = statuses(result)
    for dn in USERS[TIER0]:
        assert seen[dn] == ("skipped", "excluded: at or below %s" % TIER0)  # the DC's spelling
    for dn in USERS[ZURICH]:
        assert seen[dn][0] == "changed"


def test_non_ascii_exclude_in_hex_escapes(ansible, tree):
    result = ansible.run("inheritance", {"search_base": TOP, "exclude": [
        "OU=Z\\C3\\BCRICH,OU=DN Tests,%s" % LAB_OU]}, check=True)
    seen = statuses(result)
    assert [seen[dn][0] for dn in USERS[ZURICH]] == ["skipped", "skipped"]
    assert [seen[dn][0] for dn in USERS[TIER0]] == ["changed", "changed"]


def test_an_exclude_that_does_not_exist_is_an_error(ansible, directory, tree):
    missing = ["OU=Tier0 Admins,%s" % TOP, "OU=Zurich,%s" % TOP]
    result = ansible.run("inheritance", {"search_base": TOP, "exclude": missing + [ZURICH]})
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == "exclude DNs that do not exist: %s: noSuchObject (32)" \
        % "; ".join(missing)
    assert all(protected(directory, dn) for dn in ALL)


def test_a_dn_given_as_one_string_is_one_dn(ansible, directory, tree):
    """An AWX survey gives a list option as a string: it must not become four fragments (one of
    them DC=test, which every object is below)."""
    survey = "ou=zürich, OU=DN Tests,%s" % LAB_OU
    result = ansible.run("inheritance", {"search_base": TOP, "exclude": survey}, check=True)
    assert not result.get("failed"), result["msg"]
    seen = statuses(result)
    assert [seen[dn] for dn in USERS[ZURICH]] == [("skipped", "excluded: at or below %s"
                                                   % ZURICH)] * 2
    assert [seen[dn][0] for dn in USERS[TIER0]] == ["changed", "changed"]
    # several, one per line (a survey textarea); and `dn` the same way
    lines = "%s\n\n  %s  \n" % (USERS[TIER0][0], USERS[ZURICH][1])
    result = ansible.run("inheritance", {"dn": lines, "exclude": "%s\n%s" % (ZURICH, ZURICH)},
                         check=True)
    assert not result.get("failed"), result["msg"]
    assert result["counts"]["matched"] == 2
    assert statuses(result)[USERS[ZURICH][1]][0] == "skipped"
    assert statuses(result)[USERS[TIER0][0]][0] == "changed"


def test_a_dn_option_of_the_wrong_type_is_one_line(ansible, tree):
    result = ansible.run("inheritance", {"search_base": TOP, "exclude": [ZURICH, 3]})
    assert result["failed"] and result["msg"] == "exclude[2] is 3, not a DN string"
