"""The Exchange schema subset the lab adds to Samba.

lDAPDisplayNames and schemaIDGUIDs are Exchange's real ones (see the facts file the project was
built from: ../shared/reference/activesync_ad_facts.md sections 1-3). The attributeIDs and
governsIDs of Exchange are not published, so every OID here sits under 1.3.6.1.4.1.32473, the
enterprise number IANA reserves for documentation (RFC 5612): a private arc that can never clash
with a real Exchange schema.

Samba only makes new schema objects usable in a *later* ldbmodify process, so the LDIF comes in
steps: attributes first, then classes in the order their possSuperiors need, then the user class.
"""

import uuid

OID_ATTR = "1.3.6.1.4.1.32473.1.1."
OID_CLASS = "1.3.6.1.4.1.32473.1.2."

STRING, INTEGER, DN = "string", "integer", "dn"

# (lDAPDisplayName, cn, syntax, single-valued, schemaIDGUID or None when Exchange's is unknown,
#  indexed). The two lists are not indexed: an index refuses the case-duplicates that AD stores.
ATTRIBUTES = [
    ("msExchMobileAllowedDeviceIDs", "ms-Exch-Mobile-Allowed-Device-IDs", STRING, False,
     "1b9b1278-2f78-46a4-8a79-1793a16ff9ca", False),
    ("msExchMobileBlockedDeviceIDs", "ms-Exch-Mobile-Blocked-Device-IDs", STRING, False,
     "80549313-8d6c-423c-a077-6693fbeb1a2c", False),
    ("msExchOmaAdminWirelessEnable", "ms-Exch-OMA-Admin-Wireless-Enable", INTEGER, True,
     "c1a7bfbe-116b-4737-8cd9-d29ef5b3690e", False),
    ("msExchMobileMailboxFlags", "ms-Exch-Mobile-Mailbox-Flags", INTEGER, True,
     "5430e777-c3ea-4024-902e-dde192204669", False),
    ("msExchDeviceID", "ms-Exch-Device-ID", STRING, True,
     "4ca67e21-e958-401a-b304-14e0f33d047e", True),
    ("msExchDeviceType", "ms-Exch-Device-Type", STRING, True,
     "a15cf6fe-bb03-4acf-bdc7-edcd4a37332f", True),
    ("msExchDeviceModel", "ms-Exch-Device-Model", STRING, True,
     "05c93363-f254-4d9f-845c-0dd52e013645", True),
    ("msExchDeviceOS", "ms-Exch-Device-OS", STRING, True,
     "47b66e0d-1288-4c01-a1e7-5a1b8e3a0282", False),
    ("msExchDeviceUserAgent", "ms-Exch-Device-User-Agent", STRING, True,
     "786bb928-ff91-47a5-a5e5-ac34d9243506", False),
    ("msExchDeviceFriendlyName", "ms-Exch-Device-Friendly-Name", STRING, True,
     "a5d32a6f-a9e9-411e-93d3-105c402b7557", False),
    ("msExchDeviceAccessState", "ms-Exch-Device-Access-State", INTEGER, True,
     "d46f4784-e603-4b12-a561-88e721dc7d1a", True),
    ("msExchDeviceAccessStateReason", "ms-Exch-Device-Access-State-Reason", INTEGER, True,
     "89d569ba-70a1-4cdd-8ba7-831cd6e1b278", False),
    ("msExchDeviceAccessControlRuleLink", "ms-Exch-Device-Access-Control-Rule-Link", DN, True,
     "6ddfc047-6345-4eb6-bb47-890d796f61da", False),
    ("msExchDeviceAccessRuleCharacteristic", "ms-Exch-Device-Access-Rule-Characteristic",
     INTEGER, True, "7405f114-6f98-4cdc-8a0e-369b8051963b", False),
    ("msExchDeviceAccessRuleQueryString", "ms-Exch-Device-Access-Rule-Query-String", STRING,
     True, "4cadae1a-a3b0-4ce5-b3a3-184957e4492f", False),
    ("msExchMobileAccessControl", "ms-Exch-Mobile-Access-Control", INTEGER, True,
     "593ad2a8-3413-40b7-a5db-da200b194211", False),
    ("msExchMobileAdminRecipients", "ms-Exch-Mobile-Admin-Recipients", STRING, False,
     "81df7621-f697-4ba0-bc47-ac5b9e748ef8", False),
    # Mobile device mailbox policies and the user's link to one (docs/reference/
    # mobile-mailbox-policies.md: names from Exchange's code, GUIDs from one third-party table;
    # Integer syntax for the numbers, Exchange's syntaxes are not published). Appended: an
    # attribute's OID is its place in this list.
    ("msExchMobileMailboxPolicyLink", "ms-Exch-Mobile-Mailbox-Policy-Link", DN, True,
     "e6b5a02a-f581-4c42-ae60-108fe7c1edb5", False),
    ("msExchMobileFlags", "ms-Exch-Mobile-Flags", INTEGER, True,
     "65fa6b59-283d-4e1e-8ccf-2416e33c945b", False),
    ("msExchMobileAdditionalFlags", "ms-Exch-Mobile-Additional-Flags", INTEGER, True,
     "e8c82719-0f63-4847-9d00-39436f781585", False),
    ("msExchMobileMinDevicePasswordLength", "ms-Exch-Mobile-Min-Device-Password-Length", INTEGER,
     True, "819fdb24-02d8-4ac0-87e4-bb06227490dc", False),
    ("msExchMobileMaxDevicePasswordFailedAttempts",
     "ms-Exch-Mobile-Max-Device-Password-Failed-Attempts", INTEGER, True,
     "11ba14e7-27fc-427c-98ee-e31cb30543b6", False),
    ("msExchMobileDevicePasswordExpiration", "ms-Exch-Mobile-Device-Password-Expiration", INTEGER,
     True, "f6a3edf2-a222-4c1f-8f7c-daa2d3b94c3b", False),
    ("msExchMobileDeviceNumberOfPreviousPasswordsDisallowed",
     "ms-Exch-Mobile-Device-Number-Of-Previous-Passwords-Disallowed", INTEGER, True,
     "ee331649-c57b-4a5a-a92d-8e85fdf6c6f0", False),
    ("msExchMobileMaxInactivityTimeDeviceLock", "ms-Exch-Mobile-Max-Inactivity-Time-Device-Lock",
     INTEGER, True, "f8087747-50f7-420e-8344-4ac4b703a564", False),
    ("msExchMobileDevicePolicyRefreshInterval", "ms-Exch-Mobile-Device-Policy-Refresh-Interval",
     INTEGER, True, "9c9d9d13-bb0a-4a14-920d-3ad91855a19a", False),
    ("msExchMobileMinDevicePasswordComplexCharacters",
     "ms-Exch-Mobile-Min-Device-Password-Complex-Characters", INTEGER, True,
     "6f675799-74ea-4aee-a830-ac8b8deb3dc5", False),
    ("msExchMobileAllowBluetooth", "ms-Exch-Mobile-Allow-Bluetooth", INTEGER, True,
     "057cbcae-359e-46c9-b1b8-38e8c7e37ba7", False),
    ("msExchMobileMaxCalendarAgeFilter", "ms-Exch-Mobile-Max-Calendar-Age-Filter", INTEGER, True,
     "d8e754f5-28fd-4899-a706-b9d6115e46d3", False),
    ("msExchMobileMaxEmailAgeFilter", "ms-Exch-Mobile-Max-Email-Age-Filter", INTEGER, True,
     "7ba83ea5-bccc-44a0-9f90-72622996cc6c", False),
]

