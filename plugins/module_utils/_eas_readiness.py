# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One user's ActiveSync readiness: ActiveSync on, inheritance, protection, whether Exchange
Servers may create the user's ExchangeActiveSyncDevices container (the cause of event 1053),
container and device counts, allow/block list findings. Private."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._eas_policy import eas_enabled
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import (
    DEVICE_CLASS, DEVICES_CONTAINER_CLASS, device_owner, enclosing_groups)
from ansible_collections.adremedy.directory.plugins.module_utils._identity import mail_of
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    Entry, LdapClient, LdapError, follow_links, partitioned_search)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    CALLBACK_DENY_TYPES, SecurityDescriptor, SecurityDescriptorError, Sddl, check_access,
    describe_ace, sid_to_str)

CREATE_CHILD = 0x1

USER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "mail", "proxyAddresses",
                   "nTSecurityDescriptor", "adminCount",
                   "msExchOmaAdminWirelessEnable", "msExchMobileAllowedDeviceIDs",
                   "msExchMobileBlockedDeviceIDs"]


def list_findings(allowed: Sequence[str], blocked: Sequence[str]) -> tuple[list[str], list[str]]:
    """(IDs on both lists, IDs stored twice on one list in different case), case-insensitive."""
    allowed_keys = dict((v.lower(), v) for v in allowed)
    conflicts = sorted(allowed_keys[k] for k in set(allowed_keys) & set(v.lower() for v in blocked))
    duplicates = []
    for values in (allowed, blocked):
        seen = {}
        for value in values:
            seen.setdefault(value.lower(), set()).add(value)
        duplicates += sorted(v for group in seen.values() if len(group) > 1 for v in group)
    return conflicts, duplicates


class DeviceCounts:
    """Which users have a devices container and how many device objects, from one search."""

    def __init__(self) -> None:
        self.containers: set[str] = set()
        self.devices: dict[str, int] = {}

    def load(self, client: LdapClient, base: str, container_class: str,
             device_class: str, connections: int = 1) -> DeviceCounts:
        search = "(|(objectClass=%s)(objectClass=%s))" % (container_class, device_class)
        for entry in partitioned_search(client, base, search, ["1.1"], "subtree", connections):
            owner = device_owner(entry.dn)
            if owner is None:
                continue
            key = owner[0].lower()
            if owner[1]:
                self.devices[key] = self.devices.get(key, 0) + 1
            else:
                self.containers.add(key)
        return self

    @classmethod
    def of_selection(cls, client: LdapClient, params: Mapping[str, Any]) -> DeviceCounts:
        """The partnerships and device containers below a module's selection: each listed
        user, or the search base (read over read_connections connections)."""
        counts = cls()
        connections = 1 if params["dn"] else params.get("read_connections") or 1
        for base in params["dn"] or [params["search_base"]]:
            counts.load(client, base, DEVICES_CONTAINER_CLASS[0], DEVICE_CLASS[0], connections)
        return counts

    def of(self, dn: str) -> tuple[bool, int]:
        key = dn.lower()
        return key in self.containers, self.devices.get(key, 0)


class ExchangeToken(list):
    """The SIDs Exchange creates the devices container with. As a list: every SID of every
    Exchange server's token (what the modules return); servers: (DN, token) per account that is
    a member of Exchange Servers, each judged on its own by creation_check (an allow only one
    server has is no grant for the others; a deny on a group of one server stops that one)."""

    def __init__(self, sids: Iterable[str] = (),
                 servers: Iterable[tuple[str, Sequence[str]]] = ()) -> None:
        self.servers = [(dn, list(dict.fromkeys(token))) for dn, token in servers]
        union = list(sids) + [sid for _dn, token in self.servers for sid in token]
        super().__init__(dict.fromkeys(union))

    def tokens(self) -> list[tuple[str | None, list[str]]]:
        return self.servers or [(None, list(self))]


