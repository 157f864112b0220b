"""Deterministic lab data: the same size gives the same directory, every time.

One generator (operations()) and two writers: online through Samba's own database handle on the
running DC (system session, one transaction: `lab.py seed`, the tests' reseed), and offline as one
LDIF for `ldbadd -o batch_mode:1` into the stopped DC (big labs: 100,000 users in minutes; the
handle is superlinear at that size). The finishing steps (passwords, ACEs, broken inheritance, the
SDProp stand-in) run through the handle in both cases. What the data means:

- OU=Lab with OU=Staff (Sales, Engineering, Support), OU=Admins, OU=Service Accounts and
  OU=Microsoft Exchange Security Groups.
- Users u00001..uNNNNN; every tenth one (i % 10 == 5) is an inetOrgPerson.
- Inheritance disabled on 1 in 20 users (i % 20 == 7): alternately with the inherited ACEs removed
  (what AdminSDHolder or a migration leaves: EAS breaks) and converted to explicit (still works).
- EAS disabled (msExchOmaAdminWirelessEnable=4) on i % 25 == 11.
- Device partnerships on 20 % of users (i % 5 == 1), a second one on i % 15 == 1.
- Protected accounts: adm-direct (Domain Admins), adm-nested (Tier0 Admins, itself in Domain
  Admins), svc-backup (Backup Operators), marked by the SDProp stand-in; adm-unmarked joined Domain
  Admins after SDProp ran; former-admin left Domain Admins after (orphan with a protected DACL);
  stale-flag has adminCount=1 and nothing else (orphan, inheritance on); ops-print is in Print
  Operators, which dSHeuristics excludes, so it is not protected at all.
- Exchange: the Exchange Servers group with EXCH01 (a user standing in for the server's machine
  account, so the EAS stand-in can bind), PrepareDomain's ACEs on the domain root, CN=Microsoft
  Exchange with otherWellKnownObjects, the Lab Org, its Mobile Mailbox Settings (default access
  Quarantine) and four device access rules.
- Mobile device mailbox policies under CN=Mobile Mailbox Policies: Default (the default, meets
  the CIS Exchange 2019 Level 1 mobile items) and Legacy Devices (no password, non-provisionable
  devices allowed: misses the baseline), linked from users i % 20 == 3; the others get the
  default.
"""

import base64
import hashlib

import ldb
from samba.dcerpc import security
from samba.ndr import ndr_pack, ndr_unpack

EXS_WKGUID = "A7D2016C83F003458132789EEB127B84"
USER_GUID = "bf967aba-0de6-11d0-a285-00aa003049e2"
INETORGPERSON_GUID = "4828cc14-1437-45bc-9b07-ad6f015e5f28"
DEVICES_CLASS_GUID = "c975c901-6cea-4b6f-8319-d67f45449506"
DEVICE_CLASS_GUID = "e8b2aff2-59a7-4eac-9a70-819adef701dd"
ORG_NAME = "Lab Org"
USER_PASSWORD = "Lab-User-Passw0rd!"  # lab only; the lab listens on loopback
DEPARTMENTS = ["Sales", "Engineering", "Support"]

# (characteristic name, number, query string, access level number): Allow 0, Block 1, Quarantine 2
RULES = [
    ("DeviceModel", 1, "iPhone15,2", 0),
    ("DeviceModel", 1, "SM-S918B", 0),
    ("DeviceType", 0, "Outlook", 0),
    ("DeviceOS", 2, "Android 9", 1),
]
DEFAULT_ACCESS_LEVEL = 2  # Quarantine

