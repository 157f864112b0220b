# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security descriptors and SIDs (MS-DTYP 2.4.2 and 2.4.6), standard library only. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct
import uuid

SE_DACL_PRESENT = 0x0004
SE_SACL_PRESENT = 0x0010
SE_DACL_AUTO_INHERITED = 0x0400
SE_DACL_PROTECTED = 0x1000
SE_SELF_RELATIVE = 0x8000


class SecurityDescriptorError(ValueError):
    """A blob that is not a valid self-relative security descriptor or SID."""


def sid_to_str(blob, offset=0):
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


def sid_from_str(text):
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


def control_flags(blob):
    """The control word of a self-relative security descriptor (bytes 2-3, little-endian)."""
    blob = bytes(blob or b"")
    if len(blob) < 20 or blob[0] != 1:
        raise SecurityDescriptorError("not a self-relative security descriptor (%d bytes)"
                                      % len(blob))
    return struct.unpack_from("<H", blob, 2)[0]


def dacl_protected(blob):
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
CONTAINER_INHERIT = 0x02
INHERIT_ONLY = 0x08
INHERITED_ACE = 0x10
ACL_REVISION_DS = 4

# Types whose bytes after the SID can only be padding; others carry application data there.
_PADDED_TYPES = frozenset([0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x11, 0x13])
_HEADER = struct.Struct("<BBHIIII")
_ACL_HEADER = struct.Struct("<BBHHH")


def _sid_length(blob, offset):
    if len(blob) < offset + 2:
        raise SecurityDescriptorError("SID at offset %d is truncated" % offset)
    return 8 + 4 * blob[offset + 1]


class _RawBacked(object):
    """Keeps the bytes something was parsed from, and gives them back while it is unchanged:
    that is what makes the round trip of unmodified input byte-exact (padding, slack, order)."""

    __slots__ = ("_raw", "_key")

    def key(self):
        raise NotImplementedError

    def _remember(self, raw):
        self._raw = raw
        self._key = self.key()
        return self

    def _original(self):
        return self._raw if self._raw is not None and self._key == self.key() else None


class Ace(_RawBacked):
    """One ACE. Unchanged ACEs serialize to their original bytes (padding included)."""

    __slots__ = ("type", "flags", "mask", "sid", "object_type", "inherited_object_type", "extra")

    def __init__(self, ace_type, flags, mask, sid, object_type=None, inherited_object_type=None,
                 extra=b""):
        self.type = ace_type
        self.flags = flags
        self.mask = mask
        self.sid = sid
        self.object_type = object_type
        self.inherited_object_type = inherited_object_type
        self.extra = extra
        self._raw = self._key = None

    @property
    def object_flags(self):
        return ((OBJECT_TYPE_PRESENT if self.object_type else 0)
                | (INHERITED_OBJECT_TYPE_PRESENT if self.inherited_object_type else 0))

    @property
    def is_object(self):
        return self.type in OBJECT_ACE_TYPES

    @property
    def inherited(self):
        return bool(self.flags & INHERITED_ACE)

    @property
    def inherit_only(self):
        return bool(self.flags & INHERIT_ONLY)

    def key(self):
        """What the ACE means; two ACEs with equal keys grant or deny the same thing."""
        return (self.type, self.flags, self.mask, self.sid, self.object_type,
                self.inherited_object_type, self.extra)

    @classmethod
    def parse(cls, blob, offset, limit):
        if offset + 4 > limit:
            raise SecurityDescriptorError("ACE at offset %d is truncated" % offset)
        ace_type, flags, size = struct.unpack_from("<BBH", blob, offset)
        if size < 8 or offset + size > limit:
            raise SecurityDescriptorError("ACE at offset %d has size %d beyond its ACL"
                                          % (offset, size))
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
        ace = cls(ace_type, flags, mask, sid_to_str(blob, pos), object_type,
                  inherited_object_type)
        # Bytes after the SID: application data of callback ACEs, or padding. Padding is kept
        # only in the raw copy, so it does not change what the ACE means.
        tail = bytes(blob[sid_end:end])
        if ace_type not in _PADDED_TYPES:
            ace.extra = tail
        return ace._remember(bytes(blob[offset:end]))

    def to_bytes(self):
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
        return struct.pack("<BBH", self.type, self.flags, len(body) + 4) + body

    def copy(self, **changes):
        ace = Ace(self.type, self.flags, self.mask, self.sid, self.object_type,
                  self.inherited_object_type, self.extra)
        for name, value in changes.items():
            setattr(ace, name, value)
        return ace


