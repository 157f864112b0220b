"""Lab accounts delegated exactly as docs/least-privilege.md says, one account per workflow, on
the OUs a test names (any OU, not only the seed's) and on the organization's Mobile Mailbox
Settings. The ACEs are the ones the doc's dsacls lines grant, written into the DACLs with
Samba's own handle; the DC then runs its normal inheritance, so what an account may do is
decided by the DC's own access check, as on Windows.

    lab.py delegate ROLE --ou DN [--ou DN ...]      create svc-ROLE (if missing), grant it
    lab.py delegate ROLE --ou DN ... --remove       take those ACEs away again, delete svc-ROLE

ROLES below is the doc's table as data: (where, ACE), where is 'users' (each OU named, inherited
to the user objects below it) or 'settings' (the Mobile Mailbox Settings object).
"""

import ldb
from samba.dcerpc import misc, security
from samba.ndr import ndr_pack, ndr_unpack

import seed

# The right each workflow needs and nothing else. {name} is the schemaIDGUID of a class or an
# attribute by its lDAPDisplayName, {sid} the account's SID. CIIO: inherited by the objects below
# (not the OU itself); the object type after it limits it to that class.
_WRITE_DAC = [
    ("users", "(OA;CIIO;WD;;{user};{sid})"),
    ("users", "(OA;CIIO;WD;;{inetOrgPerson};{sid})"),
]
_LISTS = [
    ("users", "(OA;CIIO;WP;{%s};{%s};{sid})" % (attribute, cls))
    for attribute in ("msExchMobileAllowedDeviceIDs", "msExchMobileBlockedDeviceIDs")
    for cls in ("user", "inetOrgPerson")
]
_RULES = [
    ("settings", "(OA;;CCDC;{msExchDeviceAccessRule};;{sid})"),
    ("settings", "(OA;CIIO;WP;;{msExchDeviceAccessRule};{sid})"),
]
ROLES = {
    # compliance report, eas_readiness_info, eas_device_info, eas_access_plan: reading only,
    # which Authenticated Users may do by default (READ_CONTROL included)
    "report": [],
    # inheritance, inheritance_enforce, inheritance_rollback
    "enforcement": list(_WRITE_DAC),
    # device_rollout: preflight re-enables inheritance, open/close create and delete the rule,
    # harvest writes the allow lists
    "rollout": _WRITE_DAC + _LISTS + _RULES,
    # eas_device_cleanup: delete partnerships, and (remove_container) a whole device container
    "cleanup": [
        ("users", "(OA;CIIO;SD;;{msExchActiveSyncDevice};{sid})"),
        ("users", "(OA;CIIO;SDDT;;{msExchActiveSyncDevices};{sid})"),
    ],
    # eas_access_rule's organization settings (default_access_change's switch)
    "settings": [
        ("settings", "(OA;;WP;{msExchMobileAccessControl};;{sid})"),
        ("settings", "(OA;;WP;{msExchMobileAdminRecipients};;{sid})"),
    ],
}
SERVICE_OU = "OU=Service Accounts,OU=Lab"


def _schema_guids(db):
    """schemaIDGUID by lDAPDisplayName, for every class and attribute in the schema."""
    found = {}
    for item in db.search(str(db.get_schema_basedn()), scope=ldb.SCOPE_ONELEVEL,
                          expression="(schemaIDGUID=*)", attrs=["lDAPDisplayName",
                                                                "schemaIDGUID"]):
        found[str(item["lDAPDisplayName"][0])] = str(ndr_unpack(misc.GUID,
                                                                item["schemaIDGUID"][0]))
    return found


def settings_dn(db):
    return "CN=Mobile Mailbox Settings,CN=%s,CN=Microsoft Exchange,CN=Services,%s" % (
        seed.ORG_NAME, db.get_config_basedn())


def _account(db, role, create):
    name = "svc-%s" % role
    dn = "CN=%s,%s,%s" % (name, SERVICE_OU, db.domain_dn())
    found = db.search(str(db.domain_dn()), scope=ldb.SCOPE_SUBTREE,
                      expression="(sAMAccountName=%s)" % name, attrs=["objectSid"])
    if not len(found):
        if not create:
            return dn, None
        db.newuser(name, seed.USER_PASSWORD, userou=SERVICE_OU)
        found = db.search(str(db.domain_dn()), scope=ldb.SCOPE_SUBTREE,
                          expression="(sAMAccountName=%s)" % name, attrs=["objectSid"])
    return str(found[0].dn), str(ndr_unpack(security.dom_sid, found[0]["objectSid"][0]))


def _edit_dacl(db, dn, aces, add):
    """Add the ACEs (before the inherited ones, once each) or remove them."""
    sd = seed.read_sd(db, dn)
    domain_sid = security.dom_sid(str(db.get_domain_sid()))
    wanted = [security.descriptor.from_sddl("D:" + text, domain_sid).dacl.aces[0]
              for text in aces]
    current = list(sd.dacl.aces)
    keys = [ndr_key(ace) for ace in wanted]
    kept = [ace for ace in current if ndr_key(ace) not in keys]
    if add:
        explicit = [a for a in kept if not a.flags & security.SEC_ACE_FLAG_INHERITED_ACE]
        inherited = [a for a in kept if a.flags & security.SEC_ACE_FLAG_INHERITED_ACE]
        kept = explicit + wanted + inherited
    if [ndr_key(a) for a in kept] == [ndr_key(a) for a in current]:
        return
    sd.dacl.aces = kept
    sd.dacl.num_aces = len(kept)
    seed.write_sd(db, dn, sd)


def ndr_key(ace):
    return ndr_pack(ace)


def delegate(db, role, ous, remove=False):
    """Grant (or, with remove, take back) the role's rights on the OUs and the settings; the
    account's DN (created when granting)."""
    account, sid = _account(db, role, create=not remove)
    if sid is None:
        return account
    guids = _schema_guids(db)
    by_target = {"users": list(ous), "settings": [settings_dn(db)]}
    for where in ("users", "settings"):
        aces = [text.replace("{sid}", sid).format(**guids) for target, text in ROLES[role]
                if target == where]
        if not aces:
            continue
        for dn in by_target[where]:
            _edit_dacl(db, dn, aces, add=not remove)
    if remove:
        db.delete(account)
    return account
