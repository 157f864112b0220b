"""Mobile device mailbox policies: the decoder, the baseline comparison, which policy applies to
a user, and the reading through a directory in memory."""

import pytest

from fakes import FakeDirectory, ORG, exchange_forest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
    ADDITIONAL_FLAGS_DEFAULT, CIS_EXCHANGE_2019_L1, FLAGS_DEFAULT, MobilePolicy, PolicyTally,
    compare, decode_policy, default_policy, policy_inventory, read_policies)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry

POLICIES = "CN=Mobile Mailbox Policies," + ORG
# Exchange's own bits: PasswordEnabled 0x2, AlphanumericPasswordRequired 0x4, IsDefault 0x1000,
# AllowNonProvisionableDevices 0x20000, AllowSimplePassword 0x40000; additional 0x4 is
# RequireDeviceEncryption.
STRICT = dict(msExchMobileFlags=str(0x2 | 0x4 | 0x40 | 0x1000),
              msExchMobileAdditionalFlags=str(ADDITIONAL_FLAGS_DEFAULT | 0x4),
              msExchMobileMinDevicePasswordLength="8",
              msExchMobileMaxDevicePasswordFailedAttempts="10",
              msExchMobileDevicePasswordExpiration=str(90 * 86400),
              msExchMobileDeviceNumberOfPreviousPasswordsDisallowed="4",
              msExchMobileMaxInactivityTimeDeviceLock="900",
              msExchMobileDevicePolicyRefreshInterval="3600")


def entry(name, **attrs):
    values = dict((k.lower(), [str(v).encode()]) for k, v in attrs.items())
    values["cn"] = [name.encode()]
    return Entry("CN=%s,%s" % (name, POLICIES), values)


def strict_settings():
    return decode_policy(entry("Default", **STRICT)).settings


def policy(name, is_default=False, when="20260101000000.0Z", **settings):
    return MobilePolicy("CN=%s,%s" % (name, POLICIES), name, is_default, when, settings)


def test_an_empty_policy_decodes_to_exchanges_defaults():
    decoded = decode_policy(entry("Bare"))
    assert (decoded.mobile_flags, decoded.additional_flags) == (None, None)
    settings = decoded.settings
    assert decoded.is_default is False and decoded.name == "Bare"
    # MobileFlags' default word: attachments, simple passwords, WSS and UNC; no password
    assert settings["attachments_enabled"] and settings["allow_simple_password"]
    assert not settings["password_enabled"] and not settings["allow_non_provisionable_devices"]
    assert settings["allow_apple_push_notifications"]  # the Deny bit is clear
    # every Allow* of the additional word and IRM, nothing required
    assert settings["allow_camera"] and settings["irm_enabled"]
    assert not settings["require_device_encryption"]
    assert settings["min_password_length"] is None and settings["password_history"] == 0
    assert settings["max_password_failed_attempts"] is None  # Unlimited
    assert settings["min_password_complex_characters"] == 1
    assert (settings["allow_bluetooth"], settings["max_email_age_filter"]) == ("Allow", "All")
    assert FLAGS_DEFAULT == 3407936 and ADDITIONAL_FLAGS_DEFAULT == 7314395


def test_flag_words_numbers_and_enums_decode():
    decoded = decode_policy(entry(
        "Strict", msExchMobileFlags=0x2 | 0x4 | 0x20 | 0x1000 | 0x2000000,
        msExchMobileAdditionalFlags=0x4 | 0x400, msExchMobileMinDevicePasswordLength=6,
        msExchMobileMaxInactivityTimeDeviceLock=900, msExchMobileAllowBluetooth=1,
        msExchMobileMaxCalendarAgeFilter=5, msExchMobileMaxEmailAgeFilter=9,
        msExchMobileMaxDevicePasswordFailedAttempts="Unlimited",
        whenChanged="20261128151542.0Z"))
    settings = decoded.settings
    assert decoded.is_default and decoded.when_changed == "2026-11-28T15:15:42Z"
    assert settings["password_enabled"] and settings["alphanumeric_password_required"]
    assert settings["device_encryption_enabled"] and not settings["allow_simple_password"]
    assert not settings["attachments_enabled"]  # a stored word replaces the default one
    assert not settings["allow_apple_push_notifications"] and settings["allow_google_push_notifications"]
    assert settings["require_device_encryption"] and settings["require_manual_sync_when_roaming"]
    assert not settings["allow_camera"]
    assert (settings["min_password_length"], settings["max_inactivity_time_lock_seconds"]) == (6, 900)
    assert settings["max_password_failed_attempts"] is None
    assert (settings["allow_bluetooth"], settings["max_calendar_age_filter"],
            settings["max_email_age_filter"]) == ("HandsfreeOnly", "OneMonth", "9")


