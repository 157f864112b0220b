# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Exchange keeps things in Active Directory: its classes and attributes (and whether the
schema has them), the Exchange Servers group, a device's owner from its DN, the organization's
mobile mailbox settings and device access rules. Private."""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._errors import DnError, LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key, parse
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    ACCESS_LEVELS, CHARACTERISTICS, Policy, Rule)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _schema
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    escape_filter_value, follow_links)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    AUTHENTICATED_USERS, EVERYONE)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str

# otherWellKnownObjects GUID of the Exchange Servers group (bytes_le hex, as Exchange writes it)
EXCHANGE_SERVERS_WKGUID = "A7D2016C83F003458132789EEB127B84"
# The classes and attributes named here come from the one table (_schema.py).
# (name, schemaIDGUID): the documented GUID is used when the schema cannot be read
DEVICES_CONTAINER_CLASS = (_schema.DEVICES_CONTAINER,
                           _schema.documented_guid(_schema.DEVICES_CONTAINER))
DEVICE_CLASS = (_schema.DEVICE, _schema.documented_guid(_schema.DEVICE))
DEVICES_CONTAINER_RDN = "CN=ExchangeActiveSyncDevices"

SETTINGS_CLASS = _schema.MOBILE_SETTINGS

RULE_CLASS = _schema.ACCESS_RULE

ORGANIZATION_CLASS = _schema.ORGANIZATION

ALLOWED_ATTRIBUTE = _schema.ALLOWED_DEVICE_IDS

BLOCKED_ATTRIBUTE = _schema.BLOCKED_DEVICE_IDS

RULE_READ = ["cn", _schema.RULE_CHARACTERISTIC, _schema.RULE_QUERY_STRING, _schema.ACCESS_CONTROL]

# What require_exchange_schema checks for devices and for the access policy (settings, rules)
DEVICE_SCHEMA = _schema.DEVICE_SCHEMA

POLICY_SCHEMA = _schema.POLICY_SCHEMA


def exchange_container_dn(client: LdapClient) -> str:
    return "CN=Microsoft Exchange,CN=Services,%s" % client.root_dse.configuration_naming_context


def well_known_object(client: LdapClient, container_dn: str, wkguid: str) -> str | None:
    """The DN registered under a well-known GUID in otherWellKnownObjects (B:32:<hex>:<DN>)."""
    entry = client.read(container_dn, ["otherWellKnownObjects"])
    if entry is None:
        return None
    for value in entry.texts("otherWellKnownObjects"):
        parts = value.split(":", 3)
        if len(parts) == 4 and parts[0] == "B" and parts[2].upper() == wkguid:
            return parts[3]
    return None


def exchange_servers(client: LdapClient) -> dict[str, Any]:
    """The Exchange Servers group: DN, SID, and the SIDs a token of its members carries that
    matter here (the group, the groups it is nested in, Everyone, Authenticated Users)."""
    container = exchange_container_dn(client)
    dn = well_known_object(client, container, EXCHANGE_SERVERS_WKGUID)
    if dn is None:
        raise LdapError("the Exchange Servers group is not registered: %s has no "
                        "otherWellKnownObjects value %s; is Exchange prepared in this forest "
                        "(setup /PrepareAD)?: noSuchObject (32)"
                        % (container, EXCHANGE_SERVERS_WKGUID), code=32, name="noSuchObject",
                        dn=container)
    group = client.read(dn, ["objectSid", "memberOf"])
    group_sid = group.raw("objectSid") if group is not None else None
    if group is None or group_sid is None:
        raise LdapError("the Exchange Servers group %s registered in %s does not exist: "
                        "noSuchObject (32)" % (dn, container), code=32, name="noSuchObject",
                        dn=dn)
    sid = sid_to_str(group_sid)
    token = [sid, EVERYONE, AUTHENTICATED_USERS]
    token += [sid_to_str(raw) for parent in enclosing_groups(client, group)
              if (raw := parent.raw("objectSid"))]
    return dict(dn=dn, sid=sid, token=token)


def enclosing_groups(client: LdapClient, group: Entry) -> Iterator[Entry]:
    """The groups a group is nested in, directly or not, following memberOf (an in-chain
    matching rule search makes Samba evaluate every object)."""
    return follow_links(client, client.root_dse.root_domain_naming_context,
                        group.texts("memberOf"), ["objectSid", "memberOf"],
                        lambda parent: parent.texts("memberOf"), seen=[dn_key(group.dn)])


def require_exchange_schema(client: LdapClient, names: Sequence[str]) -> None:
    """Fail clearly, before anything is read or written, when the forest's schema lacks the
    Exchange classes or attributes named (a filter on an unknown attribute silently matches
    nothing, and a modify of one fails only at the first object)."""
    wanted = dict((name.lower(), name) for name in names)
    found = set()
    search = "(|%s)" % "".join("(lDAPDisplayName=%s)" % escape_filter_value(name)
                               for name in names)
    for entry in client.search(client.root_dse.schema_naming_context, search,
                               ["lDAPDisplayName"], scope="onelevel"):
        found.add((entry.text("lDAPDisplayName") or "").lower())
    missing = [wanted[key] for key in wanted if key not in found]
    if missing:
        named = ", ".join(missing[:3]) + (" and %d more" % (len(missing) - 3)
                                          if len(missing) > 3 else "")
        raise LdapError("the Exchange schema is not in this forest: %s %s not defined in %s "
                        "(run Exchange setup /PrepareSchema): undefinedAttributeType (17)"
                        % (named, "is" if len(missing) == 1 else "are",
                           client.root_dse.schema_naming_context),
                        code=17, name="undefinedAttributeType",
                        dn=client.root_dse.schema_naming_context)


def _rdn_ends(dn: str) -> list[int]:
    """Positions of the separators between the RDNs of a DN the parser accepted: the commas
    (or semicolons) neither escaped nor inside a quoted value."""
    ends, quoted, i = [], False, 0
    while i < len(dn):
        if dn[i] == "\\":
            i += 2
            continue
        if dn[i] == '"':
            quoted = not quoted
        elif dn[i] in ",;" and not quoted:
            ends.append(i)
        i += 1
    return ends


_CN_TYPES = ("cn", "2.5.4.3", "oid.2.5.4.3")


def _is_devices_container(rdn: tuple[tuple[str, str], ...]) -> bool:
    return len(rdn) == 1 and rdn[0][0].lower() in _CN_TYPES \
        and rdn[0][1].lower() == "exchangeactivesyncdevices"


def _plain_container(part: str) -> bool:
    name, _eq, value = part.partition("=")
    return "+" not in part and name.strip().lower() in _CN_TYPES \
        and value.strip().lower() == "exchangeactivesyncdevices"


def device_owner(dn: str, device: bool | None = None) -> tuple[str, bool] | None:
    """(owner DN as dn spells it, True for a device / False for the container itself), or None.
    The DN is split into RDNs as the parser does: CN=ExchangeActiveSyncDevices must be its
    first RDN (the container) or its second (a device in it), and the owner is the container's
    parent; a value that only contains that text (escaped commas and all) is not it.
    device=True or False says which the object is (a device named ExchangeActiveSyncDevices,
    a user named so)."""
    indexes = (0, 1) if device is None else (1,) if device else (0,)
    if "\\" not in dn and '"' not in dn and ";" not in dn:
        # no escapes and no quotes (the common case): every comma separates two RDNs
        parts = dn.split(",", 2)
        for index in indexes:
            if len(parts) > index + 1 and _plain_container(parts[index]):
                return ",".join(parts[index + 1:]).lstrip(" "), index == 1
        return None
    try:
        rdns = parse(dn).rdns
    except DnError:
        return None
    for index in indexes:
        if len(rdns) > index + 1 and _is_devices_container(rdns[index]):
            return dn[_rdn_ends(dn)[index] + 1:].lstrip(" "), index == 1
    return None


def rdn_value(dn: str) -> str:
    """The unescaped value of a DN's first RDN: 'iPhone15,2 (DeviceModel)'."""
    out, i, text = [], 0, dn.split("=", 1)[1] if "=" in dn else dn
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            pair = text[i + 1:i + 3]
            if len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair):
                out.append(chr(int(pair, 16)))
                i += 3
                continue
            out.append(text[i + 1])
            i += 2
            continue
        if ch in ",+":
            break
        out.append(ch)
        i += 1
    return "".join(out)


