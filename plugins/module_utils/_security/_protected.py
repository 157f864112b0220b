# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AdminSDHolder protected set (MS-ADTS 3.1.1.6.1.2) and adminCount classification. Private.

adminCount=1 alone does not make an account protected: SDProp protects the transitive members of
the protected groups. So every object is classified from both facts:
  protected  in the protected set, adminCount=1
  unmarked   in the protected set, adminCount not set (SDProp has not run since it joined)
  orphaned   adminCount=1, in no protected group (left a group; SDProp never undoes its marks)
"""

from __future__ import annotations

import datetime
import re
import struct
from collections import deque
from typing import Any, Callable, Container, Iterable, Iterator, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    DnError, LdapError, SecurityDescriptorError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    DnMap, dn_key, is_at_or_below, parent)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    MATCHING_RULE_IN_CHAIN, escape_filter_value, follow_links, read_objects_by)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    rid_in_domain, sid_text, sid_to_str)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import dacl_protected

# (SID, name, dSHeuristics dwAdminSDExMask bit that excludes it, 0 = cannot be excluded)
BUILTIN_GROUPS = [
    ("S-1-5-32-544", "Administrators", 0),
    ("S-1-5-32-548", "Account Operators", 0x1),
    ("S-1-5-32-549", "Server Operators", 0x2),
    ("S-1-5-32-550", "Print Operators", 0x4),
    ("S-1-5-32-551", "Backup Operators", 0x8),
    ("S-1-5-32-552", "Replicator", 0),
]
# (RID, name, SID is relative to the forest root domain)
DOMAIN_GROUPS = [(512, "Domain Admins", False), (518, "Schema Admins", True),
                 (519, "Enterprise Admins", True)]
# Protected where they exist, though Microsoft's Appendix C does not list them: SDProp protects
# Key Admins under a Windows Server 2016+ PDC emulator and Enterprise Key Admins (forest root)
# under 2019+ (lab evidence: JimSycurity/AdminSDHolder PDCeTests; MicrosoftDocs/
# windowsserverdocs issue 7885). Domains whose PDC emulator ran an older Windows have neither.
KEY_ADMIN_GROUPS = [(526, "Key Admins", False), (527, "Enterprise Key Admins", True)]
KEY_ADMINS_EVIDENCE = ("JimSycurity/AdminSDHolder PDCeTests; MicrosoftDocs/windowsserverdocs "
                       "issue 7885")
# Protected themselves, not their members.
PRINCIPALS = [(500, "Administrator"), (502, "krbtgt"), (516, "Domain Controllers"),
              (521, "Read-only Domain Controllers")]

BUILTIN_NAMES = frozenset(name for _sid, name, _bit in BUILTIN_GROUPS)
KEY_ADMIN_NAMES = frozenset(name for _rid, name, _root in KEY_ADMIN_GROUPS)

CLASSES = ("protected", "orphaned", "unmarked")
ENTRY_ATTRIBUTES = ["objectClass", "sAMAccountName", "adminCount", "objectSid", "objectGUID",
                    "memberOf", "primaryGroupID", "nTSecurityDescriptor", "member",
                    "userAccountControl"]
# RIDs per primaryGroupID search: an OR of equality clauses on an indexed attribute
PRIMARY_GROUP_BATCH = 100
# tokenGroups of the accounts a write guard looks at
TOKEN_ATTRIBUTES = ["tokenGroups", "objectClass", "objectSid"]
# When adminCount was written: Windows DCs construct msDS-ReplAttributeMetaData (one XML value
# per attribute); Samba 4.17 returns it empty but does return the raw replPropertyMetaData.
METADATA_ATTRIBUTES = ["msDS-ReplAttributeMetaData", "replPropertyMetaData"]
ADMIN_COUNT_ATTID = 0x90096  # 1.2.840.113556.1.4.150 through the default prefix map (589974)
UAC_ACCOUNTDISABLE = 0x2
_EPOCH_1601 = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)
_XML_FIELD = r"<%s>\s*([^<]*?)\s*</%s>"
# What a Global Catalog holds of an object of another domain (partial attribute set): `member`
# only for universal groups.
GC_ATTRIBUTES = ["objectClass", "groupType", "objectSid", "member", "sAMAccountName"]
GROUP_GLOBAL = 0x2
GROUP_DOMAIN_LOCAL = 0x4
GROUP_UNIVERSAL = 0x8
NO_GC = "; give gc_server (a Global Catalog of the forest) so the module can follow it"


def dsheuristics_mask(value: str | None) -> int:
    """dwAdminSDExMask: the 16th character of dSHeuristics, a hex digit (MS-ADTS 6.1.1.2.4.1.2)."""
    if not value or len(value) < 16:
        return 0
    try:
        return int(value[15], 16) & 0xF
    except ValueError:
        return 0


def key_admins_sdprop(operating_system: str | None, version: str | None) -> list[str] | None:
    """Which of Key Admins and Enterprise Key Admins SDProp protects under a PDC emulator
    running this, by the lab evidence (KEY_ADMINS_EVIDENCE): Windows Server 2016 (build 14393)
    Key Admins, 2019 (build 17763; the semi-annual 1803, build 17134) and later both, older
    neither. None when it cannot be told (Samba, a name without a year or build)."""
    text = operating_system or ""
    if "windows" not in text.lower():
        return None
    year_found = re.search(r"\b(20\d\d)\b", text)
    if year_found:
        year = int(year_found.group(1))
        if year >= 2019:
            return ["Key Admins", "Enterprise Key Admins"]
        return ["Key Admins"] if year == 2016 else []
    build = re.search(r"\((\d+)\)", version or "")
    if build:
        number = int(build.group(1))
        if number >= 17134:
            return ["Key Admins", "Enterprise Key Admins"]
        return ["Key Admins"] if number >= 14393 else []
    return None


def key_admins_rule(operating_system: str | None, version: str | None,
                    present: Sequence[str]) -> str:
    """The sentence protected_accounts_info reports for the Key Admins groups."""
    expected = key_admins_sdprop(operating_system, version)
    if expected is None:
        under = "it is not known what SDProp protects under %s" % (
            "this PDC emulator's operating system (%s)" % operating_system if operating_system
            else "this PDC emulator (its operating system could not be read)")
    elif expected:
        under = "under this PDC emulator (%s) SDProp protects %s" % (
            operating_system, " and ".join(expected))
    else:
        under = "under this PDC emulator (%s) SDProp protects neither" % operating_system
    found = ("found here: %s" % ", ".join(present)) if present else "neither exists here"
    return ("Key Admins (RID 526) and Enterprise Key Admins (RID 527 of the forest root domain) "
            "are treated as protected wherever they exist, whatever the PDC emulator runs: their "
            "members are never written and never called orphaned (%s). Lab evidence (%s) shows "
            "SDProp protecting Key Admins under a Windows Server 2016 or later PDC emulator and "
            "Enterprise Key Admins under 2019 or later, though Microsoft's Appendix C does not "
            "list them; %s. The collection errs on the safe side."
            % (found, KEY_ADMINS_EVIDENCE, under))


def classify(in_set: bool, admin_count: int | None) -> str | None:
    if in_set:
        return "protected" if admin_count == 1 else "unmarked"
    return "orphaned" if admin_count == 1 else None


def shortest_chain(start: str, parents: Mapping[str, Iterable[str]],
                   roots: Container[str]) -> list[str] | None:
    """Group DNs from an object's first group up to a protected root, fewest hops first.

    parents maps a DN key (_dn.dn_key) to the keys of the groups it is a direct member of.
    """
    queue: deque[tuple[str, list[str]]] = deque([(start, [])])
    seen = {start}
    while queue:
        node, path = queue.popleft()
        for group in sorted(parents.get(node, ())):
            if group in seen:
                continue
            seen.add(group)
            chain = path + [group]
            if group in roots:
                return chain
            queue.append((group, chain))
    return None


def _xml(text: str, field: str) -> str | None:
    match = re.search(_XML_FIELD % (field, field), text)
    return match.group(1) if match else None


def admin_count_written(entry: Entry) -> dict[str, Any] | None:
    """When adminCount was last written (originating change), its version and where that came
    from: {"time": ISO 8601 UTC, "version": n, "source": attribute}, or None when the DC
    returns neither metadata attribute (or adminCount has none)."""
    for text in entry.texts("msDS-ReplAttributeMetaData"):
        if (_xml(text, "pszAttributeName") or "").lower() != "admincount":
            continue
        when = _xml(text, "ftimeLastOriginatingChange")
        version = _xml(text, "dwVersion")
        return dict(time=when, version=int(version) if version and version.isdigit() else None,
                    source="msDS-ReplAttributeMetaData")
    blob = entry.raw("replPropertyMetaData")
    if blob:
        found = _repl_property_metadata(bytes(blob), ADMIN_COUNT_ATTID)
        if found is not None:
            seconds, version_number = found
            changed = _EPOCH_1601 + datetime.timedelta(seconds=seconds)
            return dict(time=changed.strftime("%Y-%m-%dT%H:%M:%SZ"), version=version_number,
                        source="replPropertyMetaData")
    return None


def _repl_property_metadata(blob: bytes, attid: int) -> tuple[int, int] | None:
    """(originating change, seconds since 1601; version) of one attribute from a
    replPropertyMetaDataBlob version 1 (MS-DRSR 5.172: 16-byte header, 48-byte entries)."""
    if len(blob) < 16:
        return None
    version, _reserved, count, _reserved2 = struct.unpack_from("<IIII", blob, 0)
    if version != 1 or len(blob) < 16 + 48 * count:
        return None
    for index in range(count):
        entry_attid, entry_version, changed = struct.unpack_from("<IIQ", blob, 16 + 48 * index)
        if entry_attid == attid:
            return changed, entry_version
    return None


def account_disabled(entry: Entry) -> bool | None:
    """True or False for accounts (userAccountControl ACCOUNTDISABLE), None for groups."""
    uac = entry.int("userAccountControl")
    return None if uac is None else bool(uac & UAC_ACCOUNTDISABLE)


def is_krbtgt(obj: Mapping[str, Any]) -> bool:
    """The domain's krbtgt and the krbtgt_<n> accounts of read-only DCs (and Azure AD
    Kerberos), which PingCastle also leaves out of its adminCount findings."""
    name = (obj.get("sam_account_name") or "").lower()
    return name == "krbtgt" or name.startswith("krbtgt_")


def inheritance_state(entry: Entry) -> str:
    blob = entry.raw("nTSecurityDescriptor")
    if blob is None:
        return "unknown"
    try:
        return "disabled" if dacl_protected(blob) else "enabled"
    except SecurityDescriptorError:
        return "unknown"


def _member_list_ranged(entry: Entry) -> bool:
    """AD returns a long `member` list in ranges (member;range=0-1499) instead of whole."""
    return any(name.startswith("member;range=") for name in entry.attrs)


def unresolved_reason(unresolved: Sequence[Mapping[str, Any]]) -> str:
    """One line for what the protected set could not follow: the first case, and how many."""
    first = unresolved[0]
    more = len(unresolved) - 1
    return "member %s of %s: %s%s" % (first["member"], first["group"], first["why"],
                                      " (and %d more)" % more if more else "")


class ProtectedSet:
    """Reads the directory once and answers who is protected, by what, and how they are marked."""

    def __init__(self, client: LdapClient,
                 gc: LdapClient | Callable[[], LdapClient] | None = None) -> None:
        self.client = client
        # A Global Catalog for members of other domains: an LdapClient, or a function that
        # binds to one, called only when a member needs it.
        self._gc_source = gc
        self._gc_client: LdapClient | None = None
        dse = client.root_dse
        self.domain_nc = dse.default_naming_context
        self.root_nc = dse.root_domain_naming_context or self.domain_nc
        # naming contexts every DC of the forest holds in full (members there are read here)
        self.forest_ncs = [nc for nc in (dse.configuration_naming_context,
                                         dse.schema_naming_context) if nc]
        self.domain_sid = dse.domain_sid
        self.forest_root_sid = dse.forest_root_sid or (
            dse.domain_sid if self._single_domain() else None)
        # dict(group, member, why): members the walk could not follow
        self.unresolved: list[dict[str, str | None]] = []
        self.dsheuristics = self._read_dsheuristics(dse.configuration_naming_context)
        self.excluded_mask = dsheuristics_mask(self.dsheuristics)
        self.groups: list[dict[str, Any]] = []  # the protected groups: name, sid, dn, excluded
        self.entries: dict[str, Entry] = {}  # DN key (_dn.dn_key) -> Entry of every object
        self.in_set: set[str] = set()
        self.names: dict[str, str] = {}  # DN key -> display name for chains
        self.root_keys: set[str] = set()
        # member -> the protected group that is its primary group
        self.primary_group_of: dict[str, str] = {}
        # member -> protected group reached through another NC's group
        self.via_other_nc: dict[str, str] = {}
        # member -> protected group found only in its tokenGroups
        self.via_token: dict[str, str] = {}
        # member DN key -> DN of the group that lists it (for messages)
        self._holder: dict[str, str] = {}
        self._crossings = 0  # groups of other naming contexts whose members were followed

    def _read_dsheuristics(self, config_nc: str | None) -> str | None:
        entry = self.client.read("CN=Directory Service,CN=Windows NT,CN=Services,%s" % config_nc,
                                 ["dSHeuristics"])
        return entry.text("dSHeuristics") if entry else None

    def _find_sid(self, sid: str, group: bool = False, source: LdapClient | None = None,
                  base: str | None = None,
                  attributes: Sequence[str] | None = None) -> Entry | None:
        """The one object of this domain (or of `source` under `base`) whose objectSid is sid,
        with group=True only a group: an account that carries a protected group's SID is not
        that group. None when there is none; LdapError naming the SID when two objects carry
        it, since the set cannot tell which one the DC puts in tokens."""
        source = self.client if source is None else source
        base = self.domain_nc if base is None else base
        search = "(objectSid=%s)" % escape_filter_value(sid)
        if group:
            search = "(&(objectClass=group)%s)" % search
        found = list(source.search(base, search, attributes or ENTRY_ATTRIBUTES))
        if len(found) > 1:
            raise LdapError("objectSid %s is carried by %d %s (%s): the protected set cannot "
                            "tell which one it is, so nothing is decided on a guess; remove the "
                            "duplicate SID" % (sid, len(found), "groups" if group else "objects",
                                               "; ".join(sorted(e.dn for e in found))))
        return found[0] if found else None

    @property
    def gc(self) -> LdapClient | None:
        if self._gc_client is None and self._gc_source is not None:
            source = self._gc_source
            self._gc_client = source() if callable(source) else source
        return self._gc_client

    def _single_domain(self) -> bool:
        return dn_key(self.root_nc) == dn_key(self.domain_nc)

    def _not_followed(self, group: str | None, member: str | None, why: str) -> None:
        item = dict(group=group, member=member, why=why)
        if item not in self.unresolved:  # several roots can reach the same group
            self.unresolved.append(item)

    def _members_of(self, group: Entry) -> list[str]:
        """The member DNs to follow from a group; each remembers the group for messages."""
        if _member_list_ranged(group):
            # the DC expands it (in-chain); its members of other domains are not seen then
            members = [entry.dn for entry in self._in_chain_members(group)]
        else:
            members = group.texts("member")
        for dn in members:
            self._holder.setdefault(dn_key(dn), group.dn)
        return members

    def _transitive_members(self, group: Entry) -> Iterator[Entry]:
        """Every object of this domain that is a direct or nested member of a group, found by
        following `member` in batches (follow_links): a few reads for the usual handful of
        admins, where an in-chain matching rule search makes some DCs (Samba) evaluate every
        object. A member list that comes back ranged (over 1500 values on AD) is expanded by the
        in-chain search instead.

        Members this domain does not hold are read where they are (_elsewhere); what cannot be
        followed (a foreign security principal, another domain without a Global Catalog, a
        group whose members the Global Catalog does not hold) goes to self.unresolved, which
        makes every adminCount=1 object outside the set protected (unresolved), never orphaned.
        """
        for member in follow_links(self.client, self.domain_nc, self._members_of(group),
                                   ENTRY_ATTRIBUTES, self._members_of, seen=[dn_key(group.dn)],
                                   elsewhere=self._elsewhere):
            if member.has_class("foreignSecurityPrincipal"):
                self._foreign_principal(member)
            else:
                yield member

    def _foreign_principal(self, fsp: Entry) -> None:
        raw = fsp.raw("objectSid")
        sid = sid_to_str(raw) if raw else fsp.dn
        if not sid.startswith("S-1-5-21-"):
            return  # a well-known SID (Authenticated Users, ...): no members to follow
        self._not_followed(self._holder.get(dn_key(fsp.dn)), fsp.dn,
                           "foreign security principal %s, a principal of another forest or an "
                           "external domain: its members cannot be read here" % sid)

    def _elsewhere(self, dn: str) -> list[str]:
        """A member this domain's naming context does not hold: the DNs of its members to
        follow, read from this DC (configuration and schema naming contexts, which every DC
        holds in full) or from the Global Catalog (other domains); or nothing, with the reason
        recorded when its members cannot be known."""
        holder = self._holder.get(dn_key(dn))
        forest_nc = next((nc for nc in self.forest_ncs if is_at_or_below(dn, nc)), None)
        if forest_nc is not None:
            source, base, where = self.client, forest_nc, "in %s" % forest_nc
        elif self._gc_source is None or (catalog := self.gc) is None:
            self._not_followed(holder, dn, "outside this domain (%s)%s" % (self.domain_nc, NO_GC))
            return []
        else:
            source, base, where = catalog, "", "outside this domain (%s)" % self.domain_nc
        found = None
        for entry in read_objects_by(source, base, "distinguishedName", [dn], GC_ATTRIBUTES):
            found = entry
        if found is None:
            self._not_followed(holder, dn, where + (", and not found there" if forest_nc else
                                                    ", and not found in the Global Catalog"))
            return []
        if found.has_class("foreignSecurityPrincipal"):
            self._foreign_principal(found)
            return []
        if not found.has_class("group"):
            return []  # an account of another domain: nothing of this domain below it
        group_type = found.int("groupType") or 0
        if _member_list_ranged(found):
            self._not_followed(holder, dn, "a group with a ranged member list " + where)
            return []
        if forest_nc or group_type & GROUP_UNIVERSAL or found.texts("member"):
            self._crossings += 1
            return self._members_of(found)  # the whole member list is at hand
        if group_type & GROUP_GLOBAL:
            return []  # a global group holds accounts of its own domain only
        self._not_followed(holder, dn, "a domain local group of another domain: a Global "
                           "Catalog does not hold its members")
        return []

    def _in_chain_members(self, group: Entry) -> Iterator[Entry]:
        members = "(memberOf:%s:=%s)" % (MATCHING_RULE_IN_CHAIN, escape_filter_value(group.dn))
        return self.client.search(self.domain_nc, members, ENTRY_ATTRIBUTES)

    def _root_group(self, sid: str | None, name: str, forest_root: bool,
                    optional: bool = False) -> Entry | None:
        """The entry of a protected group (objectClass group, exactly one): in this domain, or
        for Enterprise and Schema Admins of a child domain in the forest root domain, read from
        the Global Catalog. An optional group (Key Admins, Enterprise Key Admins: only domains
        that had a Windows Server 2016+ PDC emulator have them) that is not there is no
        unresolved member: there is nothing to follow."""
        entry = self._find_sid(sid, group=True) if sid else None
        if entry is not None or not forest_root or self._single_domain():
            return entry
        if self._gc_source is None:
            if not optional:  # Enterprise and Schema Admins already say what is missing
                self._not_followed(name, self.root_nc, "%s lives in the forest root domain %s, "
                                   "which this DC does not hold%s" % (name, self.root_nc, NO_GC))
            return None
        if sid is None:
            self._not_followed(name, self.root_nc, "the forest root domain's SID could not be "
                               "read from the Global Catalog")
            return None
        found = self._find_sid(sid, group=True, source=self.gc, base="", attributes=GC_ATTRIBUTES)
        if found is None and not optional:
            self._not_followed(name, self.root_nc, "%s (%s) not found in the Global Catalog"
                               % (name, sid))
        return found

    def _forest_root_sid(self) -> str | None:
        if self.forest_root_sid is None and self._gc_source is not None \
                and (catalog := self.gc) is not None:
            entry = catalog.read(self.root_nc, ["objectSid"])
            if entry is not None and (raw := entry.raw("objectSid")):
                self.forest_root_sid = sid_to_str(raw)
        return self.forest_root_sid

    def _remember(self, entry: Entry) -> str:
        key = dn_key(entry.dn)
        self.entries.setdefault(key, entry)
        self.names[key] = entry.text("sAMAccountName") or entry.dn
        return key

    def load(self) -> ProtectedSet:
        # (SID or None when its domain's is unknown, name, dSHeuristics bit, forest root, optional)
        roots: list[tuple[str | None, str, int, bool, bool]] = [
            (sid, name, bit, False, False) for sid, name, bit in BUILTIN_GROUPS]
        root_sid = self._forest_root_sid()
        for groups, optional in ((DOMAIN_GROUPS, False), (KEY_ADMIN_GROUPS, True)):
            for rid, name, forest_root in groups:
                base = root_sid if forest_root else self.domain_sid
                roots.append(("%s-%d" % (base, rid) if base else None, name, 0, forest_root,
                              optional))
        for sid, name, bit, forest_root, optional in roots:
            excluded = bool(bit & self.excluded_mask)
            entry = self._root_group(sid, name, forest_root, optional)
            local = entry is not None and is_at_or_below(entry.dn, self.domain_nc)
            self.groups.append(dict(name=name, sid=sid, dn=entry.dn if entry else None,
                                    excluded=excluded))
            if entry is None or excluded:
                continue
            if local:
                key = self._remember(entry)
                self.root_keys.add(key)
                self.in_set.add(key)
            crossings = self._crossings
            members = list(self._transitive_members(entry))
            crossed = not local or self._crossings != crossings
            for member in members:
                member_key = self._remember(member)
                self.in_set.add(member_key)
                if crossed:  # the reason when no chain of this domain's groups leads there;
                    # the last root wins: Domain/Enterprise Admins are walked after the
                    # builtin groups that usually hold them, and say more
                    self.via_other_nc[member_key] = name
        # Before the protected principals: Domain Controllers is protected itself, its
        # members (the DCs, whose primary group it is) are not.
        self._primary_group_members()
        for rid, _name in PRINCIPALS:
            entry = self._find_sid("%s-%d" % (self.domain_sid, rid))
            if entry is not None:
                self.in_set.add(self._remember(entry))
        for entry in self.client.search(self.domain_nc, "(adminCount=1)",
                                        ENTRY_ATTRIBUTES + METADATA_ATTRIBUTES):
            self._remember(entry)
        if self.unresolved or not self._single_domain():
            self._check_tokens()
        return self

    def _domain_rid(self, entry: Entry) -> int | None:
        """The RID of a group of this domain (the only groups that can be a primary group)."""
        blob = entry.raw("objectSid")
        if not blob or not entry.has_class("group"):
            return None
        sid = sid_text(blob)
        if sid is None:
            return None
        domain_sid = self.domain_sid
        if domain_sid is None:  # not knowing it, no primary group could be told: stop
            raise LdapError("the domain's SID could not be read (objectSid of %s), so the "
                            "accounts whose primary group is in the protected set cannot be "
                            "found" % self.domain_nc, dn=self.domain_nc)
        return rid_in_domain(sid, domain_sid)

    def _primary_group_members(self) -> None:
        """Accounts whose primaryGroupID names a group of this domain in the set. Primary group
        membership is in no `member` or `memberOf` value, yet the DC puts the group, and every
        group it is nested in, into the account's token: a user whose primary group is a group
        nested in Domain Admins is in Domain Admins. Every group of the set is looked up, not
        only the protected groups themselves, PRIMARY_GROUP_BATCH RIDs a search, until nothing
        new turns up (primary groups hold accounts, but a group found here would be walked)."""
        searched: set[int] = set()
        while True:
            rids: dict[int, str] = {}
            for key in sorted(self.in_set):
                entry = self.entries.get(key)
                rid = self._domain_rid(entry) if entry is not None else None
                if rid is not None and rid not in searched:
                    rids[rid] = key
            if not rids:
                return
            searched.update(rids)
            found: list[Entry] = []
            ordered = sorted(rids)
            for start in range(0, len(ordered), PRIMARY_GROUP_BATCH):
                clauses = "".join("(primaryGroupID=%d)" % rid
                                  for rid in ordered[start:start + PRIMARY_GROUP_BATCH])
                found.extend(self.client.search(self.domain_nc, "(|%s)" % clauses,
                                                ENTRY_ATTRIBUTES))
            for member in found:
                primary = member.int("primaryGroupID")
                group_key = rids.get(primary) if primary is not None else None
                if group_key is None:
                    continue
                key = self._remember(member)
                new = key not in self.in_set
                self.in_set.add(key)
                self.primary_group_of.setdefault(key, group_key)
                if new and member.has_class("group"):
                    for nested in self._transitive_members(member):
                        self.in_set.add(self._remember(nested))

    def protected_sids(self) -> dict[str, str]:
        """SID -> name of the protected groups that are followed (not excluded by
        dSHeuristics): a token holding one of them is a member's token."""
        return dict((g["sid"], g["name"]) for g in self.groups
                    if g["sid"] and not g["excluded"])

    def pdc_emulator(self) -> dict[str, Any]:
        """This domain's PDC emulator, where SDProp runs: the domain head's fSMORoleOwner (its
        NTDS Settings object), the server object above it, that server's serverReference (the
        DC's computer account) and the computer's operatingSystem; each piece null when it
        cannot be read. With the rule applied to Key Admins and Enterprise Key Admins."""
        found: dict[str, Any] = dict(dn=None, server=None, operating_system=None,
                                     operating_system_version=None)
        try:
            head = self.client.read(self.domain_nc, ["fSMORoleOwner"])
            ntds = head.text("fSMORoleOwner") if head is not None else None
            server = parent(ntds) if ntds else None
            entry = self.client.read(server, ["serverReference"]) if server else None
            if entry is not None:
                found["server"] = entry.dn
                computer_dn = entry.text("serverReference")
                computer = self.client.read(computer_dn, ["operatingSystem",
                                                          "operatingSystemVersion"]) \
                    if computer_dn else None
                if computer is not None:
                    found["dn"] = computer.dn
                    found["operating_system"] = computer.text("operatingSystem")
                    found["operating_system_version"] = computer.text("operatingSystemVersion")
        except (LdapError, DnError):
            pass  # what could be read stays; the rest is null
        present = [g["name"] for g in self.groups
                   if g["dn"] and g["name"] in KEY_ADMIN_NAMES]
        found["sdprop_protects"] = key_admins_sdprop(found["operating_system"],
                                                     found["operating_system_version"])
        found["rule"] = key_admins_rule(found["operating_system"],
                                        found["operating_system_version"], present)
        return found

    def _token_source(self) -> LdapClient:
        """Where tokenGroups is read: the Global Catalog in a forest of several domains (it
        also knows the universal groups of other domains), else this DC."""
        catalog = self._gc_client or (self.gc if not self._single_domain() else None)
        return catalog or self.client

    def token_membership(self, dn: str) -> tuple[str | None, bool]:
        """(name of a protected group in the object's tokenGroups, or None; whether the token
        could be judged). tokenGroups is the DC's own transitive expansion, primary group
        included. An account (objectClass user) always has its primary group there, so an
        empty token means the bind account may not read it: (None, False). Objects without a
        token (OUs, containers) are (None, True). LdapError when the read fails."""
        entry = self._token_source().read(dn, TOKEN_ATTRIBUTES)
        if entry is None:
            return None, True  # gone: the write itself will say so
        token = entry.raws("tokenGroups")
        if not token:
            account = entry.has_class("user")
            return None, not account
        names = self.protected_sids()
        found = []
        for blob in token:
            sid = sid_text(blob)  # None for a SID that cannot be read
            name = names.get(sid) if sid else None
            if name is not None:
                found.append(name)
        if not found:
            return None, True
        order = [g["name"] for g in self.groups]
        # the domain's own groups say more than the builtin groups that usually hold them
        return min(found, key=lambda n: (n in BUILTIN_NAMES, order.index(n))), True

    def _check_tokens(self) -> None:
        """adminCount=1 objects the walk did not reach: their tokenGroups (the DC's own
        transitive expansion; in a child domain from the Global Catalog, which also knows the
        universal groups of other domains) may still name a protected group. Only where the
        walk may have missed something (another domain, or a member it could not follow): in
        one domain the walk is complete, and each read costs a round trip per orphan."""
        protected_sids = self.protected_sids()
        source = self._token_source()
        for key, entry in self.entries.items():
            if key in self.in_set or entry.int("adminCount") != 1:
                continue
            try:
                token = source.read(entry.dn, ["tokenGroups"])
            except LdapError:
                continue  # tokenGroups is a help, not a requirement
            for blob in (token.raws("tokenGroups") if token else []):
                name = protected_sids.get(sid_to_str(blob))
                if name is not None:
                    self.in_set.add(key)
                    self.via_token.setdefault(key, name)
                    break

    def _parents(self) -> dict[str, set[str]]:
        parents = {}
        for key, entry in self.entries.items():
            groups = set(dn_key(v) for v in entry.texts("memberOf")) & self.in_set
            if groups:
                parents[key] = groups
        return parents

    def objects(self) -> list[dict[str, Any]]:
        """Every object with adminCount=1 or in the protected set, classified, sorted by DN."""
        parents = self._parents()
        result = []
        for key in sorted(self.entries):
            entry = self.entries[key]
            admin_count = entry.int("adminCount")
            in_set = key in self.in_set
            classification = classify(in_set, admin_count)
            if classification is None:
                continue
            chain, reason = self._why(key, parents, in_set)
            unresolved = None
            if classification == "orphaned" and self.unresolved:
                # it may be protected through a member the walk could not follow
                unresolved = unresolved_reason(self.unresolved)
                classification = "protected"
                reason = "protected (unresolved: %s)" % unresolved
            sid = entry.raw("objectSid")
            row: dict[str, Any] = dict(
                dn=entry.dn,
                sam_account_name=entry.text("sAMAccountName"),
                object_class=entry.most_specific_class(),
                sid=sid_to_str(sid) if sid else None,
                classification=classification,
                admin_count=admin_count,
                inheritance=inheritance_state(entry),
                protected_by=self.names[chain[-1]] if chain else None,
                chain=[self.names[k] for k in chain],
                reason=reason,
                disabled=account_disabled(entry),
                unresolved=unresolved,
            )
            if classification == "orphaned":
                row["admin_count_written"] = admin_count_written(entry)
            result.append(row)
        return result

    def by_dn(self) -> Protection:
        """objects() by DN (any spelling finds it), objectSid and objectGUID, for looking up
        one object's class and reason (Protection.of)."""
        found = Protection(self)
        for obj in self.objects():
            entry = self.entries.get(dn_key(obj["dn"]))
            found.add(obj, entry.raw("objectGUID") if entry is not None else None)
        return found

    def _why(self, key: str, parents: Mapping[str, Iterable[str]],
             in_set: bool, seen: frozenset = frozenset()) -> tuple[list[str], str]:
        if not in_set:
            return [], "adminCount=1 but in no protected group"
        if key in self.root_keys:
            return [key], "protected group"
        if key in self.via_token:
            return [], "member of %s (in its tokenGroups)" % self.via_token[key]
        chain = shortest_chain(key, parents, self.root_keys)
        if chain:
            return chain, "member of %s" % " -> ".join(self.names[k] for k in chain)
        if key in self.via_other_nc:
            return [], "member of %s (through groups of another naming context)" % \
                self.via_other_nc[key]
        group = self.primary_group_of.get(key)
        if group is not None and group not in seen:
            if group in self.root_keys:
                return [group], "primary group is %s" % self.names[group]
            # the group's own way into the set: a chain, another naming context, ...
            above, how = self._why(group, parents, True, seen | {key})
            return [group] + [k for k in above if k != group], \
                "primary group is %s -> %s" % (self.names[group], how)
        return [key], "protected principal"


