# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIDs (MS-DTYP 2.4.2) between their binary form, as objectSid and tokenGroups hold them, and
their text, 'S-1-5-21-...'. In the LDAP seam because the client reads the domain's SID; the
security descriptor codec (_security/_codec) reads and writes the SIDs of its ACEs with it.
Standard library only. Private."""

from __future__ import annotations

import struct
from typing import Union

from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError

BytesLike = Union[bytes, bytearray, memoryview]


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


def sid_text(blob: BytesLike | None) -> str | None:
    """A SID read from the directory as text, or None when none was read or it is malformed:
    for what is shown or matched, where an unreadable SID is no reason to stop."""
    if not blob:
        return None
    try:
        return sid_to_str(blob)
    except SecurityDescriptorError:
        return None


def rid_in_domain(sid: str, domain_sid: str) -> int | None:
    """The RID of a SID of the domain (domain_sid-RID), None for a SID of anywhere else."""
    rid = sid[len(domain_sid) + 1:] if sid.startswith(domain_sid + "-") else ""
    return int(rid) if rid.isdigit() else None


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
