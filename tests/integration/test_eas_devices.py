"""Devices on the lab: inventory, allow/block lists, access rules and the what-if planner.

The tests run in order on one fresh seed (the `reseeded` fixture). The seed (tests/lab/seed.py)
gives devices to users i % 5 == 1 (a second one when i % 15 == 1), some already on their
owner's allow or block list, some still in discovery (no model), and the rules iPhone15,2 and
SM-S918B (DeviceModel, Allow), Outlook (DeviceType, Allow), Android 9 (DeviceOS, Block), with
the default Quarantine. User 2 has one ID on both lists, user 3 one ID twice in two cases.
"""

import pytest

from conftest import BASE, LAB_OU, STAFF, user_dn

ALLOWED = "msExchMobileAllowedDeviceIDs"
BLOCKED = "msExchMobileBlockedDeviceIDs"
SETTINGS = "CN=Mobile Mailbox Settings,CN=Lab Org,CN=Microsoft Exchange,CN=Services," \
           "CN=Configuration,%s" % BASE
IPHONE_RULE = "iPhone15,2 (DeviceModel)"
STATES = {"0": "Unknown", "1": "Allowed", "2": "Blocked", "3": "Quarantined",
          "4": "DeviceDiscovery"}

pytestmark = pytest.mark.usefixtures("reseeded")


@pytest.fixture(scope="module")
def state():
    return {}


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def raw_devices(directory, base=LAB_OU):
    """The devices as plain ldap3 sees them: {dn: {attribute: value}}."""
    conn = directory.conn
    conn.search(base, "(objectClass=msExchActiveSyncDevice)", attributes=[
        "msExchDeviceID", "msExchDeviceModel", "msExchDeviceAccessState",
        "msExchDeviceAccessStateReason"])
    devices = {}
    for item in conn.response:
        if item["type"] == "searchResEntry":
            values = dict((k, v[0] if isinstance(v, list) and v else v or None)
                          for k, v in item["attributes"].items())
            for name in ("msExchDeviceAccessState", "msExchDeviceAccessStateReason"):
                values[name] = int(values[name]) if values.get(name) is not None else None
            devices[item["dn"]] = values
    return devices


def number(directory, dn, name):
    value = directory.attribute(dn, name)
    return int(value[0] if isinstance(value, list) else value)


def lists(directory, dn):
    return (sorted(directory.attribute(dn, ALLOWED) or []),
            sorted(directory.attribute(dn, BLOCKED) or []))


def rules(directory):
    return sorted(directory.dns(SETTINGS, "(objectClass=msExchDeviceAccessRule)"))


# -- eas_device_info ------------------------------------------------------------------------------

def test_inventory_lists_every_device_with_names_and_owner(ansible, directory):
    raw = raw_devices(directory)
    result = ok(ansible.run("eas_device_info", {"search_base": LAB_OU}))
    records = dict((r["dn"], r) for r in result["devices"])
    assert set(records) == set(raw)
    for dn, record in records.items():
        assert record["device_id"] == raw[dn]["msExchDeviceID"]
        assert record["device_model"] == raw[dn]["msExchDeviceModel"]
        assert record["access_state"] == STATES[str(raw[dn]["msExchDeviceAccessState"])]
        assert dn.endswith(",CN=ExchangeActiveSyncDevices," + record["owner_dn"])
    first = [r for r in records.values() if r["owner_dn"] == user_dn(1)]
    assert len(first) == 2  # user 1 has two partnerships
    iphone = [r for r in first if r["device_model"] == "iPhone15,2"][0]
    assert (iphone["owner_sam_account_name"], iphone["owner_user_principal_name"]) == \
        ("u00001", "u00001@lab.example.test")
    assert (iphone["access_state"], iphone["access_state_reason"], iphone["access_rule"]) == \
        ("Allowed", "DeviceRule", IPHONE_RULE)
    discovering = [r for r in records.values() if r["device_model"] is None]
    assert discovering and all(r["access_state"] == "DeviceDiscovery" for r in discovering)
    summary = result["summary"]
    assert summary["devices"] == len(raw)
    assert summary["by_model"]["(none)"] == len(discovering)
    assert sum(summary["by_access_state"].values()) == len(raw)


