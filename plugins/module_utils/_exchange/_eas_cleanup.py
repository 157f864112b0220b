# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing stale ActiveSync partnerships and broken ExchangeActiveSyncDevices containers:
dates, the Get-MobileDeviceStatistics CSV, the selection rules (what goes, what stays and why),
findings (partnership cap, list values that match no partnership), the journal line of a
removed object, and the checks made just before each delete (the object is still the one
planned: same objectGUID, an ActiveSync class, nothing else in a container). Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import csv
import datetime
import io
import re

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_devices
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_readiness
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _organization as _exchange
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    check_device_id)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    iso, parse_generalized_time)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import mail_of
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    GUID_ATTRIBUTE, descriptor_of, guid_of)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    DEFAULT_USER_FILTER, LdapError, read_objects_by)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor, SecurityDescriptorError)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

UTC = datetime.timezone.utc
DEFAULT_MAX_DEVICES = 100  # Exchange's EasMaxDevices throttling default
UAC_ACCOUNTDISABLE = 0x2
# Attributes whose values are binary in AD; every other value is kept as text when it decodes.
BINARY_ATTRIBUTES = frozenset(["objectguid", "objectsid", "ntsecuritydescriptor",
                               "replpropertymetadata", "msds-replattributemetadata"])

# -- dates -------------------------------------------------------------------------------------

_RELATIVE = re.compile(r"^\s*(\d+)\s*d(ays?)?\s*$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)


def _offset(text):
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]),
                                                       minutes=int(digits[2:])))


def parse_iso(text):
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


def parse_threshold(value, what, now=None):
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


def _decode(data, path):
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


def _clock(hour, minute, second, ampm):
    hour = int(hour or 0)
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("hour %d with %s" % (hour, ampm))
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    return hour, int(minute or 0), int(second or 0)


def _culture_date(text, day_first):
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


def _slash_order(values):
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


def _header(lines, path):
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


def parse_last_sync_csv(data, path, date_format=None):
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
    times = {}
    for number, device_id, value in rows:
        when = _sync_time(value, date_format, day_first, path, number)
        key = device_id.lower()
        if key not in times or (when is not None and (times[key] is None or when > times[key])):
            times[key] = when
    return times


def _sync_time(value, date_format, day_first, path, number):
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


# -- what goes and what stays ---------------------------------------------------------------------

class Partnership(object):
    """One device object as the cleanup sees it: its record (as eas_device_info returns it),
    creation time, the cached state numbers the device filters test, and its objectGUID (the
    delete refuses another object found at its DN)."""

    __slots__ = ("record", "created", "state", "reason", "guid")

    def __init__(self, record, created, state=None, reason=None, guid=None):
        self.record = record
        self.created = created
        self.state = state
        self.reason = reason
        self.guid = guid

    @property
    def dn(self):
        return self.record["dn"]

    @property
    def key(self):
        return dn_key(self.dn)

    @property
    def owner_key(self):
        return dn_key(self.record.get("owner_dn") or "")

    @property
    def device_id(self):
        return self.record.get("device_id") or ""

    # what DeviceFilter.accepts reads from an LDAP entry
    def int(self, name):
        return {"msexchdeviceaccessstate": self.state,
                "msexchdeviceaccessstatereason": self.reason}.get(name.lower())


class OwnerFacts(object):
    """An owner as the rules see it: the _eas_policy.Owner (lists as lower-case sets), whether the
    account is disabled, its mail, and its lists as stored (for reporting)."""

    __slots__ = ("owner", "disabled", "mail", "stored")

    def __init__(self, owner, disabled=False, mail=None, stored=None):
        self.owner = owner
        self.disabled = disabled
        self.mail = mail
        self.stored = stored if stored is not None else dict(
            allowed=sorted(owner.allowed), blocked=sorted(owner.blocked))


