"""Admins with phones and AdminSDHolder audited (issue 24 items 1 and 4), on the lab's DC.

- A Domain Admin whose phone made its partnership before SDProp protected the account appears in
  protected_accounts_info with its mail, ActiveSync enabled and the device; what the EAS sync
  stand-in (bound as the Exchange server) can do for that account after SDProp is measured too.
- Exchange 2013's inherit-only ACE for msExchActiveSyncDevices and a direct risky ACE (write
  member for a group that is no administrator) put on AdminSDHolder are named, with their rules;
  AdminSDHolder's DACL is written back exactly as it was in finally.
Every object the tests make is theirs (unique names under OU=Lab) and is removed afterwards."""

import ldap3
import pytest

from conftest import BASE, LAB_OU, eas_sync
from made_here import add_user, protect_like_sdprop, put_back, sid_and_guid, undo_all

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

OU = "OU=h8 Admins Phones,%s" % LAB_OU
PHONE_ADMIN = "CN=h8-phone-admin,%s" % OU
NEW_ADMIN = "CN=h8-new-admin,%s" % OU      # protected before any phone: no container yet
HELPDESK = "CN=h8-helpdesk,%s" % OU
DOMAIN_ADMINS = "CN=Domain Admins,CN=Users,%s" % BASE
HOLDER = "CN=AdminSDHolder,CN=System,%s" % BASE
EXCHANGE_SERVERS = "CN=Exchange Servers,OU=Microsoft Exchange Security Groups,%s" % LAB_OU
DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"
MEMBER = "bf9679c0-0de6-11d0-a285-00aa003049e2"


def _members(conn, change, dns):
    for dn in dns:
        conn.modify(DOMAIN_ADMINS, {"member": [(change, [dn])]})
        assert conn.result["result"] in (0, 16, 20, 53), conn.result


@pytest.fixture(scope="module")
def admins(lab, directory):
    """Two Domain Admins with mailboxes: one whose phone synced before SDProp protected it, one
    protected before any phone synced; and a helpdesk group (no administrator)."""
    conn = directory.conn
    directory.tree_delete(OU)
    try:
        assert conn.add(OU, ["top", "organizationalUnit"]), conn.result
        add_user(conn, PHONE_ADMIN, "h8-phone-admin", mail="h8-phone-admin@lab.example.test")
        add_user(conn, NEW_ADMIN, "h8-new-admin", mail="h8-new-admin@lab.example.test",
                 msExchOmaAdminWirelessEnable="4")
        assert conn.add(HELPDESK, ["top", "group"], {"sAMAccountName": "h8-helpdesk",
                                                     "groupType": -2147483646}), conn.result
        # the phone syncs while the account still inherits: Exchange creates the container
        first = eas_sync([PHONE_ADMIN], device_id="H8PHONE0001", model="iPhone15,2")
        assert first[PHONE_ADMIN]["result"] == "success", first
        _members(conn, ldap3.MODIFY_ADD, [PHONE_ADMIN, NEW_ADMIN])
        for dn in (PHONE_ADMIN, NEW_ADMIN):
            protect_like_sdprop(directory, dn, BASE)
        yield dict(device=first[PHONE_ADMIN]["dn"])
    finally:
        undo_all(lambda: _members(conn, ldap3.MODIFY_DELETE, [PHONE_ADMIN, NEW_ADMIN]),
                 lambda: directory.tree_delete(OU))


def test_a_domain_admin_with_a_partnership_made_before_sdprop_appears_with_its_device(
        ansible, admins):
    result = ansible.run("protected_accounts_info", dict(search_base=OU))
    assert not result.get("failed"), result.get("msg")
    rows = dict((o["dn"], o) for o in result["objects"])
    phone = rows[PHONE_ADMIN]
    assert (phone["classification"], phone["protected_by"], phone["inheritance"]) == (
        "protected", "Domain Admins", "disabled")
    assert (phone["mail"], phone["activesync_enabled"]) == (
        "h8-phone-admin@lab.example.test", True)
    assert len(phone["devices"]) == 1
    device = phone["devices"][0]
    assert (device["dn"], device["device_id"], device["device_model"], device["device_type"]) \
        == (admins["device"], "H8PHONE0001", "iPhone15,2", "iPhone")
    assert device["first_seen"] and device["first_seen"] == device["when_created"]
    assert device["when_changed"]
    new = rows[NEW_ADMIN]
    assert (new["mail"], new["activesync_enabled"], new["devices"]) == (
        "h8-new-admin@lab.example.test", False, [])
    # under this search base: one admin with a partnership, one with ActiveSync enabled
    assert (result["counts"]["with_devices"], result["counts"]["activesync_enabled"]) == (1, 1)
    assert result["changed"] is False


