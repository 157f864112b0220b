# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One user's ActiveSync readiness: ActiveSync on, inheritance, protection, whether Exchange
Servers may create the user's ExchangeActiveSyncDevices container (the cause of event 1053),
container and device counts, allow/block list findings; and the readiness of a selection
(eas_readiness_info): what every row needs read once (`ReadinessSetup`), then the rows.
Private."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import eas_enabled
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    DEVICE_CLASS, DEVICES_CONTAINER_CLASS, device_owner, enclosing_groups, exchange_servers)
from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import schema_guid
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _schema
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import mail_of
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, SecurityDescriptorError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    follow_links, missing_user, partitioned_search, select_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    CALLBACK_DENY_TYPES, check_access, describe_ace, map_generic)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_text
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    INHERITED_ACE, SE_DACL_PROTECTED, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    descriptor_of)
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import (
    ProtectedSet)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

CREATE_CHILD = 0x1

USER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "mail", "proxyAddresses",
                   "nTSecurityDescriptor", "adminCount",
                   _schema.WIRELESS_ENABLE, _schema.ALLOWED_DEVICE_IDS,
                   _schema.BLOCKED_DEVICE_IDS]


def list_findings(allowed: Sequence[str], blocked: Sequence[str]) -> tuple[list[str], list[str]]:
    """(IDs on both lists, IDs stored twice on one list in different case), case-insensitive."""
    allowed_keys = dict((v.lower(), v) for v in allowed)
    conflicts = sorted(allowed_keys[k] for k in set(allowed_keys) & set(v.lower() for v in blocked))
    duplicates = []
    for values in (allowed, blocked):
        seen: dict[str, set[str]] = {}
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
        """The partnerships and device containers below a module's selection (its resolved
        Selection, which reads like params): each listed user, or the search base (read over
        read_connections connections)."""
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

    def tokens(self) -> Sequence[tuple[str | None, list[str]]]:
        return self.servers or [(None, list(self))]


SERVER_ATTRIBUTES = ["objectClass", "objectSid", "member", "memberOf", "primaryGroupID"]


