"""eas_readiness_info's exchange_can_create_after_sdprop (issue 24 item 2): whether Exchange
Servers could create the devices container on a protected account once SDProp has stamped
AdminSDHolder's DACL on it, against a directory in memory."""

from fakes import DOMAIN_NC, DOMAIN_SID, sd_bytes

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
    holder_verdict)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.modules import eas_readiness_info

import test_eas_readiness_info as base

HOLDER = "CN=AdminSDHolder,CN=System," + DOMAIN_NC
SECOND = "CN=Tier0 Second,OU=Staff," + DOMAIN_NC
DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"
EXS = "%s-1120" % DOMAIN_SID
ADMINS = "(A;;CCDCLCSWRPWPLOCRSDRCWDWO;;;BA)(A;;LCRPLORC;;;AU)"
EXCHANGE_2013 = "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES, USER, EXS)
DIRECT = "(OA;;CC;%s;;%s)" % (DEVICES, EXS)


def lab(directory, holder_sddl):
    base.lab(directory)
    from fakes import make_sid
    directory.add_user(SECOND, sAMAccountName="t0b", adminCount="1", objectSid=make_sid(1502),
                       memberOf=["CN=Domain Admins,CN=Users," + DOMAIN_NC])
    directory.entries[("CN=Domain Admins,CN=Users," + DOMAIN_NC).lower()].attrs["member"].append(
        SECOND.encode())
    if holder_sddl is not None:
        directory.add_entry(HOLDER, objectClass=["top", "container"],
                            nTSecurityDescriptor=sd_bytes(holder_sddl))


def rows(result):
    return dict((row["dn"], row) for row in result["users"])


def run(run_module, directory, holder_sddl):
    lab(directory, holder_sddl)
    reads = []
    plain = directory.read
    directory.read = lambda dn, *a, **k: reads.append(dn) or plain(dn, *a, **k)
    result = run_module(eas_readiness_info, dict(search_base=base.STAFF, details=True))
    assert not result["failed"], result["msg"]
    return result, reads


def test_exchange_2013_inherit_only_ace_is_no_right_on_the_account(run_module, directory):
    result, reads = run(run_module, directory, "O:DAG:DUD:PAI" + ADMINS + EXCHANGE_2013)
    by_dn = rows(result)
    admin = by_dn[base.ADMIN]
    assert admin["exchange_can_create_after_sdprop"] is False
    reason = admin["after_sdprop_reason"]
    assert reason.startswith("AdminSDHolder's %s is inherit-only" % EXCHANGE_2013)
    assert "MS-ADTS 6.1.3" in reason and "event 1053" in reason
    assert by_dn[SECOND]["exchange_can_create_after_sdprop"] is False
    # only protected and unmarked accounts carry it
    for dn in (base.BROKEN, base.FINE, base.ORPHAN):
        assert "exchange_can_create_after_sdprop" not in by_dn[dn]
    would_fail = dict((row["dn"], row) for row in result["would_fail"])
    assert would_fail[base.ADMIN]["after_sdprop_reason"] == reason
    assert reads.count(HOLDER) == 1  # once per run, not per account


def test_a_direct_create_child_ace_survives_sdprop(run_module, directory):
    result, _reads = run(run_module, directory,
                         "O:DAG:DUD:PAI" + ADMINS + EXCHANGE_2013 + DIRECT)
    admin = rows(result)[base.ADMIN]
    assert admin["exchange_can_create_after_sdprop"] is True
    assert admin["after_sdprop_reason"].startswith("AdminSDHolder's %s gives" % DIRECT)
    assert admin["exchange_can_create"] is False  # today: its own DACL has no such ACE


def test_a_deny_before_the_allow_decides(run_module, directory):
    deny = "(OD;;CC;%s;;%s)" % (DEVICES, EXS)
    result, _reads = run(run_module, directory, "O:DAG:DUD:PAI" + deny + ADMINS + DIRECT)
    admin = rows(result)[base.ADMIN]
    assert admin["exchange_can_create_after_sdprop"] is False
    assert admin["after_sdprop_reason"].startswith("AdminSDHolder's deny ACE %s stops" % deny)


def test_adminsdholder_not_readable_is_null_not_a_guess(run_module, directory):
    result, _reads = run(run_module, directory, None)
    admin = rows(result)[base.ADMIN]
    assert (admin["exchange_can_create_after_sdprop"], admin["after_sdprop_reason"]) == (
        None, "%s does not exist: noSuchObject (32), so it is not known" % HOLDER)


def test_adminsdholder_without_read_control_is_null(run_module, directory):
    lab(directory, "O:DAG:DUD:PAI" + DIRECT)
    del directory.entries[HOLDER.lower()].attrs["ntsecuritydescriptor"]
    result = run_module(eas_readiness_info, dict(search_base=base.STAFF, details=True))
    admin = rows(result)[base.ADMIN]
    assert (admin["exchange_can_create_after_sdprop"], admin["after_sdprop_reason"]) == (
        None, "the DACL of %s could not be read (READ_CONTROL), so it is not known" % HOLDER)


def test_a_conditional_ace_that_decides_is_null():
    from fakes import SDDL
    allow = SDDL.parse("O:DAG:DUD:PAI" + ADMINS).dacl.aces
    callback = Ace(0x0B, 0, 0x1, EXS, DEVICES, None, b"artx\x00\x00\x00\x00")
    holder = SecurityDescriptor(control=0x9004, dacl=Acl(4, list(allow) + [callback]))
    can, why = holder_verdict(holder, [EXS], DEVICES, SDDL)
    assert can is None and "callback (conditional) ACE" in why
