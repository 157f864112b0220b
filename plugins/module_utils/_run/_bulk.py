# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one bulk runner of every module that changes many objects, and its harness: the options
(max_changes, fail_fast, list_unchanged), counts and per-object results (Outcome), the
max_changes guard, the journal opened before the first write, a failed object that stops the
run or not, the re-read that verifies a write, the final report.

run_bulk(writer, outcome, params, check_mode) runs a BulkWriter's steps in one order for every
writer: plan, guards (check mode too), max_changes, journal, then per object: the re-read just
before the write, journal lines, write, re-read and verify, a follow-up write or the result.
A writer supplies the steps, never a loop; the runner knows nothing of what is written.
Private."""

from __future__ import annotations

from collections import deque
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    Failure, JournalError, LdapError)
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import Journal
from ansible_collections.adremedy.directory.plugins.module_utils._progress import note as note_progress
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)


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

    def missing(self, dn: str) -> None:
        """A listed object that does not exist (a selection's on_missing): matched, and failed
        with noSuchObject, the run going on with the others."""
        self.counts["matched"] += 1
        self.fail(dn, LdapError.no_such_object(dn))

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


def record_failure(outcome: Outcome, dn: str, exc: Exception, pending: Collection[Any],
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


def refuse(items: list[Any], outcome: Outcome, fail_fast: bool,
           refused: Callable[[Any], Mapping[str, Any] | None]) -> list[Any]:
    """The items a guard lets through. refused(item) gives the result keys (error, ldap_code,
    ...) of an item that must not be attempted (the rights guards: insufficientAccessRights
    (50) predicted), None for one that may; refused items are failed. With fail_fast, one
    refused item stops the run before anything is written."""
    kept = []
    for item in items:
        detail = refused(item)
        if detail is None:
            kept.append(item)
            continue
        outcome.add(item.dn, "failed", **detail)
    if fail_fast and len(kept) < len(items):
        outcome.stopped = "fail_fast after the first failure"
        return []
    return kept


def open_journal(path: str | None, client: LdapClient, items: Sequence[Any], outcome: Outcome,
                 check_mode: bool = False) -> AbstractContextManager[Journal | None]:
    """The journal to write to as a context manager (yielding None when there is no path,
    nothing to write, or check mode). Opened before the first write, so an unwritable or
    untrusted path fails (Failure) with nothing changed."""
    if not path or not items or check_mode:
        return nullcontext()
    try:
        return Journal(path, client.root_dse.domain_sid)
    except JournalError as exc:
        raise Failure("%s; nothing was changed" % exc, **outcome.result())


class ChangedSinceRead(Exception):
    """Another writer changed the object after the plan read it (a writer's recheck or write
    says so): the writer plans it again (BulkWriter.replan), never overwriting that change."""

    def __init__(self, entry: Entry, lost_answer: bool = False) -> None:
        super().__init__(entry.dn)
        self.entry = entry
        self.lost_answer = lost_answer  # our write was sent, its answer lost: it may have landed


class BulkWriter:
    """The steps of one kind of bulk write; run_bulk runs them, in the same order for every
    writer. Items are the writer's planned writes, each with a `dn`. Only plan and write must
    be given; the others default to doing nothing. The runner passes each step its arguments by
    position, so a writer names them for what they are (a change, a removal), and says so to
    pylint with `# pylint: disable=arguments-renamed` on its class."""

    verb = "changes"  # the max_changes failure: "the plan <verb> 3 objects, ..."
    errors: tuple[type[Exception], ...] = (LdapError,)  # what fails one object, not the run
    journal_path: str | None = None  # the journal option's value; None: no journal

    def __init__(self, client: LdapClient) -> None:
        self.client = client

    # -- the plan, the same in check mode ---------------------------------------------------

    def plan(self, outcome: Outcome) -> list[Any]:
        """The planned writes; objects left alone are recorded in outcome (unchanged, skipped,
        failed) and matched counted."""
        raise NotImplementedError

    def guard(self, items: list[Any], outcome: Outcome, fail_fast: bool) -> list[Any]:
        """The items the guards let through (rights predicted, the protected set's token...);
        the others are recorded in outcome. Runs in check mode too, before max_changes."""
        return items

    def counted(self, items: list[Any]) -> list[Any]:
        """The items max_changes counts (and a failed limit lists in `plan`)."""
        return items

    def writes(self, item: Any) -> bool:
        """False for an item that is only reported (describe), never written."""
        return True

    # -- one object, in a real run ------------------------------------------------------------

    def recheck(self, item: Any) -> Any:
        """Just before the write: the object read again and checked to be the one planned
        (objectGUID, class, unchanged since the plan). LdapError to fail it, ChangedSinceRead to
        plan it again. Returns what the other steps need (e.g. the entries read)."""
        return None

    def journal_lines(self, item: Any, found: Any) -> Iterable[dict[str, Any]]:
        """The journal lines written (and on disk) before the write."""
        return ()

    def write(self, item: Any, found: Any) -> None:
        raise NotImplementedError

    def verify(self, item: Any, found: Any) -> Any:
        """Re-read and verify the write; LdapError when it did not take. Returns the result
        describe() and follow_up() get."""
        return None

    def follow_up(self, item: Any, result: Any) -> Any:
        """A further write for the same object, run next (None: the object is done)."""
        return None

    def replan(self, item: Any, moved: ChangedSinceRead, outcome: Outcome) -> Any:
        """The item planned again from what the object holds now, or None once its result is
        recorded. By default it fails: the writer cannot plan again."""
        outcome.fail(item.dn, LdapError("%s changed since it was read (another writer); "
                                        "nothing was written" % item.dn, dn=item.dn))
        return None

    def failed(self, item: Any, exc: Exception, outcome: Outcome) -> bool:
        """Record a failure the writer words itself (e.g. written, then its verify failed);
        True when it did. False: the runner records it as the object's failure."""
        return False

    # -- the result ---------------------------------------------------------------------------

    def describe(self, item: Any, outcome: Outcome, result: Any = None) -> None:
        """Record a written item in outcome (status, detail, diff)."""
        outcome.add(item.dn, "changed")

    def describe_plan(self, item: Any, outcome: Outcome) -> None:
        """Record an item not written: check mode, or writes() False."""
        self.describe(item, outcome)


def write_one(writer: BulkWriter, item: Any, journal: Journal | None = None) -> Any:
    """One item's write steps: recheck, journal lines (on disk before the write), write,
    verify. Raises what a step raises; returns verify's result."""
    found = writer.recheck(item)
    if journal is not None:
        for line in writer.journal_lines(item, found):
            journal.write(line)
    writer.write(item, found)
    return writer.verify(item, found)


def write_all(writer: BulkWriter, items: Iterable[Any], outcome: Outcome,
              check_mode: bool = False, journal: Journal | None = None,
              fail_fast: bool = False) -> None:
    """Write each item (in check mode, or when writes() says so, only describe it), recording
    the results in outcome. A failed object is recorded and the run goes on, unless fail_fast;
    a lost DC (52) stops it and names the objects not attempted. An object another writer
    changed since the plan is planned again (replan) and written next; so is a follow-up."""
    pending = deque(items)
    while pending:
        item = pending.popleft()
        if check_mode or not writer.writes(item):
            writer.describe_plan(item, outcome)
            continue
        try:
            try:
                result = write_one(writer, item, journal)
            except ChangedSinceRead as moved:
                again = writer.replan(item, moved, outcome)
                if again is not None:
                    pending.appendleft(again)
                continue
        except writer.errors as exc:
            recorded = writer.failed(item, exc, outcome)
            if record_failure(outcome, item.dn, exc, pending, fail_fast, recorded):
                return
            continue
        more = writer.follow_up(item, result)
        if more is not None:
            pending.appendleft(more)
            continue
        writer.describe(item, outcome, result)


def run_bulk(writer: BulkWriter, outcome: Outcome, params: Mapping[str, Any],
             check_mode: bool = False) -> bool:
    """The bulk run: plan, guards (both in check mode too, so check and real runs plan and
    refuse the same objects), max_changes (Failure with the plan, nothing written), the
    journal opened, then write_all. params: the bulk options (max_changes, fail_fast). True
    when a journal was written to."""
    items = writer.guard(writer.plan(outcome), outcome, params["fail_fast"])
    enforce_limit(writer.counted(items), params["max_changes"], outcome, writer.verb)
    with open_journal(writer.journal_path, writer.client, items, outcome,
                      check_mode) as journal:
        write_all(writer, items, outcome, check_mode, journal, params["fail_fast"])
    return journal is not None