class Criteria(object):
    """The device criteria of eas_device_cleanup, all of which a removed device meets."""

    def __init__(self, device_filter=None, device_ids=None, owner_disabled=None,
                 owner_eas_disabled=None, created_before=None, last_sync=None,
                 last_sync_before=None, keep_newest=None, include_allowed=False):
        self.device_filter = device_filter
        self.filtering = device_filter is not None and bool(
            device_filter.values or device_filter.states is not None
            or device_filter.reasons is not None or device_filter.exclude_individual)
        self.device_ids = set(v.lower() for v in device_ids) if device_ids else None
        self.owner_disabled = owner_disabled
        self.owner_eas_disabled = owner_eas_disabled
        self.created_before = created_before
        self.last_sync = last_sync  # {lower-case device ID: datetime or None} from the CSV
        self.last_sync_before = last_sync_before
        self.keep_newest = keep_newest
        self.include_allowed = include_allowed

    def why(self, device, facts):
        """The criteria the device meets as short phrases, or None when one is not met."""
        reasons = []
        if self.device_filter is not None:
            if not self.device_filter.accepts(device.record, device):
                return None
            if self.filtering:
                reasons.append("device filters")
        if self.device_ids is not None:
            if device.device_id.lower() not in self.device_ids:
                return None
            reasons.append("device_id")
        if self.owner_disabled is not None:
            if facts is None or facts.disabled != self.owner_disabled:
                return None
            reasons.append("owner disabled" if self.owner_disabled else "owner enabled")
        if self.owner_eas_disabled is not None:
            eas_off = facts is not None and not facts.owner.eas_enabled
            if facts is None or eas_off != self.owner_eas_disabled:
                return None
            reasons.append("owner ActiveSync disabled" if self.owner_eas_disabled
                           else "owner ActiveSync enabled")
        if self.created_before is not None:
            if device.created is None or device.created >= self.created_before:
                return None
            reasons.append("created %s" % iso(device.created))
        if self.last_sync is not None:
            key = device.device_id.lower()
            if key not in self.last_sync:
                return None  # not in the statistics: nothing says it is stale
            synced = self.last_sync[key]
            if synced is not None and synced >= self.last_sync_before:
                return None
            reasons.append("last successful sync %s" % (iso(synced) if synced else "never"))
        return reasons


class Decision(object):
    __slots__ = ("device", "remove", "why", "skip_reason")

    def __init__(self, device, remove, why=None, skip_reason=None):
        self.device = device
        self.remove = remove
        self.why = why or []
        self.skip_reason = skip_reason


def decide(devices_by_owner, facts_by_owner, criteria):
    """[Decision] for every partnership that meets the criteria: removed, or kept with the
    reason (on the owner's allow list; one of the owner's keep_newest newest). Devices that do
    not meet the criteria are not listed. Input order per owner is kept."""
    decisions = []
    for owner_key, devices in devices_by_owner.items():
        facts = facts_by_owner.get(owner_key)
        newest = set()
        if criteria.keep_newest:
            dated = sorted(devices, key=lambda d: (d.created or datetime.datetime.min.replace(
                tzinfo=UTC), d.key), reverse=True)
            newest = set(d.key for d in dated[:criteria.keep_newest])
        allowed = facts.owner.allowed if facts is not None else set()
        for device in devices:
            why = criteria.why(device, facts)
            if why is None:
                continue
            if device.key in newest:
                decisions.append(Decision(device, False, why, "one of the owner's %d newest "
                                          "partnerships (keep_newest)" % criteria.keep_newest))
            elif device.device_id.lower() in allowed and not criteria.include_allowed:
                decisions.append(Decision(device, False, why, "on the owner's allow list "
                                          "(msExchMobileAllowedDeviceIDs), someone's working "
                                          "phone; include_allowed removes it"))
            else:
                decisions.append(Decision(device, True, why))
    return decisions


def stale_list_entries(facts, device_ids):
    """Allow and block list values of one owner that match none of its partnerships (device_ids:
    the lower-case IDs of the partnerships that remain), as stored; {} when there are none."""
    found = {}
    for which in ("allowed", "blocked"):
        stale = sorted(v for v in facts.stored[which] if v.lower() not in device_ids)
        if stale:
            found[which] = stale
    return found


# -- the journal and diff of a removed object ----------------------------------------------------