class Acl(_RawBacked):
    """An ACL. Unchanged ACLs serialize to their original bytes (slack included)."""

    __slots__ = ("revision", "sbz1", "sbz2", "aces")

    def __init__(self, revision=2, aces=None, sbz1=0, sbz2=0):
        self.revision = revision
        self.sbz1 = sbz1
        self.sbz2 = sbz2
        self.aces = list(aces or [])
        self._raw = self._key = None

    def key(self):
        return (self.revision, tuple(ace.key() for ace in self.aces))

    @classmethod
    def parse(cls, blob, offset):
        if offset + 8 > len(blob):
            raise SecurityDescriptorError("ACL at offset %d is truncated" % offset)
        revision, sbz1, size, count, sbz2 = _ACL_HEADER.unpack_from(blob, offset)
        end = offset + size
        if size < 8 or end > len(blob):
            raise SecurityDescriptorError("ACL at offset %d has size %d beyond the descriptor"
                                          % (offset, size))
        if count > (size - 8) // 8:
            raise SecurityDescriptorError("ACL at offset %d claims %d ACEs in %d bytes"
                                          % (offset, count, size))
        acl = cls(revision, sbz1=sbz1, sbz2=sbz2)
        pos = offset + 8
        for _index in range(count):
            ace = Ace.parse(blob, pos, end)
            acl.aces.append(ace)
            pos += len(ace.to_bytes())
        return acl._remember(bytes(blob[offset:end]))

    def to_bytes(self):
        original = self._original()
        if original is not None:
            return original
        revision = self.revision
        if any(ace.is_object for ace in self.aces):
            revision = max(revision, ACL_REVISION_DS)
        body = b"".join(ace.to_bytes() for ace in self.aces)
        return _ACL_HEADER.pack(revision, self.sbz1, len(body) + 8, len(self.aces),
                                self.sbz2) + body


class SecurityDescriptor(_RawBacked):
    """A self-relative security descriptor (MS-DTYP 2.4.6).

    Parsing follows the offsets, whatever order the parts are in. An unmodified descriptor
    serializes to exactly the input bytes; a modified one in AD's layout: header, SACL, DACL,
    owner, group.
    """

    __slots__ = ("revision", "sbz1", "control", "owner", "group", "sacl", "dacl")

    def __init__(self, control=SE_SELF_RELATIVE, owner=None, group=None, sacl=None, dacl=None,
                 sbz1=0):
        self.revision = 1
        self.sbz1 = sbz1
        self.control = control
        self.owner = owner
        self.group = group
        self.sacl = sacl
        self.dacl = dacl
        self._raw = self._key = None

    def key(self):
        return (self.revision, self.sbz1, self.control, self.owner, self.group,
                self.sacl.key() if self.sacl else None, self.dacl.key() if self.dacl else None)

    @classmethod
    def parse(cls, blob):
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

    def to_bytes(self):
        original = self._original()
        if original is not None:
            return original
        parts = []
        offsets = {}
        pos = _HEADER.size
        for name, data in (("sacl", self.sacl.to_bytes() if self.sacl else None),
                           ("dacl", self.dacl.to_bytes() if self.dacl else None),
                           ("owner", sid_from_str(self.owner) if self.owner else None),
                           ("group", sid_from_str(self.group) if self.group else None)):
            offsets[name] = pos if data is not None else 0
            if data is not None:
                parts.append(data)
                pos += len(data)
        header = _HEADER.pack(self.revision, self.sbz1, self.control, offsets["owner"],
                              offsets["group"], offsets["sacl"], offsets["dacl"])
        return header + b"".join(parts)

    def copy(self):
        return SecurityDescriptor.parse(self.to_bytes())

    @property
    def protected(self):
        return bool(self.control & SE_DACL_PROTECTED)


def enable_inheritance(sd):
    """Clear the protected flag and keep only explicit ACEs; the DC adds the inherited ones
    back from the parent in the same modify. Returns (descriptor to write, changed)."""
    new = _copy_with_dacl(sd)
    changed = new.protected
    new.control &= ~SE_DACL_PROTECTED
    new.dacl.aces = [ace for ace in new.dacl.aces if not ace.inherited]
    return new, changed


def disable_inheritance(sd, mode="preserve"):
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


def _copy_with_dacl(sd):
    if sd.dacl is None:
        raise SecurityDescriptorError("the descriptor has no DACL (read it with the SD flags "
                                      "control including DACL_SECURITY_INFORMATION, 0x4)")
    return sd.copy()