# Mobile device mailbox policies (docs/reference/mobile-mailbox-policies.md): msExchMobileFlags
# bits PasswordEnabled 0x2, AlphanumericPasswordRequired 0x4, AttachmentsEnabled 0x40, IsDefault
# 0x1000, AllowNonProvisionableDevices 0x20000, AllowSimplePassword 0x40000, WSS 0x100000, UNC
# 0x200000; msExchMobileAdditionalFlags 7314395 is Exchange's default word, 0x4 is
# RequireDeviceEncryption; time spans in seconds.
MOBILE_POLICIES = [
    ("Default", {"msExchMobileFlags": str(0x2 | 0x4 | 0x40 | 0x1000 | 0x100000 | 0x200000),
                 "msExchMobileAdditionalFlags": str(7314395 | 0x4),
                 "msExchMobileMinDevicePasswordLength": "6",
                 "msExchMobileMaxDevicePasswordFailedAttempts": "10",
                 "msExchMobileDevicePasswordExpiration": str(90 * 86400),
                 "msExchMobileDeviceNumberOfPreviousPasswordsDisallowed": "5",
                 "msExchMobileMaxInactivityTimeDeviceLock": str(15 * 60),
                 "msExchMobileDevicePolicyRefreshInterval": str(3600),
                 "msExchMobileMinDevicePasswordComplexCharacters": "3"}),
    ("Legacy Devices", {"msExchMobileFlags": str(0x40 | 0x20000 | 0x40000 | 0x100000
                                                 | 0x200000),
                        "msExchMobileMinDevicePasswordLength": "4",
                        "msExchMobileDevicePolicyRefreshInterval": str(86400)}),
]
LEGACY_POLICY = "Legacy Devices"


def legacy_policy_user(i):
    """The users linked to the Legacy Devices policy; the others get the default policy."""
    return i % 20 == 3


# (type, model, os, user agent); an empty model is a device still in discovery.
DEVICE_KINDS = [
    ("iPhone", "iPhone15,2", "iOS 17.1 21B74", "Apple-iPhone15C2/2101.74"),
    ("Android", "SM-S918B", "Android 14", "Android-SAMSUNG-SM-S918B/101.140000"),
    ("Android", "Pixel 8", "Android 14", "Android-Google-Pixel8/1.0"),
    ("iPad", "iPad13,4", "iOS 16.6 20G75", "Apple-iPad13C4/2006.75"),
    ("Outlook", "Outlook for iOS and Android", "iOS 17.1", "Outlook-iOS-Android/1.0"),
    ("Android", "Moto G7", "Android 9", "Android-Moto-G7/9.0"),
    ("iPhone", "", "", ""),
]

PROTECTED_RIDS_BUILTIN = {"S-1-5-32-544": 0, "S-1-5-32-548": 0x1, "S-1-5-32-549": 0x2,
                          "S-1-5-32-550": 0x4, "S-1-5-32-551": 0x8, "S-1-5-32-552": 0}
PROTECTED_DOMAIN_GROUP_RIDS = [512, 518, 519]
PROTECTED_PRINCIPAL_RIDS = [500, 502, 516, 521]


def _add(db, dn, attrs):
    msg = {"dn": dn}
    msg.update(attrs)
    db.add(msg)


def _ou(db, dn):
    _add(db, dn, {"objectClass": "organizationalUnit"})


def _user(db, dn, sam, object_class="user", extra=None):
    _add(db, dn, _user_attrs(object_class, sam, extra))


def _group(db, dn, sam, group_type="-2147483646", members=()):
    _add(db, dn, _group_attrs(sam, group_type, members))


def _modify(db, dn, attr, values, flag):
    msg = ldb.Message()
    msg.dn = ldb.Dn(db, dn)
    msg[attr] = ldb.MessageElement(values, flag, attr)
    db.modify(msg)


def add_member(db, group_dn, member_dn):
    _modify(db, group_dn, "member", [member_dn], ldb.FLAG_MOD_ADD)


def remove_member(db, group_dn, member_dn):
    _modify(db, group_dn, "member", [member_dn], ldb.FLAG_MOD_DELETE)


def read_sd(db, dn):
    res = db.search(dn, scope=ldb.SCOPE_BASE, attrs=["nTSecurityDescriptor"],
                    controls=["sd_flags:1:4"])
    return ndr_unpack(security.descriptor, res[0]["nTSecurityDescriptor"][0])