def journal_attributes(entry):
    """(text attributes, binary attributes as base64) of an LDAP entry, every value kept."""
    text, binary = {}, {}
    for name, values in sorted(entry.attrs.items()):
        if name in BINARY_ATTRIBUTES:
            binary[name] = [base64.b64encode(bytes(v)).decode("ascii") for v in values]
            continue
        try:
            text[name] = [bytes(v).decode("utf-8") for v in values]
        except UnicodeDecodeError:
            binary[name] = [base64.b64encode(bytes(v)).decode("ascii") for v in values]
    return text, binary


def journal_line(entry, kind, owner_dn, sddl_text=None):
    """One JSON Lines record of an object about to be removed: everything that was there."""
    text, binary = journal_attributes(entry)
    line = dict(action="delete", kind=kind, dn=entry.dn, owner_dn=owner_dn, attributes=text,
                binary_attributes=binary)
    guid = guid_of(entry)
    if guid:
        line["object_guid"] = guid
    if sddl_text is not None:
        line["sddl"] = sddl_text
    return line


DIFF_FIELDS = ("device_id", "device_type", "device_model", "device_os", "user_agent",
               "friendly_name", "access_state", "access_state_reason", "when_created",
               "last_success_sync")


def diff_before(record):
    lines = ["%s: %s" % (key, record[key]) for key in DIFF_FIELDS if record.get(key) is not None]
    return "\n".join(lines) + "\n"


# -- reading the scope from the directory ---------------------------------------------------------

FACT_ATTRIBUTES = ["userAccountControl", "mail", "proxyAddresses"]
FULL_READ = ["*", "nTSecurityDescriptor"]  # what a journal keeps of a removed object


def owner_facts(entry):
    uac = entry.int("userAccountControl") or 0
    stored = dict(allowed=entry.texts(_exchange.ALLOWED_ATTRIBUTE),
                  blocked=entry.texts(_exchange.BLOCKED_ATTRIBUTE))
    return OwnerFacts(_eas_devices.owner_from_entry(entry), bool(uac & UAC_ACCOUNTDISABLE),
                      mail_of(entry), stored)


def partnership(entry):
    record = _eas_devices.device_record(entry)
    created = parse_generalized_time(entry.text("whenCreated"))
    return Partnership(record, created, entry.int("msExchDeviceAccessState"),
                       entry.int("msExchDeviceAccessStateReason"), guid_of(entry))


class Scope(object):
    """The owners a cleanup looks at and all of their partnerships (every one, not only those
    the criteria select: the partnership cap, keep_newest and stale list values need them all).
    Owners are keyed by dn_key, in the order found."""

    def __init__(self, client):
        self.client = client
        self.owner_read = list(_eas_devices.OWNER_ATTRIBUTES) + FACT_ATTRIBUTES
        self.device_read = list(_eas_devices.DEVICE_READ) + [GUID_ATTRIBUTE]
        self.device_search = "(objectClass=%s)" % _exchange.DEVICE_CLASS[0]
        self.facts = {}
        self.devices = {}

    def _add_owner(self, entry):
        key = dn_key(entry.dn)
        if key not in self.facts:
            self.facts[key] = owner_facts(entry)
            self.devices.setdefault(key, [])
        return key

    def _devices_under(self, base, owners=None):
        """Partnerships below base; with owners (a set of dn_key values) only theirs."""
        for entry in self.client.search(base, self.device_search, self.device_read):
            device = partnership(entry)
            key = device.owner_key
            if owners is not None and key not in owners:
                continue
            self.devices.setdefault(key, []).append(device)

    def load_users(self, entries):
        """Named users (entries as the resolver read them, with owner_read): each one's
        partnerships."""
        for entry in entries:
            self._devices_under(entry.dn, {self._add_owner(entry)})
        return self

    def load_search(self, base, search_filter, scope):
        """Users below base with filter and scope, and the partnerships below them. With the
        default user filter and a subtree scope the users are those with partnerships or list
        values (others have nothing to clean or report), found without listing every user."""
        if search_filter == DEFAULT_USER_FILTER and scope == "subtree":
            self._devices_under(base)
            self._read_owners(set(self.devices) - set(self.facts))
            with_lists = "(&%s(|(%s=*)(%s=*)))" % (search_filter, _exchange.ALLOWED_ATTRIBUTE,
                                                   _exchange.BLOCKED_ATTRIBUTE)
            for entry in self.client.search(base, with_lists, self.owner_read):
                self._add_owner(entry)
            # devices whose owner is not a user object (a contact, a moved object) are left out
            for key in [k for k in self.devices if k not in self.facts]:
                del self.devices[key]
            return self
        for entry in self.client.search(base, search_filter, self.owner_read, scope=scope):
            self._add_owner(entry)
        self._devices_under(base, set(self.facts))
        return self

    def _read_owners(self, keys):
        if not keys:
            return
        dns = sorted(d.record["owner_dn"] for key in keys for d in self.devices[key][:1])
        for entry in read_objects_by(self.client, self.client.root_dse.default_naming_context,
                                     "distinguishedName", dns, self.owner_read):
            self._add_owner(entry)


