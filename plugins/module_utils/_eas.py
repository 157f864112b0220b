# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange ActiveSync in AD: where Exchange keeps things, who Exchange Servers are, and whether
they can create a user's ExchangeActiveSyncDevices container. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    DEFAULT_USER_FILTER, MATCHING_RULE_IN_CHAIN, LdapError, escape_filter_value, read_objects_by)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    AUTHENTICATED_USERS, CALLBACK_DENY_TYPES, EVERYONE, check_access, describe_ace, sid_to_str)

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


# -- device access: Exchange's enums, the organization's policy and the decision engine -----------

# Integer values as Exchange stores them (facts 2.3).
ACCESS_STATES = {0: "Unknown", 1: "Allowed", 2: "Blocked", 3: "Quarantined", 4: "DeviceDiscovery"}
ACCESS_REASONS = {0: "Unknown", 1: "Global", 2: "Individual", 3: "DeviceRule", 4: "Upgrade",
                  5: "Policy", 6: "UserAgentsChanges", 7: "RecentCommands", 8: "Watsons",
                  9: "OutOfBudgets", 10: "SyncCommands", 11: "EnableNotificationEmail",
                  12: "CommandFrequency", 51: "ExternallyManaged", 52: "ExternalCompliance",
                  53: "ExternalEnrollment"}
REASON_INDIVIDUAL = 2  # on the owner's allow or block list
ACCESS_LEVELS = {0: "Allow", 1: "Block", 2: "Quarantine"}
CHARACTERISTICS = {0: "DeviceType", 1: "DeviceModel", 2: "DeviceOS", 3: "UserAgent",
                   4: "XMSWLHeader"}
LEVEL_STATE = {"Allow": "Allowed", "Block": "Blocked", "Quarantine": "Quarantined"}
# The device record field a rule's characteristic compares; XMSWLHeader is not stored in AD.
CHARACTERISTIC_FIELDS = {"DeviceType": "device_type", "DeviceModel": "device_model",
                         "DeviceOS": "device_os", "UserAgent": "user_agent"}
ORDERS = ("seed", "exchange2013")
# seed: the order Exchange 2010 documents; exchange2013: first matching characteristic wins.
SEED_LEVEL_ORDER = ("Block", "Quarantine", "Allow")
EXCHANGE2013_CHARACTERISTIC_ORDER = ("UserAgent", "DeviceOS", "DeviceModel", "DeviceType")
# Not an Exchange reason: the planner's word for "ActiveSync is off for the owner".
REASON_EAS_DISABLED = "ActiveSyncDisabled"
LOSS = ("Blocked", "Quarantined")

ALLOWED_ATTRIBUTE = "msExchMobileAllowedDeviceIDs"
BLOCKED_ATTRIBUTE = "msExchMobileBlockedDeviceIDs"
OWNER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "msExchOmaAdminWirelessEnable",
                    ALLOWED_ATTRIBUTE, BLOCKED_ATTRIBUTE]


def enum_name(table, value):
    """'Allowed' for 1; an unknown number stays visible as its digits; None for absent."""
    if value is None:
        return None
    return table.get(int(value), str(value))


def enum_value(table, value, what):
    """The number for a name (any case) or a number; ValueError naming the choices."""
    text = str(value).strip()
    if text.lstrip("-").isdigit() and int(text) in table:
        return int(text)
    for number, name in table.items():
        if name.lower() == text.lower():
            return number
    raise ValueError("%s %r is not one of %s" % (what, value, ", ".join(
        "%s (%d)" % (name, number) for number, name in sorted(table.items()))))


def default_rule_name(query_string, characteristic):
    """The name New-ActiveSyncDeviceAccessRule gives a rule: '<query> (<characteristic>)'."""
    return "%s (%s)" % (query_string, characteristic)


class Rule(object):
    """One device access rule, with names instead of numbers."""

    __slots__ = ("name", "characteristic", "query_string", "access_level", "dn")

    def __init__(self, name, characteristic, query_string, access_level, dn=None):
        self.name = name
        self.characteristic = characteristic
        self.query_string = query_string
        self.access_level = access_level
        self.dn = dn

    def matches(self, device):
        field = CHARACTERISTIC_FIELDS.get(self.characteristic)
        value = device.get(field) if field else None
        return bool(value) and value.lower() == (self.query_string or "").lower()

    def same_query(self, characteristic, query_string):
        return (self.characteristic == characteristic
                and (self.query_string or "").lower() == query_string.lower())

    def as_dict(self):
        return dict(name=self.name, characteristic=self.characteristic,
                    query_string=self.query_string, access_level=self.access_level, dn=self.dn)


