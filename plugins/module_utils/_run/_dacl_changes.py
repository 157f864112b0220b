# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DACL writer: planned DACL changes (Change) and the steps the bulk runner (_bulk) runs for
each: the object read again just before its write (the same objectGUID, the DACL the plan
read, else planned again), the journal line, one LDAP modify per object (lost answers settled),
re-read and verify, a follow-up write, the result and diff. Shared by the inheritance and
inheritance_rollback modules. Private."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Tuple

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    BulkWriter, ChangedSinceRead, Outcome, read_back)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    READ_ATTRIBUTES, SD_ATTRIBUTE, descriptor_of, guid_of)
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import encode_sd
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, LostAnswerConflict, SecurityDescriptorError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_DELETE, MODIFY_REPLACE, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    INHERIT_ONLY, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    inheritance_key)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

# ACE types that only grant, and that only deny (plain, object, callback, callback object).
_GRANTS = frozenset((0x00, 0x05, 0x09, 0x0B))
_DENIES = frozenset((0x01, 0x06, 0x0A, 0x0C))
# the protected flag, then each run of explicit ACEs: (kind, its ACE keys sorted)
OrderedKey = Tuple[bool, Optional[Tuple[Tuple[Optional[str], Tuple[str, ...]], ...]]]


def ordered_key(sd: SecurityDescriptor) -> OrderedKey:
    """What a rollback compares ("is the DACL still the one the journal says was written",
    "is it back to the original"): the protected flag and the explicit ACEs IN ORDER, because
    the DC evaluates them in order: (A;;WP;;;X)(D;;WP;;;X) grants X the write that
    (D;;WP;;;X)(A;;WP;;;X) denies. Only the order inside a run of consecutive ACEs that all
    grant (or all deny) is left out: swapping two of them changes no one's access, here or on
    the objects below, and it is the reordering a Windows DC makes itself when it stores a
    canonical DACL (MS-ADTS 6.1.3.1: regular before object ACEs, then octet order). Other ACE
    types each stand alone. INHERIT_ONLY on ACEs with an inherited object type is ignored, as
    inheritance_key() ignores it (the DC sets it by the object's class)."""
    if sd.dacl is None:
        return (sd.protected, None)
    runs: list[tuple[str | None, list[str]]] = []
    for ace in sd.dacl.aces:
        if ace.inherited:
            continue
        flags = ace.flags & ~INHERIT_ONLY if ace.inherited_object_type else ace.flags
        key = repr(ace.copy(flags=flags).key())
        kind = "grant" if ace.type in _GRANTS else "deny" if ace.type in _DENIES else None
        if kind is not None and runs and runs[-1][0] == kind:
            runs[-1][1].append(key)
        else:
            runs.append((kind, [key]))
    return (sd.protected, tuple((kind, tuple(sorted(keys))) for kind, keys in runs))


class Change:
    """One object's planned write: the DACL as read, the DACL to write, and other attributes to
    change in the same modify (adminCount for orphans)."""

    __slots__ = ("dn", "before", "after", "action", "admin_count", "restore_admin_count",
                 "detail", "first_before", "written", "replanned", "guid")

    def __init__(self, dn: str, before: SecurityDescriptor, after: SecurityDescriptor,
                 action: str, admin_count: int | None = None,
                 restore_admin_count: int | None = None,
                 detail: dict[str, Any] | None = None, guid: str | None = None) -> None:
        self.dn = dn
        self.before = before
        self.after = after
        self.action = action
        self.admin_count = admin_count  # the value being cleared, kept for the journal
        self.restore_admin_count = restore_admin_count
        self.detail = detail or {}
        self.first_before = before  # what a diff shows as "before" when writes are chained
        self.written: str | None = None  # for a follow-up: the write that already succeeded
        self.replanned = False  # planned again because another writer changed the object
        # objectGUID of the object planned for (None: taken from the read just before the
        # write); the write refuses another object found at the DN, and the journal keeps it
        self.guid = guid

    def ldap_changes(self) -> dict[str, list[tuple[Any, list[Any]]]]:
        changes: dict[str, list[tuple[Any, list[Any]]]] = {
            SD_ATTRIBUTE: [(MODIFY_REPLACE, [self.after.to_bytes()])]}
        if self.admin_count is not None:
            changes["adminCount"] = [(MODIFY_DELETE, [])]
        if self.restore_admin_count is not None:
            changes["adminCount"] = [(MODIFY_REPLACE, [str(self.restore_admin_count)])]
        return changes


