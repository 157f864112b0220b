# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading ActiveSync device partnerships and their owners: device records, the device
filters (an LDAP filter to narrow the search and an exact test), the devices of a selection of
users, an inventory summary and its JMESPath query (eas_device_info). Private."""

from __future__ import annotations

import datetime
import re
import traceback
from typing import Any, Collection, Iterable, Mapping

try:
    import jmespath
    JMESPATH_IMPORT_ERROR = None
except ImportError:  # only a run with a query needs it (the module base says so)
    jmespath = None  # type: ignore[assignment]
    JMESPATH_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    ACCESS_REASONS, ACCESS_STATES, REASON_INDIVIDUAL, Owner, eas_enabled, enum_name, enum_value)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    ALLOWED_ATTRIBUTE, BLOCKED_ATTRIBUTE, DEVICE_CLASS, DEVICE_SCHEMA, device_owner, rdn_value)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _schema
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import mail_of
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    DEFAULT_USER_FILTER, escape_filter_value, missing_user, read_objects_by, select_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)

# The Exchange schema reading devices needs; a module declares it to the module base
# (AdremedyModule(exchange_schema=SCHEMA)), which checks it right after the selection.
SCHEMA = list(DEVICE_SCHEMA)

OWNER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "mail", "proxyAddresses",
                    _schema.WIRELESS_ENABLE, ALLOWED_ATTRIBUTE, BLOCKED_ATTRIBUTE]

DEVICE_ATTRIBUTES = {
    "device_id": _schema.DEVICE_ID, "device_type": _schema.DEVICE_TYPE,
    "device_model": _schema.DEVICE_MODEL, "device_os": _schema.DEVICE_OS,
    "user_agent": _schema.DEVICE_USER_AGENT, "friendly_name": _schema.DEVICE_FRIENDLY_NAME,
}

# Exchange's FirstSyncTime of a partnership, where the DC's schema has it (the lab's subset
# does not); else the object's whenCreated, which Exchange writes on the first sync.
FIRST_SYNC_ATTRIBUTE = _schema.FIRST_SYNC_TIME
DEVICE_READ = list(DEVICE_ATTRIBUTES.values()) + [
    _schema.ACCESS_STATE, _schema.ACCESS_STATE_REASON, _schema.ACCESS_RULE_LINK, "whenCreated",
    FIRST_SYNC_ATTRIBUTE]
UTC = datetime.timezone.utc
_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=UTC)


def parse_generalized_time(text: str | None) -> datetime.datetime | None:
    """AD's whenCreated ('20261128151542.0Z') as an aware datetime, or None."""
    if not text:
        return None
    match = re.match(r"^(\d{14})(?:[.,](\d+))?Z?$", text.strip())
    if not match:
        return None
    try:
        value = datetime.datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return value.replace(tzinfo=UTC)


