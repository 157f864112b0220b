"""The compliance report (check mode, four formats, HTML rendered by headless Chromium) and
scheduled inheritance enforcement, run as users run them: the playbooks in playbooks/.

On one fresh seed: the report first (nothing may be written), then enforcement."""

import csv
import json
import os
import re
import subprocess

import pytest

from conftest import LAB_OU, run_playbook, user_dn

from ansible_collections.adremedy.directory.plugins.module_utils._sd import SecurityDescriptor

BROKEN = [user_dn(7), user_dn(27), user_dn(47)]

pytestmark = pytest.mark.usefixtures("reseeded")


def protected(directory, dn):
    return SecurityDescriptor.parse(directory.read_sd(dn)).protected


def rendered(path, fragment=""):
    """The page's DOM after its script ran, from Debian's Chromium, headless."""
    out = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
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
        found = re.findall(r"<td>(.*?)</td>", cells, re.S)
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
    assert sorted(os.listdir(str(report))) == ["report.html", "report.json", "report.md",
                                               "users.csv"]
    data = json.loads((report / "report.json").read_text())
    readiness = ansible.run("eas_readiness_info", {"search_base": LAB_OU})
    for key, value in readiness["summary"].items():
        assert data["summary"][key] == value, key
    assert data["finding_counts"] == {"would_fail": 3, "inheritance_would_change": 3,
                                      "list_findings": 2, "orphaned_accounts": 2}
    assert data["findings"] == 10
    assert sorted(o["dn"] for o in data["inheritance_plan"]["objects"]
                  if o["status"] == "changed") == sorted(BROKEN)
    rows = list(csv.DictReader((report / "users.csv").open()))
    assert len(rows) == readiness["summary"]["users"]
    by_dn = dict((r["dn"], r) for r in rows)
    assert by_dn[user_dn(7)]["inheritance_fix"] == "changed"
    assert by_dn[user_dn(7)]["would_fail"] == "True"
    assert by_dn[user_dn(2)]["list_conflicts"] == "CONFLICT0000000000000000000000AB"
    markdown = (report / "report.md").read_text()
    assert "**10 findings**" in markdown and "| u00002 | CONFLICT0000000000000000000000AB |" in markdown

    # The HTML page, rendered by a real browser: summary first, then the tables with every row.
    page = str(report / "report.html")
    dom = rendered(page)
    assert dom.index('class="cards"') < dom.index('<table id="users"')
    users = table_rows(dom, "users")
    assert len(users) == readiness["summary"]["users"] and all(row[1] for row in users)
    assert set(row[0][0] for row in table_rows(dom, "plan") if row[0][1] == "changed") == \
        {"CN=User 00007,OU=Engineering,OU=Staff,OU=Lab,DC=lab,DC=example,DC=test",
         "CN=User 00027,OU=Sales,OU=Staff,OU=Lab,DC=lab,DC=example,DC=test",
         "CN=User 00047,OU=Support,OU=Staff,OU=Lab,DC=lab,DC=example,DC=test"}
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


def test_fail_on_findings_gates_after_writing(tmp_path):
    report = tmp_path / "gate"
    run = run_playbook("compliance_report", {"search_base": LAB_OU, "report_dir": str(report),
                                             "fail_on_findings": True}, check=True)
    assert run.rc == 2
    assert "10 findings: 3 users not protected by design would hit event 1053" in run.output
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
