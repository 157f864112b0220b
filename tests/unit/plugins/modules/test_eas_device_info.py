"""eas_device_info's and eas_access_plan's main() through the module base, against a
directory in memory."""

from fakes import DOMAIN_NC, add_device, exchange_forest

from ansible_collections.adremedy.directory.plugins.modules import (
    eas_access_plan, eas_device_info)

STAFF = "OU=Staff," + DOMAIN_NC
JANE = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC


def lab(directory):
    exchange_forest(directory, rules=[("iPhone15,2 (DeviceModel)", 1, "iPhone15,2", 0)])
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_user(JANE, sAMAccountName="jane", msExchMobileAllowedDeviceIDs=["JANE1"])
    directory.add_user(JOHN, sAMAccountName="john")
    add_device(directory, JANE, "JANE1", "iPhone15,2", state=1, reason=2)
    add_device(directory, JOHN, "JOHN1", "iPhone15,2", state=1, reason=3)
    add_device(directory, JOHN, "JOHN2", "Pixel 8", state=3, reason=1)


def test_inventory_with_filters_and_the_result_shape(run_module, directory):
    lab(directory)
    result = run_module(eas_device_info, dict(search_base=STAFF))
    assert result["changed"] is False and not result["failed"]
    assert result["summary"] == dict(devices=3, owners=2,
                                     by_access_state=dict(Allowed=2, Quarantined=1),
                                     by_model={"iPhone15,2": 2, "Pixel 8": 1})
    first = result["devices"][0]
    assert (first["device_id"], first["owner_dn"], first["owner_sam_account_name"],
            first["access_state"], first["access_state_reason"]) == (
        "JANE1", JANE, "jane", "Allowed", "Individual")
    one = run_module(eas_device_info, dict(dn=[JOHN], device_model=["pixel 8"]))
    assert [d["device_id"] for d in one["devices"]] == ["JOHN2"]
    missing = run_module(eas_device_info, dict(dn=["CN=Nobody," + DOMAIN_NC]))
    assert missing["failed"] and missing["ldap_code"] == 32
    assert missing["msg"] == "user CN=Nobody,%s does not exist: noSuchObject (32)" % DOMAIN_NC


def test_a_model_given_as_one_string_keeps_its_comma(run_module, directory):
    # Ansible's list type would split "iPhone15,2" into "iPhone15" and "2" and match nothing
    lab(directory)
    one = run_module(eas_device_info, dict(search_base=STAFF, device_model="iPhone15,2"))
    assert sorted(d["device_id"] for d in one["devices"]) == ["JANE1", "JOHN1"]
    lines = run_module(eas_device_info, dict(search_base=STAFF, device_model="iPhone15,2\n Pixel 8\n"))
    assert lines["summary"]["devices"] == 3  # an AWX survey text area: one model a line
    listed = run_module(eas_device_info, dict(search_base=STAFF, device_model=["iPhone15,2"]))
    assert listed["summary"]["devices"] == 2
    bad = run_module(eas_device_info, dict(search_base=STAFF, device_model=[7]))
    assert bad["failed"] and bad["msg"] == "device_model[1] is 7, not a string"


def test_argument_errors(run_module, directory):
    state = run_module(eas_device_info, dict(search_base=STAFF, access_state=["Sideways"]))
    assert state["failed"] and state["msg"].startswith("access_state 'Sideways' is not one of")
    query = run_module(eas_device_info, dict(search_base=STAFF, query="devices[?"))
    assert query["failed"] and "not a valid JMESPath expression" in query["msg"]
    assert directory.settings is None


def test_plan_removing_the_rule_names_who_would_lose_access(run_module, directory):
    lab(directory)
    args = dict(search_base=STAFF, changes=[dict(action="remove_rule",
                                                 name="iPhone15,2 (DeviceModel)")])
    result = run_module(eas_access_plan, args)
    assert not result["failed"], result["msg"]
    assert result["changed"] is False and not result["failed"]
    assert result["summary"]["moved"] == 1 and result["summary"]["loses_access"] == 1
    assert [(row["device_id"], row["now"], row["after"]) for row in result["lost"]] == [
        ("JOHN1", "Allowed", "Quarantined")]
    assert result["policy"]["after"]["rules"] == []
    refused = run_module(eas_access_plan, dict(args, fail_on_loss=True))
    assert refused["failed"] and refused["msg"] == (
        "1 devices would lose access: john JOHN1 (iPhone15,2) Allowed -> Quarantined")
    unknown = run_module(eas_access_plan, dict(search_base=STAFF, changes=[
        dict(action="remove_rule", name="nope")]))
    assert unknown["failed"] and "no device access rule nope" in unknown["msg"]
    assert directory.modifies == []
