"""A search split by uSNCreated over several connections to one DC: every object once, in the
same order on every run, and a plain search whenever the split cannot be made safely. The DC is a
stand-in that evaluates the partition clauses as AD does (an attribute the reader cannot see
counts as absent); the lab's integration tests read the real DC both ways."""

import re

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _transport as _ldap
from ansible_collections.adremedy.directory.plugins.module_utils import _errors
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _search

BASE = "OU=Staff,DC=example,DC=com"
USER_FILTER = "(&(objectCategory=person)(objectClass=user))"


def _matches(clause, usn):
    """AD's verdict on one partition clause for an object whose uSNCreated is usn (None: the
    reader may not see it, so it is treated as absent: FALSE, and NOT FALSE is TRUE)."""
    if not clause:
        return True
    negated = re.fullmatch(r"\(!(\(.*\))\)", clause)
    if negated:
        return not _matches(negated.group(1), usn)
    bounds = re.findall(r"\(uSNCreated(<=|>=)(\d+)\)", clause)
    assert bounds, clause
    if usn is None:
        return False
    return all(usn <= int(v) if op == "<=" else usn >= int(v) for op, v in bounds)


class _Dse(object):
    def __init__(self, highest):
        self.highest_committed_usn = highest


class _Client(object):
    """One connection to the stand-in DC; the objects are (dn, uSNCreated) in the DC's order."""

    def __init__(self, objects, highest=1000, others=4, uri="ldaps://dc1:636", log=None):
        self.objects, self.root_dse, self.others, self.uri = objects, _Dse(highest), others, uri
        self.log = log if log is not None else []
        self.closed = False

    def server_identity(self):
        self.log.append(("identity read", self))
        return "CN=NTDS Settings,CN=DC1"

    def same_server(self, identity=None):
        assert identity == "CN=NTDS Settings,CN=DC1"
        if self.others <= 0:
            return None
        self.others -= 1
        other = _Client(self.objects, self.root_dse.highest_committed_usn, 0, self.uri, self.log)
        self.log.append(("open", other))
        return other

    def close(self):
        self.closed = True

    def search_pages(self, base, search_filter, attributes, scope):
        self.log.append(("search", search_filter))
        self.log.append(("searched by", self))
        assert search_filter.endswith(USER_FILTER + ")") or search_filter == USER_FILTER
        clause = search_filter[2:-len(USER_FILTER) - 1] if search_filter != USER_FILTER else ""
        found = [_ldap.Entry(dn, {}) for dn, usn in self.objects if _matches(clause, usn)]
        for start in range(0, len(found), 3):
            yield found[start:start + 3]

    def search(self, base, search_filter, attributes, scope="subtree"):
        for page in self.search_pages(base, search_filter, attributes, scope):
            yield from page


def directory(count=20, hidden=()):
    return [("CN=u%d,%s" % (i, BASE), None if i in hidden else 40 * i + 7)
            for i in range(count)]


def read(client, connections, scope="subtree", search_filter=USER_FILTER):
    return [e.dn for e in _search.partitioned_search(client, BASE, search_filter, ["cn"], scope,
                                                     connections)]


@pytest.mark.parametrize("connections", [2, 3, 8])
def test_every_object_is_read_once_over_several_connections(connections):
    objects = directory(25)
    client = _Client(objects, highest=1000, others=8)
    got = read(client, connections)
    assert sorted(got) == sorted(dn for dn, _usn in objects) and len(got) == len(set(got))
    # each connection read its own share of the ranges, on its own
    readers = [c for kind, c in client.log if kind == "searched by"]
    assert client not in readers and len(readers) == connections * _search.STRIPES
    assert all(readers.count(r) == _search.STRIPES for r in set(readers))
    assert len(set(readers)) == connections


