# -*- coding: utf-8 -*-
"""The dates eas_device_cleanup's options take and the Get-MobileDeviceStatistics CSV
(_exchange/_last_sync.py)."""

import datetime

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _last_sync as c

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


def dt(*parts):
    return datetime.datetime(*parts, tzinfo=UTC)


# -- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-09-01", dt(2026, 9, 1)),
    ("2026-09-01T10:30:00Z", dt(2026, 9, 1, 10, 30)),
    ("2026-09-01 10:30", dt(2026, 9, 1, 10, 30)),
    ("2026-09-01T12:30:00+02:00", dt(2026, 9, 1, 10, 30)),
    ("2026-09-01T10:30:00.1234567", dt(2026, 9, 1, 10, 30, 0, 123456)),
    ("90d", NOW - datetime.timedelta(days=90)),
    ("1 day", NOW - datetime.timedelta(days=1)),
])
def test_thresholds(text, expected):
    assert c.parse_threshold(text, "created_before", now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "01/09/2026", "", "-5d"])
def test_bad_thresholds_name_the_option(text):
    with pytest.raises(ValueError, match="created_before .* is not a date"):
        c.parse_threshold(text, "created_before", now=NOW)


# -- the statistics CSV ------------------------------------------------------------------------

PS5 = (b'#TYPE Microsoft.Exchange.Data.Mapi.MobileDeviceStatistics\r\n'
       b'"FirstSyncTime","LastSuccessSync","DeviceType","DeviceID","Identity"\r\n'
       b'"1/2/2026 9:00:00 AM","11/28/2026 3:15:42 PM","iPhone","ApplF17ABC","j\xc3\xbcrgen\\EAS\\iPhone\xc2\xa7ApplF17ABC"\r\n'
       b'"1/2/2026 9:00:00 AM","","Android","androidc1234","x"\r\n')


def test_powershell5_export_with_type_line_quotes_and_us_dates():
    times = c.parse_last_sync_csv(PS5, "stats.csv")
    assert times == {"applf17abc": dt(2026, 11, 28, 15, 15, 42), "androidc1234": None}


def test_utf16_semicolons_and_day_first_dates_are_recognised():
    text = u"DeviceId;LastSuccessSync\r\nAAA1;28/11/2026 15:15:42\r\nBBB2;03/11/2026 08:00:00\r\n"
    times = c.parse_last_sync_csv(b"\xff\xfe" + text.encode("utf-16-le"), "s.csv")
    assert times == {"aaa1": dt(2026, 11, 28, 15, 15, 42), "bbb2": dt(2026, 11, 3, 8)}


def test_dotted_iso_and_explicit_format():
    data = b"DeviceId,LastSuccessSync\nAAA1,28.11.2026 15:15:42\nBBB2,2026-11-03T08:00:00Z\n"
    expected = {"aaa1": dt(2026, 11, 28, 15, 15, 42), "bbb2": dt(2026, 11, 3, 8)}
    assert c.parse_last_sync_csv(data, "s.csv") == expected
    data = b"DeviceId,LastSuccessSync\nAAA1,2026|11|28\n"
    assert c.parse_last_sync_csv(data, "s.csv", "%Y|%m|%d") == {"aaa1": dt(2026, 11, 28)}


def test_the_same_phone_in_two_mailboxes_keeps_its_latest_sync():
    data = b"DeviceId,LastSuccessSync\nAAA1,2026-01-01\nAAA1,2026-06-01\naaa1,\n"
    assert c.parse_last_sync_csv(data, "s.csv") == {"aaa1": dt(2026, 6, 1)}


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"\n\n", "is empty"),
    (b"Name,When\nx,y\n", "line 1 is not a Get-MobileDeviceStatistics header"),
    (b"DeviceId,LastSuccessSync\nAAA1\n", "line 2 has 1 fields, the header has 2"),
    (b"DeviceId,LastSuccessSync\nAAA1,2026-01-01\nBAD-ID,2026-01-01\n",
     "line 3: device ID 'BAD-ID' is not valid"),
    (b"DeviceId,LastSuccessSync\nAAA1,last tuesday\n", "line 2: LastSuccessSync 'last tuesday'"),
    (b"DeviceId,LastSuccessSync\nAAA1,13/11/2026\nBBB2,11/13/2026\n", "mixes month/day"),
    (b"DeviceId,LastSuccessSync\nAAA1,2/30/2026\n", "line 2: LastSuccessSync '2/30/2026'"),
    (b"DeviceId,LastSuccessSync\nAAA1,1/2/2026 13:00:00 PM\n", "is not a date"),
    (b"\x00\x01\x02PK", "is not a text file"),
])
def test_malformed_csv_is_one_clear_error(data, message):
    with pytest.raises(ValueError) as info:
        c.parse_last_sync_csv(data, "stats.csv")
    assert message in str(info.value)
    assert "stats.csv" in str(info.value)
    assert "\n" not in str(info.value)