class Owner(object):
    """What the decision needs from a device's owner: ActiveSync on or off and the two lists
    (kept as lower-case sets, since IDs compare case-insensitively)."""

    __slots__ = ("dn", "sam_account_name", "user_principal_name", "eas_enabled", "allowed",
                 "blocked")

    def __init__(self, dn, sam_account_name=None, user_principal_name=None, eas_enabled=True,
                 allowed=(), blocked=()):
        self.dn = dn
        self.sam_account_name = sam_account_name
        self.user_principal_name = user_principal_name
        self.eas_enabled = eas_enabled
        self.allowed = set(v.lower() for v in allowed)
        self.blocked = set(v.lower() for v in blocked)

    @classmethod
    def from_entry(cls, entry):
        return cls(entry.dn, entry.text("sAMAccountName"), entry.text("userPrincipalName"),
                   eas_enabled(entry.raw("msExchOmaAdminWirelessEnable")),
                   entry.texts(ALLOWED_ATTRIBUTE), entry.texts(BLOCKED_ATTRIBUTE))

    def copy(self):
        twin = Owner(self.dn, self.sam_account_name, self.user_principal_name, self.eas_enabled)
        twin.allowed, twin.blocked = set(self.allowed), set(self.blocked)
        return twin


class Policy(object):
    """The organization's device access rules and default access level."""

    def __init__(self, rules, default_access_level, dn=None, admin_recipients=()):
        # Sorted by name so that ties between rules decide the same way on every run.
        self.rules = sorted(rules, key=lambda r: (r.name or "").lower())
        self.default_access_level = default_access_level
        self.dn = dn
        self.admin_recipients = list(admin_recipients)

    def copy(self):
        return Policy(list(self.rules), self.default_access_level, self.dn,
                      self.admin_recipients)

    def find(self, name=None, characteristic=None, query_string=None):
        for rule in self.rules:
            if name is not None and rule.name.lower() == name.lower():
                return rule
            if name is None and rule.same_query(characteristic, query_string):
                return rule
        return None

    def decide(self, device, owner, order="seed"):
        """(state, reason, rule name or None) for one device, as Exchange would decide now."""
        if owner is not None and not owner.eas_enabled:
            return "Blocked", REASON_EAS_DISABLED, None
        device_id = (device.get("device_id") or "").lower()
        if owner is not None and device_id in owner.blocked:
            return "Blocked", "Individual", None
        if owner is not None and device_id in owner.allowed:
            return "Allowed", "Individual", None
        if not device.get("device_model") and (self.rules
                                               or self.default_access_level == "Quarantine"):
            # Device information not received yet: discovery, before any rule is tried.
            return "DeviceDiscovery", "DeviceRule" if self.rules else "Global", None
        rule = self._matching_rule(device, order)
        if rule is not None:
            return LEVEL_STATE[rule.access_level], "DeviceRule", rule.name
        return LEVEL_STATE[self.default_access_level], "Global", None

    def _matching_rule(self, device, order):
        matching = [rule for rule in self.rules if rule.matches(device)]
        if order == "exchange2013":
            for characteristic in EXCHANGE2013_CHARACTERISTIC_ORDER:
                for rule in matching:
                    if rule.characteristic == characteristic:
                        return rule
            return None
        for level in SEED_LEVEL_ORDER:
            for rule in matching:
                if rule.access_level == level:
                    return rule
        return None


