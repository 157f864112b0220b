"""Deterministic lab data: the same size gives the same directory, every time.

Written through Samba's own database handle (system session, one transaction), which is how
samba-tool writes and is many times faster than adds over LDAP. What the data means:

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
"""

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
    attrs = {"objectClass": object_class, "sAMAccountName": sam,
             "userPrincipalName": "%s@lab.example.test" % sam}
    attrs.update(extra or {})
    _add(db, dn, attrs)


def _group(db, dn, sam, group_type="-2147483646", members=()):
    attrs = {"objectClass": "group", "sAMAccountName": sam, "groupType": group_type}
    if members:
        attrs["member"] = list(members)
    _add(db, dn, attrs)


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


def add_root_aces(db, sddl_aces):
    sd = read_sd(db, db.domain_dn())
    sid = security.dom_sid(str(db.get_domain_sid()))
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
        res = db.search(db.domain_dn(), scope=ldb.SCOPE_SUBTREE,
                        expression="(memberOf:1.2.840.113556.1.4.1941:=%s)" % group,
                        attrs=["dn"])
        result.update(str(m.dn) for m in res)
    for rid in PROTECTED_PRINCIPAL_RIDS:
        dn = _dn_of_sid(db, "%s-%d" % (domain_sid, rid))
        if dn:
            result.add(dn)
    return sorted(result)


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