SERVER_ATTRIBUTES = ["objectClass", "objectSid", "member", "memberOf", "primaryGroupID"]


def _sid(blob: bytes | None) -> str | None:
    try:
        return sid_to_str(blob) if blob else None
    except SecurityDescriptorError:
        return None


def _account_token(client: LdapClient, account: Entry) -> list[str]:
    """An account's own SID and its groups: tokenGroups (the DC's own transitive expansion,
    primary group included), else memberOf followed and the primary group by RID."""
    own = _sid(account.raw("objectSid"))
    sids = [own] if own else []
    try:
        read = client.read(account.dn, ["tokenGroups"])
    except LdapError:
        read = None
    groups = [sid for sid in (_sid(blob) for blob in (read.raws("tokenGroups") if read else []))
              if sid]
    if not groups:
        groups = [sid for sid in (_sid(group.raw("objectSid"))
                                  for group in enclosing_groups(client, account)) if sid]
        rid = account.int("primaryGroupID")
        if own and rid:
            groups.append("%s-%d" % (own.rsplit("-", 1)[0], rid))
    return sids + groups


def exchange_token(client: LdapClient, exs: dict[str, Any]) -> dict[str, Any]:
    """exs (_exchange.exchange_servers()) with its token made the Exchange servers' own: each
    account that is a member of Exchange Servers, directly or through nested groups (the
    servers' computer accounts), adds its SID and its groups (Domain Computers, Exchange
    Trusted Subsystem...), so that a deny on any of them is seen. A member that cannot be read
    is judged by the group's token. Without member accounts the group's token stays."""
    group_token = list(exs["token"])
    group = client.read(exs["dn"], ["member"])
    pending = group.texts("member") if group else []
    servers: list[tuple[str, list[str]]] = []
    found: set[str] = set()
    base = client.root_dse.root_domain_naming_context

    def members(entry: Entry) -> list[str]:
        classes = [value.lower() for value in entry.texts("objectClass")]
        return entry.texts("member") if "group" in classes else []

    for entry in follow_links(client, base, pending, SERVER_ATTRIBUTES, members,
                              seen=[dn_key(exs["dn"])]):
        found.add(dn_key(entry.dn))
        if "group" in [value.lower() for value in entry.texts("objectClass")]:
            continue
        servers.append((entry.dn, group_token + _account_token(client, entry)))
    if servers and any(dn_key(dn) not in found for dn in pending):
        servers.append(("a member of %s that could not be read" % exs["dn"], group_token))
    return dict(exs, token=ExchangeToken(group_token, servers),
                servers=[dict(dn=dn, token=token) for dn, token in servers])


def creation_check(sd: SecurityDescriptor, token: Sequence[str], container_class_guid: str,
                   sddl: Sddl) -> tuple[bool, str | None]:
    """(Exchange Servers may create the devices container here, why) from the user's DACL,
    judged for each Exchange server's token when token is an ExchangeToken (True only when
    every server may; why names the first that may not)."""
    tokens = token.tokens() if isinstance(token, ExchangeToken) else [(None, token)]
    for server, sids in tokens:
        can, why = _creation_check(sd, sids, container_class_guid, sddl)
        if not can:
            if server is not None:
                why = "%s (for the Exchange server %s)" % (why, server)
            return can, why
    return True, None


