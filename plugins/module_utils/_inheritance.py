# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the inheritance module would do to one object, and why. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.adremedy.directory.plugins.module_utils._dacl_changes import Change
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    disable_inheritance, drop_explicit_duplicates, enable_inheritance, explicit_only)


class Skip(object):
    """An object left alone on purpose, with the reason a person reads in the result."""

    def __init__(self, reason, classification=None):
        self.reason = reason
        self.classification = classification


def protection_skip(protection, include_orphaned):
    """Skip for protected and not-yet-marked members of the protected set always, for orphans
    unless the caller opted in. None when the object may be written."""
    if protection is None:
        return None
    cls = protection["classification"]
    if cls == "orphaned":
        if include_orphaned:
            return None
        return Skip("orphaned adminCount=1 (%s); set include_orphaned to clear adminCount and "
                    "fix it" % protection["reason"], cls)
    what = "protected" if cls == "protected" else "in the protected set, not yet marked"
    return Skip("%s: %s; SDProp restores the AdminSDHolder DACL within the hour, so it is never "
                "written" % (what, protection["reason"]), cls)


def plan(dn, sd, admin_count, protection, state, disable_mode="preserve",
         remove_explicit_duplicates=False, include_orphaned=False):
    """A Change, a Skip, or None (already as wanted) for one object."""
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
        new, changed = enable_inheritance(sd)
        action = "enable"
        if remove_explicit_duplicates:
            if sd.protected:
                # The inherited ACEs appear only when the DC recomputes them in the write;
                # duplicates among them are dropped in a second modify after the re-read.
                detail["note"] = "explicit copies of inherited ACEs are dropped after enabling"
            else:
                deduped, removed = drop_explicit_duplicates(sd)
                if removed:
                    new, changed = explicit_only(deduped), True
                    action = "drop explicit duplicates"
                    detail["duplicates_removed"] = removed
        clear_admin_count = admin_count if orphan and admin_count is not None else None
        if clear_admin_count is not None:
            changed = True
            detail["admin_count_cleared"] = True
    else:
        new, changed = disable_inheritance(sd, disable_mode)
        action = "disable (%s)" % disable_mode
        clear_admin_count = None
    if not changed:
        return None
    return Change(dn, sd, new, action, admin_count=clear_admin_count, detail=detail)


def duplicates_follow_up(change, reread):
    """After enabling inheritance, drop explicit ACEs that now duplicate inherited ones."""
    if change.action != "enable":
        return None
    deduped, removed = drop_explicit_duplicates(reread)
    if not removed:
        return None
    return Change(change.dn, reread, explicit_only(deduped), "enable, drop explicit duplicates",
                  detail=dict(duplicates_removed=removed))