# -- whole containers -------------------------------------------------------------------------------

class ContainerPlan(object):
    """One named user's CN=ExchangeActiveSyncDevices: whether it goes, what is in it, the
    user's readiness once it is gone (Exchange must be able to create it again), and the
    container's objectGUID."""

    __slots__ = ("owner_key", "dn", "exists", "devices", "readiness", "skip_reason", "guid")

    def __init__(self, owner_key, dn, exists, devices, readiness, skip_reason=None, guid=None):
        self.owner_key = owner_key
        self.dn = dn
        self.exists = exists
        self.devices = devices
        self.readiness = readiness
        self.skip_reason = skip_reason
        self.guid = guid

    @property
    def remove(self):
        return self.exists and self.skip_reason is None


def plan_containers(client, scope, keys, include_allowed):
    """[ContainerPlan] for the owners keys names (dn_key of resolved users)."""
    exs = _eas_readiness.exchange_token(client, _exchange.exchange_servers(client))
    guid, _source = _exchange.schema_guid(client, _exchange.DEVICES_CONTAINER_CLASS)
    dse = client.root_dse
    sddl = Sddl(dse.domain_sid, dse.forest_root_sid)
    plans = []
    for key in keys:
        facts = scope.facts[key]
        dn = "%s,%s" % (_exchange.DEVICES_CONTAINER_RDN, facts.owner.dn)
        found = client.read(dn, [GUID_ATTRIBUTE, "objectClass"])
        exists = found is not None
        user = client.read(facts.owner.dn, _eas_readiness.USER_ATTRIBUTES)
        # after the removal: no container, no devices
        row = _eas_readiness.readiness(user, descriptor_of(user), None,
                                       _eas_readiness.DeviceCounts(), exs["token"], guid, sddl)
        row["mail"] = facts.mail
        devices = scope.devices.get(key, [])
        allowed = [d.device_id for d in devices if d.device_id.lower() in facts.owner.allowed]
        skip = None
        if exists and not is_of_class(found, CONTAINER_CLASS):
            skip = ("it is an object %s, not an ActiveSync devices container (%s); it is never "
                    "removed" % (class_of(found), CONTAINER_CLASS))
        elif exists and row["would_fail"]:
            skip = ("Exchange could not create it again, so the user's phones would stop "
                    "syncing: %s; fix that first (adremedy.directory.inheritance)" % row["reason"])
        elif exists and allowed and not include_allowed:
            skip = ("it holds %s, on the owner's allow list (someone's working phone); "
                    "include_allowed removes it" % ", ".join(sorted(allowed)))
        plans.append(ContainerPlan(key, dn, exists, devices, row, skip,
                                   guid_of(found) if exists else None))
    return plans


# -- removing -------------------------------------------------------------------------------------

CONTAINER_CLASS = _exchange.DEVICES_CONTAINER_CLASS[0]
DEVICE_CLASS = _exchange.DEVICE_CLASS[0]


def is_of_class(entry, name):
    return name.lower() in (value.lower() for value in entry.texts("objectClass"))


