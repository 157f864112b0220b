# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report's four files, written in Python while the users stream past: report.json
(machine-readable), users.csv (one row per user, csv module), report.md (_report_markdown) and
report.html (_report_html: one self-contained page, the per-user table rendered by the page from
embedded data, a page at a time); and the document's verdict. Every file is written under a
temporary name and renamed when all four are complete, so a failed run never leaves a report
that looks whole; INCOMPLETE.json marks the directory from the start of a run until then.
Private."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import csv
import json
import os
import secrets
import shlex
from typing import Any, Mapping, TextIO

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import split_dn
from ansible_collections.adremedy.directory.plugins.module_utils._run._benchmarks import (
    report_references)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_content import (
    PROTECTED_BY_DESIGN, fix_status)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_html import (
    PAGE_END, page_start, user_data)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_markdown import markdown
# markdown_escape and md_cell: the one Markdown escaper, imported from here by the
# markdown_escape filter and the forest summary
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_text import (  # pylint: disable=unused-import
    markdown_escape, md_cell, text_of)
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import (
    HISTORY_KEEP, read_history, record, trend)

FILES = dict(json="report.json", csv="users.csv", markdown="report.md", html="report.html")
# Present from the start of a run until all four files are in place: whatever else is in the
# directory then is not from that run.
INCOMPLETE = "INCOMPLETE.json"
CSV_COLUMNS = ("dn", "sam_account_name", "user_principal_name", "disabled", "eas_enabled",
               "inheritance",
               "protection", "exchange_can_create", "container", "devices", "would_fail",
               "inheritance_fix", "list_conflicts", "case_duplicates", "reason",
               "mobile_policy")  # the name of the mobile device mailbox policy applied
# A cell starting with one of these is a formula (or becomes one) in spreadsheets.
FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))
CSV_BOOLEANS = frozenset(("disabled", "eas_enabled", "exchange_can_create", "container",
                          "would_fail"))


def csv_cell(value: Any) -> str:
    """Text for a spreadsheet: lists joined with ';', a formula start neutralised with a '."""
    text = value if isinstance(value, str) else text_of(value, ";")
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_bool(value: Any) -> str:
    """A CSV cell of a yes/no column: true or false (as JSON and most tools read them)."""
    return "true" if value else "false" if value is not None else ""


def policies_phrase(c: Mapping[str, Any]) -> str:
    """', N mobile device mailbox policies below the CIS baseline' when the report read them."""
    if "policy_below_baseline" not in c:
        return ""
    return ", %d mobile device mailbox polic%s below the CIS baseline" % (
        c["policy_below_baseline"], "y" if c["policy_below_baseline"] == 1 else "ies")


def findings_message(doc: Mapping[str, Any]) -> str:
    """The one-line account of the findings: the role's messages and the console say this."""
    c, s = doc["finding_counts"], doc["summary"]
    return ("%d findings: %d users not protected by design would hit event 1053 (act now), "
            "%d objects need inheritance re-enabled, %d users have list conflicts or "
            "case-duplicates, %d orphaned adminCount accounts%s; %d more users would fail but "
            "are protected by design" % (
                doc["findings"], c["would_fail_act_now"], c["inheritance_would_change"],
                c["list_findings"], c["orphaned_accounts"], policies_phrase(c),
                s.get("would_fail_protected", 0)))


DEFAULT_FILTER = "(&(objectCategory=person)(objectClass=user))"
DEFAULT_MAX_CHANGES = 500  # the enforce_inheritance playbook's


def fix_command(doc: Mapping[str, Any]) -> str | None:
    """The command that fixes what a playbook can fix (the inheritance and orphaned findings,
    and the users whose first sync fails for them), with this report's values; None when
    there is nothing for it to do."""
    c = doc["finding_counts"]
    if not (c["inheritance_would_change"] or c["orphaned_accounts"]):
        return None
    options = (doc.get("provenance") or {}).get("options") or {}
    if options.get("dn") and not options.get("search_base"):
        return None  # a list of DNs: the playbook takes a search_base, not a list
    base = options.get("search_base") or doc.get("scope") or ""
    words = ["ansible-playbook", "adremedy.directory.enforce_inheritance",
             "-e", shlex.quote("search_base=" + base)]
    if options.get("filter") and options["filter"] != DEFAULT_FILTER:
        words += ["-e", shlex.quote("filter=" + options["filter"])]
    if c["orphaned_accounts"]:
        words += ["-e", "include_orphaned=true"]
    changes = c["inheritance_would_change"] + c["orphaned_accounts"]
    if changes > DEFAULT_MAX_CHANGES:
        words += ["-e", "max_changes=%d" % changes]
    return " ".join(words)


