# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security descriptors and SIDs (MS-DTYP 2.4.2 and 2.4.6), standard library only. Private."""

from __future__ import annotations

import struct
import uuid
from typing import (TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Sequence, Tuple, TypeVar,
                    Union)

if TYPE_CHECKING:  # annotations only: the tree is read by _object_types
    from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import (
        ObjectTypes)

BytesLike = Union[bytes, bytearray, memoryview]
AceKey = Tuple[int, int, int, str, Optional[str], Optional[str], bytes]
# who the duplicate check tells apart: (SID, a callback ACE's condition or an index, or None)
Trustee = Tuple[str, object]

SE_DACL_PRESENT = 0x0004
SE_SACL_PRESENT = 0x0010
SE_DACL_AUTO_INHERITED = 0x0400
SE_DACL_PROTECTED = 0x1000
SE_SELF_RELATIVE = 0x8000


# AclSize, AceCount and AceSize are 16-bit fields: an ACL (the whole DACL) holds at most 65,535
# bytes, however many ACEs that is (AD: "64 KB, about 1,820 ACEs").
MAX_ACL_BYTES = 0xFFFF


class SecurityDescriptorError(ValueError):
    """A blob that is not a valid self-relative security descriptor or SID, or a descriptor that
    cannot be encoded (an ACL over 64 KiB). `dn` names the object whose descriptor it is, where
    the code that raised it knew (the module base puts it in the one-line message)."""

    dn: Optional[str] = None

    def about(self, dn: Optional[str]) -> SecurityDescriptorError:
        """This error, naming the object (the first name given stays)."""
        if self.dn is None:
            self.dn = dn
        return self


class AclTooLargeError(SecurityDescriptorError):
    """The DACL (or SACL) to write does not fit the 16-bit AclSize of the format."""

    def __init__(self, size: int, count: Optional[int], what: str = "ACL") -> None:
        aces = " with %d ACEs" % count if count is not None else ""
        super(AclTooLargeError, self).__init__(
            "the %s would be %d bytes%s; an ACL holds at most %d bytes (64 KiB), so the "
            "directory cannot store it" % (what, size, aces, MAX_ACL_BYTES))
        self.size = size
        self.count = count
        self.what = what


def sid_to_str(blob: BytesLike, offset: int = 0) -> str:
    """Binary SID (MS-DTYP 2.4.2.2) to 'S-1-5-21-...'."""
    blob = bytes(blob)
    if len(blob) < offset + 8:
        raise SecurityDescriptorError("SID at offset %d is truncated" % offset)
    revision, count = blob[offset], blob[offset + 1]
    end = offset + 8 + 4 * count
    if revision != 1 or count > 15 or len(blob) < end:
        raise SecurityDescriptorError("SID at offset %d is malformed" % offset)
    authority = int.from_bytes(blob[offset + 2:offset + 8], "big")
    subs = struct.unpack_from("<%dI" % count, blob, offset + 8)
    return "S-%d-%d%s" % (revision, authority, "".join("-%d" % s for s in subs))


def sid_from_str(text: str) -> bytes:
    """'S-1-5-32-544' to its binary form."""
    parts = text.strip().upper().split("-")
    if len(parts) < 3 or parts[0] != "S" or parts[1] != "1":
        raise SecurityDescriptorError("%r is not a SID" % text)
    try:
        authority = int(parts[2])
        subs = [int(p) for p in parts[3:]]
    except ValueError:
        raise SecurityDescriptorError("%r is not a SID" % text)
    if len(subs) > 15 or authority >= 1 << 48 or any(s >= 1 << 32 for s in subs):
        raise SecurityDescriptorError("%r is not a SID" % text)
    return bytes([1, len(subs)]) + authority.to_bytes(6, "big") + struct.pack(
        "<%dI" % len(subs), *subs)


def control_flags(blob: Optional[BytesLike]) -> int:
    """The control word of a self-relative security descriptor (bytes 2-3, little-endian)."""
    blob = bytes(blob or b"")
    if len(blob) < 20 or blob[0] != 1:
        raise SecurityDescriptorError("not a self-relative security descriptor (%d bytes)"
                                      % len(blob))
    return struct.unpack_from("<H", blob, 2)[0]


def dacl_protected(blob: Optional[BytesLike]) -> bool:
    """True when 'include inheritable permissions from the parent' is off."""
    return bool(control_flags(blob) & SE_DACL_PROTECTED)


# ACE types (MS-DTYP 2.4.4.1). Object ACEs carry a flags word and up to two GUIDs before the SID.
ACCESS_ALLOWED = 0x00
ACCESS_DENIED = 0x01
ACCESS_ALLOWED_OBJECT = 0x05
ACCESS_DENIED_OBJECT = 0x06
OBJECT_ACE_TYPES = frozenset([0x05, 0x06, 0x07, 0x08, 0x0B, 0x0C, 0x0F, 0x10])
OBJECT_TYPE_PRESENT = 0x1
INHERITED_OBJECT_TYPE_PRESENT = 0x2
# ACE flags
OBJECT_INHERIT = 0x01
CONTAINER_INHERIT = 0x02
NO_PROPAGATE_INHERIT = 0x04
INHERIT_ONLY = 0x08
INHERITED_ACE = 0x10
ACL_REVISION_DS = 4

