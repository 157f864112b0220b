# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mobile device mailbox policies (msExchMobileMailboxPolicy): their settings decoded from the
attributes and flag words, which policy applies to each user (its msExchMobileMailboxPolicyLink,
else the organization's default, as Exchange's ActiveSync server picks it), and how each policy
compares with the CIS Microsoft Exchange Server 2019 Level 1 mobile items. The decoding and the
comparison are pure; the directory is read through the LdapClient passed in. Facts and sources:
docs/reference/mobile-mailbox-policies.md. Private."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    organization_settings, rdn_value)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _schema
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._policy_findings import (
    fails_baseline, is_finding)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key, dn_key_or_text, parent
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    missing_user, select_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)

POLICY_CLASS = _schema.MOBILE_POLICY
POLICIES_CONTAINER_RDN = "CN=Mobile Mailbox Policies"
LINK_ATTRIBUTE = _schema.POLICY_LINK
FLAGS_ATTRIBUTE = _schema.MOBILE_FLAGS
ADDITIONAL_FLAGS_ATTRIBUTE = _schema.MOBILE_ADDITIONAL_FLAGS
# What require_exchange_schema checks before anything is read.
POLICY_SCHEMA = _schema.MOBILE_POLICY_SCHEMA

# msExchMobileFlags (Exchange's MobileFlagsDefs): setting name -> bit. Deny* bits are read as
# their Allow* negation, as Get-MobileDeviceMailboxPolicy shows them.
IS_DEFAULT = 0x1000
FLAGS = {
    "password_enabled": 0x2,
    "alphanumeric_password_required": 0x4,
    "password_recovery_enabled": 0x10,
    "device_encryption_enabled": 0x20,  # also RequireStorageCardEncryption: the same bit
    "attachments_enabled": 0x40,
    "allow_non_provisionable_devices": 0x20000,
    "allow_simple_password": 0x40000,
    "wss_access_enabled": 0x100000,
    "unc_access_enabled": 0x200000,
}
DENY_FLAGS = {
    "allow_microsoft_push_notifications": 0x1000000,
    "allow_apple_push_notifications": 0x2000000,
    "allow_google_push_notifications": 0x4000000,
}
# An absent msExchMobileFlags is Exchange's default word: AttachmentsEnabled,
# AllowSimplePassword, WSSAccessEnabled, UNCAccessEnabled.
FLAGS_DEFAULT = 0x40 | 0x40000 | 0x100000 | 0x200000

# msExchMobileAdditionalFlags (MobileAdditionalFlagsDefs).
ADDITIONAL_FLAGS = {
    "allow_storage_card": 0x1,
    "allow_camera": 0x2,
    "require_device_encryption": 0x4,
    "allow_unsigned_applications": 0x8,
    "allow_unsigned_installation_packages": 0x10,
    "allow_wifi": 0x40,
    "allow_text_messaging": 0x80,
    "allow_pop_imap_email": 0x100,
    "allow_irda": 0x200,
    "require_manual_sync_when_roaming": 0x400,
    "allow_desktop_sync": 0x800,
    "allow_html_email": 0x1000,
    "require_signed_smime_messages": 0x2000,
    "require_encrypted_smime_messages": 0x4000,
    "allow_smime_soft_certs": 0x8000,
    "allow_browser": 0x10000,
    "allow_consumer_email": 0x20000,
    "allow_remote_desktop": 0x40000,
    "allow_internet_sharing": 0x80000,
    "allow_external_device_management": 0x100000,
    "allow_mobile_ota_update": 0x200000,
    "irm_enabled": 0x400000,
}
# Absent: every Allow* bit and IrmEnabled, nothing required.
ADDITIONAL_FLAGS_DEFAULT = 7314395

# Numbers: setting name -> (attribute, default when absent). None is "not set" (Unlimited for the
# limits and time spans, which Exchange stores by clearing the attribute); time spans are seconds.
NUMBERS = {
    "min_password_length": ("msExchMobileMinDevicePasswordLength", None),
    "max_password_failed_attempts": ("msExchMobileMaxDevicePasswordFailedAttempts", None),
    "password_expiration_seconds": ("msExchMobileDevicePasswordExpiration", None),
    "password_history": ("msExchMobileDeviceNumberOfPreviousPasswordsDisallowed", 0),
    "max_inactivity_time_lock_seconds": ("msExchMobileMaxInactivityTimeDeviceLock", None),
    "device_policy_refresh_interval_seconds": ("msExchMobileDevicePolicyRefreshInterval", None),
    "min_password_complex_characters": ("msExchMobileMinDevicePasswordComplexCharacters", 1),
}
# Enumerations: setting name -> (attribute, names by number, default name).
ENUMS = {
    "allow_bluetooth": ("msExchMobileAllowBluetooth",
                        {0: "Disable", 1: "HandsfreeOnly", 2: "Allow"}, "Allow"),
    "max_calendar_age_filter": ("msExchMobileMaxCalendarAgeFilter",
                                {0: "All", 4: "TwoWeeks", 5: "OneMonth", 6: "ThreeMonths",
                                 7: "SixMonths"}, "All"),
    "max_email_age_filter": ("msExchMobileMaxEmailAgeFilter",
                             {0: "All", 1: "OneDay", 2: "ThreeDays", 3: "OneWeek", 4: "TwoWeeks",
                              5: "OneMonth"}, "All"),
}

