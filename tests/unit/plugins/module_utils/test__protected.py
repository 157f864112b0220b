"""Classification rules of the protected set, without a directory."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._protected import (
    classify, counts, dsheuristics_mask, shortest_chain)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    SecurityDescriptorError, dacl_protected, sid_from_str, sid_to_str)


@pytest.mark.parametrize("value,mask", [
    (None, 0), ("", 0), ("0000000001", 0), ("0000000001000004", 4),
    ("000000000100000f", 0xF), ("0000000001000001xyz", 1), ("000000000100000z", 0),
])
def test_dsheuristics_mask(value, mask):
    assert dsheuristics_mask(value) == mask


def test_classify():
    assert classify(True, 1) == "protected"
    assert classify(True, None) == "unmarked"
    assert classify(True, 0) == "unmarked"
    assert classify(False, 1) == "orphaned"
    assert classify(False, None) is None


def test_shortest_chain_prefers_fewest_hops_and_survives_cycles():
    parents = {
        "user": {"tier0", "helpdesk"},
        "tier0": {"domain admins"},
        "helpdesk": {"tier1"},
        "tier1": {"helpdesk", "tier0"},  # a membership cycle
        "domain admins": {"administrators"},
    }
    roots = {"domain admins", "administrators"}
    assert shortest_chain("user", parents, roots) == ["tier0", "domain admins"]
    assert shortest_chain("tier1", parents, roots) == ["tier0", "domain admins"]
    assert shortest_chain("helpdesk", {"helpdesk": {"tier1"}, "tier1": {"helpdesk"}},
                          roots) is None


def test_counts():
    objs = [{"classification": c} for c in ("protected", "protected", "orphaned")]
    assert counts(objs) == {"protected": 2, "orphaned": 1, "unmarked": 0, "total": 3}


def test_sid_round_trip():
    for text in ("S-1-5-32-544", "S-1-5-21-1004336348-1177238915-682003330-512", "S-1-1-0"):
        assert sid_to_str(sid_from_str(text)) == text
    with pytest.raises(SecurityDescriptorError):
        sid_to_str(b"\x01\x05\x00")
    with pytest.raises(SecurityDescriptorError):
        sid_from_str("S-1-x")


def test_dacl_protected_reads_the_control_word():
    header = bytes([1, 0]) + (0x9404).to_bytes(2, "little") + bytes(16)
    assert dacl_protected(header)
    assert not dacl_protected(bytes([1, 0]) + (0x8404).to_bytes(2, "little") + bytes(16))
    with pytest.raises(SecurityDescriptorError):
        dacl_protected(b"\x01\x00")
