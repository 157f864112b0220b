# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Exchange classes and attributes the collection uses, in one table: lDAPDisplayName, cn,
syntax, single-valued, schemaIDGUID and where each fact comes from, with the names the code
uses and the lists require_exchange_schema checks. The lab's schema (tests/lab/labschema.py)
is built from this table, the unit tests' fake directory and the docs are checked against it.

Standard library only and nothing else imported: labschema loads this file by its path under
the system Python, without Ansible. Private."""

from __future__ import annotations

from typing import NamedTuple

# Syntaxes: Unicode String (2.5.5.12), Integer (2.5.5.9), DN (2.5.5.1). Exchange's own syntaxes
# are mostly not published: these are what its object model's types imply, and what the lab uses.
STRING, INTEGER, DN = "string", "integer", "dn"

# Where a row's facts come from (the tag in its `source`). "The facts file" is the project's
# research notes on Exchange ActiveSync in AD (activesync_ad_facts.md), section by section.
SOURCES = {
    "facts-1": "the facts file, section 1 (user attributes): names and multi-valuedness from "
               "Exchange 2013's ADUserSchema.cs; schemaIDGUIDs from third-party tables (winacl, "
               "a Rust GUID table)",
    "facts-2": "the facts file, section 2 (device partnerships): names and types from Exchange "
               "2013's MobileDeviceSchema.cs; the two class GUIDs from Exchange's PrepareAD ACEs "
               "(two copies), the attributes' from one third-party table",
    "facts-3": "the facts file, section 3 (device access rules, organization settings): names "
               "from Exchange 2013's ActiveSync*Schema.cs; schemaIDGUIDs from one third-party "
               "table",
    "policies": "docs/reference/mobile-mailbox-policies.md: names and types from Exchange "
                "2013's MobileMailboxPolicySchema.cs and ADUserSchema.cs; schemaIDGUIDs from "
                "winacl (one source each)",
    "exchange": "Exchange's class of the organization object (CN=<Org>); no schemaIDGUID "
                "published in the sources",
    "ms-adsc": "MS-ADSC: Windows' base schema has it (Samba's too, so the lab adds nothing)",
}

# The lab's OIDs: Exchange's attributeIDs and governsIDs are not published, so the lab's sit
# under 1.3.6.1.4.1.32473, the enterprise number IANA reserves for documentation (RFC 5612), a
# private arc that can never clash with a real Exchange schema. An OID is its row's number in
# the lab: never renumber, append.
LAB_ATTRIBUTE_ARC = "1.3.6.1.4.1.32473.1.1."
LAB_CLASS_ARC = "1.3.6.1.4.1.32473.1.2."


class Attribute(NamedTuple):
    name: str                    # lDAPDisplayName
    cn: str
    syntax: str | None           # STRING, INTEGER, DN; None: not known (the lab does not add it)
    single_valued: bool
    schema_id_guid: str | None   # None: not published in the sources
    source: str                  # a key of SOURCES
    attribute_id: str | None     # the lab's OID; None: the lab does not add it
    held_by: tuple[str, ...]     # the classes the lab lets carry it (mayContain)


class SchemaClass(NamedTuple):
    name: str                    # lDAPDisplayName
    cn: str
    sub_class_of: str
    poss_superiors: tuple[str, ...]
    schema_id_guid: str | None
    source: str
    governs_id: str | None       # the lab's OID; None: the lab does not add it


# Classes
CONFIGURATION_CONTAINER = "msExchConfigurationContainer"   # CN=Microsoft Exchange
ORGANIZATION = "msExchOrganizationContainer"
DEVICES_CONTAINER = "msExchActiveSyncDevices"              # CN=ExchangeActiveSyncDevices
DEVICE = "msExchActiveSyncDevice"                          # one partnership
MOBILE_SETTINGS = "msExchMobileMailboxSettings"            # CN=Mobile Mailbox Settings
ACCESS_RULE = "msExchDeviceAccessRule"
MOBILE_POLICY = "msExchMobileMailboxPolicy"

# Attributes of users
ALLOWED_DEVICE_IDS = "msExchMobileAllowedDeviceIDs"
BLOCKED_DEVICE_IDS = "msExchMobileBlockedDeviceIDs"
WIRELESS_ENABLE = "msExchOmaAdminWirelessEnable"           # ActiveSync / OWA for Devices bits
MAILBOX_FLAGS = "msExchMobileMailboxFlags"
POLICY_LINK = "msExchMobileMailboxPolicyLink"
# Attributes of partnerships
DEVICE_ID = "msExchDeviceID"
DEVICE_TYPE = "msExchDeviceType"
DEVICE_MODEL = "msExchDeviceModel"
DEVICE_OS = "msExchDeviceOS"
DEVICE_USER_AGENT = "msExchDeviceUserAgent"
DEVICE_FRIENDLY_NAME = "msExchDeviceFriendlyName"
ACCESS_STATE = "msExchDeviceAccessState"
ACCESS_STATE_REASON = "msExchDeviceAccessStateReason"
ACCESS_RULE_LINK = "msExchDeviceAccessControlRuleLink"
FIRST_SYNC_TIME = "msExchFirstSyncTime"
# Attributes of access rules and the organization's settings
RULE_CHARACTERISTIC = "msExchDeviceAccessRuleCharacteristic"
RULE_QUERY_STRING = "msExchDeviceAccessRuleQueryString"
ACCESS_CONTROL = "msExchMobileAccessControl"               # a rule's level, the default level
ADMIN_RECIPIENTS = "msExchMobileAdminRecipients"
# Attributes of mobile device mailbox policies (the numbers are named in _mobile_policies)
MOBILE_FLAGS = "msExchMobileFlags"
MOBILE_ADDITIONAL_FLAGS = "msExchMobileAdditionalFlags"

_USER = ("user",)
_DEVICE = (DEVICE,)
_RULE = (ACCESS_RULE,)
_POLICY = (MOBILE_POLICY,)


def _a(name: str, cn: str, syntax: str | None, single: bool, guid: str | None, source: str,
       lab: int | None, held_by: tuple[str, ...] = ()) -> Attribute:
    return Attribute(name, cn, syntax, single, guid, source,
                     None if lab is None else LAB_ATTRIBUTE_ARC + str(lab), held_by)


ATTRIBUTES: tuple[Attribute, ...] = (
    _a(ALLOWED_DEVICE_IDS, "ms-Exch-Mobile-Allowed-Device-IDs", STRING, False,
       "1b9b1278-2f78-46a4-8a79-1793a16ff9ca", "facts-1", 1, _USER),
    _a(BLOCKED_DEVICE_IDS, "ms-Exch-Mobile-Blocked-Device-IDs", STRING, False,
       "80549313-8d6c-423c-a077-6693fbeb1a2c", "facts-1", 2, _USER),
    _a(WIRELESS_ENABLE, "ms-Exch-OMA-Admin-Wireless-Enable", INTEGER, True,
       "c1a7bfbe-116b-4737-8cd9-d29ef5b3690e", "facts-1", 3, _USER),
    _a(MAILBOX_FLAGS, "ms-Exch-Mobile-Mailbox-Flags", INTEGER, True,
       "5430e777-c3ea-4024-902e-dde192204669", "facts-1", 4, _USER),
    _a(DEVICE_ID, "ms-Exch-Device-ID", STRING, True,
       "4ca67e21-e958-401a-b304-14e0f33d047e", "facts-2", 5, _DEVICE),
    _a(DEVICE_TYPE, "ms-Exch-Device-Type", STRING, True,
       "a15cf6fe-bb03-4acf-bdc7-edcd4a37332f", "facts-2", 6, _DEVICE),
    _a(DEVICE_MODEL, "ms-Exch-Device-Model", STRING, True,
       "05c93363-f254-4d9f-845c-0dd52e013645", "facts-2", 7, _DEVICE),
    _a(DEVICE_OS, "ms-Exch-Device-OS", STRING, True,
       "47b66e0d-1288-4c01-a1e7-5a1b8e3a0282", "facts-2", 8, _DEVICE),
    _a(DEVICE_USER_AGENT, "ms-Exch-Device-User-Agent", STRING, True,
       "786bb928-ff91-47a5-a5e5-ac34d9243506", "facts-2", 9, _DEVICE),
    _a(DEVICE_FRIENDLY_NAME, "ms-Exch-Device-Friendly-Name", STRING, True,
       "a5d32a6f-a9e9-411e-93d3-105c402b7557", "facts-2", 10, _DEVICE),
    _a(ACCESS_STATE, "ms-Exch-Device-Access-State", INTEGER, True,
       "d46f4784-e603-4b12-a561-88e721dc7d1a", "facts-2", 11, _DEVICE),
    _a(ACCESS_STATE_REASON, "ms-Exch-Device-Access-State-Reason", INTEGER, True,
       "89d569ba-70a1-4cdd-8ba7-831cd6e1b278", "facts-2", 12, _DEVICE),
    _a(ACCESS_RULE_LINK, "ms-Exch-Device-Access-Control-Rule-Link", DN, True,
       "6ddfc047-6345-4eb6-bb47-890d796f61da", "facts-2", 13, _DEVICE),
    _a(RULE_CHARACTERISTIC, "ms-Exch-Device-Access-Rule-Characteristic", INTEGER, True,
       "7405f114-6f98-4cdc-8a0e-369b8051963b", "facts-3", 14, _RULE),
    _a(RULE_QUERY_STRING, "ms-Exch-Device-Access-Rule-Query-String", STRING, True,
       "4cadae1a-a3b0-4ce5-b3a3-184957e4492f", "facts-3", 15, _RULE),
    _a(ACCESS_CONTROL, "ms-Exch-Mobile-Access-Control", INTEGER, True,
       "593ad2a8-3413-40b7-a5db-da200b194211", "facts-3", 16, (MOBILE_SETTINGS, ACCESS_RULE)),
    _a(ADMIN_RECIPIENTS, "ms-Exch-Mobile-Admin-Recipients", STRING, False,
       "81df7621-f697-4ba0-bc47-ac5b9e748ef8", "facts-3", 17, (MOBILE_SETTINGS,)),
    _a(POLICY_LINK, "ms-Exch-Mobile-Mailbox-Policy-Link", DN, True,
       "e6b5a02a-f581-4c42-ae60-108fe7c1edb5", "policies", 18, _USER),
    _a(MOBILE_FLAGS, "ms-Exch-Mobile-Flags", INTEGER, True,
       "65fa6b59-283d-4e1e-8ccf-2416e33c945b", "policies", 19, _POLICY),
    _a(MOBILE_ADDITIONAL_FLAGS, "ms-Exch-Mobile-Additional-Flags", INTEGER, True,
       "e8c82719-0f63-4847-9d00-39436f781585", "policies", 20, _POLICY),
    _a("msExchMobileMinDevicePasswordLength", "ms-Exch-Mobile-Min-Device-Password-Length",
       INTEGER, True, "819fdb24-02d8-4ac0-87e4-bb06227490dc", "policies", 21, _POLICY),
    _a("msExchMobileMaxDevicePasswordFailedAttempts",
       "ms-Exch-Mobile-Max-Device-Password-Failed-Attempts", INTEGER, True,
       "11ba14e7-27fc-427c-98ee-e31cb30543b6", "policies", 22, _POLICY),
    _a("msExchMobileDevicePasswordExpiration", "ms-Exch-Mobile-Device-Password-Expiration",
       INTEGER, True, "f6a3edf2-a222-4c1f-8f7c-daa2d3b94c3b", "policies", 23, _POLICY),
    _a("msExchMobileDeviceNumberOfPreviousPasswordsDisallowed",
       "ms-Exch-Mobile-Device-Number-Of-Previous-Passwords-Disallowed", INTEGER, True,
       "ee331649-c57b-4a5a-a92d-8e85fdf6c6f0", "policies", 24, _POLICY),
    _a("msExchMobileMaxInactivityTimeDeviceLock",
       "ms-Exch-Mobile-Max-Inactivity-Time-Device-Lock", INTEGER, True,
       "f8087747-50f7-420e-8344-4ac4b703a564", "policies", 25, _POLICY),
    _a("msExchMobileDevicePolicyRefreshInterval",
       "ms-Exch-Mobile-Device-Policy-Refresh-Interval", INTEGER, True,
       "9c9d9d13-bb0a-4a14-920d-3ad91855a19a", "policies", 26, _POLICY),
    _a("msExchMobileMinDevicePasswordComplexCharacters",
       "ms-Exch-Mobile-Min-Device-Password-Complex-Characters", INTEGER, True,
       "6f675799-74ea-4aee-a830-ac8b8deb3dc5", "policies", 27, _POLICY),
    _a("msExchMobileAllowBluetooth", "ms-Exch-Mobile-Allow-Bluetooth", INTEGER, True,
       "057cbcae-359e-46c9-b1b8-38e8c7e37ba7", "policies", 28, _POLICY),
    _a("msExchMobileMaxCalendarAgeFilter", "ms-Exch-Mobile-Max-Calendar-Age-Filter", INTEGER,
       True, "d8e754f5-28fd-4899-a706-b9d6115e46d3", "policies", 29, _POLICY),
    _a("msExchMobileMaxEmailAgeFilter", "ms-Exch-Mobile-Max-Email-Age-Filter", INTEGER, True,
       "7ba83ea5-bccc-44a0-9f90-72622996cc6c", "policies", 30, _POLICY),
    # Read where the DC's schema has it (the lab's does not: whenCreated stands in); a DateTime
    # in Exchange's model, its syntax and schemaIDGUID are not published.
    _a(FIRST_SYNC_TIME, "ms-Exch-First-Sync-Time", None, True, None, "facts-2", None),
)

CLASSES: tuple[SchemaClass, ...] = (
    SchemaClass(DEVICES_CONTAINER, "ms-Exch-Active-Sync-Devices", "top", ("user", "inetOrgPerson"),
                "c975c901-6cea-4b6f-8319-d67f45449506", "facts-2", LAB_CLASS_ARC + "1"),
    SchemaClass(DEVICE, "ms-Exch-Active-Sync-Device", "top", (DEVICES_CONTAINER,),
                "e8b2aff2-59a7-4eac-9a70-819adef701dd", "facts-2", LAB_CLASS_ARC + "2"),
    SchemaClass(ORGANIZATION, "ms-Exch-Organization-Container", "container",
                (CONFIGURATION_CONTAINER,), None, "exchange", LAB_CLASS_ARC + "3"),
    SchemaClass(MOBILE_SETTINGS, "ms-Exch-Mobile-Mailbox-Settings", "container", (ORGANIZATION,),
                "e6fabf91-1a22-4bf5-bf2e-0307f461c205", "facts-3", LAB_CLASS_ARC + "4"),
    SchemaClass(ACCESS_RULE, "ms-Exch-Device-Access-Rule", "top", (MOBILE_SETTINGS,),
                "a0a10355-963d-456f-b797-61607c1cd865", "facts-3", LAB_CLASS_ARC + "5"),
    # Under CN=Mobile Mailbox Policies, a plain container (Exchange setup's install-Container);
    # Exchange's own subClassOf and possSuperiors are not published.
    SchemaClass(MOBILE_POLICY, "ms-Exch-Mobile-Mailbox-Policy", "top", ("container",),
                "a29670e5-7e7d-4c51-8940-4b4563478746", "policies", LAB_CLASS_ARC + "6"),
    # In the base schema with its real governsID 1.2.840.113556.1.5.176: the lab adds nothing.
    SchemaClass(CONFIGURATION_CONTAINER, "ms-Exch-Configuration-Container", "container",
                ("container",), "d03d6858-06f4-11d2-aa53-00c04fd7d83a", "ms-adsc", None),
)

# What require_exchange_schema checks before anything is read, per concern: devices and the
# users' lists; the organization's access policy (settings and rules); mobile device mailbox
# policies.
DEVICE_SCHEMA = [DEVICE, DEVICES_CONTAINER, DEVICE_ID, DEVICE_MODEL, ACCESS_STATE,
                 ALLOWED_DEVICE_IDS, BLOCKED_DEVICE_IDS]
POLICY_SCHEMA = [MOBILE_SETTINGS, ACCESS_RULE, ACCESS_CONTROL, RULE_CHARACTERISTIC,
                 RULE_QUERY_STRING]
MOBILE_POLICY_SCHEMA = [MOBILE_POLICY, POLICY_LINK, MOBILE_FLAGS]

_BY_NAME: dict[str, Attribute | SchemaClass] = dict(
    (row.name.lower(), row) for row in ATTRIBUTES + CLASSES)


def find(name: str) -> Attribute | SchemaClass | None:
    """The row of a class or attribute by lDAPDisplayName, case-insensitive as LDAP is."""
    return _BY_NAME.get(name.lower())


def documented_guid(name: str) -> str:
    """The published schemaIDGUID of a class or attribute (for when the schema cannot be read)."""
    row = find(name)
    if row is None or row.schema_id_guid is None:
        raise KeyError(name)
    return row.schema_id_guid
