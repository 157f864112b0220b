# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing planned DACL changes safely: journal line first, one LDAP modify per object, re-read
and verify, continue past a failed object (unless fail_fast), stop when the DC is gone.
Shared by the inheritance and inheritance_rollback modules. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import json
import os
from collections import deque
from contextlib import nullcontext

from ansible_collections.adremedy.directory.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import (
    MODIFY_DELETE, MODIFY_REPLACE, LdapError)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    SecurityDescriptor, SecurityDescriptorError, inheritance_key)

SD_ATTRIBUTE = "nTSecurityDescriptor"
READ_ATTRIBUTES = [SD_ATTRIBUTE, "adminCount", "objectClass"]
STATUSES = ("changed", "unchanged", "skipped", "failed")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_sd(sd):
    return base64.b64encode(sd.to_bytes()).decode("ascii")


def decode_sd(text, what):
    try:
        return SecurityDescriptor.parse(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, SecurityDescriptorError) as exc:
        raise SecurityDescriptorError("%s is not a valid base64 security descriptor (%s)"
                                      % (what, exc))


def read_descriptor(client, dn):
    """(Entry, SecurityDescriptor) of one object, or (None, None) when it does not exist.

    Raises LdapError when the DACL cannot be read (READ_CONTROL is needed) and
    SecurityDescriptorError when it cannot be parsed.
    """
    entry = client.read(dn, READ_ATTRIBUTES)
    if entry is None:
        return None, None
    return entry, descriptor_of(entry)


def read_back(client, dn, attributes):
    """The object re-read after a write, to verify it; LdapError naming it when it is gone."""
    entry = client.read(dn, attributes)
    if entry is None:
        raise LdapError("verify %s failed: the object is gone after the write: noSuchObject (32)"
                        % dn, code=32, name="noSuchObject", dn=dn)
    return entry


def descriptor_of(entry):
    blob = entry.raw(SD_ATTRIBUTE)
    if not blob:
        raise LdapError("cannot read the DACL of %s: insufficientAccessRights (50): the bind "
                        "account needs READ_CONTROL on it" % entry.dn, code=50,
                        name="insufficientAccessRights", dn=entry.dn)
    return SecurityDescriptor.parse(blob)


class Change(object):
    """One object's planned write: the DACL as read, the DACL to write, and other attributes to
    change in the same modify (adminCount for orphans)."""

    __slots__ = ("dn", "before", "after", "action", "admin_count", "restore_admin_count",
                 "detail", "first_before")

    def __init__(self, dn, before, after, action, admin_count=None, restore_admin_count=None,
                 detail=None):
        self.dn = dn
        self.before = before
        self.after = after
        self.action = action
        self.admin_count = admin_count  # the value being cleared, kept for the journal
        self.restore_admin_count = restore_admin_count
        self.detail = detail or {}
        self.first_before = before  # what a diff shows as "before" when writes are chained

    def ldap_changes(self):
        changes = {SD_ATTRIBUTE: [(MODIFY_REPLACE, [self.after.to_bytes()])]}
        if self.admin_count is not None:
            changes["adminCount"] = [(MODIFY_DELETE, [])]
        if self.restore_admin_count is not None:
            changes["adminCount"] = [(MODIFY_REPLACE, [str(self.restore_admin_count)])]
        return changes


class Journal(object):
    """JSON Lines, one line per object, written and flushed to disk before the object's modify,
    so a crash or a lost DC still leaves a record of every write that may have happened."""

    def __init__(self, path, domain_sid):
        self.path = path
        self.domain_sid = domain_sid
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise IOError("journal directory %s does not exist" % directory)
        self.handle = open(path, "a")

    def record(self, change, sddl):
        line = dict(time=utc_now(), dn=change.dn, action=change.action,
                    domain_sid=self.domain_sid,
                    old_sddl=sddl.render(change.before), new_sddl=sddl.render(change.after),
                    old_sd=encode_sd(change.before), new_sd=encode_sd(change.after))
        if change.admin_count is not None:
            line["old_admin_count"] = change.admin_count
        self.handle.write(json.dumps(line, sort_keys=True) + "\n")
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self):
        self.handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def read_journal(path):
    """The journal's lines as dicts; a clear error naming the line when one is not valid."""
    lines = []
    try:
        with open(path) as handle:
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                except ValueError as exc:
                    raise ValueError("journal %s line %d is not JSON (%s)" % (path, number, exc))
                missing = [k for k in ("dn", "old_sd", "new_sd") if k not in line]
                if missing:
                    raise ValueError("journal %s line %d lacks %s" % (path, number,
                                                                      ", ".join(missing)))
                line["line"] = number
                lines.append(line)
    except (IOError, OSError) as exc:
        raise ValueError("cannot read journal %s: %s" % (path, exc))
    return lines


