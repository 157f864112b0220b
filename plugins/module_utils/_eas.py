# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange ActiveSync in AD: where Exchange keeps things, who Exchange Servers are, and whether
they can create a user's ExchangeActiveSyncDevices container. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    MATCHING_RULE_IN_CHAIN, LdapError, escape_filter_value)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    AUTHENTICATED_USERS, EVERYONE, check_access, sid_to_str)

# otherWellKnownObjects GUID of the Exchange Servers group (bytes_le hex, as Exchange writes it)
EXCHANGE_SERVERS_WKGUID = "A7D2016C83F003458132789EEB127B84"
# schemaIDGUIDs, used when the schema cannot be read (documented values)
DEVICES_CONTAINER_CLASS = ("msExchActiveSyncDevices", "c975c901-6cea-4b6f-8319-d67f45449506")
DEVICE_CLASS = ("msExchActiveSyncDevice", "e8b2aff2-59a7-4eac-9a70-819adef701dd")
DEVICES_CONTAINER_RDN = "CN=ExchangeActiveSyncDevices"
CREATE_CHILD = 0x1
AIRSYNC_DISABLED = 0x4  # msExchOmaAdminWirelessEnable bit: ActiveSync off for the user

USER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "nTSecurityDescriptor", "adminCount",
                   "msExchOmaAdminWirelessEnable", "msExchMobileAllowedDeviceIDs",
                   "msExchMobileBlockedDeviceIDs"]


def exchange_container_dn(client):
    return "CN=Microsoft Exchange,CN=Services,%s" % client.root_dse.configuration_naming_context


def well_known_object(client, container_dn, wkguid):
    """The DN registered under a well-known GUID in otherWellKnownObjects (B:32:<hex>:<DN>)."""
    entry = client.read(container_dn, ["otherWellKnownObjects"])
    if entry is None:
        return None
    for value in entry.texts("otherWellKnownObjects"):
        parts = value.split(":", 3)
        if len(parts) == 4 and parts[0] == "B" and parts[2].upper() == wkguid:
            return parts[3]
    return None


def exchange_servers(client):
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
    group = client.read(dn, ["objectSid"])
    if group is None or group.raw("objectSid") is None:
        raise LdapError("the Exchange Servers group %s registered in %s does not exist: "
                        "noSuchObject (32)" % (dn, container), code=32, name="noSuchObject",
                        dn=dn)
    sid = sid_to_str(group.raw("objectSid"))
    token = [sid, EVERYONE, AUTHENTICATED_USERS]
    nested = "(member:%s:=%s)" % (MATCHING_RULE_IN_CHAIN, escape_filter_value(dn))
    for parent in client.search(client.root_dse.root_domain_naming_context, nested,
                                ["objectSid"]):
        if parent.raw("objectSid"):
            token.append(sid_to_str(parent.raw("objectSid")))
    return dict(dn=dn, sid=sid, token=token)


def schema_guid(client, spec):
    """(schemaIDGUID, 'schema') as the schema says, or (documented value, 'documented')."""
    name, documented = spec
    for entry in client.search(client.root_dse.schema_naming_context,
                               "(lDAPDisplayName=%s)" % escape_filter_value(name),
                               ["schemaIDGUID"], scope="onelevel"):
        raw = entry.raw("schemaIDGUID")
        if raw and len(raw) == 16:
            return str(uuid.UUID(bytes_le=bytes(raw))), "schema"
    return documented, "documented"


def eas_enabled(value):
    """ActiveSyncEnabled as Exchange computes it: attribute absent, or bit 4 clear."""
    return value is None or not int(value) & AIRSYNC_DISABLED


def list_findings(allowed, blocked):
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


def device_owner(dn):
    """(owner DN, True for a device / False for the container itself), or None."""
    lower = dn.lower()
    marker = DEVICES_CONTAINER_RDN.lower() + ","
    if lower.startswith(marker):
        return dn[len(marker):], False
    index = lower.find("," + marker)
    if index < 0:
        return None
    return dn[index + len(marker) + 1:], True


class DeviceCounts(object):
    """Which users have a devices container and how many device objects, from one search."""

    def __init__(self):
        self.containers = set()
        self.devices = {}

    def load(self, client, base, container_class, device_class):
        search = "(|(objectClass=%s)(objectClass=%s))" % (container_class, device_class)
        for entry in client.search(base, search, ["1.1"]):
            owner = device_owner(entry.dn)
            if owner is None:
                continue
            key = owner[0].lower()
            if owner[1]:
                self.devices[key] = self.devices.get(key, 0) + 1
            else:
                self.containers.add(key)
        return self

    def of(self, dn):
        key = dn.lower()
        return key in self.containers, self.devices.get(key, 0)


def creation_check(sd, token, container_class_guid, sddl):
    """(Exchange Servers may create the devices container here, why) from the user's DACL."""
    decision = check_access(sd, token, CREATE_CHILD, container_class_guid)
    if decision.granted:
        return True, None
    if decision.ace is not None:
        return False, ("a deny ACE stops Exchange Servers creating the ExchangeActiveSyncDevices "
                       "container: %s" % sddl.ace(decision.ace))
    if sd.protected:
        return False, ("inheritance is disabled and no explicit ACE gives Exchange Servers "
                       "Create Child of msExchActiveSyncDevices (event 1053)")
    return False, ("no ACE, inherited or explicit, gives Exchange Servers Create Child of "
                   "msExchActiveSyncDevices; check Exchange's PrepareDomain ACEs on the domain "
                   "root and the OUs above")


def readiness(entry, sd, protection, counts, exs_token, container_class_guid, sddl):
    """One user's row of eas_readiness_info."""
    enabled = eas_enabled(entry.raw("msExchOmaAdminWirelessEnable"))
    can_create, why = creation_check(sd, exs_token, container_class_guid, sddl)
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


def summarize(summary, row):
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


def unreadable_row(entry, exc):
    return dict(dn=entry.dn, sam_account_name=entry.text("sAMAccountName"),
                error=str(exc), would_fail=None)
