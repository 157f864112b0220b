# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Distinguished names compared the way the directory compares them, never as raw strings.
Private to this collection.

API (stable; other module_utils build on it):

  parse(text) -> Dn              DnError (a ValueError) naming the DN when it is malformed
  dn_key(text) -> str            key: equal for every spelling of one DN; use it for
                                 dict keys and sets (cached, cheap to call per entry)
  DnMap()                        a dict where any spelling of a DN finds its value
  same_dn(a, b) -> bool
  is_at_or_below(dn, base)       dn is base or in base's subtree ("" is the root: always True)
  canonical(text) -> str         RFC 4514 spelling to send to the server (one escape style,
                                 no spaces around "=", "," and "+"), e.g. for ldap3, which
                                 rejects "OU = Staff"
  first_rdn_value(text) -> str   the unescaped value of the first RDN, original case
  dn_list(value, option) -> list option values: one string is ONE DN, a string with newlines
                                 is one DN per line, a list is one DN per item (see below)

What counts as the same DN (as AD does it): attribute types case-insensitive (and the OIDs of
the usual naming attributes equal their names: 2.5.4.3 is CN); values compared after undoing
RFC 4514 escapes (``\\2C`` and ``\\,`` are both a comma, ``\\C3\\BC`` is u-umlaut), without the
spaces around "=", "," and "+" that are not part of the value, Unicode NFC-normalised and
case-folded; the AVAs of a multi-valued RDN in any order. Spaces inside a value count.

ldap3's parse_dn is not used for this: it rejects "OU = Staff, DC = x" (spaces around "="),
leaves escapes in the values, and compares nothing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Iterable, List, Optional, Tuple, Union

from ansible_collections.adremedy.directory.plugins.module_utils._errors import DnError


_TYPE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*|(?:OID\.|oid\.)?[0-9]+(?:\.[0-9]+)*)$")
_HEX = "0123456789abcdefABCDEF"
# Characters an RDN value may carry only escaped (RFC 4514 2.4); "=" is allowed unescaped.
_MUST_ESCAPE = set('"+,;<>\\')
_SEPARATORS = ",;+"
# OIDs of the naming attributes AD uses, so "2.5.4.3=x" and "CN=x" are one RDN.
_OID_NAMES = {
    "2.5.4.3": "cn", "2.5.4.11": "ou", "2.5.4.10": "o", "0.9.2342.19200300.100.1.25": "dc",
    "2.5.4.6": "c", "2.5.4.7": "l", "2.5.4.8": "st", "2.5.4.9": "street",
    "0.9.2342.19200300.100.1.1": "uid",
}
_CACHE_SIZE = 65536


class _Ber(str):
    """A '#'-hex (BER) value in parsed RDNs: its hex digits, lower case, tagged by its type (a
    string value is a plain str, whatever its characters: "\\00#ab" is not "#ab"). Its key is
    '#' and the digits; a string value's key always has '#' hex-escaped."""

    __slots__ = ()


def _fold(value: str) -> str:
    # Unicode's canonical caseless match (NFD, casefold, then NFC for a compact key): casefold
    # can decompose (U+01F0 -> j + U+030C), so the key is normalised after it, not only before.
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", value).casefold())


def _type_key(name: str) -> str:
    lower = name.lower()
    if lower.startswith("oid."):
        lower = lower[4:]
    return _OID_NAMES.get(lower, lower)


def _check_type(text: str, name: str) -> str:
    if not _TYPE.match(name):
        raise DnError(text, "attribute type %r" % name if name else "an RDN without a type")
    return name


def _value_end(text: str, i: int) -> Tuple[bytearray, int]:
    """Parse one attribute value starting at i; (UTF-8 bytes of the value, index after it)."""
    # extend(), never +=: ansible-core 2.18's AnsibleUnsafeBytes (what a template's DN encodes to)
    # has __radd__, which turns `bytearray += unsafe` into an immutable AnsibleUnsafeBytes.
    out = bytearray()
    keep = 0  # length of out up to the last character that is not an unescaped space
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _SEPARATORS:
            break
        if ch == "\\":
            if i + 1 >= n:
                raise DnError(text, "it ends in a lone backslash")
            pair = text[i + 1:i + 3]
            if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
                out.append(int(pair, 16))
                i += 3
            else:
                out.extend(text[i + 1].encode("utf-8"))
                i += 2
            keep = len(out)
            continue
        if ch in _MUST_ESCAPE:
            raise DnError(text, "%r must be escaped at position %d" % (ch, i))
        out.extend(ch.encode("utf-8"))
        if ch != " ":
            keep = len(out)
        i += 1
    del out[keep:]
    return out, i