def test_a_value_that_is_no_number_is_reported_not_raised():
    decoded = decode_policy(entry("Odd", msExchMobileMinDevicePasswordLength="six"))
    assert decoded.settings["min_password_length"] is None
    assert decoded.warnings == ["msExchMobileMinDevicePasswordLength is 'six', not a number: "
                                "read as not set"]


def test_a_policy_meeting_every_item_and_one_missing_each():
    strict = decode_policy(entry("Strict", **STRICT))
    result = compare(strict)
    assert result["failed"] == [] and len(result["passed"]) == len(CIS_EXCHANGE_2019_L1) == 11
    weak = compare(decode_policy(entry("Bare")))
    # Exchange's defaults miss every item but 3.2 (the flag word's default has the bit clear)
    assert weak["passed"] == ["3.2"]
    assert weak["failed"] == [i.id for i in CIS_EXCHANGE_2019_L1 if i.id != "3.2"]
    rows = dict((item["id"], item) for item in weak["checks"])
    assert (rows["3.1"]["property"], rows["3.1"]["expected"], rows["3.1"]["actual"]) == (
        "AllowSimplePassword", "false", True)
    assert rows["3.7"]["note"].startswith("unit unconfirmed") and "note" not in rows["3.1"]


@pytest.mark.parametrize("setting, value, item, passed", [
    ("min_password_length", 4, "3.4", True), ("min_password_length", 3, "3.4", False),
    ("max_password_failed_attempts", 10, "3.5", True),
    ("max_password_failed_attempts", 11, "3.5", False),
    ("max_password_failed_attempts", None, "3.5", False),  # Unlimited
    ("password_expiration_seconds", 365 * 86400, "3.6", True),
    ("password_expiration_seconds", 366 * 86400, "3.6", False),
    ("device_policy_refresh_interval_seconds", 3600, "3.7", True),
    ("device_policy_refresh_interval_seconds", 86400, "3.7", False),
    ("max_inactivity_time_lock_seconds", 15 * 60, "3.11", True),
    ("max_inactivity_time_lock_seconds", 15 * 60 + 1, "3.11", False),
    ("password_history", 4, "3.3", True), ("password_history", 3, "3.3", False)])
def test_thresholds(setting, value, item, passed):
    settings = decode_policy(entry("Strict", **STRICT)).settings
    settings[setting] = value
    rows = dict((row["id"], row) for row in compare(policy("P", **settings))["checks"])
    assert rows[item]["passed"] is passed and rows[item]["actual"] == value


def test_the_default_is_the_marked_one_changed_last():
    old = policy("Old", is_default=True, when="2025-01-01T00:00:00Z")
    new = policy("New", is_default=True, when="2026-01-01T00:00:00Z")
    other = policy("Other", when="2027-01-01T00:00:00Z")
    assert default_policy([old, other, new]) is new
    assert default_policy([other]) is None


def test_users_get_their_link_else_the_default():
    default = policy("Default", is_default=True, **strict_settings())
    legacy = policy("Legacy", **decode_policy(entry("Legacy")).settings)
    tally = PolicyTally([legacy, default], list_users="linked")
    assert tally.add("CN=a,DC=x", None, "a") == default.dn
    # the link as AD returns it, in another spelling of the same DN
    assert tally.add("CN=b,DC=x", legacy.dn.upper().replace(",", ", "), "b") == legacy.dn
    # a link to no policy here: Exchange falls back to the default
    assert tally.add("CN=c,DC=x", "CN=Gone," + POLICIES, "c") == default.dn
    result = tally.result()
    rows = dict((row["name"], row) for row in result["policies"])
    assert rows["Default"]["users"] == dict(linked=0, by_default=2, total=2)
    assert rows["Legacy"]["users"] == dict(linked=1, by_default=0, total=1)
    assert rows["Legacy"]["members"] == [dict(dn="CN=b,DC=x", sam_account_name="b", linked=True)]
    assert rows["Default"]["members"] == []  # only the linked users are listed
    assert rows["Default"]["applied_as_default"] and not rows["Legacy"]["applied_as_default"]
    assert result["summary"] == dict(
        policies=2, default_policy="Default", marked_default=1, policies_failing_baseline=1,
        policies_failing_baseline_unused=0,
        users=3, users_linked=1, users_by_default=2, users_without_policy=0,
        users_with_unknown_link=1, users_on_failing_policies=1)
    assert result["warnings"] == ["1 users link to CN=Gone,%s, which is no policy of the "
                                  "organization: Exchange applies the default to them" % POLICIES]