def class_of(entry):
    """'of class X', X the most specific objectClass of the entry (AD lists it last)."""
    classes = entry.texts("objectClass")
    return "of class %s" % classes[-1] if classes else "of a class that could not be read"


def check_target(entry, planned_guid, name, what):
    """LdapError (one line naming the object) unless the entry read just before its delete is
    still the object planned (the same objectGUID, when the plan knew it) and of class name:
    another object created at the DN since the plan, or one of another class, is never
    removed."""
    guid = guid_of(entry)
    if planned_guid and guid != planned_guid:
        raise LdapError("%s is not the %s the plan found: its objectGUID is %s now, %s then (it "
                        "was deleted and created again meanwhile); not removed"
                        % (entry.dn, what, guid, planned_guid), dn=entry.dn)
    if not is_of_class(entry, name):
        raise LdapError("%s is an object %s, not an ActiveSync %s (%s); not removed"
                        % (entry.dn, class_of(entry), what, name), dn=entry.dn)


def _journal(journal, sddl, entry, kind, owner_dn):
    if journal is None:
        return
    text = None
    blob = entry.raw("nTSecurityDescriptor")
    if blob:
        try:
            text = sddl.render(SecurityDescriptor.parse(blob))
        except SecurityDescriptorError:
            text = None
    journal.write(journal_line(entry, kind, owner_dn, text))


def _gone(client, dn):
    if client.read(dn, ["1.1"]) is not None:
        raise LdapError("verify %s failed: the object is still there after the delete" % dn,
                        dn=dn)


def _delete(client, dn, tree=False):
    """Delete; an object someone else removed in the meantime (noSuchObject) is gone too, and
    so is one whose answer was lost and the retry found nothing (read back, never resent)."""
    try:
        client.delete(dn, tree=tree)
    except LdapError as exc:
        if exc.code != 32:
            raise
    _gone(client, dn)


def remove_device(client, sddl, device, journal=None):
    """Read the device again, check it is the partnership planned (check_target), journal it
    with every attribute, delete it, verify it is gone."""
    entry = client.read(device.dn, FULL_READ)
    if entry is None:
        return  # already gone: nothing to journal or delete
    check_target(entry, device.guid, DEVICE_CLASS, "partnership")
    _journal(journal, sddl, entry, "device", device.record.get("owner_dn"))
    _delete(client, device.dn)


def check_container(plan, entries):
    """LdapError naming the container unless what a tree delete of it would take, read just
    before the delete, is what the plan found: the container (same objectGUID, its class) and
    only partnerships, each one the plan knew (by objectGUID)."""
    key = dn_key(plan.dn)
    planned = dict((device.key, device.guid) for device in plan.devices)
    for entry in entries:
        entry_key = dn_key(entry.dn)
        if entry_key == key:
            check_target(entry, plan.guid, CONTAINER_CLASS, "devices container")
            continue
        if not is_of_class(entry, DEVICE_CLASS):
            raise LdapError("%s holds %s, an object %s, not an ActiveSync partnership (%s); the "
                            "container is not removed (its tree delete would take that too)"
                            % (plan.dn, entry.dn, class_of(entry), DEVICE_CLASS), dn=plan.dn)
        guid = guid_of(entry)
        if entry_key not in planned or planned[entry_key] and guid != planned[entry_key]:
            raise LdapError("%s holds %s (objectGUID %s), which was not there when the plan was "
                            "made; the container is not removed: run again" % (
                                plan.dn, entry.dn, guid), dn=plan.dn)


def remove_container(client, sddl, plan, owner_dn, journal=None):
    """Read the container and everything in it again, check them (check_container), journal
    them (deepest first), tree-delete the container, verify."""
    entries = list(client.search(plan.dn, "(objectClass=*)", FULL_READ))
    if not entries:
        return
    check_container(plan, entries)
    for entry in sorted(entries, key=lambda e: -len(e.dn)):
        kind = "container" if dn_key(entry.dn) == dn_key(plan.dn) else "device"
        _journal(journal, sddl, entry, kind, owner_dn)
    _delete(client, plan.dn, tree=True)
