"""eas_access on the lab's DC (issue 24 item 3): check mode, diff, a quiet second run, the
journal; a protected user with OWA for Devices already off keeps that bit; member_of through a
nested group and a primary group; protected_only; the DC refusing a write whose value another
writer changed after the read (and the module keeping that writer's bit); and the least
privilege the module documents (write property on msExchOmaAdminWirelessEnable, which does not
reach a protected account). Every object is the test's own, under one OU removed afterwards."""

import json

import ldap3
import pytest

from conftest import BASE, LAB_OU
from made_here import add_user, protect_like_sdprop, sid_and_guid, undo_all

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

OU = "OU=h8 EAS Access,%s" % LAB_OU
PLAIN = "CN=h8-plain,%s" % OU            # attribute absent
OWA_OFF = "CN=h8-owa-off,%s" % OU        # 8 (OWA for Devices off), a protected Domain Admin
NESTED = "CN=h8-nested,%s" % OU          # member of h8-inner, which is in h8-outer
PRIMARY = "CN=h8-primary,%s" % OU        # h8-inner is its primary group
OUTER = "CN=h8-outer,%s" % OU
INNER = "CN=h8-inner,%s" % OU
SERVICE = "CN=h8-svc-access,%s" % OU
DOMAIN_ADMINS = "CN=Domain Admins,CN=Users,%s" % BASE
ATTRIBUTE = "msExchOmaAdminWirelessEnable"
GLOBAL_SECURITY = "-2147483646"
DOMAIN_USERS_RID = "513"
USERS = (PLAIN, OWA_OFF, NESTED, PRIMARY)
START = {PLAIN: None, OWA_OFF: "8", NESTED: None, PRIMARY: None}
SERVICE_PASSWORD = "H8-Svc-Acc3ss-Passw0rd!"
WIRELESS_GUID = "c1a7bfbe-116b-4737-8cd9-d29ef5b3690e"
USER_CLASS = "bf967aba-0de6-11d0-a285-00aa003049e2"


def values(conn):
    found = {}
    for dn in USERS:
        assert conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=[ATTRIBUTE])
        value = conn.response[0]["raw_attributes"].get(ATTRIBUTE)
        found[dn] = value[0].decode() if value else None
    return found


def reset(conn):
    """Every user back to its starting value (each test starts from the same state)."""
    for dn, value in START.items():
        if value is None:
            conn.modify(dn, {ATTRIBUTE: [(ldap3.MODIFY_DELETE, [])]})
            assert conn.result["result"] in (0, 16), conn.result
        else:
            assert conn.modify(dn, {ATTRIBUTE: [(ldap3.MODIFY_REPLACE, [value])]}), conn.result
    assert values(conn) == START


@pytest.fixture(scope="module")
def people(lab, directory):
    conn = directory.conn
    directory.tree_delete(OU)
    conn.modify(DOMAIN_ADMINS, {"member": [(ldap3.MODIFY_DELETE, [OWA_OFF])]})  # a cut-short run
    try:
        assert conn.add(OU, ["top", "organizationalUnit"]), conn.result
        for dn in (OUTER, INNER):
            assert conn.add(dn, ["top", "group"], {"sAMAccountName": dn[3:dn.index(",")],
                                                   "groupType": GLOBAL_SECURITY}), conn.result
        for dn in USERS:
            extra = {ATTRIBUTE: START[dn]} if START[dn] else {}
            add_user(conn, dn, dn[3:dn.index(",")], **extra)
        assert conn.modify(OUTER, {"member": [(ldap3.MODIFY_ADD, [INNER])]}), conn.result
        assert conn.modify(INNER, {"member": [(ldap3.MODIFY_ADD, [NESTED, PRIMARY])]}), \
            conn.result
        rid = sid_and_guid(conn, INNER)[0].rsplit("-", 1)[1]
        # the DC takes a primary group only among the account's groups, then drops the link
        assert conn.modify(PRIMARY, {"primaryGroupID": [(ldap3.MODIFY_REPLACE, [rid])]}), \
            conn.result
        assert conn.modify(DOMAIN_ADMINS, {"member": [(ldap3.MODIFY_ADD, [OWA_OFF])]}), \
            conn.result
        protect_like_sdprop(directory, OWA_OFF, BASE)
        yield conn
    finally:
        undo_all(
            lambda: conn.modify(PRIMARY, {"primaryGroupID": [(ldap3.MODIFY_REPLACE,
                                                              [DOMAIN_USERS_RID])]}),
            lambda: conn.modify(DOMAIN_ADMINS, {"member": [(ldap3.MODIFY_DELETE, [OWA_OFF])]}),
            lambda: directory.tree_delete(OU))