def _diff(sddl: Sddl, dn: str, before: SecurityDescriptor, after: SecurityDescriptor,
          note: str | None = None) -> dict[str, str]:
    after_text = sddl.render(after, "\n") + "\n"
    if note:
        after_text += "# %s\n" % note
    return dict(before_header=dn, after_header=dn,
                before=sddl.render(before, "\n") + "\n", after=after_text)


class WrittenError(LdapError):
    """The object's DACL was written, then a later step for it (the re-read, the verify, a
    follow-up write) failed: it counts as changed and as failed."""

    def __init__(self, written: str | None, step: str, exc: Any) -> None:
        super().__init__("%s succeeded, then %s failed: %s" % (written, step, exc),
                         code=getattr(exc, "code", None), name=getattr(exc, "name", None),
                         dn=getattr(exc, "dn", None))
        self.step = step


def journal_line(change: Change, sddl: Sddl) -> dict[str, Any]:
    """The undo journal's line for one change, on disk before its write. Every ACE renders
    (those SDDL has no form for as (X:<hex>), their bytes); a descriptor that cannot be encoded
    is the object's codec error, raised before anything is written."""
    try:
        line: dict[str, Any] = dict(
            dn=change.dn, action=change.action,
            old_sddl=sddl.render(change.before), new_sddl=sddl.render(change.after),
            old_sd=encode_sd(change.before), new_sd=encode_sd(change.after))
    except SecurityDescriptorError as exc:
        raise exc.about(change.dn)
    if change.guid:  # which object: a rollback refuses another one created at the DN
        line["object_guid"] = change.guid
    if change.admin_count is not None:
        line["old_admin_count"] = change.admin_count
    return line


def _failed_after_write(outcome: Outcome, change: Change, exc: Any) -> None:
    """A failure after the object's DACL was written: changed and failed, the step named."""
    outcome.counts["changed"] += 1
    outcome.add(change.dn, "failed", changed=True, action=change.action, error=str(exc),
                step=getattr(exc, "step", change.action), ldap_code=getattr(exc, "code", None),
                **change.detail)


Replan = Callable[[Change, Any], Any]
FollowUp = Callable[[Change, SecurityDescriptor], Optional[Change]]


