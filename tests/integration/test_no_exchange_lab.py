"""A forest without Exchange: every ActiveSync module fails with one line that says what is
missing and the LDAP code, and writes nothing. Runs on a second lab provisioned without the
Exchange schema (`lab.py up --no-exchange` in its own directory); only one lab can listen on
the fixed ports, so the main lab is stopped for the duration and started again after."""

import json
import os
import subprocess

import pytest

from conftest import LAB, Ansible, BASE


@pytest.fixture(scope="module")
def bare_lab(lab, directory, tmp_path_factory):
    env = dict(os.environ, ADREMEDY_LAB_DIR=str(tmp_path_factory.mktemp("no-exchange-lab")))

    def cli(*args):
        return subprocess.run(LAB + list(args), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, check=True).stdout

    subprocess.run(LAB + ["down"], check=True, stdout=subprocess.DEVNULL)
    try:
        cli("up", "--no-exchange")
        yield json.loads(cli("env", "--json"))
    finally:
        cli("down")
        subprocess.run(LAB + ["up"], check=True, stdout=subprocess.DEVNULL)
        directory.reconnect()


@pytest.mark.parametrize("module, args, words", [
    ("eas_device_info", {"search_base": BASE},
     ["the Exchange schema is not in this forest", "msExchActiveSyncDevice", "and 4 more",
      "/PrepareSchema", "undefinedAttributeType (17)"]),
    ("eas_allowed_devices", {"entries": [{"user": "u00001", "allowed": ["ABC1"]}]},
     ["msExchMobileAllowedDeviceIDs, msExchMobileBlockedDeviceIDs are not defined",
      "undefinedAttributeType (17)"]),
    ("eas_access_rule", {"characteristic": "DeviceModel", "query_string": "iPhone15,2",
                         "access_level": "Allow"},
     ["msExchMobileMailboxSettings", "undefinedAttributeType (17)"]),
    ("eas_access_plan", {"search_base": BASE, "changes": [{"action": "remove_rule",
                                                           "name": "x"}]},
     ["the Exchange schema is not in this forest", "undefinedAttributeType (17)"]),
    ("eas_readiness_info", {"search_base": BASE},
     ["the Exchange Servers group is not registered", "/PrepareAD", "noSuchObject (32)"]),
    ("eas_policy_info", {"search_base": BASE},
     ["the Exchange schema is not in this forest", "msExchMobileMailboxPolicy, "
      "msExchMobileMailboxPolicyLink, msExchMobileFlags are not defined", "/PrepareSchema",
      "undefinedAttributeType (17)"]),
])
def test_without_exchange_each_module_says_what_is_missing(bare_lab, tmp_path, module, args,
                                                           words):
    result = Ansible(bare_lab, str(tmp_path)).run(module, args)
    assert result["failed"]
    assert "\n" not in result["msg"]
    for word in words:
        assert word in result["msg"], (word, result["msg"])
    assert result["ldap_code"] in (17, 32)
