"""The readiness token is the Exchange servers' own (issue 20 item 7): a deny on a group the
Exchange server's account is in, but Exchange Servers is not (a real server's Domain Computers or
Exchange Trusted Subsystem), stops it creating the devices container. The DC itself is the
judge: the lab's EAS sync stand-in, bound as EXCH01, is refused on exactly that user."""

import uuid

import pytest

from conftest import LAB_OU, eas_sync
from made_here import add_user, sid_and_guid

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)

EXCH01 = "CN=EXCH01,OU=Service Accounts,%s" % LAB_OU
CREATE_DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
ACCESS_DENIED_OBJECT = 0x06
INHERITED_ACE = 0x10
CREATE_CHILD = 0x1


@pytest.fixture
def denied_user(directory):
    """A user whose DACL denies Create Child of msExchActiveSyncDevices to a group of this
    test's own that EXCH01 is a member of (Exchange Servers is not)."""
    tag = uuid.uuid4().hex[:8]
    group = "CN=h3-ets-%s,%s" % (tag, LAB_OU)
    user = "CN=h3-denied-%s,%s" % (tag, LAB_OU)
    assert directory.conn.add(group, ["top", "group"], {
        "sAMAccountName": "h3-ets-%s" % tag, "member": [EXCH01]}), directory.conn.result
    try:
        add_user(directory.conn, user, "h3-denied-%s" % tag)
        group_sid = sid_and_guid(directory.conn, group)[0]
        sd = SecurityDescriptor.parse(directory.read_sd(user))
        deny = Ace(ACCESS_DENIED_OBJECT, 0, CREATE_CHILD, group_sid, CREATE_DEVICES)
        explicit = [ace for ace in sd.dacl.aces if not ace.flags & INHERITED_ACE]
        directory.write_sd(user, SecurityDescriptor(control=sd.control, dacl=Acl(
            4, [deny] + explicit)).to_bytes())
        yield user
    finally:
        directory.conn.delete("CN=ExchangeActiveSyncDevices,%s" % user,
                              controls=[("1.2.840.113556.1.4.805", True, None)])
        directory.conn.delete(user)
        directory.conn.delete(group)


def test_a_deny_on_a_group_of_the_exchange_server_is_seen_as_the_dc_sees_it(ansible, denied_user):
    result = ansible.run("eas_readiness_info", {"dn": [denied_user], "details": True})
    assert not result.get("failed"), result.get("msg")
    row = result["users"][0]
    assert row["exchange_can_create"] is False, row
    assert "a deny ACE stops Exchange Servers creating" in row["reason"]
    assert "EXCH01" in row["reason"]
    servers = result["exchange_servers"]["servers"]
    assert [s["dn"].lower() for s in servers] == [EXCH01.lower()]
    # the DC agrees: EXCH01 may not create the container under this user
    outcome = eas_sync([denied_user])[denied_user]
    assert (outcome["code"], outcome["step"]) == (50, "container"), outcome
