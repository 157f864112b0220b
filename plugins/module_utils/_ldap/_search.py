# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Searching with the client: what a module's selection reads (a DN list or a search, checked
first: malformed DNs and filters, a base that does not exist), filter values escaped, large
reads split by uSNCreated over several connections to one DC, objects looked up in batches by
attribute, links (group members) followed. Built on _transport's LdapClient, which sends each
request, retries it and pages it; nothing here talks to ldap3 except the filter check. Private."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._prefetch import interleave
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient, check_dn)

try:
    from ldap3.operation.search import compile_filter, parse_filter
except ImportError:  # pragma: no cover - reported by the module base (LDAP3_IMPORT_ERROR)
    pass

# A filter on this matching rule follows a DN-valued attribute transitively (group nesting).
MATCHING_RULE_IN_CHAIN = "1.2.840.113556.1.4.1941"

# Connections a large read may be split over (the read_connections option).
MAX_READ_CONNECTIONS = 8

# Users and inetOrgPerson objects (both have objectCategory person and objectClass user).
DEFAULT_USER_FILTER = "(&(objectCategory=person)(objectClass=user))"


def escape_filter_value(value: str | bytes) -> str:
    """Escape a value for use inside an LDAP filter (RFC 4515), so user input stays a value."""
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    return (text.replace("\\", "\\5c").replace("*", "\\2a").replace("(", "\\28")
            .replace(")", "\\29").replace("\x00", "\\00"))


def escape_filter_bytes(blob: bytes) -> str:
    """Escape every byte of a binary value (objectSid, objectGUID, schemaIDGUID) as \\xx for
    an LDAP filter: such a value is matched byte for byte, never read as text."""
    return "".join("\\%02x" % byte for byte in blob)


def check_filter(search_filter: str, what: str = "filter") -> str:
    """Refuse a malformed LDAP filter before anything runs, as the DC would (filterError, 87):
    ldap3 compiles it only when the first search is sent, and a deeply nested or unencodable
    one escapes from it as RecursionError or UnicodeError, not as a filter error."""
    try:
        compile_filter(parse_filter(search_filter, None, True, True, None, False).elements[0])
    except Exception as exc:  # ldap3 raises several types; RecursionError too
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise LdapError("%s %r is not a valid LDAP filter (%s): filterError (87)"
                        % (what, search_filter[:200], reason), code=87, name="filterError")
    return search_filter


def require_object(client: LdapClient, dn: str, what: str) -> str:
    """Fail with noSuchObject (32) naming the DN when a base the user gave does not exist."""
    return require_objects(client, [dn], what)[0]


def require_objects(client: LdapClient, dns: Iterable[str], what: str) -> list[str]:
    """The DC's own spelling of each DN the user gave (compare against that, never the text
    typed); LdapError noSuchObject (32) naming every one that does not exist."""
    found, missing = [], []
    for dn in dns:
        entry = client.read(check_dn(dn, what), ["1.1"])
        if entry is None:
            missing.append(dn)
        else:
            found.append(entry.dn)
    if len(missing) == 1:
        raise LdapError.no_such_object(missing[0], what)
    if missing:
        raise LdapError("%s DNs that do not exist: %s: noSuchObject (32)"
                        % (what, "; ".join(missing)), code=32, name="noSuchObject",
                        dn=missing[0])
    return found


def missing_user(dn: str) -> None:
    """select_entries' on_missing for a list of users: the run stops naming the one that does
    not exist."""
    raise LdapError.no_such_object(dn, "user")


def select_entries(client: LdapClient, params: Mapping[str, Any], attributes: Iterable[str],
                   on_missing: Callable[[str], None]) -> Iterator[Entry]:
    """Entries a module's selection names: params["dn"] (a list, read one by one) or a paged
    search of params["search_base"] with params["filter"] and params["scope"]. Streams;
    on_missing(dn) is called for listed DNs that do not exist."""
    if params.get("dn"):
        for dn in params["dn"]:
            entry = client.read(dn, attributes)
            if entry is None:
                on_missing(dn)
            else:
                yield entry
        return
    yield from partitioned_search(client, params["search_base"], params["filter"], attributes,
                                  params["scope"], params.get("read_connections") or 1)


# Where a large read is cut: an attribute every object has, set once when it is created, that
# the DC evaluates from an index (Samba and AD), so each part costs the DC only its own objects.
PARTITION_ATTRIBUTE = "uSNCreated"
# Each connection reads every STRIPES-th of connections * STRIPES ranges, so users crowded into
# a few ranges (created in bulk) are shared more evenly; each range costs the DC one more search.
# Measured on the 10,000-user lab: 1 and 2 read alike, 4 and 8 slower (the searches' own cost).
STRIPES = 2