# Types whose bytes after the SID can only be padding; others carry application data there.
_PADDED_TYPES = frozenset([0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x11, 0x13])
_HEADER = struct.Struct("<BBHIIII")
_ACL_HEADER = struct.Struct("<BBHHH")


def _sid_length(blob: BytesLike, offset: int) -> int:
    if len(blob) < offset + 2:
        raise SecurityDescriptorError("SID at offset %d is truncated" % offset)
    return 8 + 4 * blob[offset + 1]


_Parsed = TypeVar("_Parsed", bound="_RawBacked")


class _RawBacked:
    """Keeps the bytes something was parsed from, and gives them back while it is unchanged:
    that is what makes the round trip of unmodified input byte-exact (padding, slack, order)."""

    __slots__ = ("_raw", "_key")

    def key(self) -> tuple:
        raise NotImplementedError

    def _remember(self: _Parsed, raw: bytes) -> _Parsed:
        self._raw = raw
        self._key = self.key()
        return self

    def _original(self) -> Optional[bytes]:
        return self._raw if self._raw is not None and self._key == self.key() else None


# raw ACE bytes -> decoded fields (immutable tuples, safe to share)
_ACE_FIELDS: dict[bytes, AceKey] = {}
_ACE_FIELDS_LIMIT = 65536


class Ace(_RawBacked):
    """One ACE. Unchanged ACEs serialize to their original bytes (padding included)."""

    __slots__ = ("type", "flags", "mask", "sid", "object_type", "inherited_object_type", "extra")

    def __init__(self, ace_type: int, flags: int, mask: int, sid: str,
                 object_type: Optional[str] = None, inherited_object_type: Optional[str] = None,
                 extra: bytes = b"") -> None:
        self.type = ace_type
        self.flags = flags
        self.mask = mask
        self.sid = sid
        self.object_type = object_type
        self.inherited_object_type = inherited_object_type
        self.extra = extra
        self._raw = self._key = None

    @property
    def object_flags(self) -> int:
        return ((OBJECT_TYPE_PRESENT if self.object_type else 0)
                | (INHERITED_OBJECT_TYPE_PRESENT if self.inherited_object_type else 0))

    @property
    def is_object(self) -> bool:
        return self.type in OBJECT_ACE_TYPES

    @property
    def inherited(self) -> bool:
        return bool(self.flags & INHERITED_ACE)

    @property
    def inherit_only(self) -> bool:
        return bool(self.flags & INHERIT_ONLY)

    def key(self) -> AceKey:
        """What the ACE means; two ACEs with equal keys grant or deny the same thing."""
        return (self.type, self.flags, self.mask, self.sid, self.object_type,
                self.inherited_object_type, self.extra)

    @classmethod
    def parse(cls, blob: BytesLike, offset: int, limit: int) -> Ace:
        if offset + 4 > limit:
            raise SecurityDescriptorError("ACE at offset %d is truncated" % offset)
        ace_type, flags, size = struct.unpack_from("<BBH", blob, offset)
        if size < 8 or offset + size > limit:
            raise SecurityDescriptorError("ACE at offset %d has size %d beyond its ACL"
                                          % (offset, size))
        raw = bytes(blob[offset:offset + size])
        # Most ACEs of a directory are the same few hundred inherited ones: decode each once.
        fields = _ACE_FIELDS.get(raw)
        if fields is None:
            fields = cls._decode(blob, offset, ace_type, size)
            if len(_ACE_FIELDS) >= _ACE_FIELDS_LIMIT:
                _ACE_FIELDS.clear()
            _ACE_FIELDS[raw] = fields
        ace = cls(*fields)
        ace._raw, ace._key = raw, fields  # key() is the constructor's fields, in this order
        return ace

    @staticmethod
    def _decode(blob: BytesLike, offset: int, ace_type: int, size: int) -> AceKey:
        end = offset + size
        mask = struct.unpack_from("<I", blob, offset + 4)[0]
        pos = offset + 8
        object_type = inherited_object_type = None
        if ace_type in OBJECT_ACE_TYPES:
            if pos + 4 > end:
                raise SecurityDescriptorError("object ACE at offset %d is truncated" % offset)
            object_flags = struct.unpack_from("<I", blob, pos)[0]
            pos += 4
            for bit in (OBJECT_TYPE_PRESENT, INHERITED_OBJECT_TYPE_PRESENT):
                if object_flags & bit:
                    if pos + 16 > end:
                        raise SecurityDescriptorError("object ACE at offset %d is truncated"
                                                      % offset)
                    guid = str(uuid.UUID(bytes_le=bytes(blob[pos:pos + 16])))
                    pos += 16
                    if bit == OBJECT_TYPE_PRESENT:
                        object_type = guid
                    else:
                        inherited_object_type = guid
        sid_end = pos + _sid_length(blob, pos)
        if sid_end > end:
            raise SecurityDescriptorError("SID of the ACE at offset %d runs past the ACE" % offset)
        flags = blob[offset + 1]
        # Bytes after the SID: application data of callback ACEs, or padding. Padding is kept
        # only in the raw copy, so it does not change what the ACE means.
        extra = b"" if ace_type in _PADDED_TYPES else bytes(blob[sid_end:end])
        return (ace_type, flags, mask, sid_to_str(blob, pos), object_type, inherited_object_type,
                extra)

    def to_bytes(self) -> bytes:
        original = self._original()
        if original is not None:
            return original
        body = struct.pack("<I", self.mask)
        if self.is_object:
            body += struct.pack("<I", self.object_flags)
            for guid in (self.object_type, self.inherited_object_type):
                if guid:
                    body += uuid.UUID(guid).bytes_le
        body += sid_from_str(self.sid) + self.extra
        body += b"\x00" * (-(len(body) + 4) % 4)
        if len(body) + 4 > MAX_ACL_BYTES:
            raise AclTooLargeError(len(body) + 4, None, "ACE for %s" % self.sid)
        return struct.pack("<BBH", self.type, self.flags, len(body) + 4) + body

    def copy(self, **changes: object) -> Ace:
        ace = Ace(self.type, self.flags, self.mask, self.sid, self.object_type,
                  self.inherited_object_type, self.extra)
        for name, value in changes.items():
            setattr(ace, name, value)
        return ace


