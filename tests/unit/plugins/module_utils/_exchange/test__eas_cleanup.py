# -*- coding: utf-8 -*-
"""eas_device_cleanup's pure parts: what is removed and what is kept (and why), findings and the
journal record of a removed object (dates and the statistics CSV: test__last_sync.py)."""

import datetime

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_cleanup as c
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import DeviceFilter
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import Owner
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
# A device CN as Exchange names it: <DeviceType>§<DeviceId>, under a user whose CN has an
# escaped comma and non-ASCII letters.
OWNER = "CN=M\u00fcller\\, J\u00fcrgen,OU=Au\u00dfendienst,DC=example,DC=com"


def dt(*parts):
    return datetime.datetime(*parts, tzinfo=UTC)


def test_generalized_time():
    assert c.parse_generalized_time("20261128151542.0Z") == dt(2026, 11, 28, 15, 15, 42)
    assert c.parse_generalized_time("garbage") is None
    assert c.parse_generalized_time(None) is None


# -- what goes and what stays -------------------------------------------------------------------

def device(device_id, created, owner=OWNER, model="iPhone15,2", state=1, reason=1):
    record = dict(dn="CN=iPhone\u00a7%s,CN=ExchangeActiveSyncDevices,%s" % (device_id, owner),
                  device_id=device_id, device_type="iPhone", device_model=model,
                  owner_dn=owner)
    return c.Partnership(record, created, state, reason)


def facts(allowed=(), blocked=(), disabled=False, eas=True, owner=OWNER):
    return c.OwnerFacts(Owner(owner, "jmueller", eas_enabled=eas, allowed=allowed,
                              blocked=blocked), disabled)


def plan(devices, owner_facts, **criteria):
    by_owner = {dn_key(OWNER): devices}
    return dict((d.device.device_id, d) for d in c.decide(
        by_owner, {dn_key(OWNER): owner_facts}, c.Criteria(**criteria)))


def test_an_allowed_device_is_kept_unless_include_allowed():
    devices = [device("OLD1", dt(2025, 1, 1)), device("ALLOWED2", dt(2025, 2, 1))]
    result = plan(devices, facts(allowed=["allowed2"]), created_before=dt(2026, 1, 1))
    assert result["OLD1"].remove and result["OLD1"].why == ["created 2025-01-01T00:00:00Z"]
    assert not result["ALLOWED2"].remove and "allow list" in result["ALLOWED2"].skip_reason
    result = plan(devices, facts(allowed=["allowed2"]), created_before=dt(2026, 1, 1),
                  include_allowed=True)
    assert result["ALLOWED2"].remove


def test_keep_newest_counts_every_partnership_of_the_owner():
    devices = [device("A1", dt(2025, 1, 1)), device("B2", dt(2026, 5, 1)),
               device("C3", dt(2026, 3, 1)), device("D4", None)]
    result = plan(devices, facts(), keep_newest=2)
    assert sorted(k for k, d in result.items() if d.remove) == ["A1", "D4"]
    assert "2 newest" in result["B2"].skip_reason and not result["C3"].remove
    # with a criterion, the newest are still kept even when they meet it
    result = plan(devices, facts(), keep_newest=1, created_before=dt(2027, 1, 1))
    assert not result["B2"].remove and result["C3"].remove


def test_owner_criteria_and_filters_all_have_to_match():
    devices = [device("A1", dt(2025, 1, 1)), device("B2", dt(2025, 1, 1), model="Pixel 8")]
    assert plan(devices, facts(disabled=False), owner_disabled=True) == {}
    result = plan(devices, facts(disabled=True), owner_disabled=True,
                  device_filter=DeviceFilter(dict(device_model=["iphone15,2"])))
    assert list(result) == ["A1"] and result["A1"].why == ["device filters", "owner disabled"]
    result = plan(devices, facts(eas=False), owner_eas_disabled=True, device_ids=["b2"])
    assert list(result) == ["B2"]
    assert result["B2"].why == ["device_id", "owner ActiveSync disabled"]


def test_state_filters_read_the_cached_numbers():
    devices = [device("A1", None, state=3, reason=1), device("B2", None, state=1, reason=2)]
    result = plan(devices, facts(), device_filter=DeviceFilter(dict(access_state=["Quarantined"])))
    assert list(result) == ["A1"]


def test_last_sync_from_statistics():
    devices = [device("A1", None), device("B2", None), device("C3", None), device("D4", None)]
    stats = {"a1": dt(2026, 1, 1), "b2": dt(2026, 11, 30), "c3": None}
    result = plan(devices, facts(), last_sync=stats, last_sync_before=dt(2026, 6, 1))
    assert sorted(result) == ["A1", "C3"]  # D4 is not in the statistics: not known stale
    assert result["C3"].why == ["last successful sync never"]


def test_stale_list_entries():
    owner = facts(allowed=["gone1", "here2"], blocked=["gone3"])
    assert c.stale_list_entries(owner, {"here2"}) == {"allowed": ["gone1"], "blocked": ["gone3"]}
    assert c.stale_list_entries(facts(allowed=["here2"]), {"here2"}) == {}


def test_journal_keeps_every_value_text_or_base64():
    entry = Entry("CN=iPhone\u00a7A1,CN=ExchangeActiveSyncDevices," + OWNER, {
        "msexchdeviceid": [b"A1"], "objectguid": [b"\x01\x02" * 8],
        "msexchdevicefriendlyname": [u"J\u00fcrgens iPhone".encode("utf-8")],
        "odd": [b"\xff\xfe"]})
    line = c.journal_line(entry, "device", OWNER)
    assert line["attributes"]["msexchdeviceid"] == ["A1"]
    assert line["attributes"]["msexchdevicefriendlyname"] == [u"J\u00fcrgens iPhone"]
    assert line["binary_attributes"]["objectguid"] == ["AQIBAgECAQIBAgECAQIBAg=="]
    assert line["binary_attributes"]["odd"] == ["//4="]
    assert line["dn"].startswith(u"CN=iPhone\u00a7A1,")
    assert line["action"] == "delete" and line["kind"] == "device"
