"""The compliance report (check mode, four formats, HTML rendered by headless Chromium) and
scheduled inheritance enforcement, run as users run them: the playbooks in playbooks/.

On one fresh seed: the report first (nothing may be written), then enforcement."""

import csv
import json
import os
import re
import shlex
import subprocess

import pytest

from conftest import LAB_OU, run_playbook, user_dn

from ansible_collections.adremedy.directory.plugins.module_utils._run._report import md_cell
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)

BROKEN = [user_dn(7), user_dn(27), user_dn(47)]

pytestmark = pytest.mark.usefixtures("reseeded")


def protected(directory, dn):
    return SecurityDescriptor.parse(directory.read_sd(dn)).protected


def rendered(path, fragment="", width=1280):
    """The page's DOM after its script ran, from Debian's Chromium, headless, in a window
    width px wide."""
    out = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                          "--window-size=%d,900" % width,
                          "--dump-dom", "file://%s%s" % (path, fragment)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         timeout=120, check=True).stdout
    assert 'data-ready="1"' in out, "the report's script did not run"
    return out


def table_rows(dom, table_id):
    """Rows of one table as lists of cell texts, and whether each is shown."""
    body = re.search(r'<table id="%s".*?<tbody>(.*?)</tbody>' % table_id, dom, re.S).group(1)
    rows = []
    for attrs, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, re.S):
        found = re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)
        texts = [re.sub(r"<[^>]+>", "", c).strip() for c in found]
        rows.append((texts, "display: none" not in attrs))
    return rows


def test_compliance_report_in_check_mode_writes_four_reports_and_nothing_else(
        ansible, directory, tmp_path):
    before = dict((dn, directory.read_sd(dn)) for dn in BROKEN)
    report = tmp_path / "report"
    run = run_playbook("compliance_report", {"search_base": LAB_OU, "report_dir": str(report)},
                       check=True)
    assert run.rc == 0, run.output[-3000:]
    assert dict((dn, directory.read_sd(dn)) for dn in BROKEN) == before
    assert sorted(os.listdir(str(report))) == ["history", "report.html", "report.json",
                                               "report.md", "users.csv"]
    assert len(os.listdir(str(report / "history"))) == 1  # this run, kept for the trend
    data = json.loads((report / "report.json").read_text())
    readiness = ansible.run("eas_readiness_info", {"search_base": LAB_OU})
    for key, value in readiness["summary"].items():
        assert data["summary"][key] == value, key
    # the seed's Legacy Devices policy misses the CIS baseline: the fifth kind (issue 25 item 6)
    assert data["finding_counts"] == {"would_fail_act_now": 3, "inheritance_would_change": 3,
                                      "list_findings": 2, "orphaned_accounts": 2,
                                      "policy_below_baseline": 1}
    assert data["findings"] == 11
    assert sorted(o["dn"] for o in data["inheritance_plan"]["objects"]
                  if o["status"] == "changed") == sorted(BROKEN)
    rows = list(csv.DictReader((report / "users.csv").open()))
    assert len(rows) == readiness["summary"]["users"]
    by_dn = dict((r["dn"], r) for r in rows)
    assert by_dn[user_dn(7)]["inheritance_fix"] == "would change"
    assert by_dn[user_dn(7)]["would_fail"] == "true"
    assert by_dn[user_dn(2)]["list_conflicts"] == "CONFLICT0000000000000000000000AB"
    markdown = (report / "report.md").read_text()
    assert "**11 findings**" in markdown and "| u00002 | CONFLICT0000000000000000000000AB |" in markdown

    # The HTML page, rendered by a real browser: summary first, then the tables with every row.
    page = str(report / "report.html")
    dom = rendered(page)
    assert dom.index('class="cards"') < dom.index('<table id="users"')
    users = table_rows(dom, "users")
    assert len(users) == readiness["summary"]["users"] and all(row[1] for row in users)
    # the plan's table names its users, shows DNs without the domain (whole on hover) and says
    # what a plan does: 'would change'
    plan = [cells for cells, visible in table_rows(dom, "plan")]
    assert set((c[0], c[1]) for c in plan if c[3] == "would change") == {
        ("u00007", "CN=User 00007,OU=Engineering,OU=Staff,OU=Lab"),
        ("u00027", "CN=User 00027,OU=Sales,OU=Staff,OU=Lab"),
        ("u00047", "CN=User 00047,OU=Support,OU=Staff,OU=Lab")}
    assert 'title="%s"' % user_dn(7) in dom
    filtered_plan = rendered(page, "#filter=u00007")
    assert [c[0] for c, visible in table_rows(filtered_plan, "plan") if visible] == ["u00007"]
    # a 1280 px window needs no sideways scroll (the page records its width once drawn)
    assert int(re.search(r'data-width="(\d+)"', dom).group(1)) <= 1280
    assert sorted(row[0][0] for row in table_rows(dom, "lists")) == ["u00002", "u00003"]
    # The filter (here from the address) hides the other rows and says so in the count.
    filtered = rendered(page, "#filter=u00027")
    shown = [cells for cells, visible in table_rows(filtered, "users") if visible]
    assert [cells[0] for cells in shown] == ["u00027"]
    assert 'id="users-count">1 of %d<' % len(users) in filtered
    # A malformed fragment (a lone %) does not stop the page's script (rendered() checks that
    # it ran): the filter is taken as typed, and matches nobody.
    broken = rendered(page, "#filter=%")
    assert 'id="users-count">0 of %d<' % len(users) in broken