# What PolicyTally.add_entry reads of a user.
USER_READ = ["sAMAccountName", LINK_ATTRIBUTE]

POLICY_READ = (["cn", "whenChanged", FLAGS_ATTRIBUTE, ADDITIONAL_FLAGS_ATTRIBUTE]
               + [spec[0] for spec in NUMBERS.values()] + [spec[0] for spec in ENUMS.values()])

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass
class MobilePolicy:
    """One msExchMobileMailboxPolicy, decoded. settings: every setting by name (booleans,
    numbers with None for not set, enumerations by name); flags as stored (None: absent)."""

    dn: str
    name: str
    is_default: bool
    when_changed: str | None
    settings: dict[str, Any]
    mobile_flags: int | None = None
    additional_flags: int | None = None
    warnings: list[str] = field(default_factory=list)


def _number(entry: Entry, attribute: str, warnings: list[str]) -> int | None:
    """An integer attribute; None when absent or 'Unlimited' (how Exchange's parser reads the
    text too); a value that is no number is reported and read as absent."""
    text = entry.text(attribute)
    if text is None or text.strip().lower() in ("", "unlimited"):
        return None
    try:
        return int(text.strip())
    except ValueError:
        warnings.append("%s is %r, not a number: read as not set" % (attribute, text[:40]))
        return None


def generalized_time(value: str | None) -> str | None:
    """'20261128151542.0Z' -> '2026-11-28T15:15:42Z'; other text as it is."""
    if value and len(value) >= 14 and value[:14].isdigit():
        v = value
        return "%s-%s-%sT%s:%s:%sZ" % (v[:4], v[4:6], v[6:8], v[8:10], v[10:12], v[12:14])
    return value


def decode_policy(entry: Entry) -> MobilePolicy:
    """A policy's settings from its entry, with Exchange's defaults for absent attributes."""
    warnings: list[str] = []
    stored = _number(entry, FLAGS_ATTRIBUTE, warnings)
    extra = _number(entry, ADDITIONAL_FLAGS_ATTRIBUTE, warnings)
    flags = FLAGS_DEFAULT if stored is None else stored
    additional = ADDITIONAL_FLAGS_DEFAULT if extra is None else extra
    settings: dict[str, Any] = {}
    for name, bit in FLAGS.items():
        settings[name] = flags & bit == bit
    for name, bit in DENY_FLAGS.items():
        settings[name] = flags & bit != bit
    for name, bit in ADDITIONAL_FLAGS.items():
        settings[name] = additional & bit == bit
    for name, (attribute, default) in NUMBERS.items():
        value = _number(entry, attribute, warnings)
        settings[name] = default if value is None else value
    for name, (attribute, names, unset) in ENUMS.items():
        number = _number(entry, attribute, warnings)
        settings[name] = unset if number is None else names.get(number, str(number))
    return MobilePolicy(entry.dn, entry.text("cn") or rdn_value(entry.dn),
                        flags & IS_DEFAULT == IS_DEFAULT,
                        generalized_time(entry.text("whenChanged")), settings, stored, extra,
                        warnings)


# -- the baseline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineItem:
    """One CIS item: what it checks (setting and Exchange property) and how."""

    id: str
    title: str
    setting: str
    property: str
    expected: str
    check: Callable[[Any], bool]
    note: str | None = None


def _at_most(limit: int) -> Callable[[Any], bool]:
    return lambda value: value is not None and value <= limit


def _at_least(limit: int) -> Callable[[Any], bool]:
    return lambda value: value is not None and value >= limit


def _is(wanted: bool) -> Callable[[Any], bool]:
    return lambda value: value is wanted


