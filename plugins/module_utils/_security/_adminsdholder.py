# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AdminSDHolder audited: its owner, whether its DACL is protected, the ACEs that differ from
Windows' default DACL, Exchange's ACEs and the risky ones, each finding with the public rule it
corresponds to and what it enables. SDProp copies AdminSDHolder's DACL onto every protected
account and group at least every 60 minutes (MS-ADTS 3.1.1.6.1.3): a right granted here is a
right on Domain Admins and its members within the hour. Private.

API:

  audit(client, read=...) -> dict        what protected_accounts_info returns as `adminsdholder`
  template_for(domain_functionality) -> (name, SDDL of the DACL)
  compare(aces, template_aces) -> (not in the template, missing from it)
  risky_rights(ace, on) -> [(right, what)] the rights of an allow ACE that make it risky
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any, Iterable, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, SecurityDescriptorError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    escape_filter_bytes, escape_filter_value, read_objects_by, read_objects_matching)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    map_generic)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    GENERIC_ALL, GENERIC_WRITE, INHERITED_ACE, Ace, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import (
    Sddl, rights_text)

HOLDER_RDN = "CN=AdminSDHolder,CN=System"
SD_FLAGS_OWNER_DACL = 0x1 | 0x4  # OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION

# -- Windows' default DACL of AdminSDHolder ------------------------------------------------------
# Source: PingCastle (vletoux/pingcastle @ 31d268da0f465b18f607747f31406ad18990f868),
# Healthcheck/HealthcheckAnalyzer.cs `sddlReference` ("SDDL reference from MSDN", the DACL it
# compares AdminSDHolder with) and the per-schema-version SDDL it kept in Healthcheck/Healthcheck.cs
# (AdminSDHolderSDDL13, -30, -44: Windows 2000, 2003, 2008 schemas). Microsoft's "Appendix K:
# Default Settings in the Master Security Descriptor of the AdminSDHolder Object" (Windows Server
# 2003 documentation, learn.microsoft.com cc772684) lists the same ACEs for Windows 2000 and 2003
# in prose. That Windows Server 2012 and later keep the 2008 DACL is PingCastle's reading (one
# reference for every later version); Microsoft publishes no newer listing.
# DA/EA/CA: Domain Admins, Enterprise Admins (forest root), Cert Publishers; RU: Pre-Windows 2000
# Compatible Access; PS: SELF; S-1-5-32-560: Windows Authorization Access Group; S-1-5-32-561:
# Terminal Server License Servers.
TEMPLATE_SOURCE = ("PingCastle's reference DACL of AdminSDHolder (vletoux/pingcastle 31d268da, "
                   "Healthcheck/HealthcheckAnalyzer.cs sddlReference; per schema version in "
                   "Healthcheck/Healthcheck.cs), as Microsoft's Appendix K lists it for Windows "
                   "2000 and 2003")
_USER = "bf967aba-0de6-11d0-a285-00aa003049e2"
_INETORGPERSON = "4828cc14-1437-45bc-9b07-ad6f015e5f28"
_READ_SETS = ("037088f8-0ae1-11d2-b422-00a0c968f939", "59ba2f42-79a2-11d0-9020-00c04fc2d3cf",
              "bc0ac240-79a9-11d0-9020-00c04fc2d4cf", "4c164200-20c0-11d0-a768-00aa006e0529",
              "5f202010-79a5-11d0-9020-00c04fc2d4cf")
_ADMINS_2000 = ("(A;;LCRPLORC;;;AU)(A;;CCDCLCSWRPWPLOCRSDRCWDWO;;;BA)"
                "(A;;CCDCLCSWRPWPLOCRRCWDWO;;;EA)(A;;CCDCLCSWRPWPLOCRRCWDWO;;;DA)"
                "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)")


def _reads(cls: str) -> str:
    return "".join("(OA;;RP;%s;%s;RU)" % (guid, cls) for guid in _READ_SETS) + \
        "(OA;;LCRPLORC;;%s;RU)" % cls


