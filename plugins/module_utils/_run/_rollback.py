# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Putting DACLs back from an inheritance journal (the inheritance_rollback module): the
journal's objects (first line: the original; last line: what the runs left; objectGUID), the
restore planned for each (already back, changed since, protected, another object at the DN),
and its bulk run (RollbackWriter: the plan, the token guard, the DACL writer's steps).
Private."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import Outcome
from ansible_collections.adremedy.directory.plugins.module_utils._run._dacl_changes import (
    Change, DaclWriter, ordered_key)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    guid_of, read_descriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import (
    decode_sd, read_journal)
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    protection_skip, token_guard)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import ProtectedSet
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    explicit_only)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl


class JournalObject:
    """One object of the journal: the first line about it (its original state), the last one
    (what the journalled runs left), its objectGUID (None in journals written before GUIDs
    were), and earlier lines about other objects the journal recorded at the same DN."""

    __slots__ = ("first", "last", "guid", "earlier")

    def __init__(self, first: dict[str, Any], last: dict[str, Any], guid: str | None,
                 earlier: list[dict[str, Any]]) -> None:
        self.first = first
        self.last = last
        self.guid = guid
        self.earlier = earlier

    def note(self) -> str | None:
        """Why this object's restore is not the plain one, in a sentence, or None."""
        notes = []
        if self.guid is None:
            notes.append("journal line %d has no objectGUID (written by an earlier version): "
                         "restored by DN alone, not checked to be the object journalled"
                         % self.first["line"])
        if self.earlier:
            guids = sorted(set(line.get("object_guid") or "unknown" for line in self.earlier))
            notes.append("journal line%s %s recorded another object at this DN (objectGUID %s), "
                         "deleted since; not restored" % (
                             "s" if len(self.earlier) > 1 else "",
                             ", ".join(str(line["line"]) for line in self.earlier),
                             ", ".join(guids)))
        return "; ".join(notes) or None


def journal_objects(lines: list[dict[str, Any]],
                    only: list[str] | None) -> OrderedDict[str, JournalObject]:
    """JournalObject per DN (in journal order). When the journal recorded more than one object
    at a DN (deleted and created again between runs), the object is the one it recorded last:
    its lines are the last ones with its objectGUID (or none)."""
    wanted = set(dn_key(dn) for dn in only or [])
    by_dn: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for line in lines:
        key = dn_key(line["dn"])
        if wanted and key not in wanted:
            continue
        by_dn.setdefault(key, []).append(line)
    objects: OrderedDict[str, JournalObject] = OrderedDict()
    for key, group in by_dn.items():
        guids = [str(line.get("object_guid") or "").lower() for line in group]
        guid = next((value for value in reversed(guids) if value), None)
        start = len(group) - 1
        while start > 0 and guids[start - 1] in ("", guid):
            start -= 1
        objects[key] = JournalObject(group[start], group[-1], guid, group[:start])
    return objects


def plan_restore(client: LdapClient, journalled: JournalObject,
                 protection: Mapping[str, Any] | None, force: bool) -> Change | str | None:
    """A Change, a reason string to skip, or None when the object is already restored."""
    first, last = journalled.first, journalled.last
    dn = first["dn"]
    domain = client.root_dse.domain_sid
    for line in (first, last):
        if line["domain_sid"] != domain:
            raise LdapError("journal line %d was written in domain %s, not in this one (%s): "
                            "its descriptors name that domain's SIDs" % (line["line"],
                                                                         line["domain_sid"],
                                                                         domain), dn=dn)
    entry, current = read_descriptor(client, dn)
    if entry is None or current is None:  # both or neither
        raise LdapError("%s does not exist any more: noSuchObject (32)" % dn, code=32, dn=dn)
    guid = guid_of(entry)
    if journalled.guid is not None and guid != journalled.guid:
        raise LdapError("%s is not the object journal line %d recorded: its objectGUID is %s, "
                        "the journal's %s (that one was deleted and this one created at the same "
                        "DN); nothing was written to it" % (dn, first["line"], guid,
                                                            journalled.guid), dn=dn)
    original = decode_sd(first["old_sd"], "journal line %d old_sd" % first["line"])
    left = decode_sd(last["new_sd"], "journal line %d new_sd" % last["line"])
    admin_count = first.get("old_admin_count")
    restore_admin_count = admin_count if admin_count is not None and \
        entry.int("adminCount") != admin_count else None
    if ordered_key(current) == ordered_key(original) and restore_admin_count is None:
        return None
    skip = protection_skip(protection, include_orphaned=True)
    if skip is not None:
        return skip.reason
    if ordered_key(current) != ordered_key(left) and not force:
        return "changed since journal line %d was written; set force to restore it anyway" \
            % last["line"]
    return Change(dn, current, explicit_only(original), "restore",
                  restore_admin_count=restore_admin_count, guid=guid)