class Acl(_RawBacked):
    """An ACL. Unchanged ACLs serialize to their original bytes (slack included)."""

    __slots__ = ("revision", "sbz1", "sbz2", "aces")

    def __init__(self, revision: int = 2, aces: Optional[Iterable[Ace]] = None, sbz1: int = 0,
                 sbz2: int = 0) -> None:
        self.revision = revision
        self.sbz1 = sbz1
        self.sbz2 = sbz2
        self.aces = list(aces or [])
        self._raw = self._key = None

    def key(self) -> tuple:
        return (self.revision, tuple(ace.key() for ace in self.aces))

    @classmethod
    def parse(cls, blob: BytesLike, offset: int) -> Acl:
        if offset + 8 > len(blob):
            raise SecurityDescriptorError("ACL at offset %d is truncated" % offset)
        revision, sbz1, size, count, sbz2 = _ACL_HEADER.unpack_from(blob, offset)
        end = offset + size
        if size < 8 or end > len(blob):
            raise SecurityDescriptorError("ACL at offset %d has size %d beyond the descriptor"
                                          % (offset, size))
        if count > (size - 8) // 8:
            hint = ""
            if len(blob) - offset > MAX_ACL_BYTES:
                hint = ("; the descriptor is %d bytes, so this ACL is over the 64 KiB its 16-bit "
                        "size can describe (the DC stored more than the format holds)" % len(blob))
            raise SecurityDescriptorError("ACL at offset %d claims %d ACEs in %d bytes%s"
                                          % (offset, count, size, hint))
        acl = cls(revision, sbz1=sbz1, sbz2=sbz2)
        pos = offset + 8
        for _index in range(count):
            ace = Ace.parse(blob, pos, end)
            acl.aces.append(ace)
            pos += len(ace._raw)  # pylint: disable=protected-access
        return acl._remember(bytes(blob[offset:end]))

    def to_bytes(self) -> bytes:
        original = self._original()
        if original is not None:
            return original
        revision = self.revision
        if any(ace.is_object for ace in self.aces):
            revision = max(revision, ACL_REVISION_DS)
        body = b"".join(ace.to_bytes() for ace in self.aces)
        if len(body) + 8 > MAX_ACL_BYTES:
            raise AclTooLargeError(len(body) + 8, len(self.aces))
        return _ACL_HEADER.pack(revision, self.sbz1, len(body) + 8, len(self.aces),
                                self.sbz2) + body


def _acl_bytes(acl: Optional[Acl], what: str) -> Optional[bytes]:
    if acl is None:
        return None
    try:
        return acl.to_bytes()
    except AclTooLargeError as exc:
        if exc.what != "ACL":  # one ACE too large: its own message says which
            raise
        raise AclTooLargeError(exc.size, exc.count, what)


