"""eas_access_rule's main() through the module base, against a directory in memory."""

from fakes import SETTINGS, exchange_forest

from ansible_collections.adremedy.directory.plugins.modules import eas_access_rule

RULE = "CN=iPhone15\\,2 (DeviceModel),%s" % SETTINGS


def test_create_in_check_mode_then_for_real_then_quiet(run_module, directory):
    exchange_forest(directory)
    args = dict(characteristic="DeviceModel", query_string="iPhone15,2", access_level="Allow")
    check = run_module(eas_access_rule, args, check_mode=True, diff=True)
    assert directory.modifies == [] and check["changed"] is True
    assert check["actions"] == ["create rule iPhone15,2 (DeviceModel)"]
    assert check["rule"] == dict(name="iPhone15,2 (DeviceModel)", characteristic="DeviceModel",
                                 query_string="iPhone15,2", access_level="Allow", dn=RULE)
    assert check["settings"] == dict(dn=SETTINGS, default_access_level="Quarantine",
                                     admin_recipients=[])
    assert "rule: iPhone15,2 (DeviceModel)\n" in check["diff"]["after"]
    real = run_module(eas_access_rule, args)
    assert (real["actions"], real["rule"]) == (check["actions"], check["rule"])
    assert directory.modifies == [(RULE, "add")]
    again = run_module(eas_access_rule, args)
    assert again["changed"] is False and again["actions"] == []


def test_request_errors_fail_before_connecting(run_module, directory):
    incomplete = run_module(eas_access_rule, dict(characteristic="DeviceModel",
                                                  query_string="X"))
    assert incomplete["failed"]
    assert incomplete["msg"] == "state=present needs characteristic, query_string and access_level"
    blank = run_module(eas_access_rule, dict(characteristic="DeviceModel", query_string=" ",
                                             state="absent"))
    assert blank["failed"] and blank["msg"] == "query_string must not be empty"
    alone = run_module(eas_access_rule, dict(query_string="X", access_level="Allow"))
    assert alone["failed"] and "parameters are required together" in alone["msg"]
    assert directory.settings is None


def test_missing_exchange_is_one_line_with_the_ldap_code(run_module, directory):
    result = run_module(eas_access_rule, dict(default_access_level="Allow"))
    assert result["failed"] and result["ldap_code"] == 17 and result["actions"] == []
    assert "the Exchange schema is not in this forest" in result["msg"]
