"""Issue 25 items 1, 2, 3 and 7 in the report writer: one number per fact in every file and
message, provenance, a verdict with the fixing command first, and the details (user and
disabled columns, short DNs, CSV booleans, 'would change', print stylesheet)."""

import csv
import html
import json
import os
import re
import shlex

from markdown_it import MarkdownIt

from ansible_collections.adremedy.directory.plugins.module_utils._run import _report, _report_content, _report_html
from ansible_collections.adremedy.directory.plugins.module_utils._run import _version

BASE = "OU=Staff,OU=Lab,DC=lab,DC=example,DC=test"
LONG_DN = "CN=User 00007,OU=Engineering,OU=Staff,OU=Lab,DC=lab,DC=example,DC=test"


def summary(**extra):
    s = dict((k, 0) for k in (
        "users", "eas_enabled", "eas_disabled", "inheritance_disabled", "exchange_can_create",
        "exchange_cannot_create", "would_fail", "protected", "orphaned", "with_container",
        "devices", "list_conflicts", "case_duplicates", "unreadable", "inheritance_would_change",
        "inheritance_skipped", "protected_accounts", "orphaned_accounts", "unmarked_accounts",
        "would_fail_act_now", "would_fail_protected", "list_findings", "disabled_accounts"))
    # the demo's numbers: 6 would fail, 3 of them protected by design
    s.update(users=50, eas_enabled=48, would_fail=6, would_fail_act_now=3,
             would_fail_protected=3, inheritance_would_change=3, list_findings=2,
             list_conflicts=1, case_duplicates=1, orphaned_accounts=2, protected_accounts=3,
             unmarked_accounts=1, inheritance_skipped=4, disabled_accounts=1)
    s.update(extra)
    return s


def document(fail_on_findings=False, **extra):
    s = summary(**extra)
    finding_counts, findings = _report_content.count_findings(s)
    doc = dict(
        generated="2026-12-06T20:00:00Z", scope=BASE, findings=findings,
        finding_counts=finding_counts, summary=s, exchange_servers={},
        would_fail=[dict(dn=LONG_DN, sam_account_name="u00007", inheritance="disabled",
                         protection=None, disabled=True, reason="inheritance is disabled")],
        inheritance_plan=dict(counts=dict(matched=57, changed=3, skipped=4, failed=0),
                              objects=[dict(dn=LONG_DN, sam_account_name="u00007",
                                            disabled=True, status="changed",
                                            action="enable inheritance")]),
        protected_accounts=[], list_findings=[], unreadable=[],
        provenance=dict(dc="dc1.lab.example.test", read_as="LAB\\reader",
                        collection_version="1.0.0", ansible_core_version="2.18.1",
                        started="2026-12-06T19:59:58Z", duration_seconds=2.5,
                        options=dict(search_base=BASE, scope="subtree",
                                     filter="(&(objectCategory=person)(objectClass=user))")))
    doc["verdict"] = _report.make_verdict(doc, fail_on_findings)
    return doc


def row(i, **extra):
    base = dict(dn="CN=User %d,OU=Sales,DC=x" % i, sam_account_name="u%d" % i,
                user_principal_name="u%d@x" % i, eas_enabled=True, inheritance="enabled",
                protection=None, exchange_can_create=True, container=False, devices=0,
                list_conflicts=[], case_duplicates=[], would_fail=False, reason=None,
                disabled=False)
    base.update(extra)
    return base


def write(tmp_path, doc):
    writer = _report.ReportWriter(str(tmp_path), "Exchange ActiveSync compliance")
    writer.add_user(row(7, dn=LONG_DN, would_fail=True, disabled=True,
                        exchange_can_create=False), "changed")
    writer.add_user(row(8), "unchanged")
    return writer.finish(doc)


def test_each_count_is_the_same_in_every_file_and_message(tmp_path):
    doc = document()
    files = write(tmp_path, doc)
    assert doc["finding_counts"] == dict(would_fail_act_now=3, inheritance_would_change=3,
                                         list_findings=2, orphaned_accounts=2)
    assert doc["findings"] == 10
    # the HTML's red-bordered cards add up to the header's total, and are the finding counts
    page = open(files["html"]).read()
    cards = re.findall(r'<div class="card finding[^"]*"><b>(\d+)</b>([^<]*)</div>', page)
    assert sum(int(v) for v, label in cards) == 10
    assert '<span id="findings">10</span>' in page
    by_label = dict((label, int(v)) for v, label in cards)
    assert by_label["users whose first sync would fail - act now"] == 3
    facts = dict((label, int(v)) for v, label in
                 re.findall(r'<div class="card"><b>(\d+)</b>([^<]*)</div>', page))
    assert facts["first sync would fail, protected by design"] == 3
    # Markdown: the same rows, the same total
    markdown = open(files["markdown"]).read()
    table = dict(re.findall(r"^\| \**([^|*]+?)\** \| (\d+) \|$", markdown, re.M))
    assert dict((k, int(v)) for k, v in table.items() if k in by_label) == by_label
    assert int(table["first sync would fail, protected by design"]) == 3
    assert "**10 findings**" in markdown
    # JSON carries the same numbers; the message and the verdict say them
    data = json.loads(open(files["json"]).read())
    assert data["finding_counts"] == doc["finding_counts"] and data["findings"] == 10
    assert data["summary"]["would_fail"] == 6 and data["summary"]["would_fail_act_now"] == 3
    message = data["verdict"]["message"]
    assert message.startswith("10 findings: 3 users not protected by design would hit event "
                              "1053 (act now), 3 objects need inheritance re-enabled, 2 users")
    assert "3 more users would fail but are protected by design" in message