def partition_clauses(highest_usn: int, parts: int) -> list[str]:
    """Filter clauses that split every object into `parts` disjoint sets by uSNCreated cut
    evenly over [0, highest_usn]. The last is the complement of the others, so together they
    select every object whatever its uSNCreated: one created during the read (above
    highest_usn) or one whose uSNCreated the bind account may not read (the DC treats that
    as absent) lands in the last part and nothing is missed."""
    if parts < 2 or highest_usn < parts:
        return [""]
    cuts = [highest_usn * i // parts for i in range(1, parts)]
    clauses = ["(%s<=%d)" % (PARTITION_ATTRIBUTE, cuts[0])]
    clauses += ["(&(%s>=%d)(%s<=%d))" % (PARTITION_ATTRIBUTE, low + 1, PARTITION_ATTRIBUTE, high)
                for low, high in zip(cuts, cuts[1:])]
    clauses.append("(!(%s<=%d))" % (PARTITION_ATTRIBUTE, cuts[-1]))
    return clauses


def partitioned_search(client: LdapClient, base: str, search_filter: str,
                       attributes: Iterable[str], scope: str = "subtree",
                       connections: int = 1) -> Iterator[Entry]:
    """A paged search read in parts over up to `connections` new connections to client's DC
    at once (the DC serves them in parallel), the pages taken from each part in turn. client
    itself stays free for the caller's other requests. With one connection, a base scope, or
    when the DC takes no other connection, it is client.search."""
    attributes = list(attributes)
    wanted = min(connections, MAX_READ_CONNECTIONS)
    highest = client.root_dse.highest_committed_usn if wanted > 1 and scope != "base" else None
    highest = highest or 0  # unknown: nothing to cut by
    if len(partition_clauses(highest, wanted)) < 2:  # nothing to split
        yield from client.search(base, search_filter, attributes, scope=scope)
        return
    readers: list[LdapClient] = []
    try:
        identity = client.server_identity()  # once, not once per extra connection
        while identity and len(readers) < wanted:
            reader = client.same_server(identity)
            if reader is None:
                break
            readers.append(reader)
        if len(readers) < 2:
            yield from client.search(base, search_filter, attributes, scope=scope)
            return
        inner = search_filter.strip()
        if not inner.startswith("("):
            inner = "(%s)" % inner
        clauses = partition_clauses(highest, len(readers) * STRIPES)
        if len(clauses) < len(readers):
            clauses = partition_clauses(highest, len(readers))

        def stripes(number: int) -> Iterator[list[Entry]]:
            for clause in clauses[number::len(readers)]:
                yield from readers[number].search_pages(base, "(&%s%s)" % (clause, inner),
                                                        attributes, scope)
        yield from interleave([stripes(number) for number in range(len(readers))])
    finally:
        for reader in readers:
            reader.close()


# Values per OR filter when looking objects up in bulk. Small on purpose: Samba matches every
# candidate against every clause, so one search costs the DC the square of its clauses (2,000
# owners read 100 a search: 1.54 s of DC CPU; 25: 0.9 s; 10: 0.68 s, measured on the lab); the
# extra round trips cost little.
BATCH = 10


def read_objects_by(client: LdapClient, base: str, attribute: str, values: Iterable[str],
                    attributes: Iterable[str], extra_filter: str = "") -> Iterator[Entry]:
    """Entries whose `attribute` equals one of values, looked up BATCH at a time."""
    return read_objects_matching(client, base, ["(%s=%s)" % (attribute, escape_filter_value(v))
                                                for v in values], attributes, extra_filter)


def read_objects_matching(client: LdapClient, base: str, clauses: Iterable[str],
                          attributes: Iterable[str], extra_filter: str = "") -> Iterator[Entry]:
    """Entries matching any of the filter clauses (already escaped), BATCH clauses per search."""
    clauses = list(clauses)
    for start in range(0, len(clauses), BATCH):
        search = "(&%s(|%s))" % (extra_filter, "".join(clauses[start:start + BATCH]))
        yield from client.search(base, search, attributes)


def follow_links(client: LdapClient, base: str, start: Iterable[str], attributes: Sequence[str],
                 links: Callable[[Entry], Iterable[str]],
                 seen: Iterable[str] | None = None,
                 elsewhere: Callable[[str], Iterable[str]] | None = None) -> Iterator[Entry]:
    """Entries reached from the DNs in start by following DN-valued attributes a batch of DNs
    at a time (links(entry) gives the DNs to follow next), each once. For group nesting this
    is a few reads where an in-chain matching rule search makes some DCs (Samba) evaluate
    every object. A DN that base does not hold goes to elsewhere(dn), which gives the DNs to
    follow from there (e.g. the members of a group of another domain); seen holds DN keys."""
    seen = set(seen or ())
    pending = list(start)
    while pending:
        batch = {}
        for dn in pending:
            key = dn_key(dn)
            if key not in seen:
                seen.add(key)
                batch[key] = dn
        pending = []
        for entry in read_objects_by(client, base, "distinguishedName", batch.values(),
                                     attributes):
            batch.pop(dn_key(entry.dn), None)
            yield entry
            pending.extend(links(entry))
        if elsewhere is not None:
            for dn in batch.values():
                pending.extend(elsewhere(dn))