def test_filters_exact_or_case_insensitive_names_or_numbers(ansible, directory):
    raw = raw_devices(directory)
    iphones = set(dn for dn, d in raw.items() if d["msExchDeviceModel"] == "iPhone15,2")
    found = ok(ansible.run("eas_device_info", {"search_base": LAB_OU,
                                               "device_model": ["IPHONE15,2"]}))
    assert set(r["dn"] for r in found["devices"]) == iphones
    exact = ok(ansible.run("eas_device_info", {"search_base": LAB_OU, "match_case": True,
                                               "device_model": ["IPHONE15,2"]}))
    assert exact["devices"] == []
    by_name = ok(ansible.run("eas_device_info", {"search_base": LAB_OU,
                                                 "access_state": ["devicediscovery"]}))
    by_number = ok(ansible.run("eas_device_info", {"search_base": LAB_OU,
                                                   "access_state": ["4"]}))
    empty_model = ok(ansible.run("eas_device_info", {"search_base": LAB_OU,
                                                     "device_model": [""]}))
    assert by_name["devices"] == by_number["devices"] == empty_model["devices"] != []
    harvest = ok(ansible.run("eas_device_info", {"search_base": LAB_OU,
                                                 "access_state": ["Allowed"],
                                                 "exclude_individual": True}))
    expected = set(dn for dn, d in raw.items() if d["msExchDeviceAccessState"] == 1
                   and d["msExchDeviceAccessStateReason"] != 2)
    assert set(r["dn"] for r in harvest["devices"]) == expected != set()
    # owners by list and by filter
    two = ok(ansible.run("eas_device_info", {"dn": [user_dn(1), user_dn(6)]}))
    assert set(r["owner_dn"] for r in two["devices"]) == {user_dn(1), user_dn(6)}
    filtered = ok(ansible.run("eas_device_info", {"search_base": STAFF,
                                                  "filter": "(sAMAccountName=u00001)"}))
    assert set(r["owner_dn"] for r in filtered["devices"]) == {user_dn(1)}


def test_query_reshapes_records_inside_the_module(ansible):
    result = ok(ansible.run("eas_device_info", {
        "dn": [user_dn(1)], "query": "[?device_model=='iPhone15,2'].{user: owner_dn, "
                                     "allowed: [device_id]}"}))
    assert "devices" not in result
    assert len(result["query_result"]) == 1
    assert result["query_result"][0]["user"] == user_dn(1)
    bad = ansible.run("eas_device_info", {"dn": [user_dn(1)], "query": "[?device_model=="})
    assert bad["failed"] and "is not a valid JMESPath expression" in bad["msg"]
    wrong = ansible.run("eas_device_info", {"search_base": LAB_OU, "access_state": ["Open"]})
    assert wrong["failed"] and "access_state 'Open' is not one of" in wrong["msg"]


# -- eas_access_plan before anything changes ------------------------------------------------------

def test_plan_predicts_who_loses_access_when_the_rule_goes(ansible, directory, state):
    raw = raw_devices(directory)
    change = [{"action": "remove_rule", "name": IPHONE_RULE}]
    result = ok(ansible.run("eas_access_plan", {"search_base": LAB_OU, "changes": change}))
    # Exactly the iPhone15,2 devices the rule allows lose access; owners with ActiveSync
    # disabled (users 11 and 36) have none to lose, whatever AD's cached state says.
    lost = set(row["dn"] for row in result["lost"])
    disabled = (user_dn(11), user_dn(36))
    expected = set(dn for dn, d in raw.items() if d["msExchDeviceModel"] == "iPhone15,2"
                   and d["msExchDeviceAccessState"] == 1
                   and d["msExchDeviceAccessStateReason"] == 3 and not dn.endswith(disabled))
    assert lost == expected != set()
    assert all((r["now"], r["after"], r["after_reason"]) == ("Allowed", "Quarantined", "Global")
               for r in result["lost"])
    assert result["summary"]["transitions"] == {"Allowed -> Quarantined": len(lost)}
    assert result["policy"]["after"]["rules"] == [
        r for r in result["policy"]["before"]["rules"] if r != IPHONE_RULE]
    gate = ansible.run("eas_access_plan", {"search_base": LAB_OU, "changes": change,
                                           "fail_on_loss": True})
    assert gate["failed"] and gate["msg"].startswith("%d devices would lose access: " % len(lost))
    for row in result["lost"]:
        assert row["device_id"] in gate["msg"] and row["owner_sam_account_name"] in gate["msg"]
    state["harvest"] = sorted(result["lost"], key=lambda r: r["dn"])


