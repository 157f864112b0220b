"""DN parsing and comparison: every spelling of one DN is one key; malformed DNs are named."""

import pytest
from hypothesis import example, given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _dn
from ansible_collections.adremedy.directory.plugins.module_utils._errors import DnError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    canonical, dn_key, dn_list, escape_value, first_at_or_above, first_rdn_value, is_at_or_below,
    parent, parse, same_dn)


@pytest.mark.parametrize("a,b", [
    ("OU=Tier0\\2C Admins,DC=x,DC=com", "ou=tier0\\, admins,dc=X,dc=COM"),
    ("OU=Tier0\\2C Admins,DC=x", "OU = Tier0\\, Admins , DC = x"),
    ("OU=Zürich,DC=x", "OU=Z\\C3\\BCrich,DC=x"),
    ("OU=ZÜRICH,DC=x", "ou=zu\u0308rich,dc=x"),  # decomposed u + combining diaeresis
    ("CN=a+SN=b,DC=x", "sn=B + cn=A,dc=x"),
    ("CN=Jane Doe,DC=x", "2.5.4.3=Jane Doe,0.9.2342.19200300.100.1.25=x"),
    ("CN=Jane Doe,DC=x", 'CN="Jane Doe",DC=x'),
    ("CN=iPhone\u00a7ABC,CN=ExchangeActiveSyncDevices,DC=x",
     "cn=iphone\\C2\\A7abc,cn=exchangeactivesyncdevices,dc=x"),
    ("CN=\\#hash,DC=x", "CN=\\23hash,DC=x"),
    ("CN=trail\\ ,DC=x", "CN=trail\\20,DC=x"),
    ("CN=a\\=b,DC=x", "CN=a=b,DC=x"),
    ("", "  "),
])
def test_same_dn(a, b):
    assert same_dn(a, b)
    assert parse(a) == parse(b)
    assert hash(parse(a)) == hash(parse(b))


@pytest.mark.parametrize("a,b", [
    ("OU=Tier0\\2C Admins,DC=x", "OU=Tier0,OU= Admins,DC=x"),
    ("CN=John  Doe,DC=x", "CN=John Doe,DC=x"),  # spaces inside a value count
    ("CN=trail\\ ,DC=x", "CN=trail,DC=x"),       # an escaped trailing space is part of it
    ("CN=#04024869,DC=x", "CN=\\#04024869,DC=x"),  # BER value vs string starting with '#'
    ("CN=a,DC=x", "CN=a,DC=y"),
])
def test_different_dn(a, b):
    assert not same_dn(a, b)


@pytest.mark.parametrize("text,why", [
    ("DC=lab,,DC=x", "without '='"),
    ("DC=lab,", "ends with ','"),
    ("lab", "has no '='"),
    ("CN=a\\", "lone backslash"),
    ("CN=a\"b,DC=x", "must be escaped"),
    ("C N=a", "attribute type 'C N'"),
    ("=a", "without a type"),
    ("CN=\\FF,DC=x", "not UTF-8"),
    ("CN=#123,DC=x", "even number"),
])
def test_malformed(text, why):
    with pytest.raises(DnError, match=why) as err:
        dn_key(text)
    assert repr(text) in str(err.value)


class _UnsafeBytes(bytes):
    """Like ansible-core 2.18's AnsibleUnsafeBytes: its __add__/__radd__ keep the class."""

    def __add__(self, other):
        return _UnsafeBytes(bytes(self) + bytes(other))

    def __radd__(self, other):
        return _UnsafeBytes(bytes(other) + bytes(self))


class _UnsafeText(str):
    """Like ansible-core 2.18's AnsibleUnsafeText: items and encodings stay unsafe."""

    def __getitem__(self, key):
        return _UnsafeText(str.__getitem__(self, key))

    def encode(self, *args, **kwargs):
        return _UnsafeBytes(str.encode(self, *args, **kwargs))