# CIS Microsoft Exchange Server 2019 Benchmark v1.0.0, Level 1, section 3 (mobile device
# management): numbers and titles from Tenable's audit of it, the property each checks from
# EDCA's controls (the benchmark text itself was not available: see the reference page).
CIS_EXCHANGE_2019_L1 = (
    BaselineItem("3.1", "Ensure 'Allow simple passwords' is set to 'False'",
                 "allow_simple_password", "AllowSimplePassword", "false", _is(False)),
    BaselineItem("3.2", "Ensure 'Allow unmanaged devices' is set to 'False'",
                 "allow_non_provisionable_devices", "AllowNonProvisionableDevices", "false",
                 _is(False)),
    BaselineItem("3.3", "Ensure 'Enforce password history' is set to '4' or greater",
                 "password_history", "PasswordHistory", ">= 4", _at_least(4)),
    BaselineItem("3.4", "Ensure 'Minimum password length' is set to '4' or more",
                 "min_password_length", "MinPasswordLength", ">= 4", _at_least(4)),
    BaselineItem("3.5", "Ensure 'Number of attempts allowed' is set to '10'",
                 "max_password_failed_attempts", "MaxPasswordFailedAttempts", "<= 10",
                 _at_most(10), "whether fewer than 10 attempts passes is unconfirmed"),
    BaselineItem("3.6", "Ensure 'Password expiration' is set to '365' or less",
                 "password_expiration_seconds", "PasswordExpiration", "<= 365 days",
                 _at_most(365 * DAY)),
    BaselineItem("3.7", "Ensure 'Refresh interval' is set to '1'",
                 "device_policy_refresh_interval_seconds", "DevicePolicyRefreshInterval",
                 "<= 1 hour", _at_most(HOUR),
                 "unit unconfirmed: hours as Exchange 2010's console showed it; other tools "
                 "read one day"),
    BaselineItem("3.8", "Ensure 'Require alphanumeric password' is set to 'True'",
                 "alphanumeric_password_required", "AlphanumericPasswordRequired", "true",
                 _is(True)),
    BaselineItem("3.9", "Ensure 'Require encryption on device' is set to 'True'",
                 "require_device_encryption", "RequireDeviceEncryption", "true", _is(True)),
    BaselineItem("3.10", "Ensure 'Require password' is set to 'True'",
                 "password_enabled", "PasswordEnabled", "true", _is(True)),
    BaselineItem("3.11", "Ensure 'Time without user input before password must be re-entered' "
                 "is set to '15'", "max_inactivity_time_lock_seconds", "MaxInactivityTimeLock",
                 "<= 15 minutes", _at_most(15 * MINUTE)),
)
BASELINE_NAME = "CIS Microsoft Exchange Server 2019 Benchmark v1.0.0 Level 1"


def compare(policy: MobilePolicy,
            baseline: Iterable[BaselineItem] = CIS_EXCHANGE_2019_L1) -> dict[str, Any]:
    """{passed: [ids], failed: [ids], checks: [one dict per item]} for one policy."""
    items = []
    for item in baseline:
        actual = policy.settings.get(item.setting)
        row = dict(id=item.id, title=item.title, setting=item.setting, property=item.property,
                   expected=item.expected, actual=actual, passed=bool(item.check(actual)))
        if item.note:
            row["note"] = item.note
        items.append(row)
    return dict(passed=[row["id"] for row in items if row["passed"]],
                failed=[row["id"] for row in items if not row["passed"]], checks=items)


# -- which policy applies ----------------------------------------------------------------------


def default_policy(policies: Iterable[MobilePolicy]) -> MobilePolicy | None:
    """The policy Exchange applies to users without a link: of those marked default, the one
    changed last (Exchange sorts them by whenChanged, newest first)."""
    marked = [p for p in policies if p.is_default]
    marked.sort(key=lambda p: p.when_changed or "", reverse=True)
    return marked[0] if marked else None