def test_plan_orders_disagree_on_type_versus_model_rules(ansible):
    change = [{"action": "add_rule", "characteristic": "DeviceType", "query_string": "iPhone",
               "access_level": "Block"}]
    args = {"search_base": LAB_OU, "device_model": ["iPhone15,2"], "changes": change,
            "access_state": ["Allowed"], "access_state_reason": ["DeviceRule"], "details": True}
    seed = ok(ansible.run("eas_access_plan", dict(args, order="seed")))
    e2013 = ok(ansible.run("eas_access_plan", dict(args, order="exchange2013")))
    allowed_now = [r for r in seed["devices"] if r["now"] == "Allowed"]
    assert allowed_now  # the seed order: a Block rule beats an Allow rule
    assert seed["summary"]["transitions"] == {"Allowed -> Blocked": len(allowed_now)}
    assert all(r["after_rule"] == "iPhone (DeviceType)" for r in allowed_now)
    assert e2013["summary"]["moved"] == 0  # exchange2013: DeviceModel is tried before DeviceType


# -- eas_allowed_devices -------------------------------------------------------------------------

def test_harvest_check_mode_then_write_then_idempotent(ansible, directory, state):
    harvest = ok(ansible.run("eas_device_info", {"search_base": LAB_OU,
                                                 "device_model": ["iPhone15,2"],
                                                 "access_state": ["Allowed"],
                                                 "exclude_individual": True}))
    owners = sorted(set(r["owner_dn"] for r in harvest["devices"]))
    before = dict((dn, lists(directory, dn)) for dn in owners)
    args = {"entries": harvest["devices"]}
    check = ok(ansible.run("eas_allowed_devices", args, check=True, diff=True))
    assert check["changed"] and check["counts"]["changed"] == len(owners)
    assert dict((dn, lists(directory, dn)) for dn in owners) == before  # nothing written
    diff = dict((d["before_header"], d) for d in check["diff"])
    for record in harvest["devices"]:
        assert record["device_id"] not in diff[record["owner_dn"]]["before"]
        assert "  - %s\n" % record["device_id"] in diff[record["owner_dn"]]["after"]
    real = ok(ansible.run("eas_allowed_devices", args, diff=True))
    assert real["objects"] == check["objects"] and real["counts"] == check["counts"]
    for record in harvest["devices"]:
        assert record["device_id"] in lists(directory, record["owner_dn"])[0]
    again = ok(ansible.run("eas_allowed_devices", args))
    assert not again["changed"] and again["counts"]["unchanged"] == len(owners)
    # With the IDs on the allow lists, removing the rule no longer costs anyone access.
    plan = ok(ansible.run("eas_access_plan", {
        "search_base": LAB_OU, "changes": [{"action": "remove_rule", "name": IPHONE_RULE}],
        "fail_on_loss": True}))
    assert plan["lost"] == []


def test_present_and_absent_never_lose_someone_elses_values(ansible, directory):
    import ldap3
    dn = user_dn(4)
    assert directory.conn.modify(dn, {ALLOWED: [(ldap3.MODIFY_ADD, ["OTHERADMIN01"])]})
    ok(ansible.run("eas_allowed_devices", {"entries": [
        {"user": "u00004", "allowed": ["MINE0001"]},
        {"user": "u00004@lab.example.test", "blocked": ["BAD0001"]}]}))
    assert lists(directory, dn) == (["MINE0001", "OTHERADMIN01"], ["BAD0001"])
    ok(ansible.run("eas_allowed_devices", {"state": "absent", "entries": [
        {"user": dn, "allowed": ["mine0001"], "blocked": ["bad0001"]}]}))
    assert lists(directory, dn) == (["OTHERADMIN01"], [])
    # Every case variant of an ID goes (user 3 has one stored twice).
    dup = user_dn(3)
    result = ok(ansible.run("eas_allowed_devices", {"state": "absent", "entries": [
        {"user": dup, "allowed": ["CaseDup00000000000000000000000cd"]}]}))
    assert sorted(result["objects"][0]["allowed_removed"]) == [
        "CASEDUP00000000000000000000000CD", "casedup00000000000000000000000cd"]
    assert lists(directory, dup)[0] == []