def make_verdict(doc: Mapping[str, Any], fail_on_findings: bool) -> dict[str, Any]:
    """Pass or fail against the configured gate, three sentences a manager can forward, and
    the command that fixes what can be fixed."""
    c, s, total = doc["finding_counts"], doc["summary"], doc["findings"]
    failed = total > 0
    gate = ("gate fail_on_findings is on: this run fails" if fail_on_findings else
            "gate fail_on_findings is off: reported only") if failed else (
        "gate fail_on_findings is %s" % ("on" if fail_on_findings else "off"))
    command = fix_command(doc)
    scope = doc.get("scope") or "the directory"
    if failed:
        parts = ["%d users whose first phone sync would fail" % c["would_fail_act_now"],
                 "%d objects whose permission inheritance the fix would turn back on"
                 % c["inheritance_would_change"],
                 "%d users with conflicting allow/block lists" % c["list_findings"],
                 "%d orphaned administrator marks" % c["orphaned_accounts"]]
        if "policy_below_baseline" in c:
            parts.append("%d mobile device mailbox policies below the CIS baseline"
                         % c["policy_below_baseline"])
        first = ("The Exchange ActiveSync check of %s found %d findings that need action: %s "
                 "and %s." % (scope, total, ", ".join(parts[:-1]), parts[-1]))
    else:
        first = ("The Exchange ActiveSync check of %s found nothing that needs action among "
                 "its %d users." % (scope, s.get("users", 0)))
    protected = s.get("would_fail_protected", 0)
    second = ("%d administrator accounts could not sync a new phone either, but they are "
              "protected by design (AdminSDHolder) and are left as they are." % protected
              if protected else "No administrator account protected by design is affected.")
    if command:
        third = ("One playbook run fixes the inheritance findings and the users they block "
                 "(rehearse it with --check first); list findings%s are fixed by hand, as the "
                 "report describes." % (" and mobile policies" if c.get("policy_below_baseline")
                                        else ""))
    elif failed:
        third = "No playbook fixes these: each table of the report says what to do."
    else:
        third = "Nothing needs to be done."
    return dict(result="fail" if failed else "pass", fail_on_findings=bool(fail_on_findings),
                stops_play=bool(failed and fail_on_findings),
                headline="%s - %s (%s)" % ("FAIL" if failed else "PASS",
                                           "%d findings need action" % total if failed
                                           else "no findings", gate),
                sentences=[first, second, third], fix_command=command,
                message=findings_message(doc))


# A report file is written under a temporary name that is new: created here, O_EXCL (a name that
# exists, a file or a symlink someone planted in a shared directory, is refused, never followed
# or truncated) and O_NOFOLLOW, with a random part, then renamed into place.
NEW_FILE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                  | getattr(os, "O_CLOEXEC", 0))


def temporary_name(path: str) -> str:
    """A name beside path for a file not yet in place: <path>.tmp-<pid>-<random>."""
    return "%s.tmp-%d-%s" % (path, os.getpid(), secrets.token_hex(4))


def open_new(path: str, mode: int = 0o644) -> TextIO:
    """A file that did not exist, opened for writing text (UTF-8, newlines as written), with
    `mode` whatever the umask; FileExistsError when the name exists (as a symlink too)."""
    fd = os.open(path, NEW_FILE_FLAGS, 0o600)
    try:
        os.fchmod(fd, mode)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


