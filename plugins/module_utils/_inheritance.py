# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the inheritance module would do to one object, and why. Private."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._dacl_changes import Change
from ansible_collections.adremedy.directory.plugins.module_utils._descriptors import (
    SD_ATTRIBUTE, descriptor_of)
from ansible_collections.adremedy.directory.plugins.module_utils._dn import (
    DnError, dn_key, parent)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import LdapClient, LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._object_types import ObjectTypes
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    CONTAINER_INHERIT, MAX_ACL_BYTES, AclTooLargeError, SecurityDescriptor, SecurityDescriptorError,
    disable_inheritance, enable_inheritance, explicit_only, plan_explicit_duplicates)

# Enabling inheritance on a protected DACL: the DC adds the ACEs the parent passes down in the
# same modify. Only a DACL this large can be pushed past 64 KiB by them (the parent's inheritable
# set would have to be over 32 KiB otherwise), so only then is the parent read.
LARGE_DACL = 32 * 1024
SHARED_LIMIT = 4096  # new DACLs kept for sharing in one run (a directory has few descriptors)


class Skip:
    """An object left alone on purpose, with the reason a person reads in the result."""

    def __init__(self, reason: str, classification: str | None = None) -> None:
        self.reason = reason
        self.classification = classification


def protection_skip(protection: Mapping[str, Any] | None, include_orphaned: bool) -> Skip | None:
    """Skip for protected and not-yet-marked members of the protected set always, for orphans
    unless the caller opted in; an object protected (unresolved) is never written, whatever the
    options. None when the object may be written."""
    if protection is None:
        return None
    cls = protection["classification"]
    if cls == "orphaned":
        if include_orphaned:
            return None
        return Skip("orphaned adminCount=1 (%s); set include_orphaned to clear adminCount and "
                    "fix it" % protection["reason"], cls)
    if protection.get("unresolved"):
        return Skip("%s; it may be protected through a member the module cannot follow, so it "
                    "is never written (with gc_server the module follows members of other "
                    "domains of the forest)" % protection["reason"], cls)
    what = "protected" if cls == "protected" else "in the protected set, not yet marked"
    return Skip("%s: %s; SDProp restores the AdminSDHolder DACL within the hour, so it is never "
                "written" % (what, protection["reason"]), cls)


def protection_of(protection: Mapping[str, Any] | None, entry: Any) -> Mapping[str, Any] | None:
    """The protected-set row of an entry: by objectGUID and objectSid where the lookup knows
    them (_protected.Protection.of; an object moved after the set was read keeps its SID and
    GUID), else by DN."""
    if protection is None:
        return None
    lookup = getattr(protection, "of", None)
    return lookup(entry) if lookup is not None else protection.get(entry.dn)


TOKEN_UNREADABLE = ("its tokenGroups could not be read (the bind account may not read them), so "
                    "only the protected-group walk vouches that it is not protected")


def token_guard(changes: list[Change], protection: Any, outcome: Any) -> list[Change]:
    """The last guard before a write, run in check mode too so the plan stays the same: each
    object about to be written whose tokenGroups (the DC's own transitive expansion, primary
    groups included) holds a protected group's SID is skipped as protected, naming the group.
    Only the objects of the plan are read, one base read each. An object whose token the bind
    account may not read is written on the walk's word, with a note saying so. An object
    whose token read fails is failed, not written; a DC that went away ends the run before
    anything is written."""
    check = getattr(protection, "token_membership", None)
    if check is None:
        return list(changes)
    kept = []
    for change in changes:
        try:
            group, judged = check(change.dn)
        except LdapError as exc:
            if exc.code == 52:
                raise
            outcome.fail(change.dn, exc)
            continue
        if group is not None:
            skip = protection_skip(dict(classification="protected", reason="member of %s (in its "
                                        "tokenGroups)" % group), False)
            outcome.add(change.dn, "skipped", reason=skip.reason,
                        classification=skip.classification)
            continue
        if not judged:
            note = change.detail.get("note")
            change.detail["note"] = "%s; %s" % (note, TOKEN_UNREADABLE) if note \
                else TOKEN_UNREADABLE
        kept.append(change)
    return kept


def _once(shared: dict | None, sd: SecurityDescriptor, how: tuple,
          make: Callable[[], tuple[SecurityDescriptor, bool]]) -> tuple[SecurityDescriptor, bool]:
    """make() once per descriptor object and `how` when shared is a dict. Descriptors parsed once
    for all objects with the same bytes (_descriptors.ParsedDescriptors) give the same new DACL,
    and nothing changes a planned DACL in place, so the changes share it: 5,000 planned changes
    over 5 distinct descriptors keep 5 new DACLs, not 5,000."""
    if shared is None:
        return make()
    key = (id(sd),) + how
    found = shared.get(key)
    if found is None or found[0] is not sd:  # the sd is kept in the value: its id stays its own
        if len(shared) >= SHARED_LIMIT:
            shared.clear()
        found = shared[key] = (sd, make())
    return found[1]