def test_exact_replaces_only_the_lists_named(ansible, directory):
    dn = user_dn(9)
    ok(ansible.run("eas_allowed_devices", {"entries": [
        {"user": dn, "allowed": ["KEEP01", "DROP02"], "blocked": ["BLK01"]}]}))
    args = {"state": "exact", "entries": [{"user": "u00009", "allowed": ["keep01", "NEW03"]}]}
    check = ok(ansible.run("eas_allowed_devices", args, check=True, diff=True))
    assert lists(directory, dn) == (["DROP02", "KEEP01"], ["BLK01"])
    assert check["objects"][0]["allowed_set"] == ["keep01", "NEW03"]
    ok(ansible.run("eas_allowed_devices", args))
    assert lists(directory, dn) == (["NEW03", "keep01"], ["BLK01"])
    assert not ok(ansible.run("eas_allowed_devices", args))["changed"]


def test_conflicts_and_bad_input_change_nothing(ansible, directory):
    both = user_dn(2)  # CONFLICT... is on both lists already
    clean = user_dn(12)
    before = dict((dn, lists(directory, dn)) for dn in (both, clean))
    conflict = "CONFLICT0000000000000000000000AB"
    cases = [
        ({"entries": [{"user": clean, "allowed": ["OK01"]},
                      {"user": "u00002", "allowed": [conflict.lower()]}]},
         ["u00002 (%s)" % both, conflict.lower(), "is on the blocked list", "nothing was changed"]),
        ({"entries": [{"user": clean, "allowed": ["OK01"]},
                      {"user": "no-such-user", "allowed": ["OK02"]}]},
         ["'no-such-user' not found", "noSuchObject (32)"]),
        ({"entries": [{"user": clean, "allowed": ["OK01", "bad,id"]}]},
         ["entries[1] (%s) allowed" % clean, "'bad,id' is not valid", "','"]),
        ({"entries": [{"user": clean, "allowed": ["X" * 40]}]}, ["40 characters"]),
        ({"entries": [{"user": clean, "allowed": ["SAME01"], "blocked": ["same01"]}]},
         ["requested for both the allowed and the blocked list"]),
        ({"entries": [{"user": "CN=broken,,OU=x", "allowed": ["OK01"]}]},
         ["'CN=broken,,OU=x' is not a valid distinguished name", "invalidDNSyntax (34)"]),
        ({"entries": [{"user": clean, "allowed": ["A1"]}, {"user": both, "blocked": ["B1"]}],
          "max_changes": 1}, ["more than max_changes 1", "nothing was changed"]),
    ]
    for args, words in cases:
        result = ansible.run("eas_allowed_devices", args)
        assert result["failed"], args
        assert "\n" not in result["msg"]
        for word in words:
            assert word in result["msg"], (word, result["msg"])
    assert dict((dn, lists(directory, dn)) for dn in (both, clean)) == before
    # on_conflict decides, in one modify
    allowed_wins = ok(ansible.run("eas_allowed_devices", {
        "on_conflict": "allowed", "entries": [{"user": both, "allowed": [conflict]}]}))
    assert allowed_wins["objects"][0]["blocked_removed"] == [conflict]
    assert lists(directory, both) == ([conflict], [])
    blocked_wins = ok(ansible.run("eas_allowed_devices", {
        "on_conflict": "blocked", "entries": [{"user": both, "blocked": [conflict]}]}))
    assert lists(directory, both) == ([], [conflict])
    kept = ok(ansible.run("eas_allowed_devices", {
        "on_conflict": "blocked", "entries": [{"user": both, "allowed": [conflict]}]}))
    assert not kept["changed"] and kept["objects"][0]["status"] == "skipped"
    assert kept["objects"][0]["kept"][0]["device_id"] == conflict
    assert blocked_wins["changed"]


# -- eas_access_rule -----------------------------------------------------------------------------