def _parse_value(text: str, i: int) -> Tuple[str, int]:
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    if i < n and text[i] == "#":  # BER-encoded value: compare the hex digits
        j = i + 1
        while j < n and text[j] in _HEX:
            j += 1
        digits = text[i + 1:j]
        if not digits or len(digits) % 2:
            raise DnError(text, "a '#' value needs an even number of hex digits")
        k = j
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] not in _SEPARATORS:
            raise DnError(text, "unexpected %r after a '#' value" % text[k])
        return _Ber(digits.lower()), k
    if i < n and text[i] == '"':  # RFC 1779 quoted value, still accepted by AD
        out = []
        j = i + 1
        while j < n and text[j] != '"':
            if text[j] == "\\" and j + 1 < n:
                j += 1
            out.append(text[j])
            j += 1
        if j >= n:
            raise DnError(text, "an unterminated quoted value")
        k = j + 1
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] not in _SEPARATORS:
            raise DnError(text, "unexpected %r after a quoted value" % text[k])
        return "".join(out), k
    raw, end = _value_end(text, i)
    try:
        return raw.decode("utf-8"), end
    except UnicodeDecodeError:
        raise DnError(text, "its hex escapes are not UTF-8")


def _parse(text: str) -> Tuple[Tuple[Tuple[str, str], ...], ...]:
    """RDNs as tuples of (type as written, unescaped value), first RDN first."""
    if not isinstance(text, str):
        raise DnError(str(text), "it is a %s, not a string" % type(text).__name__)
    if not text.strip():
        return ()
    rdns = []
    current = []
    i, n = 0, len(text)
    while True:
        eq = text.find("=", i)
        if eq < 0:
            raise DnError(text, "%r has no '='" % text[i:].strip() if text[i:].strip()
                          else "it ends with a separator")
        name = text[i:eq].strip()
        if any(sep in name for sep in _SEPARATORS):
            raise DnError(text, "an RDN without '=' before position %d" % eq)
        _check_type(text, name)
        value, i = _parse_value(text, eq + 1)
        current.append((name, value))
        if i >= n:
            rdns.append(tuple(current))
            return tuple(rdns)
        sep = text[i]
        i += 1
        if sep != "+":
            rdns.append(tuple(current))
            current = []
        if not text[i:].strip():
            raise DnError(text, "it ends with %r" % sep)


def _key_escape(value: str) -> str:
    """The characters that would make two different DNs one key (',', '+', backslash, and '#',
    which starts a BER value) hex-escaped, so ',' and '+' in a key are always separators."""
    if "\\" in value or "," in value or "+" in value or "#" in value:
        value = value.replace("\\", "\\5c").replace(",", "\\2c").replace("+", "\\2b") \
            .replace("#", "\\23")
    return value


def _key_value(value: str) -> str:
    return _key_escape(_fold(value))


def _rdn_key(avas: List[Tuple[str, str]]) -> str:
    if len(avas) == 1:
        return "%s=%s" % avas[0]
    return "+".join(sorted("%s=%s" % ava for ava in avas))


# A DN of letter-named types without escapes, quotes, '#' values or multi-valued RDNs, folded.
_PLAIN = re.compile(r" *[a-z][a-z0-9-]* *=[^,]*(?:, *[a-z][a-z0-9-]* *=[^,]*)*")


def _fast_key(text: str) -> Optional[str]:
    """The key of most DNs by two C-speed steps; None when the other parsers are needed."""
    if "\\" in text or '"' in text or "+" in text or ";" in text or "#" in text \
            or "<" in text or ">" in text:
        return None
    if text.isascii():
        folded = text.casefold()
    else:
        # attribute types are ASCII: folding must not make one of U+017F or U+212A ('s', 'k')
        if not all(rdn.partition("=")[0].isascii() for rdn in text.split(",")):
            return None
        folded = _fold(text)
    if not _PLAIN.fullmatch(folded):
        return None
    if folded.startswith(" ") or folded.endswith(" ") or ", " in folded or " ," in folded \
            or " =" in folded or "= " in folded:
        rdns = []
        for rdn in folded.split(","):
            name, _eq, value = rdn.partition("=")
            rdns.append("%s=%s" % (name.strip(" "), value.strip(" ")))
        folded = ",".join(rdns)
    return folded  # letter-named types only (OIDs take the other paths): nothing to alias