def organization_settings(client: LdapClient, organization: str | None = None) -> str:
    """DN of CN=Mobile Mailbox Settings of the Exchange organization, found by search."""
    container = exchange_container_dn(client)
    if client.read(container, ["1.1"]) is None:
        raise LdapError("Exchange is not prepared in this forest: %s does not exist (run "
                        "Exchange setup /PrepareAD): noSuchObject (32)" % container, code=32,
                        name="noSuchObject", dn=container)
    orgs = [entry.dn for entry in client.search(
        container, "(objectClass=%s)" % ORGANIZATION_CLASS, ["cn"], scope="onelevel")]
    if organization:
        orgs = [dn for dn in orgs if rdn_value(dn).lower() == organization.lower()]
    if not orgs:
        raise LdapError("no Exchange organization%s under %s: noSuchObject (32)"
                        % (" named %r" % organization if organization else "", container),
                        code=32, name="noSuchObject", dn=container)
    if len(orgs) > 1:
        raise LdapError("%d Exchange organizations under %s (%s); name one with organization"
                        % (len(orgs), container, "; ".join(rdn_value(dn) for dn in orgs)),
                        dn=container)
    found = [entry.dn for entry in client.search(
        orgs[0], "(objectClass=%s)" % SETTINGS_CLASS, ["1.1"], scope="onelevel")]
    if not found:
        raise LdapError("the Exchange organization %s has no mobile mailbox settings "
                        "(objectClass %s, normally CN=Mobile Mailbox Settings): noSuchObject "
                        "(32)" % (orgs[0], SETTINGS_CLASS), code=32, name="noSuchObject",
                        dn=orgs[0])
    return found[0]