def test_rule_lifecycle_check_diff_idempotent(ansible, directory):
    before = rules(directory)
    args = {"characteristic": "DeviceModel", "query_string": "Pixel 8", "access_level": "Allow"}
    check = ok(ansible.run("eas_access_rule", args, check=True, diff=True))
    assert check["changed"] and check["actions"] == ["create rule Pixel 8 (DeviceModel)"]
    assert "query_string: Pixel 8" in check["diff"]["after"]
    assert rules(directory) == before
    created = ok(ansible.run("eas_access_rule", args))
    dn = "CN=Pixel 8 (DeviceModel),%s" % SETTINGS
    assert rules(directory) == sorted(before + [dn])
    assert number(directory, dn, "msExchDeviceAccessRuleCharacteristic") == 1
    assert number(directory, dn, "msExchMobileAccessControl") == 0
    assert created["rule"]["dn"] == dn
    assert not ok(ansible.run("eas_access_rule", args))["changed"]
    # found by its query (any case) and updated in place
    update = dict(args, query_string="PIXEL 8", access_level="Block")
    block = ok(ansible.run("eas_access_rule", update, diff=True))
    assert block["actions"] == ["update rule Pixel 8 (DeviceModel)"]
    assert "access_level: Allow" in block["diff"]["before"]
    assert number(directory, dn, "msExchMobileAccessControl") == 1
    # the planner sees the new rule
    plan = ok(ansible.run("eas_access_plan", {"search_base": LAB_OU, "device_model": ["Pixel 8"],
                                              "details": True}))
    by_rule = [r for r in plan["devices"] if r["now_reason"] == "DeviceRule"]
    assert by_rule and all((r["now_rule"], r["now"]) == ("Pixel 8 (DeviceModel)", "Blocked")
                           for r in by_rule)
    gone = {"name": "Pixel 8 (DeviceModel)", "state": "absent"}
    assert ok(ansible.run("eas_access_rule", gone, check=True))["changed"]
    assert dn in rules(directory)
    ok(ansible.run("eas_access_rule", gone))
    assert rules(directory) == before
    assert not ok(ansible.run("eas_access_rule", gone))["changed"]


def test_organization_settings(ansible, directory):
    args = {"default_access_level": "Block", "admin_recipients": ["Mobile-Admins@lab.example.test",
                                                                  "helpdesk@lab.example.test"]}
    check = ok(ansible.run("eas_access_rule", args, check=True, diff=True))
    assert "default_access_level: Quarantine" in check["diff"]["before"]
    assert number(directory, SETTINGS, "msExchMobileAccessControl") == 2
    done = ok(ansible.run("eas_access_rule", args))
    assert done["settings"]["default_access_level"] == "Block"
    assert number(directory, SETTINGS, "msExchMobileAccessControl") == 1
    # the existing address differs only in case: it is kept, not rewritten
    assert sorted(directory.attribute(SETTINGS, "msExchMobileAdminRecipients")) == [
        "helpdesk@lab.example.test", "mobile-admins@lab.example.test"]
    assert not ok(ansible.run("eas_access_rule", args))["changed"]
    restore = {"default_access_level": "Quarantine",
               "admin_recipients": ["mobile-admins@lab.example.test"]}
    ok(ansible.run("eas_access_rule", restore))
    assert number(directory, SETTINGS, "msExchMobileAccessControl") == 2


def test_remove_the_rule_after_the_harvest(ansible, directory, state):
    """The staged rollout's close: the devices harvested earlier stay allowed by their lists."""
    ok(ansible.run("eas_access_rule", {"name": IPHONE_RULE, "state": "absent"}))
    assert "CN=iPhone15\\,2 (DeviceModel),%s" % SETTINGS not in rules(directory)
    plan = ok(ansible.run("eas_access_plan", {"dn": sorted(set(r["owner_dn"] for r in
                                                               state["harvest"])),
                                              "details": True}))
    rows = dict((r["dn"], r) for r in plan["devices"])
    for harvested in state["harvest"]:
        assert (rows[harvested["dn"]]["now"], rows[harvested["dn"]]["now_reason"]) == \
            ("Allowed", "Individual")


def test_missing_organization_settings_is_one_clear_line(ansible, directory):
    directory.tree_delete(SETTINGS)
    for module, args in (("eas_access_rule", {"default_access_level": "Allow"}),
                         ("eas_access_plan", {"search_base": LAB_OU})):
        result = ansible.run(module, args)
        assert result["failed"] and "\n" not in result["msg"]
        assert "has no mobile mailbox settings" in result["msg"]
        assert "noSuchObject (32)" in result["msg"] and result["ldap_code"] == 32
    unknown = ansible.run("eas_access_rule", {"organization": "Contoso",
                                              "default_access_level": "Allow"})
    assert "no Exchange organization named 'Contoso'" in unknown["msg"]