def write_atomic(path: str, text: str, mode: int = 0o644) -> None:
    """text as the file at path: written to a new temporary file beside it (open_new), renamed
    over path (a symlink at path is replaced, its target untouched). Nothing is left behind
    when it fails."""
    temporary = temporary_name(path)
    try:
        with open_new(temporary, mode) as fh:
            fh.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def mark_incomplete(directory: str, started: str | None) -> None:
    """Create the directory when missing and put INCOMPLETE.json in it (atomically)."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    write_atomic(os.path.join(directory, INCOMPLETE), json.dumps(dict(
        complete=False, started=started,
        note="a compliance report run started and has not finished; the other files here, if "
             "any, are not from this run"), indent=1) + "\n")


class ReportWriter(object):
    """Open for the run; add_user() per user; finish(document) writes and renames."""

    def __init__(self, directory: str, title: str, keep: int = HISTORY_KEEP) -> None:
        self.directory = directory
        self.title = title
        self.keep = keep  # runs kept in <directory>/history (0: no history, no trend)
        if not os.path.isdir(directory):
            os.makedirs(directory)
        self.tag = temporary_name("")  # ".tmp-<pid>-<random>", each file opened new (open_new)
        self.temps: list[str] = []
        self.users_json = self._open("users.json")
        self.users_html = self._open("users.html")
        self.csv_handle = self._open(FILES["csv"])
        self.csv = csv.writer(self.csv_handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.csv_handle.write(",".join(CSV_COLUMNS) + "\n")
        self.parents: dict[str, int] = {}  # a user's parent DN: its index in the page's data
        self.users = 0

    def _path(self, name: str) -> str:
        return os.path.join(self.directory, name + self.tag)

    def _open(self, name: str) -> TextIO:
        path = self._path(name)
        handle = open_new(path)
        self.temps.append(path)
        return handle

    def add_user(self, row: dict[str, Any], fix: str) -> None:
        """One user's readiness row and its inheritance fix status."""
        row["inheritance_fix"] = fix_status(fix)
        self.csv.writerow([csv_bool(row.get(c)) if c in CSV_BOOLEANS else csv_cell(row.get(c))
                           for c in CSV_COLUMNS])
        del row["inheritance_fix"]
        self.users_json.write(("" if not self.users else ",\n")
                              + json.dumps(row, sort_keys=True))
        rdn, parent = split_dn(row["dn"])
        index = self.parents.setdefault(parent, len(self.parents))
        self.users_html.write(("" if not self.users else ",") + user_data(row, rdn, index, fix))
        self.users += 1

    def abort(self) -> None:
        for handle in (self.users_json, self.users_html, self.csv_handle):
            handle.close()
        for path in self.temps:
            if os.path.lexists(path):
                os.unlink(path)

    def finish(self, doc: dict[str, Any]) -> dict[str, str]:
        """Write report.json, report.md and report.html around the streamed rows, then rename
        all four into place. Returns {format: path}."""
        for handle in (self.users_json, self.users_html, self.csv_handle):
            handle.close()
        try:
            if self.keep:
                # compared with the history as it was before this run
                doc["trend"] = trend(doc, read_history(self.directory, PROTECTED_BY_DESIGN),
                                     PROTECTED_BY_DESIGN, self.keep)
            self._write_json(doc)
            with self._open(FILES["markdown"]) as fh:
                fh.write(markdown(doc, self.title))
            self._write_html(doc)
            files: dict[str, str] = {}
            for key, name in FILES.items():
                path = os.path.join(self.directory, name)
                os.replace(path + self.tag, path)  # mode 0644 since open_new
                files[key] = path
            if self.keep:  # after the four files: a run that failed is not in the history
                record(self.directory, doc, write_atomic, self.keep)
            marker = os.path.join(self.directory, INCOMPLETE)
            if os.path.exists(marker):
                os.unlink(marker)
            return files
        finally:
            self.abort()

    def _write_json(self, doc: Mapping[str, Any]) -> None:
        # each kind of finding's public references, for the tools that read report.json
        head = json.dumps(dict(doc, references=report_references()), indent=1, sort_keys=True)
        with self._open(FILES["json"]) as fh:
            fh.write(head[:-2] + ',\n "users": [\n')
            with open(self._path("users.json"), encoding="utf-8") as rows:
                copy(rows, fh)
            fh.write("\n ]\n}\n")

    def _write_html(self, doc: Mapping[str, Any]) -> None:
        parents: list[str | None] = [None] * len(self.parents)
        for parent, index in self.parents.items():
            parents[index] = parent
        with self._open(FILES["html"]) as fh:
            fh.write(page_start(doc, self.title, parents))
            with open(self._path("users.html"), encoding="utf-8") as rows:
                copy(rows, fh)
            fh.write(PAGE_END)


def copy(source: TextIO, target: TextIO, size: int = 1 << 20) -> None:
    while True:
        chunk = source.read(size)
        if not chunk:
            return
        target.write(chunk)
