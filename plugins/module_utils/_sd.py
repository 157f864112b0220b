# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security descriptors and SIDs (MS-DTYP 2.4.2 and 2.4.6), standard library only. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

SE_DACL_PRESENT = 0x0004
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