def test_check_mode_diff_then_real_run_then_quiet(ansible, people, tmp_path):
    reset(people)
    args = dict(search_base=OU, activesync="disabled")
    check = ansible.run("eas_access", args, check=True, diff=True)
    assert not check.get("failed"), check.get("msg")
    assert check["changed"] is True
    assert check["counts"] == dict(matched=4, changed=4, unchanged=0, skipped=0, failed=0)
    assert values(people) == START  # check mode wrote nothing
    objects = dict((o["dn"], o) for o in check["objects"])
    # the protected user with OWA for Devices already off keeps that bit
    assert (objects[OWA_OFF]["before"], objects[OWA_OFF]["after"]) == (8, 12)
    assert (objects[OWA_OFF]["activesync"], objects[OWA_OFF]["owa_for_devices"]) == (
        "disabled", "disabled")
    assert (objects[PLAIN]["before"], objects[PLAIN]["after"]) == (None, 4)
    diffs = dict((d["before_header"], d) for d in check["diff"])
    assert diffs[OWA_OFF]["before"] == ("msExchOmaAdminWirelessEnable: 8\nActiveSync: enabled\n"
                                        "OWA for Devices: disabled\n")
    assert diffs[OWA_OFF]["after"] == ("msExchOmaAdminWirelessEnable: 12\nActiveSync: disabled\n"
                                       "OWA for Devices: disabled\n")

    refused = ansible.run("eas_access", dict(args, max_changes=0))
    assert refused.get("failed") and "more than max_changes 0" in refused["msg"]
    assert values(people) == START

    journal = str(tmp_path / "eas-access.jsonl")
    real = ansible.run("eas_access", dict(args, journal=journal))
    assert not real.get("failed"), real.get("msg")
    assert real["objects"] == check["objects"] and real["changed"] is True
    assert values(people) == {PLAIN: "4", OWA_OFF: "12", NESTED: "4", PRIMARY: "4"}
    with open(journal) as handle:
        lines = dict((line["dn"], line) for line in map(json.loads, handle))
    assert sorted(lines) == sorted(USERS)
    assert (lines[OWA_OFF]["old_value"], lines[OWA_OFF]["new_value"]) == (8, 12)
    assert lines[OWA_OFF]["object_guid"] == sid_and_guid(people, OWA_OFF)[1]
    assert lines[PLAIN]["old_value"] is None

    again = ansible.run("eas_access", args)
    assert again["changed"] is False
    assert again["counts"] == dict(matched=4, changed=0, unchanged=4, skipped=0, failed=0)


def test_member_of_takes_nested_and_primary_group_members(ansible, people):
    reset(people)
    result = ansible.run("eas_access", dict(search_base=OU, member_of="h8-outer",
                                            owa_for_devices="disabled"))
    assert not result.get("failed"), result.get("msg")
    assert result["member_of"] == OUTER
    assert sorted(o["dn"] for o in result["objects"]) == sorted([NESTED, PRIMARY])
    assert values(people) == dict(START, **{NESTED: "8", PRIMARY: "8"})
    listed = ansible.run("eas_access", dict(dn=[PLAIN, NESTED], member_of=OUTER,
                                            owa_for_devices="disabled"))
    assert listed["counts"] == dict(matched=2, changed=0, unchanged=1, skipped=1, failed=0)
    assert listed["objects"][0]["dn"] == PLAIN and "not a member of" in \
        listed["objects"][0]["reason"]