DEVICE_ATTRS = ["msExchDeviceID", "msExchDeviceType", "msExchDeviceModel", "msExchDeviceOS",
                "msExchDeviceUserAgent", "msExchDeviceFriendlyName", "msExchDeviceAccessState",
                "msExchDeviceAccessStateReason", "msExchDeviceAccessControlRuleLink"]
RULE_ATTRS = ["msExchDeviceAccessRuleCharacteristic", "msExchDeviceAccessRuleQueryString",
              "msExchMobileAccessControl"]
USER_ATTRS = ["msExchMobileAllowedDeviceIDs", "msExchMobileBlockedDeviceIDs",
              "msExchOmaAdminWirelessEnable", "msExchMobileMailboxFlags",
              "msExchMobileMailboxPolicyLink"]
MOBILE_POLICY_ATTRS = ["msExchMobileFlags", "msExchMobileAdditionalFlags",
                       "msExchMobileMinDevicePasswordLength",
                       "msExchMobileMaxDevicePasswordFailedAttempts",
                       "msExchMobileDevicePasswordExpiration",
                       "msExchMobileDeviceNumberOfPreviousPasswordsDisallowed",
                       "msExchMobileMaxInactivityTimeDeviceLock",
                       "msExchMobileDevicePolicyRefreshInterval",
                       "msExchMobileMinDevicePasswordComplexCharacters",
                       "msExchMobileAllowBluetooth", "msExchMobileMaxCalendarAgeFilter",
                       "msExchMobileMaxEmailAgeFilter"]

