"""The compliance report's trends (issue 25 item 4): the history is bounded, the comparison with
the previous run is right, the charts are well-formed SVG whatever a DN holds, and a first run
says there is nothing to compare with."""

import json
import os
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from ansible_collections.adremedy.directory.plugins.module_utils._run import (
    _report, _report_content, _report_html, _report_markdown, _trends)
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import (
    History, compare, findings_of, read_history, record, trend)

SVG = "{http://www.w3.org/2000/svg}"
DESIGN = _report_content.PROTECTED_BY_DESIGN
# A DN value may hold markup, quotes, an entity, non-ASCII and characters XML does not allow
HOSTILE_OU = 'OU=<script>alert("x")</script> & \'Ünïcødé\' &amp; \x01 ]]>'
HOSTILE = "CN=Evil,%s,DC=x" % HOSTILE_OU
# and a lone surrogate (a name Windows stores as unpaired UTF-16), in the charts
SURROGATE_OU = HOSTILE_OU + "\ud800"


def doc(started, would_fail=(), changed=(), lists=(), orphaned=(), scope="OU=Staff,DC=x",
        protected_would_fail=(), policies=None):
    """A report's document with these findings (DNs; a (dn, guid) pair carries an objectGUID);
    policies: DNs of mobile device mailbox policies below the baseline (None: not read)."""
    def row(value, **extra):
        dn, guid = value if isinstance(value, tuple) else (value, None)
        base = dict(dn=dn, sam_account_name=dn.split(",")[0][3:], inheritance="disabled",
                    reason="r", protected_by=None, disabled=False)
        if guid:
            base["object_guid"] = guid
        base.update(extra)
        return base
    summary = dict(users=100, would_fail=len(would_fail) + len(protected_would_fail),
                   would_fail_act_now=len(would_fail),
                   would_fail_protected=len(protected_would_fail),
                   inheritance_would_change=len(changed), list_findings=len(lists),
                   orphaned_accounts=len(orphaned), protected_accounts=3, unmarked_accounts=1)
    section = None
    if policies is not None:
        summary["policy_below_baseline"] = len(policies)
        section = dict(policies=[dict(dn=dn, name=dn.split(",")[0][3:], users=dict(total=3),
                                      baseline=dict(failed=["3.10"])) for dn in policies] + [
            dict(dn="CN=Default,CN=Mobile Mailbox Policies,DC=x", name="Default",
                 users=dict(total=5), baseline=dict(failed=[]))])
    finding_counts, findings = _report_content.count_findings(summary)
    found = dict(
        generated=started, scope=scope, provenance=dict(started=started), summary=summary,
        finding_counts=finding_counts, findings=findings,
        would_fail=[row(v, protection=None) for v in would_fail]
        + [row(v, protection="protected") for v in protected_would_fail],
        inheritance_plan=dict(counts=dict(changed=len(changed)), objects=[
            row(v, status="changed") for v in changed] + [
            row("CN=Skipped,OU=Admins,DC=x", status="skipped")]),
        list_findings=[row(v, list_conflicts=["A"], case_duplicates=[]) for v in lists],
        protected_accounts=[row(v, classification="orphaned") for v in orphaned]
        + [row("CN=Adm%d,OU=Admins,DC=x" % i, classification="protected") for i in range(3)],
        exchange_servers={}, unreadable=[])
    if section is not None:
        found["mobile_policies"] = section
    return found


def write(path, text):
    _report.write_atomic(path, text)


