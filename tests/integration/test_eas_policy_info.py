"""Mobile device mailbox policies on the lab (issue 25 item 6): eas_policy_info reads the seed's
policies under CN=Mobile Mailbox Policies, counts the users per policy as Exchange applies them
and compares each with the CIS Exchange 2019 Level 1 mobile items.

The seed (tests/lab/seed.py) makes Default (marked default, meets every item) and Legacy Devices
(no password, non-provisionable devices allowed, minimum length 4: misses every item but 3.4),
linked from the users i % 20 == 3. The module only reads."""

from conftest import BASE, STAFF, USER_FILTER, user_dn

POLICIES = "CN=Mobile Mailbox Policies,CN=Lab Org,CN=Microsoft Exchange,CN=Services," \
           "CN=Configuration,%s" % BASE
LEGACY = "CN=Legacy Devices,%s" % POLICIES
LINK = "msExchMobileMailboxPolicyLink"


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def by_name(result):
    return dict((row["name"], row) for row in result["policies"])


def test_a_policy_missing_the_baseline_and_who_it_applies_to(ansible, directory):
    staff = directory.dns(STAFF, USER_FILTER)
    linked = directory.dns(STAFF, "(&%s(%s=*))" % (USER_FILTER, LINK))
    assert len(linked) == 3 and len(staff) > len(linked)  # the seed as this test knows it
    result = ok(ansible.run("eas_policy_info", {"search_base": STAFF, "list_users": "linked"}))
    assert result["changed"] is False
    assert result["summary"] == dict(
        policies=2, default_policy="Default", marked_default=1, policies_failing_baseline=1,
        policies_failing_baseline_unused=0,
        users=len(staff), users_linked=3, users_by_default=len(staff) - 3,
        users_without_policy=0, users_with_unknown_link=0, users_on_failing_policies=3)
    rows = by_name(result)
    legacy, default = rows["Legacy Devices"], rows["Default"]
    # the policy that misses the baseline, reported as such, item by item
    assert legacy["dn"].lower() == LEGACY.lower() and not legacy["is_default"]
    assert legacy["baseline"]["passed"] == ["3.4"]
    assert legacy["baseline"]["failed"] == ["3.1", "3.2", "3.3", "3.5", "3.6", "3.7", "3.8",
                                            "3.9", "3.10", "3.11"]
    items = dict((item["id"], item) for item in legacy["baseline"]["checks"])
    assert (items["3.2"]["property"], items["3.2"]["actual"], items["3.2"]["passed"]) == (
        "AllowNonProvisionableDevices", True, False)
    assert (items["3.10"]["property"], items["3.10"]["actual"]) == ("PasswordEnabled", False)
    # the users linked to it, by name
    assert legacy["users"] == dict(linked=3, by_default=0, total=3)
    assert sorted(m["sam_account_name"] for m in legacy["members"]) == [
        "u00003", "u00023", "u00043"]
    assert sorted(m["dn"].lower() for m in legacy["members"]) == sorted(d.lower() for d in linked)
    # the default applies to everyone else, and meets every item
    assert default["is_default"] and default["applied_as_default"]
    assert default["baseline"]["failed"] == [] and len(default["baseline"]["passed"]) == 11
    assert default["users"] == dict(linked=0, by_default=len(staff) - 3, total=len(staff) - 3)
    assert default["members"] == []  # list_users: linked lists only users with a link
    # settings decoded from the flag words and the numbers as the seed wrote them
    assert (default["settings"]["password_enabled"], default["settings"]["min_password_length"],
            default["settings"]["max_inactivity_time_lock_seconds"],
            default["settings"]["require_device_encryption"]) == (True, 6, 900, True)
    assert (legacy["settings"]["allow_non_provisionable_devices"],
            legacy["settings"]["allow_simple_password"],
            legacy["settings"]["device_policy_refresh_interval_seconds"]) == (True, True, 86400)


def test_users_named_as_admins_type_them_and_the_whole_domain(ansible, directory):
    named = ok(ansible.run("eas_policy_info", {"dn": ["u00001", user_dn(3)],
                                               "list_users": "all"}))
    members = dict((row["name"], [(m["sam_account_name"], m["linked"]) for m in row["members"]])
                   for row in named["policies"])
    assert members == {"Default": [("u00001", False)], "Legacy Devices": [("u00003", True)]}
    # no selection: every user of the domain (Administrator, krbtgt, the admins ...)
    everyone = ok(ansible.run("eas_policy_info"))
    users = len(directory.dns(BASE, USER_FILTER))
    assert everyone["summary"]["users"] == users
    assert (everyone["summary"]["users_linked"], everyone["summary"]["users_by_default"]) == (
        3, users - 3)
    assert "members" not in by_name(everyone)["Default"]


def test_an_unknown_organization_is_one_clear_line(ansible):
    result = ansible.run("eas_policy_info", {"organization": "Contoso"})
    assert result["failed"] and "\n" not in result["msg"]
    assert "no Exchange organization named 'Contoso'" in result["msg"]