def plan(dn: str, sd: SecurityDescriptor, admin_count: int | None,
         protection: Mapping[str, Any] | None, state: str, disable_mode: str = "preserve",
         remove_explicit_duplicates: bool = False,
         include_orphaned: bool = False, shared: dict | None = None,
         object_types: ObjectTypes | None = None) -> Change | Skip | None:
    """A Change, a Skip, or None (already as wanted) for one object. With `shared` (a dict kept
    over one run), the new DACL is shared by the objects that have the same descriptor object.
    object_types: the schema's object-type tree for judging explicit duplicates (None: not
    read, judged conservatively)."""
    skip = protection_skip(protection, include_orphaned)
    if skip is not None:
        return skip
    orphan = protection is not None and protection["classification"] == "orphaned"
    detail = {}
    if orphan:
        detail["classification"] = "orphaned"
    if state == "enabled" and not sd.protected and not remove_explicit_duplicates \
            and not (orphan and admin_count is not None):
        return None  # the common case on a large directory: nothing to do, nothing to copy
    if state == "enabled":
        new, changed = _once(shared, sd, ("enable",), lambda: enable_inheritance(sd))
        action = "enable"
        if remove_explicit_duplicates:
            if sd.protected:
                # The inherited ACEs appear only when the DC recomputes them in the write;
                # duplicates among them are dropped in a second modify after the re-read.
                detail["note"] = "explicit copies of inherited ACEs are dropped after enabling"
            else:
                deduped, removed = _dedupe(sd, detail, object_types)
                if removed:
                    new, changed = explicit_only(deduped), True
                    action = "drop explicit duplicates"
        clear_admin_count = admin_count if orphan and admin_count is not None else None
        if clear_admin_count is not None:
            changed = True
            detail["admin_count_cleared"] = True
    else:
        new, changed = _once(shared, sd, ("disable", disable_mode),
                             lambda: disable_inheritance(sd, disable_mode))
        action = "disable (%s)" % disable_mode
        clear_admin_count = None
    if not changed:
        return None
    return Change(dn, sd, new, action, admin_count=clear_admin_count, detail=detail)


def duplicates_follow_up(change: Change, reread: SecurityDescriptor,
                         object_types: ObjectTypes | None = None) -> Change | None:
    """After enabling inheritance, drop explicit ACEs that now duplicate inherited ones."""
    if change.action != "enable":
        return None
    detail = {}
    deduped, removed = _dedupe(reread, detail, object_types)
    if not removed:
        return None
    return Change(change.dn, reread, explicit_only(deduped), "enable, drop explicit duplicates",
                  detail=detail)


def passed_down_size(parent_sd: SecurityDescriptor | None) -> int:
    """At most how many bytes of ACEs an object gets from this parent (its container-inherit
    ACEs; those restricted to another object class count too, so this is an upper bound)."""
    if parent_sd is None or parent_sd.dacl is None:
        return 0
    return sum(len(ace.to_bytes()) for ace in parent_sd.dacl.aces
               if ace.flags & CONTAINER_INHERIT)


def may_not_fit(change: Change) -> bool:
    """Whether check_fits() has anything to check: enabling inheritance on a protected DACL
    whose explicit ACEs alone take more than LARGE_DACL bytes."""
    return (change.action == "enable" and change.before.protected
            and change.after.dacl is not None
            and len(change.after.dacl.to_bytes()) > LARGE_DACL)


def check_fits(change: Change,
               read_parent_sd: Callable[[str], SecurityDescriptor | None]) -> None:
    """Refuse, before anything is written, to enable inheritance where the explicit ACEs plus
    what the parent passes down would exceed the 64 KiB an ACL holds (a DC cannot store it;
    Samba 4.17 stores it with its size field wrapped, which no reader can parse).
    read_parent_sd(dn) gives the parent's descriptor, or None when it cannot be read."""
    if not may_not_fit(change):
        return
    own = len(change.after.dacl.to_bytes())
    inherited = passed_down_size(read_parent_sd(change.dn))
    if own + inherited > MAX_ACL_BYTES:
        raise AclTooLargeError(own + inherited, None,
                               "DACL of %s after enabling inheritance (%d bytes of explicit ACEs, "
                               "up to %d passed down by its parent)" % (change.dn, own, inherited))


class ParentDescriptors:
    """read_parent_sd for check_fits: each parent's DACL read once; None when it cannot be read
    (the bind account may lack READ_CONTROL on an OU), in which case the check is left to the
    re-read after the write."""

    def __init__(self, client: LdapClient) -> None:
        self.client = client
        self.cache: dict[str, SecurityDescriptor | None] = {}

    def __call__(self, dn: str) -> SecurityDescriptor | None:
        try:
            above = parent(dn)
        except DnError:  # not one the DC spelled; the re-read after the write still checks
            return None
        key = dn_key(above)
        if key not in self.cache:
            try:
                entry = self.client.read(above, [SD_ATTRIBUTE])
                self.cache[key] = descriptor_of(entry) if entry is not None else None
            except (LdapError, SecurityDescriptorError):
                self.cache[key] = None
        return self.cache[key]


def _dedupe(sd: SecurityDescriptor, detail: dict[str, Any],
            object_types: ObjectTypes | None = None) -> tuple[SecurityDescriptor, int]:
    """Explicit copies of inherited ACEs dropped where that changes no one's access; the ones
    kept, and why, go into the result."""
    deduped, removed, kept = plan_explicit_duplicates(sd, object_types)
    if removed:
        detail["duplicates_removed"] = len(removed)
    if kept:
        detail["duplicates_kept"] = len(kept)
        detail["note"] = ("%d explicit copies of inherited ACEs kept because dropping them could "
                          "change effective access, e.g. %s" % (len(kept), kept[0][1]))
    return deduped, len(removed)
