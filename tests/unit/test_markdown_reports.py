"""Every cell of every Markdown report goes through one escaper (issue 20 item 7): the compliance
report (_report), the forest summary and the three role templates. A phone sets its own
DeviceModel; a value like an image link or a carriage return must stay one inert cell."""

import datetime
import json
import os
import re

import jinja2
import pytest
from markdown_it import MarkdownIt

from ansible_collections.adremedy.directory.plugins.filter import markdown_escape as filter_module
from ansible_collections.adremedy.directory.plugins.module_utils._run import _report, _report_markdown
from ansible_collections.adremedy.directory.plugins.module_utils._run import (
    _forest_summary as forest_summary)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# What a phone (or anyone who can name a directory object) can put into a report
EVIL = "![x](https://host/b.png)\r| [y](javascript:alert(1)) <img src=x> `c` www.evil.test\n# h"


def cells(line):
    """The cells of a table row: split at the pipes that are not backslash-escaped."""
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def assert_inert(text, columns=None):
    assert "\r" not in text
    assert "![" not in text and "](" not in text.replace("\\](", "")
    assert "`c`" not in text and "https://" not in text
    assert "<img" not in text.replace("\\<img", "")  # '<' only as Markdown's escape
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<img" not in rendered and "<a " not in rendered and "<code>c" not in rendered
    assert "www.evil" not in text
    for line in text.split("\n"):
        if line.startswith("|"):
            assert columns is None or len(cells(line)) in columns, line
        assert not line.startswith("# h") and not line.startswith("#h")


def test_the_filter_is_the_module_utils_escaper():
    assert filter_module.FilterModule().filters()["markdown_escape"] is _report.markdown_escape
    assert forest_summary.cell is _report.md_cell or forest_summary.markdown_cell is _report.md_cell


@pytest.mark.parametrize("value, expected", [
    ("![x](https://host/b.png)", "\\!\\[x\\](https\\://host/b.png)"),
    ("[x](y)", "\\[x\\](y)"),
    ("a\rb", "a b"), ("a\r\n\x0b\x0c\x85b", "a b"), ("a\u2028b\x00c", "a b c"),
    ("|x|", "\\|x\\|"),
    ("<b>&", "\\<b>&"),
    ("&lt;b&gt;", "\\&lt;b\\&gt;"),
    ("(&(objectCategory=person)(objectClass=user))", "(&(objectCategory=person)(objectClass=user))"),
    ("> quote", "\\> quote"),
    ("    code", "code"),
    ("\t- item", "\\- item"),
    ("+ item", "\\+ item"),
    ("www.example.com", "www\\.example.com"),
    ("$x$", "\\$x\\$"),
    (["a", "<b>"], "a, \\<b>"),
])
def test_one_escaper(value, expected):
    assert _report.markdown_escape(value) == expected
    assert _report.md_cell(value) == expected


def test_the_compliance_report_markdown():
    summary = dict((key, 0) for key in (
        "users", "eas_enabled", "inheritance_disabled", "exchange_cannot_create", "would_fail",
        "inheritance_would_change", "inheritance_skipped", "protected_accounts",
        "unmarked_accounts", "orphaned_accounts", "list_conflicts", "case_duplicates", "devices",
        "unreadable"))
    doc = dict(summary=summary, scope="OU=" + EVIL, generated="2026-01-01T00:00:00Z", findings=1,
               would_fail=[dict(sam_account_name=EVIL, dn="CN=" + EVIL, protection=EVIL,
                                reason=EVIL)],
               inheritance_plan=dict(objects=[dict(dn=EVIL, status="changed", action=EVIL)]),
               list_findings=[dict(sam_account_name=EVIL, list_conflicts=[EVIL],
                                   case_duplicates=[EVIL])],
               protected_accounts=[dict(sam_account_name=EVIL, classification=EVIL,
                                        protected_by=EVIL, reason=EVIL)])
    text = _report_markdown.markdown(doc, EVIL)
    assert_inert(text, columns={2, 3, 4, 5, 6})


