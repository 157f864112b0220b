"""eas_access_plan's engine without the module: its options, the plan's summary and loss
lines, change entries resolved with their number in the error, the result and its gate."""

import pytest

from fakes import DOMAIN_NC, FakeDirectory, add_device, exchange_forest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_plan
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    inventory)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._run._selection import Selection

STAFF = "OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC


def row(now, after, loses=False, current=None, moved=None, **extra):
    return dict(dict(now=now, after=after, loses_access=loses, current=current,
                     moved=now != after if moved is None else moved, device_id="D1",
                     device_model=None, owner_sam_account_name=None, owner_dn=JOHN), **extra)


def test_summary_counts_moves_by_transition_losses_and_drift():
    rows = [row("Allowed", "Blocked", loses=True, current="Allowed"),
            row("Allowed", "Blocked", loses=True, current="Quarantined"),
            row("Allowed", "Allowed", current="Unknown")]
    assert _eas_plan.summarize(rows) == dict(devices=3, moved=2, loses_access=2, drift=1,
                                             transitions={"Allowed -> Blocked": 2})
    assert _eas_plan.loss_line(rows[0]) == "%s D1 (model unknown) Allowed -> Blocked" % JOHN
    assert _eas_plan.loss_line(row("Allowed", "Blocked", device_model="Pixel 8",
                                   owner_sam_account_name="john")) == \
        "john D1 (Pixel 8) Allowed -> Blocked"


def test_a_bad_entry_names_its_change():
    with pytest.raises(ValueError, match=r"^changes\[2\]: entries\[1\] is not a dictionary"):
        _eas_plan.resolve_changes(None, [dict(action="add_rule"),
                                         dict(action="add_entries", entries=["x"])])


def test_the_options_are_the_device_filters_and_the_plan_inputs():
    spec = _eas_plan.plan_argument_spec()
    assert {"device_model", "organization", "order", "changes"} <= set(spec)
    assert spec["changes"]["options"]["action"]["choices"] == _eas_plan.ACTIONS
    assert set(_eas_plan.SCHEMA) >= {"msExchActiveSyncDevice", "msExchDeviceAccessRule"}


def test_the_plan_fails_only_on_a_loss_when_asked():
    directory = FakeDirectory()
    exchange_forest(directory, rules=[("iPhone15,2 (DeviceModel)", 1, "iPhone15,2", 0)])
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_user(JOHN, sAMAccountName="john")
    add_device(directory, JOHN, "JOHN1", "iPhone15,2", state=0, reason=2)
    params = dict(organization=None, order="seed", details=False, fail_on_loss=True,
                  changes=[dict(action="remove_rule", name="iPhone15,2 (DeviceModel)",
                                query_string=None)],
                  device_model=None, device_type=None, device_os=None, user_agent=None,
                  match_case=False, access_state=None, access_state_reason=None,
                  exclude_individual=False)
    selection = Selection(dict(search_base=STAFF, scope="subtree",
                               filter="(objectClass=user)")).resolve(directory)
    result, failed = _eas_plan.AccessPlan(params).read(directory, selection).result()
    assert result["summary"]["devices"] == 1 and result["default_naming_context"] == DOMAIN_NC
    assert result["policy"]["before"]["rules"] == ["iPhone15,2 (DeviceModel)"]
    assert result["policy"]["after"]["rules"] == []
    assert failed and [r["device_id"] for r in result["lost"]] == ["JOHN1"]
    assert result["msg"].startswith("1 devices would lose access: john JOHN1 (iPhone15,2)")
    params["fail_on_loss"] = False
    quiet, failed = _eas_plan.AccessPlan(params).read(directory, selection).result()
    assert not failed and quiet["msg"] == "1 devices: 1 would move, 1 would lose access"


def test_an_inventory_query_that_fails_keeps_the_summary():
    class Failing(object):
        def search(self, records):
            raise RecursionError("maximum recursion depth exceeded")
    records = [dict(access_state="Allowed", device_model="Pixel 8", owner_dn=JOHN)]
    assert inventory(records)["devices"] == records
    with pytest.raises(Failure) as info:
        inventory(records, Failing(), "a" * 300)
    assert str(info.value) == "query %r failed: maximum recursion depth exceeded" % ("a" * 200)
    assert info.value.result["summary"]["devices"] == 1