_ESCAPES = re.compile(r"(?:\\[0-9A-Fa-f]{2})+|\\(.)", re.S)
_HEX_ESCAPE = re.compile(r"\\[0-9A-Fa-f]{2}")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
# While an escaped DN is split, each escape stands in as a private-use character: the ones AD
# escapes singly at fixed code points (cheap str.replace), hex escapes numbered from _NUMBERED.
# The tables give each back in its key form (folded, separators hex-escaped).
_SINGLE = '\\,+"<>;=# '
_SINGLE_HIDE = [("\\" + ch, chr(0xE000 + ord(ch))) for ch in _SINGLE]
_SINGLE_SHOW = [(chr(0xE000 + ord(ch)), _key_escape(ch)) for ch in _SINGLE]
_NUMBERED = 0xE100


def _hide_escapes(text: str) -> Optional[Tuple[str, List[Tuple[str, str]]]]:
    """(text with every escape replaced by a private-use character, the table to put their
    key forms back), or None when the text has private-use characters of its own or hex
    escapes that are not UTF-8."""
    if not text.isascii() and _PRIVATE.search(text):
        return None
    if not _HEX_ESCAPE.search(text):
        for escape, placeholder in _SINGLE_HIDE:
            if escape in text:
                text = text.replace(escape, placeholder)
        return text, _SINGLE_SHOW
    decoded: List[str] = []

    def hide(match: "re.Match[str]") -> str:
        if match.group(1) is not None:
            decoded.append(match.group(1))
        else:
            decoded.append(bytes.fromhex(match.group(0).replace("\\", "")).decode("utf-8"))
        return chr(_NUMBERED + len(decoded) - 1)

    try:
        hidden = _ESCAPES.sub(hide, text)
    except UnicodeDecodeError:
        return None
    if len(decoded) > 0xF8FF - _NUMBERED:
        return None
    return hidden, [(chr(_NUMBERED + i), _key_value(value)) for i, value in enumerate(decoded)]


def _escaped_key(text: str) -> Optional[str]:
    """The key of a DN with backslash escapes (``Doe\\, Jane``, ``Z\\C3\\BCrich``) at nearly the
    speed of a plain one: escapes hidden, the plain shortcut, their key forms put back. None
    where the shortcut steps aside (quotes, '#' values, '+', ';', OIDs, malformed)."""
    hidden = _hide_escapes(text)
    if hidden is None:
        return None
    key = _fast_key(hidden[0])
    if key is None:
        return None
    for placeholder, form in hidden[1]:  # str.translate with a dict is slower than this
        if placeholder in key:
            key = key.replace(placeholder, form)
    # Folded piece by piece, non-ASCII text can differ from the value folded whole (canonical
    # order across an escape: U+0345 escaped before U+0301): the parser decides those.
    return key if key.isascii() else None


@lru_cache(maxsize=_CACHE_SIZE)
def dn_key(text: str) -> str:
    """Hashable key equal for every spelling of one DN (DnError when it is malformed): the
    RDNs folded and joined by ',' with only ',', '+', '\\' hex-escaped in values."""
    if isinstance(text, str):
        fast = _fast_key(text)
        if fast is None:
            fast = _escaped_key(text)
        if fast is not None:
            return fast
    return _slow_key(text)


def dn_key_or_text(text: str) -> str:
    """dn_key, or the text in lower case when it is not a DN: a key for matching values that
    ought to be DNs (a policy link, a row from a playbook) without failing on one that is not."""
    try:
        return dn_key(text)
    except DnError:
        return text.lower()


def _slow_key(text: str) -> str:
    return ",".join(_rdn_key([(_type_key(name), "#" + value if isinstance(value, _Ber)
                               else _key_value(value)) for name, value in rdn])
                    for rdn in _parse(text))


def escape_value(value: str) -> str:
    """Escape an RDN value (RFC 4514): 'iPhone15,2 (DeviceModel)' -> 'iPhone15\\,2 (...)'."""
    out = []
    last = len(value) - 1
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;=' or (ch == "#" and i == 0) or (ch == " " and i in (0, last)):
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append("\\%02X" % ord(ch))  # NUL must be escaped; other controls as AD does
        else:
            out.append(ch)
    return "".join(out)


def _spell(rdns: Tuple[Tuple[Tuple[str, str], ...], ...]) -> str:
    return ",".join("+".join("%s=%s" % (name, "#" + value if isinstance(value, _Ber)
                                        else escape_value(value))
                             for name, value in rdn) for rdn in rdns)


