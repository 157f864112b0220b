"""protected_accounts_info: admins with phones (issue 24 item 1) and the AdminSDHolder audit in
its result, through main() against a directory in memory. Every protected and unmarked account
carries mail, activesync_enabled and its partnerships; counts say how many have partnerships or
ActiveSync enabled; without the Exchange schema those values are null, not an error. The lab
test (tests/integration/test_admins_phones.py) checks the same on a real DC."""

from fakes import DOMAIN_NC, add_device, exchange_forest, make_sid

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_access
from ansible_collections.adremedy.directory.plugins.modules import protected_accounts_info

USERS = "CN=Users," + DOMAIN_NC
ADMINS_OU = "OU=Admins," + DOMAIN_NC
DOMAIN_ADMINS = "CN=Domain Admins," + USERS
PHONE = "CN=adm-phone,%s" % ADMINS_OU      # mailbox, ActiveSync on, two partnerships
NOSYNC = "CN=adm-nosync,%s" % ADMINS_OU    # mailbox, ActiveSync off (4)
PLAIN = "CN=adm-plain,%s" % ADMINS_OU      # no mailbox
ORPHAN = "CN=former,%s" % ADMINS_OU
ATTRIBUTE = "msExchOmaAdminWirelessEnable"


def domain(directory, exchange=True, extra_admins=0):
    if exchange:
        exchange_forest(directory)
        directory.add_entry("CN=%s,%s" % (ATTRIBUTE, directory.root_dse.schema_naming_context),
                            lDAPDisplayName=ATTRIBUTE)
    directory.add_entry(DOMAIN_NC, objectClass=["top", "domainDNS"])
    members = [PHONE, NOSYNC, PLAIN] + ["CN=adm-%02d,%s" % (i, ADMINS_OU)
                                        for i in range(extra_admins)]
    directory.add_entry(DOMAIN_ADMINS, objectClass=["top", "group"], objectSid=make_sid(512),
                        sAMAccountName="Domain Admins", member=members,
                        mail="domain-admins@example.com")
    for number, dn in enumerate(members):
        attrs = dict(sAMAccountName=dn.split(",")[0][3:], objectSid=make_sid(1200 + number),
                     adminCount="1", memberOf=[DOMAIN_ADMINS])
        if dn == PHONE:
            attrs.update(mail="adm-phone@example.com")
        if dn == NOSYNC:
            attrs.update(proxyAddresses=["smtp:old@example.com", "SMTP:adm-nosync@example.com"])
            if exchange:
                attrs[ATTRIBUTE] = "4"
        directory.add_user(dn, **attrs)
    directory.add_user(ORPHAN, sAMAccountName="former", objectSid=make_sid(1299),
                       adminCount="1", mail="former@example.com")
    if exchange:
        add_device(directory, PHONE, "APPLZZ0001", "iPhone15,2", state=1, reason=2)
        add_device(directory, PHONE, "ANDRZZ0002", "Pixel 8", state=3, reason=3)
        add_device(directory, ORPHAN, "APPLZZ0009", "iPhone12,1")
        device = directory.entries[[k for k in directory.entries if "applzz0001" in k][0]]
        device.attrs["whencreated"] = [b"20240311081502.0Z"]
        device.attrs["whenchanged"] = [b"20260101120000.0Z"]


def rows(result):
    return dict((o["dn"], o) for o in result["objects"])


