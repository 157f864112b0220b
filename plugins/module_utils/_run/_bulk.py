# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness of every module that changes many objects: the options (max_changes, fail_fast,
list_unchanged), the max_changes guard, counts and per-object results (Outcome), a failed
object that stops the run or not, the re-read that verifies a write, the final report.
It knows nothing of what is written. Private."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._run._progress import note as note_progress
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient, LdapError)


class Outcome:
    """Counts and the per-object results a module returns."""

    def __init__(self, list_unchanged: bool = False, noun: str = "objects") -> None:
        self.noun = noun
        self.counts = dict(matched=0, changed=0, unchanged=0, skipped=0, failed=0)
        self.objects: list[dict[str, Any]] = []
        self.diffs: list[dict[str, str]] = []
        self.list_unchanged = list_unchanged
        self.stopped: str | None = None

    def add(self, dn: str, status: str, **detail: Any) -> None:
        self.counts[status] += 1
        if status in ("changed", "failed"):
            note_progress(**{"written" if status == "changed" else "failed": 1})
        if status != "unchanged" or self.list_unchanged:
            item = dict(dn=dn, status=status)
            item.update(detail)
            self.objects.append(item)

    def fail(self, dn: str, exc: Exception) -> None:
        self.add(dn, "failed", error=str(exc), ldap_code=getattr(exc, "code", None))

    def result(self) -> dict[str, Any]:
        return dict(changed=self.counts["changed"] > 0, counts=dict(self.counts),
                    objects=self.objects)

    def report(self, diff: bool = False, check_mode: bool = False,
               **extra: Any) -> tuple[dict[str, Any], bool]:
        """(result, failed): counts, objects, summary msg and, with diff, the diffs; failed when
        any object failed, with the first failure in msg. In check mode the msg says "would
        change": nothing was written."""
        result = self.result()
        result.update(extra)
        result["msg"] = self.summary(check_mode)
        if diff:
            result["diff"] = self.diffs
        failures = [o for o in self.objects if o["status"] == "failed"]
        if failures:
            result["msg"] += "; first failure: %s" % failures[0]["error"]
        return result, bool(failures)

    def summary(self, check_mode: bool = False) -> str:
        counts = dict(self.counts, noun=self.noun,
                      verb="would change" if check_mode else "changed")
        text = "%(changed)d of %(matched)d %(noun)s %(verb)s, %(unchanged)d already right, " \
               "%(skipped)d skipped, %(failed)d failed" % counts
        if self.stopped:
            text += "; stopped: %s" % self.stopped
        return text


def record_failure(outcome: Outcome, dn: str, exc: Exception, pending: Iterable[Any],
                   fail_fast: bool, recorded: bool = False) -> bool:
    """Record one object's failed write (unless already recorded). True when the run must
    stop: the DC is gone (the pending objects are reported as not attempted) or fail_fast."""
    if not recorded:
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


def read_back(client: LdapClient, dn: str, attributes: Sequence[str]) -> Entry:
    """The object re-read after a write, to verify it; LdapError naming it when it is gone."""
    entry = client.read(dn, attributes)
    if entry is None:
        raise LdapError("verify %s failed: the object is gone after the write: noSuchObject (32)"
                        % dn, code=32, name="noSuchObject", dn=dn)
    return entry


def check_max_changes(params: dict[str, Any]) -> None:
    limit = params["max_changes"]
    if limit is not None and limit < 0:
        raise Failure("max_changes must be 0 (no change allowed) or more, or left out for no "
                      "limit, not %d" % limit)


def bulk_spec() -> ArgumentSpec:
    """max_changes, fail_fast and list_unchanged, as every module that writes in bulk takes them.
    max_changes: None (left out) is no limit; 0 allows no change at all."""
    return ArgumentSpec(dict(max_changes=dict(type="int"),
                             fail_fast=dict(type="bool", default=False),
                             list_unchanged=dict(type="bool", default=False)),
                        checks=[check_max_changes])


def enforce_limit(changes: Sequence[Any], limit: int | None, outcome: Outcome,
                  verb: str = "changes") -> None:
    """max_changes: a plan larger than the limit changes nothing; Failure with the plan. None is
    no limit; 0 is a limit like any other (an AWX survey's 0 means "change nothing", so a plan of
    one object fails)."""
    note_progress(planned=len(changes))
    if limit is not None and len(changes) > limit:
        raise Failure("the plan %s %d objects, more than max_changes %d; nothing was changed"
                      % (verb, len(changes), limit), plan=[c.dn for c in changes],
                      **outcome.result())
