# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SDDL (MS-DTYP 2.5.1): descriptors rendered and parsed for one domain's aliases (Sddl), rights
as letters (rights_text, parse_rights), and the private (X:<hex>) form for ACEs SDDL cannot
spell. Private."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Optional, Sequence, Tuple

from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    sid_from_str, sid_to_str)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    ACL_REVISION_DS, OBJECT_ACE_TYPES, SE_DACL_AUTO_INHERITED, SE_DACL_PRESENT, SE_DACL_PROTECTED,
    SE_SACL_PRESENT, SE_SELF_RELATIVE, Ace, Acl, SecurityDescriptor)

if TYPE_CHECKING:  # annotations only: the RootDSE the client read
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import RootDse


# -- SDDL (MS-DTYP 2.5.1) ----------------------------------------------------------------------
# Renderings follow Samba's letter order; compare parsed masks, never SDDL text.
#
# An ACE SDDL cannot spell here (callback and conditional ACEs, types 0x09-0x10, which carry
# application data such as a conditional expression after the SID; compound, resource
# attribute and unknown types) is written as the private extension (X:<hex>): the ACE's bytes
# exactly as stored, header, padding and application data included, in hexadecimal. This
# module's parser reads it back to the same bytes, so a journal's SDDL restores such a DACL
# byte for byte; Windows and Samba do not read it.
RAW_ACE_PREFIX = "X:"

SDDL_ACE_TYPES = [("A", 0x00), ("D", 0x01), ("AU", 0x02), ("AL", 0x03), ("OA", 0x05),
                  ("OD", 0x06), ("OU", 0x07), ("OL", 0x08), ("ML", 0x11), ("SP", 0x13)]
SDDL_ACE_FLAGS = [("OI", 0x01), ("CI", 0x02), ("NP", 0x04), ("IO", 0x08), ("ID", 0x10),
                  ("SA", 0x40), ("FA", 0x80)]
SDDL_RIGHTS = [("RP", 0x10), ("WP", 0x20), ("CR", 0x100), ("CC", 0x1), ("DC", 0x2), ("LC", 0x4),
               ("LO", 0x80), ("RC", 0x20000), ("WO", 0x80000), ("WD", 0x40000), ("SD", 0x10000),
               ("DT", 0x40), ("SW", 0x8), ("GA", 0x10000000), ("GR", 0x80000000),
               ("GW", 0x40000000), ("GX", 0x20000000)]
# Parse-only spellings of common masks (Windows renders these; Samba does not).
SDDL_RIGHTS_EXTRA = {"FA": 0x1F01FF, "FR": 0x120089, "FW": 0x120116, "FX": 0x1200A0,
                     "KA": 0xF003F, "KR": 0x20019, "KW": 0x20006, "KX": 0x20019,
                     "NR": 0x1, "NW": 0x2, "NX": 0x4}
_ACE_TYPE_BY_NAME = dict(SDDL_ACE_TYPES)
_ACE_NAME_BY_TYPE = dict((code, name) for name, code in SDDL_ACE_TYPES)
_ACE_FLAG_BY_NAME = dict(SDDL_ACE_FLAGS)
_RIGHTS_BY_NAME = dict(SDDL_RIGHTS, **SDDL_RIGHTS_EXTRA)
SDDL_DACL_FLAGS = [("P", SE_DACL_PROTECTED), ("AR", 0x0100), ("AI", SE_DACL_AUTO_INHERITED)]
SDDL_SACL_FLAGS = [("P", 0x2000), ("AR", 0x0200), ("AI", 0x0800)]

SDDL_WELL_KNOWN = {
    "WD": "S-1-1-0", "CO": "S-1-3-0", "CG": "S-1-3-1", "OW": "S-1-3-4", "NU": "S-1-5-2",
    "IU": "S-1-5-4", "SU": "S-1-5-6", "AN": "S-1-5-7", "ED": "S-1-5-9", "PS": "S-1-5-10",
    "AU": "S-1-5-11", "RC": "S-1-5-12", "SY": "S-1-5-18", "LS": "S-1-5-19", "NS": "S-1-5-20",
    "WR": "S-1-5-33", "UD": "S-1-5-84-0-0-0-0-0", "AC": "S-1-15-2-1", "AS": "S-1-18-1",
    "SS": "S-1-18-2", "LW": "S-1-16-4096", "ME": "S-1-16-8192", "MP": "S-1-16-8448",
    "HI": "S-1-16-12288", "SI": "S-1-16-16384",
    "BA": "S-1-5-32-544", "BU": "S-1-5-32-545", "BG": "S-1-5-32-546", "PU": "S-1-5-32-547",
    "AO": "S-1-5-32-548", "SO": "S-1-5-32-549", "PO": "S-1-5-32-550", "BO": "S-1-5-32-551",
    "RE": "S-1-5-32-552", "RU": "S-1-5-32-554", "RD": "S-1-5-32-555", "NO": "S-1-5-32-556",
    "MU": "S-1-5-32-558", "LU": "S-1-5-32-559", "IS": "S-1-5-32-568", "CY": "S-1-5-32-569",
    "ER": "S-1-5-32-573", "CD": "S-1-5-32-574", "RA": "S-1-5-32-575", "ES": "S-1-5-32-576",
    "MS": "S-1-5-32-577", "HA": "S-1-5-32-578", "AA": "S-1-5-32-579", "RM": "S-1-5-32-580",
}
# Relative to the domain, or (second set) to the forest root domain.
SDDL_DOMAIN_RIDS = {"LA": 500, "LG": 501, "DA": 512, "DU": 513, "DG": 514, "DC": 515,
                    "DD": 516, "CA": 517, "PA": 520, "CN": 522, "AP": 525, "KA": 526,
                    "RS": 553}