def test_the_verdict_comes_first_with_the_command_that_fixes(tmp_path):
    doc = document(fail_on_findings=True)
    v = doc["verdict"]
    assert v["result"] == "fail" and v["stops_play"]
    assert v["headline"].startswith("FAIL - 10 findings need action (gate fail_on_findings is on")
    assert len(v["sentences"]) == 3
    assert v["fix_command"] == ("ansible-playbook adremedy.directory.enforce_inheritance -e "
                                "search_base=%s -e include_orphaned=true" % BASE)
    assert shlex.split(v["fix_command"])[3] == "search_base=" + BASE
    files = write(tmp_path, doc)
    page = open(files["html"]).read()
    body = page.split("<body>", 1)[1]
    assert body.index('id="verdict"') < body.index('class="cards"') < body.index("<table")
    assert 'id="fix-command">ansible-playbook adremedy.directory.enforce_inheritance' in page
    markdown = open(files["markdown"]).read()
    lines = [line for line in markdown.split("\n") if line]
    assert lines[1].startswith("**FAIL - 10 findings need action")
    assert v["fix_command"] in markdown
    assert markdown.count("What to do:") >= 3 and page.count("<b>What to do:</b>") >= 2


def test_a_clean_report_passes_and_names_no_command():
    doc = document(would_fail=3, would_fail_act_now=0, inheritance_would_change=0,
                   list_findings=0, orphaned_accounts=0)
    v = doc["verdict"]
    assert doc["findings"] == 0 and v["result"] == "pass" and v["fix_command"] is None
    assert v["headline"].startswith("PASS - no findings")
    assert not v["stops_play"]


def test_a_filter_and_a_large_plan_go_into_the_command():
    doc = document(inheritance_would_change=900, orphaned_accounts=0)
    doc["provenance"]["options"]["filter"] = "(&(objectClass=user)(homeMDB=*))"
    command = _report.fix_command(doc)
    assert shlex.split(command)[4:] == ["-e", "filter=(&(objectClass=user)(homeMDB=*))",
                                        "-e", "max_changes=900"]


def test_provenance_is_in_every_report(tmp_path):
    files = write(tmp_path, document())
    for name in ("html", "markdown"):
        text = open(files[name]).read()
        if name == "markdown":  # as it reads rendered
            text = MarkdownIt("commonmark").enable("table").render(text)
        text = html.unescape(text)
        for value in ("dc1.lab.example.test", "reader", "2.18.1", "2026-12-06T19:59:58Z",
                      "(&(objectCategory=person)(objectClass=user))", "subtree"):
            assert value in text, (name, value)
    data = json.loads(open(files["json"]).read())
    assert data["provenance"]["dc"] == "dc1.lab.example.test"


def test_the_collection_version_is_galaxy_yml_s():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..")
    with open(os.path.join(root, "galaxy.yml")) as fh:
        version = re.search(r"^version:\s*(\S+)", fh.read(), re.M).group(1)
    assert _version.COLLECTION_VERSION == version.strip("'\"")
    assert re.match(r"\d+\.\d+", _version.ansible_core_version())


def test_details_user_and_disabled_columns_short_dns_csv_booleans(tmp_path):
    files = write(tmp_path, document())
    rows = list(csv.DictReader(open(files["csv"])))
    assert rows[0]["would_fail"] == "true" and rows[1]["would_fail"] == "false"
    assert rows[0]["disabled"] == "true" and rows[0]["eas_enabled"] == "true"
    assert rows[0]["inheritance_fix"] == "would change"
    page = open(files["html"]).read()
    plan = page.split('<table id="plan"', 1)[1].split("</table>", 1)[0]
    assert "<th scope=\"col\">user</th>" in plan and "<td>u00007</td>" in plan
    assert "<td>would change</td>" in plan and "<td>yes</td>" in plan  # disabled
    assert '<td title="%s">CN=User 00007,OU=Engineering,OU=Staff,OU=Lab</td>' % LONG_DN in plan
    assert "@media print" in page and "overflow-wrap: anywhere" in page
    assert "disabled" in page.split('<table id="users"', 1)[1].split("</thead>", 1)[0]
    markdown = open(files["markdown"]).read()
    assert "| u00007 | %s | yes | would change |" % _report.md_cell(LONG_DN) in markdown
    # no HTML entity in the Markdown: the filter reads as itself
    assert "(&(objectCategory=person)(objectClass=user))" in markdown
    assert not re.search(r"&(amp|lt|gt|quot|#\d+);", markdown)
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "(&amp;(objectCategory=person)(objectClass=user))" in rendered  # shows as '&'


