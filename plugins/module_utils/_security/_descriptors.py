# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading an object's DACL: nTSecurityDescriptor with the attributes the DACL modules need,
parsed, with a one-line error when the bind account may not read it. Private."""

from __future__ import annotations

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)

SD_ATTRIBUTE = "nTSecurityDescriptor"
GUID_ATTRIBUTE = "objectGUID"
# objectGUID: which object the DN named when it was read, journalled with each write so a
# rollback never restores onto another object later created at the same DN
READ_ATTRIBUTES = [SD_ATTRIBUTE, "adminCount", GUID_ATTRIBUTE]
CACHE_LIMIT = 4096  # distinct descriptors kept; a directory has few (single-instance storage)


def guid_of(entry: Entry) -> str | None:
    """The entry's objectGUID in its string form (lower case, as uuid prints it), or None when
    it was not read or is not 16 bytes."""
    return entry.guid(GUID_ATTRIBUTE)


def descriptor_of(entry: Entry) -> SecurityDescriptor:
    blob = entry.raw(SD_ATTRIBUTE)
    if not blob:
        raise LdapError("cannot read the DACL of %s: insufficientAccessRights (50): the bind "
                        "account needs READ_CONTROL on it" % entry.dn, code=50,
                        name="insufficientAccessRights", dn=entry.dn)
    return SecurityDescriptor.parse(blob)


def read_descriptor(client: LdapClient, dn: str
                    ) -> tuple[Entry | None, SecurityDescriptor | None]:
    """(Entry, SecurityDescriptor) of one object, or (None, None) when it does not exist.

    Raises LdapError when the DACL cannot be read (READ_CONTROL is needed) and
    SecurityDescriptorError when it cannot be parsed.
    """
    entry = client.read(dn, READ_ATTRIBUTES)
    if entry is None:
        return None, None
    return entry, descriptor_of(entry)


class ParsedDescriptors:
    """descriptor_of() with each distinct descriptor parsed once. Descriptors repeat: AD stores
    them single-instanced and most objects of a kind carry the same one (the 10,000-user lab's
    10,012 are 5 byte strings), and a parsed descriptor is never changed in place (every helper
    in _dacl copies), so one parse can serve every object with the same bytes. One that cannot be
    parsed is not kept: it raises each time, as descriptor_of() does."""

    def __init__(self, limit: int = CACHE_LIMIT) -> None:
        self.limit = limit
        self.known: dict[bytes, SecurityDescriptor] = {}

    def __call__(self, entry: Entry) -> SecurityDescriptor:
        blob = entry.raw(SD_ATTRIBUTE)
        if not blob:
            return descriptor_of(entry)  # raises: the DACL was not read
        sd = self.known.get(blob)
        if sd is None:
            sd = descriptor_of(entry)
            if len(self.known) >= self.limit:
                self.known.clear()
            self.known[blob] = sd
        return sd