def stamp(i):
    return "2026-01-%02dT06:%02d:00Z" % (1 + i // 60, i % 60)


# -- which rows are findings -----------------------------------------------------------------------

def test_findings_are_the_rows_the_counts_count():
    d = doc(stamp(0), would_fail=["CN=A,OU=S,DC=x"], changed=["CN=A,OU=S,DC=x", "CN=B,OU=S,DC=x"],
            lists=["CN=C,OU=S,DC=x"], orphaned=["CN=O,OU=Admins,DC=x"],
            protected_would_fail=["CN=Adm0,OU=Admins,DC=x"],
            policies=["CN=Legacy,CN=Mobile Mailbox Policies,DC=x"])
    found = findings_of(d, DESIGN)
    counted = dict((key, sum(1 for i in found if i["kind"] == key)) for key in d["finding_counts"])
    # 5 before the mobile policies were a kind of finding; the policy below the baseline is 6th
    assert counted == d["finding_counts"] and len(found) == d["findings"] == 6
    # the report's kinds are the ones the trend knows
    assert set(i["kind"] for i in found) == set(key for key, _label in _report_content.KINDS)


# -- the comparison ------------------------------------------------------------------------------

def test_new_resolved_and_unchanged_by_kind_and_object():
    before = findings_of(doc(stamp(0), would_fail=["CN=A,OU=S,DC=x", "CN=B,OU=S,DC=x"],
                             changed=["CN=A,OU=S,DC=x"]), DESIGN)
    after = findings_of(doc(stamp(1), would_fail=["cn=a, ou=S,DC=X", "CN=C,OU=S,DC=x"],
                            changed=["CN=B,OU=S,DC=x"]), DESIGN)
    result = compare(after, before)
    pairs = dict((key, sorted((i["kind"], i["dn"].upper().replace(" ", "")) for i in items))
                 for key, items in result.items())
    # the same DN in other case and spacing is the same object; the same object under another
    # kind is a new finding and the old one resolved
    assert pairs == {
        "unchanged": [("would_fail_act_now", "CN=A,OU=S,DC=X")],
        "new": [("inheritance_would_change", "CN=B,OU=S,DC=X"),
                ("would_fail_act_now", "CN=C,OU=S,DC=X")],
        "resolved": [("inheritance_would_change", "CN=A,OU=S,DC=X"),
                     ("would_fail_act_now", "CN=B,OU=S,DC=X")]}


def test_a_dn_in_another_escape_spelling_is_the_same_object_and_ou():
    """DNs are compared as _ldap/_dn compares them: '\\,' and '\\2C' are one comma, and an OU
    spelt both ways is one OU of the per-OU chart."""
    before = findings_of(doc(stamp(0), changed=["CN=Doe\\, Jane,OU=A\\,B,DC=x"]), DESIGN)
    after = findings_of(doc(stamp(1), changed=["CN=Doe\\2C Jane,OU=A\\2CB,DC=x",
                                               "CN=Roe,OU=A\\,B,DC=x"]), DESIGN)
    result = compare(after, before)
    assert [i["dn"] for i in result["unchanged"]] == ["CN=Doe\\2C Jane,OU=A\\2CB,DC=x"]
    assert [i["dn"] for i in result["new"]] == ["CN=Roe,OU=A\\,B,DC=x"]
    assert result["resolved"] == []
    chart = _trends.chart_per_ou(after, _report_content.KINDS)
    assert [(row[0], row[-1]) for row in chart.rows] == [("OU=A\\2CB,DC=x", 2)]
    assert _trends.short_ou("OU=A\\,B,OU=C,DC=x,DC=y") == "OU=A\\,B,OU=C"


def test_objects_are_matched_by_guid_when_both_runs_have_it():
    g1, g2 = "0f0e0d0c-0000-0000-0000-000000000001", "0f0e0d0c-0000-0000-0000-000000000002"
    before = findings_of(doc(stamp(0), changed=[("CN=Old,OU=S,DC=x", g1),
                                                ("CN=Gone,OU=S,DC=x", g2)]), DESIGN)
    # renamed and moved: the same GUID, the same object; another object now at Gone's DN
    after = findings_of(doc(stamp(1), changed=[("CN=New,OU=T,DC=x", g1.upper()),
                                               ("CN=Gone,OU=S,DC=x", "another")]), DESIGN)
    result = compare(after, before)
    assert [i["dn"] for i in result["unchanged"]] == ["CN=New,OU=T,DC=x"]
    assert [i["dn"] for i in result["new"]] == ["CN=Gone,OU=S,DC=x"]
    assert [i["guid"] for i in result["resolved"]] == [g2]
    # a previous run without GUIDs (an older report) is matched by DN
    older = findings_of(doc(stamp(0), changed=["CN=Old,OU=S,DC=x"]), DESIGN)
    now = findings_of(doc(stamp(1), changed=[("CN=Old,OU=S,DC=x", g1)]), DESIGN)
    assert [i["dn"] for i in compare(now, older)["unchanged"]] == ["CN=Old,OU=S,DC=x"]


def test_first_run_with_no_history_says_so(tmp_path):
    d = doc(stamp(0), would_fail=["CN=A,OU=S,DC=x"])
    t = trend(d, read_history(str(tmp_path), DESIGN), DESIGN)
    assert t["first_run"] and t["previous"] is None and t["counts"] is None
    assert t["note"].startswith("First run: there is no earlier report in history/")
    assert [r["findings"] for r in t["runs"]] == [1]
    d["trend"] = t
    page = _report_html.html_head(d, "T")
    assert 'id="since-last-run"' in page and "First run: there is no earlier report" in page
    assert '<table id="since"' not in page
    markdown = _report_markdown.markdown(d, "T")
    assert "## Since last run\n\nFirst run: there is no earlier report in history/" in markdown


def test_the_trend_lists_are_bounded_and_the_counts_whole():
    many = ["CN=U%d,OU=S,DC=x" % i for i in range(30)]
    history = History(previous=_trends.point_of(doc(stamp(0))), points=[
        _trends.point_of(doc(stamp(0)))], previous_findings=[])
    t = trend(doc(stamp(1), changed=many), history, DESIGN, limit=10)
    assert t["counts"] == {"new": 30, "resolved": 0, "unchanged": 0} and len(t["new"]) == 10
    assert t["by_kind"]["inheritance_would_change"]["new"] == 30
    d = doc(stamp(1), changed=many)
    d["trend"] = t
    markdown = _report_markdown.markdown(d, "T")
    assert "The first 10 of each are listed" in markdown


def test_another_scope_is_said():
    before = doc(stamp(0), scope="OU=Sales,DC=x")
    history = History(points=[_trends.point_of(before)], previous=_trends.point_of(before))
    t = trend(doc(stamp(1)), history, DESIGN)
    assert t["same_scope"] is False and "another scope (OU=Sales,DC=x)" in t["note"]


# -- the history ---------------------------------------------------------------------------------

def test_the_history_keeps_the_last_runs_and_nothing_else_is_touched(tmp_path):
    directory = str(tmp_path)
    os.makedirs(os.path.join(directory, "history"))
    (tmp_path / "history" / "notes.txt").write_text("mine")
    victim = tmp_path / "victim.json"
    victim.write_text("keep")
    os.symlink(str(victim), str(tmp_path / "history" / "20000101T000000Z.json"))
    for i in range(8):
        record(directory, doc(stamp(i), changed=["CN=U%d,OU=S,DC=x" % i]), write, keep=5)
    names = _trends.history_files(directory)
    assert names == ["20260101T06%02d00Z.json" % i for i in range(3, 8)]
    assert sorted(os.listdir(str(tmp_path / "history"))) == sorted(
        names + ["notes.txt", "20000101T000000Z.json"])
    assert victim.read_text() == "keep"
    history = read_history(directory, DESIGN)
    assert [p["started"] for p in history.points] == [stamp(i) for i in range(3, 8)]
    assert [i["dn"] for i in history.previous_findings] == ["CN=U7,OU=S,DC=x"]
    # the per-user rows and the trend are not kept
    kept = json.loads((tmp_path / "history" / names[-1]).read_text())
    assert "trend" not in kept and "users" not in kept and kept["findings"] == 1


def test_runs_started_in_the_same_second_are_kept_in_order(tmp_path):
    for i in range(3):
        record(str(tmp_path), doc(stamp(0), changed=["CN=U%d,OU=S,DC=x" % i]), write)
    assert _trends.history_files(str(tmp_path)) == [
        "20260101T060000Z.json", "20260101T060000Z-1.json", "20260101T060000Z-2.json"]
    previous = read_history(str(tmp_path), DESIGN).previous_findings
    assert [i["dn"] for i in previous] == ["CN=U2,OU=S,DC=x"]


def test_an_unreadable_history_file_is_named_and_left_out(tmp_path):
    record(str(tmp_path), doc(stamp(0), changed=["CN=A,OU=S,DC=x"]), write)
    (tmp_path / "history" / "20260101T070000Z.json").write_text("{not json")
    (tmp_path / "history" / "20260101T080000Z.json").write_text('{"other": 1}')
    history = read_history(str(tmp_path), DESIGN)
    assert history.unreadable == ["20260101T070000Z.json", "20260101T080000Z.json"]
    assert history.previous["started"] == stamp(0)
    assert trend(doc(stamp(9)), history, DESIGN)["unreadable"] == history.unreadable


def test_a_symlink_as_the_history_directory_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "r").mkdir()
    os.symlink(str(elsewhere), str(tmp_path / "r" / "history"))
    with pytest.raises(FileExistsError):
        record(str(tmp_path / "r"), doc(stamp(0)), write)
    assert os.listdir(str(elsewhere)) == []
    assert read_history(str(tmp_path / "r"), DESIGN).points == []


