"""The device access decision engine (both orders) and allow/block list planning, table-driven."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._device_lists import (
    check_device_id, merge_entries, plan_edit)
from ansible_collections.adremedy.directory.plugins.module_utils._eas_policy import (
    ACCESS_STATES, Owner, Policy, Rule, apply_plan_changes, default_rule_name, enum_value,
    plan_device)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import rdn_value
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import Entry

IPHONE = dict(device_id="ApplABC123", device_type="iPhone", device_model="iPhone15,2",
              device_os="iOS 17.1 21B74", user_agent="Apple-iPhone15C2/2101.74")
ANDROID9 = dict(device_id="androidc99", device_type="Android", device_model="Moto G7",
                device_os="Android 9", user_agent="Android-Moto-G7/9.0")
DISCOVERING = dict(device_id="ApplNEW1", device_type="iPhone", device_model=None)


def rule(query, characteristic, level, name=None):
    return Rule(name or default_rule_name(query, characteristic), characteristic, query, level)


def policy(*rules, default="Quarantine"):
    return Policy(list(rules), default, dn="CN=Mobile Mailbox Settings,CN=Org")


def owner(allowed=(), blocked=(), enabled=True):
    return Owner("CN=U,DC=x", "u", "u@x", enabled, allowed, blocked)


# (case, device, owner, policy, seed decision, exchange2013 decision)
CASES = [
    ("default applies when nothing matches", IPHONE, owner(), policy(),
     ("Quarantined", "Global", None), ("Quarantined", "Global", None)),
    ("allow rule on the model", IPHONE, owner(), policy(rule("iPhone15,2", "DeviceModel", "Allow")),
     ("Allowed", "DeviceRule", "iPhone15,2 (DeviceModel)"),
     ("Allowed", "DeviceRule", "iPhone15,2 (DeviceModel)")),
    ("rule matching ignores case", IPHONE, owner(),
     policy(rule("IPHONE15,2", "DeviceModel", "Block")),
     ("Blocked", "DeviceRule", "IPHONE15,2 (DeviceModel)"),
     ("Blocked", "DeviceRule", "IPHONE15,2 (DeviceModel)")),
    ("no partial matches", IPHONE, owner(), policy(rule("iPhone15", "DeviceModel", "Allow")),
     ("Quarantined", "Global", None), ("Quarantined", "Global", None)),
    ("personal allow beats a block rule", IPHONE, owner(allowed=["applabc123"]),
     policy(rule("iPhone", "DeviceType", "Block")),
     ("Allowed", "Individual", None), ("Allowed", "Individual", None)),
    ("personal block beats personal allow", IPHONE,
     owner(allowed=["ApplABC123"], blocked=["APPLABC123"]), policy(default="Allow"),
     ("Blocked", "Individual", None), ("Blocked", "Individual", None)),
    ("ActiveSync disabled: no access whatever the lists say", IPHONE,
     owner(allowed=["ApplABC123"], enabled=False), policy(default="Allow"),
     ("Blocked", "ActiveSyncDisabled", None), ("Blocked", "ActiveSyncDisabled", None)),
    ("the orders disagree: block type rule vs allow model rule", IPHONE, owner(),
     policy(rule("iPhone", "DeviceType", "Block"), rule("iPhone15,2", "DeviceModel", "Allow")),
     ("Blocked", "DeviceRule", "iPhone (DeviceType)"),
     ("Allowed", "DeviceRule", "iPhone15,2 (DeviceModel)")),
    ("the orders disagree: allow OS rule vs quarantine model rule", ANDROID9, owner(),
     policy(rule("Android 9", "DeviceOS", "Allow"), rule("Moto G7", "DeviceModel", "Quarantine")),
     ("Quarantined", "DeviceRule", "Moto G7 (DeviceModel)"),
     ("Allowed", "DeviceRule", "Android 9 (DeviceOS)")),
    ("the orders agree when the first characteristic is also the strictest", ANDROID9, owner(),
     policy(rule("Android-Moto-G7/9.0", "UserAgent", "Block"),
            rule("Android", "DeviceType", "Allow")),
     ("Blocked", "DeviceRule", "Android-Moto-G7/9.0 (UserAgent)"),
     ("Blocked", "DeviceRule", "Android-Moto-G7/9.0 (UserAgent)")),
    ("device still in discovery when rules exist", DISCOVERING, owner(),
     policy(rule("iPhone", "DeviceType", "Allow"), default="Allow"),
     ("DeviceDiscovery", "DeviceRule", None), ("DeviceDiscovery", "DeviceRule", None)),
    ("discovery with a Quarantine default and no rules", DISCOVERING, owner(), policy(),
     ("DeviceDiscovery", "Global", None), ("DeviceDiscovery", "Global", None)),
    ("no discovery with an Allow default and no rules", DISCOVERING, owner(),
     policy(default="Allow"), ("Allowed", "Global", None), ("Allowed", "Global", None)),
    ("a listed device in discovery is decided by the list", DISCOVERING,
     owner(allowed=["applnew1"]), policy(rule("iPhone", "DeviceType", "Block")),
     ("Allowed", "Individual", None), ("Allowed", "Individual", None)),
    ("XMSWLHeader rules never match a device from AD", IPHONE, owner(),
     policy(rule("anything", "XMSWLHeader", "Block"), default="Allow"),
     ("Allowed", "Global", None), ("Allowed", "Global", None)),
]


@pytest.mark.parametrize("case, device, who, org, seed, exchange2013", CASES,
                         ids=[c[0] for c in CASES])
def test_decision_in_both_orders(case, device, who, org, seed, exchange2013):
    assert org.decide(device, who, "seed") == seed
    assert org.decide(device, who, "exchange2013") == exchange2013


def test_removing_the_rule_moves_only_devices_it_decided():
    org = policy(rule("iPhone15,2", "DeviceModel", "Allow"), rule("Android 9", "DeviceOS", "Block"))
    owners = {"cn=u,dc=x": owner()}
    after, owners_after = apply_plan_changes(org, owners, [
        dict(action="remove_rule", name="IPHONE15,2 (devicemodel)")])
    assert [r.name for r in org.rules] == ["Android 9 (DeviceOS)", "iPhone15,2 (DeviceModel)"]
    assert [r.name for r in after.rules] == ["Android 9 (DeviceOS)"]
    row = plan_device(dict(IPHONE, owner_dn="CN=U,DC=x", access_state="Allowed"),
                      owners["cn=u,dc=x"], owners_after["cn=u,dc=x"], org, after, "seed")
    assert (row["now"], row["after"], row["moved"], row["loses_access"]) == \
        ("Allowed", "Quarantined", True, True)
    row = plan_device(dict(ANDROID9, owner_dn="CN=U,DC=x"), owners["cn=u,dc=x"],
                      owners_after["cn=u,dc=x"], org, after, "seed")
    assert (row["now"], row["after"], row["moved"]) == ("Blocked", "Blocked", False)


def test_allow_list_entries_then_rule_removal_is_safe():
    org = policy(rule("iPhone15,2", "DeviceModel", "Allow"))
    owners = {"cn=u,dc=x": owner()}
    after, owners_after = apply_plan_changes(org, owners, [
        dict(action="add_entries", entries=[dict(dn="CN=U,DC=X", allowed=["APPLABC123"])]),
        dict(action="remove_rule", characteristic="DeviceModel", query_string="iphone15,2")])
    row = plan_device(dict(IPHONE, owner_dn="CN=U,DC=x"), owners["cn=u,dc=x"],
                      owners_after["cn=u,dc=x"], org, after, "exchange2013")
    assert (row["now"], row["now_reason"], row["after"], row["after_reason"]) == \
        ("Allowed", "DeviceRule", "Allowed", "Individual")
    assert row["moved"] is False and row["loses_access"] is False
    assert owners["cn=u,dc=x"].allowed == set()  # the input is not changed


def test_default_level_change_spares_listed_devices():
    org = policy(default="Allow")
    owners = {"cn=u,dc=x": owner(allowed=["ApplABC123"]), "cn=v,dc=x": owner()}
    after, owners_after = apply_plan_changes(org, owners, [
        dict(action="set_default_access_level", access_level="Block"),
        dict(action="add_rule", characteristic="DeviceOS", query_string="Android 9",
             access_level="Quarantine")])
    assert after.decide(IPHONE, owners_after["cn=u,dc=x"]) == ("Allowed", "Individual", None)
    assert after.decide(IPHONE, owners_after["cn=v,dc=x"]) == ("Blocked", "Global", None)
    assert after.decide(ANDROID9, owners_after["cn=v,dc=x"])[0] == "Quarantined"


def test_remove_entries_and_unknown_rule():
    org = policy()
    owners = {"cn=u,dc=x": owner(allowed=["ApplABC123"])}
    _after, owners_after = apply_plan_changes(org, owners, [
        dict(action="remove_entries", entries=[dict(dn="cn=u,dc=x", allowed=["applabc123"])])])
    assert owners_after["cn=u,dc=x"].allowed == set()
    with pytest.raises(ValueError, match=r"change 1 \(remove_rule\): no device access rule "
                                         r"Pixel 8 \(DeviceModel\)"):
        apply_plan_changes(org, owners, [dict(action="remove_rule", characteristic="DeviceModel",
                                              query_string="Pixel 8")])


@pytest.mark.parametrize("value, number", [("Allowed", 1), ("quarantined", 3), ("4", 4), (2, 2)])
def test_enum_names_and_numbers(value, number):
    assert enum_value(ACCESS_STATES, value, "access_state") == number


def test_enum_rejects_unknown_values_naming_the_choices():
    with pytest.raises(ValueError, match=r"access_state 'Permitted' is not one of Unknown \(0\)"):
        enum_value(ACCESS_STATES, "Permitted", "access_state")
    with pytest.raises(ValueError):
        enum_value(ACCESS_STATES, "9", "access_state")


@pytest.mark.parametrize("dn, value", [
    ("CN=iPhone15\\,2 (DeviceModel),CN=Mobile Mailbox Settings,CN=Org", "iPhone15,2 (DeviceModel)"),
    ("CN=a\\2Cb,DC=x", "a,b"), ("CN=plain,DC=x", "plain"), ("CN=x\\+y+OU=z,DC=x", "x+y")])
def test_rdn_value_unescapes(dn, value):
    assert rdn_value(dn) == value


@pytest.mark.parametrize("value, words", [
    ("", "it is empty"), ("A" * 33, "33 characters"), ("abc,def", "','"),
    ("abc def", "' '"), ("gerät", "'ä'"), (12, "not a string")])
def test_device_id_validation(value, words):
    with pytest.raises(ValueError) as info:
        check_device_id(value, "entries[1] (u1) allowed")
    assert words in str(info.value) and "entries[1] (u1) allowed" in str(info.value)


def test_device_ids_that_are_fine():
    for value in ("ApplF17XK2ABCD12", "androidc1234567890", "A" * 32, "0"):
        assert check_device_id(value, "x") == value


def test_merge_entries_takes_device_records_and_merges_users():
    merged = merge_entries([
        dict(user="u1", allowed=["A1", "a1"]),
        dict(owner_dn="CN=U2,DC=x", device_id="B2", device_model="iPhone15,2", dn="CN=dev"),
        dict(user="u1", blocked="C3"),
    ], default_list="allowed")
    assert merged == {"u1": {"allowed": ["A1"], "blocked": ["C3"]},
                      "CN=U2,DC=x": {"allowed": ["B2"]}}
    with pytest.raises(ValueError, match=r"entries\[1\] \(u1\): unknown keys alowed"):
        merge_entries([dict(user="u1", alowed=["A1"])])
    with pytest.raises(ValueError, match=r"entries\[1\] names no user"):
        merge_entries([dict(allowed=["A1"])])


def stored(allowed=(), blocked=()):
    attrs = {}
    if allowed:
        attrs["msexchmobilealloweddeviceids"] = [v.encode() for v in allowed]
    if blocked:
        attrs["msexchmobileblockeddeviceids"] = [v.encode() for v in blocked]
    return Entry("CN=U,DC=x", attrs)


def ops(edit):
    return dict((attr, [(op, sorted(values)) for op, values in changes])
                for attr, changes in edit.ldap_changes().items())


def test_present_adds_only_ids_missing_in_any_case():
    edit = plan_edit("u", stored(allowed=["ABC1"]), {"allowed": ["abc1", "DEF2"]}, "present",
                     "error")
    assert ops(edit) == {"msExchMobileAllowedDeviceIDs": [("MODIFY_ADD", ["DEF2"])]}
    assert edit.after["allowed"] == ["ABC1", "DEF2"]
    again = plan_edit("u", stored(allowed=["ABC1", "DEF2"]), {"allowed": ["abc1", "def2"]},
                      "present", "error")
    assert not again.changed


def test_absent_deletes_every_stored_spelling():
    edit = plan_edit("u", stored(allowed=["ABC1", "abc1", "X9"]), {"allowed": ["Abc1"]},
                     "absent", "error")
    assert ops(edit) == {"msExchMobileAllowedDeviceIDs": [("MODIFY_DELETE", ["ABC1", "abc1"])]}
    assert edit.after["allowed"] == ["X9"]


def test_exact_replaces_only_the_named_list_and_only_when_different():
    edit = plan_edit("u", stored(allowed=["A1", "B2"], blocked=["Z9"]), {"allowed": ["a1"]},
                     "exact", "error")
    assert ops(edit) == {"msExchMobileAllowedDeviceIDs": [("MODIFY_REPLACE", ["a1"])]}
    same = plan_edit("u", stored(allowed=["A1", "B2"]), {"allowed": ["b2", "a1"]}, "exact",
                     "error")
    assert not same.changed
    cleared = plan_edit("u", stored(blocked=["Z9"]), {"blocked": []}, "exact", "error")
    assert ops(cleared) == {"msExchMobileBlockedDeviceIDs": [("MODIFY_REPLACE", [])]}


def test_conflicts_are_errors_unless_on_conflict_says_which_list_wins():
    user = stored(blocked=["ABC1"])
    with pytest.raises(ValueError, match="u .CN=U,DC=x.: device ID abc1 requested for the allowed "
                                         "list is on the blocked list"):
        plan_edit("u", user, {"allowed": ["abc1"]}, "present", "error")
    allowed_wins = plan_edit("u", user, {"allowed": ["abc1"]}, "present", "allowed")
    assert ops(allowed_wins) == {
        "msExchMobileBlockedDeviceIDs": [("MODIFY_DELETE", ["ABC1"])],
        "msExchMobileAllowedDeviceIDs": [("MODIFY_ADD", ["abc1"])]}
    blocked_wins = plan_edit("u", user, {"allowed": ["abc1"]}, "present", "blocked")
    assert not blocked_wins.changed
    assert blocked_wins.kept == [dict(device_id="abc1", list="allowed",
                                      reason="on the blocked list and on_conflict is blocked")]
    with pytest.raises(ValueError, match="requested for both the allowed and the blocked list"):
        plan_edit("u", stored(), {"allowed": ["A1"], "blocked": ["a1"]}, "present", "allowed")