def test_the_forest_summary_markdown(tmp_path):
    base = str(tmp_path)
    os.makedirs(os.path.join(base, "corp"))
    with open(os.path.join(base, "corp", "report.json"), "w") as fh:
        json.dump(dict(scope=EVIL, generated=EVIL, findings=1, finding_counts={"f": 1},
                       summary={"users": 1}), fh)
    domains, totals = forest_summary.summarize(base, ["corp", "gone"], ["gone"])
    text = forest_summary.markdown(EVIL, domains, totals)
    assert_inert(text, columns={6})
    assert "| gone | **no report**: gone: its run failed this time |" in text


def render(role, template, **variables):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        os.path.join(ROOT, "roles", role, "templates")), trim_blocks=True,
        undefined=jinja2.StrictUndefined)
    env.filters["adremedy.directory.markdown_escape"] = filter_module.markdown_escape
    env.filters["combine"] = lambda a, b: dict(a, **b)
    env.globals["now"] = lambda utc=False: datetime.datetime(2026, 1, 1)
    return env.get_template(template).render(**variables)


def device(**extra):
    record = dict(dn="CN=" + EVIL, owner_dn=EVIL, owner_sam_account_name=EVIL, owner_mail=EVIL,
                  device_id=EVIL, device_type=EVIL, device_model=EVIL, access_state=EVIL,
                  first_seen=EVIL, state=EVIL)
    record.update(extra)
    return record


def test_the_quarantine_review_template():
    text = render("quarantine_review", "review.md.j2", quarantine_review_result=dict(
        applied=False, scope=EVIL, generated="2026-01-01T00:00:00Z", summary=dict(devices=1),
        devices=[device()], approved=[device()], blocked=[], edit_msg=EVIL,
        edit=[dict(dn=EVIL, status=EVIL, allowed_added=[EVIL], blocked_added=[], error=EVIL)]))
    assert_inert(text, columns={5, 9})
    assert "| approve |" in text


def test_the_default_access_change_template():
    stage = dict(finished=EVIL, devices=1, would_lose=[], let_go=[], protected=[device()],
                 before=[], **{"from": EVIL})
    text = render("default_access_change", "report.md.j2", ansible_check_mode=False,
                  default_access_change_name=EVIL, default_access_change_level=EVIL,
                  default_access_change_select=dict(search_base=EVIL),
                  default_access_change_state=dict(stages=dict(plan=stage, protect=stage,
                                                               switch=stage)),
                  default_access_change_verify=dict(default_access_level=EVIL, devices=1,
                                                    lost=[device()], let_go=[device()], drift=0))
    assert_inert(text, columns={3, 5})


def test_the_default_access_change_title_reads_as_english():
    """Issue 25 item 7: 'Default access level: Allow to Quarantine', not '... change quarantine'."""
    stage = dict(finished="2026-01-01", devices=1, would_lose=[], let_go=[], protected=[],
                 before=[], **{"from": "Allow"})
    text = render("default_access_change", "report.md.j2", ansible_check_mode=True,
                  default_access_change_name="quarantine", default_access_change_level="Quarantine",
                  default_access_change_select=dict(search_base="OU=Lab,DC=x"),
                  default_access_change_state=dict(stages=dict(plan=stage, protect=stage,
                                                               switch=stage)),
                  default_access_change_verify=dict(default_access_level="Quarantine", devices=1,
                                                    lost=[], let_go=[], drift=0))
    assert text.split("\n", 1)[0] == \
        "# Default access level: Allow to Quarantine (rehearsal, nothing written)"


def test_the_device_rollout_template():
    stage = dict(finished=EVIL, users=1, inheritance_fixed=0, excluded=[EVIL], rules=[EVIL],
                 harvested=[device()], without_device=[EVIL], before=[], lost_by_force=[],
                 scope=EVIL, lost_by_force_owners=[EVIL])
    text = render("device_rollout", "report.md.j2", device_rollout_name=EVIL,
                  device_rollout_models=[EVIL], device_rollout_rules=[EVIL],
                  device_rollout_select=dict(search_base=EVIL, filter=EVIL),
                  device_rollout_state=dict(stages=dict(preflight=stage, open=stage,
                                                        harvest=stage, close=stage)),
                  device_rollout_verify=dict(devices=1, moved=[EVIL], new_since_close=[],
                                             changes=[dict(dn=EVIL, before=EVIL, now=EVIL)]))
    assert_inert(text, columns={3})