def parse_ad_time(text: str | None) -> datetime.datetime | None:
    """A generalized time, or a FILETIME integer (100 ns since 1601, 0 = never), or None."""
    if text and text.strip().isdigit() and len(text.strip()) > 14:
        ticks = int(text.strip())
        try:
            return _FILETIME_EPOCH + datetime.timedelta(microseconds=ticks // 10) if ticks else None
        except OverflowError:
            return None
    return parse_generalized_time(text)


def iso(value: datetime.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


# Values that repeat across devices (a few models and rules among many thousands of phones):
# one string object each per run, not one per device.
SHARED_VALUES = ("device_type", "device_model", "device_os", "user_agent", "access_rule",
                 "access_rule_dn")


def device_record(entry: Entry, shared: dict[str, str] | None = None) -> dict[str, Any]:
    """A device object as eas_device_info returns it (owner names are added by the caller).
    With `shared`, the SHARED_VALUES fields of every record made with it share their strings."""
    record: dict[str, Any] = dict(dn=entry.dn)
    for key, attribute in DEVICE_ATTRIBUTES.items():
        record[key] = entry.text(attribute)
    record["access_state"] = enum_name(ACCESS_STATES, entry.int("msExchDeviceAccessState"))
    record["access_state_reason"] = enum_name(ACCESS_REASONS,
                                              entry.int("msExchDeviceAccessStateReason"))
    rule_dn = entry.text("msExchDeviceAccessControlRuleLink")
    record["access_rule"] = rdn_value(rule_dn) if rule_dn else None
    record["access_rule_dn"] = rule_dn
    if shared is not None:
        for key in SHARED_VALUES:
            if record[key] is not None:
                record[key] = shared.setdefault(record[key], record[key])
    owner = device_owner(entry.dn, device=True)
    record["owner_dn"] = owner[0] if owner else None
    record["when_created"] = iso(parse_generalized_time(entry.text("whenCreated")))
    record["first_seen"] = iso(parse_ad_time(entry.text(FIRST_SYNC_ATTRIBUTE))) \
        or record["when_created"]
    return record


def _or_filter(attribute: str, values: Iterable[str]) -> str:
    parts = []
    for value in values:
        if value == "":
            parts.append("(!(%s=*))" % attribute)
        else:
            parts.append("(%s=%s)" % (attribute, escape_filter_value(value)))
    return parts[0] if len(parts) == 1 else "(|%s)" % "".join(parts)


class DeviceFilter:
    """eas_device_info's device filters: a server-side LDAP filter that narrows the search, and
    an exact client-side test (the server's matching rules are not ours to rely on)."""

    STRING_FILTERS = ("device_model", "device_type", "device_os", "user_agent")

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.values = dict((key, value_list(params.get(key), key)) for key in self.STRING_FILTERS
                           if params.get(key) is not None)
        self.match_case = bool(params.get("match_case"))
        # What accepts() compares against, built once rather than for every device.
        self._wanted = dict((key, set(values) if self.match_case
                             else set(v.lower() for v in values))
                            for key, values in self.values.items())
        self.states = self._names(params.get("access_state"), ACCESS_STATES, "access_state")
        self.reasons = self._names(params.get("access_state_reason"), ACCESS_REASONS,
                                   "access_state_reason")
        self.exclude_individual = bool(params.get("exclude_individual"))

    @staticmethod
    def _names(values: Iterable[Any] | None, table: Mapping[int, str], what: str) -> set[int] | None:
        if values is None:
            return None
        return set(enum_value(table, value, what) for value in values)

    def ldap_filter(self) -> str:
        parts = ["(objectClass=%s)" % DEVICE_CLASS[0]]
        for key, values in self.values.items():
            parts.append(_or_filter(DEVICE_ATTRIBUTES[key], values))
        if self.states is not None:
            parts.append(_or_filter("msExchDeviceAccessState", [str(v) for v in self.states]))
        if self.reasons is not None:
            parts.append(_or_filter("msExchDeviceAccessStateReason",
                                    [str(v) for v in self.reasons]))
        if self.exclude_individual:
            parts.append("(!(msExchDeviceAccessStateReason=%d))" % REASON_INDIVIDUAL)
        return "(&%s)" % "".join(parts)

    def accepts(self, record: Mapping[str, Any], entry: Entry) -> bool:
        for key, wanted in self._wanted.items():
            value = record.get(key) or ""
            if (value if self.match_case else value.lower()) not in wanted:
                return False
        state = entry.int("msExchDeviceAccessState")
        reason = entry.int("msExchDeviceAccessStateReason")
        if self.states is not None and state not in self.states:
            return False
        if self.reasons is not None and reason not in self.reasons:
            return False
        return not (self.exclude_individual and reason == REASON_INDIVIDUAL)


def read_owners(client: LdapClient, dns: Iterable[str]) -> dict[str, Owner]:
    """Owner objects for a set of user DNs, keyed by lower-case DN."""
    owners = {}
    for entry in read_objects_by(client, client.root_dse.default_naming_context,
                                 "distinguishedName", sorted(dns), OWNER_ATTRIBUTES):
        owners[entry.dn.lower()] = owner_from_entry(entry)
    return owners


def owner_from_entry(entry: Entry) -> Owner:
    """The Owner the decision engine needs, from a user's LDAP entry."""
    return Owner(entry.dn, entry.text("sAMAccountName"), entry.text("userPrincipalName"),
                 eas_enabled(entry.raw("msExchOmaAdminWirelessEnable")),
                 entry.texts(ALLOWED_ATTRIBUTE), entry.texts(BLOCKED_ATTRIBUTE), mail_of(entry))


def selected_owners(client: LdapClient, params: Mapping[str, Any]) -> dict[str, Owner] | None:
    """Owners by lower-case DN of the users the selection names (params: the module's resolved
    Selection, which reads like params), or None when it names every user under search_base
    (the default filter and scope: no need to read them first)."""
    if not params.get("dn") and params.get("filter") == DEFAULT_USER_FILTER \
            and params.get("scope") == "subtree":
        return None
    return dict((entry.dn.lower(), owner_from_entry(entry)) for entry in
                select_entries(client, params, OWNER_ATTRIBUTES, missing_user))


def find_devices(client: LdapClient, params: Mapping[str, Any], device_filter: DeviceFilter
                 ) -> tuple[list[dict[str, Any]], dict[str, Owner]]:
    """(device records, owners by lower-case DN) for the users eas_device_info's selection
    names: a DN list, or search_base with scope and filter. Records keep their LDAP entry's
    state for the filter; devices of users outside the selection are dropped."""
    search = device_filter.ldap_filter()
    records = []
    shared: dict[str, str] = {}
    selected = selected_owners(client, params)
    # a DN list always selects (selected is None only for search_base's every user)
    bases = [owner.dn for owner in selected.values()] \
        if params.get("dn") and selected is not None else [params["search_base"]]
    for base in bases:
        for entry in client.search(base, search, DEVICE_READ):
            record = device_record(entry, shared)
            owner_key = (record["owner_dn"] or "").lower()
            if selected is not None and owner_key not in selected:
                continue
            if device_filter.accepts(record, entry):
                records.append(record)
    owners = selected if selected is not None else read_owners(
        client, set(r["owner_dn"] for r in records if r["owner_dn"]))
    for record in records:
        owner = owners.get((record["owner_dn"] or "").lower())
        record["owner_sam_account_name"] = owner.sam_account_name if owner else None
        record["owner_user_principal_name"] = owner.user_principal_name if owner else None
        record["owner_mail"] = owner.mail if owner else None
    return records, owners


def summarize_devices(records: Collection[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts for an inventory: by access state, by model (empty model shown as '(none)'),
    owners with devices."""
    by_state: dict[str, int] = {}
    by_model: dict[str, int] = {}
    for record in records:
        state = record["access_state"] or "Unknown"
        by_state[state] = by_state.get(state, 0) + 1
        model = record["device_model"] or "(none)"
        by_model[model] = by_model.get(model, 0) + 1
    return dict(devices=len(records), owners=len(set((r["owner_dn"] or "").lower()
                                                     for r in records)),
                by_access_state=by_state, by_model=by_model)


def value_list(value: Any, option: str) -> list[str]:
    """A device filter option (typed raw) as its list of values. Ansible's list type splits a
    string at commas, and device models have commas (iPhone15,2): one string is ONE value, a
    string with line breaks one value per non-empty line (an AWX survey textarea), a list its
    items (an empty one selects devices whose value is not known yet). ValueError otherwise."""
    if isinstance(value, str):
        lines = value.splitlines()
        return [value] if len(lines) <= 1 else [line.strip() for line in lines if line.strip()]
    if isinstance(value, (list, tuple)):
        for number, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise ValueError("%s[%d] is %r, not a string" % (option, number, item))
        return list(value)
    raise ValueError("%s must be a value, several values one per line, or a list, not a %s"
                     % (option, type(value).__name__))


def device_filter_argument_spec() -> dict[str, dict[str, Any]]:
    """Device filters shared by eas_device_info and eas_access_plan (doc fragment devices).
    The four text filters are raw: DeviceFilter makes them lists (value_list)."""
    return dict(
        device_model=dict(type="raw"),
        device_type=dict(type="raw"),
        device_os=dict(type="raw"),
        user_agent=dict(type="raw"),
        match_case=dict(type="bool", default=False),
        access_state=dict(type="list", elements="str"),
        access_state_reason=dict(type="list", elements="str"),
        exclude_individual=dict(type="bool", default=False),
    )


def compile_query(expression: str) -> Any:
    """The compiled JMESPath query; ValueError in one line when it is not one (a deeply nested
    one makes jmespath's parser recurse too deep, which it does not report as its own error)."""
    try:
        return jmespath.compile(expression)
    except (jmespath.exceptions.JMESPathError, RecursionError) as exc:
        raise ValueError("query %r is not a valid JMESPath expression: %s"
                         % (expression[:200], " ".join(str(exc).split())[:200]))


def inventory(records: list[dict[str, Any]], query: Any = None,
              expression: str = "") -> dict[str, Any]:
    """eas_device_info's result: the summary, and the records or, with a query (compiled from
    expression), what it selects of them; Failure with the summary when the query fails."""
    result: dict[str, Any] = dict(changed=False, summary=summarize_devices(records))
    if query is None:
        result["devices"] = records
        return result
    try:
        result["query_result"] = query.search(records)
    except (jmespath.exceptions.JMESPathError, RecursionError) as exc:
        raise Failure("query %r failed: %s" % (expression[:200], " ".join(str(exc).split())),
                      **result)
    return result
