"""Hostile option values, generated (hypothesis): every parser of user input either returns a
value or raises the one error type its module turns into a one-line failure, never anything
else (a traceback), and the message stays on one line."""

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _dn
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    check_device_id, merge_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import check_filter
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import parse_server
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    LdapClient, check_dn)
from ansible_collections.adremedy.directory.plugins.modules.eas_device_info import compile_query

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# pieces admins and attackers put into DNs: escapes, quotes, NULs, non-ASCII, separators
DN_PIECES = st.sampled_from(["CN=", "OU=", "DC=", ",", "+", "=", "\\", "\\2C", "\\,", '"', "#",
                             " ", "\x00", "\n", "\r", "é", "Ä", "§", "日本", "\ud7ff", "<", ">",
                             ";", "(", ")", "*", "x", "Doe", "Jane"])
HOSTILE_TEXT = st.one_of(st.text(), st.lists(DN_PIECES, max_size=25).map("".join))
ANYTHING = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), HOSTILE_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.sampled_from(
                                ["user", "allowed", "blocked", "owner_dn", "device_id", "x"]),
                                inner, max_size=4)),
    max_leaves=12)


def one_line(exc):
    assert "\n" not in str(exc) and "\r" not in str(exc), str(exc)


@FUZZ
@given(HOSTILE_TEXT)
def test_check_dn_accepts_or_refuses_with_invalid_dn_syntax(text):
    try:
        sent = check_dn(text)  # the one spelling sent to the server: the same DN
        assert _dn.dn_key(sent) == _dn.dn_key(text)
    except LdapError as exc:
        assert exc.code == 34
        one_line(exc)


@FUZZ
@given(st.one_of(ANYTHING, st.lists(HOSTILE_TEXT, max_size=5)))
def test_dn_list_options_and_the_dn_parser(value):
    try:
        dns = _dn.dn_list(value, "dn")
    except ValueError as exc:
        one_line(exc)
        return
    for dn in dns:
        try:
            _dn.dn_key(dn)
        except ValueError as exc:
            one_line(exc)


@FUZZ
@given(HOSTILE_TEXT)
def test_server_uris(text):
    try:
        parse_server(text)
    except LdapError as exc:
        one_line(exc)


@FUZZ
@given(st.one_of(ANYTHING, HOSTILE_TEXT))
def test_device_ids(value):
    try:
        assert check_device_id(value, "entries[1] (u1) allowed") == value
    except ValueError as exc:
        one_line(exc)


@FUZZ
@given(st.lists(ANYTHING, max_size=6), st.sampled_from(["allowed", "blocked"]))
@example([{"user": "u1\nINJECTED", "allowed": ["bad,"]}], "allowed")  # found by this test
@example([{"user": "u1\r\n", "x": 1}], "allowed")
@example([{"user": "0", "allowed": False}], "allowed")  # was a TypeError (found on Python 3.13)
def test_list_entries_validate_completely_or_fail(entries, default_list):
    try:
        merged = merge_entries(entries, default_list)
    except ValueError as exc:
        one_line(exc)
        return
    for want in merged.values():  # what passes is fully valid: every ID checked
        for values in want.values():
            for value in values:
                check_device_id(value, "x")


@FUZZ
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=3),
       st.one_of(st.none(), st.integers(-5, 5)), st.one_of(st.none(), st.integers(-5, 5)))
def test_connection_options(servers, connect_timeout, page_size):
    params = dict(server=servers, bind_dn="CN=a", password="p", auth="simple", start_tls=True,
                  connect_timeout=connect_timeout, page_size=page_size)
    try:
        LdapClient(params)
    except LdapError as exc:
        one_line(exc)


# pieces of LDAP filters and JMESPath queries, balanced or not
FILTER_PIECES = st.sampled_from(["(", ")", "&", "|", "!", "=", "~=", ">=", "<=", ":=", "*",
                                 "\\", "\\2a", "\\zz", "cn", "objectClass", "user", "\x00",
                                 "\n", "é", "\ud800", ":1.2.840.113556.1.4.803:", " "])
QUERY_PIECES = st.sampled_from(["[", "]", "{", "}", "(", ")", "?", "!", "&&", "||", "==", "`",
                                "'", '"', ".", "*", "@", "|", ",", ":", "a", "owner_dn",
                                "length(", "\x00", "é"])


@FUZZ
@given(st.one_of(st.text(), st.lists(FILTER_PIECES, max_size=30).map("".join)))
@example("(&" * 3000 + "(cn=a)" + ")" * 3000)  # escaped ldap3 as RecursionError
@example("(cn=\ud800)")  # escaped ldap3 as UnicodeEncodeError
def test_ldap_filters_are_checked_before_anything_runs(text):
    try:
        assert check_filter(text) == text
    except LdapError as exc:
        assert exc.code == 87
        one_line(exc)


@FUZZ
@given(st.one_of(st.text(), st.lists(QUERY_PIECES, max_size=30).map("".join)))
@example("(" * 5000 + "a" + ")" * 5000)  # escaped jmespath as RecursionError
@example("!" * 5000 + "a")
def test_jmespath_queries_compile_or_fail_in_one_line(text):
    try:
        query = compile_query(text)
    except ValueError as exc:
        one_line(exc)
        return
    try:
        query.search([{"owner_dn": "CN=a", "a": [1, "x", None]}])
    except Exception as exc:  # jmespath's own type errors; main() reports them in one line
        assert type(exc).__module__.startswith("jmespath"), repr(exc)


def test_huge_lists_are_validated_without_a_write():
    entries = [{"user": "u%05d" % i, "allowed": ["ID%06d" % i]} for i in range(20000)]
    entries.append({"user": "u-bad", "allowed": ["BAD,ID"]})
    with pytest.raises(ValueError, match=r"entries\[20001\] \(u-bad\) allowed: device ID "):
        merge_entries(entries)