@pytest.mark.parametrize("dn", [r"CN=iPhone\C2\A7ABC,CN=Jane\, Doe,DC=x", "CN=Zürich ,DC=x"])
def test_a_templated_dn_from_ansible_core_2_18_has_the_plain_key(dn):
    # A role passes DNs from a registered result; 2.18 hands them to filters as unsafe text,
    # whose bytes once turned the value buffer immutable ("does not support item deletion").
    dn_key.cache_clear()
    assert dn_key(_UnsafeText(dn)) == dn_key(dn)


def test_at_or_below():
    assert is_at_or_below("CN=u,OU=Tier0\\2C Admins,DC=x", "ou=tier0\\, admins , dc=x")
    assert is_at_or_below("OU=Staff,DC=x", "OU=Staff,DC=x")
    assert is_at_or_below("CN=u,DC=x", "")
    # not a suffix match on the string: "OU=Old Staff" is not below "OU=Staff"
    assert not is_at_or_below("CN=u,OU=Old Staff,DC=x", "OU=Staff,DC=x")
    assert not is_at_or_below("CN=u,OU=A\\,OU=Staff,DC=x", "OU=Staff,DC=x")
    assert not is_at_or_below("DC=x", "OU=Staff,DC=x")
    assert first_at_or_above("CN=u,OU=B,DC=x", ["OU=A,DC=x", "ou=b,dc=x"]) == "ou=b,dc=x"
    assert first_at_or_above("CN=u,OU=B,DC=x", ["OU=A,DC=x"]) is None


def test_canonical_is_what_ldap3_accepts():
    from ldap3.utils.dn import parse_dn
    text = "OU = Tier0\\2C Admins , DC = x"
    assert canonical(text) == "OU=Tier0\\, Admins,DC=x"
    parse_dn(canonical(text))
    assert canonical("CN=#04024869,DC=x") == "CN=#04024869,DC=x"
    assert first_rdn_value("CN=iPhone15\\2C2 (DeviceModel),CN=x") == "iPhone15,2 (DeviceModel)"


def test_dn_list_keeps_a_string_one_dn():
    assert dn_list("OU=Break Glass,OU=Staff,DC=example,DC=com", "exclude") == [
        "OU=Break Glass,OU=Staff,DC=example,DC=com"]
    assert dn_list("OU=A,DC=x\r\n\n OU=B,DC=x \n", "exclude") == ["OU=A,DC=x", "OU=B,DC=x"]
    assert dn_list(["OU=A,DC=x", " "], "dn") == ["OU=A,DC=x"]
    assert dn_list(None, "dn") == []
    with pytest.raises(ValueError, match=r"dn\[2\] is 3, not a DN string"):
        dn_list(["OU=A,DC=x", 3], "dn")
    with pytest.raises(ValueError, match="exclude must be a DN"):
        dn_list({"a": 1}, "exclude")


# -- properties -------------------------------------------------------------------------------

values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                 min_size=1, max_size=20)
types = st.sampled_from(["CN", "OU", "DC", "cn", "ou", "O", "uid"])
rdns = st.tuples(types, values)
dns = st.lists(rdns, min_size=1, max_size=5)


def _spell(parts, escape, sep=","):
    return sep.join("%s=%s" % (t, escape(v)) for t, v in parts)


def _hex_escape(value):
    """Every character as \\XX UTF-8 escapes: the spelling farthest from the plain one."""
    return "".join("\\%02X" % b for b in value.encode("utf-8"))


@given(dns)
def test_every_spelling_has_one_key(parts):
    plain = _spell(parts, escape_value)
    assert dn_key(plain) == dn_key(_spell(parts, _hex_escape))
    assert dn_key(plain) == dn_key(_spell([(t.upper(), v) for t, v in parts], escape_value,
                                          sep=" , "))
    assert dn_key(canonical(plain)) == dn_key(plain)
    assert parse(plain).first_rdn_value() == parts[0][1]


