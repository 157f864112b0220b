#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: forest_summary
short_description: One summary of the compliance reports of the domains of a forest
version_added: 1.0.0
description:
  - Reads the C(report.json) that the compliance report wrote for each domain, in
    C(<dir>/<domain>/), and writes one forest summary, C(forest-summary.json) and
    C(forest-summary.md), into O(dir), namely per domain its scope, when its report was made, its
    findings and counts, and the totals.
  - Counts are added up key by key, whatever keys each report holds, so reports written by
    different versions of the collection still combine.
  - A domain whose report is missing, unreadable or marked incomplete (C(INCOMPLETE.json), left
    by a run that stopped part-way), or that is in O(failed), is listed as missing, with the
    reason, and counts in no total.
  - Reads and writes local files only (it talks to no directory), on the host it runs on;
    C(changed) is always false, as for the reports themselves.
options:
  dir:
    description:
      - The forest's report directory, with one subdirectory per domain holding its
        C(report.json); the summary is written here.
    type: path
    required: true
  domains:
    description: The domains' names, as their subdirectories are named (the inventory hosts).
    type: list
    elements: str
    required: true
  failed:
    description:
      - Domains whose run failed this time; they are listed as failed and a report left in their
        directory by an earlier run is not counted.
    type: list
    elements: str
    default: []
  title:
    description: Title of the Markdown summary.
    type: str
    default: Exchange ActiveSync compliance, forest summary
  fail_on_missing:
    description: Fail (after writing the summary) when a domain has no readable report.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the reports and returns the summary; writes no file.
  diff_mode:
    support: none
    description: Nothing in the directory changes, so there is no diff.
notes:
  - C(playbooks/compliance_report.yml) runs it once after the domains' reports when its play has
    more than one host.
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: One summary of every domain's report
  adremedy.directory.forest_summary:
    dir: /srv/reports/eas
    domains: [corp, emea]
"""

RETURN = r"""
domains:
  description: One entry per domain, in the order given.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: corp, status: ok, scope: "OU=Staff,DC=corp,DC=example,DC=com", generated: "2026-12-01T10:00:00Z",
       findings: 12, finding_counts: {would_fail: 3}, summary: {users: 5000}}
    - {name: emea, status: missing, reason: "/srv/reports/eas/emea/report.json: No such file or directory"}
totals:
  description: Findings, finding counts and summary counts added up over the domains with a report.
  returned: always
  type: dict
  sample: {domains: 2, missing: 0, findings: 17, finding_counts: {would_fail: 4}, summary: {users: 9000}}
files:
  description: The summary files (written unless in check mode).
  returned: always
  type: dict
  sample: {json: /srv/reports/eas/forest-summary.json, markdown: /srv/reports/eas/forest-summary.md}
msg:
  description: One-line summary.
  returned: always
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
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
    domains, totals = [], dict(domains=len(names), missing=0, findings=0, finding_counts={},
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


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dir=dict(type="path", required=True),
            domains=dict(type="list", elements="str", required=True),
            failed=dict(type="list", elements="str", default=[]),
            title=dict(type="str", default="Exchange ActiveSync compliance, forest summary"),
            fail_on_missing=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    base = os.path.abspath(params["dir"])
    domains, totals = summarize(base, params["domains"], params["failed"])
    files = dict(json=os.path.join(base, "forest-summary.json"),
                 markdown=os.path.join(base, "forest-summary.md"))
    if not module.check_mode:
        try:
            os.makedirs(base, exist_ok=True)
            write(files["json"], json.dumps(dict(domains=domains, totals=totals), indent=1,
                                            sort_keys=True) + "\n")
            write(files["markdown"], markdown(params["title"], domains, totals))
        except OSError as exc:
            module.fail_json(msg="forest summary in %s: %s" % (base, exc.strerror))
    result = dict(changed=False, domains=domains, totals=totals, files=files)
    result["msg"] = "%d domains, %d findings in all, %d without a report" % (
        totals["domains"], totals["findings"], totals["missing"])
    if totals["missing"] and params["fail_on_missing"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