# (lDAPDisplayName, cn, subClassOf, possSuperiors, mayContain, schemaIDGUID or None).
# Listed in dependency order; each entry is applied in its own step.
# msExchConfigurationContainer (CN=Microsoft Exchange) is not here: Samba's base schema already
# has it, with Exchange's own schemaIDGUID.
CLASSES = [
    ("msExchActiveSyncDevices", "ms-Exch-Active-Sync-Devices", "top",
     ["user", "inetOrgPerson"], [], "c975c901-6cea-4b6f-8319-d67f45449506"),
    ("msExchActiveSyncDevice", "ms-Exch-Active-Sync-Device", "top",
     ["msExchActiveSyncDevices"], DEVICE_ATTRS, "e8b2aff2-59a7-4eac-9a70-819adef701dd"),
    ("msExchOrganizationContainer", "ms-Exch-Organization-Container", "container",
     ["msExchConfigurationContainer"], [], None),
    ("msExchMobileMailboxSettings", "ms-Exch-Mobile-Mailbox-Settings", "container",
     ["msExchOrganizationContainer"], ["msExchMobileAccessControl", "msExchMobileAdminRecipients"],
     "e6fabf91-1a22-4bf5-bf2e-0307f461c205"),
    ("msExchDeviceAccessRule", "ms-Exch-Device-Access-Rule", "top",
     ["msExchMobileMailboxSettings"], RULE_ATTRS, "a0a10355-963d-456f-b797-61607c1cd865"),
    # Under CN=Mobile Mailbox Policies, a plain container (Exchange setup's install-Container);
    # Exchange's own subClassOf and possSuperiors are not published.
    ("msExchMobileMailboxPolicy", "ms-Exch-Mobile-Mailbox-Policy", "top", ["container"],
     MOBILE_POLICY_ATTRS, "a29670e5-7e7d-4c51-8940-4b4563478746"),
]

# AD classes carry a default DACL for new objects: Domain Admins and SYSTEM full control,
# Authenticated Users read. Exchange's exact value is not known here; without any, the children
# of a user whose DACL inherits nothing (inheritance removed) get an empty DACL, and Samba then
# fails every subtree search with an in-chain filter with operationsError (1) "Indexed and full
# searches both failed".
DEFAULT_SECURITY_DESCRIPTOR = ("D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)"
                               "(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)(A;;RPLCLORC;;;AU)")

# Base64 BER of the OM object class of DN-syntax attributes, as in Samba's own schema files.
DN_OM_OBJECT_CLASS = "KwwCh3McAIVK"


def _schema_object(schema_dn, cn, name, object_class):
    return ["dn: CN=%s,%s" % (cn, schema_dn), "changetype: add", "objectClass: top",
            "objectClass: %s" % object_class, "cn: %s" % cn, "lDAPDisplayName: %s" % name]


def _attribute_ldif(schema_dn, index, spec):
    name, cn, syntax, single, guid, indexed = spec
    lines = _schema_object(schema_dn, cn, name, "attributeSchema") + [
        "attributeID: %s%d" % (OID_ATTR, index),
        "isSingleValued: %s" % ("TRUE" if single else "FALSE"),
        "searchFlags: %d" % (1 if indexed else 0),
        "systemOnly: FALSE",
    ]
    if syntax == STRING:
        lines += ["attributeSyntax: 2.5.5.12", "oMSyntax: 64"]
    elif syntax == INTEGER:
        lines += ["attributeSyntax: 2.5.5.9", "oMSyntax: 2"]
    else:
        lines += ["attributeSyntax: 2.5.5.1", "oMSyntax: 127",
                  "oMObjectClass:: %s" % DN_OM_OBJECT_CLASS]
    if guid:
        lines.append("schemaIDGUID: %s" % uuid.UUID(guid))
    return "\n".join(lines) + "\n"


def _class_ldif(schema_dn, index, spec):
    name, cn, parent, superiors, may, guid = spec
    lines = _schema_object(schema_dn, cn, name, "classSchema") + [
        "governsID: %s%d" % (OID_CLASS, index),
        "subClassOf: %s" % parent,
        "objectClassCategory: 1",
        "rDNAttID: cn",
        "systemOnly: FALSE",
        "defaultHidingValue: TRUE",
        "defaultSecurityDescriptor: %s" % DEFAULT_SECURITY_DESCRIPTOR,
    ]
    lines += ["possSuperiors: %s" % s for s in superiors]
    lines += ["mayContain: %s" % m for m in may]
    if guid:
        lines.append("schemaIDGUID: %s" % uuid.UUID(guid))
    return "\n".join(lines) + "\n"


def _refresh():
    return "dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-\n"


def ldif_steps(schema_dn):
    """The LDIF to apply, one string per ldbmodify process."""
    steps = ["\n".join(_attribute_ldif(schema_dn, i + 1, a) for i, a in enumerate(ATTRIBUTES))
             + "\n" + _refresh()]
    for i, cls in enumerate(CLASSES):
        steps.append(_class_ldif(schema_dn, i + 1, cls) + "\n" + _refresh())
    user = ["dn: CN=User,%s" % schema_dn, "changetype: modify", "add: mayContain"]
    user += ["mayContain: %s" % a for a in USER_ATTRS]
    steps.append("\n".join(user) + "\n-\n\n" + _refresh())
    return steps
