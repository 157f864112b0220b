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

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.adremedy.directory.plugins.module_utils._run._forest_summary import (
    forest_summary)


def main() -> None:
    # no directory is read: the module base's connection options do not apply
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
    try:
        result, failed = forest_summary(module.params, module.check_mode)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if failed:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