class Outcome(object):
    """Counts and the per-object results a module returns."""

    def __init__(self, list_unchanged=False, noun="objects"):
        self.noun = noun
        self.counts = dict(matched=0, changed=0, unchanged=0, skipped=0, failed=0)
        self.objects = []
        self.diffs = []
        self.list_unchanged = list_unchanged
        self.stopped = None

    def add(self, dn, status, **detail):
        self.counts[status] += 1
        if status != "unchanged" or self.list_unchanged:
            item = dict(dn=dn, status=status)
            item.update(detail)
            self.objects.append(item)

    def fail(self, dn, exc):
        self.add(dn, "failed", error=str(exc), ldap_code=getattr(exc, "code", None))

    def result(self):
        return dict(changed=self.counts["changed"] > 0, counts=dict(self.counts),
                    objects=self.objects)

    def report(self, diff=False, **extra):
        """(result, failed): counts, objects, summary msg and, with diff, the diffs; failed when
        any object failed, with the first failure in msg."""
        result = self.result()
        result.update(extra)
        result["msg"] = self.summary()
        if diff:
            result["diff"] = self.diffs
        failures = [o for o in self.objects if o["status"] == "failed"]
        if failures:
            result["msg"] += "; first failure: %s" % failures[0]["error"]
        return result, bool(failures)

    def summary(self):
        counts = dict(self.counts, noun=self.noun)
        text = "%(changed)d of %(matched)d %(noun)s changed, %(unchanged)d already right, " \
               "%(skipped)d skipped, %(failed)d failed" % counts
        if self.stopped:
            text += "; stopped: %s" % self.stopped
        return text


def _diff(sddl, dn, before, after, note=None):
    after_text = sddl.render(after, "\n") + "\n"
    if note:
        after_text += "# %s\n" % note
    return dict(before_header=dn, after_header=dn,
                before=sddl.render(before, "\n") + "\n", after=after_text)


def record_failure(outcome, dn, exc, pending, fail_fast):
    """Record one object's failed write. True when the run must stop: the DC is gone (the
    pending objects are reported as not attempted) or fail_fast."""
    outcome.fail(dn, exc)
    if isinstance(exc, LdapError) and exc.code == 52:
        outcome.stopped = ("the directory became unreachable; %d objects were not attempted"
                           % len(pending))
        for rest in pending:
            outcome.add(rest.dn, "failed", error="not attempted: " + outcome.stopped)
        return True
    if fail_fast:
        outcome.stopped = "fail_fast after the first failure"
        return True
    return False


def apply_changes(client, sddl, changes, outcome, check_mode=False, journal=None,
                  fail_fast=False, diff=False, after_write=None):
    """Write each change (or, in check mode, only report it), recording the results in outcome.

    after_write(change, reread) may return a further Change for the same object (e.g. dropping
    duplicates the DC's recomputation revealed); it is written next, the same way.
    """
    pending = deque(changes)
    while pending:
        change = pending.popleft()
        if check_mode:
            outcome.add(change.dn, "changed", action=change.action, **change.detail)
            if diff:
                note = None
                if change.before.protected and not change.after.protected:
                    note = "and the ACEs inherited from the parent, which the DC adds"
                outcome.diffs.append(_diff(sddl, change.dn, change.before, change.after, note))
            continue
        try:
            reread = write_one(client, sddl, change, journal)
        except (LdapError, SecurityDescriptorError) as exc:
            if record_failure(outcome, change.dn, exc, pending, fail_fast):
                return
            continue
        follow_up = after_write(change, reread) if after_write else None
        if follow_up is not None:
            follow_up.first_before = change.first_before
            follow_up.detail = dict(change.detail, **follow_up.detail)
            pending.appendleft(follow_up)
            continue
        outcome.add(change.dn, "changed", action=change.action, **change.detail)
        if diff:
            outcome.diffs.append(_diff(sddl, change.dn, change.first_before, reread))


def write_one(client, sddl, change, journal=None):
    """Journal, modify, re-read, verify. Raises LdapError naming the object on any failure."""
    if journal is not None:
        journal.record(change, sddl)
    client.modify(change.dn, change.ldap_changes())
    reread = descriptor_of(read_back(client, change.dn, READ_ATTRIBUTES))
    if inheritance_key(reread) != inheritance_key(change.after):
        raise LdapError("verify %s failed: the DACL read back differs from the one written "
                        "(another writer, or the DC rewrote it)" % change.dn, dn=change.dn)
    return reread


# -- the run's edges: options, the max_changes guard, the journal, the final result ------------

def check_max_changes(params):
    if params["max_changes"] < 0:
        raise Failure("max_changes must be 0 (no limit) or more, not %d" % params["max_changes"])


def bulk_spec():
    """max_changes, fail_fast and list_unchanged, as every module that writes in bulk takes them."""
    return ArgumentSpec(dict(max_changes=dict(type="int", default=0),
                             fail_fast=dict(type="bool", default=False),
                             list_unchanged=dict(type="bool", default=False)),
                        checks=[check_max_changes])


def enforce_limit(changes, limit, outcome, verb="changes"):
    """max_changes: a plan larger than the limit changes nothing; Failure with the plan."""
    if limit and len(changes) > limit:
        raise Failure("the plan %s %d objects, more than max_changes %d; nothing was changed"
                      % (verb, len(changes), limit), plan=[c.dn for c in changes],
                      **outcome.result())


def open_journal(path, client, changes, outcome, check_mode=False):
    """The journal to write to as a context manager (yielding None when there is no path,
    nothing to write, or check mode). Opened before the first write, so an unwritable path
    fails (Failure) with nothing changed."""
    if not path or not changes or check_mode:
        return nullcontext()
    try:
        return Journal(path, client.root_dse.domain_sid)
    except (IOError, OSError) as exc:
        raise Failure("cannot open journal %s: %s; nothing was changed" % (path, exc),
                      **outcome.result())