class PolicyTally:
    """Users counted per policy as they stream past (bounded memory unless users are listed).
    add(dn, link) takes each user's msExchMobileMailboxPolicyLink (None: no link); add_entry()
    an entry read with USER_READ. list_users: 'none', 'linked' (the users with a link) or 'all'.
    warnings: read_policies()'s, returned first by result()."""

    def __init__(self, policies: list[MobilePolicy], list_users: str = "none",
                 warnings: Iterable[str] = ()) -> None:
        self.policies = policies
        self.read_warnings = list(warnings)
        self.default = default_policy(policies)
        self.list_users = list_users
        self.by_key = dict((dn_key(p.dn), p) for p in policies)
        self.counts = dict((p.dn, dict(linked=0, by_default=0)) for p in policies)
        self.members: dict[str, list[dict[str, Any]]] = dict((p.dn, []) for p in policies)
        self.users = 0
        self.without_policy = 0
        self.unknown_links: dict[str, int] = {}

    def _key(self, link: str) -> str:
        return dn_key_or_text(link)

    def add(self, dn: str, link: str | None, sam_account_name: str | None = None) -> str | None:
        """Count one user; the DN of the policy that applies to it (None: none does)."""
        self.users += 1
        policy = self.by_key.get(self._key(link)) if link else None
        how = "linked"
        if policy is None:
            if link:
                # a link to no policy here (deleted): Exchange falls back to the default
                self.unknown_links[link] = self.unknown_links.get(link, 0) + 1
            policy, how = self.default, "by_default"
        if policy is None:
            self.without_policy += 1
            return None
        self.counts[policy.dn][how] += 1
        if self.list_users == "all" or (self.list_users == "linked" and how == "linked"):
            self.members[policy.dn].append(dict(dn=dn, sam_account_name=sam_account_name,
                                                linked=how == "linked"))
        return policy.dn

    def add_entry(self, entry: Entry) -> str | None:
        return self.add(entry.dn, entry.text(LINK_ATTRIBUTE), entry.text("sAMAccountName"))

    def result(self, baseline: Iterable[BaselineItem] = CIS_EXCHANGE_2019_L1) -> dict[str, Any]:
        """{summary, policies, warnings}: each policy with its settings, the baseline
        comparison and its users (counts, and the users when listed)."""
        baseline = tuple(baseline)
        rows: list[dict[str, Any]] = []
        for policy in sorted(self.policies, key=lambda p: p.name.lower()):
            counts = self.counts[policy.dn]
            row: dict[str, Any] = dict(
                name=policy.name, dn=policy.dn, is_default=policy.is_default,
                applied_as_default=policy is self.default, when_changed=policy.when_changed,
                settings=policy.settings, mobile_flags=policy.mobile_flags,
                additional_flags=policy.additional_flags, baseline=compare(policy, baseline),
                users=dict(counts, total=counts["linked"] + counts["by_default"]))
            if self.list_users != "none":
                row["members"] = self.members[policy.dn]
            rows.append(row)
        # a finding applies to a selected user (is_finding); the policies below the baseline
        # that apply to none of them are counted apart
        below = [row for row in rows if fails_baseline(row)]
        failing = [row for row in rows if is_finding(row)]
        summary = dict(
            policies=len(rows), default_policy=self.default.name if self.default else None,
            marked_default=sum(1 for p in self.policies if p.is_default),
            policies_failing_baseline=len(failing),
            policies_failing_baseline_unused=len(below) - len(failing),
            users=self.users,
            users_linked=sum(c["linked"] for c in self.counts.values()),
            users_by_default=sum(c["by_default"] for c in self.counts.values()),
            users_without_policy=self.without_policy,
            users_with_unknown_link=sum(self.unknown_links.values()),
            users_on_failing_policies=sum(row["users"]["total"] for row in failing))
        return dict(baseline=BASELINE_NAME, summary=summary, policies=rows,
                    warnings=self.warnings())

    def warnings(self) -> list[str]:
        found = list(self.read_warnings)
        marked = [p for p in self.policies if p.is_default]
        if len(marked) > 1 and self.default is not None:
            found.append("%d policies are marked default (%s): Exchange applies the one changed "
                         "last, %s" % (len(marked), ", ".join(sorted(p.name for p in marked)),
                                       self.default.name))
        if not marked:
            found.append("no policy is marked default: users without a link get no mobile "
                         "device mailbox policy")
        for link, count in sorted(self.unknown_links.items()):
            found.append("%d users link to %s, which is no policy of the organization: Exchange "
                         "applies the default to them" % (count, link))
        for policy in self.policies:
            found.extend("%s: %s" % (policy.name, text) for text in policy.warnings)
        return found


# -- reading the directory -------------------------------------------------------------------


def policies_container(client: LdapClient, organization: str | None = None) -> str:
    """DN of CN=Mobile Mailbox Policies of the Exchange organization (a sibling of its mobile
    mailbox settings, through which the organization is found)."""
    return "%s,%s" % (POLICIES_CONTAINER_RDN, parent(organization_settings(client, organization)))


def read_policies(client: LdapClient, organization: str | None = None
                  ) -> tuple[list[MobilePolicy], list[str]]:
    """(the organization's policies decoded, warnings). One-level search under
    CN=Mobile Mailbox Policies for the policy class only: the container also holds Exchange's
    device autoblock thresholds."""
    container = policies_container(client, organization)
    if client.read(container, ["1.1"]) is None:
        return [], ["%s does not exist: the organization has no mobile device mailbox "
                    "policies" % container]
    return [decode_policy(entry) for entry in client.search(
        container, "(objectClass=%s)" % POLICY_CLASS, POLICY_READ, scope="onelevel")], []


def policy_inventory(client: LdapClient, selection: Mapping[str, Any],
                     organization: str | None = None, list_users: str = "none"
                     ) -> dict[str, Any]:
    """eas_policy_info's result: the policies, the users of the selection (the module's
    resolved Selection, which reads like params: dn, or search_base/scope/filter) counted per
    policy, and each policy against the baseline."""
    policies, warnings = read_policies(client, organization)
    tally = PolicyTally(policies, list_users, warnings)
    for entry in select_entries(client, selection, USER_READ, missing_user):
        tally.add_entry(entry)
    return tally.result()
