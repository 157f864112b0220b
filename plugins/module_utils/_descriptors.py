# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading an object's DACL: nTSecurityDescriptor with the attributes the DACL modules need,
parsed, with a one-line error when the bind account may not read it. Private."""

from __future__ import annotations

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    Entry, LdapClient, LdapError)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import SecurityDescriptor

SD_ATTRIBUTE = "nTSecurityDescriptor"
READ_ATTRIBUTES = [SD_ATTRIBUTE, "adminCount", "objectClass"]


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
