# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report's four files, written in Python while the users stream past: report.json
(machine-readable), users.csv (one row per user, csv module), report.md and report.html (one
self-contained page: summary and findings first, the per-user table rendered by the page from
embedded data, a page at a time). Every file is written under a temporary name and renamed when
all four are complete, so a failed run never leaves a report that looks whole; INCOMPLETE.json
marks the directory from the start of a run until then. Private."""

from __future__ import absolute_import, annotations, division, print_function

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import split_dn

__metaclass__ = type

import csv
import html
import json
import os
import re
import secrets
import shlex
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence, TextIO

from ansible_collections.adremedy.directory.plugins.module_utils._run._benchmarks import (
    label as reference_label, references_for, report_references)
from ansible_collections.adremedy.directory.plugins.module_utils._run import _policy_section
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import (
    HISTORY_DIR, HISTORY_KEEP, charts, dn_identity, read_history, record, trend)

if TYPE_CHECKING:  # annotations only
    from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import Chart

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
USER_HEADERS = ("user", "DN", "disabled", "ActiveSync", "inheritance", "protection",
                "Exchange can create", "devices", "would fail", "inheritance fix", "on both lists",
                "case-duplicates")


def text_of(value: Any, separator: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return separator.join(str(v) for v in value)
    return str(value)


def csv_cell(value: Any) -> str:
    """Text for a spreadsheet: lists joined with ';', a formula start neutralised with a '."""
    text = value if isinstance(value, str) else text_of(value, ";")
    return "'" + text if text[:1] in FORMULA_STARTS else text


# Control characters and every Unicode line or paragraph break: a value stays on its line
_MD_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# What makes markup inside a line: code, emphasis, links and images, table cells, strikethrough,
# math; '<', '>' and an entity's '&' below
_MD_MARKUP = re.compile(r"([\\`*_\[\]|~$!])")
# Bare URLs that GitHub-flavoured Markdown turns into links: the ':' of '://' and the '.' of 'www.'
_MD_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(?<![0-9a-z])(www)(\.)")
# At the start of a line: a heading, a list item or a setext underline
_MD_LEADING = re.compile(r"^(\d*)([#+=.)-])")
# '<' (a tag or autolink), '>' at the start (a quote) and an '&' that starts an entity are
# backslash-escaped,
# as Markdown's own escapes: a value reads as itself in the raw file too (no HTML entities, so a
# filter stays (&(objectCategory=person)...), not (&amp;(...)
_MD_HTML = re.compile(r"(<|^>)|&(?=#?[0-9A-Za-z]+;)")


def _md_leading(match: re.Match[str]) -> str:
    digits, mark = match.groups()
    if bool(digits) != (mark in ".)"):
        return match.group(0)  # '12-3' and '.5' start nothing
    return "%s\\%s" % (digits, mark)


