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

from ansible_collections.adremedy.directory.plugins.module_utils._dn import (
    DnMap, dn_key, is_at_or_below)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    MATCHING_RULE_IN_CHAIN, Entry, LdapClient, LdapError, escape_filter_value, follow_links,
    read_objects_by)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    SecurityDescriptorError, dacl_protected, sid_to_str)

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
# Protected themselves, not their members.
PRINCIPALS = [(500, "Administrator"), (502, "krbtgt"), (516, "Domain Controllers"),
              (521, "Read-only Domain Controllers")]

CLASSES = ("protected", "orphaned", "unmarked")
ENTRY_ATTRIBUTES = ["objectClass", "sAMAccountName", "adminCount", "objectSid", "memberOf",
                    "primaryGroupID", "nTSecurityDescriptor", "member", "userAccountControl"]
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


def classify(in_set: bool, admin_count: int | None) -> str | None:
    if in_set:
        return "protected" if admin_count == 1 else "unmarked"
    return "orphaned" if admin_count == 1 else None


def shortest_chain(start: str, parents: Mapping[str, Iterable[str]],
                   roots: Container[str]) -> list[str] | None:
    """Group DNs from an object's first group up to a protected root, fewest hops first.

    parents maps a DN key (_dn.dn_key) to the keys of the groups it is a direct member of.
    """
    queue = deque([(start, [])])
    seen = {start}
    while queue:
        node, path = queue.popleft()
        for parent in sorted(parents.get(node, ())):
            if parent in seen:
                continue
            seen.add(parent)
            chain = path + [parent]
            if parent in roots:
                return chain
            queue.append((parent, chain))
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
            seconds, version = found
            when = _EPOCH_1601 + datetime.timedelta(seconds=seconds)
            return dict(time=when.strftime("%Y-%m-%dT%H:%M:%SZ"), version=version,
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


def _is_foreign_principal(entry: Entry) -> bool:
    return "foreignsecurityprincipal" in [c.lower() for c in entry.texts("objectClass")]


def _is_group(entry: Entry) -> bool:
    return "group" in [c.lower() for c in entry.texts("objectClass")]


def unresolved_reason(unresolved: Sequence[Mapping[str, Any]]) -> str:
    """One line for what the protected set could not follow: the first case, and how many."""
    first = unresolved[0]
    more = len(unresolved) - 1
    return "member %s of %s: %s%s" % (first["member"], first["group"], first["why"],
                                      " (and %d more)" % more if more else "")


def _most_specific_class(entry: Entry) -> str | None:
    classes = entry.texts("objectClass")
    return classes[-1] if classes else None


class ProtectedSet:
    """Reads the directory once and answers who is protected, by what, and how they are marked."""

    def __init__(self, client: LdapClient,
                 gc: LdapClient | Callable[[], LdapClient] | None = None) -> None:
        self.client = client
        # A Global Catalog for members of other domains: an LdapClient, or a function that
        # binds to one, called only when a member needs it.
        self._gc_source = gc
        self._gc_client = None
        dse = client.root_dse
        self.domain_nc = dse.default_naming_context
        self.root_nc = dse.root_domain_naming_context or self.domain_nc
        # naming contexts every DC of the forest holds in full (members there are read here)
        self.forest_ncs = [nc for nc in (dse.configuration_naming_context,
                                         dse.schema_naming_context) if nc]
        self.domain_sid = dse.domain_sid
        self.forest_root_sid = dse.forest_root_sid or (
            dse.domain_sid if self._single_domain() else None)
        self.unresolved = []  # dict(group, member, why): members the walk could not follow
        self.dsheuristics = self._read_dsheuristics(dse.configuration_naming_context)
        self.excluded_mask = dsheuristics_mask(self.dsheuristics)
        self.groups = []   # the protected groups: dict(name, sid, dn, excluded)
        self.entries = {}  # DN key (_dn.dn_key) -> Entry of every object looked at
        self.in_set = set()
        self.names = {}    # DN key -> display name for chains
        self.root_keys = set()
        self.primary_group_of = {}  # member -> the protected group that is its primary group
        self.via_other_nc = {}  # member -> protected group reached through another NC's group
        self.via_token = {}  # member -> protected group found only in its tokenGroups
        self._holder = {}  # member DN key -> DN of the group that lists it (for messages)
        self._crossings = 0  # groups of other naming contexts whose members were followed

    def _read_dsheuristics(self, config_nc: str | None) -> str | None:
        entry = self.client.read("CN=Directory Service,CN=Windows NT,CN=Services,%s" % config_nc,
                                 ["dSHeuristics"])
        return entry.text("dSHeuristics") if entry else None

    def _find_sid(self, sid: str) -> Entry | None:
        for entry in self.client.search(self.domain_nc, "(objectSid=%s)" % escape_filter_value(sid),
                                        ENTRY_ATTRIBUTES):
            return entry
        return None

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
            if _is_foreign_principal(member):
                self._foreign_principal(member)
            else:
                yield member

    def _foreign_principal(self, fsp: Entry) -> None:
        sid = fsp.raw("objectSid")
        sid = sid_to_str(sid) if sid else fsp.dn
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
        elif self._gc_source is None:
            self._not_followed(holder, dn, "outside this domain (%s)%s" % (self.domain_nc, NO_GC))
            return []
        else:
            source, base, where = self.gc, "", "outside this domain (%s)" % self.domain_nc
        found = None
        for entry in read_objects_by(source, base, "distinguishedName", [dn], GC_ATTRIBUTES):
            found = entry
        if found is None:
            self._not_followed(holder, dn, where + (", and not found there" if forest_nc else
                                                    ", and not found in the Global Catalog"))
            return []
        if _is_foreign_principal(found):
            self._foreign_principal(found)
            return []
        if not _is_group(found):
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

    def _root_group(self, sid: str | None, name: str, forest_root: bool) -> Entry | None:
        """The entry of a protected group: in this domain, or for Enterprise and Schema Admins
        of a child domain in the forest root domain, read from the Global Catalog."""
        entry = self._find_sid(sid) if sid else None
        if entry is not None or not forest_root or self._single_domain():
            return entry
        if self._gc_source is None:
            self._not_followed(name, self.root_nc, "%s lives in the forest root domain %s, "
                               "which this DC does not hold%s" % (name, self.root_nc, NO_GC))
            return None
        if sid is None:
            self._not_followed(name, self.root_nc, "the forest root domain's SID could not be "
                               "read from the Global Catalog")
            return None
        for found in self.gc.search("", "(objectSid=%s)" % escape_filter_value(sid),
                                    GC_ATTRIBUTES):
            return found
        self._not_followed(name, self.root_nc, "%s (%s) not found in the Global Catalog"
                           % (name, sid))
        return None

    def _forest_root_sid(self) -> str | None:
        if self.forest_root_sid is None and self._gc_source is not None:
            entry = self.gc.read(self.root_nc, ["objectSid"])
            if entry is not None and entry.raw("objectSid"):
                self.forest_root_sid = sid_to_str(entry.raw("objectSid"))
        return self.forest_root_sid

    def _remember(self, entry: Entry) -> str:
        key = dn_key(entry.dn)
        self.entries.setdefault(key, entry)
        self.names[key] = entry.text("sAMAccountName") or entry.dn
        return key

    def load(self) -> ProtectedSet:
        roots = [(sid, name, bit, False) for sid, name, bit in BUILTIN_GROUPS]
        root_sid = self._forest_root_sid()
        for rid, name, forest_root in DOMAIN_GROUPS:
            base = root_sid if forest_root else self.domain_sid
            roots.append(("%s-%d" % (base, rid) if base else None, name, 0, forest_root))
        primary_rids = []
        for sid, name, bit, forest_root in roots:
            excluded = bool(bit & self.excluded_mask)
            entry = self._root_group(sid, name, forest_root)
            local = entry is not None and is_at_or_below(entry.dn, self.domain_nc)
            self.groups.append(dict(name=name, sid=sid, dn=entry.dn if entry else None,
                                    excluded=excluded))
            if entry is None or excluded:
                continue
            key = self._remember(entry) if local else None
            if local:
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
            if local and sid.startswith(self.domain_sid + "-"):
                primary_rids.append((int(sid.rsplit("-", 1)[1]), key))
        # Primary group membership is not in member/memberOf, so the chain search misses it.
        for rid, group_key in primary_rids:
            for member in self.client.search(self.domain_nc, "(primaryGroupID=%d)" % rid,
                                             ENTRY_ATTRIBUTES):
                key = self._remember(member)
                self.in_set.add(key)
                self.primary_group_of.setdefault(key, group_key)
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

    def _check_tokens(self) -> None:
        """adminCount=1 objects the walk did not reach: their tokenGroups (the DC's own
        transitive expansion; in a child domain from the Global Catalog, which also knows the
        universal groups of other domains) may still name a protected group. Only where the
        walk may have missed something (another domain, or a member it could not follow): in
        one domain the walk is complete, and each read costs a round trip per orphan."""
        protected_sids = dict((g["sid"], g["name"]) for g in self.groups
                              if g["sid"] and not g["excluded"])
        catalog = self._gc_client or (self.gc if not self._single_domain() else None)
        source = catalog or self.client
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
            row = dict(
                dn=entry.dn,
                sam_account_name=entry.text("sAMAccountName"),
                object_class=_most_specific_class(entry),
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

    def by_dn(self) -> DnMap:
        """objects() by DN (any spelling finds it), for looking up one object's class and
        reason."""
        found = DnMap()
        for obj in self.objects():
            found[obj["dn"]] = obj
        return found

    def _why(self, key: str, parents: Mapping[str, Iterable[str]],
             in_set: bool) -> tuple[list[str], str]:
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
        if key in self.primary_group_of:
            group = self.primary_group_of[key]
            return [group], "primary group is %s" % self.names[group]
        return [key], "protected principal"


def counts(objects: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    result = dict((name, 0) for name in CLASSES)
    result["unresolved"] = 0
    for obj in objects:
        result[obj["classification"]] += 1
        result["unresolved"] += bool(obj.get("unresolved"))
    result["total"] = len(objects)
    return result