class SecurityDescriptor(_RawBacked):
    """A self-relative security descriptor (MS-DTYP 2.4.6).

    Parsing follows the offsets, whatever order the parts are in. An unmodified descriptor
    serializes to exactly the input bytes; a modified one in AD's layout: header, SACL, DACL,
    owner, group.
    """

    __slots__ = ("revision", "sbz1", "control", "owner", "group", "sacl", "dacl")

    def __init__(self, control: int = SE_SELF_RELATIVE, owner: Optional[str] = None,
                 group: Optional[str] = None, sacl: Optional[Acl] = None,
                 dacl: Optional[Acl] = None, sbz1: int = 0) -> None:
        self.revision = 1
        self.sbz1 = sbz1
        self.control = control
        self.owner = owner
        self.group = group
        self.sacl = sacl
        self.dacl = dacl
        self._raw = self._key = None

    def key(self) -> tuple:
        return (self.revision, self.sbz1, self.control, self.owner, self.group,
                self.sacl.key() if self.sacl else None, self.dacl.key() if self.dacl else None)

    @classmethod
    def parse(cls, blob: Optional[BytesLike]) -> SecurityDescriptor:
        blob = bytes(blob or b"")
        if len(blob) < _HEADER.size:
            raise SecurityDescriptorError("security descriptor is truncated (%d bytes)"
                                          % len(blob))
        revision, sbz1, control, owner, group, sacl, dacl = _HEADER.unpack_from(blob, 0)
        if revision != 1:
            raise SecurityDescriptorError("security descriptor revision %d is not 1" % revision)
        if not control & SE_SELF_RELATIVE:
            raise SecurityDescriptorError("security descriptor is not self-relative")
        for name, offset in (("owner", owner), ("group", group), ("SACL", sacl), ("DACL", dacl)):
            if offset and (offset < _HEADER.size or offset >= len(blob)):
                raise SecurityDescriptorError("%s offset %d is outside the descriptor"
                                              % (name, offset))
        sd = cls(control, sbz1=sbz1)
        sd.owner = sid_to_str(blob, owner) if owner else None
        sd.group = sid_to_str(blob, group) if group else None
        sd.sacl = Acl.parse(blob, sacl) if sacl else None
        sd.dacl = Acl.parse(blob, dacl) if dacl else None
        return sd._remember(blob)

    def to_bytes(self) -> bytes:
        original = self._original()
        if original is not None:
            return original
        parts = []
        offsets = {}
        pos = _HEADER.size
        for name, data in (("sacl", _acl_bytes(self.sacl, "SACL")),
                           ("dacl", _acl_bytes(self.dacl, "DACL")),
                           ("owner", sid_from_str(self.owner) if self.owner else None),
                           ("group", sid_from_str(self.group) if self.group else None)):
            offsets[name] = pos if data is not None else 0
            if data is not None:
                parts.append(data)
                pos += len(data)
        header = _HEADER.pack(self.revision, self.sbz1, self.control, offsets["owner"],
                              offsets["group"], offsets["sacl"], offsets["dacl"])
        return header + b"".join(parts)

    def copy(self) -> SecurityDescriptor:
        return SecurityDescriptor.parse(self.to_bytes())

    @property
    def protected(self) -> bool:
        return bool(self.control & SE_DACL_PROTECTED)


def enable_inheritance(sd: SecurityDescriptor) -> Tuple[SecurityDescriptor, bool]:
    """Clear the protected flag and keep only explicit ACEs; the DC adds the inherited ones
    back from the parent in the same modify. Returns (descriptor to write, changed)."""
    new = _copy_with_dacl(sd)
    changed = new.protected
    new.control &= ~SE_DACL_PROTECTED
    new.dacl.aces = [ace for ace in new.dacl.aces if not ace.inherited]
    return new, changed


def disable_inheritance(sd: SecurityDescriptor, mode: str = "preserve"
                        ) -> Tuple[SecurityDescriptor, bool]:
    """Set the protected flag. 'preserve' turns inherited ACEs into explicit ones in place (as
    .NET SetAccessRuleProtection(true, true)); 'remove' drops them."""
    if mode not in ("preserve", "remove"):
        raise ValueError("mode must be preserve or remove")
    new = _copy_with_dacl(sd)
    changed = not new.protected
    new.control |= SE_DACL_PROTECTED
    if mode == "remove":
        new.dacl.aces = [ace for ace in new.dacl.aces if not ace.inherited]
    else:
        new.dacl.aces = [ace.copy(flags=ace.flags & ~INHERITED_ACE) if ace.inherited else ace
                         for ace in new.dacl.aces]
    return new, changed


def _copy_with_dacl(sd: SecurityDescriptor) -> SecurityDescriptor:
    if sd.dacl is None:
        raise SecurityDescriptorError("the descriptor has no DACL (read it with the SD flags "
                                      "control including DACL_SECURITY_INFORMATION, 0x4)")
    return sd.copy()


def drop_explicit_duplicates(sd: SecurityDescriptor, object_types: Optional[ObjectTypes] = None
                             ) -> Tuple[SecurityDescriptor, int]:
    """Drop explicit copies of inherited ACEs where that changes no one's access (see
    plan_explicit_duplicates). Returns (descriptor, number removed)."""
    new, removed, _kept = plan_explicit_duplicates(sd, object_types)
    return new, len(removed)


def explicit_only(sd: SecurityDescriptor) -> SecurityDescriptor:
    """The descriptor to write: the DC ignores inherited ACEs in a write and recomputes them, so
    only explicit ones are sent (MS-ADTS 6.1.3)."""
    new = _copy_with_dacl(sd)
    new.dacl.aces = [ace for ace in new.dacl.aces if not ace.inherited]
    return new


def inheritance_key(sd: SecurityDescriptor) -> Tuple[bool, Optional[Tuple[str, ...]]]:
    """What idempotence and verification compare: the protected flag and the explicit ACEs.

    Order is ignored because the DC sorts explicit ACEs canonically (MS-ADTS 6.1.3.1), and so is
    INHERIT_ONLY on ACEs with an inherited object type, which the DC sets by the object's class.
    """
    if sd.dacl is None:
        return (sd.protected, None)
    explicit = []
    for ace in sd.dacl.aces:
        if ace.inherited:
            continue
        flags = ace.flags & ~INHERIT_ONLY if ace.inherited_object_type else ace.flags
        explicit.append(repr(ace.copy(flags=flags).key()))
    return (sd.protected, tuple(sorted(explicit)))


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
SE_DACL_DEFAULTED = 0x0008

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
        return Ace(ace_type, flags, parse_rights(rights, text), self.parse_sid(sid), *guids)


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