def write_sd(db, dn, sd):
    """Write the DACL part only (SD flags 0x4), as the collection does."""
    msg = ldb.Message()
    msg.dn = ldb.Dn(db, str(dn))
    msg["nTSecurityDescriptor"] = ldb.MessageElement([ndr_pack(sd)], ldb.FLAG_MOD_REPLACE,
                                                     "nTSecurityDescriptor")
    db.modify(msg, controls=["sd_flags:1:4"])


def _replace_dacl(db, dn, aces):
    sd = read_sd(db, dn)
    acl = security.acl()
    acl.revision = sd.dacl.revision
    acl.aces = aces
    acl.num_aces = len(aces)
    sd.dacl = acl
    sd.type |= security.SEC_DESC_DACL_PROTECTED
    write_sd(db, dn, sd)


def disable_inheritance(db, dn, mode):
    """mode 'remove' drops the inherited ACEs, 'preserve' turns them into explicit ones."""
    aces = []
    for ace in read_sd(db, dn).dacl.aces:
        if ace.flags & security.SEC_ACE_FLAG_INHERITED_ACE:
            if mode == "remove":
                continue
            ace.flags &= ~security.SEC_ACE_FLAG_INHERITED_ACE
        aces.append(ace)
    _replace_dacl(db, dn, aces)


def add_root_aces(db, sddl_aces, replaces=None):
    """Add the ACEs to the domain root's DACL, after taking away those replaces(ace) names."""
    sd = read_sd(db, db.domain_dn())
    sid = security.dom_sid(str(db.get_domain_sid()))
    if replaces is not None:
        kept = [ace for ace in sd.dacl.aces if not replaces(ace)]
        acl = security.acl()  # a new ACL, as _replace_dacl makes (in place crashes pidl)
        acl.revision = sd.dacl.revision
        acl.aces = kept
        acl.num_aces = len(kept)
        sd.dacl = acl
    present = sd.as_sddl(sid)
    for text in sddl_aces:
        if text in present:
            continue
        ace = security.descriptor.from_sddl("D:" + text, sid).dacl.aces[0]
        sd.dacl.aces = list(sd.dacl.aces) + [ace]
        sd.dacl.num_aces += 1
    write_sd(db, db.domain_dn(), sd)


def _dn_of_sid(db, sid):
    res = db.search(db.domain_dn(), scope=ldb.SCOPE_SUBTREE, expression="(objectSid=%s)" % sid,
                    attrs=["dn"])
    return str(res[0].dn) if len(res) else None


def _excluded_mask(db):
    dn = "CN=Directory Service,CN=Windows NT,CN=Services,%s" % db.get_config_basedn()
    res = db.search(dn, scope=ldb.SCOPE_BASE, attrs=["dSHeuristics"])
    value = str(res[0]["dSHeuristics"][0]) if "dSHeuristics" in res[0] else ""
    return int(value[15], 16) if len(value) >= 16 else 0


def protected_set(db):
    """DNs SDProp would protect (MS-ADTS 3.1.1.6.1.2), computed with Samba's own search."""
    domain_sid = str(db.get_domain_sid())
    mask = _excluded_mask(db)
    roots = [sid for sid, bit in PROTECTED_RIDS_BUILTIN.items() if not bit & mask]
    roots += ["%s-%d" % (domain_sid, rid) for rid in PROTECTED_DOMAIN_GROUP_RIDS]
    result = set()
    for sid in roots:
        group = _dn_of_sid(db, sid)
        if not group:
            continue
        result.add(group)
        result.update(_members(db, group))
    for rid in PROTECTED_PRINCIPAL_RIDS:
        dn = _dn_of_sid(db, "%s-%d" % (domain_sid, rid))
        if dn:
            result.add(dn)
    return sorted(result)


def _members(db, group):
    """Transitive members, following `member` (what an in-chain memberOf search returns; Samba
    answers those by scanning every object, which is slow on big labs)."""
    found, todo = set(), [group]
    while todo:
        res = db.search(todo.pop(), scope=ldb.SCOPE_BASE, attrs=["member"])
        for value in res[0].get("member", []) if len(res) else []:
            dn = str(value)
            if dn not in found:
                found.add(dn)
                todo.append(dn)
    return found


