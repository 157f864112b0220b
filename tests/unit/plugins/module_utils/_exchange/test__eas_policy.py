"""The device access decision engine (both orders) and plan changes, table-driven."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    ACCESS_STATES, Owner, Policy, Rule, apply_plan_changes, default_rule_name, enum_value,
    plan_device)


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
