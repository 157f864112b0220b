"""rollout_compare: device_rollout verify's before/after comparison."""

import pytest
from ansible.errors import AnsibleFilterError

from fakes import ROLLOUT_A as A, ROLLOUT_DEV_A as DEV_A, ROLLOUT_DEV_B as DEV_B

from ansible_collections.adremedy.directory.plugins.filter.rollout_compare import (
    rollout_compare)


def plan(*rows):
    return [dict(dn=dn, now=now, device_id="x") for dn, now in rows]


def test_a_device_that_changed_state_is_moved_whatever_the_dn_spelling():
    before = {DEV_A: "Allowed", DEV_B.upper(): "Allowed"}
    result = rollout_compare(plan((DEV_A, "Quarantined"), (DEV_B, "Allowed")), before)
    assert result["moved"] == [DEV_A] and result["new_since_close"] == []
    assert result["changes"] == [dict(dn=DEV_A, before="Allowed", now="Quarantined",
                                      text=DEV_A + ": Allowed -> Quarantined")]


def test_new_devices_and_forced_losses_are_not_moves():
    new = "CN=iPhone\u00a7NEW,CN=ExchangeActiveSyncDevices," + A
    result = rollout_compare(plan((DEV_A, "Quarantined"), (new, "Allowed")),
                             {DEV_A: "Allowed"}, lost_by_force=[DEV_A.lower()])
    assert result == dict(moved=[], changes=[], new_since_close=[new])


def test_state_files_of_earlier_versions_are_read():
    # 'DN|state' strings; a DN may hold '|' itself, the last one splits
    odd = "CN=a|b,CN=ExchangeActiveSyncDevices," + A
    result = rollout_compare(plan((odd, "Blocked"), (DEV_A, "Allowed")),
                             [odd + "|Allowed", DEV_A + "|Allowed"])
    assert result["moved"] == [odd]
    assert rollout_compare(plan((DEV_A, "Allowed")), None)["new_since_close"] == [DEV_A]


@pytest.mark.parametrize("devices, before", [([{"now": "Allowed"}], {}),
                                             ([], ["no separator"]), ([], "text")])
def test_rollout_compare_refuses_bad_input(devices, before):
    with pytest.raises(AnsibleFilterError, match="rollout_compare"):
        rollout_compare(devices, before)