TEMPLATES = {
    "windows2000": _ADMINS_2000 + _reads(_USER) + "(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;WD)",
    "windows2003": _ADMINS_2000 + _reads(_USER) + _reads(_INETORGPERSON) + (
        "(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;WD)"
        "(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;PS)"
        "(OA;;RPWP;bf967a7f-0de6-11d0-a285-00aa003049e2;;CA)"
        "(OA;;RP;46a9b11d-60ae-405a-b7e8-ff8a58d456d2;;S-1-5-32-560)"
        "(OA;;RPWP;6db69a1c-9422-11d1-aebd-0000f80367c1;;S-1-5-32-561)"),
}
TEMPLATES["windows2008"] = TEMPLATES["windows2003"] + (
    "(OA;;RPWP;5805bc62-bdc9-4428-a5e2-856a0f4c185e;;S-1-5-32-561)"
    "(OA;CI;RPWPCR;91e647de-d96f-4b70-9557-d63ff4f3ccd8;;PS)")
# The default owner (O:DA in the same SDDL), and whether the default DACL is protected (D:PAI).
DEFAULT_OWNER_RID = 512


def template_for(domain_functionality: int | None) -> tuple[str, str]:
    """(template name, the DACL's ACEs in SDDL) for the domain functional level (RootDSE
    domainFunctionality: 0 Windows 2000, 1-2 Windows Server 2003, 3 and up 2008 and later);
    2008's when the level is not known."""
    if domain_functionality == 0:
        name = "windows2000"
    elif domain_functionality in (1, 2):
        name = "windows2003"
    else:
        name = "windows2008"
    return name, TEMPLATES[name]


# -- names ---------------------------------------------------------------------------------------

WELL_KNOWN = {
    "S-1-1-0": "Everyone", "S-1-3-0": "CREATOR OWNER", "S-1-3-1": "CREATOR GROUP",
    "S-1-5-9": "Enterprise Domain Controllers", "S-1-5-10": "SELF",
    "S-1-5-11": "Authenticated Users", "S-1-5-18": "SYSTEM", "S-1-5-19": "LOCAL SERVICE",
    "S-1-5-20": "NETWORK SERVICE", "S-1-5-32-544": "Administrators",
    "S-1-5-32-548": "Account Operators", "S-1-5-32-549": "Server Operators",
    "S-1-5-32-550": "Print Operators", "S-1-5-32-551": "Backup Operators",
    "S-1-5-32-552": "Replicator", "S-1-5-32-554": "Pre-Windows 2000 Compatible Access",
    "S-1-5-32-560": "Windows Authorization Access Group",
    "S-1-5-32-561": "Terminal Server License Servers",
}
DOMAIN_RID_NAMES = {500: "Administrator", 512: "Domain Admins", 513: "Domain Users",
                    515: "Domain Computers", 516: "Domain Controllers", 517: "Cert Publishers"}