def sdprop(db):
    """The SDProp stand-in: adminCount=1 and AdminSDHolder's (protected) DACL on the set."""
    holder = "CN=AdminSDHolder,CN=System,%s" % db.domain_dn()
    template = list(read_sd(db, holder).dacl.aces)
    done = []
    for dn in protected_set(db):
        for ace in template:
            ace.flags &= ~security.SEC_ACE_FLAG_INHERITED_ACE
        _replace_dacl(db, dn, template)
        _modify(db, dn, "adminCount", [b"1"], ldb.FLAG_MOD_REPLACE)
        done.append(dn)
    return done


def device_id(i, k):
    return hashlib.sha256(("device-%d-%d" % (i, k)).encode()).hexdigest()[:32].upper()


def device_state(kind_index, i, k, rule_dns):
    """(state, reason, rule DN or None, list name or None) as Exchange would have cached it."""
    dtype, model, osname, _ua = DEVICE_KINDS[kind_index]
    if not model:
        return 4, 3, None, None  # DeviceDiscovery, DeviceRule
    if (i + k) % 7 == 3:
        return 1, 2, None, "allowed"  # personal exemption: Allowed, Individual
    if (i + k) % 11 == 5:
        return 2, 2, None, "blocked"  # Blocked, Individual
    for name, number, query, level in RULES:
        value = {0: dtype, 1: model, 2: osname}[number]
        if value.lower() == query.lower():
            return {0: 1, 1: 2, 2: 3}[level], 3, rule_dns[(name, query)], None
    return {0: 1, 1: 2, 2: 3}[DEFAULT_ACCESS_LEVEL], 1, None, None


