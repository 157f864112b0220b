"""Classification rules of the protected set, without a directory."""

import datetime
import struct

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import Entry
from ansible_collections.adremedy.directory.plugins.module_utils._protected import (
    account_disabled, admin_count_written, classify, counts, dsheuristics_mask, is_krbtgt,
    shortest_chain)
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
    assert counts(objs) == {"protected": 2, "orphaned": 1, "unmarked": 0, "unresolved": 0,
                            "total": 3}
    objs[1]["unresolved"] = "member X of G: why"
    assert counts(objs)["unresolved"] == 1


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


# -- orphans with context -----------------------------------------------------------------------

def _metadata_blob(entries):
    """A replPropertyMetaDataBlob v1: 16-byte header, then 48 bytes per attribute."""
    blob = struct.pack("<IIII", 1, 0, len(entries), 0)
    for attid, version, seconds in entries:
        blob += struct.pack("<IIQ16sqq", attid, version, seconds, b"\x11" * 16, 7, 7)
    return blob


def test_admin_count_written_from_windows_xml():
    xml = (u"<DS_REPL_ATTR_META_DATA>\n\t<pszAttributeName>%s</pszAttributeName>\n\t<dwVersion>%d"
           u"</dwVersion>\n\t<ftimeLastOriginatingChange>%s</ftimeLastOriginatingChange>\n"
           u"</DS_REPL_ATTR_META_DATA>\n")
    entry = Entry("CN=x", {"msds-replattributemetadata": [
        (xml % ("cn", 1, "2020-01-01T00:00:00Z")).encode(),
        (xml % ("adminCount", 3, "2024-03-11T08:15:02Z")).encode()]})
    assert admin_count_written(entry) == dict(time="2024-03-11T08:15:02Z", version=3,
                                              source="msDS-ReplAttributeMetaData")


def test_admin_count_written_from_samba_blob():
    utc = datetime.timezone.utc
    seconds = int((datetime.datetime(2026, 11, 30, 12, tzinfo=utc)
                   - datetime.datetime(1601, 1, 1, tzinfo=utc)).total_seconds())
    blob = _metadata_blob([(0, 1, 1), (0x90096, 2, seconds), (0x90001, 1, 5)])
    entry = Entry("CN=x", {"replpropertymetadata": [blob], "msds-replattributemetadata": []})
    assert admin_count_written(entry) == dict(time="2026-11-30T12:00:00Z", version=2,
                                              source="replPropertyMetaData")
    assert admin_count_written(Entry("CN=x", {"replpropertymetadata": [
        _metadata_blob([(0, 1, 1)])]})) is None
    assert admin_count_written(Entry("CN=x", {"replpropertymetadata": [b"\x01\x00"]})) is None
    assert admin_count_written(Entry("CN=x", {})) is None


def test_krbtgt_accounts_and_disabled():
    assert is_krbtgt({"sam_account_name": "krbtgt"})
    assert is_krbtgt({"sam_account_name": "krbtgt_31337"})
    assert not is_krbtgt({"sam_account_name": "krbtgtfan"})
    assert not is_krbtgt({"sam_account_name": None})
    assert account_disabled(Entry("CN=x", {"useraccountcontrol": [b"514"]})) is True
    assert account_disabled(Entry("CN=x", {"useraccountcontrol": [b"512"]})) is False
    assert account_disabled(Entry("CN=x", {})) is None