ROOT_RID_NAMES = {518: "Schema Admins", 519: "Enterprise Admins"}
# Object types the findings name without asking the schema (schemaIDGUIDs of MS-ADSC/MS-ADA*,
# property sets and extended rights of MS-ADTS 5.1.3.2.1, Exchange's of the facts file).
OBJECT_TYPE_NAMES = {
    "bf9679c0-0de6-11d0-a285-00aa003049e2": "member",
    "9a9a021e-4a5b-11d1-a9c3-0000f80367c1": "groupType",
    "77b5b886-944a-11d1-aebd-0000f80367c1": "Personal-Information",
    "e48d0154-bcf8-11d1-8702-00c04fb96050": "Public-Information",
    "4c164200-20c0-11d0-a768-00aa006e0529": "User-Account-Restrictions",
    "5f202010-79a5-11d0-9020-00c04fc2d4cf": "User-Logon",
    "bc0ac240-79a9-11d0-9020-00c04fc2d4cf": "Membership",
    "59ba2f42-79a2-11d0-9020-00c04fc2d3cf": "General-Information",
    "037088f8-0ae1-11d2-b422-00a0c968f939": "RAS-Information",
    "91e647de-d96f-4b70-9557-d63ff4f3ccd8": "Private-Information",
    "ab721a53-1e2f-11d0-9819-00aa0040529b": "User-Change-Password",
    "00299570-246d-11d0-a768-00aa006e0529": "User-Force-Change-Password",
    "bf967a7f-0de6-11d0-a285-00aa003049e2": "userCertificate",
    "46a9b11d-60ae-405a-b7e8-ff8a58d456d2": "tokenGroupsGlobalAndUniversal",
    "b7c69e6d-2cc7-11d2-854e-00a0c983f608": "tokenGroups",
    _USER: "user", _INETORGPERSON: "inetOrgPerson",
    "bf967a9c-0de6-11d0-a285-00aa003049e2": "group",
    "bf967a86-0de6-11d0-a285-00aa003049e2": "computer",
    "c975c901-6cea-4b6f-8319-d67f45449506": "msExchActiveSyncDevices",
    "e8b2aff2-59a7-4eac-9a70-819adef701dd": "msExchActiveSyncDevice",
    "1f298a89-de98-47b8-b5cd-572ad53d267e": "Exchange-Information",
    "b1b3a417-ec55-4191-b327-b72e33e38af2": "Exchange-Personal-Information",
}
# Write property on these is risky (issue 24 items 4 and 5); what it enables, on the objects
# named by the keys of risky_rights()'s `on`.
RISKY_PROPERTIES = {
    "77b5b886-944a-11d1-aebd-0000f80367c1": "write the Personal-Information attributes of "
                                            "%(accounts)s",
    "e48d0154-bcf8-11d1-8702-00c04fb96050": "write the Public-Information attributes of "
                                            "%(accounts)s",
    "9a9a021e-4a5b-11d1-a9c3-0000f80367c1": "change the type and scope of %(groups)s",
    "bf9679c0-0de6-11d0-a285-00aa003049e2": "add any account to %(members)s",
}
# The objects risky_rights() speaks of: on AdminSDHolder, those SDProp stamps its DACL on.
PROTECTED_OBJECTS = dict(objects="every protected account and group",
                         accounts="every protected account", groups="every protected group",
                         members="every protected group, Domain Admins included",
                         admins="administrators'", admin_group="Domain Admins")
WRITE_PROPERTY = 0x20
WRITE_DAC = 0x40000
WRITE_OWNER = 0x80000
FULL_CONTROL = 0xF01FF
ALLOW_TYPES = frozenset([0x00, 0x05, 0x09, 0x0B])  # callback allows may grant too
EXCHANGE_NAMES = ("organization management",)


def admin_sids(domain_sid: str | None, root_sid: str | None) -> set[str]:
    """The domain's administrators: trustees whose rights on AdminSDHolder are no finding."""
    sids = {"S-1-5-18", "S-1-5-32-544", "S-1-5-9"}
    if domain_sid:
        sids.update("%s-%d" % (domain_sid, rid) for rid in (500, 512, 516))
    if root_sid or domain_sid:
        sids.add("%s-519" % (root_sid or domain_sid))
    return sids


def is_exchange(name: str | None) -> bool:
    """Exchange's groups by name (as PingCastle's P-ExchangeAdminSDHolder: 'Exchange' in the
    name), and Organization Management."""
    lowered = (name or "").lower()
    return "exchange" in lowered or lowered in EXCHANGE_NAMES


