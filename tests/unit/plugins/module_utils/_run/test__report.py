"""The report writer: cells safe for spreadsheets, Markdown and HTML; files appear together."""

import csv
import json
import os
import re

import pytest
from markdown_it import MarkdownIt

from ansible_collections.adremedy.directory.plugins.module_utils._run import (
    _benchmarks, _report, _report_content, _report_html, _report_markdown)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report import (
    ReportWriter, csv_cell, md_cell)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_html import script_json

EVIL_MODEL = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("ok", "ok"), ("", ""),
    (None, ""), (True, "True"), (3, "3"), (["=a", "b"], "'=a;b"), ([], ""),
])
def test_csv_cells_never_start_a_formula(value, expected):
    assert csv_cell(value) == expected


def test_markdown_cells_carry_no_html_and_stay_one_cell():
    assert md_cell(EVIL_MODEL) == "\\<img src=x onerror=alert(1)>"
    assert md_cell("a|b\nc\rd") == "a\\|b c d"
    assert md_cell("Tier0 Admins -> Domain Admins") == "Tier0 Admins -> Domain Admins"
    assert md_cell(["x", "<b>"]) == "x, \\<b>"


def test_embedded_json_cannot_close_the_script_element():
    text = script_json(["</script><script>alert(1)</script>", "&amp;"])
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == ["</script><script>alert(1)</script>", "&amp;"]


def row(i, **extra):
    base = dict(dn="CN=User %d,OU=Sales,DC=x" % i, sam_account_name="u%d" % i,
                user_principal_name="u%d@x" % i, eas_enabled=True, inheritance="enabled",
                protection=None, exchange_can_create=True, container=False, devices=0,
                list_conflicts=[], case_duplicates=[], would_fail=False, reason=None)
    base.update(extra)
    return base


def document(users):
    summary = dict((k, 0) for k in (
        "users", "eas_enabled", "eas_disabled", "inheritance_disabled", "exchange_can_create",
        "exchange_cannot_create", "would_fail", "protected", "orphaned", "with_container",
        "devices", "list_conflicts", "case_duplicates", "unreadable", "inheritance_would_change",
        "inheritance_skipped", "protected_accounts", "orphaned_accounts", "unmarked_accounts"))
    summary.update(users=users, would_fail=1, would_fail_act_now=1, would_fail_protected=0)
    finding_counts, findings = _report_content.count_findings(summary)
    return dict(generated="2026-01-01T00:00:00Z", scope="OU=<b>,DC=x", findings=findings,
                finding_counts=finding_counts, summary=summary, exchange_servers={},
                would_fail=[dict(dn="CN=User 1,OU=Sales,DC=x", sam_account_name=EVIL_MODEL,
                                 inheritance="disabled", protection=None, reason="r")],
                inheritance_plan=dict(counts={}, objects=[]), protected_accounts=[],
                list_findings=[], unreadable=[])


def test_four_files_appear_together_and_hold_every_row(tmp_path):
    _report.mark_incomplete(str(tmp_path / "r"), "2026-01-01T00:00:00Z")
    writer = ReportWriter(str(tmp_path / "r"), "T <x>")
    for i in range(3):
        writer.add_user(row(i, sam_account_name="=cmd" if i == 1 else "u%d" % i), "unchanged")
    assert "INCOMPLETE.json" in os.listdir(str(tmp_path / "r")) and not any(
        name in _report.FILES.values() for name in os.listdir(str(tmp_path / "r")))
    files = writer.finish(document(3))
    written = sorted(os.listdir(str(tmp_path / "r")))
    assert written == ["history", "report.html", "report.json", "report.md", "users.csv"]
    # the run's report.json, without its per-user rows, is kept in the history (issue 25 item 4)
    assert os.listdir(str(tmp_path / "r" / "history")) == ["20260101T000000Z.json"]
    data = json.loads(open(files["json"]).read())
    assert [u["sam_account_name"] for u in data["users"]] == ["u0", "=cmd", "u2"]
    assert "inheritance_fix" not in data["users"][0] and data["findings"] == 1
    rows = list(csv.DictReader(open(files["csv"])))
    assert rows[1]["sam_account_name"] == "'=cmd" and rows[0]["inheritance_fix"] == "unchanged"
    assert open(files["csv"]).readline().startswith("dn,sam_account_name,")
    page = open(files["html"]).read()
    assert EVIL_MODEL not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<title>T &lt;x&gt;</title>" in page
    markdown = open(files["markdown"]).read()
    assert EVIL_MODEL not in markdown.replace("\\" + EVIL_MODEL, "")
    assert "<img" not in MarkdownIt("commonmark").enable("table").render(markdown)