def test_what_the_exchange_server_can_do_for_them_after_sdprop(admins):
    """Measured, for the guide: after SDProp, a second phone of the admin whose container
    exists syncs (AdminSDHolder carries Exchange's container-inheritable ACE for device objects,
    which reaches the existing container), while the admin without a container gets event 1053
    (no effective right to create the container under a protected user)."""
    second = eas_sync([PHONE_ADMIN], device_id="H8PHONE0002", model="Pixel 8")[PHONE_ADMIN]
    assert second["result"] == "success", second
    none_yet = eas_sync([NEW_ADMIN], device_id="H8PHONE0003")[NEW_ADMIN]
    assert (none_yet["code"], none_yet["step"], none_yet["event"]) == (50, "container", 1053)


def _holder_with(directory, extra_aces):
    """AdminSDHolder's explicit ACEs plus extra_aces, as it inherits or not (the DC adds the
    inherited ACEs again)."""
    sd = SecurityDescriptor.parse(directory.read_sd(HOLDER))
    explicit = [ace for ace in sd.dacl.aces if not ace.inherited]
    return SecurityDescriptor(control=sd.control, dacl=Acl(4, explicit + extra_aces)).to_bytes()


def test_exchange_2013_aces_and_a_direct_risky_ace_on_adminsdholder_are_named(
        ansible, directory, admins):
    original = directory.read_sd(HOLDER)
    exs_sid, _guid = sid_and_guid(directory.conn, EXCHANGE_SERVERS)
    helpdesk_sid, _guid = sid_and_guid(directory.conn, HELPDESK)
    sddl = Sddl()
    exchange_ace = sddl.parse_ace("OA;CIIO;CCDCLC;%s;%s;%s" % (DEVICES, USER, exs_sid))
    risky_ace = sddl.parse_ace("OA;;WP;%s;;%s" % (MEMBER, helpdesk_sid))
    try:
        directory.write_sd(HOLDER, _holder_with(directory, [exchange_ace]))
        first = ansible.run("protected_accounts_info", dict(search_base=OU))["adminsdholder"]
        directory.write_sd(HOLDER, _holder_with(directory, [risky_ace]))  # both now
        second = ansible.run("protected_accounts_info", dict(search_base=OU))["adminsdholder"]
    finally:
        put_back(directory, HOLDER, original)
    assert directory.read_sd(HOLDER) == original

    assert first["readable"] is True and first["error"] is None
    assert first["owner"]["name"] == "Domain Admins"
    assert first["template"] == "windows2008" and first["domain_functionality"] == 4
    # Samba provisions AdminSDHolder inheriting from the domain root (Windows protects it)
    assert first["dacl_protected"] is False
    assert "inheritance" in [f["kind"] for f in first["findings"]]
    explicit = [row for row in first["exchange"] if not row["inherited"]]
    assert [(row["trustee"], row["object_type"], row["inherited_object_type"],
             row["inherit_only"], row["rights"]) for row in explicit] == [
        ("Exchange Servers", "msExchActiveSyncDevices", "user", True, "CCDCLC")]
    named = [f for f in first["findings"] if f["kind"] == "exchange" and not f["inherited"]]
    assert len(named) == 1 and "P-ExchangeAdminSDHolder" in named[0]["cites"][0]
    assert "inherit-only" in named[0]["enables"]
    assert any(row["ace"] == named[0]["ace"] and not row["inherited"]
               for row in first["not_in_template"])
    assert [f for f in first["findings"] if f["kind"] == "risky"] == []

    risky = [f for f in second["findings"] if f["kind"] == "risky"]
    assert len(risky) == 1
    assert (risky[0]["trustee"], risky[0]["sid"], risky[0]["rights"], risky[0]["inherit_only"]) \
        == ("h8-helpdesk", helpdesk_sid, ["write property on member"], False)
    assert "add any account to every protected group, Domain Admins included" \
        in risky[0]["enables"]
    assert any("Rule in AdminSDHolder (modified or added)" in c for c in risky[0]["cites"])
    # the Exchange ACE of the first step is still there, and still no risky one
    assert [row["ace"] for row in second["exchange"] if not row["inherited"]] == [
        named[0]["ace"]]
