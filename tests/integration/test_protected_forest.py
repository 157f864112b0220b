"""Protected accounts when a protected group holds members outside the domain (issue 12 item 2).

Made in the tests, not the seed, on the lab's Samba DC:
- a foreign security principal: a SID of another forest added to Tier0 Admins (nested in Domain
  Admins) as `<SID=...>`, for which the DC creates CN=<SID>,CN=ForeignSecurityPrincipals. Its
  members cannot be read from here, so whoever has adminCount=1 outside the set may be protected
  through it: `protected (unresolved: ...)`, never orphaned, and neither `inheritance` with
  include_orphaned nor `inheritance_rollback` writes it;
- a member DN in another naming context: a group in the Configuration NC (every DC holds it)
  in Tier0 Admins, holding a user. The user is protected only through that member; before,
  the walk looked in the domain NC only and called that user orphaned.
The lab is one domain: the forest cases (other domains, Enterprise Admins of a root domain)
are unit-tested on a fake forest (tests/unit/plugins/module_utils/test__protected_forest.py).
The lab's DC is also the forest's Global Catalog (LDAPS on 3269; 3268 refuses a simple bind
without TLS), which the last test queries the way the protected set does for other domains.
"""

import ldap3
import pytest

from conftest import ADMINS, BASE, user_dn
from made_here import put_back, undo_all

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    connection_settings, global_catalog_settings)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import ProtectedSet

pytestmark = pytest.mark.usefixtures("reseeded")

TIER0 = "CN=Tier0 Admins,%s" % ADMINS
ORPHANS = ["CN=former-admin,%s" % ADMINS, "CN=stale-flag,%s" % ADMINS]
FOREIGN_SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
FSP = "CN=%s,CN=ForeignSecurityPrincipals,%s" % (FOREIGN_SID, BASE)
CONFIG_GROUP = "CN=Tier0 Config \\2C Ops,CN=Services,CN=Configuration,%s" % BASE
VIA_CONFIG = user_dn(21)
GC = "ldaps://127.0.0.1:3269"
NOWHERE = "ldaps://127.0.0.1:1"  # nothing listens: a run that binds to it fails


def members(directory, *values, add=True, group=TIER0):
    operation = ldap3.MODIFY_ADD if add else ldap3.MODIFY_DELETE
    assert directory.conn.modify(group, {"member": [(operation, list(values))]}), \
        directory.conn.result


def drop_foreign_member(directory):
    """The foreign principal out of Tier0 Admins, and its object gone (it lives outside what a
    reseed makes again); either may already be so."""
    if dn_key(FSP) in [dn_key(dn) for dn in directory.attribute(TIER0, "member") or []]:
        members(directory, FSP, add=False)
    directory.tree_delete(FSP)


@pytest.fixture
def foreign_member(directory):
    try:
        members(directory, "<SID=%s>" % FOREIGN_SID)
        assert directory.dns(FSP, "(objectClass=foreignSecurityPrincipal)") == [FSP]
        yield FSP
    finally:
        drop_foreign_member(directory)


def admin_count(directory, dn):
    value = directory.attribute(dn, "adminCount")
    return int(value[0] if isinstance(value, list) else value) if value else None


@pytest.fixture
def stamped(ansible, directory):
    """VIA_CONFIG as SDProp leaves a protected account: adminCount=1, inheritance off."""
    original = directory.read_sd(VIA_CONFIG)
    try:
        run = ansible.run("inheritance", {"dn": [VIA_CONFIG], "state": "disabled"})
        assert run["changed"] is True, run.get("msg")
        assert directory.conn.modify(VIA_CONFIG, {"adminCount": [(ldap3.MODIFY_REPLACE, ["1"])]})
        yield directory.read_sd(VIA_CONFIG)
    finally:
        undo_all(lambda: unstamp(directory, VIA_CONFIG),
                 lambda: put_back(directory, VIA_CONFIG, original))


def unstamp(directory, dn):
    """adminCount taken away again, if it is there."""
    if admin_count(directory, dn) is not None:
        assert directory.conn.modify(dn, {"adminCount": [(ldap3.MODIFY_DELETE, [])]}), \
            directory.conn.result


@pytest.fixture
def config_group(directory):
    """A group of the Configuration NC (escaped comma in its CN) in Tier0 Admins, holding
    VIA_CONFIG."""
    # outside what a reseed makes again: one an earlier run left behind goes first
    directory.tree_delete(CONFIG_GROUP)
    try:
        assert directory.conn.add(CONFIG_GROUP, "group", {"sAMAccountName": "tier0-config-ops"}), \
            directory.conn.result
        members(directory, VIA_CONFIG, group=CONFIG_GROUP)
        members(directory, CONFIG_GROUP)
        yield CONFIG_GROUP
    finally:
        # deleting the group also takes it out of Tier0 Admins (a linked attribute)
        directory.tree_delete(CONFIG_GROUP)
        assert CONFIG_GROUP not in (directory.attribute(TIER0, "member") or [])