def _creation_check(sd: SecurityDescriptor, token: Sequence[str], container_class_guid: str,
                    sddl: Sddl) -> tuple[bool, str | None]:
    decision = check_access(sd, token, CREATE_CHILD, container_class_guid)
    if decision.granted:
        return True, None
    if decision.ace is not None and decision.ace.type in CALLBACK_DENY_TYPES:
        return False, ("a callback (conditional) deny ACE, whose condition the module cannot "
                       "evaluate and so counts as a deny, may stop Exchange Servers creating "
                       "the ExchangeActiveSyncDevices container: %s" % describe_ace(decision.ace))
    if decision.ace is not None:
        return False, ("a deny ACE stops Exchange Servers creating the ExchangeActiveSyncDevices "
                       "container: %s" % sddl.ace(decision.ace))
    if decision.unevaluated:
        return False, ("no ACE the module can evaluate gives Exchange Servers Create Child of "
                       "msExchActiveSyncDevices; a callback (conditional) allow ACE it cannot "
                       "evaluate was not counted: %s" % describe_ace(decision.unevaluated[0]))
    if sd.protected:
        return False, ("inheritance is disabled and no explicit ACE gives Exchange Servers "
                       "Create Child of msExchActiveSyncDevices (event 1053)")
    return False, ("no ACE, inherited or explicit, gives Exchange Servers Create Child of "
                   "msExchActiveSyncDevices; check Exchange's PrepareDomain ACEs on the domain "
                   "root and the OUs above")


def readiness(entry: Entry, sd: SecurityDescriptor, protection: Mapping[str, Any] | None,
              counts: DeviceCounts, exs_token: Sequence[str], container_class_guid: str,
              sddl: Sddl, verdict: tuple[bool, str | None] | None = None) -> dict[str, Any]:
    """One user's row of eas_readiness_info. verdict: creation_check()'s answer when the caller
    already has it (descriptors repeat)."""
    enabled = eas_enabled(entry.raw("msExchOmaAdminWirelessEnable"))
    can_create, why = verdict or creation_check(sd, exs_token, container_class_guid, sddl)
    container, devices = counts.of(entry.dn)
    conflicts, duplicates = list_findings(entry.texts("msExchMobileAllowedDeviceIDs"),
                                          entry.texts("msExchMobileBlockedDeviceIDs"))
    classification = protection["classification"] if protection else None
    would_fail = enabled and not container and not can_create
    if why and classification in ("protected", "unmarked"):
        why += "; protected by AdminSDHolder (%s), so excluded from the inheritance fix by " \
               "design" % protection["reason"]
    elif why and classification == "orphaned":
        why += "; orphaned adminCount=1 (in no protected group): the inheritance module fixes " \
               "it with include_orphaned"
    return dict(
        dn=entry.dn,
        sam_account_name=entry.text("sAMAccountName"),
        user_principal_name=entry.text("userPrincipalName"),
        mail=mail_of(entry),
        eas_enabled=enabled,
        inheritance="disabled" if sd.protected else "enabled",
        protection=classification,
        exchange_can_create=can_create,
        container=container,
        devices=devices,
        list_conflicts=conflicts,
        case_duplicates=duplicates,
        would_fail=would_fail,
        reason=why,
    )


SUMMARY_KEYS = ("users", "eas_enabled", "eas_disabled", "inheritance_disabled",
                "exchange_can_create", "exchange_cannot_create", "would_fail", "protected",
                "orphaned", "with_container", "devices", "list_conflicts", "case_duplicates",
                "unreadable")


def summarize(summary: dict[str, int], row: Mapping[str, Any]) -> None:
    summary["users"] += 1
    summary["eas_enabled" if row["eas_enabled"] else "eas_disabled"] += 1
    summary["inheritance_disabled"] += row["inheritance"] == "disabled"
    summary["exchange_can_create" if row["exchange_can_create"]
            else "exchange_cannot_create"] += 1
    summary["would_fail"] += row["would_fail"]
    summary["protected"] += row["protection"] in ("protected", "unmarked")
    summary["orphaned"] += row["protection"] == "orphaned"
    summary["with_container"] += row["container"]
    summary["devices"] += row["devices"]
    summary["list_conflicts"] += bool(row["list_conflicts"])
    summary["case_duplicates"] += bool(row["case_duplicates"])


def unreadable_row(entry: Entry, exc: Exception) -> dict[str, Any]:
    return dict(dn=entry.dn, sam_account_name=entry.text("sAMAccountName"),
                error=str(exc), would_fail=None)
