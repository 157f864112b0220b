"""forest_summary's combining of per-domain reports."""

import json
import os

from ansible_collections.adremedy.directory.plugins.module_utils._run._forest_summary import (
    markdown, summarize, write)


def report(base, name, **doc):
    os.makedirs(os.path.join(base, name))
    with open(os.path.join(base, name, "report.json"), "w") as fh:
        json.dump(doc, fh)


def test_counts_add_up_key_by_key_whatever_each_report_holds(tmp_path):
    base = str(tmp_path)
    report(base, "corp", scope="DC=corp", findings=3, finding_counts={"would_fail": 2, "new": 1},
           summary={"users": 10, "devices": 4, "label": "x", "flag": True})
    report(base, "emea", scope="DC=emea", findings=1, finding_counts={"would_fail": 1},
           summary={"users": 5})
    domains, totals = summarize(base, ["corp", "emea"], [])
    assert [d["status"] for d in domains] == ["ok", "ok"]
    assert totals["findings"] == 4 and totals["missing"] == 0
    assert totals["finding_counts"] == {"would_fail": 3, "new": 1}
    assert totals["summary"] == {"users": 15, "devices": 4}  # strings and booleans are no counts


def test_missing_unreadable_and_failed_domains_are_named_and_not_counted(tmp_path):
    base = str(tmp_path)
    report(base, "old", findings=99)  # an earlier run's report of a domain that failed now
    os.makedirs(os.path.join(base, "bad"))
    (tmp_path / "bad" / "report.json").write_text("{not json")
    report(base, "ok", findings=2, finding_counts={}, summary={"users": 1})
    report(base, "cut", findings=5)
    (tmp_path / "cut" / "INCOMPLETE.json").write_text("{}")  # a run that stopped part-way
    domains, totals = summarize(base, ["old", "bad", "none", "ok", "cut"], ["old"])
    status = dict((d["name"], d["status"]) for d in domains)
    assert status == {"old": "missing", "bad": "missing", "none": "missing", "ok": "ok",
                      "cut": "missing"}
    assert totals["findings"] == 2 and totals["missing"] == 4
    assert "INCOMPLETE.json" in domains[4]["reason"]
    assert "its run failed this time" in domains[0]["reason"]
    assert "No such file" in domains[2]["reason"]


def test_markdown_cells_are_escaped(tmp_path):
    base = str(tmp_path)
    report(base, "a|b", scope="OU=<script>,DC=x", findings=0, finding_counts={"f": 0},
           summary={"users": 1})
    domains, totals = summarize(base, ["a|b"], [])
    text = markdown("T & <b>", domains, totals)
    assert "# T & \\<b>" in text  # the one escaper: '<' backslash-escaped, no raw HTML
    assert "| a\\|b | OU=\\<script>,DC=x |" in text
    assert "<script>" not in text.replace("\\<script>", "")


def test_the_summary_files_never_follow_a_planted_temporary_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    for name in ("forest-summary.md", "forest-summary.json"):
        os.symlink(str(victim), str(tmp_path / (name + ".tmp")))
    write(str(tmp_path / "forest-summary.md"), "# x\n")
    assert victim.read_text() == "keep"
    assert (tmp_path / "forest-summary.md").read_text() == "# x\n"
