# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the compliance report says in every format, as plain values its writers escape: the
kinds of finding and the facts beside them with their labels (a kind's label is _benchmarks'),
what to do about each table's rows and its public references, the counts, the rows the Markdown
report and the HTML page both show, the trend's rows and charts. Private."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key_or_text
from ansible_collections.adremedy.directory.plugins.module_utils._run._benchmarks import (
    kind_label, references_for)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_text import yes
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import charts

if TYPE_CHECKING:  # annotations only
    from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import Chart


# Protection classes of the accounts SDProp stamps AdminSDHolder's DACL on: excluded from the
# inheritance fix by design, so one of them whose first sync would fail is not a finding.
PROTECTED_BY_DESIGN = ("protected", "unmarked")
# The kinds of finding: (key in summary and finding_counts, label, what to do about its rows);
# a kind's label is _benchmarks' (kind_label). The findings total is their sum, and the page's
# red cards are these, in this order.
FINDINGS = tuple((key, kind_label(key), advice) for key, advice in (
    ("would_fail_act_now",
     "Re-enable inheritance with the command above (or grant Exchange Servers Create Child of "
     "msExchActiveSyncDevices on the user); each row's reason says what blocks it."),
    ("inheritance_would_change",
     "Run the command above: it re-enables inheritance on these objects and nothing else."),
    ("list_findings",
     "Remove the device ID from one of the two lists (a conflict) or keep one spelling of it "
     "(a case-duplicate), e.g. with Set-CASMailbox."),
    ("orphaned_accounts",
     "In no protected group any more: the command above, with include_orphaned=true, clears "
     "adminCount and re-enables inheritance."),
    ("policy_below_baseline",
     "Change each policy with Set-MobileDeviceMailboxPolicy until it meets the CIS items it "
     "fails (listed under it), or link its users to a policy that meets them (Set-CASMailbox "
     "-ActiveSyncMailboxPolicy); a device applies the new settings when it next fetches its "
     "policy."),
))
# Kinds counted only when the report read them (the key is in the summary): the mobile device
# mailbox policies are not read when the forest's schema lacks their class. A kind not read is
# unknown, not 0: it is left out of finding_counts, the cards and the messages.
OPTIONAL_FINDINGS = ("policy_below_baseline",)
OPTIONAL_FACTS = ("users_on_failing_policies",)
# Facts that are not findings, shown beside them (the three kinds of _benchmarks by its labels).
FACTS = (
    ("users", "users"), ("eas_enabled", "ActiveSync enabled"),
    ("disabled_accounts", "disabled accounts"),
    ("would_fail_protected", kind_label("would_fail_protected")),
    ("inheritance_disabled", "inheritance disabled"),
    ("exchange_cannot_create", "Exchange Servers cannot create the device container"),
    ("inheritance_skipped", "inheritance fix skips (protected, by design)"),
    ("risky_inherited", kind_label("risky_inherited")),
    ("admins_with_devices", kind_label("admins_with_devices")),
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


KINDS = tuple((key, label) for key, label, advice in FINDINGS)
KIND_LABELS = dict(KINDS)
SINCE_HEADERS = ("change", "user or account", "DN", "findings")


def since_rows(t: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(change, name, DN, the kinds' labels) per object with new or resolved findings in the
    trend: an object with two kinds of finding is one row."""
    rows: list[tuple[str, str, str, str]] = []
    for change in ("new", "resolved"):
        by_object: dict[str, list[Any]] = {}
        for item in t[change]:
            row = by_object.setdefault(dn_key_or_text(item["dn"]),
                                       [change, item.get("name") or "", item["dn"], []])
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
