"""eas_policy_info's main() through the module base, against a directory in memory."""

from fakes import (DOMAIN_NC, LEGACY_POLICY as LEGACY, POLICIES, exchange_forest,
                   mobile_policies)

from ansible_collections.adremedy.directory.plugins.modules import eas_policy_info

STAFF = "OU=Staff," + DOMAIN_NC
JANE = "CN=Jane Doe," + STAFF
JOHN = "CN=John Roe," + STAFF
JOE = "CN=Joe Bloggs," + STAFF


def lab(directory, schema=True):
    exchange_forest(directory)
    mobile_policies(directory, schema, whenChanged="20260101000000.0Z")
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_user(JANE, sAMAccountName="jane", msExchMobileMailboxPolicyLink=LEGACY)
    directory.add_user(JOHN, sAMAccountName="john")
    directory.add_user(JOE, sAMAccountName="joe")


def test_policies_users_and_the_baseline(run_module, directory):
    lab(directory)
    result = run_module(eas_policy_info, dict(search_base=STAFF))
    assert not result["failed"], result.get("msg")
    assert result["changed"] is False and directory.modifies == []
    assert result["summary"] == dict(
        policies=2, default_policy="Default", marked_default=1, policies_failing_baseline=1,
        policies_failing_baseline_unused=0,
        users=3, users_linked=1, users_by_default=2, users_without_policy=0,
        users_with_unknown_link=0, users_on_failing_policies=1)
    rows = dict((row["name"], row) for row in result["policies"])
    legacy, default = rows["Legacy Devices"], rows["Default"]
    assert default["baseline"]["failed"] == [] and default["applied_as_default"]
    assert legacy["baseline"]["passed"] == ["3.4"]
    assert "3.2" in legacy["baseline"]["failed"] and "3.10" in legacy["baseline"]["failed"]
    assert legacy["users"] == dict(linked=1, by_default=0, total=1)
    assert default["users"] == dict(linked=0, by_default=2, total=2)
    assert legacy["settings"]["allow_non_provisionable_devices"] is True
    assert legacy["settings"]["password_enabled"] is False
    assert "members" not in legacy  # counts only, unless asked
    assert result["baseline"].startswith("CIS Microsoft Exchange Server 2019")
    assert "warnings" not in result


def test_listing_users_and_identities_as_admins_type_them(run_module, directory):
    lab(directory)
    linked = run_module(eas_policy_info, dict(search_base=STAFF, list_users="linked"))
    rows = dict((row["name"], row["members"]) for row in linked["policies"])
    assert rows == {"Default": [], "Legacy Devices": [
        dict(dn=JANE, sam_account_name="jane", linked=True)]}
    every = run_module(eas_policy_info, dict(dn=["jane", JOHN], list_users="all"))
    rows = dict((row["name"], [m["sam_account_name"] for m in row["members"]])
                for row in every["policies"])
    assert rows == {"Default": ["john"], "Legacy Devices": ["jane"]}
    assert every["summary"]["users"] == 2


def test_warnings_for_a_link_to_no_policy(run_module, directory, monkeypatch):
    lab(directory)
    directory.entries[JOE.lower()].attrs["msexchmobilemailboxpolicylink"] = [
        ("CN=Gone," + POLICIES).encode()]
    warned = []
    monkeypatch.setattr(eas_policy_info.AdremedyModule, "warn",
                        lambda self, text: warned.append(text))
    result = run_module(eas_policy_info, dict(search_base=STAFF))
    assert result["summary"]["users_with_unknown_link"] == 1
    assert result["summary"]["users_by_default"] == 2
    assert warned == ["1 users link to CN=Gone,%s, which is no policy of the organization: "
                      "Exchange applies the default to them" % POLICIES]


def test_without_the_policy_schema_it_fails_in_one_line(run_module, directory):
    lab(directory, schema=False)
    result = run_module(eas_policy_info, dict(search_base=STAFF))
    assert result["failed"] and result["ldap_code"] == 17
    assert result["msg"].startswith("the Exchange schema is not in this forest: "
                                    "msExchMobileMailboxPolicy, msExchMobileMailboxPolicyLink")


def test_argument_errors(run_module, directory):
    bad = run_module(eas_policy_info, dict(list_users="some"))
    assert bad["failed"] and "list_users" in bad["msg"]
    assert directory.settings is None  # refused before connecting
    lab(directory)
    missing = run_module(eas_policy_info, dict(dn=["CN=Nobody," + DOMAIN_NC]))
    assert missing["failed"] and missing["ldap_code"] == 32
    assert missing["msg"] == "user CN=Nobody,%s does not exist: noSuchObject (32)" % DOMAIN_NC
