# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Removing stale ActiveSync partnerships and broken ExchangeActiveSyncDevices containers (the
eas_device_cleanup module): the criteria read from the options (dates and the statistics CSV
in _last_sync), the selection rules (what goes, what stays and why), the scope read from the
directory, findings (partnership cap, list values that match no partnership), the rights
guard, and its bulk run (CleanupWriter: the checks made just before each delete - the object
is still the one planned: same objectGUID, an ActiveSync class, nothing else in a container -,
the journal line of a removed object with every attribute, the delete, verified). Private."""

from __future__ import annotations

import base64
import datetime
from typing import Any, Iterable, Mapping, cast

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_devices
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_readiness
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _organization as _exchange
from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import schema_guid
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    require_exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    check_device_id)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._last_sync import (
    UTC, parse_last_sync_csv, parse_threshold)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    iso, parse_generalized_time)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import Owner
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    Failure, DnError, LdapError, SecurityDescriptorError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key, parent
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    BulkWriter, Outcome, refuse)
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    by_object, mail_of, resolve_identities)
from ansible_collections.adremedy.directory.plugins.module_utils._security._rights import (
    attribute_guid, rights_for)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    GUID_ATTRIBUTE, descriptor_of, guid_of)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    DEFAULT_USER_FILTER, check_filter, read_objects_by, require_object)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

DEFAULT_MAX_DEVICES = 100  # Exchange's EasMaxDevices throttling default
UAC_ACCOUNTDISABLE = 0x2
# Attributes whose values are binary in AD; every other value is kept as text when it decodes.
BINARY_ATTRIBUTES = frozenset(["objectguid", "objectsid", "ntsecuritydescriptor",
                               "replpropertymetadata", "msds-replattributemetadata"])

# -- what goes and what stays ---------------------------------------------------------------------


class Partnership(object):
    """One device object as the cleanup sees it: its record (as eas_device_info returns it),
    creation time, the cached state numbers the device filters test, and its objectGUID (the
    delete refuses another object found at its DN)."""

    __slots__ = ("record", "created", "state", "reason", "guid")

    def __init__(self, record: dict[str, Any], created: datetime.datetime | None,
                 state: int | None = None, reason: int | None = None,
                 guid: str | None = None) -> None:
        self.record = record
        self.created = created
        self.state = state
        self.reason = reason
        self.guid = guid

    @property
    def dn(self) -> str:
        return self.record["dn"]

    @property
    def key(self) -> str:
        return dn_key(self.dn)

    @property
    def owner_key(self) -> str:
        return dn_key(self.record.get("owner_dn") or "")

    @property
    def device_id(self) -> str:
        return self.record.get("device_id") or ""

    # what DeviceFilter.accepts reads from an LDAP entry
    def int(self, name: str) -> int | None:
        return {"msexchdeviceaccessstate": self.state,
                "msexchdeviceaccessstatereason": self.reason}.get(name.lower())


class OwnerFacts(object):
    """An owner as the rules see it: the _eas_policy.Owner (lists as lower-case sets), whether the
    account is disabled, its mail, and its lists as stored (for reporting)."""

    __slots__ = ("owner", "disabled", "mail", "stored")

    def __init__(self, owner: Owner, disabled: bool = False, mail: str | None = None,
                 stored: dict[str, list[str]] | None = None) -> None:
        self.owner = owner
        self.disabled = disabled
        self.mail = mail
        self.stored = stored if stored is not None else dict(
            allowed=sorted(owner.allowed), blocked=sorted(owner.blocked))


class Criteria(object):
    """The device criteria of eas_device_cleanup, all of which a removed device meets."""

    def __init__(self, device_filter: _eas_devices.DeviceFilter | None = None,
                 device_ids: Iterable[str] | None = None, owner_disabled: bool | None = None,
                 owner_eas_disabled: bool | None = None,
                 created_before: datetime.datetime | None = None,
                 last_sync: dict[str, datetime.datetime | None] | None = None,
                 last_sync_before: datetime.datetime | None = None,
                 keep_newest: int | None = None, include_allowed: bool = False) -> None:
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

    def why(self, device: Partnership, facts: OwnerFacts | None) -> list[str] | None:
        """The criteria the device meets as short phrases, or None when one is not met."""
        reasons = []
        if self.device_filter is not None:
            # a Partnership answers int() with the state numbers, as an Entry would
            if not self.device_filter.accepts(device.record, cast(Entry, device)):
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
            if synced is not None and self.last_sync_before is not None \
                    and synced >= self.last_sync_before:
                return None
            reasons.append("last successful sync %s" % (iso(synced) if synced else "never"))
        return reasons


class Decision(object):
    __slots__ = ("device", "remove", "why", "skip_reason")

    def __init__(self, device: Partnership, remove: bool, why: list[str] | None = None,
                 skip_reason: str | None = None) -> None:
        self.device = device
        self.remove = remove
        self.why = why or []
        self.skip_reason = skip_reason


def decide(devices_by_owner: Mapping[str, list[Partnership]],
           facts_by_owner: Mapping[str, OwnerFacts], criteria: Criteria) -> list[Decision]:
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
                decisions.append(Decision(device, False, why, "one of the owner's %s newest "
                                          "partnerships (keep_newest)" % criteria.keep_newest))
            elif device.device_id.lower() in allowed and not criteria.include_allowed:
                decisions.append(Decision(device, False, why, "on the owner's allow list "
                                          "(msExchMobileAllowedDeviceIDs), someone's working "
                                          "phone; include_allowed removes it"))
            else:
                decisions.append(Decision(device, True, why))
    return decisions


def stale_list_entries(facts: OwnerFacts, device_ids: set[str]) -> dict[str, list[str]]:
    """Allow and block list values of one owner that match none of its partnerships (device_ids:
    the lower-case IDs of the partnerships that remain), as stored; {} when there are none."""
    found = {}
    for which in ("allowed", "blocked"):
        stale = sorted(v for v in facts.stored[which] if v.lower() not in device_ids)
        if stale:
            found[which] = stale
    return found


# -- the journal and diff of a removed object ----------------------------------------------------

def journal_attributes(entry: Entry) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
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


def journal_line(entry: Entry, kind: str, owner_dn: str | None,
                 sddl_text: str | None = None) -> dict[str, Any]:
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


def diff_before(record: Mapping[str, Any]) -> str:
    lines = ["%s: %s" % (key, record[key]) for key in DIFF_FIELDS if record.get(key) is not None]
    return "\n".join(lines) + "\n"


# -- reading the scope from the directory ---------------------------------------------------------

FACT_ATTRIBUTES = ["userAccountControl", "mail", "proxyAddresses"]
FULL_READ = ["*", "nTSecurityDescriptor"]  # what a journal keeps of a removed object


def owner_facts(entry: Entry) -> OwnerFacts:
    uac = entry.int("userAccountControl") or 0
    stored = dict(allowed=entry.texts(_exchange.ALLOWED_ATTRIBUTE),
                  blocked=entry.texts(_exchange.BLOCKED_ATTRIBUTE))
    return OwnerFacts(_eas_devices.owner_from_entry(entry), bool(uac & UAC_ACCOUNTDISABLE),
                      mail_of(entry), stored)


def partnership(entry: Entry) -> Partnership:
    record = _eas_devices.device_record(entry)
    created = parse_generalized_time(entry.text("whenCreated"))
    return Partnership(record, created, entry.int("msExchDeviceAccessState"),
                       entry.int("msExchDeviceAccessStateReason"), guid_of(entry))


class Scope(object):
    """The owners a cleanup looks at and all of their partnerships (every one, not only those
    the criteria select: the partnership cap, keep_newest and stale list values need them all).
    Owners are keyed by dn_key, in the order found."""

    def __init__(self, client: LdapClient) -> None:
        self.client = client
        self.owner_read = list(_eas_devices.OWNER_ATTRIBUTES) + FACT_ATTRIBUTES
        self.device_read = list(_eas_devices.DEVICE_READ) + [GUID_ATTRIBUTE]
        self.device_search = "(objectClass=%s)" % _exchange.DEVICE_CLASS[0]
        self.facts: dict[str, OwnerFacts] = {}
        self.devices: dict[str, list[Partnership]] = {}

    def _add_owner(self, entry: Entry) -> str:
        key = dn_key(entry.dn)
        if key not in self.facts:
            self.facts[key] = owner_facts(entry)
            self.devices.setdefault(key, [])
        return key

    def _devices_under(self, base: str, owners: set[str] | None = None) -> None:
        """Partnerships below base; with owners (a set of dn_key values) only theirs."""
        for entry in self.client.search(base, self.device_search, self.device_read):
            device = partnership(entry)
            key = device.owner_key
            if owners is not None and key not in owners:
                continue
            self.devices.setdefault(key, []).append(device)

    def load_users(self, entries: Iterable[Entry]) -> Scope:
        """Named users (entries as the resolver read them, with owner_read): each one's
        partnerships."""
        for entry in entries:
            self._devices_under(entry.dn, {self._add_owner(entry)})
        return self

    def load_search(self, base: str, search_filter: str, scope: str) -> Scope:
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

    def _read_owners(self, keys: set[str]) -> None:
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

    def __init__(self, owner_key: str, dn: str, exists: bool, devices: list[Partnership],
                 readiness: dict[str, Any], skip_reason: str | None = None,
                 guid: str | None = None) -> None:
        self.owner_key = owner_key
        self.dn = dn
        self.exists = exists
        self.devices = devices
        self.readiness = readiness
        self.skip_reason = skip_reason
        self.guid = guid

    @property
    def remove(self) -> bool:
        return self.exists and self.skip_reason is None


def plan_containers(client: LdapClient, scope: Scope, keys: Iterable[str],
                    include_allowed: bool) -> list[ContainerPlan]:
    """[ContainerPlan] for the owners keys names (dn_key of resolved users)."""
    exs = _eas_readiness.exchange_token(client, _exchange.exchange_servers(client))
    guid, _source = schema_guid(client, _exchange.DEVICES_CONTAINER_CLASS)
    sddl = Sddl.for_domain(client.root_dse)
    plans = []
    for key in keys:
        facts = scope.facts[key]
        dn = "%s,%s" % (_exchange.DEVICES_CONTAINER_RDN, facts.owner.dn)
        found = client.read(dn, [GUID_ATTRIBUTE, "objectClass"])
        exists = found is not None
        user = client.read(facts.owner.dn, _eas_readiness.USER_ATTRIBUTES)
        if user is None:  # selected a moment ago, gone now
            raise LdapError.no_such_object(facts.owner.dn, "user")
        # after the removal: no container, no devices
        row = _eas_readiness.readiness(user, descriptor_of(user), None,
                                       _eas_readiness.DeviceCounts(), exs["token"], guid, sddl)
        row["mail"] = facts.mail
        devices = scope.devices.get(key, [])
        allowed = [d.device_id for d in devices if d.device_id.lower() in facts.owner.allowed]
        skip = None
        if found is not None and not found.has_class(CONTAINER_CLASS):
            skip = ("it is an object %s, not an ActiveSync devices container (%s); it is never "
                    "removed" % (class_of(found), CONTAINER_CLASS))
        elif exists and row["would_fail"]:
            skip = ("Exchange could not create it again, so the user's phones would stop "
                    "syncing: %s; fix that first (adremedy.directory.inheritance)" % row["reason"])
        elif exists and allowed and not include_allowed:
            skip = ("it holds %s, on the owner's allow list (someone's working phone); "
                    "include_allowed removes it" % ", ".join(sorted(allowed)))
        plans.append(ContainerPlan(key, dn, exists, devices, row, skip,
                                   guid_of(found) if found is not None else None))
    return plans


# -- removing -------------------------------------------------------------------------------------

CONTAINER_CLASS = _exchange.DEVICES_CONTAINER_CLASS[0]
DEVICE_CLASS = _exchange.DEVICE_CLASS[0]


def class_of(entry: Entry) -> str:
    """'of class X', X the most specific objectClass of the entry (AD lists it last)."""
    name = entry.most_specific_class()
    return "of class %s" % name if name is not None else "of a class that could not be read"


def check_target(entry: Entry, planned_guid: str | None, name: str, what: str) -> None:
    """LdapError (one line naming the object) unless the entry read just before its delete is
    still the object planned (the same objectGUID, when the plan knew it) and of class name:
    another object created at the DN since the plan, or one of another class, is never
    removed."""
    guid = guid_of(entry)
    if planned_guid and guid != planned_guid:
        raise LdapError("%s is not the %s the plan found: its objectGUID is %s now, %s then (it "
                        "was deleted and created again meanwhile); not removed"
                        % (entry.dn, what, guid, planned_guid), dn=entry.dn)
    if not entry.has_class(name):
        raise LdapError("%s is an object %s, not an ActiveSync %s (%s); not removed"
                        % (entry.dn, class_of(entry), what, name), dn=entry.dn)


def sddl_text(sddl: Sddl, entry: Entry) -> str | None:
    """The object's descriptor as SDDL for its journal line; None when it has none or the codec
    cannot read it (the line keeps its bytes in binary_attributes)."""
    blob = entry.raw("nTSecurityDescriptor")
    if not blob:
        return None
    try:
        return sddl.render(SecurityDescriptor.parse(blob))
    except SecurityDescriptorError:
        return None


def check_container(plan: ContainerPlan, entries: Iterable[Entry]) -> None:
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
        if not entry.has_class(DEVICE_CLASS):
            raise LdapError("%s holds %s, an object %s, not an ActiveSync partnership (%s); the "
                            "container is not removed (its tree delete would take that too)"
                            % (plan.dn, entry.dn, class_of(entry), DEVICE_CLASS), dn=plan.dn)
        guid = guid_of(entry)
        if entry_key not in planned or planned[entry_key] and guid != planned[entry_key]:
            raise LdapError("%s holds %s (objectGUID %s), which was not there when the plan was "
                            "made; the container is not removed: run again" % (
                                plan.dn, entry.dn, guid), dn=plan.dn)


# -- the eas_device_cleanup module's run ----------------------------------------------------------

DEVICE_CRITERIA = ("device_id", "owner_disabled", "owner_eas_disabled", "created_before",
                   "last_sync_csv", "keep_newest") + _eas_devices.DeviceFilter.STRING_FILTERS + (
                       "access_state", "access_state_reason")


def given_criteria(params: Mapping[str, Any]) -> list[str]:
    named = [name for name in DEVICE_CRITERIA if params.get(name) not in (None, [])]
    if params["exclude_individual"]:
        named.append("exclude_individual")
    return named


def check_selection(params: Mapping[str, Any]) -> None:
    """What the cleanup may look at: a whole container needs named users and no criteria; a
    search base needs at least one criterion (else every partnership below it would go)."""
    criteria = given_criteria(params)
    if params["remove_container"]:
        if not params["users"]:
            raise Failure("remove_container needs users: the users whose "
                          "CN=ExchangeActiveSyncDevices container goes")
        if criteria:
            raise Failure("remove_container removes whole containers and takes no device "
                          "criteria; drop %s" % ", ".join(criteria))
    elif params["search_base"] and not criteria:
        raise Failure("search_base with no device criterion would remove every partnership "
                      "below it; give at least one of %s (or name users)"
                      % ", ".join(DEVICE_CRITERIA))
    for name in ("keep_newest", "max_devices"):
        if params[name] is not None and params[name] < 1:
            raise Failure("%s must be 1 or more, not %d" % (name, params[name]))


def read_criteria(params: Mapping[str, Any]) -> Criteria:
    """The Criteria, every device ID, date and the CSV checked before connecting; Failure
    saying what is wrong, with nothing changed."""
    try:
        for value in params["device_id"] or []:
            check_device_id(value, "device_id")
        device_filter = _eas_devices.DeviceFilter(params)
        created = (parse_threshold(params["created_before"], "created_before")
                   if params["created_before"] else None)
        last_sync, before = None, None
        if params["last_sync_csv"]:
            before = parse_threshold(params["last_sync_before"], "last_sync_before")
            last_sync = read_csv(params["last_sync_csv"], params["last_sync_date_format"])
    except ValueError as exc:
        raise Failure("%s; nothing was changed" % exc)
    return Criteria(device_filter, params["device_id"], params["owner_disabled"],
                    params["owner_eas_disabled"], created, last_sync, before,
                    params["keep_newest"], params["include_allowed"])


def read_csv(path: str, date_format: str | None) -> dict[str, datetime.datetime | None]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise ValueError("cannot read last_sync_csv %s: %s" % (path, exc.strerror or exc))
    return parse_last_sync_csv(data, path, date_format)


def load_scope(client: LdapClient, params: Mapping[str, Any]) -> Scope:
    scope = Scope(client)
    if params["users"]:
        resolved = resolve_identities(client, params["users"], scope.owner_read)
        return scope.load_users([entry for _names, entry in by_object(resolved)])
    base = params["search_base"] or client.root_dse.default_naming_context
    require_object(client, base, "search_base")
    return scope.load_search(base, check_filter(params["filter"]), params["scope"])


def unknown_device_ids(params: Mapping[str, Any], scope: Scope) -> list[str]:
    present: set[str] = set()
    for devices in scope.devices.values():
        present.update(d.device_id.lower() for d in devices)
    return [v for v in params["device_id"] or [] if v.lower() not in present]


OWNER_KEYS = ("owner_dn", "owner_sam_account_name", "owner_mail")


def owner_detail(facts: OwnerFacts | None) -> dict[str, Any]:
    return dict(owner_dn=facts.owner.dn if facts else None,
                owner_sam_account_name=facts.owner.sam_account_name if facts else None,
                owner_mail=facts.mail if facts else None)


def device_detail(device: Partnership, owner: Mapping[str, Any],
                  last_sync: Mapping[str, Any] | None) -> dict[str, Any]:
    """A partnership's entry in objects; owner is owner_detail() of its owner."""
    record = device.record
    detail = dict(owner, kind="device", owner_dn=record["owner_dn"])
    for key in ("device_id", "device_type", "device_model", "when_created"):
        detail[key] = record.get(key)
    if last_sync is not None:
        synced = last_sync.get(device.device_id.lower())
        detail["last_success_sync"] = iso(synced)
        record["last_success_sync"] = detail["last_success_sync"]
    return detail


