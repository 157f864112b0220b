# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The binary form of security descriptors (MS-DTYP 2.4.6), ACLs and ACEs (2.4.4, 2.4.5) and
SIDs (2.4.2): parse and build, byte-exact for what is not changed, and the format's constants
(control flags, ACE types and flags, generic rights). Standard library only. Private."""

from __future__ import annotations

import struct
import uuid
from typing import Iterable, Optional, Tuple, TypeVar, Union

from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str, sid_to_str

BytesLike = Union[bytes, bytearray, memoryview]
AceKey = Tuple[int, int, int, str, Optional[str], Optional[str], bytes]

SE_DACL_PRESENT = 0x0004
SE_SACL_PRESENT = 0x0010
SE_DACL_AUTO_INHERITED = 0x0400
SE_DACL_PROTECTED = 0x1000
SE_SELF_RELATIVE = 0x8000
SE_DACL_DEFAULTED = 0x0008

# AclSize, AceCount and AceSize are 16-bit fields: an ACL (the whole DACL) holds at most 65,535
# bytes, however many ACEs that is (AD: "64 KB, about 1,820 ACEs").
MAX_ACL_BYTES = 0xFFFF


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

# Generic rights (MS-DTYP 2.4.3); _access maps them to AD's specific rights.
GENERIC_READ = 0x80000000
GENERIC_WRITE = 0x40000000
GENERIC_EXECUTE = 0x20000000
GENERIC_ALL = 0x10000000

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
    _raw: Optional[bytes]  # None until parsed from bytes
    _key: Optional[tuple]

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
            pos += len(ace._raw or b"")  # pylint: disable=protected-access
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
