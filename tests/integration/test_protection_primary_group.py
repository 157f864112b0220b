# -*- coding: utf-8 -*-
"""Issue 20, item 1 on the lab's DC: an account whose primary group is a group nested in Domain
Admins. The DC keeps no `member` link to it (it drops the link when primaryGroupID is set), yet
puts Domain Admins in its token. Such an account is protected: never called orphaned, never
written, with adminCount=1 (include_orphaned) or without it (a default run). Everything made
here is removed after, primaryGroupID put back to Domain Users first."""

import ldap3
import pytest

from conftest import BASE, LAB_OU
from made_here import add_user, protected, sid_and_guid

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

OU = "OU=Primary Group Admins,%s" % LAB_OU
TIER0 = "CN=PG Tier0,%s" % OU
MARKED = "CN=PG Marked,%s" % OU      # adminCount=1, primary group Tier0
UNMARKED = "CN=PG Unmarked,%s" % OU  # no adminCount, primary group Tier0
CONTROL = "CN=PG Control,%s" % OU    # an ordinary user with inheritance off: the run is real
DOMAIN_ADMINS = "CN=Domain Admins,CN=Users,%s" % BASE
DOMAIN_USERS_RID = "513"
GLOBAL_SECURITY = -2147483646


def attribute(conn, dn, name):
    assert conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=[name]), conn.result
    return conn.response[0]["raw_attributes"].get(name) or []


def break_inheritance(directory, dn):
    sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(dn)))
    directory.write_sd(dn, sd.to_bytes())


@pytest.fixture(scope="module")
def tier0(lab, directory):
    conn = directory.conn
    directory.tree_delete(OU)
    conn.modify(DOMAIN_ADMINS, {"member": [(ldap3.MODIFY_DELETE, [TIER0])]})  # a run cut short
    assert conn.add(OU, "organizationalUnit"), conn.result
    made = []
    try:
        assert conn.add(TIER0, ["top", "group"], {"sAMAccountName": "pg-tier0",
                                                  "groupType": GLOBAL_SECURITY}), conn.result
        assert conn.modify(DOMAIN_ADMINS, {"member": [(ldap3.MODIFY_ADD, [TIER0])]}), conn.result
        rid = sid_and_guid(conn, TIER0)[0].rsplit("-", 1)[1]
        for dn, sam, extra in ((MARKED, "pg-marked", {"adminCount": "1"}),
                               (UNMARKED, "pg-unmarked", {}), (CONTROL, "pg-control", {})):
            add_user(conn, dn, sam, **extra)
            made.append(dn)
            break_inheritance(directory, dn)
        for dn in (MARKED, UNMARKED):
            # the DC takes a primary group only among the account's groups, then drops the link
            assert conn.modify(TIER0, {"member": [(ldap3.MODIFY_ADD, [dn])]}), conn.result
            assert conn.modify(dn, {"primaryGroupID": [(ldap3.MODIFY_REPLACE, [rid])]}), \
                conn.result
        yield rid
    finally:
        for dn in made:  # back to Domain Users before anything is deleted
            conn.modify(dn, {"primaryGroupID": [(ldap3.MODIFY_REPLACE, [DOMAIN_USERS_RID])]})
        conn.modify(DOMAIN_ADMINS, {"member": [(ldap3.MODIFY_DELETE, [TIER0])]})
        directory.tree_delete(OU)


def test_the_dc_keeps_no_member_link_but_puts_domain_admins_in_the_token(directory, tier0):
    conn = directory.conn
    assert attribute(conn, TIER0, "member") == []
    for dn in (MARKED, UNMARKED):
        assert attribute(conn, dn, "primaryGroupID") == [tier0.encode()]
        assert DOMAIN_ADMINS.encode() not in attribute(conn, dn, "memberOf")
        token = set(sid_to_str(blob) for blob in attribute(conn, dn, "tokenGroups"))
        domain_admins = sid_and_guid(conn, DOMAIN_ADMINS)[0]
        assert domain_admins in token and "S-1-5-32-544" in token


def test_the_inventory_calls_them_protected_and_unmarked_not_orphaned(ansible, tier0):
    result = ansible.run("protected_accounts_info", {"search_base": OU})
    assert not result.get("failed"), result.get("msg")
    found = dict((o["dn"], o) for o in result["objects"])
    assert set(found) == {TIER0, MARKED, UNMARKED}
    marked, unmarked = found[MARKED], found[UNMARKED]
    assert marked["classification"] == "protected"  # was: orphaned
    assert unmarked["classification"] == "unmarked"  # was: not listed at all
    for obj in (marked, unmarked):
        assert obj["reason"] == "primary group is pg-tier0 -> member of Domain Admins"
        assert obj["chain"] == ["pg-tier0", "Domain Admins"]
        assert obj["protected_by"] == "Domain Admins"
    assert result["counts"]["orphaned"] == 0
    # Samba 4.17 provisions neither Key Admins group; the PDC emulator is the lab's DC
    groups = dict((g["name"], g["dn"]) for g in result["protected_groups"])
    assert groups["Key Admins"] is None and groups["Enterprise Key Admins"] is None
    pdc = result["pdc_emulator"]
    assert pdc["operating_system"] == "Samba" and pdc["sdprop_protects"] is None
    assert pdc["dn"] == "CN=DC1,OU=Domain Controllers,%s" % BASE
    assert "neither exists here" in pdc["rule"]


@pytest.mark.parametrize("options, skipped, reason", [
    ({"include_orphaned": True}, MARKED, "protected: primary group is pg-tier0 -> member of "
                                         "Domain Admins"),
    ({}, UNMARKED, "in the protected set, not yet marked: primary group is pg-tier0 -> member "
                   "of Domain Admins"),
])
def test_inheritance_never_writes_them(ansible, directory, tier0, options, skipped, reason):
    before = directory.snapshot([MARKED, UNMARKED])
    args = dict(search_base=OU, **options)
    check = ansible.run("inheritance", args, check=True)
    real = ansible.run("inheritance", args)
    assert not real.get("failed"), real.get("msg")
    assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
    found = dict((o["dn"], o) for o in real["objects"])
    assert found[skipped]["status"] == "skipped"
    assert found[skipped]["reason"].startswith(reason)
    assert directory.snapshot([MARKED, UNMARKED]) == before
    assert protected(directory, MARKED) and protected(directory, UNMARKED)
    assert attribute(directory.conn, MARKED, "adminCount") == [b"1"]
    # the ordinary user is fixed in the same run (its token judged: no note about it)
    assert found[CONTROL]["status"] == "changed" and "note" not in found[CONTROL]
    assert not protected(directory, CONTROL)
    break_inheritance(directory, CONTROL)  # for the next case
