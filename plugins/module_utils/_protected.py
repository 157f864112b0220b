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

from ansible_collections.adremedy.directory.plugins.module_utils._dn import DnMap, dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    MATCHING_RULE_IN_CHAIN, escape_filter_value, follow_links)
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


def dsheuristics_mask(value):
    """dwAdminSDExMask: the 16th character of dSHeuristics, a hex digit (MS-ADTS 6.1.1.2.4.1.2)."""
    if not value or len(value) < 16:
        return 0
    try:
        return int(value[15], 16) & 0xF
    except ValueError:
        return 0


def classify(in_set, admin_count):
    if in_set:
        return "protected" if admin_count == 1 else "unmarked"
    return "orphaned" if admin_count == 1 else None


def shortest_chain(start, parents, roots):
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


def _xml(text, field):
    match = re.search(_XML_FIELD % (field, field), text)
    return match.group(1) if match else None


def admin_count_written(entry):
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


def _repl_property_metadata(blob, attid):
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


def account_disabled(entry):
    """True or False for accounts (userAccountControl ACCOUNTDISABLE), None for groups."""
    uac = entry.int("userAccountControl")
    return None if uac is None else bool(uac & UAC_ACCOUNTDISABLE)


def is_krbtgt(obj):
    """The domain's krbtgt and the krbtgt_<n> accounts of read-only DCs (and Azure AD
    Kerberos), which PingCastle also leaves out of its adminCount findings."""
    name = (obj.get("sam_account_name") or "").lower()
    return name == "krbtgt" or name.startswith("krbtgt_")


def inheritance_state(entry):
    blob = entry.raw("nTSecurityDescriptor")
    if blob is None:
        return "unknown"
    try:
        return "disabled" if dacl_protected(blob) else "enabled"
    except SecurityDescriptorError:
        return "unknown"


def _member_list_ranged(entry):
    """AD returns a long `member` list in ranges (member;range=0-1499) instead of whole."""
    return any(name.startswith("member;range=") for name in entry.attrs)


def _most_specific_class(entry):
    classes = entry.texts("objectClass")
    return classes[-1] if classes else None


class ProtectedSet:
    """Reads the directory once and answers who is protected, by what, and how they are marked."""

    def __init__(self, client):
        self.client = client
        dse = client.root_dse
        self.domain_nc = dse.default_naming_context
        self.domain_sid = dse.domain_sid
        self.forest_root_sid = dse.forest_root_sid or dse.domain_sid
        self.dsheuristics = self._read_dsheuristics(dse.configuration_naming_context)
        self.excluded_mask = dsheuristics_mask(self.dsheuristics)
        self.groups = []   # the protected groups: dict(name, sid, dn, excluded)
        self.entries = {}  # DN key -> Entry of every object looked at
        self.in_set = set()
        self.names = {}    # DN key -> display name for chains
        self.root_keys = set()
        self.primary_group_of = {}  # member -> the protected group that is its primary group

    def _read_dsheuristics(self, config_nc):
        entry = self.client.read("CN=Directory Service,CN=Windows NT,CN=Services,%s" % config_nc,
                                 ["dSHeuristics"])
        return entry.text("dSHeuristics") if entry else None

    def _find_sid(self, sid):
        for entry in self.client.search(self.domain_nc, "(objectSid=%s)" % escape_filter_value(sid),
                                        ENTRY_ATTRIBUTES):
            return entry
        return None

    def _transitive_members(self, group):
        """Every direct and nested member of a group, found by following `member` in batches:
        a few reads for the usual handful of admins, where an in-chain matching rule search
        makes some DCs (Samba) evaluate every object in the domain. A group whose member list
        comes back ranged (over 1500 values on AD) is expanded by the in-chain search instead."""
        if _member_list_ranged(group):
            yield from self._in_chain_members(group)
            return

        def links(member):
            return [] if _member_list_ranged(member) else member.texts("member")
        for member in follow_links(self.client, self.domain_nc, group.texts("member"),
                                   ENTRY_ATTRIBUTES, links, seen=[dn_key(group.dn)]):
            yield member
            if _member_list_ranged(member):
                yield from self._in_chain_members(member)

    def _in_chain_members(self, group):
        members = "(memberOf:%s:=%s)" % (MATCHING_RULE_IN_CHAIN, escape_filter_value(group.dn))
        return self.client.search(self.domain_nc, members, ENTRY_ATTRIBUTES)

    def _remember(self, entry):
        key = dn_key(entry.dn)
        self.entries.setdefault(key, entry)
        self.names[key] = entry.text("sAMAccountName") or entry.dn
        return key

    def load(self):
        roots = list(BUILTIN_GROUPS)
        roots += [("%s-%d" % (self.forest_root_sid if root else self.domain_sid, rid), name, 0)
                  for rid, name, root in DOMAIN_GROUPS]
        primary_rids = []
        for sid, name, bit in roots:
            excluded = bool(bit & self.excluded_mask)
            entry = self._find_sid(sid)
            self.groups.append(dict(name=name, sid=sid, dn=entry.dn if entry else None,
                                    excluded=excluded))
            if entry is None or excluded:
                continue
            key = self._remember(entry)
            self.root_keys.add(key)
            self.in_set.add(key)
            for member in self._transitive_members(entry):
                self.in_set.add(self._remember(member))
            if sid.startswith(self.domain_sid + "-"):
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
        return self

    def _parents(self):
        parents = {}
        for key, entry in self.entries.items():
            groups = set(dn_key(v) for v in entry.texts("memberOf")) & self.in_set
            if groups:
                parents[key] = groups
        return parents

    def objects(self):
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
            )
            if classification == "orphaned":
                row["admin_count_written"] = admin_count_written(entry)
            result.append(row)
        return result

    def by_dn(self):
        """objects() by DN (any spelling finds it), for looking up one object's class and
        reason."""
        found = DnMap()
        for obj in self.objects():
            found[obj["dn"]] = obj
        return found

    def _why(self, key, parents, in_set):
        if not in_set:
            return [], "adminCount=1 but in no protected group"
        if key in self.root_keys:
            return [key], "protected group"
        chain = shortest_chain(key, parents, self.root_keys)
        if chain:
            return chain, "member of %s" % " -> ".join(self.names[k] for k in chain)
        if key in self.primary_group_of:
            group = self.primary_group_of[key]
            return [group], "primary group is %s" % self.names[group]
        return [key], "protected principal"


def counts(objects):
    result = dict((name, 0) for name in CLASSES)
    for obj in objects:
        result[obj["classification"]] += 1
    result["total"] = len(objects)
    return result
