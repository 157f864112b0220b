"""DN matching cannot fail open, on the lab: `exclude` given in another spelling than AD's
(case, spaces, \\2C escapes, non-ASCII) still excludes the subtree; an exclude that does not
exist is an error; a DN option given as one string is one DN.

The OUs are made here (not in the seed): OU=Tier0\\2C Admins and OU=Zürich under OU=DN Tests."""

import pytest

from conftest import LAB_OU

TOP = "OU=DN Tests,%s" % LAB_OU
TIER0 = "OU=Tier0\\, Admins,%s" % TOP
ZURICH = "OU=Zürich,%s" % TOP
USERS = {TIER0: ["CN=Admin\\, Tier0 %d,%s" % (i, TIER0) for i in (1, 2)],
         ZURICH: ["CN=Müller %d,%s" % (i, ZURICH) for i in (1, 2)]}
ALL = USERS[TIER0] + USERS[ZURICH]


def protected(directory, dn):
    from ansible_collections.adremedy.directory.plugins.module_utils._sd import SecurityDescriptor
    return SecurityDescriptor.parse(directory.read_sd(dn)).protected


@pytest.fixture(scope="module")
def tree(directory):
    from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
        SecurityDescriptor, disable_inheritance)
    conn = directory.conn
    directory.tree_delete(TOP)
    for ou in (TOP, TIER0, ZURICH):
        assert conn.add(ou, ["top", "organizationalUnit"]), conn.result
    for number, dn in enumerate(ALL, 1):
        assert conn.add(dn, ["top", "person", "organizationalPerson", "user"],
                        {"sAMAccountName": "dntest%d" % number}), conn.result
        sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(dn)))
        directory.write_sd(dn, sd.to_bytes())
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