class Removal:
    """One planned delete: a device, or a container with what is in it."""

    __slots__ = ("dn", "device", "container", "detail", "record")

    def __init__(self, dn: str, detail: dict[str, Any], record: dict[str, Any],
                 device: Partnership | None = None,
                 container: ContainerPlan | None = None) -> None:
        self.dn = dn
        self.detail = detail
        self.record = record
        self.device = device
        self.container = container


def plan_devices(scope: Scope, criteria: Criteria,
                 outcome: Outcome) -> tuple[list[Removal], dict[str, int]]:
    removals = []
    kept = dict(kept_allowed=0, kept_newest=0)
    for decision in decide(scope.devices, scope.facts, criteria):
        device = decision.device
        detail = device_detail(device, owner_detail(scope.facts.get(device.owner_key)),
                               criteria.last_sync)
        detail["why"] = decision.why
        outcome.counts["matched"] += 1
        if decision.remove:
            removals.append(Removal(device.dn, detail, device.record, device=device))
        else:
            kept["kept_newest" if "keep_newest" in (decision.skip_reason or "")
                 else "kept_allowed"] += 1
            outcome.add(device.dn, "skipped", reason=decision.skip_reason, **detail)
    return removals, kept


def plan_container_removals(client: LdapClient, scope: Scope, include_allowed: bool,
                            outcome: Outcome) -> tuple[list[Removal], list[dict[str, Any]]]:
    removals, readiness = [], []
    for plan in plan_containers(client, scope, list(scope.facts), include_allowed):
        readiness.append(plan.readiness)
        detail = dict(kind="container", devices=len(plan.devices),
                      **owner_detail(scope.facts[plan.owner_key]))
        if not plan.exists:
            outcome.counts["matched"] += 1
            outcome.add(plan.dn, "unchanged", **detail)
            continue
        if not plan.remove:
            outcome.counts["matched"] += 1
            outcome.add(plan.dn, "skipped", reason=plan.skip_reason, **detail)
            continue
        outcome.counts["matched"] += 1 + len(plan.devices)
        record = dict(dn=plan.dn, devices=len(plan.devices))
        removals.append(Removal(plan.dn, detail, record, container=plan))
    return removals, readiness