@given(dns, dns)
@example([("CN", "0")], [("CN", "\u01f0")])  # casefold decomposes it: the key is NFC after
def test_at_or_below_is_rdn_wise(child, base):
    joined = _spell(child + base, escape_value)
    assert is_at_or_below(joined, _spell(base, _hex_escape))
    assert not is_at_or_below(_spell(base, escape_value), joined)
    # a value that merely ends like the base's first value is not below it
    grafted = [(t, "x" + v) if i == 0 else (t, v) for i, (t, v) in enumerate(base)]
    assert not is_at_or_below(_spell(child + grafted, escape_value), _spell(base, escape_value)) \
        or dn_key(_spell(grafted, escape_value)) == dn_key(_spell(base, escape_value))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(list('CNOU=DC x,+;"#\\<>2Ca ü§') + ["\\2C", "\\C3\\BC", "\\ "]),
                max_size=30).map("".join))
def test_fast_paths_agree_with_the_parser(text):
    """The two shortcuts (plain DNs, escaped DNs by regex) give the parser's key or step aside."""
    try:
        expected = _dn._slow_key(text)
    except DnError:
        expected = None
    for shortcut in (_dn._fast_key, _dn._escaped_key):
        got = shortcut(text)
        assert got is None or got == expected, shortcut.__name__


@settings(max_examples=300, deadline=None)
@given(dns, st.sampled_from([",", " , ", ", "]), st.booleans())
def test_fast_paths_agree_on_valid_dns(parts, sep, hex_escapes):
    text = _spell(parts, _hex_escape if hex_escapes else escape_value, sep)
    expected = _dn._slow_key(text)
    for shortcut in (_dn._fast_key, _dn._escaped_key):
        got = shortcut(text)
        assert got is None or got == expected, shortcut.__name__
    # the shortcut covers every such DN but those with '#' or private-use characters, and
    # those whose key is not ASCII (the parser folds those values whole)
    assert _dn._escaped_key(text) is not None or "#" in text \
        or any("\ue000" <= ch <= "\uf8ff" for ch in text) or not expected.isascii()


def test_dn_map_finds_any_spelling():
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import DnMap
    found = DnMap()
    found["CN=Admin\\, Tier0,OU=Tier0\\, Admins,DC=x"] = 1
    assert found["cn=admin\\2C tier0 , ou = tier0\\2c admins,dc=X"] == 1
    assert found.get("CN=Admin\\, Tier0,OU=Tier0\\, Admins,DC=x".lower()) == 1
    assert "CN=admin\\, tier0,OU=Tier0\\, Admins,DC=x" in found and 3 not in found
    assert found.get("CN=other,DC=x") is None
    assert found.setdefault("CN=other,DC=x", 2) == 2 and len(found) == 2


def test_check_dn_sends_one_spelling():
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import check_dn
    assert check_dn("OU = Staff , DC = x") == "OU=Staff,DC=x"
    assert check_dn("OU=Staff,DC=x") == "OU=Staff,DC=x"
    assert check_dn("CN=Tier0\\2C Admins,DC=x") == "CN=Tier0\\, Admins,DC=x"
    assert canonical("CN=line\\0Abreak,DC=x") == "CN=line\\0Abreak,DC=x"


# Moved from test__ldap.py with _ldap's escape_dn_value and dn_is_under wrappers (callers use
# these directly); an empty base or a malformed DN is now refused where the user gives it (the
# modules' selection and exclude checks, tests/unit/plugins/modules/test_inheritance.py).
def test_dn_escaping():
    assert escape_value("iPhone15,2 (DeviceModel)") == "iPhone15\\,2 (DeviceModel)"
    assert escape_value(" #lead") == "\\ #lead"
    assert escape_value("#x") == "\\#x"
    assert escape_value("a+b=c;d<e>f\"g\\") == "a\\+b\\=c\\;d\\<e\\>f\\\"g\\\\"