def test_a_failed_run_leaves_no_report(tmp_path):
    writer = ReportWriter(str(tmp_path), "T")
    writer.add_user(row(1), "unchanged")
    writer.abort()
    assert os.listdir(str(tmp_path)) == []


def test_a_long_findings_table_is_embedded_data_a_short_one_is_rows():
    # 5,000 planned changes at 100,000 users as table rows took Chromium ~10 s: beyond a page
    # the rows go into the page as data (escaped for a script element) and are drawn a page at
    # a time; up to a page they are rows, as before.
    many = [("CN=U%d,DC=x" % i, "changed", EVIL_MODEL)
            for i in range(_report_html.IN_PAGE_ROWS + 1)]
    page = _report_html.html_table("plan", "Plan", ("DN", "status", "action"), many)
    assert 'class="paged"' in page and "<td>" not in page and EVIL_MODEL not in page
    assert 'id="plan-pager"' in page and 'id="plan-count">%d<' % len(many) in page
    data = page.split('id="plan-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["rows"][0] == ["CN=U0,DC=x", "changed", EVIL_MODEL]
    few = _report_html.html_table("plan", "Plan", ("DN", "status", "action"), many[:3])
    assert 'class="sortable"' in few and few.count("<tr>") == 4 and "plan-data" not in few
    assert "&lt;img src=x onerror=alert(1)&gt;" in few


def plant(directory, names, victim):
    """Symlinks at the temporary names a report writer used to take (<name>.tmp-<pid>): a
    writer that follows them overwrites the victim."""
    for name in names:
        os.symlink(str(victim), os.path.join(str(directory), "%s.tmp-%d" % (name, os.getpid())))


def test_report_temporary_files_never_follow_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    out = tmp_path / "r"
    out.mkdir()
    plant(out, list(_report.FILES.values()) + ["users.json", "users.html", _report.INCOMPLETE],
          victim)
    _report.mark_incomplete(str(out), "2026-01-01T00:00:00Z")
    writer = ReportWriter(str(out), "T")
    writer.add_user(row(1), "unchanged")
    files = writer.finish(document(1))
    assert victim.read_text() == "keep"
    for path in files.values():
        assert not os.path.islink(path) and oct(os.stat(path).st_mode & 0o777) == "0o644"


def test_open_new_refuses_an_existing_name_or_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(str(victim), str(tmp_path / "link"))
    for name in ("link", "victim"):
        with pytest.raises(FileExistsError):
            _report.open_new(str(tmp_path / name))
    assert victim.read_text() == "keep"
    with _report.open_new(str(tmp_path / "new")) as fh:
        fh.write("x")
    assert (tmp_path / "new").read_text() == "x"


def test_write_atomic_replaces_the_file_not_a_symlinks_target(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(str(victim), str(tmp_path / "report.md"))
    _report.write_atomic(str(tmp_path / "report.md"), "new\n")
    assert victim.read_text() == "keep"
    assert not os.path.islink(str(tmp_path / "report.md"))
    assert (tmp_path / "report.md").read_text() == "new\n"
    assert sorted(os.listdir(str(tmp_path))) == ["report.md", "victim"]


def with_every_table(doc):
    """A document whose every findings table has a row."""
    doc["inheritance_plan"] = dict(counts=dict(changed=1), objects=[dict(
        dn="CN=User 2,OU=Sales,DC=x", sam_account_name="u2", status="changed", action="enable")])
    doc["risky_inherited"] = [dict(trustee="Helpdesk", sid="S-1-5-21-1-2-3-1105", right="WRITE_DAC",
                                   set_on="OU=Sales,DC=x", objects=1, enables="grant")]
    doc["protected_accounts"] = [dict(sam_account_name="adm", classification="protected",
                                      protected_by="Domain Admins", inheritance="disabled",
                                      reason="r", mail="adm@x", activesync_enabled=True,
                                      devices=1)]
    doc["list_findings"] = [dict(dn="CN=User 3,OU=Sales,DC=x", sam_account_name="u3",
                                 list_conflicts=["ABC"], case_duplicates=[])]
    from test__policy_section import with_policies
    return with_policies(doc)


def test_report_json_carries_each_kinds_references(tmp_path):
    writer = ReportWriter(str(tmp_path), "T")
    writer.add_user(row(1), "unchanged")
    files = writer.finish(with_every_table(document(1)))
    data = json.loads(open(files["json"]).read())
    assert list(data["references"]) == sorted(_benchmarks.REPORT_KINDS)
    for kind in _benchmarks.REPORT_KINDS:
        assert data["references"][kind] == _benchmarks.references_for(kind)
    # every kind of finding the report counts or shows a table of has its references
    shown = set(k for kinds in _report_content.TABLE_KINDS.values() for k in kinds)
    assert set(key for key, _label, _advice in _report_content.FINDINGS) <= shown
    assert shown == set(_benchmarks.REPORT_KINDS)


def test_each_finding_tables_advice_line_links_its_references(tmp_path):
    writer = ReportWriter(str(tmp_path), "T")
    writer.add_user(row(1), "unchanged")
    files = writer.finish(with_every_table(document(1)))
    page = open(files["html"]).read()
    for table_id, kinds in _report_content.TABLE_KINDS.items():
        advice = page.split('id="%s-count"' % table_id, 1)[1].split("<table", 1)[0]
        advice = advice.split('<p class="advice">', 1)[1].split("</p>", 1)[0]
        links = re.findall(r'<a href="([^"]+)" title="[^"]*" rel="noopener noreferrer">', advice)
        wanted = []
        for kind in kinds:
            wanted += [r["url"] for r in _benchmarks.references_for(kind) if r["url"] not in wanted]
        assert links == wanted, table_id
    assert 'href="https://github.com/vletoux/pingcastle/blob/' in page
    assert ">PingCastle A-AdminSDHolder</a>" in page and ">ATT&amp;CK T1098.002</a>" in page
    # the per-user table is no finding: no references there
    users = page.split('id="users-count"', 1)[1].split("<table", 1)[0]
    assert "References" not in users


def test_a_table_without_findings_shows_no_references():
    assert _report_html.html_references("users") == ""
    assert _report_markdown.md_references("users") == []
    empty = _report_html.html_table("lists", "Lists", ("user",), [], advice="do it")
    assert "References" not in empty and "None." in empty


def test_the_markdown_report_cites_references_as_escaped_text(tmp_path):
    writer = ReportWriter(str(tmp_path), "T")
    writer.add_user(row(1), "unchanged")
    files = writer.finish(with_every_table(document(1)))
    text = open(files["markdown"]).read()
    lines = [line for line in text.splitlines() if line.startswith("References: ")]
    assert len(lines) == len(_report_content.TABLE_KINDS)
    orphaned = _benchmarks.references_for("orphaned_accounts")[0]
    assert _report.md_cell("PingCastle A-AdminSDHolder (%s)" % orphaned["url"]) in text
    assert "https://" not in text and "https\\://github.com/vletoux/pingcastle/blob/" in text
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<a " not in rendered and "PingCastle A-AdminSDHolder (https://github.com" in rendered