def findings(scope: Scope, removed: set[str],
             max_devices: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    over, stale = [], []
    for key, facts in scope.facts.items():
        devices = scope.devices.get(key, [])
        after = [d for d in devices if d.key not in removed]
        name = facts.owner.sam_account_name
        if len(devices) >= max_devices:
            over.append(dict(dn=facts.owner.dn, sam_account_name=name, devices=len(devices),
                             devices_after=len(after)))
        entries = stale_list_entries(facts, set(d.device_id.lower() for d in after))
        if entries:
            stale.append(dict(dn=facts.owner.dn, sam_account_name=name,
                              allowed=entries.get("allowed", []),
                              blocked=entries.get("blocked", [])))
    return over, stale


def planned_objects(removals: list[Removal]) -> list[Any]:
    """Every object the plan removes: the removals and the partnerships inside containers."""
    planned: list[Any] = list(removals)
    for removal in removals:
        if removal.container is not None:
            planned += removal.container.devices
    return planned


def removed_keys(removals: list[Removal]) -> set[str]:
    """dn_key of every partnership the plan removes, inside containers too."""
    keys: set[str] = set()
    for removal in removals:
        if removal.container is not None:
            keys.update(d.key for d in removal.container.devices)
        elif removal.device is not None:
            keys.add(removal.device.key)
    return keys


def _dacl(client: LdapClient, dn: str,
          cache: dict[str, SecurityDescriptor | None]) -> SecurityDescriptor | None:
    """dn's DACL (SD flags 0x4), read once; None when it cannot be read."""
    key = dn.lower()
    if key not in cache:
        try:
            entry = client.read(dn, ["nTSecurityDescriptor"])
            raw = entry.raw("nTSecurityDescriptor") if entry is not None else None
            cache[key] = SecurityDescriptor.parse(raw) if raw else None
        except DirectoryError:
            cache[key] = None
    return cache[key]


def rights_guard(client: LdapClient, removals: list[Removal], outcome: Outcome,
                 fail_fast: bool = False, account: str | None = None) -> list[Removal]:
    """Each partnership the bind account surely may neither delete nor delete from its
    container (_rights.Rights.check_delete) is failed with insufficientAccessRights (50) and
    why, and not attempted; the same in check mode (issue 22 item 1). Whole containers
    (remove_container, a tree delete) are left to the DC."""
    if not any(r.container is None for r in removals):
        return removals
    rights = rights_for(client, account)
    if not rights.predicts:
        return removals
    class_guid = attribute_guid(client, DEVICE_CLASS)
    cache: dict[str, SecurityDescriptor | None] = {}

    def refused(removal: Removal) -> dict[str, Any] | None:
        if removal.container is not None:
            return None
        sd = _dacl(client, removal.dn, cache)
        try:
            above = parent(removal.dn)
        except DnError:
            above = None
        denied = None
        if sd is not None and above:
            denied = rights.check_delete(removal.dn, sd, above, _dacl(client, above, cache),
                                         class_guid, kind="partnership")
        return denied.refusal() if denied is not None else None
    return refuse(removals, outcome, fail_fast, refused)


class CleanupWriter(BulkWriter):
    # pylint: disable=arguments-renamed  # the runner passes each step's arguments by position
    """The eas_device_cleanup run: the scope read (named users or a search, every partnership
    of its owners), the removals decided (partnerships, or whole containers), findings, the
    rights guard; then per removal the object (and a container's content) read again and
    checked to be what the plan found, journalled with every attribute, deleted (an object
    someone else removed meanwhile is gone too), verified gone. `found`: the module's result
    keys (over_limit, stale_list_entries, readiness, summary), filled by the plan."""

    verb = "removes"

    def __init__(self, client: LdapClient, params: Mapping[str, Any] | None = None,
                 criteria: Criteria | None = None, found: dict[str, Any] | None = None,
                 sddl: Sddl | None = None) -> None:
        super().__init__(client)
        self.params: Mapping[str, Any] = params or {}
        self.criteria = criteria or Criteria()
        self.found = found if found is not None else {}
        self.sddl = sddl or Sddl()
        self.journal_path = self.params.get("journal")

    def plan(self, outcome: Outcome) -> list[Removal]:
        client, params, found = self.client, self.params, self.found
        require_exchange_schema(client, _exchange.DEVICE_SCHEMA)
        scope = load_scope(client, params)
        unknown = unknown_device_ids(params, scope)
        if unknown:
            raise Failure("device ID%s %s %s on no partnership of the users selected; nothing "
                          "was changed" % ("s" if len(unknown) > 1 else "", ", ".join(unknown),
                                           "are" if len(unknown) > 1 else "is"))
        summary = dict(owners=len(scope.facts),
                       devices=sum(len(d) for d in scope.devices.values()))
        if params["remove_container"]:
            removals, found["readiness"] = plan_container_removals(
                client, scope, params["include_allowed"], outcome)
        else:
            removals, kept = plan_devices(scope, self.criteria, outcome)
            summary.update(kept)
        if self.criteria.last_sync is not None:
            summary["not_in_csv"] = sum(1 for devices in scope.devices.values() for d in devices
                                        if d.device_id.lower() not in self.criteria.last_sync)
        removed = removed_keys(removals)
        summary["removed"] = len(removed)
        found["over_limit"], found["stale_list_entries"] = findings(scope, removed,
                                                                    params["max_devices"])
        found["summary"] = summary
        self.sddl = Sddl.for_domain(client.root_dse)
        return removals

    def guard(self, removals: list[Removal], outcome: Outcome,
              fail_fast: bool) -> list[Removal]:
        """The partnerships the bind account surely may not delete: failed (50), not
        attempted, in check mode too (issue 22 item 1)."""
        return rights_guard(self.client, removals, outcome, fail_fast,
                            self.params.get("bind_dn"))

    def counted(self, removals: list[Removal]) -> list[Any]:
        return planned_objects(removals)

    def recheck(self, removal: Removal) -> list[Entry]:
        """What the delete takes, read again with every attribute and checked (check_target,
        check_container), deepest first; [] when it is gone already (nothing to journal or
        delete)."""
        if removal.container is not None:
            entries = list(self.client.search(removal.dn, "(objectClass=*)", FULL_READ))
            if entries:
                check_container(removal.container, entries)
            return sorted(entries, key=lambda e: -len(e.dn))
        entry = self.client.read(removal.dn, FULL_READ)
        if entry is None:
            return []
        check_target(entry, removal.device.guid if removal.device else None, DEVICE_CLASS,
                     "partnership")
        return [entry]

    def journal_lines(self, removal: Removal, entries: list[Entry]) -> list[dict[str, Any]]:
        lines = []
        for entry in entries:
            if removal.container is not None:
                kind = "container" if dn_key(entry.dn) == dn_key(removal.dn) else "device"
                owner = removal.detail["owner_dn"]
            else:
                kind, owner = "device", removal.record.get("owner_dn")
            lines.append(journal_line(entry, kind, owner, sddl_text(self.sddl, entry)))
        return lines

    def write(self, removal: Removal, entries: list[Entry]) -> None:
        """Delete (a container by a tree delete); an object someone else removed in the
        meantime (noSuchObject) is gone too, and so is one whose answer was lost and the retry
        found nothing (read back, never resent)."""
        if not entries:
            return
        try:
            self.client.delete(removal.dn, tree=removal.container is not None)
        except LdapError as exc:
            if exc.code != 32:
                raise

    def verify(self, removal: Removal, entries: list[Entry]) -> None:
        if entries and self.client.read(removal.dn, ["1.1"]) is not None:
            raise LdapError("verify %s failed: the object is still there after the delete"
                            % removal.dn, dn=removal.dn)

    def describe(self, removal: Removal, outcome: Outcome, result: Any = None) -> None:
        outcome.add(removal.dn, "changed", **removal.detail)
        if removal.container is not None:
            # the partnerships inside go with it, and count
            owner = dict((key, removal.detail[key]) for key in OWNER_KEYS)
            for device in removal.container.devices:
                outcome.add(device.dn, "changed", why=["in the removed container"],
                            **device_detail(device, owner, None))
            before = "container with %d partnerships\n" % removal.record["devices"]
        else:
            before = diff_before(removal.record)
        outcome.diffs.append(dict(before_header=removal.dn, before=before,
                                  after_header="%s (removed)" % removal.dn, after=""))