def test_admins_carry_mail_activesync_and_their_partnerships(run_module, directory):
    domain(directory)
    result = run_module(protected_accounts_info, {})
    assert not result["failed"], result.get("msg")
    found = rows(result)
    phone = found[PHONE]
    assert (phone["mail"], phone["activesync_enabled"]) == ("adm-phone@example.com", True)
    assert [(d["device_id"], d["device_model"], d["access_state"]) for d in phone["devices"]] \
        == [("ANDRZZ0002", "Pixel 8", "Quarantined"), ("APPLZZ0001", "iPhone15,2", "Allowed")]
    iphone = phone["devices"][1]
    assert (iphone["first_seen"], iphone["when_created"], iphone["when_changed"]) == (
        "2024-03-11T08:15:02Z", "2024-03-11T08:15:02Z", "2026-01-01T12:00:00Z")
    assert iphone["dn"].startswith("CN=iPhone15\\,2\u00a7APPLZZ0001,CN=ExchangeActiveSyncDevices,")
    nosync = found[NOSYNC]
    assert (nosync["mail"], nosync["activesync_enabled"], nosync["devices"]) == (
        "adm-nosync@example.com", False, [])
    plain = found[PLAIN]
    # no mailbox: the attribute is absent, so Exchange would call ActiveSync enabled
    assert (plain["mail"], plain["activesync_enabled"], plain["devices"]) == (None, True, [])
    group = found[DOMAIN_ADMINS]  # a group: mail only
    assert (group["mail"], group["activesync_enabled"], group["devices"]) == (
        "domain-admins@example.com", None, None)
    orphan = found[ORPHAN]  # orphans are not admins: no phone fields
    assert orphan["classification"] == "orphaned" and "devices" not in orphan
    counts = result["counts"]
    # with a partnership: adm-phone; ActiveSync enabled with a mail address: adm-phone only
    assert (counts["with_devices"], counts["activesync_enabled"]) == (1, 1)


def test_without_the_exchange_schema_the_phone_fields_are_null(run_module, directory):
    domain(directory, exchange=False)
    result = run_module(protected_accounts_info, {})
    assert not result["failed"], result.get("msg")
    phone = rows(result)[PHONE]
    assert (phone["mail"], phone["activesync_enabled"], phone["devices"]) == (
        "adm-phone@example.com", None, None)
    assert (result["counts"]["with_devices"], result["counts"]["activesync_enabled"]) == (
        None, None)


def test_devices_are_read_in_batches_not_one_search_per_admin(run_module, directory, monkeypatch):
    domain(directory, extra_admins=40)
    searches = []
    real_search = directory.search

    def search(base, search_filter="(objectClass=*)", attributes=None, scope="subtree"):
        searches.append((base, search_filter, scope))
        return real_search(base, search_filter, attributes, scope)
    directory.search = search
    result = run_module(protected_accounts_info, {})
    by_dn = [s for s in searches if "distinguishedName=" in s[1] and "ExchangeActiveSync" in s[1]]
    # 43 admins + their 43 possible containers, 10 DNs a search; one one-level search for the
    # one container found
    assert len(by_dn) <= 9
    assert [s for s in searches if s[1] == "(objectClass=msExchActiveSyncDevice)"] == [
        ("CN=ExchangeActiveSyncDevices," + PHONE, "(objectClass=msExchActiveSyncDevice)",
         "onelevel")]
    # past CONTAINER_SEARCHES containers: one search of the domain instead, same answer
    monkeypatch.setattr(_eas_access, "CONTAINER_SEARCHES", 0)
    searches[:] = []
    again = run_module(protected_accounts_info, {})
    assert rows(again)[PHONE]["devices"] == rows(result)[PHONE]["devices"]
    assert [s for s in searches if s[1] == "(objectClass=msExchActiveSyncDevice)"] == [
        (DOMAIN_NC, "(objectClass=msExchActiveSyncDevice)", "subtree")]
    assert "devices" not in rows(again)[ORPHAN]  # the orphan's phone stays out


def test_the_result_carries_the_adminsdholder_audit(run_module, directory):
    domain(directory)
    result = run_module(protected_accounts_info, {})
    holder = result["adminsdholder"]
    # the fake directory has no AdminSDHolder: reported, not an error
    assert holder["dn"] == "CN=AdminSDHolder,CN=System," + DOMAIN_NC
    assert holder["readable"] is False and "noSuchObject (32)" in holder["error"]