def seed(db, size=50, exchange=True):
    base = str(db.domain_dn())
    config = str(db.get_config_basedn())
    domain_sid = str(db.get_domain_sid())
    lab = "OU=Lab,%s" % base
    admins = "OU=Admins,%s" % lab
    service = "OU=Service Accounts,%s" % lab
    exgroups = "OU=Microsoft Exchange Security Groups,%s" % lab
    users_cn = "CN=Users,%s" % base
    domain_admins = "CN=Domain Admins,%s" % users_cn

    # Reseeding starts from a clean slate: what the seed made lives under these two trees.
    for dn in (lab, "CN=Microsoft Exchange,CN=Services,%s" % config):
        if _exists(db, dn):
            db.delete(dn, ["tree_delete:1"])

    db.transaction_start()
    try:
        for dn in (lab, "OU=Staff,%s" % lab, admins, service, exgroups):
            _ou(db, dn)
        for dep in DEPARTMENTS:
            _ou(db, "OU=%s,OU=Staff,%s" % (dep, lab))

        # Directory-wide settings the seed owns: exclude Print Operators from AdminSDHolder.
        _modify(db, "CN=Directory Service,CN=Windows NT,CN=Services,%s" % config,
                "dSHeuristics", [b"0000000001000004"], ldb.FLAG_MOD_REPLACE)

        rule_dns = {}
        if exchange:
            _group(db, "CN=Exchange Servers,%s" % exgroups, "Exchange Servers",
                   group_type="-2147483640")  # universal, security
            _user(db, "CN=EXCH01,%s" % service, "EXCH01")
            exs_dn = "CN=Exchange Servers,%s" % exgroups
            add_member(db, exs_dn, "CN=EXCH01,%s" % service)
            ms_exchange = "CN=Microsoft Exchange,CN=Services,%s" % config
            _add(db, ms_exchange, {"objectClass": "msExchConfigurationContainer",
                                   "otherWellKnownObjects": "B:32:%s:%s" % (EXS_WKGUID, exs_dn)})
            org = "CN=%s,%s" % (ORG_NAME, ms_exchange)
            _add(db, org, {"objectClass": "msExchOrganizationContainer"})
            mobile = "CN=Mobile Mailbox Settings,%s" % org
            _add(db, mobile, {"objectClass": "msExchMobileMailboxSettings",
                              "msExchMobileAccessControl": str(DEFAULT_ACCESS_LEVEL),
                              "msExchMobileAdminRecipients": "mobile-admins@lab.example.test"})
            for name, number, query, level in RULES:
                rdn = "%s (%s)" % (query, name)
                dn = "CN=%s,%s" % (rdn.replace(",", "\\,"), mobile)
                _add(db, dn, {"objectClass": "msExchDeviceAccessRule",
                              "msExchDeviceAccessRuleCharacteristic": str(number),
                              "msExchDeviceAccessRuleQueryString": query,
                              "msExchMobileAccessControl": str(level)})
                rule_dns[(name, query)] = dn

        # Regular users, with their devices.
        lists = {}
        for i in range(1, size + 1):
            dep = DEPARTMENTS[i % len(DEPARTMENTS)]
            sam = "u%05d" % i
            dn = "CN=User %05d,OU=%s,OU=Staff,%s" % (i, dep, lab)
            extra = {"givenName": "User", "sn": "%05d" % i, "displayName": "User %05d" % i}
            if exchange and i % 25 == 11:
                extra["msExchOmaAdminWirelessEnable"] = "4"
            _user(db, dn, sam, "inetOrgPerson" if i % 10 == 5 else "user", extra)
            if not exchange:
                continue
            count = (1 if i % 5 == 1 else 0) + (1 if i % 15 == 1 else 0)
            for k in range(count):
                kind = (i // 5 + k * 3) % len(DEVICE_KINDS)
                state, reason, rule, listed = device_state(kind, i, k, rule_dns)
                did = device_id(i, k)
                add_device(db, dn, did, kind, state, reason, rule)
                if listed:
                    lists.setdefault(dn, {}).setdefault(listed, []).append(did)
        if exchange and size >= 3:
            # An ID on both lists, and an ID stored twice in two cases.
            both = "CN=User 00002,OU=%s,OU=Staff,%s" % (DEPARTMENTS[2 % 3], lab)
            lists.setdefault(both, {})["allowed"] = ["CONFLICT0000000000000000000000AB"]
            lists[both]["blocked"] = ["CONFLICT0000000000000000000000AB"]
            dup = "CN=User 00003,OU=%s,OU=Staff,%s" % (DEPARTMENTS[3 % 3], lab)
            lists.setdefault(dup, {})["allowed"] = ["CASEDUP00000000000000000000000CD",
                                                    "casedup00000000000000000000000cd"]
        for dn, entry in sorted(lists.items()):
            for which, values in entry.items():
                attr = ("msExchMobileAllowedDeviceIDs" if which == "allowed"
                        else "msExchMobileBlockedDeviceIDs")
                _modify(db, dn, attr, [v.encode() for v in values], ldb.FLAG_MOD_ADD)

        # Admins and other accounts around the protected set.
        tier0 = "CN=Tier0 Admins,%s" % admins
        _user(db, "CN=adm-direct,%s" % admins, "adm-direct")
        _user(db, "CN=adm-nested,%s" % admins, "adm-nested")
        _user(db, "CN=adm-unmarked,%s" % admins, "adm-unmarked")
        _user(db, "CN=former-admin,%s" % admins, "former-admin")
        _user(db, "CN=stale-flag,%s" % admins, "stale-flag", extra={"adminCount": "1"})
        _user(db, "CN=svc-backup,%s" % service, "svc-backup")
        _user(db, "CN=ops-print,%s" % service, "ops-print")
        _group(db, tier0, "Tier0 Admins", members=["CN=adm-nested,%s" % admins])
        add_member(db, domain_admins, "CN=adm-direct,%s" % admins)
        add_member(db, domain_admins, tier0)
        add_member(db, domain_admins, "CN=former-admin,%s" % admins)
        add_member(db, _dn_of_sid(db, "S-1-5-32-551"), "CN=svc-backup,%s" % service)
        add_member(db, _dn_of_sid(db, "S-1-5-32-550"), "CN=ops-print,%s" % service)

        if exchange:
            exs_sid = str(ndr_unpack(security.dom_sid, db.search(
                "CN=Exchange Servers,%s" % exgroups, scope=ldb.SCOPE_BASE,
                attrs=["objectSid"])[0]["objectSid"][0]))
            # Exchange /PrepareDomain's ACEs for ActiveSync, as on a real domain root.
            add_root_aces(db, [
                "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES_CLASS_GUID, USER_GUID, exs_sid),
                "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES_CLASS_GUID, INETORGPERSON_GUID, exs_sid),
                "(OA;CI;CCDCLCRPWPLO;%s;;%s)" % (DEVICE_CLASS_GUID, exs_sid),
                "(OA;CINPIO;RPWPLOSD;;%s;%s)" % (DEVICE_CLASS_GUID, exs_sid),
            ])
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise

    if exchange:
        db.setpassword("(sAMAccountName=EXCH01)", USER_PASSWORD)
        db.enable_account("(sAMAccountName=EXCH01)")

    # After the ACEs are in place: break inheritance on some users, then run SDProp, then change
    # memberships so SDProp's marks are out of date, as they are in real directories.
    for i in range(7, size + 1, 20):
        dn = "CN=User %05d,OU=%s,OU=Staff,%s" % (i, DEPARTMENTS[i % 3], lab)
        disable_inheritance(db, dn, "remove" if (i // 20) % 2 == 0 else "preserve")
    sdprop(db)
    add_member(db, domain_admins, "CN=adm-unmarked,%s" % admins)
    remove_member(db, domain_admins, "CN=former-admin,%s" % admins)
    return domain_sid


def add_device(db, user_dn, did, kind, state, reason, rule_dn):
    dtype, model, osname, agent = DEVICE_KINDS[kind]
    container = "CN=ExchangeActiveSyncDevices,%s" % user_dn
    if not _exists(db, container):
        _add(db, container, {"objectClass": "msExchActiveSyncDevices"})
    attrs = {"objectClass": "msExchActiveSyncDevice", "msExchDeviceID": did,
             "msExchDeviceType": dtype, "msExchDeviceAccessState": str(state),
             "msExchDeviceAccessStateReason": str(reason)}
    if model:
        attrs.update({"msExchDeviceModel": model, "msExchDeviceOS": osname,
                      "msExchDeviceUserAgent": agent,
                      "msExchDeviceFriendlyName": "%s of %s" % (model, user_dn.split(",")[0][3:])})
    if rule_dn:
        attrs["msExchDeviceAccessControlRuleLink"] = rule_dn
    _add(db, "CN=%s\u00a7%s,%s" % (dtype, did, container), attrs)


def _exists(db, dn):
    try:
        return len(db.search(dn, scope=ldb.SCOPE_BASE, attrs=["dn"])) == 1
    except ldb.LdbError:
        return False
