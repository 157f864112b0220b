# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The object types an access check sees as a tree (MS-DTYP 2.5.3.2 object type lists, MS-ADTS
5.1.3.3): the object's class at level 0, a property set at level 1, a property (attribute) of
that set at level 2. An ACE on a node applies to the node and everything below it, so a deny on
the Personal-Information property set also denies telephoneNumber, and an ACE whose object type
is the object's own class applies to every property of it.

Read from the schema once per run, and only by what needs it (the inheritance module's
remove_explicit_duplicates): one paged search of the schema NC for the attributes that belong
to a property set (attributeSecurityGUID) and the classes (schemaIDGUID), one search of
CN=Extended-Rights for the property sets themselves (validAccesses 48, RP|WP). Private.

API:

  ObjectTypes(property_set_of, property_sets=(), classes=(), names=None)
      .parent(guid) -> str | None       the property set a property belongs to
      .name(guid) -> str                lDAPDisplayName / property set name, else the GUID
      .chains(guids) -> list[frozenset] the object type lists a check can meet, as the sets of
                                        the given GUIDs that apply together on one of them
  read_object_types(client) -> ObjectTypes | None   None when the schema names no property
                                        set member (nothing to build the tree from); a failed
                                        read raises LdapError
  object_types_or_why(client) -> (ObjectTypes | None, why | None)
                                        the tree, or None and one line saying why not (a failed
                                        read is not an error: the caller goes on conservatively)
"""

from __future__ import annotations

import uuid
from typing import Iterable, Mapping, Optional, Tuple

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import escape_filter_value
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient

# validAccesses of a controlAccessRight that is a property set: RP | WP (MS-ADTS 5.1.3.2.1)
PROPERTY_SET_ACCESS = 48
SCHEMA_FILTER = "(|(&(objectClass=attributeSchema)(attributeSecurityGUID=*))(objectClass=classSchema))"
PROPERTY_SET_FILTER = "(&(objectClass=controlAccessRight)(validAccesses=%d))" % PROPERTY_SET_ACCESS


def schema_guid(client: LdapClient, spec: tuple[str, str]) -> tuple[str, str]:
    """(schemaIDGUID, 'schema') as the schema says, or (documented value, 'documented')."""
    name, documented = spec
    for entry in client.search(client.root_dse.schema_naming_context,
                               "(lDAPDisplayName=%s)" % escape_filter_value(name),
                               ["schemaIDGUID"], scope="onelevel"):
        guid = entry.guid("schemaIDGUID")
        if guid:
            return guid, "schema"
    return documented, "documented"


def _guid(value: Optional[bytes]) -> Optional[str]:
    """A GUID as the directory stores it (16 bytes, little-endian fields) or as text."""
    if not value:
        return None
    try:
        if len(value) == 16:
            return str(uuid.UUID(bytes_le=bytes(value)))
        return str(uuid.UUID(value.decode("ascii").strip("{} ")))
    except (ValueError, UnicodeDecodeError):
        return None


class ObjectTypes:
    """The schema's object-type tree, as far as the access check uses it."""

    def __init__(self, property_set_of: Mapping[str, str], property_sets: Iterable[str] = (),
                 classes: Iterable[str] = (), names: Optional[Mapping[str, str]] = None) -> None:
        self.property_set_of = dict((p.lower(), s.lower()) for p, s in property_set_of.items())
        self.property_sets = frozenset(s.lower() for s in property_sets) | frozenset(
            self.property_set_of.values())
        self.classes = frozenset(c.lower() for c in classes)
        self.names = dict((g.lower(), n) for g, n in (names or {}).items())

    def __len__(self) -> int:
        return len(self.property_set_of) + len(self.property_sets) + len(self.classes)

    def parent(self, guid: str) -> Optional[str]:
        return self.property_set_of.get(guid.lower())

    def name(self, guid: str) -> str:
        guid = guid.lower()
        name = self.names.get(guid)
        if name is None:
            return guid
        kind = "property set " if guid in self.property_sets else \
            "class " if guid in self.classes else ""
        return "%s%s (%s)" % (kind, name, guid)

    def chains(self, guids: Iterable[str]) -> list[frozenset[str]]:
        """Of the given GUIDs (the object types of the ACEs in play), the sets that apply
        together on one node of some object type list: nothing (a node none of them names),
        each GUID with its property set when that is given too, and each of those with a class
        that may be the object's own (the root: an ACE on the object's class applies to
        everything below it). Sorted, so the first difference found is the same every run."""
        given = set(g.lower() for g in guids)
        classes = sorted(g for g in given if g in self.classes)
        bases: set[frozenset[str]] = {frozenset()}
        for guid in given:
            parent = self.property_set_of.get(guid)
            bases.add(frozenset([guid, parent]) if parent in given else frozenset([guid]))
        chains = set(bases)
        for base in bases:
            for root in classes:
                chains.add(base | {root})
        return sorted(chains, key=lambda chain: (len(chain), sorted(chain)))

    def describe(self, chain: Iterable[str]) -> str:
        """The node a chain stands for, in words: its deepest GUID, named."""
        chain = set(chain)
        if not chain:
            return ""
        leaves = [g for g in chain if self.property_set_of.get(g) in chain] or \
            [g for g in chain if g not in self.classes] or list(chain)
        leaf = sorted(leaves)[0]
        parent = self.property_set_of.get(leaf)
        text = self.name(leaf)
        if parent:
            text += " in %s" % self.name(parent)
        roots = sorted(g for g in chain if g in self.classes and g != leaf)
        if roots:
            text += " on an object of %s" % self.name(roots[0])
        return text


def read_object_types(client: LdapClient) -> Optional[ObjectTypes]:
    """The tree from the DC's schema and Extended-Rights container; None when the schema read
    found no attribute in a property set (a schema without them does not exist: the bind
    account could not see them). Raises LdapError when a read fails. Callers that can do
    without the tree catch that and go on conservatively, as with None."""
    dse = client.root_dse
    property_set_of = {}
    classes = []
    names = {}
    for entry in client.search(dse.schema_naming_context, SCHEMA_FILTER,
                               ["schemaIDGUID", "attributeSecurityGUID", "lDAPDisplayName"],
                               "onelevel"):
        guid = _guid(entry.raw("schemaIDGUID"))
        if guid is None:
            continue
        names[guid] = entry.text("lDAPDisplayName") or guid
        parent = _guid(entry.raw("attributeSecurityGUID"))
        if parent is not None:
            property_set_of[guid] = parent
        else:
            classes.append(guid)
    property_sets = []
    rights = "CN=Extended-Rights,%s" % dse.configuration_naming_context
    for entry in client.search(rights, PROPERTY_SET_FILTER, ["rightsGuid", "cn"], "onelevel"):
        guid = _guid(entry.raw("rightsGuid"))
        if guid is not None:
            property_sets.append(guid)
            names[guid] = entry.text("cn") or guid
    if not property_set_of:
        return None
    return ObjectTypes(property_set_of, property_sets, classes, names)


def object_types_or_why(client: LdapClient) -> Tuple[Optional[ObjectTypes], Optional[str]]:
    """(tree, None), or (None, why) when it could not be read; without the tree, explicit
    copies of object ACEs whose right an ACE on another object type holds are kept."""
    try:
        tree = read_object_types(client)
    except LdapError as exc:
        return None, "reading the schema's property sets failed: %s" % exc
    if tree is None:
        return None, "the schema read showed no attribute in a property set"
    return tree, None