def test_without_a_default_users_without_a_link_get_none():
    legacy = policy("Legacy", **decode_policy(entry("Legacy")).settings)
    tally = PolicyTally([legacy], list_users="all")
    assert tally.add("CN=a,DC=x", None) is None
    tally.add("CN=b,DC=x", legacy.dn)
    result = tally.result()
    assert result["summary"]["users_without_policy"] == 1
    assert result["summary"]["default_policy"] is None
    assert result["policies"][0]["members"] == [
        dict(dn="CN=b,DC=x", sam_account_name=None, linked=True)]
    assert result["warnings"] == ["no policy is marked default: users without a link get no "
                                  "mobile device mailbox policy"]


def test_two_defaults_are_a_warning_naming_the_one_exchange_uses():
    tally = PolicyTally([policy("A", True, "2025-01-01"), policy("B", True, "2026-01-01")])
    assert tally.result()["warnings"] == [
        "2 policies are marked default (A, B): Exchange applies the one changed last, B"]
    assert "members" not in tally.result()["policies"][0]


def forest():
    directory = FakeDirectory()
    exchange_forest(directory)
    directory.add_entry(POLICIES, objectClass=["top", "container"])
    directory.add_entry("CN=Default," + POLICIES, objectClass=["top", "msExchMobileMailboxPolicy"],
                        cn="Default", whenChanged="20260101000000.0Z", **STRICT)
    directory.add_entry("CN=Legacy," + POLICIES, objectClass=["top", "msExchMobileMailboxPolicy"],
                        cn="Legacy", msExchMobileFlags=str(0x40 | 0x20000))
    # Exchange keeps its autoblock thresholds in the same container: not a policy
    directory.add_entry("CN=TooManyRequests," + POLICIES,
                        objectClass=["top", "msExchDeviceAutoblockThreshold"],
                        cn="TooManyRequests", msExchMobileFlags="1")
    staff = "OU=Staff,DC=example,DC=com"
    directory.add_user("CN=Jane," + staff, sAMAccountName="jane",
                       msExchMobileMailboxPolicyLink="CN=Legacy," + POLICIES)
    directory.add_user("CN=John," + staff, sAMAccountName="john")
    return directory, staff


def test_read_policies_takes_only_the_policy_class():
    directory, _staff = forest()
    policies, warnings = read_policies(directory)
    assert sorted(p.name for p in policies) == ["Default", "Legacy"] and warnings == []
    assert [p.name for p in policies if p.is_default] == ["Default"]


def test_inventory_over_a_selection():
    directory, staff = forest()
    params = dict(dn=None, search_base=staff, scope="subtree",
                  filter="(&(objectCategory=person)(objectClass=user))", read_connections=1)
    result = policy_inventory(directory, params, list_users="all")
    rows = dict((row["name"], row) for row in result["policies"])
    assert rows["Legacy"]["users"]["linked"] == 1 and rows["Default"]["users"]["by_default"] == 1
    assert rows["Legacy"]["baseline"]["failed"] and not rows["Default"]["baseline"]["failed"]
    assert [m["sam_account_name"] for m in rows["Legacy"]["members"]] == ["jane"]
    missing = dict(params, dn=["CN=Nobody,DC=example,DC=com"], search_base=None)
    with pytest.raises(LdapError, match="user CN=Nobody,DC=example,DC=com does not exist"):
        policy_inventory(directory, missing)


def test_no_policies_container_is_a_warning_not_an_error():
    directory = FakeDirectory()
    exchange_forest(directory)
    missing = "%s does not exist: the organization has no mobile device mailbox policies" % POLICIES
    assert read_policies(directory) == ([], [missing])
    # what the report does: its own pass over the users feeds the tally
    tally = PolicyTally(*read_policies(directory)[:1], warnings=read_policies(directory)[1])
    tally.add_entry(Entry("CN=a,DC=x", {"samaccountname": [b"a"]}))
    result = tally.result()
    assert result["summary"]["users_without_policy"] == 1
    assert result["warnings"] == [missing, "no policy is marked default: users without a link "
                                  "get no mobile device mailbox policy"]