class Protection(DnMap):
    """ProtectedSet.objects() by DN (any spelling finds it) and by objectSid and objectGUID, so
    an object moved (a new DN) after the set was read is still found (of()); and the write
    guard's tokenGroups check (token_membership())."""

    def __init__(self, found: ProtectedSet | None = None) -> None:
        super().__init__()
        self.found = found
        self.by_sid: dict[str, dict[str, Any]] = {}
        self.by_guid: dict[bytes, dict[str, Any]] = {}

    def add(self, obj: dict[str, Any], guid: bytes | None = None) -> None:
        self[obj["dn"]] = obj
        if obj.get("sid"):
            self.by_sid[obj["sid"]] = obj
        if guid:
            self.by_guid[bytes(guid)] = obj

    def of(self, entry: Entry) -> dict[str, Any] | None:
        """The object's class and reason, found by objectGUID, then objectSid (when the entry
        was read with them), then DN."""
        guid = entry.raw("objectGUID")
        if guid and bytes(guid) in self.by_guid:
            return self.by_guid[bytes(guid)]
        sid = sid_text(entry.raw("objectSid"))
        found = self.by_sid.get(sid) if sid else None
        if found is not None:
            return found
        return self.get(entry.dn)

    def token_membership(self, dn: str) -> tuple[str | None, bool]:
        if self.found is None:
            return None, True
        return self.found.token_membership(dn)


def counts(objects: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    result = dict((name, 0) for name in CLASSES)
    result["unresolved"] = 0
    for obj in objects:
        result[obj["classification"]] += 1
        result["unresolved"] += bool(obj.get("unresolved"))
    result["total"] = len(objects)
    return result
