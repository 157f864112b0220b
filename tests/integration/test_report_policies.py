"""Issue 25 item 6 in the compliance report, on the lab's DC as users run it (the
compliance_report playbook, --check): the seed's "Legacy Devices" policy (no password,
non-provisionable devices allowed) is a policy below the CIS Exchange 2019 Level 1 baseline,
with its 3 linked users (u00003, u00023, u00043); it is one finding, counted the same in
report.json, report.md, report.html (as Chromium draws it), users.csv, the verdict and the
console message, and eas_policy_info says the same of the same users. Reads only."""

import csv
import json
import re

from conftest import LAB_OU, run_playbook
from test_report_and_enforce import rendered, table_rows

LINKED = ["u00003", "u00023", "u00043"]


def test_a_policy_below_the_baseline_in_every_file(ansible, tmp_path):
    report = tmp_path / "policies"
    run = run_playbook("compliance_report", {"search_base": LAB_OU, "output_dir": str(report)},
                       check=True)
    assert run.rc == 0, run.output[-3000:]
    data = json.loads((report / "report.json").read_text())
    counts, summary = data["finding_counts"], data["summary"]
    section = data["mobile_policies"]
    rows = dict((p["name"], p) for p in section["policies"])
    legacy, default = rows["Legacy Devices"], rows["Default"]
    # the policy below the baseline, item by item, and who it applies to
    assert legacy["baseline"]["failed"] == ["3.1", "3.2", "3.3", "3.5", "3.6", "3.7", "3.8",
                                            "3.9", "3.10", "3.11"]
    assert legacy["users"] == dict(linked=3, by_default=0, total=3)
    assert default["baseline"]["failed"] == [] and default["applied_as_default"]
    assert default["users"]["by_default"] == summary["users"] - 3
    # one finding, one number everywhere
    assert counts["policy_below_baseline"] == summary["policy_below_baseline"] == 1
    assert section["summary"]["policies_failing_baseline"] == 1
    assert summary["users_on_failing_policies"] == 3
    assert data["findings"] == sum(counts.values())
    assert [r["id"] for r in data["references"]["policy_below_baseline"]
            if r["framework"] == "CIS"] == ["3.%d" % i for i in range(1, 12)]
    # users.csv: each user's policy; the three linked users are the ones on Legacy Devices
    users = list(csv.DictReader((report / "users.csv").open()))
    assert sorted(r["sam_account_name"] for r in users
                  if r["mobile_policy"] == "Legacy Devices") == LINKED
    assert set(r["mobile_policy"] for r in users) == {"Default", "Legacy Devices"}
    # report.md: the count row, the policy's row and its failed items
    markdown = (report / "report.md").read_text()
    table = dict(re.findall(r"^\| \**([^|*]+?)\** \| (\d+) \|$", markdown, re.M))
    assert table["mobile policies below the CIS baseline"] == "1"
    assert table["users on mobile policies below the CIS baseline"] == "3"
    assert "**%d findings**" % data["findings"] in markdown
    assert "| Legacy Devices | no | 3 | 0 | 3 | 10 of 11: 3.1, 3.2, 3.3, 3.5, 3.6, 3.7, 3.8, " \
        "3.9, 3.10, 3.11 |" in markdown
    assert "### Legacy Devices: fails 10 of 11 CIS items, applies to 3 users (3 linked, 0 by " \
        "default)" in markdown
    # report.html as Chromium draws it: the card, the header's total, the policy tables
    dom = rendered(str(report / "report.html"))
    cards = dict((label, int(v)) for v, label in re.findall(
        r'<div class="card finding[^"]*"><b>(\d+)</b>([^<]*)</div>', dom))
    assert cards["mobile policies below the CIS baseline"] == 1
    assert sum(cards.values()) == data["findings"]
    assert '<span id="findings">%d</span>' % data["findings"] in dom
    policies = dict((cells[0], cells) for cells, _shown in table_rows(dom, "policies"))
    assert policies["Legacy Devices"][1:5] == ["no", "3", "0", "3"]
    assert policies["Default"][5] == "none"
    items = [cells for cells, _shown in table_rows(dom, "policy-items-0")]
    found = dict((c[0], c[2:4]) for c in items)
    assert found["3.2"] == ["false", "true"] and found["3.10"] == ["true", "false"]
    assert "3.4" not in found
    assert int(re.search(r'data-width="(\d+)"', dom).group(1)) <= 1280
    # the verdict and the console say it in the same words
    message = data["verdict"]["message"]
    assert "1 mobile device mailbox policy below the CIS baseline" in message
    assert message in run.output.replace("\n", " ")
    # eas_policy_info, on the same users, says the same
    info = ansible.run("eas_policy_info", {"search_base": LAB_OU})
    assert not info.get("failed"), info.get("msg")
    assert info["summary"]["policies_failing_baseline"] == 1
    assert dict((p["name"], p["users"]) for p in info["policies"]) == dict(
        (p["name"], p["users"]) for p in section["policies"])