# -- effective access (MS-DTYP 2.5.3.2, as the DC evaluates a DS object) ---------------------

GENERIC_READ = 0x80000000
GENERIC_WRITE = 0x40000000
GENERIC_EXECUTE = 0x20000000
GENERIC_ALL = 0x10000000
# MS-ADTS 5.1.3.3.1 (generic mapping for DS objects)
DS_GENERIC_MAPPING = ((GENERIC_READ, 0x20094), (GENERIC_WRITE, 0x20028),
                      (GENERIC_EXECUTE, 0x20004), (GENERIC_ALL, 0xF01FF))
EVERYONE = "S-1-1-0"
AUTHENTICATED_USERS = "S-1-5-11"


def map_generic(mask: int) -> int:
    for generic, specific in DS_GENERIC_MAPPING:
        if mask & generic:
            mask = (mask & ~generic) | specific
    return mask


# How the access check reads each ACE type (MS-DTYP 2.4.4.1, 2.5.3.2). Callback ACEs carry a
# condition (conditional ACEs: application data starting 'artx') that only the DC can evaluate
# against the caller's claims and the object's resource attributes, so they are read
# conservatively: a callback deny counts as a deny, a callback allow grants nothing.
ALLOW = "allow"
DENY = "deny"
INERT = "inert"
ALLOW_TYPES = frozenset([0x00, 0x05])
DENY_TYPES = frozenset([0x01, 0x06])
CALLBACK_ALLOW_TYPES = frozenset([0x09, 0x0B])
CALLBACK_DENY_TYPES = frozenset([0x0A, 0x0C])
# audit, alarm, mandatory label, resource attribute, scoped policy: no part in a DACL's check
INERT_TYPES = frozenset([0x02, 0x03, 0x07, 0x08, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13])
ACE_TYPE_NAMES = {
    0x00: "access allowed", 0x01: "access denied", 0x02: "system audit", 0x03: "system alarm",
    0x04: "access allowed compound", 0x05: "access allowed object",
    0x06: "access denied object", 0x07: "system audit object", 0x08: "system alarm object",
    0x09: "access allowed callback", 0x0A: "access denied callback",
    0x0B: "access allowed callback object", 0x0C: "access denied callback object",
    0x0D: "system audit callback", 0x0E: "system alarm callback",
    0x0F: "system audit callback object", 0x10: "system alarm callback object",
    0x11: "mandatory label", 0x12: "resource attribute", 0x13: "scoped policy ID",
}


def ace_polarity(ace_type: int) -> Optional[str]:
    """ALLOW or DENY for the types the check evaluates exactly, INERT for types that take no
    part in it, None for what it cannot evaluate (callback, compound, unknown types)."""
    if ace_type in ALLOW_TYPES:
        return ALLOW
    if ace_type in DENY_TYPES:
        return DENY
    if ace_type in INERT_TYPES:
        return INERT
    return None


def describe_ace(ace: Ace) -> str:
    """A one-line description for ACEs SDDL cannot render here (callback and other types)."""
    kind = ACE_TYPE_NAMES.get(ace.type, "unknown type")
    text = "%s ACE (type 0x%02x), flags 0x%02x, rights %s, trustee %s" % (
        kind, ace.type, ace.flags, rights_text(ace.mask), ace.sid)
    if ace.object_type:
        text += ", object type %s" % ace.object_type
    if ace.inherited_object_type:
        text += ", inherited object type %s" % ace.inherited_object_type
    if ace.extra:
        what = "conditional expression" if ace.extra[:4] == b"artx" else "application data"
        text += ", %d bytes of %s" % (len(ace.extra), what)
    return text


class AccessDecision:
    """Outcome of an access check: granted or not, and the ACE that decided (None when no ACE
    did: nothing granted, or a NULL DACL granted all).

    `unevaluated` lists the ACEs that applied to the token and the right but whose condition the
    module cannot evaluate (callback and conditional ACEs, unknown types); `exact` is False when
    one of them could have changed the answer: a callback deny was counted as a deny, or a
    callback allow was not counted and the right was not granted.
    """

    __slots__ = ("granted", "ace", "reason", "unevaluated")

    def __init__(self, granted: bool, ace: Optional[Ace], reason: str,
                 unevaluated: Iterable[Ace] = ()) -> None:
        self.granted = granted
        self.ace = ace
        self.reason = reason
        self.unevaluated = tuple(unevaluated)

    @property
    def exact(self) -> bool:
        return not self.unevaluated


def _applies(ace: Ace, token: set[str], object_type: Optional[str]) -> bool:
    """Does the ACE speak about this object, for this token and (for object ACEs) this type?"""
    if ace.inherit_only or ace.sid not in token:
        return False
    return not ace.object_type or ace.object_type.lower() == object_type