def test_objects_created_during_the_read_or_unreadable_usn_are_not_missed():
    # 900 and above: created after the RootDSE was read; None: uSNCreated not readable
    objects = directory(10, hidden={3, 8}) + [("CN=late,%s" % BASE, 5000)]
    got = read(_Client(objects, highest=400), 2)
    assert sorted(got) == sorted(dn for dn, _usn in objects)


def test_the_order_is_the_same_on_every_run():
    objects = directory(40)
    assert read(_Client(objects), 3) == read(_Client(objects), 3)


def test_the_extra_connections_are_closed_and_the_callers_connection_is_not_used():
    client = _Client(directory(12), others=2)
    read(client, 2)
    opened = [c for kind, c in client.log if kind == "open"]
    assert len(opened) == 2 and all(c.closed for c in opened) and not client.closed
    assert client.log.count(("identity read", client)) == 1  # once, not once per connection


def test_the_extra_connections_are_closed_when_the_reader_stops_early():
    client = _Client(directory(30), others=2)
    reader = _search.partitioned_search(client, BASE, USER_FILTER, ["cn"], "subtree", 2)
    next(reader)
    reader.close()
    assert all(c.closed for kind, c in client.log if kind == "open")


@pytest.mark.parametrize("connections, others, scope, highest", [
    (1, 4, "subtree", 1000),   # asked for one
    (2, 0, "subtree", 1000),   # the DC takes no other connection
    (3, 1, "subtree", 1000),   # only one more: a split over one connection buys nothing
    (2, 4, "base", 1000),      # one object
    (2, 4, "subtree", None),   # no highestCommittedUSN in the RootDSE
])
def test_a_plain_search_when_the_split_cannot_help(connections, others, scope, highest):
    objects = directory(7)
    client = _Client(objects, highest=highest, others=others)
    assert read(client, connections, scope) == [dn for dn, _usn in objects]
    assert [f for kind, f in client.log if kind == "search"] == [USER_FILTER]
    assert all(c.closed for kind, c in client.log if kind == "open")


def test_a_filter_without_parentheses_is_wrapped_before_it_is_combined(monkeypatch):
    seen = []

    def search_pages(self, base, search_filter, attributes, scope):
        seen.append(search_filter)
        return iter([])
    monkeypatch.setattr(_Client, "search_pages", search_pages)
    read(_Client(directory(5), others=2), 2, search_filter="objectClass=user")
    assert len(seen) == 2 * _search.STRIPES
    assert all(f.startswith("(&(") and f.endswith("(objectClass=user))") for f in seen)


def test_partition_clauses_cover_every_number_once():
    clauses = _search.partition_clauses(1000, 4)
    assert len(clauses) == 4
    for usn in list(range(0, 1200)) + [None]:
        assert sum(_matches(c, usn) for c in clauses) == 1, usn


def test_no_split_of_a_tiny_usn_range():
    assert _search.partition_clauses(1, 2) == [""]


def _pinned_client(monkeypatch, identities):
    """An LdapClient whose reconnects land on the DCs named in turn by identities."""
    client = _ldap.LdapClient(dict(server=["ldaps://dc.example.com"], bind_dn="CN=a",
                                   password="p"))
    client.uri = "ldaps://dc.example.com:636"
    client.pinned_to = "CN=NTDS Settings,CN=DC1"
    answers = iter(identities)
    monkeypatch.setattr(client, "connect", lambda first=None: client)
    monkeypatch.setattr(client, "server_identity", lambda: next(answers))
    return client


def test_a_split_read_connection_that_comes_back_to_another_dc_is_refused(monkeypatch):
    client = _pinned_client(monkeypatch, ["CN=NTDS Settings,CN=DC2"])
    with pytest.raises(_errors.LdapError, match="came back to another DC") as caught:
        client._reconnect()
    assert caught.value.code == 52


def test_a_split_read_connection_that_comes_back_to_its_dc_goes_on(monkeypatch):
    client = _pinned_client(monkeypatch, ["CN=NTDS Settings,CN=DC1"])
    client._reconnect()
    assert client.pinned_to == "CN=NTDS Settings,CN=DC1"