def test_the_four_files_and_the_messages_agree_and_say_who_read(tmp_path):
    """Issue 25 items 1-3: every count the same in report.json, report.md, report.html (as
    Chromium draws it), users.csv and the gate's message; the header's total is the sum of
    the finding cards; provenance and the verdict (with the fixing command) come first."""
    report = tmp_path / "agree"
    run = run_playbook("compliance_report", {"search_base": LAB_OU, "report_dir": str(report),
                                             "fail_on_findings": True}, check=True)
    assert run.rc == 2
    data = json.loads((report / "report.json").read_text())
    counts, summary = data["finding_counts"], data["summary"]
    assert data["findings"] == sum(counts.values()) == 11
    assert summary["would_fail"] == summary["would_fail_act_now"] + summary["would_fail_protected"]
    assert summary["would_fail_act_now"] == counts["would_fail_act_now"] == 3
    # users.csv: the per-user facts add up to the same counts
    rows = list(csv.DictReader((report / "users.csv").open()))
    would_fail = [r for r in rows if r["would_fail"] == "true"]
    assert len(would_fail) == summary["would_fail"]
    assert len([r for r in would_fail if r["protection"] not in ("protected", "unmarked")]) \
        == counts["would_fail_act_now"]
    assert len([r for r in rows if r["inheritance_fix"] == "would change"]) == \
        counts["inheritance_would_change"]
    assert len([r for r in rows if r["list_conflicts"] or r["case_duplicates"]]) == \
        counts["list_findings"]
    assert set(r["disabled"] for r in rows) <= {"true", "false"}
    assert len([r for r in rows if r["disabled"] == "true"]) == summary["disabled_accounts"]
    # report.md: the counts table
    markdown = (report / "report.md").read_text()
    table = dict((k, int(v)) for k, v in
                 re.findall(r"^\| \**([^|*]+?)\** \| (\d+) \|$", markdown, re.M))
    assert table["users whose first sync would fail - act now"] == 3
    assert table["first sync would fail, protected by design"] == summary["would_fail_protected"]
    assert table["objects the inheritance fix would change"] == 3
    assert table["users with allow/block list findings"] == 2
    assert table["orphaned adminCount accounts"] == 2
    assert table["mobile policies below the CIS baseline"] == counts["policy_below_baseline"] == 1
    assert "**11 findings**" in markdown
    # report.html as drawn: the red-bordered cards add up to the header's total
    dom = rendered(str(report / "report.html"))
    cards = re.findall(r'<div class="card finding[^"]*"><b>(\d+)</b>', dom)
    assert sorted(int(c) for c in cards) == sorted(counts.values())
    assert '<span id="findings">11</span>' in dom
    assert 'id="would-fail-count">%d<' % summary["would_fail"] in dom
    # the gate's message says the same numbers, in the module's words
    assert data["verdict"]["message"] in run.output.replace("\n", " ")
    # verdict and provenance, first on the page
    body = dom.split("<body", 1)[1]
    assert body.index('id="verdict"') < body.index('class="cards"')
    assert data["verdict"]["result"] == "fail" and data["verdict"]["stops_play"]
    assert shlex.split(data["verdict"]["fix_command"]) == [
        "ansible-playbook", "adremedy.directory.enforce_inheritance",
        "-e", "search_base=" + LAB_OU, "-e", "include_orphaned=true"]
    provenance = data["provenance"]
    assert provenance["dc"] and "." in provenance["dc"] and provenance["dc"] in dom
    assert provenance["read_as"] and md_cell(provenance["read_as"]) in markdown
    assert provenance["collection_version"] and provenance["ansible_core_version"]
    assert provenance["options"]["search_base"] == LAB_OU
    assert provenance["duration_seconds"] >= 0 and provenance["started"] <= data["generated"]


def test_fail_on_findings_gates_after_writing(tmp_path):
    report = tmp_path / "gate"
    run = run_playbook("compliance_report", {"search_base": LAB_OU, "report_dir": str(report),
                                             "fail_on_findings": True}, check=True)
    assert run.rc == 2
    assert "11 findings: 3 users not protected by design would hit event 1053" in run.output
    assert "1 mobile device mailbox policy below the CIS baseline" in run.output
    assert (report / "report.html").exists()


def test_enforce_refuses_a_large_plan_then_fixes_then_stays_quiet(directory, tmp_path):
    out = tmp_path / "enforce"
    args = {"search_base": LAB_OU, "report_dir": str(out)}
    refused = run_playbook("enforce_inheritance", dict(args, max_changes=2))
    assert refused.rc == 2
    last = json.loads((out / "last-run.json").read_text())
    assert last["status"] == "failed" and "more than max_changes 2" in last["msg"]
    assert sorted(last["plan"]) == sorted(BROKEN)
    assert all(protected(directory, dn) for dn in BROKEN)

    audit = run_playbook("enforce_inheritance", dict(args, fail_on_changes=True), check=True)
    assert audit.rc == 2 and "3 objects would need inheritance re-enabled" in audit.output
    assert all(protected(directory, dn) for dn in BROKEN)

    fixed = run_playbook("enforce_inheritance", args)
    assert fixed.rc == 0, fixed.output[-3000:]
    assert fixed.recap()["changed"] == 1
    last = json.loads((out / "last-run.json").read_text())
    assert last["status"] == "changed" and last["counts"]["changed"] == 3
    assert os.path.exists(last["journal"])
    assert not any(protected(directory, dn) for dn in BROKEN)
    assert all(o["status"] == "skipped" for o in last["objects"] if "adm-" in o["dn"])

    again = run_playbook("enforce_inheritance", args)
    assert again.rc == 0 and again.recap()["changed"] == 0
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert [r["status"] for r in runs] == ["failed", "changed", "changed", "compliant"]
    assert runs[1]["check_mode"] is True