class DaclWriter(BulkWriter):
    # pylint: disable=arguments-renamed  # the runner passes each step's arguments by position
    """The steps of a DACL write for the bulk runner. A module's writer (inheritance,
    rollback) adds plan and guard. after_write(change, reread) may return a further Change for
    the same object (e.g. dropping duplicates the DC's recomputation revealed); it is written
    next, the same way. Each object's DACL is read again just before its write; when another
    writer changed it since the plan, replan(change, entry) gives the Change (or None, or a
    Skip) for the DACL as it is now, so the other writer's change is kept. Without replan such
    an object fails."""

    errors = (LdapError, SecurityDescriptorError)

    def __init__(self, client: LdapClient, sddl: Sddl, diff: bool = False,
                 after_write: FollowUp | None = None, replan_one: Replan | None = None,
                 journal_path: str | None = None) -> None:
        super().__init__(client)
        self.sddl = sddl
        self.diff = diff
        self.after_write = after_write
        self.replan_one = replan_one
        self.journal_path = journal_path

    def recheck(self, change: Change) -> Any:
        """LdapError when another object is at the DN now, ChangedSinceRead when another writer
        got there first."""
        entry = read_back(self.client, change.dn, READ_ATTRIBUTES)
        same_object(change, entry)
        if descriptor_of(entry).to_bytes() != change.before.to_bytes():
            raise ChangedSinceRead(entry)
        return entry

    def journal_lines(self, change: Change, found: Any) -> Iterable[dict[str, Any]]:
        return [journal_line(change, self.sddl)]

    def write(self, change: Change, found: Any) -> None:
        try:
            self.client.modify(change.dn, change.ldap_changes(),
                               settle=lambda again: _settle(again, change))
        except LostAnswerConflict as conflict:
            if conflict.entry is None:  # _settle always gives what it read back
                raise
            raise ChangedSinceRead(conflict.entry, lost_answer=True)

    def verify(self, change: Change, found: Any) -> SecurityDescriptor:
        """The DACL read back; WrittenError when the re-read or the verify fails."""
        written = change.written or "the DACL write (%s)" % change.action
        try:
            reread = descriptor_of(read_back(self.client, change.dn, READ_ATTRIBUTES))
        except DirectoryError as exc:
            raise WrittenError(written, "reading it back", exc)
        if inheritance_key(reread) != inheritance_key(change.after):
            raise WrittenError(written, "verify", LdapError(
                "verify %s failed: the DACL read back differs from the one written (another "
                "writer, or the DC rewrote it)" % change.dn, dn=change.dn))
        return reread

    def follow_up(self, change: Change, reread: SecurityDescriptor) -> Change | None:
        more = self.after_write(change, reread) if self.after_write else None
        if more is not None:
            more.first_before = change.first_before
            more.detail = dict(change.detail, **more.detail)
            more.written = change.written or "the DACL write (%s)" % change.action
            more.guid = more.guid or change.guid
        return more

    def failed(self, change: Change, exc: Exception, outcome: Outcome) -> bool:
        """After a write that succeeded (its follow-up failed, or its verify): changed and
        failed, recorded here."""
        if change.written is None and not isinstance(exc, WrittenError):
            return False
        if not isinstance(exc, WrittenError):
            exc = WrittenError(change.written, change.action, exc)
        _failed_after_write(outcome, change, exc)
        return True

    def replan(self, change: Change, moved: ChangedSinceRead, outcome: Outcome) -> Change | None:
        """The step for an object another writer changed since it was read: a new Change to
        write, or None once its result is recorded (already right, skipped, or failed). After a
        lost answer our write may be part of what is there now: already right counts as
        changed."""
        step = None
        entry = moved.entry
        if self.replan_one is not None and not change.replanned and change.written is None:
            try:
                step = self.replan_one(change, entry)
            except DirectoryError as exc:
                outcome.fail(change.dn, exc)
                return None
        elif self.replan_one is None or change.written is None:
            outcome.fail(change.dn, LdapError(
                "%s: its DACL changed since it was read (another writer); %s, run again"
                % (change.dn, "the answer to its write was lost, it was not sent again"
                   if moved.lost_answer else "nothing was written"), dn=change.dn))
            return None
        else:  # a follow-up of a write that succeeded: leave the other writer's change alone
            _failed_after_write(outcome, change, WrittenError(
                change.written, change.action, "the DACL changed meanwhile (another writer); "
                "the follow-up was not written"))
            return None
        if step is None and moved.lost_answer:
            outcome.add(change.dn, "changed", action=change.action, note="the answer to its "
                        "write was lost and another writer changed it too; as it is now it needs "
                        "nothing more", **change.detail)
            return None
        if step is None:
            outcome.add(change.dn, "unchanged", note="already right when re-read before the write")
            return None
        if not isinstance(step, Change):  # a Skip: e.g. it became protected meanwhile
            outcome.add(change.dn, "skipped", reason=step.reason,
                        classification=getattr(step, "classification", None))
            return None
        step.replanned = True
        step.detail = dict(step.detail, replanned="its DACL changed since it was read; planned "
                           "again from the DACL as it is now")
        step.first_before = change.first_before
        step.guid = step.guid or change.guid
        return step

    def describe(self, change: Change, outcome: Outcome, reread: Any = None) -> None:
        outcome.add(change.dn, "changed", action=change.action, **change.detail)
        if self.diff:
            outcome.diffs.append(_diff(self.sddl, change.dn, change.first_before, reread))

    def describe_plan(self, change: Change, outcome: Outcome) -> None:
        outcome.add(change.dn, "changed", action=change.action, **change.detail)
        if self.diff:
            note = None
            if change.before.protected and not change.after.protected:
                note = "and the ACEs inherited from the parent, which the DC adds"
            outcome.diffs.append(_diff(self.sddl, change.dn, change.before, change.after, note))


def _settle(client: LdapClient, change: Change) -> bool:
    """After the answer to the DACL write was lost: re-read on the same DC. The DACL written
    (judged as verify judges it) -> it was applied; the DACL the plan read -> not applied, send
    it again; anything else -> another writer (LostAnswerConflict, the object is planned again
    from what it holds now, never overwritten)."""
    entry = read_back(client, change.dn, READ_ATTRIBUTES)
    now = descriptor_of(entry)
    admin_count_written = change.admin_count is None and change.restore_admin_count is None \
        or entry.int("adminCount") == change.restore_admin_count
    if inheritance_key(now) == inheritance_key(change.after) and admin_count_written:
        return True
    if now.to_bytes() == change.before.to_bytes():
        return False
    raise LostAnswerConflict("modify %s: the answer was lost, and its DACL read back is neither "
                             "the one written nor the one read before (another writer)"
                             % change.dn, entry=entry, dn=change.dn)


def same_object(change: Change, entry: Any) -> None:
    """LdapError when the object now at the change's DN is not the one planned for (another
    objectGUID: deleted and created again meanwhile); else the change takes its GUID."""
    found = guid_of(entry)
    if change.guid and found and found != change.guid:
        raise LdapError("%s is not the object read for the plan: its objectGUID is %s now, %s "
                        "then (it was deleted and created again meanwhile); nothing was written "
                        "to it" % (change.dn, found, change.guid), dn=change.dn)
    change.guid = change.guid or found
