# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange ActiveSync device access, decided the way Exchange decides it: the enums as
Exchange stores them, device access rules, a device's owner, the organization's policy, and
what proposed changes would do to each device. Pure: no ldap3, no Ansible. Private."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

# A device as eas_device_info returns it (device_id, device_type, device_model, ...).
Device = Mapping[str, Any]
# (access state, reason, name of the deciding rule or None); runtime aliases, so typing's forms
Decision = Tuple[str, str, Optional[str]]

AIRSYNC_DISABLED = 0x4  # msExchOmaAdminWirelessEnable bit: ActiveSync off for the user

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


def eas_enabled(value: bytes | str | int | None) -> bool:
    """ActiveSyncEnabled as Exchange computes it: attribute absent, or bit 4 clear."""
    return value is None or not int(value) & AIRSYNC_DISABLED


def enum_name(table: Mapping[int, str], value: Any) -> str | None:
    """'Allowed' for 1; an unknown number stays visible as its digits; None for absent."""
    if value is None:
        return None
    return table.get(int(value), str(value))


def enum_value(table: Mapping[int, str], value: Any, what: str) -> int:
    """The number for a name (any case) or a number; ValueError naming the choices."""
    text = str(value).strip()
    if text.lstrip("-").isdigit() and int(text) in table:
        return int(text)
    for number, name in table.items():
        if name.lower() == text.lower():
            return number
    raise ValueError("%s %r is not one of %s" % (what, value, ", ".join(
        "%s (%d)" % (name, number) for number, name in sorted(table.items()))))


def default_rule_name(query_string: str | None, characteristic: str | None) -> str:
    """The name New-ActiveSyncDeviceAccessRule gives a rule: '<query> (<characteristic>)'."""
    return "%s (%s)" % (query_string, characteristic)


class Rule:
    """One device access rule, with names instead of numbers."""

    __slots__ = ("name", "characteristic", "query_string", "access_level", "dn")

    def __init__(self, name: str, characteristic: str, query_string: str, access_level: str,
                 dn: str | None = None) -> None:
        self.name = name
        self.characteristic = characteristic
        self.query_string = query_string
        self.access_level = access_level
        self.dn = dn

    def matches(self, device: Device) -> bool:
        field = CHARACTERISTIC_FIELDS.get(self.characteristic)
        value = device.get(field) if field else None
        return bool(value and value.lower() == (self.query_string or "").lower())

    def same_query(self, characteristic: str | None, query_string: str) -> bool:
        return (self.characteristic == characteristic
                and (self.query_string or "").lower() == query_string.lower())

    def as_dict(self) -> dict[str, str | None]:
        return dict(name=self.name, characteristic=self.characteristic,
                    query_string=self.query_string, access_level=self.access_level, dn=self.dn)


class Owner:
    """What the decision needs from a device's owner: ActiveSync on or off and the two lists
    (kept as lower-case sets, since IDs compare case-insensitively)."""

    __slots__ = ("dn", "sam_account_name", "user_principal_name", "eas_enabled", "allowed",
                 "blocked", "mail")

    def __init__(self, dn: str, sam_account_name: str | None = None,
                 user_principal_name: str | None = None, eas_enabled: bool = True,
                 allowed: Iterable[str] = (), blocked: Iterable[str] = (),
                 mail: str | None = None) -> None:
        self.dn = dn
        self.mail = mail
        self.sam_account_name = sam_account_name
        self.user_principal_name = user_principal_name
        self.eas_enabled = eas_enabled
        self.allowed = set(v.lower() for v in allowed)
        self.blocked = set(v.lower() for v in blocked)

    def copy(self) -> Owner:
        twin = Owner(self.dn, self.sam_account_name, self.user_principal_name, self.eas_enabled,
                     mail=self.mail)
        twin.allowed, twin.blocked = set(self.allowed), set(self.blocked)
        return twin


class Policy:
    """The organization's device access rules and default access level."""

    def __init__(self, rules: Iterable[Rule], default_access_level: str, dn: str | None = None,
                 admin_recipients: Iterable[str] = ()) -> None:
        # Sorted by name so that ties between rules decide the same way on every run.
        self.rules = sorted(rules, key=lambda r: (r.name or "").lower())
        self.default_access_level = default_access_level
        self.dn = dn
        self.admin_recipients = list(admin_recipients)

    def copy(self) -> Policy:
        return Policy(list(self.rules), self.default_access_level, self.dn,
                      self.admin_recipients)

    def find(self, name: str | None = None, characteristic: str | None = None,
             query_string: str | None = None) -> Rule | None:
        for rule in self.rules:
            if name is not None and rule.name.lower() == name.lower():
                return rule
            # without a name the query string is there (eas_access_plan's required_if)
            if name is None and query_string is not None and rule.same_query(characteristic,
                                                                             query_string):
                return rule
        return None

    def decide(self, device: Device, owner: Owner | None, order: str = "seed") -> Decision:
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

    def _matching_rule(self, device: Device, order: str) -> Rule | None:
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


def apply_plan_changes(policy: Policy, owners: Mapping[str, Owner],
                       changes: Sequence[Mapping[str, Any]]) -> tuple[Policy, dict[str, Owner]]:
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


def plan_device(device: Device, owner_before: Owner | None, owner_after: Owner | None,
                before: Policy, after: Policy, order: str) -> dict[str, Any]:
    """One device's row of eas_access_plan."""
    now = before.decide(device, owner_before, order)
    then = after.decide(device, owner_after, order)
    return dict(
        dn=device.get("dn"), device_id=device.get("device_id"),
        device_type=device.get("device_type"), device_model=device.get("device_model"),
        owner_dn=device.get("owner_dn"),
        owner_sam_account_name=owner_before.sam_account_name if owner_before else None,
        owner_mail=owner_before.mail if owner_before else None,
        current=device.get("access_state"),
        now=now[0], now_reason=now[1], now_rule=now[2],
        after=then[0], after_reason=then[1], after_rule=then[2],
        moved=now[0] != then[0],
        loses_access=now[0] == "Allowed" and then[0] in LOSS,
    )