def check_access(sd: SecurityDescriptor, token_sids: Iterable[str], desired: int,
                 object_type: Optional[str] = None) -> AccessDecision:
    """Would a token holding these SIDs get every bit of `desired` on an object with this DACL?

    ACEs are walked in order; inherit-only ACEs do not apply to the object itself; an object
    ACE applies when it names no object type or the one asked about; the first ACE that
    decides a still-undecided bit wins, so a deny only counts where it comes before the allow.
    Callback (conditional) ACEs are read conservatively: a deny denies, an allow grants nothing,
    and the decision lists them in `unevaluated`.
    """
    if sd.dacl is None:
        if sd.control & SE_DACL_PRESENT:
            return AccessDecision(True, None, "NULL DACL grants everything")
        raise SecurityDescriptorError("the descriptor has no DACL to check access against")
    token = set(token_sids)
    remaining = map_generic(desired)
    object_type = object_type.lower() if object_type else None
    last_allow = None
    skipped_allows = []
    for ace in sd.dacl.aces:
        if not _applies(ace, token, object_type):
            continue
        bits = map_generic(ace.mask) & remaining
        polarity = ace_polarity(ace.type)
        if not bits or polarity == INERT:
            continue
        if polarity is None and ace.type not in CALLBACK_DENY_TYPES:
            skipped_allows.append(ace)  # callback allow, compound, unknown: grants nothing
            continue
        if polarity is None:
            return AccessDecision(
                False, ace, "denied by a callback (conditional) ACE whose condition the module "
                "cannot evaluate, counted as a deny: %s" % describe_ace(ace),
                skipped_allows + [ace])
        if polarity == DENY:
            return AccessDecision(False, ace, "denied by an ACE", skipped_allows)
        remaining &= ~bits
        last_allow = ace
        if not remaining:
            # allows that were not counted could not have changed a grant
            return AccessDecision(True, last_allow, "granted")
    reason = "no ACE grants it"
    if skipped_allows:
        reason += (" (%d allow ACE(s) with a condition the module cannot evaluate were not "
                   "counted, e.g. %s)" % (len(skipped_allows), describe_ace(skipped_allows[0])))
    return AccessDecision(False, None, reason, skipped_allows)


# -- dropping explicit copies of inherited ACEs without changing anyone's access --------------
#
# For one right (bit), one object type and one object (this one, or one below it that inherits
# from this DACL), the access check's answer for a token is the answer of the first ACE that
# applies and whose trustee is in the token. So only each trustee's first ACE counts, and two
# DACLs answer every token alike exactly when every trustee's first ACE answers alike in both
# and any two trustees whose first ACEs answer differently come in the same order in both.
# Callback ACEs count as a trustee of their own per condition (identical copies share it),
# which covers every outcome of the condition; ACE types the module cannot read count as
# applying to everything and agreeing with nothing. Objects below see the inheritable ACEs in
# the same order, effective where their inherited object type allows; CREATOR OWNER and
# CREATOR GROUP become SIDs that may equal any other trustee there.
#
# Object types form a tree (MS-DTYP 2.5.3.2, _object_types): an ACE on a property set applies
# to its properties, an ACE on the object's class to all of them. So "one object type" is one
# node of that tree, and the ACEs that apply on it are those naming the node or a node above
# it: the chains _object_types.ObjectTypes.chains() lists. Without the tree (the schema could
# not be read) the module cannot tell which object types are related, and keeps any copy whose
# right an ACE on another object type also holds (then each right has at most one object type
# in play and the plain comparison is exact).
#
# The DC keeps a DACL as explicit ACEs first, then the inherited ones it computes from the
# parent (MS-ADTS 6.1.3: any write puts it in that order; Windows may also reorder the denies
# among themselves and the allows among themselves, which changes no answer). So a change is
# judged by the DACL the DC will hold after the write, against the DACL as read; a DACL read
# in another order is first checked for whether that order alone changes someone's access.

CREATOR_OWNER = "S-1-3-0"
CREATOR_GROUP = "S-1-3-1"
_UNREADABLE = "unreadable"


def _propagates(ace: Ace) -> bool:
    return bool(ace.flags & (CONTAINER_INHERIT | OBJECT_INHERIT))


def _answer(ace: Ace) -> str:
    polarity = ace_polarity(ace.type)
    if polarity is not None:
        return polarity
    if ace.type in CALLBACK_ALLOW_TYPES:
        return ALLOW
    if ace.type in CALLBACK_DENY_TYPES:
        return DENY
    return _UNREADABLE


def _trustee(ace: Ace, index: int, sid: str) -> Trustee:
    if ace.type in CALLBACK_ALLOW_TYPES or ace.type in CALLBACK_DENY_TYPES:
        return (sid, ace.extra)
    if _answer(ace) == _UNREADABLE:
        return (sid, index)  # agrees with nothing, not even an identical copy
    return (sid, None)