def _account_token(client: LdapClient, account: Entry) -> list[str]:
    """An account's own SID and its groups: tokenGroups (the DC's own transitive expansion,
    primary group included), else memberOf followed and the primary group by RID."""
    own = sid_text(account.raw("objectSid"))
    sids = [own] if own else []
    try:
        read = client.read(account.dn, ["tokenGroups"])
    except LdapError:
        read = None
    groups = [sid for sid in (sid_text(blob) for blob in (read.raws("tokenGroups") if read else []))
              if sid]
    if not groups:
        groups = [sid for sid in (sid_text(group.raw("objectSid"))
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
        return entry.texts("member") if entry.has_class("group") else []

    for entry in follow_links(client, base, pending, SERVER_ATTRIBUTES, members,
                              seen=[dn_key(exs["dn"])]):
        found.add(dn_key(entry.dn))
        if entry.has_class("group"):
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


# -- after SDProp (issue 24 item 2) --------------------------------------------------------------
#
# SDProp replaces a protected account's DACL with AdminSDHolder's, protected (MS-ADTS
# 3.1.1.6.1.3): AdminSDHolder's ACEs become the account's explicit ACEs, and nothing is inherited
# from the OU. The DC keeps explicit ACEs as they are stamped (MS-ADTS 6.1.3: "Each object's SD
# retains the set of explicit (noninherited) ACEs stamped in its DACL"); only ACEs inherited from
# a parent are made effective or inherit-only by the object's class. So an inherit-only ACE of
# AdminSDHolder stays inherit-only on the account, whatever its inherited object type: Exchange
# 2013's (OA;CIIO;CCDCLC;msExchActiveSyncDevices;user;Exchange Servers) reaches objects below
# the account, not the account. Measured on the lab's Samba 4.17 DC: that DACL written to a user
# (as SDProp writes it) reads back with the ACE still CIIO, and Exchange Servers' add of
# CN=ExchangeActiveSyncDevices under it fails with insufficientAccessRights (event 1053); the
# same ACE without inherit-only, or (OA;;CC;msExchActiveSyncDevices;;Exchange Servers), lets it.

HOLDER_RDN = "CN=AdminSDHolder,CN=System"
SDPROP_STAMP = ("once SDProp stamps AdminSDHolder's DACL on the account (protected, nothing "
                "inherited from its OU)")


def stamped_by_sdprop(holder: SecurityDescriptor) -> SecurityDescriptor:
    """The DACL SDProp gives a protected account: AdminSDHolder's ACEs, as explicit ACEs of a
    protected DACL (those AdminSDHolder itself inherits too, as it holds them)."""
    aces = [ace.copy(flags=ace.flags & ~INHERITED_ACE) if ace.inherited else ace
            for ace in (holder.dacl.aces if holder.dacl is not None else [])]
    return SecurityDescriptor(control=holder.control | SE_DACL_PROTECTED,
                              dacl=Acl(4, aces))


class AfterSdprop:
    """Whether Exchange Servers could create the devices container on a protected account once
    SDProp has stamped AdminSDHolder's DACL on it. AdminSDHolder is read once, at the first
    protected account; the verdict is the same for every protected account (one DACL, one
    token), so it is worked out once."""

    def __init__(self, client: LdapClient, token: Sequence[str], container_class_guid: str,
                 sddl: Sddl) -> None:
        self.client = client
        self.token = token
        self.container_class_guid = container_class_guid
        self.sddl = sddl
        self._verdict: tuple[bool | None, str] | None = None

    def verdict(self) -> tuple[bool | None, str]:
        if self._verdict is None:
            self._verdict = self._work_out()
        return self._verdict

    def _work_out(self) -> tuple[bool | None, str]:
        dn = "%s,%s" % (HOLDER_RDN, self.client.root_dse.default_naming_context)
        try:
            entry = self.client.read(dn, ["nTSecurityDescriptor"])
        except LdapError as exc:
            return None, "AdminSDHolder could not be read, so it is not known: %s" % exc
        if entry is None:
            return None, "%s does not exist: noSuchObject (32), so it is not known" % dn
        blob = entry.raw("nTSecurityDescriptor")
        if not blob:
            return None, ("the DACL of %s could not be read (READ_CONTROL), so it is not known"
                          % dn)
        try:
            holder = SecurityDescriptor.parse(blob)
        except SecurityDescriptorError as exc:
            return None, "the DACL of %s could not be parsed, so it is not known: %s" % (dn, exc)
        return holder_verdict(holder, self.token, self.container_class_guid, self.sddl)


def holder_verdict(holder: SecurityDescriptor, token: Sequence[str], container_class_guid: str,
                   sddl: Sddl) -> tuple[bool | None, str]:
    """(could Exchange Servers create the container, which ACE of AdminSDHolder decides) on an
    account whose DACL SDProp made AdminSDHolder's; None where a condition the module cannot
    evaluate decides."""
    stamped = stamped_by_sdprop(holder)
    tokens = token.tokens() if isinstance(token, ExchangeToken) else [(None, list(token))]
    for server, sids in tokens:
        decision = check_access(stamped, sids, CREATE_CHILD, container_class_guid)
        who = "Exchange Servers" if server is None else "the Exchange server %s" % server
        if decision.granted:
            continue
        if decision.ace is not None and decision.ace.type not in CALLBACK_DENY_TYPES:
            return False, ("AdminSDHolder's deny ACE %s stops %s creating the "
                           "ExchangeActiveSyncDevices container %s"
                           % (sddl.ace(decision.ace), who, SDPROP_STAMP))
        if decision.unevaluated:
            return None, ("a callback (conditional) ACE of AdminSDHolder decides, whose "
                          "condition the module cannot evaluate: %s"
                          % describe_ace(decision.unevaluated[0]))
        # a NULL DACL grants everything: check_access let it through above
        inherit_only = [ace for ace in (stamped.dacl.aces if stamped.dacl is not None else [])
                        if ace.inherit_only and ace.sid in sids and ace.type in (0x00, 0x05)
                        and map_generic(ace.mask) & CREATE_CHILD
                        and (ace.object_type or container_class_guid).lower()
                        == container_class_guid.lower()]
        if inherit_only:
            return False, (
                "AdminSDHolder's %s is inherit-only: SDProp stamps it on the account as it is, "
                "and the DC keeps an explicit ACE as stamped (MS-ADTS 6.1.3), so it reaches "
                "objects below the account, not the account; no other ACE gives %s Create Child "
                "of msExchActiveSyncDevices, so Exchange cannot create the container %s (event "
                "1053; measured on Samba)" % (sddl.ace(inherit_only[0]), who, SDPROP_STAMP))
        return False, ("no ACE of AdminSDHolder's DACL gives %s Create Child of "
                       "msExchActiveSyncDevices, so Exchange cannot create the container %s "
                       "(event 1053)" % (who, SDPROP_STAMP))
    decision = check_access(stamped, tokens[0][1], CREATE_CHILD, container_class_guid)
    return True, ("AdminSDHolder's %s gives Exchange Servers Create Child of "
                  "msExchActiveSyncDevices, and SDProp stamps it on the account"
                  % (sddl.ace(decision.ace) if decision.ace is not None else "NULL DACL"))


def readiness(entry: Entry, sd: SecurityDescriptor, protection: Mapping[str, Any] | None,
              counts: DeviceCounts, exs_token: Sequence[str], container_class_guid: str,
              sddl: Sddl, verdict: tuple[bool, str | None] | None = None,
              after_sdprop: AfterSdprop | None = None) -> dict[str, Any]:
    """One user's row of eas_readiness_info. verdict: creation_check()'s answer when the caller
    already has it (descriptors repeat). after_sdprop: for protected and unmarked accounts, the
    row says whether Exchange could create the container once SDProp has stamped
    AdminSDHolder's DACL on it."""
    enabled = eas_enabled(entry.raw("msExchOmaAdminWirelessEnable"))
    can_create, why = verdict or creation_check(sd, exs_token, container_class_guid, sddl)
    container, devices = counts.of(entry.dn)
    conflicts, duplicates = list_findings(entry.texts("msExchMobileAllowedDeviceIDs"),
                                          entry.texts("msExchMobileBlockedDeviceIDs"))
    classification = protection["classification"] if protection else None
    would_fail = enabled and not container and not can_create
    if why and protection and classification in ("protected", "unmarked"):
        why += "; protected by AdminSDHolder (%s), so excluded from the inheritance fix by " \
               "design" % protection["reason"]
    elif why and classification == "orphaned":
        why += "; orphaned adminCount=1 (in no protected group): the inheritance module fixes " \
               "it with include_orphaned"
    row = dict(
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
    if after_sdprop is not None and classification in ("protected", "unmarked"):
        row["exchange_can_create_after_sdprop"], row["after_sdprop_reason"] = \
            after_sdprop.verdict()
    return row


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


class ReadinessSetup:
    """What every readiness row needs, read once before the users: the SDDL context, the
    Exchange Servers' token, the devices container's class GUID (and where it came from), the
    device counts of the selection (None: the caller counts them, e.g. on a connection of its
    own), the protected set, and AdminSDHolder's verdict (read at the first protected user)."""

    def __init__(self, client: LdapClient, selection: Mapping[str, Any] | None,
                 catalog: Any = None) -> None:
        self.sddl = Sddl.for_domain(client.root_dse)
        self.exchange = exchange_token(client, exchange_servers(client))
        self.container_guid, self.guid_source = schema_guid(client, DEVICES_CONTAINER_CLASS)
        self.counts = DeviceCounts() if selection is None else \
            DeviceCounts.of_selection(client, selection)
        self.protected = ProtectedSet(client, catalog).load()
        self.after_sdprop = AfterSdprop(client, self.exchange["token"], self.container_guid,
                                        self.sddl)

    def exchange_servers(self) -> dict[str, Any]:
        """The Exchange Servers group as the results give it (dn, sid, token, servers)."""
        exs = self.exchange
        return dict(dn=exs["dn"], sid=exs["sid"], token=list(exs["token"]),
                    servers=exs["servers"])


def add_row(result: dict[str, Any], row: Mapping[str, Any], details: bool) -> None:
    """One user's readiness row into the result's summary and finding lists."""
    summarize(result["summary"], row)
    if row["would_fail"]:
        result["would_fail"].append(dict((k, row[k]) for k in (
            "dn", "sam_account_name", "inheritance", "protection", "reason",
            "exchange_can_create_after_sdprop", "after_sdprop_reason") if k in row))
    if not row["exchange_can_create"]:
        result["cannot_create"].append(row["dn"])
    if row["list_conflicts"] or row["case_duplicates"]:
        result["list_findings"].append(dict((k, row[k]) for k in (
            "dn", "sam_account_name", "list_conflicts", "case_duplicates")))
    if details:
        result["users"].append(row)


def readiness_report(client: LdapClient, selection: Mapping[str, Any], catalog: Any = None,
                     details: bool = False) -> dict[str, Any]:
    """eas_readiness_info's result for the users a (resolved) selection names: the summary,
    who would fail and why, who Exchange cannot create the container for, list findings,
    users whose descriptor could not be read, and with details every row."""
    result: dict[str, Any] = dict(changed=False, summary=dict((key, 0) for key in SUMMARY_KEYS),
                                  would_fail=[], cannot_create=[], list_findings=[],
                                  unreadable=[])
    if details:
        result["users"] = []
    setup = ReadinessSetup(client, selection, catalog)
    protection = setup.protected.by_dn()
    token = setup.exchange["token"]
    for entry in select_entries(client, selection, USER_ATTRIBUTES, missing_user):
        try:
            sd = descriptor_of(entry)
        except DirectoryError as exc:
            result["summary"]["unreadable"] += 1
            result["unreadable"].append(unreadable_row(entry, exc))
            continue
        add_row(result, readiness(entry, sd, protection.get(entry.dn), setup.counts, token,
                                  setup.container_guid, setup.sddl,
                                  after_sdprop=setup.after_sdprop), details)
    result["exchange_servers"] = setup.exchange_servers()
    result["container_class_guid"] = dict(guid=setup.container_guid, source=setup.guid_source)
    return result