def operations(base, config, size=50, exchange=True):
    """The seed as a stream of operations, the same for both writers (online through Samba's
    handle, offline as LDIF for ldbadd): ("add", dn, attrs) for new objects and
    ("modify", dn, attr, values, "add" | "replace") for objects provisioning made. Objects that
    refer to others (group members, rule links) come after them."""
    lab = "OU=Lab,%s" % base
    admins = "OU=Admins,%s" % lab
    service = "OU=Service Accounts,%s" % lab
    exgroups = "OU=Microsoft Exchange Security Groups,%s" % lab
    domain_admins = "CN=Domain Admins,CN=Users,%s" % base
    builtin = "CN=Builtin,%s" % base

    for dn in (lab, "OU=Staff,%s" % lab, admins, service, exgroups):
        yield "add", dn, {"objectClass": "organizationalUnit"}
    for dep in DEPARTMENTS:
        yield "add", "OU=%s,OU=Staff,%s" % (dep, lab), {"objectClass": "organizationalUnit"}

    # Directory-wide settings the seed owns: exclude Print Operators from AdminSDHolder.
    yield ("modify", "CN=Directory Service,CN=Windows NT,CN=Services,%s" % config,
           "dSHeuristics", ["0000000001000004"], "replace")

    rule_dns = {}
    if exchange:
        yield "add", "CN=EXCH01,%s" % service, _user_attrs("user", "EXCH01")
        exs_dn = "CN=Exchange Servers,%s" % exgroups
        yield "add", exs_dn, _group_attrs("Exchange Servers", "-2147483640",  # universal
                                          ["CN=EXCH01,%s" % service])
        ms_exchange = "CN=Microsoft Exchange,CN=Services,%s" % config
        yield "add", ms_exchange, {"objectClass": "msExchConfigurationContainer",
                                   "otherWellKnownObjects": "B:32:%s:%s" % (EXS_WKGUID, exs_dn)}
        org = "CN=%s,%s" % (ORG_NAME, ms_exchange)
        yield "add", org, {"objectClass": "msExchOrganizationContainer"}
        mobile = "CN=Mobile Mailbox Settings,%s" % org
        yield "add", mobile, {"objectClass": "msExchMobileMailboxSettings",
                              "msExchMobileAccessControl": str(DEFAULT_ACCESS_LEVEL),
                              "msExchMobileAdminRecipients": "mobile-admins@lab.example.test"}
        for name, number, query, level in RULES:
            rdn = "%s (%s)" % (query, name)
            dn = "CN=%s,%s" % (rdn.replace(",", "\\,"), mobile)
            yield "add", dn, {"objectClass": "msExchDeviceAccessRule",
                              "msExchDeviceAccessRuleCharacteristic": str(number),
                              "msExchDeviceAccessRuleQueryString": query,
                              "msExchMobileAccessControl": str(level)}
            rule_dns[(name, query)] = dn
        policies = "CN=Mobile Mailbox Policies,%s" % org
        yield "add", policies, {"objectClass": "container"}
        for name, attrs in MOBILE_POLICIES:
            yield "add", "CN=%s,%s" % (name, policies), dict(
                attrs, objectClass="msExchMobileMailboxPolicy")
        legacy_dn = "CN=%s,%s" % (LEGACY_POLICY, policies)
        # Before the users, so they inherit these ACEs when they are created instead of the DC
        # propagating a changed root descriptor to every object afterwards.
        yield ("root_aces",)

    # Regular users, with their devices and the list entries their devices' states imply.
    special = {}
    if exchange and size >= 3:
        # An ID on both lists, and an ID stored twice in two cases.
        special[user_dn(base, 2)] = {
            "allowed": ["CONFLICT0000000000000000000000AB"],
            "blocked": ["CONFLICT0000000000000000000000AB"]}
        special[user_dn(base, 3)] = {
            "allowed": ["CASEDUP00000000000000000000000CD", "casedup00000000000000000000000cd"]}
    for i in range(1, size + 1):
        sam = "u%05d" % i
        dn = user_dn(base, i)
        extra = {"givenName": "User", "sn": "%05d" % i, "displayName": "User %05d" % i}
        if exchange and i % 25 == 11:
            extra["msExchOmaAdminWirelessEnable"] = "4"
        if exchange and legacy_policy_user(i):
            extra["msExchMobileMailboxPolicyLink"] = legacy_dn
        devices = []
        lists = {}
        if exchange:
            count = (1 if i % 5 == 1 else 0) + (1 if i % 15 == 1 else 0)
            for k in range(count):
                kind = (i // 5 + k * 3) % len(DEVICE_KINDS)
                state, reason, rule, listed = device_state(kind, i, k, rule_dns)
                did = device_id(i, k)
                devices.append(device_attrs(did, kind, state, reason, rule, dn))
                if listed:
                    lists.setdefault(listed, []).append(did)
        lists.update(special.get(dn, {}))
        for which, values in sorted(lists.items()):
            extra[LIST_ATTRIBUTES[which]] = values
        yield "add", dn, _user_attrs("inetOrgPerson" if i % 10 == 5 else "user", sam, extra)
        if devices:
            container = "CN=ExchangeActiveSyncDevices,%s" % dn
            yield "add", container, {"objectClass": "msExchActiveSyncDevices"}
            for rdn, attrs in devices:
                yield "add", "%s,%s" % (rdn, container), attrs

    # Admins and other accounts around the protected set.
    tier0 = "CN=Tier0 Admins,%s" % admins
    for cn in ("adm-direct", "adm-nested", "adm-unmarked", "former-admin"):
        yield "add", "CN=%s,%s" % (cn, admins), _user_attrs("user", cn)
    yield "add", "CN=stale-flag,%s" % admins, _user_attrs("user", "stale-flag",
                                                          {"adminCount": "1"})
    for cn in ("svc-backup", "ops-print"):
        yield "add", "CN=%s,%s" % (cn, service), _user_attrs("user", cn)
    yield "add", tier0, _group_attrs("Tier0 Admins", "-2147483646",
                                     ["CN=adm-nested,%s" % admins])
    for member in ("CN=adm-direct,%s" % admins, tier0, "CN=former-admin,%s" % admins):
        yield "modify", domain_admins, "member", [member], "add"
    yield ("modify", "CN=Backup Operators,%s" % builtin, "member",
           ["CN=svc-backup,%s" % service], "add")
    yield ("modify", "CN=Print Operators,%s" % builtin, "member",
           ["CN=ops-print,%s" % service], "add")


LIST_ATTRIBUTES = {"allowed": "msExchMobileAllowedDeviceIDs",
                   "blocked": "msExchMobileBlockedDeviceIDs"}


def user_dn(base, i):
    return "CN=User %05d,OU=%s,OU=Staff,OU=Lab,%s" % (i, DEPARTMENTS[i % len(DEPARTMENTS)], base)


def _user_attrs(object_class, sam, extra=None):
    attrs = {"objectClass": object_class, "sAMAccountName": sam,
             "userPrincipalName": "%s@lab.example.test" % sam}
    attrs.update(extra or {})
    return attrs


def _group_attrs(sam, group_type, members=()):
    attrs = {"objectClass": "group", "sAMAccountName": sam, "groupType": group_type}
    if members:
        attrs["member"] = list(members)
    return attrs


def device_attrs(did, kind, state, reason, rule_dn, user):
    """(RDN, attributes) of a device partnership as Exchange writes it."""
    dtype, model, osname, agent = DEVICE_KINDS[kind]
    attrs = {"objectClass": "msExchActiveSyncDevice", "msExchDeviceID": did,
             "msExchDeviceType": dtype, "msExchDeviceAccessState": str(state),
             "msExchDeviceAccessStateReason": str(reason)}
    if model:
        attrs.update({"msExchDeviceModel": model, "msExchDeviceOS": osname,
                      "msExchDeviceUserAgent": agent,
                      "msExchDeviceFriendlyName": "%s of %s" % (model, user.split(",")[0][3:])})
    if rule_dn:
        attrs["msExchDeviceAccessControlRuleLink"] = rule_dn
    return "CN=%s\u00a7%s" % (dtype, did), attrs


def _apply(db, op):
    if op[0] == "add":
        _add(db, op[1], op[2])
    elif op[0] == "root_aces":
        add_exchange_root_aces(db)
    else:
        dn, attr, values, how = op[1:]
        _modify(db, dn, attr, [v.encode() for v in values],
                ldb.FLAG_MOD_ADD if how == "add" else ldb.FLAG_MOD_REPLACE)


def seed(db, size=50, exchange=True):
    """Online: through Samba's handle on the running DC, in one transaction."""
    base = str(db.domain_dn())
    config = str(db.get_config_basedn())
    # Reseeding starts from a clean slate: what the seed made lives under these two trees.
    for dn in ("OU=Lab,%s" % base, "CN=Microsoft Exchange,CN=Services,%s" % config):
        if _exists(db, dn):
            db.delete(dn, ["tree_delete:1"])
    db.transaction_start()
    try:
        for op in operations(base, config, size, exchange):
            _apply(db, op)
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise
    return finish(db, size, exchange)


LDIF_RECORDS_PER_FILE = 10000


def write_ldif(path_of, base, config, size=50, exchange=True, per_file=LDIF_RECORDS_PER_FILE):
    """Offline: the seed as steps for the stopped DC, in order: ("ldif", path) files of adds for
    `ldbadd -o batch_mode:1` (many times faster than adds through a handle or LDAP) and
    ("ops", [operation]) for apply_offline() through Samba's handle. path_of(n) names the n-th
    LDIF file. A file holds at most per_file records: each is one ldbadd, one transaction, and
    one transaction of 150,000 adds never committed (ldbadd is superlinear in its size)."""
    steps = []
    fh = None
    records = 0
    for op in operations(base, config, size, exchange):
        if op[0] == "add":
            if fh is not None and records >= per_file:
                fh.close()
                fh = None
            if fh is None:
                path = path_of(len(steps))
                fh = open(path, "w", encoding="utf-8")
                steps.append(("ldif", path))
                records = 0
            fh.write(ldif_record(op[1], op[2]))
            records += 1
            continue
        if fh is not None:
            fh.close()
            fh = None
        if not steps or steps[-1][0] != "ops":
            steps.append(("ops", []))
        steps[-1][1].append(op)
    if fh is not None:
        fh.close()
    return steps


def ldif_record(dn, attrs):
    lines = [_ldif_line("dn", dn)]
    for name, value in attrs.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(_ldif_line(name, item))
    return "\n".join(lines) + "\n\n"


def _ldif_line(name, value):
    """RFC 2849: base64 unless the value is safe ASCII."""
    if (not value or value[0] in " :<" or value[-1] == " "
            or any(ord(ch) < 32 or ord(ch) > 126 for ch in value)):
        return "%s:: %s" % (name, base64.b64encode(value.encode("utf-8")).decode("ascii"))
    return "%s: %s" % (name, value)


def apply_offline(db, ops):
    """Offline: one ("ops", ...) step of write_ldif(), in one transaction."""
    db.transaction_start()
    try:
        for op in ops:
            _apply(db, op)
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise


def add_exchange_root_aces(db):
    """Exchange /PrepareDomain's ACEs for ActiveSync, as on a real domain root."""
    exgroups = "OU=Microsoft Exchange Security Groups,OU=Lab,%s" % db.domain_dn()
    exs_sid = str(ndr_unpack(security.dom_sid, db.search(
        "CN=Exchange Servers,%s" % exgroups, scope=ldb.SCOPE_BASE,
        attrs=["objectSid"])[0]["objectSid"][0]))
    # A reseed deleted the previous Exchange Servers group with OU=Lab: its ACEs (a SID nothing
    # has) are replaced, not kept, or every reseed would add 4 more that every object inherits.
    add_root_aces(db, [
        "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES_CLASS_GUID, USER_GUID, exs_sid),
        "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES_CLASS_GUID, INETORGPERSON_GUID, exs_sid),
        "(OA;CI;CCDCLCRPWPLO;%s;;%s)" % (DEVICE_CLASS_GUID, exs_sid),
        "(OA;CINPIO;RPWPLOSD;;%s;%s)" % (DEVICE_CLASS_GUID, exs_sid),
    ], replaces=_for_device_classes)


def _for_device_classes(ace):
    """An object ACE for the device classes: only the seed puts those on the domain root."""
    if ace.type != security.SEC_ACE_TYPE_ACCESS_ALLOWED_OBJECT:
        return False
    guids = (DEVICES_CLASS_GUID, DEVICE_CLASS_GUID)
    return bool((ace.object.flags & security.SEC_ACE_OBJECT_TYPE_PRESENT
                 and str(ace.object.type) in guids)
                or (ace.object.flags & security.SEC_ACE_INHERITED_OBJECT_TYPE_PRESENT
                    and str(ace.object.inherited_type) in guids))


def finish(db, size, exchange):
    """What needs the objects in place (both writers): passwords, broken inheritance, the
    SDProp stand-in and the memberships that changed after it."""
    base = str(db.domain_dn())
    domain_sid = str(db.get_domain_sid())
    admins = "OU=Admins,OU=Lab,%s" % base
    domain_admins = "CN=Domain Admins,CN=Users,%s" % base
    if exchange:
        db.setpassword("(sAMAccountName=EXCH01)", USER_PASSWORD)
        db.enable_account("(sAMAccountName=EXCH01)")

    # After the ACEs are in place: break inheritance on some users, then run SDProp, then change
    # memberships so SDProp's marks are out of date, as they are in real directories.
    db.transaction_start()
    try:
        for i in range(7, size + 1, 20):
            disable_inheritance(db, user_dn(base, i), "remove" if (i // 20) % 2 == 0
                                else "preserve")
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise
    sdprop(db)
    add_member(db, domain_admins, "CN=adm-unmarked,%s" % admins)
    remove_member(db, domain_admins, "CN=former-admin,%s" % admins)
    return domain_sid


def _exists(db, dn):
    try:
        return len(db.search(dn, scope=ldb.SCOPE_BASE, attrs=["dn"])) == 1
    except ldb.LdbError:
        return False
