#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: compliance_info
short_description: The Exchange ActiveSync compliance report in one read of the directory
version_added: 2.0.0
description:
  - Reads every user in scope once (paged, SD flags 0x4) and works out from that one pass what
    M(adremedy.directory.eas_readiness_info) (who would hit event 1053 and why),
    M(adremedy.directory.inheritance) in check mode (the inheritance fix's plan) and
    M(adremedy.directory.protected_accounts_info) (protected, unmarked and orphaned accounts)
    report, and the allow and block list findings.
  - Reads the organization's mobile device mailbox policies and counts each user for the one
    that applies to it, as M(adremedy.directory.eas_policy_info) does; a policy that misses a
    CIS Microsoft Exchange Server 2019 Level 1 mobile item (3.1 to 3.11) is a finding
    (C(policy_below_baseline)). When the forest's schema has no policy class, or the Exchange
    organization no policies, the reports say so instead of the section and the kind is not
    counted.
  - With O(report_dir), writes the report files there while the users stream past, namely
    C(report.json) (machine-readable), C(users.csv) (one row per user), C(report.md) and
    C(report.html) (one self-contained page, summary and findings first; the per-user table is
    drawn from data embedded in the page, a page at a time, sortable and filterable). Each file is
    written under a temporary name and the four are renamed into place together when all are
    complete; C(INCOMPLETE.json) marks the directory from the start of the run until then, so a
    failed run leaves no report that looks whole and current.
  - Each complete run also keeps its C(report.json) (without the per-user rows) in C(history/)
    beside the four files, the last 52 runs; the report compares its findings with the
    previous run's (RV(trend)) and charts the history. A C(history) that is a symbolic link or
    not a directory is refused, never followed - the run fails naming it and
    C(INCOMPLETE.json) stays.
  - The HTML and Markdown reports open with a verdict (pass or fail against O(fail_on_findings)),
    three sentences to forward and the C(ansible-playbook adremedy.directory.enforce_inheritance)
    command, with this report's values, that fixes what a playbook can fix; then the counts
    (the findings total is the sum of the finding counts), how the report was made
    (RV(provenance)), and the tables, each saying what to do about its rows. They also list the
    risky rights the inheritance fix would pass down (as M(adremedy.directory.inheritance)'s
    C(risky_inherited)) and the protected accounts with phones.
  - Returns the summary, the findings counts and the file paths, never a per-user list, so the
    result stays small on any directory.
  - With O(read_connections) above V(1), the device partnerships are read on one more
    connection while the users stream in on the others.
  - Reads only; the report files are written in check mode too (they change nothing in the
    directory). The files are written where the module runs, normally the controller.
  - Report cells are made safe for their readers, namely CSV cells starting with C(=), C(+),
    C(-), C(@), a tab or a carriage return get a leading C('), Markdown and HTML escape markup
    (device models and names come from phones).
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
  - adremedy.directory.selection
options:
  report_dir:
    description:
      - Directory the four report files and C(history/) are written to (created when
        missing). Without it, only the summary and counts are returned.
    type: path
  title:
    description: Title of the Markdown and HTML reports.
    type: str
    default: Exchange ActiveSync compliance
  fail_on_findings:
    description:
      - The gate the report's verdict is judged against - with V(true) a report with findings
        says the run fails (the module itself never fails on findings; the
        C(compliance_report) role does). Recorded in RV(verdict).
    type: bool
    default: false
    version_added: 2.0.0
  protected_base:
    description:
      - Protected and orphaned accounts are listed at or below this DN. Defaults to
        O(search_base) (the whole domain with O(dn)).
    type: str
seealso:
  - module: adremedy.directory.eas_readiness_info
  - module: adremedy.directory.inheritance
  - module: adremedy.directory.protected_accounts_info
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: The compliance report of OU=Staff, its four files written to /srv/reports/eas
  adremedy.directory.compliance_info:
    search_base: OU=Staff,DC=example,DC=com
    report_dir: /srv/reports/eas
  register: report

- name: Gate on findings
  ansible.builtin.assert:
    that: report.findings == 0
    fail_msg: "{{ report.findings }} findings, see {{ report.files.html }}"
"""

RETURN = r"""
verdict:
  description:
    - Pass or fail against the gate (O(fail_on_findings)), three sentences a manager can
      forward, the command that fixes what a playbook can fix (null when nothing), and
      C(message), the one-line account of the findings the role's messages use.
  returned: success
  type: dict
  version_added: 2.0.0
provenance:
  description:
    - Which DC answered (its C(dnsHostName)), the account that read (as the DC names it, else
      the configured bind_dn), the collection and ansible-core versions, the options that
      shaped the report, when it started (UTC) and how long it took in seconds.
  returned: success
  type: dict
  version_added: 2.0.0
summary:
  description:
    - Counts over the users in scope, the keys of RV(adremedy.directory.eas_readiness_info#module:summary)
      and the inheritance plan's and protected accounts' counts.
  returned: success
  type: dict
  sample:
    users: 50
    would_fail: 6
    would_fail_act_now: 3
    would_fail_protected: 3
    inheritance_would_change: 3
    list_findings: 2
    inheritance_skipped: 4
    protected_accounts: 3
    unmarked_accounts: 1
    orphaned_accounts: 2
    policy_below_baseline: 1
    users_on_failing_policies: 3
finding_counts:
  description:
    - Findings by kind, namely users not protected by design whose first sync would fail,
      objects the inheritance fix would change, users with list conflicts or case-duplicates,
      orphaned adminCount accounts, and mobile device mailbox policies below the CIS baseline
      (C(policy_below_baseline), those that apply to at least one selected user, only when the
      policies were read).
  returned: success
  type: dict
  sample: {would_fail_act_now: 3, inheritance_would_change: 3, list_findings: 2,
           orphaned_accounts: 2, policy_below_baseline: 1}
findings:
  description: The sum of RV(finding_counts).
  returned: success
  type: int
plan_counts:
  description: The inheritance fix's counts, as M(adremedy.directory.inheritance) returns them in check mode.
  returned: success
  type: dict
  sample: {matched: 57, changed: 3, unchanged: 50, skipped: 4, failed: 0}
files:
  description: The report files written, by format (C(json), C(csv), C(markdown), C(html)).
  returned: when report_dir is set
  type: dict
  sample: {json: /srv/reports/eas/report.json, csv: /srv/reports/eas/users.csv}
trend:
  description:
    - This run against the history in O(report_dir)'s C(history/), as C(report.json) has it -
      C(note) (what changed, in words), C(first_run), C(previous) (when that run started, its
      scope and findings), C(counts) and C(by_kind) of findings C(new), C(resolved) and
      C(unchanged) (an object matched by objectGUID, else by DN), the first C(listed) of
      each, and C(runs) (the points the charts draw, this run last).
  returned: when report_dir is set
  type: dict
  version_added: 2.1.0
  sample:
    note: "Since the run started 2026-12-05T06:00:00Z (10 findings then): 1 new, 0 resolved, 10 unchanged."
    first_run: false
    counts: {new: 1, resolved: 0, unchanged: 10}
generated:
  description: When the report was made (UTC).
  returned: success
  type: str
exchange_servers:
  description:
    - The Exchange Servers group used, and the SIDs Exchange creates the devices container with
      (RV(exchange_servers.token)) - the group and the groups it is nested in, Everyone,
      Authenticated Users and, for each account that is a member of the group (the Exchange
      servers' computer accounts), its own SID and its groups (C(tokenGroups), such as Domain Computers,
      Exchange Trusted Subsystem and the like), so that a deny on any of them is seen.
    - Each server is judged with its own token (RV(exchange_servers.servers)); Exchange can create
      the container only when every server can.
  returned: success
  type: dict
  contains:
    dn:
      description: The Exchange Servers group's DN.
      type: str
    sid:
      description: The Exchange Servers group's SID.
      type: str
    token:
      description: Every SID of every Exchange server's token.
      type: list
      elements: str
    servers:
      description: Each account that is a member of Exchange Servers, with its token.
      type: list
      elements: dict
      version_added: 2.0.0
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)
from ansible_collections.adremedy.directory.plugins.module_utils._run._compliance_run import (
    module_result, start, write_report)

OPTIONS = ArgumentSpec(dict(
    report_dir=dict(type="path"),
    title=dict(type="str", default="Exchange ActiveSync compliance"),
    protected_base=dict(type="str"),
    fail_on_findings=dict(type="bool", default=False),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, selection=True)
    with module.failing():
        start(module.params["report_dir"])
    with module.client() as client, module.global_catalog() as catalog:
        doc, files = write_report(client, module.selection(client), module.params, catalog)
    for warning in doc.get("warnings") or []:
        module.warn(warning)
    module.exit_json(**module_result(doc, files))


if __name__ == "__main__":
    main()