# -- the charts ----------------------------------------------------------------------------------

def texts(element):
    return ["".join(e.itertext()) for e in element.iter() if e.tag in (SVG + "text", SVG + "title")]


def test_charts_are_well_formed_svg_and_hostile_dn_text_is_escaped():
    runs = [_trends.point_of(doc(stamp(i), changed=["CN=U%d,OU=S,DC=x" % j for j in range(i)]))
            for i in range(60)]
    d = doc(stamp(60), would_fail=[HOSTILE], changed=["CN=E,%s,DC=x" % SURROGATE_OU,
                                                      "CN=B,OU=S,DC=x"],
            orphaned=["CN=O,OU=Admins,DC=x"])
    found = _trends.charts(d, runs, _report_content.KINDS, DESIGN)
    assert [c.chart_id for c in found] == ["chart-time", "chart-ou", "chart-accounts"]
    for chart in found:
        root = ET.fromstring(chart.svg)  # well-formed XML, whatever the DNs held
        assert root.tag == SVG + "svg" and root.get("role") == "img"
        assert root.find(SVG + "title").text == chart.title
        assert root.find(SVG + "desc").text == chart.desc
        assert root.get("aria-labelledby") == "%s-title %s-desc" % (chart.chart_id, chart.chart_id)
        assert "<script" not in chart.svg and "\x01" not in chart.svg
        assert len(chart.rows) and all(len(r) == len(chart.headers) for r in chart.rows)
    over_time, per_ou, accounts = found
    assert len(over_time.rows) == 60 and over_time.rows[-1][-1] == 59
    # the OU's name as the directory has it, as text (what XML cannot hold becomes U+FFFD)
    assert sorted(r[0] for r in per_ou.rows) == sorted([
        "OU=Admins,DC=x", "%s,DC=x" % HOSTILE_OU, "%s,DC=x" % SURROGATE_OU, "OU=S,DC=x"])
    shown = " ".join(texts(ET.fromstring(per_ou.svg)))
    assert '<script>alert("x")</script> & \'Ünïcødé\' &amp; \ufffd ]]>,DC=x: 1 findings' in shown
    assert '<script>alert("x")</script> & \'Ünïcødé\' &amp; \ufffd ]]>\ufffd,DC=x' in shown
    assert [r[:2] for r in accounts.rows] == [["protected", 3], ["unmarked", 1], ["orphaned", 1]]