def markdown_escape(value: Any) -> str:
    """Text from the directory made inert in a Markdown report, table cells included: no HTML
    (a phone sets its own model: <img src=x onerror=...>; '<', a leading '>' and an entity's '&' are
    backslash-escaped), Markdown's markup backslash-escaped (no code, emphasis, link, image
    [x](y) or ![x](y), table cell, bare URL link), line breaks and other control characters
    made spaces (a value cannot end its row), leading spaces dropped (no indented code) and a
    heading or list marker at the start escaped. No HTML entity is written: the raw file reads
    as the value. None is '', a list is its items joined with ', ', anything else its text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else text_of(value, ", ")
    text = _MD_BREAKS.sub(" ", text)
    text = _MD_MARKUP.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: "\\:" if m.group(1) else m.group(2) + "\\.", text)
    text = _MD_HTML.sub(lambda m: "\\" + (m.group(1) or "&"), text.lstrip(" "))
    return _MD_LEADING.sub(_md_leading, text)


def md_cell(value: Any) -> str:
    """A Markdown table cell (or any text from the directory in report.md): markdown_escape."""
    return markdown_escape(value)


def html_cell(value: Any) -> str:
    return html.escape(text_of(value, ", "))


def script_json(value: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' that could end or open an element."""
    return (json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def yes(value: Any) -> str:
    return "yes" if value else "no"


def csv_bool(value: Any) -> str:
    """A CSV cell of a yes/no column: true or false (as JSON and most tools read them)."""
    return "true" if value else "false" if value is not None else ""


# Protection classes of the accounts SDProp stamps AdminSDHolder's DACL on: excluded from the
# inheritance fix by design, so one of them whose first sync would fail is not a finding.
PROTECTED_BY_DESIGN = ("protected", "unmarked")
# The kinds of finding: (key in summary and finding_counts, label, what to do about its rows).
# The findings total is their sum, and the page's red cards are these, in this order.
FINDINGS = (
    ("would_fail_act_now", "users whose first sync would fail - act now",
     "Re-enable inheritance with the command above (or grant Exchange Servers Create Child of "
     "msExchActiveSyncDevices on the user); each row's reason says what blocks it."),
    ("inheritance_would_change", "objects the inheritance fix would change",
     "Run the command above: it re-enables inheritance on these objects and nothing else."),
    ("list_findings", "users with allow/block list findings",
     "Remove the device ID from one of the two lists (a conflict) or keep one spelling of it "
     "(a case-duplicate), e.g. with Set-CASMailbox."),
    ("orphaned_accounts", "orphaned adminCount accounts",
     "In no protected group any more: the command above, with include_orphaned=true, clears "
     "adminCount and re-enables inheritance."),
    ("policy_below_baseline", "mobile policies below the CIS baseline",
     "Change each policy with Set-MobileDeviceMailboxPolicy until it meets the CIS items it "
     "fails (listed under it), or link its users to a policy that meets them (Set-CASMailbox "
     "-ActiveSyncMailboxPolicy); a device applies the new settings when it next fetches its "
     "policy."),
)
# Kinds counted only when the report read them (the key is in the summary): the mobile device
# mailbox policies are not read when the forest's schema lacks their class. A kind not read is
# unknown, not 0: it is left out of finding_counts, the cards and the messages.
OPTIONAL_FINDINGS = ("policy_below_baseline",)
OPTIONAL_FACTS = ("users_on_failing_policies",)
# Facts that are not findings, shown beside them.
FACTS = (
    ("users", "users"), ("eas_enabled", "ActiveSync enabled"),
    ("disabled_accounts", "disabled accounts"),
    ("would_fail_protected", "first sync would fail, protected by design"),
    ("inheritance_disabled", "inheritance disabled"),
    ("exchange_cannot_create", "Exchange Servers cannot create the device container"),
    ("inheritance_skipped", "inheritance fix skips (protected, by design)"),
    ("risky_inherited", "risky rights the inheritance fix would pass down"),
    ("admins_with_devices", "protected accounts with phones"),
    ("protected_accounts", "protected accounts"), ("unmarked_accounts", "unmarked accounts"),
    ("list_conflicts", "users on both lists"), ("case_duplicates", "users with case-duplicates"),
    ("devices", "device partnerships"), ("unreadable", "unreadable DACLs"),
    ("users_on_failing_policies", "users on mobile policies below the CIS baseline"))
# Each finding table's advice, by the table's id
ADVICE = dict((key, advice) for key, label, advice in FINDINGS)
ADVICE["risky_inherited"] = (
    "Review before running the fix: once inheritance is on, these trustees get these rights on "
    "the re-enabled objects. Remove the ACE where it is set, or exclude the objects (-e "
    "exclude=...), if the right is not meant for them.")
ADVICE["admins"] = (
    "A phone syncs with its account's rights: Microsoft advises administrators to read mail "
    "with a separate account that is not privileged. A protected account also cannot get a new "
    "phone unless AdminSDHolder lets Exchange create its devices container (the would-fail "
    "table's 'after SDProp').")
# The kinds of finding each table shows, by the table's id: their public references (PingCastle,
# CIS, ATT&CK, Microsoft; _benchmarks) go on the table's advice line, report.json has them by kind.
TABLE_KINDS = {"would-fail": ("would_fail_act_now", "would_fail_protected"),
               "plan": ("inheritance_would_change",), "risky": ("risky_inherited",),
               "admins": ("admins_with_devices",), "lists": ("list_findings",),
               "protected": ("orphaned_accounts",), "policies": ("policy_below_baseline",)}


def table_references(table_id: str) -> list[dict[str, str]]:
    """The references of a table's kinds of finding, each once, in order ([] for other tables)."""
    found: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for kind in TABLE_KINDS.get(table_id, ()):
        for ref in references_for(kind):
            if (ref["framework"], ref["id"]) not in seen:
                seen.add((ref["framework"], ref["id"]))
                found.append(ref)
    return found


def grouped_references(table_id: str) -> list[tuple[str, str, str]]:
    """The table's references as (label, title, url) for plain text: consecutive items of one
    publication at one address are one ('CIS Exchange 2019 3.1, 3.2, ... (url)', the address
    said once)."""
    groups: list[list[dict[str, str]]] = []
    for ref in table_references(table_id):
        last = groups[-1] if groups else None
        if last and (last[0]["framework"], last[0]["url"]) == (ref["framework"], ref["url"]):
            last.append(ref)
        else:
            groups.append([ref])
    return [(", ".join([reference_label(group[0])] + [ref["id"] for ref in group[1:]]),
             "; ".join("%s %s" % (ref["id"], ref["title"]) if len(group) > 1 else ref["title"]
                       for ref in group), group[0]["url"]) for group in groups]


def html_references(table_id: str) -> str:
    """The table's references as links (the URLs are the collection's own, https), or '': one
    per reference, its title on hover."""
    return ", ".join('<a href="%s" title="%s" rel="noopener noreferrer">%s</a>' % (
        html.escape(ref["url"]), html_cell(ref["title"]), html_cell(reference_label(ref)))
        for ref in table_references(table_id))


def md_references(table_id: str) -> list[str]:
    """['References: ...', ''] for report.md: text, not links (markdown_escape makes the URLs
    inert, as every value in a Markdown report), or [] for a table without references."""
    refs = grouped_references(table_id)
    if not refs:
        return []
    return ["References: " + "; ".join(md_cell("%s (%s)" % (label, url))
                                       for label, _title, url in refs), ""]


ADMIN_HEADERS = ("account", "class", "mail", "ActiveSync", "devices", "protected by")


def admin_rows(doc: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Protected and unmarked accounts with a partnership, or ActiveSync on and a mailbox."""
    return ((o["sam_account_name"], o["classification"], o.get("mail"),
             "unknown" if o.get("activesync_enabled") is None else yes(o["activesync_enabled"]),
             "unknown" if o.get("devices") is None else o["devices"], o.get("protected_by") or "-")
            for o in doc.get("protected_accounts") or []
            if o.get("devices") or (o.get("activesync_enabled") and o.get("mail")))


RISKY_HEADERS = ("trustee", "right", "on", "set on", "objects", "what it allows")


def risky_rows(doc: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    return ((r.get("trustee") or r.get("sid"), r.get("right"), r.get("object_type") or "all",
             r.get("set_on"), r.get("objects"), r.get("enables"))
            for r in doc.get("risky_inherited") or [])


def count_findings(summary: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """(finding_counts, findings): the counts of FINDINGS taken from the summary (an optional
    kind only when the summary has it), and their sum."""
    counts = dict((key, summary.get(key, 0)) for key, label, advice in FINDINGS
                  if key in summary or key not in OPTIONAL_FINDINGS)
    return counts, sum(counts.values())


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


PROVENANCE = (("dc", "domain controller"), ("read_as", "read as"),
              ("collection_version", "adremedy.directory"),
              ("ansible_core_version", "ansible-core"), ("started", "started"),
              ("duration_seconds", "reading took (seconds)"))


def provenance_rows(doc: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(label, text) of who and what made the report, options included."""
    p = doc.get("provenance") or {}
    rows = [(label, p.get(key)) for key, label in PROVENANCE if key in p]
    for key, value in sorted((p.get("options") or {}).items()):
        if value not in (None, "", []):
            rows.append(("option " + key, value))
    return rows


def short_dn(dn: str | None, size: int = 48) -> str:
    """A DN without its domain part (DC=...), cut to size characters: the full DN goes in the
    cell's title (shown on hover)."""
    parts = re.split(r"(?<!\\),", dn or "")
    kept = [p for p in parts if not p.upper().startswith("DC=")] or parts
    text = ",".join(kept)
    return text if len(text) <= size else text[:size - 1] + "\u2026"


def after_sdprop(row: Mapping[str, Any]) -> str:
    """For a protected row: could Exchange create the container once SDProp has stamped
    AdminSDHolder's DACL on it ('-' for the others)."""
    if "exchange_can_create_after_sdprop" not in row:
        return "-"
    verdict = row["exchange_can_create_after_sdprop"]
    return "unknown" if verdict is None else ("can create" if verdict else "cannot create")


def fix_status(status: str) -> str:
    """An inheritance fix status as the report says it: the report plans, so 'would change'."""
    return "would change" if status == "changed" else status


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
        self.users_html.write(("" if not self.users else ",") + script_json([
            row["sam_account_name"] or "", rdn, index, yes(row["eas_enabled"]),
            row["inheritance"], row["protection"] or "-", yes(row["exchange_can_create"]),
            row["devices"], yes(row["would_fail"]), fix_status(fix),
            ", ".join(row["list_conflicts"]), ", ".join(row["case_duplicates"]),
            yes(row.get("disabled"))]))
        self.users += 1

    def abort(self) -> None:
        for handle in (self.users_json, self.users_html, self.csv_handle):
            handle.close()
        for path in self.temps:
            if os.path.lexists(path):
                os.unlink(path)

    def finish(self, doc: dict[str, Any], plan_msg: str | None) -> dict[str, str]:
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
                fh.write(markdown(doc, self.title, plan_msg))
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
            fh.write(html_head(doc, self.title))
            fh.write('<script type="application/json" id="users-data">{"parents":%s,"rows":['
                     % script_json(parents))
            with open(self._path("users.html"), encoding="utf-8") as rows:
                copy(rows, fh)
            fh.write("]}</script>\n<script>\n%s</script>\n</body>\n</html>\n" % PAGE_SCRIPT)


def copy(source: TextIO, target: TextIO, size: int = 1 << 20) -> None:
    while True:
        chunk = source.read(size)
        if not chunk:
            return
        target.write(chunk)


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| %s |" % " | ".join(headers), "|%s|" % "|".join("---" for header in headers)]
    lines += ["| %s |" % " | ".join(md_cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def plan_detail(obj: Mapping[str, Any]) -> str:
    return obj.get("action") or obj.get("reason") or obj.get("error") or ""


def plan_message(plan: Mapping[str, Any]) -> str:
    """The inheritance fix's counts, in the words of a plan (nothing is written)."""
    c = plan.get("counts") or {}
    return ("%d of %d objects would change, %d skipped, %d failed (planned only: the report "
            "writes nothing to the directory)" % (c.get("changed", 0), c.get("matched", 0),
                                                  c.get("skipped", 0), c.get("failed", 0)))


def count_rows(doc: Mapping[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, is a finding) of every count the report shows, findings first: the
    Markdown table and the HTML cards both come from this."""
    s = doc["summary"]
    counts = count_findings(s)[0]
    rows = [(label, counts[key], True) for key, label, advice in FINDINGS if key in counts]
    return rows + [(label, "unknown" if s.get(key, 0) is None else s.get(key, 0), False)
                   for key, label in FACTS if key in s or key not in OPTIONAL_FACTS]


def markdown(doc: Mapping[str, Any], title: str, plan_msg: str | None = None) -> str:
    v = doc.get("verdict") or {}
    out = ["# %s" % md_cell(title), ""]
    if v:
        out += ["**%s**" % md_cell(v["headline"]), "", md_cell(" ".join(v["sentences"])), ""]
        if v.get("fix_command"):
            out += ["Fix what can be fixed (add `--check` to rehearse):", "", "```",
                    v["fix_command"].replace("`", "'"), "```", ""]
    out += markdown_since(doc)
    out += ["Scope %s, generated %s: **%d findings** (the sum of the first %d rows)." % (
        md_cell(doc["scope"]), md_cell(doc["generated"]), doc["findings"],
        len(count_findings(doc["summary"])[0])), "",
        "| | count |", "|---|---:|"]
    out += ["| %s%s%s | %s |" % ("**" if finding else "", md_cell(label), "**" if finding else "",
                                 value) for label, value, finding in count_rows(doc)]
    out += markdown_charts(doc)
    rows = provenance_rows(doc)
    if rows:
        out += ["", "## How this report was made", "", _md_table(("", ""), rows)]
    out += ["", "## Users whose first ActiveSync sync would fail", ""]
    if doc["would_fail"]:
        out += ["What to do: " + md_cell(ADVICE["would_fail_act_now"]) + " Rows protected by "
                "design are left as they are.", ""] + md_references("would-fail")
        out.append(_md_table(("user", "DN", "disabled", "protection", "after SDProp", "reason"), (
            (u["sam_account_name"], u["dn"], yes(u.get("disabled")), u["protection"] or "-",
             after_sdprop(u), u["reason"]) for u in doc["would_fail"])))
    else:
        out += ["None.", ""]
    plan = doc["inheritance_plan"]
    out += ["## The inheritance fix (planned, nothing written)", "",
            md_cell(plan_message(plan)), ""]
    if plan["objects"]:
        out += ["What to do: " + md_cell(ADVICE["inheritance_would_change"]), ""]
        out += md_references("plan")
        out.append(_md_table(("user", "DN", "disabled", "status", "action or reason"), (
            (o.get("sam_account_name"), o["dn"], yes(o.get("disabled")), fix_status(o["status"]),
             plan_detail(o)) for o in plan["objects"])))
    out += ["## Rights the inheritance fix would pass down", ""]
    if doc.get("risky_inherited"):
        out += ["What to do: " + md_cell(ADVICE["risky_inherited"]), ""] + md_references("risky")
        out.append(_md_table(RISKY_HEADERS, risky_rows(doc)))
    else:
        out += ["None.", ""]
    admins = list(admin_rows(doc))
    out += ["## Administrators with phones", ""]
    if admins:
        out += ["What to do: " + md_cell(ADVICE["admins"]), ""] + md_references("admins")
        out.append(_md_table(ADMIN_HEADERS, admins))
    else:
        out += ["None.", ""]
    out += ["## Allow and block list findings", ""]
    if doc["list_findings"]:
        out += ["What to do: " + md_cell(ADVICE["list_findings"]), ""] + md_references("lists")
        out.append(_md_table(("user", "on both lists", "stored twice in different case"), [
            (f["sam_account_name"], f["list_conflicts"], f["case_duplicates"])
            for f in doc["list_findings"]]))
    else:
        out += ["None.", ""]
    protected_rows = [(o["sam_account_name"], o["classification"], o["protected_by"] or "-",
                       o["reason"]) for o in doc["protected_accounts"]]
    out += ["## Protected, unmarked and orphaned adminCount accounts", "",
            "What to do: " + md_cell(ADVICE["orphaned_accounts"]) + " Protected and unmarked "
            "accounts are left as they are, by design.", ""] + md_references("protected")
    out.append(_md_table(("account", "class", "protected by", "reason"), protected_rows))
    out += markdown_policies(doc.get("mobile_policies"))
    out += ["Per-user detail: `users.csv`; everything machine-readable: `report.json`.", ""]
    return "\n".join(out)


def markdown_policies(section: Mapping[str, Any] | None) -> list[str]:
    """The mobile device mailbox policies: a row per policy, then each one below the baseline
    with the items it fails; or why they were not read. [] when the report has no section."""
    if section is None:
        return []
    p = _policy_section
    out = ["## %s" % p.TITLE, "", md_cell(p.intro(section)), ""]
    if not p.was_read(section):
        return out
    failing = p.below_baseline(section)
    if failing:
        out += ["What to do: " + md_cell(ADVICE["policy_below_baseline"]), ""]
        out += md_references("policies")
    out += [md_cell("Warning: " + text) for text in p.warnings(section)]
    if p.warnings(section):
        out.append("")
    if section["policies"]:
        out.append(_md_table(p.POLICY_HEADERS, p.policy_rows(section)))
    for policy in failing:
        out += ["### %s" % md_cell(p.heading(policy)), "",
                _md_table(p.ITEM_HEADERS, p.item_rows(policy))]
    return out


KINDS = tuple((key, label) for key, label, advice in FINDINGS)
KIND_LABELS = dict(KINDS)
SINCE_SHOWN = 5  # objects with new or resolved findings in the page's "Since last run" block
SINCE_HEADERS = ("change", "user or account", "DN", "findings")


def since_rows(t: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(change, name, DN, the kinds' labels) per object with new or resolved findings in the
    trend: an object with two kinds of finding is one row."""
    rows: list[tuple[str, str, str, str]] = []
    for change in ("new", "resolved"):
        by_object: dict[str, list[Any]] = {}
        for item in t[change]:
            row = by_object.setdefault(dn_identity(item["dn"]), [change, item.get("name") or "",
                                                                 item["dn"], []])
            row[3].append(KIND_LABELS.get(item["kind"], item["kind"]))
        rows += [(c, name, dn, "; ".join(kinds)) for c, name, dn, kinds in by_object.values()]
    return rows


def report_charts(doc: Mapping[str, Any]) -> list[Chart]:
    t = doc.get("trend")
    if not t:
        return []
    # an optional kind is drawn when this run or one charted counted it
    kinds = [(key, label) for key, label in KINDS if key not in OPTIONAL_FINDINGS or any(
        key in (run.get("finding_counts") or {}) for run in t["runs"] + [doc])]
    return charts(doc, t["runs"], kinds, PROTECTED_BY_DESIGN)


def markdown_since(doc: Mapping[str, Any]) -> list[str]:
    t = doc.get("trend")
    if not t:
        return []
    out = ["## Since last run", "", md_cell(t["note"]), ""]
    if t["counts"]:
        out.append(_md_table(("", "new", "resolved", "unchanged"), [
            (label, t["by_kind"][key]["new"], t["by_kind"][key]["resolved"],
             t["by_kind"][key]["unchanged"]) for key, label in KINDS if key in t["by_kind"]] + [
            ("all findings", t["counts"]["new"], t["counts"]["resolved"],
             t["counts"]["unchanged"])]))
        rows = since_rows(t)
        if rows:
            out.append(_md_table(SINCE_HEADERS, rows))
            if any(t["counts"][c] > t["listed"] for c in ("new", "resolved")):
                out += ["The first %d of each are listed; `report.json`'s `trend` has the same."
                        % t["listed"], ""]
    return out


def markdown_charts(doc: Mapping[str, Any]) -> list[str]:
    """The charts' numbers, a table each (the HTML page draws them)."""
    found = report_charts(doc)
    if not found:
        return []
    out = ["", "## Trends", "", "The last %d runs are kept in `%s/` beside this report." % (
        len(doc["trend"]["runs"]), HISTORY_DIR)]
    for chart in found:
        out += ["", "### %s" % md_cell(chart.title), "", md_cell(chart.desc), "",
                _md_table(chart.headers, chart.rows).rstrip("\n")]
    return out


def html_since(doc: Mapping[str, Any]) -> list[str]:
    """The "Since last run" block: the counts and the first new and resolved findings."""
    t = doc.get("trend")
    if not t:
        return []
    out = ['<section class="since" id="since-last-run">', '<h2>Since last run</h2>',
           '<p id="since-note">%s</p>' % html_cell(t["note"])]
    rows = since_rows(t)
    if rows:
        out.append('<table id="since"><thead><tr>%s</tr></thead><tbody>' % "".join(
            '<th scope="col">%s</th>' % html_cell(h) for h in SINCE_HEADERS))
        out += ["<tr>%s</tr>" % "".join(_td(v, i == 2) for i, v in enumerate(row))
                for row in rows[:SINCE_SHOWN]]
        out.append("</tbody></table>")
        if len(rows) > SINCE_SHOWN:
            out.append("<p>%d more objects with new or resolved findings are listed in "
                       "report.md and report.json.</p>" % (len(rows) - SINCE_SHOWN))
    out.append("</section>")
    return out


def html_charts(doc: Mapping[str, Any]) -> list[str]:
    """The charts, inline SVG, each with its numbers as a table under it."""
    found = report_charts(doc)
    if not found:
        return []
    out = ['<section id="trends">', '<h2>Trends</h2>',
           '<p class="advice">The last %d runs are kept in <code>%s/</code> beside this page.</p>'
           % (len(doc["trend"]["runs"]), HISTORY_DIR), '<div class="charts">']
    for chart in found:
        out += ['<figure class="chart">', '<figcaption>%s</figcaption>' % html_cell(chart.title),
                chart.svg, '<details><summary>The numbers</summary>',
                '<table id="%s-table"><thead><tr>%s</tr></thead><tbody>' % (
                    chart.chart_id, "".join('<th scope="col">%s</th>' % html_cell(h)
                                            for h in chart.headers))]
        out += ["<tr>%s</tr>" % "".join(_td(v) for v in row) for row in chart.rows]
        out += ["</tbody></table>", "</details>", "</figure>"]
    out += ["</div>", "</section>"]
    return out


STYLE = """body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
h1 { margin: 0 0 .25rem; } .meta { color: #555; margin: 0 0 1rem; }
.verdict { border-left: 6px solid #2e7d32; background: #f1f8f1; padding: .6rem 1rem; margin: 0 0 1rem; }
.verdict.fail { border-color: #b00020; background: #fdf1f2; } .verdict h2 { margin: 0 0 .3rem; font-size: 1.3rem; }
.verdict p { margin: .3rem 0; } pre.command { background: #f4f4f4; padding: .4rem .6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1.5rem; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; max-width: 14rem; }
.card b { display: block; font-size: 1.6rem; } .card.bad b { color: #b00020; } .card.finding { border-color: #b00020; }
section { margin-bottom: 2rem; } .count { color: #555; font-size: .9rem; font-weight: normal; }
.advice, .intro { margin: .25rem 0 .5rem; } dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dl.provenance dt { color: #555; } dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f2f2f2; cursor: pointer; user-select: none; } th.asc::after { content: " \\25B2"; } th.desc::after { content: " \\25BC"; }
tr:nth-child(even) td { background: #fafafa; } .filter { margin: .25rem 0 .5rem; padding: .25rem; width: 20rem; max-width: 100%; }
.pager { margin: .5rem 0; } .pager button { margin-right: .5rem; }
.since { border-left: 6px solid #0072b2; background: #f2f7fb; padding: .4rem 1rem; margin: 0 0 1rem; }
.since h2 { margin: 0 0 .2rem; font-size: 1.1rem; } .since p { margin: .2rem 0; } .since table { margin: .3rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure.chart { flex: 1 1 30rem; max-width: 40rem; margin: 0; }
figure.chart svg { width: 100%; height: auto; display: block; } figure.chart figcaption { font-weight: bold; }
figure.chart details { font-size: .9rem; }
@media print {
  body { margin: 0; font-size: 10pt; } .filter, .pager { display: none; }
  th { cursor: auto; } th.asc::after, th.desc::after { content: ""; }
  tr, .card, .verdict, figure.chart { break-inside: avoid; } section { break-before: auto; }
  .verdict, .card.finding { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


IN_PAGE_ROWS = 200  # a findings table up to this size is written into the page, row by row


def _td(value: Any, dn: bool = False) -> str:
    text = text_of(value, ", ")
    if dn and text:
        return '<td title="%s">%s</td>' % (html_cell(text), html_cell(short_dn(text)))
    return "<td>%s</td>" % html_cell(text)


def html_table(table_id: str, title: str, headers: Sequence[str], rows: Iterable[Iterable[Any]],
               total: int | None = None, advice: str | None = None, dn_column: int | None = None,
               notes: Iterable[str] = ()) -> str:
    """A table section. Up to IN_PAGE_ROWS rows are written into the page (sortable); a larger
    table (5,000 planned changes at 100,000 users) is drawn by the page's script from embedded
    data a page at a time, like the per-user table (total given: its data comes separately).
    dn_column: the index of the column of DNs, shown shortened with the full DN on hover.
    advice: what to do about the rows, said above them; notes: paragraphs under the heading."""
    cells = [[text_of(v, ", ") for v in row] for row in rows]
    data: list[list[str]] | None = None
    if total is None and len(cells) > IN_PAGE_ROWS:
        data, cells, total = cells, [], len(cells)
    count = len(cells) if total is None else total
    out = ['<section>', '<h2>%s <span class="count" id="%s-count">%d</span></h2>'
           % (html_cell(title), table_id, count)]
    out += ['<p class="intro">%s</p>' % html_cell(note) for note in notes]
    if not count:
        out += ['<p class="none">None.</p>', '</section>']
        return "\n".join(out) + "\n"
    if advice:
        refs = html_references(table_id)
        out.append('<p class="advice"><b>What to do:</b> %s%s</p>' % (html_cell(advice), (
            ' <span class="references">References: %s</span>' % refs) if refs else ""))
    out.append('<input type="search" class="filter" data-table="%s" placeholder="Filter %s">'
               % (table_id, html_cell(title.lower())))
    kind = "sortable" if total is None else "paged"
    out.append('<table id="%s" class="%s"%s>' % (
        table_id, kind, "" if dn_column is None else ' data-dn="%d"' % dn_column))
    out.append("<thead><tr>%s</tr></thead>" % "".join('<th scope="col">%s</th>' % html_cell(h)
                                                      for h in headers))
    out.append("<tbody>")
    out += ["<tr>%s</tr>" % "".join(_td(v, i == dn_column) for i, v in enumerate(row))
            for row in cells]
    out.append("</tbody>\n</table>")
    if total is not None:
        out.append('<div class="pager" id="%s-pager"></div>' % table_id)
    if data is not None:
        out.append('<script type="application/json" id="%s-data">{"parents":[],"rows":%s}'
                   '</script>' % (table_id, script_json(data)))
    out.append("</section>")
    return "\n".join(out) + "\n"


def html_verdict(doc: Mapping[str, Any]) -> list[str]:
    v = doc.get("verdict")
    if not v:
        return []
    out = ['<div class="verdict %s" id="verdict">' % v["result"],
           '<h2>%s</h2>' % html_cell(v["headline"]),
           '<p>%s</p>' % html_cell(" ".join(v["sentences"]))]
    if v.get("fix_command"):
        out += ['<p>Fix what can be fixed (add <code>--check</code> to rehearse):</p>',
                '<pre class="command" id="fix-command">%s</pre>' % html_cell(v["fix_command"])]
    out.append("</div>")
    return out


def html_head(doc: Mapping[str, Any], title: str) -> str:
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>%s</title>' % html_cell(title), '<style>', STYLE + '</style>', '</head>',
           '<body>', '<h1>%s</h1>' % html_cell(title)]
    out += html_verdict(doc)
    out += html_since(doc)
    out += ['<p class="meta">Scope %s &middot; generated %s &middot; <span id="findings">%d'
            '</span> findings (the sum of the red-bordered cards)</p>' % (
                html_cell(doc["scope"]), html_cell(doc["generated"]), doc["findings"]),
            '<div class="cards">']
    out += ['<div class="card%s%s"><b>%s</b>%s</div>' % (
        " finding" if finding else "", " bad" if finding and int(value) > 0 else "", value,
        html_cell(label)) for label, value, finding in count_rows(doc)]
    out.append("</div>")
    out += html_charts(doc)
    rows = provenance_rows(doc)
    if rows:
        out += ['<section>', '<h2>How this report was made</h2>', '<dl class="provenance">']
        out += ['<dt>%s</dt><dd>%s</dd>' % (html_cell(k), html_cell(v)) for k, v in rows]
        out += ['</dl>', '</section>']
    body = "\n".join(out) + "\n"
    body += html_table("would-fail", "Users whose first sync would fail",
                       ("user", "DN", "disabled", "inheritance", "protection", "after SDProp",
                        "reason"),
                       ((u["sam_account_name"], u["dn"], yes(u.get("disabled")), u["inheritance"],
                         u["protection"] or "-", after_sdprop(u), u["reason"])
                        for u in doc["would_fail"]),
                       advice=ADVICE["would_fail_act_now"] + " Rows protected by design are "
                       "left as they are.", dn_column=1)
    body += html_table("plan", "Inheritance fix (planned, nothing written)",
                       ("user", "DN", "disabled", "status", "action or reason"),
                       ((o.get("sam_account_name") or "", o["dn"], yes(o.get("disabled")),
                         fix_status(o["status"]), plan_detail(o))
                        for o in doc["inheritance_plan"]["objects"]),
                       advice=ADVICE["inheritance_would_change"], dn_column=1)
    body += html_table("risky", "Rights the inheritance fix would pass down", RISKY_HEADERS,
                       risky_rows(doc), advice=ADVICE["risky_inherited"], dn_column=3)
    body += html_table("admins", "Administrators with phones", ADMIN_HEADERS, admin_rows(doc),
                       advice=ADVICE["admins"])
    body += html_table("lists", "Allow and block list findings",
                       ("user", "DN", "on both lists", "case-duplicates"),
                       ((f["sam_account_name"], f["dn"], f["list_conflicts"],
                         f["case_duplicates"]) for f in doc["list_findings"]),
                       advice=ADVICE["list_findings"], dn_column=1)
    body += html_table("protected", "Protected, unmarked and orphaned accounts",
                       ("account", "class", "protected by", "inheritance", "reason"),
                       ((o["sam_account_name"], o["classification"], o["protected_by"] or "-",
                         o["inheritance"], o["reason"]) for o in doc["protected_accounts"]),
                       advice=ADVICE["orphaned_accounts"] + " Protected and unmarked accounts "
                       "are left as they are, by design.")
    body += html_policies(doc.get("mobile_policies"))
    body += html_table("users", "All users", USER_HEADERS, (), total=doc["summary"]["users"],
                       dn_column=1)
    return body


def html_policies(section: Mapping[str, Any] | None) -> str:
    """The mobile device mailbox policies: a table of the policies (their users in scope and the
    CIS items each fails), then a table per policy below the baseline with the items it fails
    and the values found; or why they were not read. '' when the report has no section."""
    if section is None:
        return ""
    p = _policy_section
    if not p.was_read(section):
        return ('<section id="mobile-policies">\n<h2>%s</h2>\n<p class="none" id="policies-note">'
                '%s</p>\n</section>\n' % (html_cell(p.TITLE), html_cell(p.intro(section))))
    failing = p.below_baseline(section)
    body = html_table("policies", p.TITLE, p.POLICY_HEADERS, p.policy_rows(section),
                      advice=ADVICE["policy_below_baseline"] if failing else None,
                      dn_column=len(p.POLICY_HEADERS) - 1,
                      notes=[p.intro(section)] + ["Warning: " + text
                                                  for text in p.warnings(section)])
    for index, policy in enumerate(failing):
        body += ('<section class="policy">\n<h3>%s</h3>\n<table id="policy-items-%d" '
                 'class="sortable"><thead><tr>%s</tr></thead><tbody>\n%s\n</tbody></table>\n'
                 '</section>\n' % (
                     html_cell(p.heading(policy)), index,
                     "".join('<th scope="col">%s</th>' % html_cell(h) for h in p.ITEM_HEADERS),
                     "\n".join("<tr>%s</tr>" % "".join(_td(v) for v in row)
                               for row in p.item_rows(policy))))
    return body


# Sort by clicking a header (numbers as numbers); filter each table with its search box; a filter
# can also come in the address (report.html#filter=u00007). The per-user table, and a findings
# table longer than a page, are drawn from embedded data a page at a time, so a 100,000-user
# report opens about as fast as a small one.
PAGE_SCRIPT = r"""(function () {
  var PAGE = 200;
  // A DN without its domain part, cut to 48 characters (as short_dn() in Python); the cell's
  // title holds it whole.
  function shortDn(dn) {
    var parts = dn.split(/(?<!\\),/), kept = parts.filter(function (p) {
      return p.toUpperCase().indexOf("DC=") !== 0;
    });
    var text = (kept.length ? kept : parts).join(",");
    return text.length <= 48 ? text : text.slice(0, 47) + "\u2026";
  }
  function cmp(x, y) {
    var nx = parseFloat(x), ny = parseFloat(y);
    return (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
  }
  function mark(table, th, asc) {
    table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
    th.classList.add(asc ? "asc" : "desc");
  }
  // Tables written in the page: sort and filter their rows.
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0], index = th.cellIndex;
      var asc = !th.classList.contains("asc");
      mark(table, th, asc);
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var c = cmp(a.cells[index].textContent.trim(), b.cells[index].textContent.trim());
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  function filterRows(table, needle) {
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var hit = r.textContent.toLowerCase().indexOf(needle) >= 0;
      r.style.display = hit ? "" : "none";
      shown += hit ? 1 : 0;
    });
    document.getElementById(table.id + "-count").textContent =
      needle ? shown + " of " + table.tBodies[0].rows.length : table.tBodies[0].rows.length;
  }
  // Large tables (the per-user one, and findings over a page): rows from embedded data, a
  // page at a time. A table's data: {parents: [...], rows: [...]}; a per-user row names its
  // parent DN by index (r[2]), other rows are their cells.
  var paged = {};
  document.querySelectorAll("table.paged").forEach(function (table) {
    var source = document.getElementById(table.id + "-data");
    var data = source ? JSON.parse(source.textContent) : {parents: [], rows: []};
    source && source.parentNode.removeChild(source);
    paged[table.id] = {id: table.id, data: data, rows: data.rows, order: null, page: 0,
                       texts: null, sortBy: -1, asc: true, needle: "",
                       dn: table.dataset.dn === undefined ? -1 : +table.dataset.dn,
                       cells: table.id === "users" ? function (r) {
                         var parent = data.parents[r[2]];
                         return [r[0], parent ? r[1] + "," + parent : r[1], r[12]]
                           .concat(r.slice(3, 12));
                       } : function (r) { return r; }};
  });
  function texts(t) {
    if (!t.texts) {
      t.texts = t.rows.map(function (r) { return t.cells(r).join(" ").toLowerCase(); });
    }
    return t.texts;
  }
  function draw(t) {
    var table = document.getElementById(t.id);
    var order = t.order || t.rows.map(function (_, i) { return i; });
    var pages = Math.max(1, Math.ceil(order.length / PAGE));
    t.page = Math.min(t.page, pages - 1);
    var start = t.page * PAGE, body = document.createElement("tbody");
    order.slice(start, start + PAGE).forEach(function (i) {
      var tr = document.createElement("tr");
      t.cells(t.rows[i]).forEach(function (value, k) {
        var td = document.createElement("td");
        td.textContent = k === t.dn && value ? shortDn(value) : value;
        if (k === t.dn && value) { td.title = value; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    document.getElementById(t.id + "-count").textContent = t.needle
      ? order.length + " of " + t.rows.length : t.rows.length;
    var pager = document.getElementById(t.id + "-pager");
    pager.textContent = "";
    if (pages > 1) {
      [["previous", -1], ["next", 1]].forEach(function (b) {
        var button = document.createElement("button");
        button.textContent = b[0];
        button.disabled = b[1] < 0 ? t.page === 0 : t.page >= pages - 1;
        button.addEventListener("click", function () { t.page += b[1]; draw(t); });
        pager.appendChild(button);
      });
      pager.appendChild(document.createTextNode("rows " + (start + 1) + "-" +
        Math.min(start + PAGE, order.length) + " of " + order.length));
    }
  }
  function filterPaged(t, needle) {
    t.needle = needle;
    var all = texts(t), order = [];
    for (var i = 0; i < all.length; i++) {
      if (!needle || all[i].indexOf(needle) >= 0) { order.push(i); }
    }
    sortPaged(t, order);
    t.order = order;
    t.page = 0;
    draw(t);
  }
  function sortPaged(t, order) {
    if (t.sortBy < 0) { return; }
    var k = t.sortBy, asc = t.asc;
    order.sort(function (a, b) {
      var c = cmp(t.cells(t.rows[a])[k], t.cells(t.rows[b])[k]);
      return asc ? c : -c;
    });
  }
  document.querySelectorAll("table.paged th").forEach(function (th) {
    th.addEventListener("click", function () {
      var t = paged[th.closest("table").id];
      t.asc = t.sortBy === th.cellIndex ? !t.asc : true;
      t.sortBy = th.cellIndex;
      mark(th.closest("table"), th, t.asc);
      filterPaged(t, t.needle);
    });
  });
  function apply(input) {
    var needle = input.value.toLowerCase();
    var t = paged[input.dataset.table];
    if (t) { filterPaged(t, needle); return; }
    filterRows(document.getElementById(input.dataset.table), needle);
  }
  function fromHash() {
    var found = location.hash.match(/filter=([^&]*)/);
    if (!found) { return ""; }
    try { return decodeURIComponent(found[1]); } catch (e) { return found[1]; }
  }
  Object.keys(paged).forEach(function (id) { draw(paged[id]); });
  var wanted = fromHash();
  document.querySelectorAll("input.filter").forEach(function (input) {
    input.addEventListener("input", function () { apply(input); });
    if (wanted) { input.value = wanted; apply(input); }
  });
  // the page's width once drawn: the tests check that a 1280 px window needs no sideways scroll
  document.body.dataset.width = String(document.documentElement.scrollWidth);
  // and how many charts were drawn with a size (the tests check the three are there)
  document.body.dataset.charts = String(Array.prototype.filter.call(
    document.querySelectorAll("svg.chart"), function (svg) {
      return svg.getBoundingClientRect().width > 0;
    }).length);
  document.body.dataset.ready = "1";
})();
"""