def apply_plan_changes(policy, owners, changes):
    """(policy, owners) after the proposed changes; the inputs are left as they were.

    changes: dicts with `action` remove_rule / add_rule / set_default_access_level /
    add_entries / remove_entries; entries carry `dn` (resolved) with `allowed`/`blocked` lists.
    """
    after = policy.copy()
    owners_after = dict((key, owner.copy()) for key, owner in owners.items())
    for number, change in enumerate(changes, 1):
        action = change["action"]
        if action == "remove_rule":
            rule = after.find(change.get("name"), change.get("characteristic"),
                              change.get("query_string"))
            if rule is None:
                raise ValueError("change %d (remove_rule): no device access rule %s in %s"
                                 % (number, change.get("name") or default_rule_name(
                                     change.get("query_string"), change.get("characteristic")),
                                    policy.dn))
            after.rules = [r for r in after.rules if r is not rule]
        elif action == "add_rule":
            name = change.get("name") or default_rule_name(change["query_string"],
                                                           change["characteristic"])
            after.rules = [r for r in after.rules if r.name.lower() != name.lower()]
            after.rules.append(Rule(name, change["characteristic"], change["query_string"],
                                    change["access_level"]))
            after.rules.sort(key=lambda r: r.name.lower())
        elif action == "set_default_access_level":
            after.default_access_level = change["access_level"]
        elif action in ("add_entries", "remove_entries"):
            for entry in change["entries"]:
                owner = owners_after.get(entry["dn"].lower())
                if owner is None:
                    continue  # no device of this user is in scope
                for which in ("allowed", "blocked"):
                    values = set(v.lower() for v in entry.get(which) or [])
                    target = getattr(owner, which)
                    if action == "add_entries":
                        target |= values
                    else:
                        target -= values
        else:
            raise ValueError("change %d: unknown action %r" % (number, action))
    return after, owners_after


def plan_device(device, owner_before, owner_after, before, after, order):
    """One device's row of eas_access_plan."""
    now = before.decide(device, owner_before, order)
    then = after.decide(device, owner_after, order)
    return dict(
        dn=device.get("dn"), device_id=device.get("device_id"),
        device_type=device.get("device_type"), device_model=device.get("device_model"),
        owner_dn=device.get("owner_dn"),
        owner_sam_account_name=owner_before.sam_account_name if owner_before else None,
        current=device.get("access_state"),
        now=now[0], now_reason=now[1], now_rule=now[2],
        after=then[0], after_reason=then[1], after_rule=then[2],
        moved=now[0] != then[0],
        loses_access=now[0] == "Allowed" and then[0] in LOSS,
    )


# -- reading devices, owners and the organization's policy from the directory ------------------

DEVICE_ATTRIBUTES = {
    "device_id": "msExchDeviceID", "device_type": "msExchDeviceType",
    "device_model": "msExchDeviceModel", "device_os": "msExchDeviceOS",
    "user_agent": "msExchDeviceUserAgent", "friendly_name": "msExchDeviceFriendlyName",
}
DEVICE_READ = list(DEVICE_ATTRIBUTES.values()) + [
    "msExchDeviceAccessState", "msExchDeviceAccessStateReason",
    "msExchDeviceAccessControlRuleLink"]
RULE_READ = ["cn", "msExchDeviceAccessRuleCharacteristic", "msExchDeviceAccessRuleQueryString",
             "msExchMobileAccessControl"]
SETTINGS_CLASS = "msExchMobileMailboxSettings"
RULE_CLASS = "msExchDeviceAccessRule"
ORGANIZATION_CLASS = "msExchOrganizationContainer"


def require_exchange_schema(client, names):
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


def rdn_value(dn):
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


def organization_settings(client, organization=None):
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


def rule_from_entry(entry):
    characteristic = entry.int("msExchDeviceAccessRuleCharacteristic") or 0
    level = entry.int("msExchMobileAccessControl") or 0
    return Rule(entry.text("cn") or rdn_value(entry.dn),
                CHARACTERISTICS.get(characteristic, str(characteristic)),
                entry.text("msExchDeviceAccessRuleQueryString") or "",
                ACCESS_LEVELS.get(level, "Allow"), entry.dn)


def load_policy(client, organization=None):
    """The organization's Policy: rules (one-level search, as Exchange loads them), default
    access level and admin recipients."""
    settings_dn = organization_settings(client, organization)
    settings = client.read(settings_dn, ["msExchMobileAccessControl",
                                         "msExchMobileAdminRecipients"])
    rules = [rule_from_entry(entry) for entry in client.search(
        settings_dn, "(objectClass=%s)" % RULE_CLASS, RULE_READ, scope="onelevel")]
    level = settings.int("msExchMobileAccessControl") or 0
    return Policy(rules, ACCESS_LEVELS.get(level, "Allow"), settings_dn,
                  settings.texts("msExchMobileAdminRecipients"))


def device_record(entry):
    """A device object as eas_device_info returns it (owner names are added by the caller)."""
    record = dict(dn=entry.dn)
    for key, attribute in DEVICE_ATTRIBUTES.items():
        record[key] = entry.text(attribute)
    record["access_state"] = enum_name(ACCESS_STATES, entry.int("msExchDeviceAccessState"))
    record["access_state_reason"] = enum_name(ACCESS_REASONS,
                                              entry.int("msExchDeviceAccessStateReason"))
    rule_dn = entry.text("msExchDeviceAccessControlRuleLink")
    record["access_rule"] = rdn_value(rule_dn) if rule_dn else None
    record["access_rule_dn"] = rule_dn
    owner = device_owner(entry.dn)
    record["owner_dn"] = owner[0] if owner else None
    return record


