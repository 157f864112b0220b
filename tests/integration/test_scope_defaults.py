"""Scope defaults: read-only modules read the whole domain (defaultNamingContext) when given
neither dn nor search_base; modules that write still refuse to run without a selection."""

import pytest

from conftest import BASE, USER_FILTER

pytestmark = pytest.mark.usefixtures("reseeded")


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def test_device_inventory_defaults_to_the_whole_domain(ansible, directory):
    every = set(directory.dns(BASE, "(objectClass=msExchActiveSyncDevice)"))
    assert every
    result = ok(ansible.run("eas_device_info"))
    assert set(r["dn"] for r in result["devices"]) == every
    assert result["summary"]["devices"] == len(every)
    # the same as naming the domain explicitly
    named = ok(ansible.run("eas_device_info", {"search_base": BASE}))
    assert named["summary"] == result["summary"]


def test_plan_defaults_to_the_whole_domain(ansible, directory):
    every = directory.dns(BASE, "(objectClass=msExchActiveSyncDevice)")
    result = ok(ansible.run("eas_access_plan", {"details": True}))
    assert result["summary"]["devices"] == len(every)
    assert sorted(r["dn"] for r in result["devices"]) == every


def test_readiness_defaults_to_the_whole_domain(ansible, directory):
    users = directory.dns(BASE, USER_FILTER)
    result = ok(ansible.run("eas_readiness_info"))
    s = result["summary"]
    assert s["users"] + s["unreadable"] == len(users)


def test_protected_accounts_defaults_to_the_whole_domain(ansible):
    result = ok(ansible.run("protected_accounts_info"))
    assert any(o["sam_account_name"] == "Administrator" for o in result["objects"])


def test_an_explicit_selection_still_wins(ansible, directory):
    ou = "OU=Sales,OU=Staff,OU=Lab,%s" % BASE
    devices = directory.dns(ou, "(objectClass=msExchActiveSyncDevice)")
    result = ok(ansible.run("eas_device_info", {"search_base": ou}))
    assert sorted(r["dn"] for r in result["devices"]) == devices
    both = ansible.run("eas_device_info", {"search_base": ou, "dn": [ou]})
    assert both["failed"] and "mutually exclusive" in both["msg"]


@pytest.mark.parametrize("module, args", [
    ("inheritance", {"state": "enabled"}),
])
def test_writing_modules_still_need_a_selection(ansible, module, args):
    result = ansible.run(module, args, check=True)
    assert result["failed"]
    assert "one of the following is required: dn, search_base" in result["msg"]