def build_plan(client: LdapClient, objects: Mapping[str, JournalObject], protection: Any,
               force: bool, outcome: Outcome) -> list[Change]:
    """The Changes that restore the journalled objects; the others go into outcome."""
    changes = []
    for journalled in objects.values():
        dn = journalled.first["dn"]
        outcome.counts["matched"] += 1
        note = journalled.note()
        detail = dict(note=note) if note else {}
        try:
            step = plan_restore(client, journalled, protection.get(dn), force)
        except DirectoryError as exc:
            outcome.add(dn, "failed", error=str(exc), ldap_code=getattr(exc, "code", None),
                        **detail)
            continue
        if step is None:
            outcome.add(dn, "unchanged", **detail)
        elif isinstance(step, Change):
            step.detail.update(detail)
            changes.append(step)
        else:
            outcome.add(dn, "skipped", reason=step, **detail)
    return changes


def without_guid_warning(path: str, objects: Mapping[str, JournalObject]) -> str | None:
    """One warning for the journal's objects that have no objectGUID, or None."""
    old = [journalled.first["dn"] for journalled in objects.values() if journalled.guid is None]
    if not old:
        return None
    return ("journal %s: %d object%s (%s%s) %s no objectGUID (lines written by an earlier "
            "version); %s restored by DN alone, not checked to be the object%s journalled"
            % (path, len(old), "s" if len(old) > 1 else "", "; ".join(old[:3]),
               "; ..." if len(old) > 3 else "", "have" if len(old) > 1 else "has",
               "they are" if len(old) > 1 else "it is", "s" if len(old) > 1 else ""))


def read_objects(path: str, only: list[str] | None) -> OrderedDict[str, JournalObject]:
    """The journal's objects (those of `only`, when given); JournalError (a ValueError) when the
    journal is not to be trusted or not valid."""
    return journal_objects(read_journal(path), only)


class RollbackWriter(DaclWriter):
    # pylint: disable=arguments-renamed  # the runner passes each step's arguments by position
    """The rollback's bulk run: the restores planned from the journal's objects (the protected
    set read once), the protected groups' tokens guarded (check mode too), then the DACL
    writer's steps. An object another writer changed since the plan fails; it is not planned
    again (run the rollback again, with force if need be)."""

    verb = "restores"

    def __init__(self, client: LdapClient, objects: Mapping[str, JournalObject],
                 params: Mapping[str, Any], catalog: Any = None, diff: bool = False) -> None:
        super().__init__(client, Sddl(), diff, journal_path=params["rollback_journal"])
        self.objects = objects
        self.force = params["force"]
        self.catalog = catalog
        self.protection: Any = None

    def plan(self, outcome: Outcome) -> list[Change]:
        self.sddl = Sddl.for_domain(self.client.root_dse)
        self.protection = ProtectedSet(self.client, self.catalog).load().by_dn()
        return build_plan(self.client, self.objects, self.protection, self.force, outcome)

    def guard(self, changes: list[Change], outcome: Outcome, fail_fast: bool) -> list[Change]:
        return token_guard(changes, self.protection, outcome)  # check mode too: the same plan