def _contexts(aces: Sequence[Ace]
              ) -> Iterator[Tuple[str, Callable[[Ace], bool], dict[str, str]]]:
    """(name, predicate(ace) -> effective there, SID substitution) for this object and the
    kinds of objects below it."""
    classes = sorted(set(ace.inherited_object_type.lower() for ace in aces
                         if ace.inherited_object_type)) + [None]
    yield "this object", lambda ace: not ace.inherit_only, {}
    creators = set(ace.sid for ace in aces if _propagates(ace)) & {CREATOR_OWNER, CREATOR_GROUP}
    others = sorted(set(ace.sid for ace in aces) - creators) + ["(the creator)"]
    substitutions = [{}]
    for creator in sorted(creators):
        substitutions = [dict(sub, **{creator: other}) for sub in substitutions
                         for other in others]
    # MS-DTYP 2.5.3.4.2: a child that is a container (every AD object is) takes CONTAINER_INHERIT
    # ACEs as effective and passes OBJECT_INHERIT-only ones on as inherit-only; a leaf takes the
    # OBJECT_INHERIT ones. Both are judged, so no reading of OI can hide a change.
    for cls in classes:
        for depth, label in ((1, "children"), (2, "objects further down")):
            for flag, kind in ((CONTAINER_INHERIT, ""), (OBJECT_INHERIT, " (as leaf objects)")):
                def effective(ace: Ace, cls: Optional[str] = cls, depth: int = depth,
                              flag: int = flag) -> bool:
                    if not ace.flags & flag or (depth > 1 and ace.flags & NO_PROPAGATE_INHERIT):
                        return False
                    return not ace.inherited_object_type \
                        or ace.inherited_object_type.lower() == cls
                name = "%s%s%s" % (label, " of class %s" % cls if cls else "", kind)
                for sub in substitutions:
                    yield name, effective, sub


def _first_answers(aces: Sequence[Ace], applies: Callable[[Ace], bool], sub: dict[str, str]
                   ) -> dict[Trustee, Tuple[float, str]]:
    """trustee -> (position, answer) of its first ACE among those that apply."""
    first = {}
    for index, ace in enumerate(aces):
        if _answer(ace) == INERT or not applies(ace):
            continue
        trustee = _trustee(ace, index, sub.get(ace.sid, ace.sid))
        if trustee not in first:
            first[trustee] = (index, _answer(ace))
    return first


def _disagreement(before: dict[Trustee, Tuple[float, str]],
                  after: dict[Trustee, Tuple[float, str]]) -> Optional[Tuple[Trustee, ...]]:
    """None when both answer every token alike, else the trustees of a token they differ on.
    A trustee with no ACE answers 'not granted' after everything else."""
    end = (float("inf"), DENY)
    trustees = sorted(set(before) | set(after), key=repr)
    for one in trustees:
        b1, a1 = before.get(one, end), after.get(one, end)
        if b1[1] != a1[1]:
            return (one,)
        for other in trustees:
            b2, a2 = before.get(other, end), after.get(other, end)
            if b1[1] != b2[1] and (b1[0] < b2[0]) != (a1[0] < a2[0]):
                return (one, other)
    return None


def _types_with(aces: Sequence[Ace], bit: int) -> set[str]:
    """The object types named by ACEs that hold this right and take part in the check."""
    return set(ace.object_type.lower() for ace in aces
               if ace.object_type and _answer(ace) not in (INERT, _UNREADABLE)
               and map_generic(ace.mask) & bit)


def _bits(aces: Sequence[Ace]) -> Iterator[int]:
    mask = 0
    for ace in aces:
        mask |= map_generic(ace.mask)
    return (1 << n for n in range(32) if mask & (1 << n))


def _in_chain(ace: Ace, bit: int, chain: frozenset[str]) -> bool:
    """Does the ACE take part in the check of this right on a node where `chain` applies?"""
    if _answer(ace) == _UNREADABLE:
        return True
    if not map_generic(ace.mask) & bit:
        return False
    return not ace.object_type or ace.object_type.lower() in chain


def _unrelated_unknown(aces: Sequence[Ace], changed: Sequence[Ace]) -> Optional[str]:
    """Without the object-type tree: why changing these ACEs may matter on some node the module
    cannot see (an ACE on another object type holds the same right), or None when each right of
    a changed ACE has at most one object type in play."""
    for ace in changed:
        if _answer(ace) in (INERT, _UNREADABLE):
            continue
        own = ace.object_type.lower() if ace.object_type else None
        for bit in _bits([ace]):
            types = _types_with(aces, bit)
            others = sorted(types - {own})
            if others and (own is not None or len(types) > 1):
                return ("right %s is also held by an ACE on object type %s%s, and without the "
                        "schema's object-type tree (which properties belong to which property "
                        "set) the module cannot tell whether the two apply together"
                        % (rights_text(bit), others[0],
                           " (this one is on %s)" % own if own else " and one on %s"
                           % others[1]))
    return None


def _slices(aces: Sequence[Ace], changed: Sequence[Ace], object_types: Optional[ObjectTypes],
            in_order: bool) -> Iterator[Tuple[int, frozenset[str]]]:
    """(right, chain) pairs on which the change could matter: the rights the changed ACEs hold
    (rights every ACE treats alike tried once) and the chains of object types that apply
    together on one node. With in_order (ACEs only dropped), chains where no dropped ACE takes
    part are left out: the check meets the same ACEs there before and after."""
    seen = set()
    for bit in _bits(changed):
        signature = tuple(bool(map_generic(ace.mask) & bit) for ace in aces)
        if signature in seen:
            continue
        seen.add(signature)
        types = _types_with(aces, bit)
        if object_types is None:
            chains = [frozenset()] + [frozenset([t]) for t in sorted(types)]
        else:
            chains = object_types.chains(types)
        for chain in chains:
            if not in_order or any(_in_chain(ace, bit, chain) for ace in changed):
                yield bit, chain