def risky_rights(ace: Ace, on: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """[(right, what it enables)] of an allow ACE that grants the risky rights: full control,
    GENERIC_WRITE, WRITE_DAC, WRITE_OWNER, write property on every property or on member,
    groupType, Personal-Information or Public-Information. The one classifier of the
    collection: AdminSDHolder's audit and what inheritance would pass down both use it.
    on: the objects the ACE is effective on, by the keys of PROTECTED_OBJECTS (the default)."""
    if ace.type not in ALLOW_TYPES:
        return []
    on = PROTECTED_OBJECTS if on is None else on
    mask = ace.mask
    mapped = map_generic(mask)
    if mask & GENERIC_ALL or mapped & FULL_CONTROL == FULL_CONTROL:
        return [("GENERIC_ALL", "full control of %(objects)s: reset %(admins)s passwords, add "
                 "members to %(admin_group)s" % on)]
    found = []
    if mask & GENERIC_WRITE:
        found.append(("GENERIC_WRITE", "write every property of %(objects)s, %(admin_group)s' "
                      "member list included" % on))
    if mask & WRITE_DAC:
        found.append(("WRITE_DAC", "grant itself any right on %(objects)s, full control "
                      "included" % on))
    if mask & WRITE_OWNER:
        found.append(("WRITE_OWNER", "take ownership of %(objects)s, and with it the right to "
                      "rewrite their DACLs" % on))
    if mask & WRITE_PROPERTY and not mask & GENERIC_WRITE:
        if ace.object_type is None:
            found.append(("write property (all properties)", "write every attribute of "
                          "%(objects)s, member and servicePrincipalName included" % on))
        elif ace.object_type in RISKY_PROPERTIES:
            found.append(("write property on %s" % OBJECT_TYPE_NAMES[ace.object_type],
                          RISKY_PROPERTIES[ace.object_type] % on))
    return found


def ace_key(ace: Ace) -> tuple:
    """What an ACE grants, its INHERITED_ACE flag aside (a DACL that inherits carries the
    parent's ACEs flagged so; the question is what SDProp would copy)."""
    return (ace.type, ace.flags & ~INHERITED_ACE, ace.mask, ace.sid, ace.object_type,
            ace.inherited_object_type, ace.extra)


def _not_in(aces: Sequence[Ace], other: Sequence[Ace]) -> list[Ace]:
    """The ACEs of `aces` that `other` does not hold, counted as a multiset of ace_key."""
    left = Counter(ace_key(ace) for ace in other)
    result = []
    for ace in aces:
        key = ace_key(ace)
        if left[key]:
            left[key] -= 1
        else:
            result.append(ace)
    return result


def compare(aces: Sequence[Ace], template: Sequence[Ace]) -> tuple[list[Ace], list[Ace]]:
    """(ACEs the template lacks, template ACEs the DACL lacks), as multisets of ace_key."""
    return _not_in(aces, template), _not_in(template, aces)


class Names:
    """SIDs and object-type GUIDs to names: well-known ones from tables, the others read from
    the directory in batches (objectSid in the domain; schemaIDGUID in the schema, rightsGuid
    in Extended-Rights)."""

    def __init__(self, domain_sid: str | None, root_sid: str | None) -> None:
        self.domain_sid = domain_sid
        self.root_sid = root_sid or domain_sid
        self.sids: dict[str, str | None] = dict(WELL_KNOWN)
        for base, table in ((domain_sid, DOMAIN_RID_NAMES), (self.root_sid, ROOT_RID_NAMES)):
            if base:
                self.sids.update(("%s-%d" % (base, rid), name) for rid, name in table.items())
        self.guids: dict[str, str] = dict(OBJECT_TYPE_NAMES)

    def read(self, client: LdapClient, sids: Iterable[str], guids: Iterable[str | None]) -> None:
        """Look the unknown ones up, a batch per search; a failed lookup leaves them unnamed."""
        dse = client.root_dse
        wanted = sorted(set(s for s in sids if s not in self.sids))
        try:
            for entry in read_objects_by(client, dse.default_naming_context, "objectSid",
                                         wanted, ["objectSid", "sAMAccountName"]):
                blob = entry.raw("objectSid")
                if blob:
                    self.sids[sid_to_str(blob)] = entry.text("sAMAccountName") or entry.dn
        except LdapError:
            pass
        for sid in wanted:
            self.sids.setdefault(sid, None)
        unknown = sorted(set(g for g in guids if g and g not in self.guids))
        if not unknown:
            return
        try:
            clauses = ["(schemaIDGUID=%s)" % escape_filter_bytes(uuid.UUID(g).bytes_le)
                       for g in unknown]
            for entry in read_objects_matching(client, dse.schema_naming_context, clauses,
                                               ["lDAPDisplayName", "schemaIDGUID"]):
                guid = entry.guid("schemaIDGUID")
                if guid:
                    self.guids[guid] = entry.text("lDAPDisplayName") or entry.dn
            rights = "CN=Extended-Rights,%s" % dse.configuration_naming_context
            clauses = ["(rightsGuid=%s)" % escape_filter_value(g) for g in unknown
                       if g not in self.guids]
            if clauses:
                for entry in read_objects_matching(client, rights, clauses,
                                                   ["rightsGuid", "cn"]):
                    guid = (entry.text("rightsGuid") or "").lower()
                    if guid:
                        self.guids[guid] = entry.text("cn") or guid
        except LdapError:
            pass

    def sid(self, sid: str) -> str | None:
        return self.sids.get(sid)

    def guid(self, guid: str | None) -> str | None:
        return None if guid is None else self.guids.get(guid, guid)

    def unresolved_domain_sid(self, sid: str) -> bool:
        """A SID of this domain that no object holds (a deleted account or group)."""
        return bool(self.domain_sid and sid.startswith(self.domain_sid + "-")
                    and self.sids.get(sid) is None)


# -- the audit -----------------------------------------------------------------------------------

def _row(ace: Ace, sddl: Sddl, names: Names) -> dict[str, Any]:
    return dict(ace=sddl.ace(ace), trustee=names.sid(ace.sid), sid=ace.sid,
                type="deny" if ace.type in (0x01, 0x06, 0x0A, 0x0C) else "allow",
                rights=rights_text(ace.mask), object_type=names.guid(ace.object_type),
                inherited_object_type=names.guid(ace.inherited_object_type),
                inherit_only=ace.inherit_only, inherited=ace.inherited)


SDPROP = ("SDProp copies AdminSDHolder's DACL onto every protected account and group at least "
          "every 60 minutes (MS-ADTS 3.1.1.6.1.3)")
RULE_EXCHANGE = ("PingCastle P-ExchangeAdminSDHolder (an ACE on AdminSDHolder that its "
                 "reference DACL lacks, for a trustee named Exchange...; ANSSI R18)")
RULE_EVERYONE = "PingCastle P-DelegationEveryone (a delegation to Everyone or Authenticated Users)"
RULE_UNKNOWN = "PingCastle P-UnkownDelegation (a delegation to a SID no account holds)"
RULE_CHANGED = ("PingCastle's delegation list: 'Rule in AdminSDHolder (modified or added)' "
                "(HealthcheckAnalyzer InspectAdminSDHolder; no rule ID of its own); Semperis "
                "Purple Knight SI000055 'Permission changes on AdminSDHolder object'")
RULE_INHERITANCE = ("Semperis Purple Knight SI000106 'Inheritance enabled on AdminSDHolder "
                    "object'; Windows' default DACL of AdminSDHolder is protected (D:PAI)")
RULE_OWNER = ("MS-ADTS 6.1.3.4: an object's owner has READ_CONTROL and WRITE_DAC on it "
              "implicitly; Windows' default owner of AdminSDHolder is Domain Admins")
EVERYONE_SIDS = ("S-1-1-0", "S-1-5-11")


def _cites(ace: Ace, trustee: str | None, names: Names, in_template: bool) -> list[str]:
    cites = []
    if is_exchange(trustee) and not in_template:
        cites.append(RULE_EXCHANGE)
    if ace.sid in EVERYONE_SIDS:
        cites.append(RULE_EVERYONE)
    if names.unresolved_domain_sid(ace.sid):
        cites.append(RULE_UNKNOWN)
    if not in_template:
        cites.append(RULE_CHANGED)
    return cites


def _enables(trustee: str, ace: Ace, what: str, names: Names) -> str:
    if ace.inherit_only:
        below = "objects of class %s" % names.guid(ace.inherited_object_type) \
            if ace.inherited_object_type else "objects"
        return ("%s; this ACE is inherit-only, so %s gets it on the %s below every protected "
                "account and group, not on the accounts themselves" % (SDPROP, trustee, below))
    return "%s, so within the hour %s can %s" % (SDPROP, trustee, what)


def audit(client: LdapClient) -> dict[str, Any]:
    """AdminSDHolder of the client's domain, audited (see the module's RETURN)."""
    dse = client.root_dse
    dn = "%s,%s" % (HOLDER_RDN, dse.default_naming_context)
    result: dict[str, Any] = dict(dn=dn, readable=False, error=None, owner=None,
                                  dacl_protected=None, domain_functionality=None,
                                  template=None, template_source=TEMPLATE_SOURCE,
                                  not_in_template=[], missing_from_template=[], exchange=[],
                                  findings=[])
    level = None
    try:
        root = client.read("", ["domainFunctionality"], what="RootDSE")
        level = root.int("domainFunctionality") if root is not None else None
    except LdapError:
        level = None
    result["domain_functionality"] = level
    name, template_text = template_for(level)
    result["template"] = name
    try:
        entry = client.read(dn, ["nTSecurityDescriptor"], sd_flags=SD_FLAGS_OWNER_DACL)
    except LdapError as exc:
        result["error"] = "AdminSDHolder could not be read, nothing audited: %s" % exc
        return result
    if entry is None:
        result["error"] = "%s does not exist: noSuchObject (32)" % dn
        return result
    blob = entry.raw("nTSecurityDescriptor")
    if not blob:
        result["error"] = ("the DC returned no security descriptor of %s: the bind account "
                           "may not read it (READ_CONTROL), nothing audited" % dn)
        return result
    try:
        sd = SecurityDescriptor.parse(blob)
    except SecurityDescriptorError as exc:
        result["error"] = "%s: its security descriptor: %s" % (dn, exc)
        return result
    sddl = Sddl.for_domain(dse)
    template_dacl = sddl.parse("D:PAI" + template_text).dacl  # "D:" always gives one
    template = list(template_dacl.aces) if template_dacl is not None else []
    aces = list(sd.dacl.aces) if sd.dacl is not None else []
    names = Names(dse.domain_sid, dse.forest_root_sid)
    names.read(client, [a.sid for a in aces] + ([sd.owner] if sd.owner else []),
               [g for a in aces for g in (a.object_type, a.inherited_object_type)])
    result["readable"] = True
    result["dacl_protected"] = sd.protected
    extra, missing = compare(aces, template)
    extra_ids = set(id(a) for a in extra)
    result["not_in_template"] = [_row(a, sddl, names) for a in extra]
    result["missing_from_template"] = [_row(a, sddl, names) for a in missing]
    result["exchange"] = [_row(a, sddl, names) for a in aces if is_exchange(names.sid(a.sid))]
    admins = admin_sids(dse.domain_sid, dse.forest_root_sid)
    findings = result["findings"]
    if sd.owner:
        result["owner"] = dict(sid=sd.owner, name=names.sid(sd.owner))
        if sd.owner not in admins:
            who = names.sid(sd.owner) or sd.owner
            findings.append(dict(
                kind="owner", trustee=who, sid=sd.owner, rights=["owner"], ace=None,
                cites=[RULE_OWNER],
                enables="%s owns AdminSDHolder, so it can rewrite its DACL whatever the DACL "
                        "says; %s, so it can grant itself any right on every protected account "
                        "and group" % (who, SDPROP)))
    if not sd.protected:
        findings.append(dict(
            kind="inheritance", trustee=None, sid=None, rights=[], ace=None,
            cites=[RULE_INHERITANCE],
            enables="AdminSDHolder takes the ACEs its parents (CN=System, the domain root) pass "
                    "down: %s, so every delegation made up there reaches Domain Admins and the "
                    "other protected accounts" % SDPROP))
    for ace in aces:
        trustee = names.sid(ace.sid)
        in_template = id(ace) not in extra_ids
        rights = [] if ace.sid in admins else risky_rights(ace)
        if rights:
            who = trustee or ace.sid
            findings.append(dict(
                kind="risky", trustee=trustee, sid=ace.sid,
                rights=[right for right, _what in rights], ace=sddl.ace(ace),
                object_type=names.guid(ace.object_type),
                inherited_object_type=names.guid(ace.inherited_object_type),
                inherit_only=ace.inherit_only, inherited=ace.inherited,
                cites=_cites(ace, trustee, names, in_template),
                enables="; ".join(_enables(who, ace, what, names) for _r, what in rights)))
        elif is_exchange(trustee) and not in_template:
            findings.append(dict(
                kind="exchange", trustee=trustee, sid=ace.sid, rights=[rights_text(ace.mask)],
                ace=sddl.ace(ace), object_type=names.guid(ace.object_type),
                inherited_object_type=names.guid(ace.inherited_object_type),
                inherit_only=ace.inherit_only, inherited=ace.inherited,
                cites=[RULE_EXCHANGE],
                enables="%s: whatever this ACE grants %s on AdminSDHolder, it gets on every "
                        "protected account and group (or, inherit-only, below them)"
                        % (SDPROP, trustee)))
    return result