class Dn:
    """A parsed DN: the text as given, its RDNs, and the key it compares and hashes by."""

    __slots__ = ("text", "rdns", "key")

    def __init__(self, text: str) -> None:
        self.rdns = _parse(text)
        self.text = text
        self.key = dn_key(text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dn):
            return self.key == other.key
        if isinstance(other, str):
            return same_dn(self.text, other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "Dn(%r)" % self.text

    def is_at_or_below(self, base: Union[str, "Dn"]) -> bool:
        base_key = base.key if isinstance(base, Dn) else dn_key(base)
        return _key_at_or_below(self.key, base_key)

    def canonical(self) -> str:
        return _spell(self.rdns)

    def parent(self) -> str:
        """The DN one level up, in RFC 4514 spelling; '' for a DN of one RDN."""
        return _spell(self.rdns[1:])

    def first_rdn_value(self) -> str:
        if not self.rdns:
            return ""
        value = self.rdns[0][0][1]
        return "#" + value if isinstance(value, _Ber) else str(value)


def _key_at_or_below(key: str, base: str) -> bool:
    """Keys hex-escape ',' inside values, so a suffix after a ',' is a suffix of whole RDNs."""
    return not base or key == base or key.endswith("," + base)


def parse(text: str) -> Dn:
    return Dn(text)


def same_dn(a: str, b: str) -> bool:
    return dn_key(a) == dn_key(b)


def is_at_or_below(dn: str, base: str) -> bool:
    """True when dn is base or below it, comparing parsed, normalised RDNs."""
    return _key_at_or_below(dn_key(dn), dn_key(base))


def first_at_or_above(dn: str, bases: Iterable[str]) -> Optional[str]:
    """The first of bases that dn is at or below, or None (e.g. which exclude matched)."""
    key = dn_key(dn)
    return next((base for base in bases if _key_at_or_below(key, dn_key(base))), None)


def canonical(text: str) -> str:
    """RFC 4514 spelling: the text itself when it is already plain (most DNs), else rebuilt."""
    if isinstance(text, str) and _fast_key(text) is not None and not (
            text.startswith(" ") or text.endswith(" ") or ", " in text or " ," in text
            or " =" in text or "= " in text):
        return text
    return Dn(text).canonical()


def parent(text: str) -> str:
    """'CN=Doe\\, Jane,OU=Staff,DC=x' -> 'OU=Staff,DC=x' (an escaped comma is part of a value);
    '' for a DN of one RDN. DnError for a malformed one."""
    return Dn(text).parent()


def first_rdn_value(text: str) -> str:
    return Dn(text).first_rdn_value()


class DnMap(dict):
    """A dict keyed by DN where any spelling of a DN finds its value (keys are dn_key()s)."""

    def __getitem__(self, dn: str) -> Any:
        return super().__getitem__(dn_key(dn))

    def __setitem__(self, dn: str, value: Any) -> None:
        super().__setitem__(dn_key(dn), value)

    def __contains__(self, dn: object) -> bool:
        return isinstance(dn, str) and super().__contains__(dn_key(dn))

    def get(self, dn: str, default: Any = None) -> Any:
        return super().get(dn_key(dn), default)

    def setdefault(self, dn: str, default: Any = None) -> Any:
        return super().setdefault(dn_key(dn), default)


def dn_list(value: object, option: str) -> List[str]:
    """A DN-valued list option as a list of DNs, for options typed ``raw`` (Ansible's ``list``
    type splits a string at commas, and every DN has commas): None -> [], one string -> that
    DN (several when it has line breaks, one per non-empty line, as an AWX survey textarea
    gives them), a list -> its items, each one DN. ValueError naming the option otherwise."""
    if value is None:
        return []
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    if isinstance(value, (list, tuple)):
        out = []
        for number, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise ValueError("%s[%d] is %r, not a DN string" % (option, number, item))
            if item.strip():
                out.append(item.strip())
        return out
    raise ValueError("%s must be a DN, several DNs one per line, or a list of DNs, not a %s"
                     % (option, type(value).__name__))


_FIRST_RDN = re.compile(r"((?:[^\\,]|\\.)*),(.*)", re.S)


def split_dn(dn: str) -> Tuple[str, str]:
    """('CN=x', 'OU=y,...') at the first unescaped comma, each part as written (not parsed, so
    never an error: the report shows what the DC returned)."""
    found = _FIRST_RDN.match(dn)
    return (found.group(1), found.group(2)) if found else (dn, "")