def test_dn_is_under():
    assert is_at_or_below("CN=a,OU=Staff,DC=x", "ou=staff, dc=x")
    assert is_at_or_below("OU=Staff,DC=x", "OU=Staff,DC=x")
    assert not is_at_or_below("CN=a,OU=Staffing,DC=x", "OU=Staff,DC=x")
    assert not is_at_or_below("CN=aOU=Staff,DC=x", "OU=Staff,DC=x")


def test_dn_is_under_compares_rdns_not_raw_text():
    # AD spells the excluded OU with '\2C'; the user typed '\,': the same OU (issue 12 item 4)
    assert is_at_or_below("CN=a,OU=Tier0\\2C Admins,DC=x", "OU=Tier0\\, Admins,DC=x")
    # an escaped comma is part of a value, not the start of a parent
    assert not is_at_or_below("CN=a\\,OU=Staff,DC=x", "OU=Staff,DC=x")


def test_a_malformed_dn_is_a_dn_error():
    with pytest.raises(DnError):
        is_at_or_below("CN=a,=broken", "DC=x")


def test_parent_is_one_rdn_up_and_escaped_commas_stay_in_values():
    assert parent("CN=Doe\\, Jane,OU=Staff,DC=x") == "OU=Staff,DC=x"
    assert parent("CN=a\\2Cb,OU=Tier0\\2C Admins,DC=x") == "OU=Tier0\\, Admins,DC=x"
    assert same_dn(parent("cn = a , ou=Z\\C3\\BCrich,dc=x"), "OU=Zürich,DC=x")
    assert parent("CN=a+SN=b,OU=x\\+y,DC=x") == "OU=x\\+y,DC=x"
    assert parent("DC=x") == ""
    with pytest.raises(DnError):
        parent("CN=a,,DC=x")


# -- issue 20 item 7: the fast paths and '#' values --------------------------------------------

def test_a_string_value_starting_with_nul_and_hash_is_not_a_ber_value():
    # "\00#ab" is the string NUL '#' 'a' 'b'; "#ab" is the BER value 0xAB: two DNs
    assert not same_dn("CN=\\00#ab,DC=x", "CN=#ab,DC=x")
    assert not same_dn("CN=\\00\\23ab,DC=x", "CN=#ab,DC=x")
    assert dn_key("CN=#AB,DC=x") == dn_key("cn=#ab,dc=x")
    assert parse("CN=\\00#ab,DC=x").first_rdn_value() == "\x00#ab"
    assert parse("CN=#ab,DC=x").first_rdn_value() == "#ab"
    assert canonical("CN=\\00#ab,DC=x") == "CN=\\00#ab,DC=x"


@pytest.mark.parametrize("text", ["\u017fn=x,dc=y", "CN=x,\u212ac=y", "c\u0130=x"])
def test_attribute_type_names_are_ascii_only(text):
    # U+017F and U+212A casefold to 's' and 'k': the fast path must not turn them into types
    with pytest.raises(DnError):
        dn_key(text)


def test_a_non_ascii_key_after_escapes_is_the_parsers_key():
    # U+0345 (combining ypogegrammeni, casefolds to iota) escaped, then U+0301: folded apart
    # they give "ai'", folded together (canonical order first) "a'i"
    escaped = "CN=\u03b1\\CD\\85\u0301,DC=x"
    plain = "CN=\u03b1\u0345\u0301,DC=x"
    assert dn_key(escaped) == _dn._slow_key(escaped) == _dn._slow_key(plain)
    assert same_dn(escaped, plain)


@pytest.mark.parametrize("dn,rdn,parent", [
    ("CN=User 1,OU=Sales,DC=x", "CN=User 1", "OU=Sales,DC=x"),
    ("CN=Doe\\, Jane,OU=Sales,DC=x", "CN=Doe\\, Jane", "OU=Sales,DC=x"),
    ("CN=back\\\\,OU=x", "CN=back\\\\", "OU=x"),
    ("DC=x", "DC=x", ""),
])
def test_split_dn_at_the_first_unescaped_comma(dn, rdn, parent):
    assert _dn.split_dn(dn) == (rdn, parent)