def test_per_ou_chart_shows_the_top_ous_and_the_others_together():
    d = doc(stamp(0), changed=["CN=U%d,OU=O%02d,DC=x" % (j, i) for i in range(14)
                               for j in range(i + 1)])
    chart = _trends.chart_per_ou(findings_of(d, DESIGN), _report_content.KINDS)
    assert [r[0] for r in chart.rows][:2] == ["OU=O13,DC=x", "OU=O12,DC=x"]
    assert chart.rows[-1][0] == "4 other OUs" and chart.rows[-1][-1] == 1 + 2 + 3 + 4
    assert len(chart.rows) == _trends.TOP_OUS + 1


# -- in the report's files -----------------------------------------------------------------------

def report_run(directory, d, users=3):
    writer = _report.ReportWriter(directory, "T")
    for i in range(users):
        writer.add_user(dict(dn="CN=User %d,OU=S,DC=x" % i, sam_account_name="u%d" % i,
                             user_principal_name="u%d@x" % i, eas_enabled=True,
                             inheritance="enabled", protection=None, exchange_can_create=True,
                             container=False, devices=0, list_conflicts=[], case_duplicates=[],
                             would_fail=False, reason=None), "unchanged")
    return writer.finish(d)


def test_two_runs_a_change_apart_in_the_four_files(tmp_path):
    out = str(tmp_path / "r")
    report_run(out, doc(stamp(0), changed=["CN=A,OU=S,DC=x"]))
    files = report_run(out, doc(stamp(1), changed=["CN=A,OU=S,DC=x", HOSTILE]))
    data = json.loads(open(files["json"]).read())
    t = data["trend"]
    assert t["counts"] == {"new": 1, "resolved": 0, "unchanged": 1}
    assert [i["dn"] for i in t["new"]] == [HOSTILE]
    assert t["previous"]["started"] == stamp(0) and t["history"]["runs"] == 1
    assert [r["findings"] for r in t["runs"]] == [1, 2]
    assert len(data["users"]) == 3
    page = open(files["html"]).read()
    body = page.split("<body>", 1)[1]
    # since last run under the verdict, before the counts; the charts after the counts
    assert body.index('id="since-last-run"') < body.index('class="cards"') < body.index(
        'id="trends"') < body.index('id="would-fail-count"')
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert "<script>alert" not in page and "since-note" in page
    assert "1 new, 0 resolved, 1 unchanged" in page
    markdown = open(files["markdown"]).read()
    assert "## Since last run" in markdown and "## Trends" in markdown
    assert "### Findings by kind over time" in markdown
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<script>" not in rendered
    # a third run that fixed it: resolved
    files = report_run(out, doc(stamp(2), changed=["CN=A,OU=S,DC=x"]))
    t = json.loads(open(files["json"]).read())["trend"]
    assert t["counts"] == {"new": 0, "resolved": 1, "unchanged": 1}
    assert len(_trends.history_files(out)) == 3


