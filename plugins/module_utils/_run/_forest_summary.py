# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The forest summary (forest_summary): each domain's compliance report.json read from its
directory, counts added up key by key whatever keys each report holds, missing, unreadable,
incomplete and failed domains named, the summary written as JSON and Markdown (through the one
Markdown escaper). Local files only; no directory is read. Private."""

from __future__ import annotations

import json
import os
from typing import Any, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._run._report import (
    md_cell, write_atomic)

SUMMARY_COLUMNS = ("users", "devices")


def read_report(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        report = json.load(fh)
    if not isinstance(report, dict):
        raise ValueError("%s is not a compliance report (no JSON object)" % path)
    return report


def add_counts(total: dict, counts: dict) -> None:
    for key, value in (counts or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            total[key] = total.get(key, 0) + value


def summarize(base: str, names: list, failed: list) -> tuple:
    domains: list[dict[str, Any]] = []
    totals: dict[str, Any] = dict(domains=len(names), missing=0, findings=0, finding_counts={},
                                  summary={})
    for name in names:
        path = os.path.join(base, name, "report.json")
        try:
            if name in failed:
                raise ValueError("its run failed this time")
            if os.path.exists(os.path.join(base, name, "INCOMPLETE.json")):
                raise ValueError("its last run did not finish (INCOMPLETE.json)")
            report = read_report(path)
        except (OSError, ValueError) as exc:
            reason = "%s: %s" % (name if name in failed else path,
                                 getattr(exc, "strerror", None) or exc)
            domains.append(dict(name=name, status="missing", reason=reason))
            totals["missing"] += 1
            continue
        entry = dict(name=name, status="ok", scope=report.get("scope"),
                     generated=report.get("generated"), findings=report.get("findings", 0),
                     finding_counts=report.get("finding_counts", {}),
                     summary=dict((k, v) for k, v in (report.get("summary") or {}).items()
                                  if isinstance(v, (int, float)) and not isinstance(v, bool)),
                     report=path)
        domains.append(entry)
        add_counts(totals, dict(findings=entry["findings"]))
        add_counts(totals["finding_counts"], entry["finding_counts"])
        add_counts(totals["summary"], entry["summary"])
    return domains, totals


cell = md_cell  # the collection's one Markdown escaper (every report, the role templates too)


class Markup(str):
    """Markdown this module writes itself (bold labels), put into a row as it is."""


def _cells(row: list) -> list:
    return [value if isinstance(value, Markup) else cell(value) for value in row]


def markdown(title: str, domains: list, totals: dict) -> str:
    keys = []
    for entry in domains:
        keys += [k for k in entry.get("finding_counts", {}) if k not in keys]
    columns = [k for k in SUMMARY_COLUMNS if k in totals["summary"]]
    head = ["domain", "scope", "generated", "findings"] + columns + keys
    rows = []
    for entry in domains:
        if entry["status"] != "ok":
            rows.append([entry["name"], Markup("**no report**: " + cell(entry["reason"]))]
                        + [""] * (len(head) - 2))
            continue
        rows.append([entry["name"], entry["scope"], entry["generated"], entry["findings"]]
                    + [entry["summary"].get(k, "") for k in columns]
                    + [entry["finding_counts"].get(k, "") for k in keys])
    rows.append([Markup("**forest**"),
                 "%d domains, %d without a report" % (totals["domains"], totals["missing"]),
                 "", totals["findings"]] + [totals["summary"].get(k, "") for k in columns]
                + [totals["finding_counts"].get(k, "") for k in keys])
    lines = ["# %s" % cell(title), "",
             "%d domains, **%d findings** in all." % (totals["domains"], totals["findings"]), "",
             "| %s |" % " | ".join(cell(h) for h in head),
             "|%s" % ("---|" * len(head))]
    lines += ["| %s |" % " | ".join(_cells(row)) for row in rows]
    lines += ["", "Each domain's own report is in its directory: %s." % ", ".join(
        cell(e["report"]) for e in domains if e["status"] == "ok"), ""]
    return "\n".join(lines)


def write(path: str, text: str) -> None:
    """Atomically, through a new temporary file (O_EXCL|O_NOFOLLOW): never a planted name."""
    write_atomic(path, text)


def forest_summary(params: Mapping[str, Any], check_mode: bool = False) -> tuple[dict, bool]:
    """(forest_summary's result, whether it fails: fail_on_missing and a domain has no
    readable report). The files are written unless check_mode; ValueError in one line when
    they cannot be."""
    base = os.path.abspath(params["dir"])
    domains, totals = summarize(base, params["domains"], params["failed"])
    files = dict(json=os.path.join(base, "forest-summary.json"),
                 markdown=os.path.join(base, "forest-summary.md"))
    if not check_mode:
        try:
            os.makedirs(base, exist_ok=True)
            write(files["json"], json.dumps(dict(domains=domains, totals=totals), indent=1,
                                            sort_keys=True) + "\n")
            write(files["markdown"], markdown(params["title"], domains, totals))
        except OSError as exc:
            raise ValueError("forest summary in %s: %s" % (base, exc.strerror))
    result = dict(changed=False, domains=domains, totals=totals, files=files)
    result["msg"] = "%d domains, %d findings in all, %d without a report" % (
        totals["domains"], totals["findings"], totals["missing"])
    return result, bool(totals["missing"] and params["fail_on_missing"])