def inventory(ansible, **args):
    result = ansible.run("protected_accounts_info", args)
    assert not result.get("failed"), result.get("msg")
    return result, dict((o["dn"], o) for o in result["objects"])


def test_orphans_stay_orphans_while_everything_resolves_and_no_gc_is_bound(ansible):
    result, objects = inventory(ansible)
    assert result["unresolved"] == [] and result["counts"]["unresolved"] == 0
    assert all(objects[dn]["classification"] == "orphaned" for dn in ORPHANS)
    # one domain, every member resolved here: gc_server is never bound (it would fail)
    again, objects = inventory(ansible, gc_server=[NOWHERE])
    assert again["counts"] == result["counts"]
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
    readiness = ansible.run("eas_readiness_info", {"dn": ORPHANS, "details": True})
    assert [u["protection"] for u in readiness["users"]] == ["protected", "protected"]
    before = directory.snapshot(ORPHANS)
    for check in (True, False):
        run = ansible.run("inheritance", {"dn": ORPHANS, "include_orphaned": True},
                          check=check)
        assert run["changed"] is False and not run.get("failed"), run.get("msg")
        assert [o["status"] for o in run["objects"]] == ["skipped", "skipped"]
        assert all("unresolved" in o["reason"] and "never written" in o["reason"]
                   for o in run["objects"])
    assert directory.snapshot(ORPHANS) == before
    assert all(admin_count(directory, dn) == 1 for dn in ORPHANS)


def test_rollback_does_not_write_an_account_that_became_unresolved(ansible, directory, tmp_path):
    journal = str(tmp_path / "journal.jsonl")
    target = user_dn(20)
    original = directory.read_sd(target)
    try:
        run = ansible.run("inheritance", {"dn": [target], "state": "disabled",
                                          "journal": journal})
        assert run["changed"] is True, run.get("msg")
        changed = directory.read_sd(target)
        # SDProp stamps it (it joined a protected group through the foreign principal, say)
        assert directory.conn.modify(target, {"adminCount": [(ldap3.MODIFY_REPLACE, ["1"])]})
        members(directory, "<SID=%s>" % FOREIGN_SID)
        for check in (True, False):
            rollback = ansible.run("inheritance_rollback", {"journal": journal}, check=check)
            assert rollback["changed"] is False and not rollback.get("failed"), \
                rollback.get("msg")
            assert rollback["objects"][0]["status"] == "skipped"
            assert "unresolved" in rollback["objects"][0]["reason"]
        assert directory.read_sd(target) == changed
    finally:
        undo_all(lambda: drop_foreign_member(directory), lambda: unstamp(directory, target),
                 lambda: put_back(directory, target, original))


def test_a_user_protected_through_a_group_of_another_naming_context_is_never_written(
        ansible, directory, stamped, config_group):
    result, objects = inventory(ansible)
    assert result["unresolved"] == []
    user = objects[VIA_CONFIG]
    assert user["classification"] == "protected" and user["unresolved"] is None
    assert user["reason"] == \
        "member of Domain Admins (through groups of another naming context)"
    assert all(objects[dn]["classification"] == "orphaned" for dn in ORPHANS)
    for check in (True, False):
        run = ansible.run("inheritance", {"dn": [VIA_CONFIG], "include_orphaned": True},
                          check=check)
        assert run["changed"] is False and not run.get("failed"), run.get("msg")
        assert run["objects"][0]["status"] == "skipped"
        assert "never written" in run["objects"][0]["reason"]
    assert directory.read_sd(VIA_CONFIG) == stamped
    assert admin_count(directory, VIA_CONFIG) == 1


def test_the_global_catalog_answers_what_the_protected_set_asks_of_it(lab, stamped, config_group):
    """The walk reads members of other domains from the GC (base '', the DN as a filter, the
    partial attribute set). The lab has no other domain, so the Configuration NC stands in for
    one: told that this DC does not hold it, the protected set must find the group and its
    member through the real GC on 3269."""
    settings = connection_settings(dict(server=[lab["server"]], ca_cert=lab["ca_cert"],
                                        bind_dn=lab["bind_dn"], password=lab["password"],
                                        gc_server=["ldaps://127.0.0.1"]))
    assert global_catalog_settings(settings)["server"] == [GC]
    client = LdapClient(settings).connect()
    opened = []

    def catalog():
        opened.append(LdapClient(global_catalog_settings(settings)).connect())
        return opened[-1]
    try:
        found = ProtectedSet(client, catalog)
        found.forest_ncs = []  # as if the group lived in another domain
        found.load()
        assert len(opened) == 1 and found.unresolved == []
        user = [o for o in found.objects() if dn_key(o["dn"]) == dn_key(VIA_CONFIG)]
        assert [(o["classification"], o["unresolved"]) for o in user] == [("protected", None)]
        without = ProtectedSet(client)
        without.forest_ncs = []
        without.load()
        assert [dn_key(u["member"]) for u in without.unresolved] == [dn_key(CONFIG_GROUP)]
        assert "gc_server" in without.unresolved[0]["why"]
    finally:
        client.close()
        for gc in opened:
            gc.close()
