# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When partnerships last synced, as the eas_device_cleanup options give it: the dates they
take (ISO 8601, or a number of days ago) and the Get-MobileDeviceStatistics CSV (Export-Csv in
any of its usual encodings, delimiters and date cultures). Pure: no LDAP. Private."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any, Iterable

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    check_device_id)

UTC = datetime.timezone.utc

# -- dates -------------------------------------------------------------------------------------

_RELATIVE = re.compile(r"^\s*(\d+)\s*d(ays?)?\s*$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)


def _offset(text: str | None) -> datetime.tzinfo:
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]),
                                                       minutes=int(digits[2:])))


def parse_iso(text: str) -> datetime.datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (no offset means UTC), or None."""
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    try:
        value = datetime.datetime(int(year), int(month), int(day), int(hour or 0),
                                  int(minute or 0), int(second or 0), micro, _offset(offset))
    except ValueError:
        return None
    return value.astimezone(UTC)


def parse_threshold(value: Any, what: str,
                    now: datetime.datetime | None = None) -> datetime.datetime:
    """created_before / last_sync_before: an ISO date or date-time, or 'N d' (N days ago)."""
    text = str(value).strip()
    relative = _RELATIVE.match(text)
    if relative:
        return (now or datetime.datetime.now(UTC)) - datetime.timedelta(days=int(
            relative.group(1)))
    parsed = parse_iso(text)
    if parsed is None:
        raise ValueError("%s %r is not a date: use YYYY-MM-DD, an ISO 8601 date and time "
                         "(2026-11-30T18:00:00Z) or a number of days ago (90d)" % (what, value))
    return parsed


# -- the Get-MobileDeviceStatistics CSV ---------------------------------------------------------

ID_COLUMNS = ("deviceid",)
SYNC_COLUMNS = ("lastsuccesssync",)
# Export-Csv writes dates in the exporting session's culture; these are the usual ones.
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
                    r"(?:\s*([AaPp][Mm]))?)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _decode(data: bytes, path: str) -> str:
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data:
        raise ValueError("last_sync_csv %s is not a text file (it contains NUL bytes); export "
                         "it with Export-Csv" % path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def _clock(hour: str | None, minute: str | None, second: str | None,
           ampm: str | None) -> tuple[int, int, int]:
    hours = int(hour or 0)
    if ampm:
        if not 1 <= hours <= 12:
            raise ValueError("hour %d with %s" % (hours, ampm))
        hours = hours % 12 + (12 if ampm.lower() == "pm" else 0)
    return hours, int(minute or 0), int(second or 0)


def _culture_date(text: str, day_first: bool | None) -> datetime.datetime | None:
    """A slash (M/D/YYYY, or D/M/YYYY with day_first) or dotted (D.M.YYYY) date as UTC."""
    match = _SLASH.match(text)
    if match:
        first, second, year, hour, minute, sec, ampm = match.groups()
        month, day = (second, first) if day_first else (first, second)
    else:
        match = _DOTTED.match(text)
        if not match:
            return None
        day, month, year, hour, minute, sec = match.groups()
        ampm = None
    hour, minute, sec = _clock(hour, minute, sec, ampm)
    return datetime.datetime(int(year), int(month), int(day), hour, minute, sec, tzinfo=UTC)


def _slash_order(values: Iterable[str]) -> bool | None:
    """Whether the file's slash dates are day/month: only a part over 12 tells; otherwise they
    are month/day, as an en-US Exchange server exports them. None when both orders appear."""
    day_first = month_first = False
    for text in values:
        match = _SLASH.match(text)
        if match:
            day_first |= int(match.group(1)) > 12
            month_first |= int(match.group(2)) > 12
    if day_first and month_first:
        return None
    return day_first


def _header(lines: list[str], path: str) -> tuple[int, str]:
    """(line index of the header, delimiter); PowerShell 5 puts '#TYPE ...' first."""
    for index, line in enumerate(lines):
        if not line.strip() or line.startswith("#"):
            continue
        for delimiter in (",", ";", "\t"):
            names = [n.strip().strip('"').lower() for n in line.split(delimiter)]
            if any(n in ID_COLUMNS for n in names) and any(n in SYNC_COLUMNS for n in names):
                return index, delimiter
        raise ValueError("last_sync_csv %s line %d is not a Get-MobileDeviceStatistics header: "
                         "it needs the columns DeviceId and LastSuccessSync (found: %s)"
                         % (path, index + 1, line.strip()[:200]))
    raise ValueError("last_sync_csv %s is empty: no header with DeviceId and LastSuccessSync"
                     % path)


def parse_last_sync_csv(data: bytes, path: str, date_format: str | None = None
                        ) -> dict[str, datetime.datetime | None]:
    """{lower-case device ID: last successful sync (UTC datetime) or None for never} from a
    Get-MobileDeviceStatistics export (Export-Csv, with or without the #TYPE line; comma,
    semicolon or tab; UTF-8, UTF-16 or ANSI). A device ID listed twice (the same phone in two
    mailboxes) keeps its latest sync. ValueError naming the file and line for anything else."""
    text = _decode(data, path)
    lines = text.splitlines()
    start, delimiter = _header(lines, path)
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    id_col = next(i for i, n in enumerate(header) if n in ID_COLUMNS)
    sync_col = next(i for i, n in enumerate(header) if n in SYNC_COLUMNS)
    rows = []
    for row in reader:
        number = start + reader.line_num
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ValueError("last_sync_csv %s line %d has %d fields, the header has %d"
                             % (path, number, len(row), len(header)))
        device_id = check_device_id(row[id_col].strip(),
                                    "last_sync_csv %s line %d" % (path, number))
        rows.append((number, device_id, row[sync_col].strip()))
    day_first = None if date_format else _slash_order(value for _n, _d, value in rows)
    if day_first is None and not date_format and rows:
        raise ValueError("last_sync_csv %s mixes month/day and day/month dates; set "
                         "last_sync_date_format (for example %%d/%%m/%%Y %%H:%%M:%%S)" % path)
    times: dict[str, datetime.datetime | None] = {}
    for number, device_id, value in rows:
        when = _sync_time(value, date_format, day_first, path, number)
        key = device_id.lower()
        kept = times.get(key)
        if key not in times or (when is not None and (kept is None or when > kept)):
            times[key] = when
    return times


def _sync_time(value: str, date_format: str | None, day_first: bool | None, path: str,
               number: int) -> datetime.datetime | None:
    if not value:
        return None  # the partnership never synced successfully
    try:
        if date_format:
            return datetime.datetime.strptime(value, date_format).replace(tzinfo=UTC)
        parsed = parse_iso(value) or _culture_date(value, day_first)
    except ValueError as exc:
        raise ValueError("last_sync_csv %s line %d: LastSuccessSync %r is not a date (%s)"
                         % (path, number, value, exc))
    if parsed is None:
        raise ValueError("last_sync_csv %s line %d: LastSuccessSync %r is not a date in a "
                         "format this reads (ISO 8601, M/D/YYYY h:mm:ss AM, D.M.YYYY H:mm:ss); "
                         "set last_sync_date_format" % (path, number, value))
    return parsed