SDDL_ROOT_RIDS = {"RO": 498, "SA": 518, "EA": 519, "EK": 527}


class Sddl:
    """SDDL for one domain: aliases such as DA or EA resolve against its SIDs.

    Without a domain SID, domain-relative SIDs are written out in full.
    """

    def __init__(self, domain_sid: Optional[str] = None, root_sid: Optional[str] = None) -> None:
        self.by_alias = dict(SDDL_WELL_KNOWN)
        for rids, base in ((SDDL_DOMAIN_RIDS, domain_sid),
                           (SDDL_ROOT_RIDS, root_sid or domain_sid)):
            if base:
                self.by_alias.update((alias, "%s-%d" % (base, rid)) for alias, rid in rids.items())
        self.by_sid = dict((sid, alias) for alias, sid in self.by_alias.items())

    @classmethod
    def for_domain(cls, dse: RootDse) -> Sddl:
        """SDDL for the domain of the DC the client is bound to (its RootDSE): its SID, and the
        forest root domain's for the aliases of its groups (EA, SA, EK, RO)."""
        return cls(dse.domain_sid, dse.forest_root_sid)

    # rendering
    def sid(self, sid: str) -> str:
        return self.by_sid.get(sid, sid)

    def render(self, sd: SecurityDescriptor, ace_separator: str = "") -> str:
        """SDDL text of a descriptor; ace_separator '\\n' puts one ACE per line (for diffs)."""
        out = []
        if sd.owner:
            out.append("O:" + self.sid(sd.owner))
        if sd.group:
            out.append("G:" + self.sid(sd.group))
        if sd.control & SE_DACL_PRESENT:
            out.append(self._acl("D:", sd.dacl, sd.control, SDDL_DACL_FLAGS, ace_separator))
        if sd.control & SE_SACL_PRESENT:
            out.append(self._acl("S:", sd.sacl, sd.control, SDDL_SACL_FLAGS, ace_separator))
        return "".join(out)

    def _acl(self, prefix: str, acl: Optional[Acl], control: int,
             flag_names: Sequence[Tuple[str, int]], separator: str) -> str:
        head = prefix + "".join(name for name, bit in flag_names if control & bit)
        if acl is None:
            return head + "NO_ACCESS_CONTROL"
        return separator.join([head] + [self.ace(ace) for ace in acl.aces])

    def ace(self, ace: Ace) -> str:
        """One ACE in SDDL; (X:<hex>) with its bytes when SDDL has no form for it here."""
        if ace.type not in _ACE_NAME_BY_TYPE or ace.extra:
            return "(%s%s)" % (RAW_ACE_PREFIX, ace.to_bytes().hex())
        flags = "".join(name for name, bit in SDDL_ACE_FLAGS if ace.flags & bit)
        fields = (_ACE_NAME_BY_TYPE[ace.type], flags, rights_text(ace.mask), ace.object_type or "",
                  ace.inherited_object_type or "", self.sid(ace.sid))
        return "(%s)" % ";".join(fields)

    # parsing
    def parse(self, text: str) -> SecurityDescriptor:
        """SDDL text to a SecurityDescriptor (self-relative, AD layout when serialized)."""
        text = "".join(str(text).split())
        sd = SecurityDescriptor(SE_SELF_RELATIVE)
        pos = 0
        seen = set()
        while pos < len(text):
            tag = text[pos:pos + 2]
            if tag not in ("O:", "G:", "D:", "S:") or tag in seen:
                raise SecurityDescriptorError("SDDL %r: unexpected %r at %d"
                                              % (_short(text), text[pos:pos + 8], pos))
            seen.add(tag)
            end = _section_end(text, pos + 2)
            body = text[pos + 2:end]
            if tag == "O:":
                sd.owner = self.parse_sid(body)
            elif tag == "G:":
                sd.group = self.parse_sid(body)
            else:
                dacl = tag == "D:"
                flags, acl = self._parse_acl(body, SDDL_DACL_FLAGS if dacl else SDDL_SACL_FLAGS)
                sd.control |= flags | (SE_DACL_PRESENT if dacl else SE_SACL_PRESENT)
                if dacl:
                    sd.dacl = acl
                else:
                    sd.sacl = acl
            pos = end
        return sd

    def parse_sid(self, text: str) -> str:
        if text.upper() in self.by_alias:
            return self.by_alias[text.upper()]
        if text.upper().startswith("S-"):
            return sid_to_str(sid_from_str(text))
        raise SecurityDescriptorError("%r is neither a SID nor a known SDDL alias" % text)

    def _parse_acl(self, body: str, flag_names: Sequence[Tuple[str, int]]
                   ) -> Tuple[int, Optional[Acl]]:
        flags = 0
        pos = 0
        while pos < len(body) and body[pos] != "(":
            if body[pos:].upper() == "NO_ACCESS_CONTROL":
                return flags, None
            for name, bit in flag_names:
                if body[pos:pos + len(name)].upper() == name:
                    flags |= bit
                    pos += len(name)
                    break
            else:
                raise SecurityDescriptorError("unknown ACL flag in %r" % body[:pos + 4])
        aces = []
        while pos < len(body):
            end = body.find(")", pos)
            if body[pos] != "(" or end < 0:
                raise SecurityDescriptorError("malformed ACE in %r" % _short(body[pos:]))
            aces.append(self.parse_ace(body[pos + 1:end]))
            pos = end + 1
        acl = Acl(ACL_REVISION_DS if any(a.is_object for a in aces) else 2, aces)
        return flags, acl

    def parse_ace(self, text: str) -> Ace:
        if text[:len(RAW_ACE_PREFIX)].upper() == RAW_ACE_PREFIX:
            return _raw_ace(text)
        fields = text.split(";")
        if len(fields) != 6:
            raise SecurityDescriptorError("ACE %r needs 6 fields (type;flags;rights;object;"
                                          "inherited object;SID), got %d" % (text, len(fields)))
        kind, flag_text, rights, object_type, inherited_type, sid = fields
        if kind.upper() not in _ACE_TYPE_BY_NAME:
            raise SecurityDescriptorError("ACE %r: unknown type %r" % (text, kind))
        flags = _letters(flag_text, _ACE_FLAG_BY_NAME, "ACE flag", text)
        ace_type = _ACE_TYPE_BY_NAME[kind.upper()]
        guids = [_guid(g, text) for g in (object_type, inherited_type)]
        if any(guids) and ace_type not in OBJECT_ACE_TYPES:
            raise SecurityDescriptorError("ACE %r: only object ACE types carry GUIDs" % text)
        return Ace(ace_type, flags, parse_rights(rights, text), self.parse_sid(sid), guids[0],
                   guids[1])