def test_a_failed_run_adds_nothing_to_the_history(tmp_path):
    out = str(tmp_path / "r")
    report_run(out, doc(stamp(0)))
    writer = _report.ReportWriter(out, "T")
    writer.abort()
    assert _trends.history_files(out) == ["20260101T060000Z.json"]


def test_no_history_when_keep_is_zero(tmp_path):
    out = str(tmp_path / "r")
    writer = _report.ReportWriter(out, "T", keep=0)
    files = writer.finish(doc(stamp(0)))
    assert "trend" not in json.loads(open(files["json"]).read())
    assert "history" not in os.listdir(out) and "<svg" not in open(files["html"]).read()


def test_only_the_latest_history_file_is_read_whole_and_deleted_runs_leave_the_chart(tmp_path):
    # each history file carries the points of the runs before it (trend.runs), so a run reads
    # one file, not 52 of up to megabytes each (100,000 users: about 70 MB of history)
    out = str(tmp_path / "r")
    for i in range(4):
        report_run(out, doc(stamp(i), changed=["CN=U%d,OU=S,DC=x" % j for j in range(i + 1)]))
    names = _trends.history_files(out)
    kept = json.loads((tmp_path / "r" / "history" / names[-1]).read_text())
    assert list(kept["trend"]) == ["runs"] and [r["findings"] for r in kept["trend"]["runs"]] == [
        1, 2, 3, 4]
    (tmp_path / "r" / "history" / names[1]).write_text("{not read")
    history = read_history(out, DESIGN)
    assert history.unreadable == [] and [p["findings"] for p in history.points] == [1, 2, 3, 4]
    # a run whose file was deleted (a reset, or by hand) is not drawn any more
    os.unlink(str(tmp_path / "r" / "history" / names[0]))
    assert [p["findings"] for p in read_history(out, DESIGN).points] == [2, 3, 4]
    for name in names[:-1]:
        if os.path.exists(str(tmp_path / "r" / "history" / name)):
            os.unlink(str(tmp_path / "r" / "history" / name))
    assert [p["findings"] for p in read_history(out, DESIGN).points] == [4]
    # a history file without the points (an older one, or put there) is read a file at a time
    record(out, doc(stamp(9)), write)
    history = read_history(out, DESIGN)
    assert [p["findings"] for p in history.points] == [4, 0]


def test_a_broken_latest_file_falls_back_to_the_one_before(tmp_path):
    out = str(tmp_path / "r")
    report_run(out, doc(stamp(0), changed=["CN=A,OU=S,DC=x"]))
    (tmp_path / "r" / "history" / "20260101T070000Z.json").write_text("[]")
    history = read_history(out, DESIGN)
    assert history.unreadable == ["20260101T070000Z.json"]
    assert history.previous["started"] == stamp(0) and len(history.points) == 1


def test_the_time_axis_says_the_time_when_runs_share_a_day():
    def labels(starts):
        runs = [_trends.point_of(doc(s)) for s in starts]
        root = ET.fromstring(_trends.chart_over_time(runs, _report_content.KINDS).svg)
        return [t.text for t in root.iter(SVG + "text") if t.get("text-anchor") == "middle"]
    assert labels(["2026-01-05T06:00:00Z", "2026-01-12T06:00:00Z"]) == ["2026-01-05", "2026-01-12"]
    assert labels(["2026-01-05T06:00:00Z", "2026-01-05T07:30:00Z"]) == ["01-05 06:00", "01-05 07:30"]
