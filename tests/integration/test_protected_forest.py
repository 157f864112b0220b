"""Protected accounts when a protected group holds members the domain cannot resolve.

Made in the tests, not the seed: a foreign security principal (a SID of another forest, added
as `<SID=...>`, for which the DC creates CN=<SID>,CN=ForeignSecurityPrincipals) and a member DN
in another naming context (the Configuration NC) in Tier0 Admins, which is nested in Domain
Admins. Whoever has adminCount=1 outside the set may then be protected through them: the modules
call it `protected (unresolved: ...)`, never orphaned, and neither `inheritance` with
include_orphaned nor `inheritance_rollback` writes it. With gc_server (the lab's DC is also its
forest's Global Catalog, LDAPS on 3269) the Configuration NC member is read and found harmless.
"""

import ldap3
import pytest

from conftest import ADMINS, BASE, user_dn

pytestmark = pytest.mark.usefixtures("reseeded")

TIER0 = "CN=Tier0 Admins,%s" % ADMINS
ORPHANS = ["CN=former-admin,%s" % ADMINS, "CN=stale-flag,%s" % ADMINS]
FOREIGN_SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
FSP = "CN=%s,CN=ForeignSecurityPrincipals,%s" % (FOREIGN_SID, BASE)
ELSEWHERE = "CN=Directory Service,CN=Windows NT,CN=Services,CN=Configuration,%s" % BASE
GC = "ldaps://127.0.0.1:3269"


def members(directory, *values, add=True):
    operation = ldap3.MODIFY_ADD if add else ldap3.MODIFY_DELETE
    assert directory.conn.modify(TIER0, {"member": [(operation, list(values))]}), \
        directory.conn.result


@pytest.fixture
def foreign_member(directory):
    members(directory, "<SID=%s>" % FOREIGN_SID)
    try:
        assert directory.dns(FSP, "(objectClass=foreignSecurityPrincipal)") == [FSP]
        yield FSP
    finally:
        members(directory, FSP, add=False)
        directory.conn.delete(FSP)


@pytest.fixture
def member_elsewhere(directory):
    members(directory, ELSEWHERE)
    try:
        yield ELSEWHERE
    finally:
        members(directory, ELSEWHERE, add=False)


def inventory(ansible, **args):
    result = ansible.run("protected_accounts_info", args)
    assert not result.get("failed"), result.get("msg")
    return result, dict((o["dn"], o) for o in result["objects"])


def test_orphans_are_orphans_while_everything_resolves(ansible):
    result, objects = inventory(ansible)
    assert result["unresolved"] == []
    assert all(objects[dn]["classification"] == "orphaned" for dn in ORPHANS)


def test_a_foreign_security_principal_makes_orphans_unresolved_and_unwritable(
        ansible, directory, foreign_member):
    result, objects = inventory(ansible)
    assert [(u["group"], u["member"]) for u in result["unresolved"]] == [(TIER0, FSP)]
    assert "foreign security principal %s" % FOREIGN_SID in result["unresolved"][0]["why"]
    assert result["counts"]["orphaned"] == 0
    assert result["counts"]["unresolved"] >= len(ORPHANS)
    for dn in ORPHANS:
        assert objects[dn]["classification"] == "protected"
        assert objects[dn]["reason"].startswith("protected (unresolved: member %s" % FSP)
    # a Global Catalog cannot resolve a principal of another forest either
    result, objects = inventory(ansible, gc_server=[GC])
    assert [u["member"] for u in result["unresolved"]] == [FSP]
    before = directory.snapshot(ORPHANS)
    for check in (True, False):
        run = ansible.run("inheritance", {"dn": ORPHANS, "include_orphaned": True},
                          check=check)
        assert run["changed"] is False and not run.get("failed"), run.get("msg")
        assert [o["status"] for o in run["objects"]] == ["skipped", "skipped"]
        assert all("unresolved" in o["reason"] and "never written" in o["reason"]
                   for o in run["objects"])
    assert directory.snapshot(ORPHANS) == before
    assert all(directory.attribute(dn, "adminCount") == 1 for dn in ORPHANS)


def test_rollback_does_not_write_an_account_that_became_unresolved(ansible, directory,
                                                                  tmp_path):
    journal = str(tmp_path / "journal.jsonl")
    target = user_dn(20)
    original = directory.read_sd(target)
    run = ansible.run("inheritance", {"dn": [target], "state": "disabled", "journal": journal})
    assert run["changed"] is True, run.get("msg")
    changed = directory.read_sd(target)
    # SDProp stamps it (it joined a protected group through the foreign principal, say)
    assert directory.conn.modify(target, {"adminCount": [(ldap3.MODIFY_REPLACE, ["1"])]})
    members(directory, "<SID=%s>" % FOREIGN_SID)
    try:
        rollback = ansible.run("inheritance_rollback", {"journal": journal})
        assert rollback["changed"] is False and not rollback.get("failed"), rollback.get("msg")
        assert rollback["objects"][0]["status"] == "skipped"
        assert "unresolved" in rollback["objects"][0]["reason"]
        assert directory.read_sd(target) == changed
    finally:
        members(directory, FSP, add=False)
        directory.conn.delete(FSP)
        assert directory.conn.modify(target, {"adminCount": [(ldap3.MODIFY_DELETE, [])]})
        directory.write_sd(target, original)


def test_a_member_in_another_naming_context_needs_the_global_catalog(ansible, directory,
                                                                    member_elsewhere):
    result, objects = inventory(ansible)
    assert [u["member"] for u in result["unresolved"]] == [ELSEWHERE]
    assert "outside this domain" in result["unresolved"][0]["why"]
    assert "gc_server" in result["unresolved"][0]["why"]
    assert all(objects[dn]["classification"] == "protected" for dn in ORPHANS)
    readiness = ansible.run("eas_readiness_info", {"dn": ORPHANS, "details": True})
    assert [u["protection"] for u in readiness["users"]] == ["protected", "protected"]
    # with the Global Catalog the member is read: not a group, nothing of this domain below it
    result, objects = inventory(ansible, gc_server=[GC])
    assert result["unresolved"] == []
    assert all(objects[dn]["classification"] == "orphaned" for dn in ORPHANS)
    fixed = ansible.run("inheritance", {"dn": ORPHANS[1:], "include_orphaned": True,
                                        "gc_server": [GC]}, check=True)
    assert fixed["changed"] is True and fixed["objects"][0]["status"] == "changed"