def rule_from_entry(entry: Entry) -> Rule:
    characteristic = entry.int("msExchDeviceAccessRuleCharacteristic") or 0
    level = entry.int("msExchMobileAccessControl") or 0
    return Rule(entry.text("cn") or rdn_value(entry.dn),
                CHARACTERISTICS.get(characteristic, str(characteristic)),
                entry.text("msExchDeviceAccessRuleQueryString") or "",
                ACCESS_LEVELS.get(level, "Allow"), entry.dn)


def load_policy(client: LdapClient, organization: str | None = None) -> Policy:
    """The organization's Policy: rules (one-level search, as Exchange loads them), default
    access level and admin recipients."""
    settings_dn = organization_settings(client, organization)
    settings = client.read(settings_dn, ["msExchMobileAccessControl",
                                         "msExchMobileAdminRecipients"])
    if settings is None:  # found by the search a moment ago, gone now
        raise LdapError("the mobile mailbox settings %s do not exist: noSuchObject (32)"
                        % settings_dn, code=32, name="noSuchObject", dn=settings_dn)
    rules = [rule_from_entry(entry) for entry in client.search(
        settings_dn, "(objectClass=%s)" % RULE_CLASS, RULE_READ, scope="onelevel")]
    level = settings.int("msExchMobileAccessControl") or 0
    return Policy(rules, ACCESS_LEVELS.get(level, "Allow"), settings_dn,
                  settings.texts("msExchMobileAdminRecipients"))
