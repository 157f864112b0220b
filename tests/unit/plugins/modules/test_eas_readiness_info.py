"""eas_readiness_info's and protected_accounts_info's main() through the module base, against
a directory in memory."""

from fakes import (DOMAIN_NC, DOMAIN_SID, EXCHANGE_SERVERS, INHERITING_SDDL, add_device,
                   exchange_forest, make_sid)

from ansible_collections.adremedy.directory.plugins.modules import (
    eas_readiness_info, protected_accounts_info)

STAFF = "OU=Staff," + DOMAIN_NC
BROKEN = "CN=Broken User,OU=Staff," + DOMAIN_NC
FINE = "CN=Fine User,OU=Staff," + DOMAIN_NC
ADMIN = "CN=Tier0 Admin,OU=Staff," + DOMAIN_NC
ORPHAN = "CN=Former Admin,OU=Staff," + DOMAIN_NC
# Exchange Servers may create msExchActiveSyncDevices under users (PrepareDomain's ACE).
CAN_CREATE = "O:DAG:DUD:AI(OA;CIIO;CC;c975c901-6cea-4b6f-8319-d67f45449506;;%s-1120)" \
    "(OA;ID;CC;c975c901-6cea-4b6f-8319-d67f45449506;;%s-1120)" % (DOMAIN_SID, DOMAIN_SID)


def lab(directory):
    exchange_forest(directory)
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_user(BROKEN, sAMAccountName="broken")
    directory.add_user(FINE, CAN_CREATE, sAMAccountName="fine",
                       msExchMobileAllowedDeviceIDs=["AB1"], msExchMobileBlockedDeviceIDs=["ab1"])
    add_device(directory, FINE, "AB1", "iPhone15,2")
    admins = "CN=Domain Admins,CN=Users," + DOMAIN_NC
    directory.add_user(ADMIN, sAMAccountName="t0", adminCount="1", objectSid=make_sid(1500),
                       memberOf=[admins])
    directory.add_user(ORPHAN, INHERITING_SDDL, sAMAccountName="former", adminCount="1",
                       objectSid=make_sid(1501))
    directory.add_entry(admins, objectClass=["top", "group"], objectSid=make_sid(512),
                        member=[ADMIN], sAMAccountName="Domain Admins")


def test_readiness_names_who_would_fail_and_why(run_module, directory):
    lab(directory)
    result = run_module(eas_readiness_info, dict(search_base=STAFF, details=True))
    assert result["changed"] is False and not result["failed"]
    summary = result["summary"]
    assert (summary["users"], summary["would_fail"], summary["exchange_can_create"],
            summary["protected"], summary["orphaned"], summary["devices"]) == (4, 3, 1, 1, 1, 1)
    assert sorted(row["dn"] for row in result["would_fail"]) == sorted([ORPHAN, BROKEN, ADMIN])
    broken = next(row for row in result["would_fail"] if row["dn"] == BROKEN)
    assert "inheritance is disabled" in broken["reason"] and "event 1053" in broken["reason"]
    assert result["list_findings"] == [dict(dn=FINE, sam_account_name="fine",
                                            list_conflicts=["AB1"], case_duplicates=[])]
    assert result["exchange_servers"]["dn"] == EXCHANGE_SERVERS
    assert result["container_class_guid"]["source"] == "documented"
    assert len(result["users"]) == 4


def test_readiness_of_a_user_that_does_not_exist(run_module, directory):
    lab(directory)
    result = run_module(eas_readiness_info, dict(dn=["CN=Nobody," + STAFF]))
    assert result["failed"] and result["ldap_code"] == 32
    assert result["msg"] == "user CN=Nobody,%s does not exist: noSuchObject (32)" % STAFF


def test_protected_accounts_classified_under_a_base(run_module, directory):
    lab(directory)
    result = run_module(protected_accounts_info, dict(search_base=STAFF))
    assert result["changed"] is False
    assert [(o["dn"], o["classification"]) for o in result["objects"]] == [
        (ORPHAN, "orphaned"), (ADMIN, "protected")]
    assert result["counts"]["protected"] == 1 and result["counts"]["orphaned"] == 1
    only = run_module(protected_accounts_info, dict(classification=["orphaned"]))
    assert [o["dn"] for o in only["objects"]] == [ORPHAN]
    gone = run_module(protected_accounts_info, dict(search_base="OU=Gone," + DOMAIN_NC))
    assert gone["failed"] and gone["ldap_code"] == 32 and directory.closed


# -- issue 20 item 7: the token is the Exchange servers' own, their computer accounts' groups in it

EX01 = "CN=EX01,OU=Exchange Servers," + DOMAIN_NC
ETS = "%s-1121" % DOMAIN_SID  # Exchange Trusted Subsystem: EX01 is a member, the group is not
DENIED_ETS = "CN=Denied ETS,OU=Staff," + DOMAIN_NC
DENIED_COMPUTERS = "CN=Denied Computers,OU=Staff," + DOMAIN_NC


def denied(trustee):
    return "O:DAG:DUD:AI(OD;;CC;c975c901-6cea-4b6f-8319-d67f45449506;;%s)" % trustee \
        + CAN_CREATE[len("O:DAG:DUD:AI"):]


def exchange_server(directory):
    """EX01, a member of Exchange Servers, whose token (tokenGroups) also holds Domain Computers
    and Exchange Trusted Subsystem, as a real Exchange server's computer account's does."""
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
    directory.add_entry("OU=Exchange Servers," + DOMAIN_NC, objectClass=["top", "organizationalUnit"])
    directory.add_entry(EX01, objectClass=["top", "person", "user", "computer"],
                        objectSid=make_sid(1400), sAMAccountName="EX01$", primaryGroupID="515",
                        memberOf=[EXCHANGE_SERVERS], tokenGroups=[
                            sid_from_str(sid) for sid in ("%s-515" % DOMAIN_SID, "%s-1120" % DOMAIN_SID,
                                                          ETS)])
    directory.entries[EXCHANGE_SERVERS.lower()].attrs["member"] = [EX01.encode()]
    directory.add_user(DENIED_ETS, denied(ETS), sAMAccountName="deniedets")
    directory.add_user(DENIED_COMPUTERS, denied("DC"), sAMAccountName="deniedcomputers")


def test_a_deny_on_the_exchange_servers_computer_groups_is_not_missed(run_module, directory):
    lab(directory)
    exchange_server(directory)
    result = run_module(eas_readiness_info, dict(search_base=STAFF, details=True))
    assert not result["failed"], result["msg"]
    rows = dict((row["dn"], row) for row in result["users"])
    assert rows[FINE]["exchange_can_create"] is True
    for dn, trustee in ((DENIED_ETS, ETS), (DENIED_COMPUTERS, "DC")):
        assert rows[dn]["exchange_can_create"] is False, dn
        assert "a deny ACE stops Exchange Servers creating" in rows[dn]["reason"]
        assert "(OD;;CC;c975c901-6cea-4b6f-8319-d67f45449506;;%s)" % trustee in rows[dn]["reason"]
        assert "EX01" in rows[dn]["reason"]
    servers = result["exchange_servers"]["servers"]
    assert [s["dn"] for s in servers] == [EX01]
    assert {ETS, "%s-515" % DOMAIN_SID, "%s-1400" % DOMAIN_SID} <= set(servers[0]["token"])
