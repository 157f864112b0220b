"""eas_readiness_info's exchange_can_create_after_sdprop on the lab's DC (issue 24 item 2), held
against what the DC does: AdminSDHolder with Exchange 2013's inherit-only ACE
(OA;CIIO;CCDCLC;msExchActiveSyncDevices;user;Exchange Servers) stamped on a Domain Admin as
SDProp stamps it: the module says false, naming that ACE, and the EAS sync stand-in (bound as the
Exchange server) gets event 1053; with a direct (OA;;CC;msExchActiveSyncDevices;;Exchange
Servers) added the module says true and the sync succeeds. AdminSDHolder is written back
exactly, the account leaves Domain Admins and everything the test made is removed in finally."""

import ldap3

from conftest import BASE, LAB_OU, eas_sync
from made_here import add_user, protect_like_sdprop, put_back, sid_and_guid, undo_all

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

OU = "OU=h9 After SDProp,%s" % LAB_OU
ADMIN = "CN=h9-sdprop-admin,%s" % OU
DOMAIN_ADMINS = "CN=Domain Admins,CN=Users,%s" % BASE
HOLDER = "CN=AdminSDHolder,CN=System,%s" % BASE
EXCHANGE_SERVERS = "CN=Exchange Servers,OU=Microsoft Exchange Security Groups,%s" % LAB_OU
DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"


def _holder_with(directory, texts):
    sddl = Sddl()
    sd = SecurityDescriptor.parse(directory.read_sd(HOLDER))
    explicit = [ace for ace in sd.dacl.aces if not ace.inherited]
    extra = [sddl.parse_ace(text) for text in texts]
    return SecurityDescriptor(control=sd.control, dacl=Acl(4, explicit + extra)).to_bytes()


def _member(conn, change):
    conn.modify(DOMAIN_ADMINS, {"member": [(change, [ADMIN])]})
    assert conn.result["result"] in (0, 16, 20, 53), conn.result


def _row(ansible):
    result = ansible.run("eas_readiness_info", dict(dn=[ADMIN], details=True))
    assert not result.get("failed"), result.get("msg")
    return result["users"][0]


def test_after_sdprop_as_the_dc_evaluates_adminsdholders_dacl(ansible, directory):
    conn = directory.conn
    original = directory.read_sd(HOLDER)
    exs, _guid = sid_and_guid(conn, EXCHANGE_SERVERS)
    exchange_2013 = "OA;CIIO;CCDCLC;%s;%s;%s" % (DEVICES, USER, exs)
    direct = "OA;;CC;%s;;%s" % (DEVICES, exs)
    directory.tree_delete(OU)
    try:
        assert conn.add(OU, ["top", "organizationalUnit"]), conn.result
        add_user(conn, ADMIN, "h9-sdprop-admin", mail="h9-sdprop-admin@lab.example.test")
        _member(conn, ldap3.MODIFY_ADD)
        directory.write_sd(HOLDER, _holder_with(directory, [exchange_2013]))
        protect_like_sdprop(directory, ADMIN, BASE)
        row = _row(ansible)
        # the ACE is on the account as stamped, still inherit-only
        stamped = SecurityDescriptor.parse(directory.read_sd(ADMIN))
        assert any(Sddl().ace(ace) == "(%s)" % exchange_2013 for ace in stamped.dacl.aces)
        synced = eas_sync([ADMIN], device_id="H9SDPROP0001")[ADMIN]

        directory.write_sd(HOLDER, _holder_with(directory, [exchange_2013, direct]))
        row_direct = _row(ansible)
        protect_like_sdprop(directory, ADMIN, BASE)
        synced_direct = eas_sync([ADMIN], device_id="H9SDPROP0002")[ADMIN]
    finally:
        undo_all(lambda: put_back(directory, HOLDER, original),
                 lambda: _member(conn, ldap3.MODIFY_DELETE),
                 lambda: directory.tree_delete(OU))
    assert directory.read_sd(HOLDER) == original

    assert (row["protection"], row["exchange_can_create_after_sdprop"]) == ("protected", False)
    assert row["after_sdprop_reason"].startswith(
        "AdminSDHolder's (%s) is inherit-only" % exchange_2013)
    assert (synced["code"], synced["step"], synced["event"]) == (50, "container", 1053)

    assert row_direct["exchange_can_create_after_sdprop"] is True
    assert row_direct["after_sdprop_reason"].startswith("AdminSDHolder's (%s) gives" % direct)
    assert synced_direct["result"] == "success" and synced_direct["container_created"] is True
