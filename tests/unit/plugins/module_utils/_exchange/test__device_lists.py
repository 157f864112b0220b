"""Allow/block list planning: device ID validation, merging entries, value-level edits."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    check_device_id, merge_entries, plan_edit)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry


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