def _subsequence(aces: Sequence[Ace], kept: Sequence[Ace]) -> bool:
    """Is `kept` some of `aces` (the same objects) in the same order?"""
    position = iter(id(ace) for ace in aces)
    return all(any(ace_id == other for other in position) for ace_id in map(id, kept))


def access_difference(aces: Sequence[Ace], kept: Sequence[Ace],
                      object_types: Optional[ObjectTypes] = None) -> Optional[str]:
    """None when the DACL `kept` (`aces` less some ACEs, in the same or another order) gives
    every token the same answer as `aces` for every right and node of the object-type tree,
    on this object and every object that inherits from it; else one case where it does not,
    in words. object_types is the schema's tree (_object_types); None means it is unknown:
    then ACEs on different object types that hold the same right count as possibly related."""
    in_order = _subsequence(aces, kept)
    if in_order:
        kept_ids = set(id(ace) for ace in kept)
        changed = [ace for ace in aces if id(ace) not in kept_ids]
        if not changed:
            return None
    else:
        known = set(id(ace) for ace in aces)
        changed = list(aces) + [ace for ace in kept if id(ace) not in known]
    if object_types is None:
        unknown = _unrelated_unknown(list(aces) + list(kept), changed)
        if unknown is not None:
            return unknown
    for bit, chain in _slices(aces, changed, object_types, in_order):
        def applies(ace: Ace, bit: int = bit, chain: frozenset[str] = chain) -> bool:
            return _in_chain(ace, bit, chain)
        for where, effective, sub in _contexts(aces):
            def both(ace: Ace, effective: Callable[[Ace], bool] = effective,
                     applies: Callable[[Ace], bool] = applies) -> bool:
                return effective(ace) and applies(ace)
            before = _first_answers(aces, both, sub)
            after = _first_answers(kept, both, sub)
            token = _disagreement(before, after)
            if token is not None:
                node = ""
                if chain:
                    node = " of %s" % (object_types.describe(chain) if object_types is not None
                                       else sorted(chain)[0])
                return "the answer for a token holding %s, right %s%s, on %s would change" % (
                    " and ".join(t[0] + (" (conditional)" if t[1] is not None else "")
                                 for t in token),
                    rights_text(bit), node, where)
    return None


def stored_order(aces: Sequence[Ace]) -> list[Ace]:
    """The ACEs in the order the DC keeps them after a write: explicit ones first (in the order
    given), then the inherited ones."""
    return [ace for ace in aces if not ace.inherited] + [ace for ace in aces if ace.inherited]


def _is_candidate(ace: Ace, inherited: set[AceKey]) -> bool:
    return not ace.inherited and _answer(ace) != _UNREADABLE \
        and ace.copy(flags=ace.flags | INHERITED_ACE).key() in inherited


def plan_explicit_duplicates(sd: SecurityDescriptor, object_types: Optional[ObjectTypes] = None
                             ) -> Tuple[SecurityDescriptor, list[Ace],
                                        list[Tuple[Ace, Optional[str]]]]:
    """Explicit ACEs identical (but for INHERITED_ACE) to an inherited ACE of the same DACL, as
    re-enabling inheritance after a 'preserve' leaves them, dropped where that provably changes
    no one's effective access, on this object or any object below it, judged on the DACL the DC
    will keep after the write (explicit ACEs first) and on the schema's object-type tree
    (object_types, from _object_types; without it, conservatively).

    Returns (descriptor, removed ACEs, kept duplicates as (ACE, why it stays) pairs); the
    descriptor's DACL is in the order the DC will keep. All are dropped together when that is
    safe, else one at a time, each checked against the DACL as read.
    """
    new = _copy_with_dacl(sd)
    aces = list(new.dacl.aces)
    inherited = set(ace.key() for ace in aces if ace.inherited)
    candidates = [ace for ace in aces if _is_candidate(ace, inherited)]
    if not candidates:
        return new, [], []
    stored = stored_order(aces)
    if [id(ace) for ace in stored] != [id(ace) for ace in aces]:
        # any write puts explicit ACEs first; judge from there only if that alone is harmless
        why = access_difference(aces, stored, object_types)
        if why is not None:
            why = ("the DACL is not in the order the DC keeps after a write (explicit ACEs "
                   "before inherited ones), so it is left as it is: in that order %s" % why)
            return new, [], [(ace, why) for ace in candidates]
        aces = stored
    dropped = set()
    everything = set(id(ace) for ace in candidates)
    if access_difference(aces, [a for a in aces if id(a) not in everything],
                         object_types) is None:
        dropped = everything
    progress = not dropped
    while progress:
        progress = False
        for ace in candidates:
            if id(ace) in dropped:
                continue
            trial = [a for a in aces if id(a) not in dropped and a is not ace]
            if access_difference(aces, trial, object_types) is None:
                dropped.add(id(ace))
                progress = True
    new.dacl.aces = [ace for ace in aces if id(ace) not in dropped]
    removed = [ace for ace in candidates if id(ace) in dropped]
    kept = []
    for ace in candidates:
        if id(ace) not in dropped:
            trial = [a for a in new.dacl.aces if a is not ace]
            kept.append((ace, access_difference(aces, trial, object_types)))
    return new, removed, kept