def test_short_dn():
    assert _report_html.short_dn(LONG_DN) == "CN=User 00007,OU=Engineering,OU=Staff,OU=Lab"
    assert _report_html.short_dn("CN=a\\,b,DC=x") == "CN=a\\,b"
    long = "CN=" + "x" * 80 + ",DC=x"
    assert len(_report_html.short_dn(long)) == 48 and _report_html.short_dn(long).endswith("\u2026")


def test_a_protected_row_says_what_sdprop_brings(tmp_path):
    """Issue 24: the would-fail table carries exchange_can_create_after_sdprop."""
    doc = document()
    doc["would_fail"].append(dict(
        dn="CN=Admin,CN=Users,DC=x", sam_account_name="adm", inheritance="disabled",
        protection="protected", disabled=False, reason="protected by AdminSDHolder",
        exchange_can_create_after_sdprop=False, after_sdprop_reason="no ACE"))
    files = write(tmp_path, doc)
    markdown = open(files["markdown"]).read()
    assert "| adm | CN=Admin,CN=Users,DC=x | no | protected | cannot create |" in markdown
    dash = _report.md_cell("-")
    assert "| u00007 | %s | yes | %s | %s |" % (_report.md_cell(LONG_DN), dash, dash) in markdown
    page = open(files["html"]).read()
    assert "<td>cannot create</td>" in page


def test_the_rights_the_fix_would_pass_down_are_a_section(tmp_path):
    """Issue 24: risky_inherited (the inheritance module's function's rows) in the report."""
    doc = document()
    doc["summary"]["risky_inherited"] = 1
    doc["risky_inherited"] = [dict(
        trustee="helpdesk", sid="S-1-5-21-1-2-3-1105", right="WRITE_DAC", object_type=None,
        set_on="OU=Staff,OU=Lab,DC=lab,DC=example,DC=test", objects=3,
        enables="once inheritance is on, helpdesk can change the permissions")]
    files = write(tmp_path, doc)
    markdown = open(files["markdown"]).read()
    assert "## Rights the inheritance fix would pass down" in markdown
    assert "| helpdesk | WRITE\\_DAC | all | OU=Staff,OU=Lab,DC=lab,DC=example,DC=test | 3 |" \
        in markdown
    page = open(files["html"]).read()
    risky = page.split('<table id="risky"', 1)[1].split("</table>", 1)[0]
    assert "<td>helpdesk</td>" in risky and '<td title="OU=Staff,OU=Lab,DC=lab' in risky
    facts = dict((label, int(v)) for v, label in
                 re.findall(r'<div class="card"><b>(\d+)</b>([^<]*)</div>', page))
    assert facts["risky rights the inheritance fix would pass down"] == 1


def test_administrators_with_phones_are_a_section(tmp_path):
    """Issue 24: protected_accounts_info's phone fields on the report's protected rows."""
    doc = document(admins_with_devices=1)
    doc["protected_accounts"] = [
        dict(dn="CN=adm,CN=Users,DC=x", sam_account_name="adm", classification="protected",
             protected_by="Domain Admins", inheritance="disabled", reason="member",
             mail="adm@x.test", activesync_enabled=True, devices=2),
        dict(dn="CN=quiet,CN=Users,DC=x", sam_account_name="quiet", classification="protected",
             protected_by="Domain Admins", inheritance="disabled", reason="member",
             mail=None, activesync_enabled=True, devices=0)]
    files = write(tmp_path, doc)
    markdown = open(files["markdown"]).read()
    section = markdown.split("## Administrators with phones", 1)[1].split("##", 1)[0]
    assert "| adm | protected | adm@x.test | yes | 2 | Domain Admins |" in section
    assert "quiet" not in section
    page = open(files["html"]).read()
    assert "<td>adm@x.test</td>" in page.split('<table id="admins"', 1)[1]
    unknown = document(admins_with_devices=None)
    assert ("protected accounts with phones", "unknown", False) in _report_content.count_rows(
        unknown)


def test_a_report_of_a_dn_list_names_no_search_base_command():
    doc = document()
    doc["provenance"]["options"] = dict(dn=["CN=a,DC=x", "CN=b,DC=x"])
    doc["scope"] = "CN=a,DC=x, CN=b,DC=x"
    assert _report.fix_command(doc) is None
