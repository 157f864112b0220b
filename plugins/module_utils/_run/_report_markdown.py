# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.md: the compliance report as Markdown (markdown()), every value from the directory
escaped with markdown_escape. Private."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._run._benchmarks import (
    label as reference_label)
from ansible_collections.adremedy.directory.plugins.module_utils._run import _policy_section
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_content import (
    ADMIN_HEADERS, ADVICE, KINDS, RISKY_HEADERS, SINCE_HEADERS, admin_rows, after_sdprop,
    count_findings, count_rows, fix_status, plan_detail, plan_message, provenance_rows,
    report_charts, risky_rows, since_rows, table_references)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_text import md_cell, yes
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import HISTORY_DIR


def _md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| %s |" % " | ".join(headers), "|%s|" % "|".join("---" for header in headers)]
    lines += ["| %s |" % " | ".join(md_cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


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


def md_references(table_id: str) -> list[str]:
    """['References: ...', ''] for report.md: text, not links (markdown_escape makes the URLs
    inert, as every value in a Markdown report), or [] for a table without references."""
    refs = grouped_references(table_id)
    if not refs:
        return []
    return ["References: " + "; ".join(md_cell("%s (%s)" % (label, url))
                                       for label, _title, url in refs), ""]


def markdown(doc: Mapping[str, Any], title: str) -> str:
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