def _raw_ace(text: str) -> Ace:
    """(X:<hex>): an ACE given as its bytes; it serializes to exactly those bytes again."""
    try:
        blob = bytes.fromhex(text[len(RAW_ACE_PREFIX):])
    except ValueError:
        raise SecurityDescriptorError("ACE %r: the bytes after %s are not hexadecimal"
                                      % (_short(text), RAW_ACE_PREFIX))
    ace = Ace.parse(blob, 0, len(blob))
    if len(ace.to_bytes()) != len(blob):
        raise SecurityDescriptorError("ACE %r: its size field says %d bytes, the hex holds %d"
                                      % (_short(text), len(ace.to_bytes()), len(blob)))
    return ace


def rights_text(mask: int) -> str:
    """Letters when every bit has one, else 0x%08x (as Samba renders)."""
    letters = ""
    rest = mask
    for name, bit in SDDL_RIGHTS:
        if rest & bit:
            letters += name
            rest &= ~bit
    return letters if not rest else "0x%08x" % mask


def parse_rights(text: str, context: str = "") -> int:
    if text[:2].lower() == "0x" or text.isdigit():
        try:
            value = int(text, 0) if text[:2].lower() == "0x" else int(text)
        except ValueError:
            value = -1
        if not 0 <= value < 1 << 32:
            raise SecurityDescriptorError("ACE %r: access mask %r is not a 32-bit number"
                                          % (context, text))
        return value
    return _letters(text, _RIGHTS_BY_NAME, "right", context)


def _letters(text: str, table: dict[str, int], what: str, context: str) -> int:
    value = 0
    for pos in range(0, len(text), 2):
        token = text[pos:pos + 2].upper()
        if token not in table:
            raise SecurityDescriptorError("ACE %r: unknown %s %r" % (context, what, token))
        value |= table[token]
    return value


def _guid(text: str, context: str) -> Optional[str]:
    if not text:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise SecurityDescriptorError("ACE %r: %r is not a GUID" % (context, text))


def _section_end(text: str, pos: int) -> int:
    """End of an O:/G:/D:/S: section: the next tag outside parentheses."""
    depth = 0
    while pos < len(text):
        char = text[pos]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and text[pos:pos + 2] in ("O:", "G:", "D:", "S:"):
            return pos
        pos += 1
    return pos


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
