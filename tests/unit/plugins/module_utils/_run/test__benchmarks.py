"""The findings' public references (issue 25 item 5): one mapping, well-formed, covering every
kind the compliance report shows, and docs/benchmarks.md saying exactly what it says."""

import os
import re
from urllib.parse import urlsplit

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._run import _benchmarks
from ansible_collections.adremedy.directory.plugins.module_utils._run._benchmarks import (
    FRAMEWORKS, KINDS, REPORT_KINDS, label, references_for, report_references)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 5))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
KEYS = ("framework", "id", "title", "url", "source", "note")
# The shape of an id in each framework
SHAPES = {
    "PingCastle": re.compile(r"^[ASPT]-[A-Za-z0-9$-]+$"),  # category letter, dash, rule name
    "CIS": re.compile(r"^\d+(\.\d+)*$"),  # a recommendation or safeguard number
    # a technique, a sub-technique or a mitigation
    "MITRE ATT&CK": re.compile(r"^(T\d{4}(\.\d{3})?|M\d{4})$"),
    "Microsoft": re.compile(r"^(KB\d{6,7}|[a-z0-9-]+)$"),  # a KB number, else the page's slug
}
ALL = [(kind, ref) for kind, entry in KINDS.items() for ref in entry["references"]]


def test_the_report_kinds_have_entries():
    assert set(REPORT_KINDS) <= set(KINDS)
    assert len(set(REPORT_KINDS)) == len(REPORT_KINDS)
    assert list(report_references()) == list(REPORT_KINDS)
    for kind in REPORT_KINDS:
        assert references_for(kind), kind  # every kind the report shows cites something


@pytest.mark.parametrize("kind,ref", ALL, ids=["%s-%s" % (k, r["id"]) for k, r in ALL])
def test_each_reference_is_well_formed(kind, ref):
    assert set(ref) == set(KEYS), ref
    assert all(isinstance(ref[key], str) and ref[key].strip() for key in KEYS), ref
    assert ref["framework"] in FRAMEWORKS
    assert SHAPES[ref["framework"]].match(ref["id"]), ref["id"]
    url = urlsplit(ref["url"])
    assert url.scheme == "https" and url.netloc and " " not in ref["url"], ref["url"]
    assert ")" not in ref["url"]  # a Markdown link ends at the first ')'
    if ref["framework"] == "Microsoft" and not ref["id"].startswith("KB"):
        assert url.path.rstrip("/").rsplit("/", 1)[-1] == ref["id"]
    if ref["framework"] == "MITRE ATT&CK":
        path = ref["id"].replace(".", "/")
        assert url.netloc == "attack.mitre.org" and url.path.rstrip("/").endswith(path)
    if ref["framework"] == "PingCastle":
        assert _benchmarks.PINGCASTLE_COMMIT in ref["url"]


def test_references_come_in_framework_order_without_repeats():
    for kind, entry in KINDS.items():
        order = [FRAMEWORKS.index(r["framework"]) for r in entry["references"]]
        assert order == sorted(order), kind
        keys = [(r["framework"], r["id"]) for r in entry["references"]]
        assert len(keys) == len(set(keys)), kind
        assert entry["label"] and entry["meaning"] and entry["where"]


def test_an_id_names_one_thing_everywhere():
    seen = {}
    for _kind, ref in ALL:
        key = (ref["framework"], ref["id"])
        assert seen.setdefault(key, (ref["title"], ref["url"])) == (ref["title"], ref["url"]), key


def test_references_for_gives_copies_and_refuses_an_unknown_kind():
    first = references_for("orphaned_accounts")
    first[0]["id"] = "changed"
    assert references_for("orphaned_accounts")[0]["id"] == "A-AdminSDHolder"
    with pytest.raises(KeyError):
        references_for("no_such_kind")


def test_the_issues_examples_are_cited():
    """Issue 25 item 5 names these: the orphaned-adminCount and AdminSDHolder rules, T1098.002
    for allow-list additions."""
    ids = dict((kind, set(r["id"] for r in references_for(kind))) for kind in KINDS)
    assert "A-AdminSDHolder" in ids["orphaned_accounts"]
    assert "P-ExchangeAdminSDHolder" in ids["adminsdholder_findings"]
    assert "T1098.002" in ids["list_findings"]


def test_labels():
    refs = dict((r["id"], r) for _k, r in ALL)
    assert label(refs["A-AdminSDHolder"]) == "PingCastle A-AdminSDHolder"
    assert label(refs["T1098.002"]) == "ATT&CK T1098.002"
    assert label(refs["5.4"]) == "CIS Controls 5.4"
    assert label(refs["KB817433"]).startswith("Microsoft: Delegated permissions")


# -- docs/benchmarks.md says what the mapping says ----------------------------------------------

LINK = re.compile(r"\[([^\]]+)\]\((https://[^)\s]+)\)")
COLUMNS = ("PingCastle", "CIS", "MITRE ATT&CK", "Microsoft")


def section(text, heading):
    return text.split("\n## %s\n" % heading, 1)[1].split("\n## ", 1)[0]


def doc():
    with open(DOC, encoding="utf-8") as fh:
        return fh.read()


def test_the_docs_table_is_the_mapping():
    rows = [line for line in section(doc(), "The mapping").splitlines()
            if line.startswith("| `")]
    table = {}
    for line in rows:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 7, line
        kind = cells[0].strip("`")
        table[kind] = cells
    assert list(table) == list(KINDS)
    for kind, entry in KINDS.items():
        cells = table[kind]
        assert cells[1] == entry["meaning"] and cells[2] == entry["where"], kind
        for column, cell in zip(COLUMNS, cells[3:]):
            wanted = [(r["title"] if column == "Microsoft" else r["id"], r["url"])
                      for r in entry["references"] if r["framework"] == column]
            assert LINK.findall(cell) == wanted, (kind, column)
            assert wanted or cell == "-", (kind, column)


def test_the_docs_say_why_each_applies_and_name_every_source():
    text = doc()
    why = section(text, "Why each reference applies")
    for kind, entry in KINDS.items():
        part = why.split("### `%s`\n" % kind, 1)[1].split("\n### ", 1)[0]
        lines = [line for line in part.splitlines() if line.startswith("- ")]
        assert [LINK.match(line[2:]).groups() for line in lines] == [
            (label(r), r["url"]) for r in entry["references"]], kind
        for line, ref in zip(lines, entry["references"]):
            assert line.endswith(": %s." % ref["note"]), line
    sources = set(line[2:] for line in section(text, "Sources").splitlines()
                  if line.startswith("- "))
    assert sources == set(ref["source"] for _k, ref in ALL)


def test_policies_below_the_baseline_cite_the_items_the_policies_are_judged_by():
    """Issue 25 item 6: the CIS Exchange 2019 L1 mobile items 3.1-3.11, as many and as titled as
    the baseline eas_policy_info and the report judge each policy by, and the cmdlet that
    changes a policy."""
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
        CIS_EXCHANGE_2019_L1)
    refs = references_for("policy_below_baseline")
    cis = [(r["id"], r["title"]) for r in refs if r["framework"] == "CIS"]
    assert cis == [(item.id, item.title) for item in CIS_EXCHANGE_2019_L1]
    assert [r["id"] for r in refs if r["framework"] == "Microsoft"] == [
        "set-mobiledevicemailboxpolicy"]
    assert "policy_below_baseline" in REPORT_KINDS
    assert label(refs[0]) == "CIS Exchange 2019 3.1"
    assert label(references_for("admins_with_devices")[1]) == "CIS Controls 5.4"