def _or_filter(attribute, values):
    parts = []
    for value in values:
        if value == "":
            parts.append("(!(%s=*))" % attribute)
        else:
            parts.append("(%s=%s)" % (attribute, escape_filter_value(value)))
    return parts[0] if len(parts) == 1 else "(|%s)" % "".join(parts)


class DeviceFilter(object):
    """eas_device_info's device filters: a server-side LDAP filter that narrows the search, and
    an exact client-side test (the server's matching rules are not ours to rely on)."""

    STRING_FILTERS = ("device_model", "device_type", "device_os", "user_agent")

    def __init__(self, params):
        self.values = dict((key, params.get(key)) for key in self.STRING_FILTERS
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
    def _names(values, table, what):
        if values is None:
            return None
        return set(enum_value(table, value, what) for value in values)

    def ldap_filter(self):
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

    def accepts(self, record, entry):
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


def read_owners(client, dns):
    """Owner objects for a set of user DNs, keyed by lower-case DN."""
    owners = {}
    for entry in read_objects_by(client, client.root_dse.default_naming_context,
                                 "distinguishedName", sorted(dns), OWNER_ATTRIBUTES):
        owners[entry.dn.lower()] = Owner.from_entry(entry)
    return owners


def find_devices(client, params, device_filter):
    """(device records, owners by lower-case DN) for the users eas_device_info's selection
    names: a DN list, or search_base with scope and filter. Records keep their LDAP entry's
    state for the filter; devices of users outside the selection are dropped."""
    search = device_filter.ldap_filter()
    records = []
    selected = None
    if params.get("dn"):
        selected = {}
        for dn in params["dn"]:
            entry = client.read(dn, OWNER_ATTRIBUTES)
            if entry is None:
                raise LdapError("user %s does not exist: noSuchObject (32)" % dn, code=32,
                                name="noSuchObject", dn=dn)
            selected[entry.dn.lower()] = Owner.from_entry(entry)
        bases = [owner.dn for owner in selected.values()]
    else:
        bases = [params["search_base"]]
        if params.get("filter") != DEFAULT_USER_FILTER or params.get("scope") != "subtree":
            selected = dict((entry.dn.lower(), Owner.from_entry(entry)) for entry in
                            client.search(params["search_base"], params["filter"],
                                          OWNER_ATTRIBUTES, scope=params["scope"]))
    for base in bases:
        for entry in client.search(base, search, DEVICE_READ):
            record = device_record(entry)
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
    return records, owners


DEVICE_SCHEMA = [DEVICE_CLASS[0], DEVICES_CONTAINER_CLASS[0], "msExchDeviceID",
                 "msExchDeviceModel", "msExchDeviceAccessState", ALLOWED_ATTRIBUTE,
                 BLOCKED_ATTRIBUTE]
POLICY_SCHEMA = [SETTINGS_CLASS, RULE_CLASS, "msExchMobileAccessControl",
                 "msExchDeviceAccessRuleCharacteristic", "msExchDeviceAccessRuleQueryString"]


def summarize_devices(records):
    """Counts for an inventory: by access state, by model (empty model shown as '(none)'),
    owners with devices."""
    by_state, by_model = {}, {}
    for record in records:
        state = record["access_state"] or "Unknown"
        by_state[state] = by_state.get(state, 0) + 1
        model = record["device_model"] or "(none)"
        by_model[model] = by_model.get(model, 0) + 1
    return dict(devices=len(records), owners=len(set((r["owner_dn"] or "").lower()
                                                     for r in records)),
                by_access_state=by_state, by_model=by_model)


def device_filter_argument_spec():
    """Device filters shared by eas_device_info and eas_access_plan (doc fragment devices)."""
    return dict(
        device_model=dict(type="list", elements="str"),
        device_type=dict(type="list", elements="str"),
        device_os=dict(type="list", elements="str"),
        user_agent=dict(type="list", elements="str"),
        match_case=dict(type="bool", default=False),
        access_state=dict(type="list", elements="str"),
        access_state_reason=dict(type="list", elements="str"),
        exclude_individual=dict(type="bool", default=False),
    )