def test_protected_only_selects_the_protected_admin_and_keeps_its_bit(ansible, people):
    reset(people)
    off = ansible.run("eas_access", dict(search_base=OU, protected_only=True,
                                         activesync="disabled"))
    assert not off.get("failed"), off.get("msg")
    assert off["counts"] == dict(matched=1, changed=1, unchanged=0, skipped=0, failed=0)
    assert values(people) == dict(START, **{OWA_OFF: "12"})
    on = ansible.run("eas_access", dict(search_base=OU, protected_only=True,
                                        activesync="enabled"))
    assert on["counts"]["changed"] == 1 and values(people) == START  # back to 8, bit 8 kept


@pytest.fixture
def client(lab):
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
    client = LdapClient(dict(server=[lab["server"]], ca_cert=lab["ca_cert"],
                             bind_dn=lab["bind_dn"], password=lab["password"])).connect()
    yield client
    client.close()


@pytest.mark.parametrize("user, other, expected", [
    (PLAIN, "2", (2, 6)),       # set by someone after the read: the add of 4 is refused
    (OWA_OFF, "9", (9, 13)),    # changed after the read: the delete of 8 is refused
])
def test_the_dc_refuses_a_stale_write_and_the_other_writers_bit_is_kept(people, client, user,
                                                                        other, expected):
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_access import (
        USER_READ, AccessWriter, plan_user)
    from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
        Outcome, write_all)
    from ansible_collections.adremedy.directory.plugins.module_utils._run._selection import (
        Selection)
    reset(people)
    planned = plan_user(client.read(user, USER_READ), "disabled", None)
    assert planned is not None
    # another writer, between the read and the write
    assert people.modify(user, {ATTRIBUTE: [(ldap3.MODIFY_REPLACE, [other])]}), people.result
    raw = []
    try:  # the DC's own answer to the guarded modify, sent as planned
        client.modify(user, planned.ldap_changes())
    except Exception as exc:  # noqa: BLE001 - the LdapError is what is looked at
        raw.append(getattr(exc, "code", None))
    assert raw and raw[0] in (16, 19, 20)
    assert values(people)[user] == other  # nothing was overwritten
    # the module's bulk run: the refused write planned again from the value read back
    outcome = Outcome()
    write_all(AccessWriter(client, Selection({}), dict(activesync="disabled")), [planned],
              outcome)
    [written] = outcome.objects
    assert written["status"] == "changed", written
    assert (written["before"], written["after"]) == expected
    assert values(people)[user] == str(expected[1])


@pytest.fixture
def delegated(people, directory):
    """An account granted what the least-privilege guide says: write property on
    msExchOmaAdminWirelessEnable of the users below the OU (inherited, so not on a protected
    account)."""
    conn = people
    add_user(conn, SERVICE, "h8-svc-access", userAccountControl="512",
             unicodePwd=('"%s"' % SERVICE_PASSWORD).encode("utf-16-le"))
    sid = sid_and_guid(conn, SERVICE)[0]
    original = directory.read_sd(OU)
    sd = SecurityDescriptor.parse(original)
    grant = Sddl().parse_ace("OA;CIIO;WP;%s;%s;%s" % (WIRELESS_GUID, USER_CLASS, sid))
    explicit = [ace for ace in sd.dacl.aces if not ace.inherited]
    directory.write_sd(OU, SecurityDescriptor(control=sd.control,
                                              dacl=Acl(4, explicit + [grant])).to_bytes())
    try:
        yield dict(bind_dn=SERVICE, password=SERVICE_PASSWORD)
    finally:
        undo_all(lambda: directory.write_sd(OU, original),
                 lambda: conn.delete(SERVICE))


def test_write_property_on_the_attribute_is_enough_and_does_not_reach_protected_users(
        ansible, people, delegated):
    reset(people)
    result = ansible.run("eas_access", dict(delegated, dn=[PLAIN, OWA_OFF],
                                            activesync="disabled"))
    assert result.get("failed")
    assert result["counts"] == dict(matched=2, changed=1, unchanged=0, skipped=0, failed=1)
    failed = [o for o in result["objects"] if o["status"] == "failed"][0]
    assert failed["dn"] == OWA_OFF and failed["ldap_code"] == 50
    assert values(people) == dict(START, **{PLAIN: "4"})
