"""tests/docsite.py, which makes the docs site's RST from the Markdown guides (with pandoc) and
from the playbooks' header comments. It tests no plugin: it sits beside the plugin tests."""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import docsite  # noqa: E402  pylint: disable=wrong-import-position

pytestmark = pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")

PAGES = ["guide", "other", docsite.PLAYBOOKS]
LINKS = {"inheritance": "adremedy.directory.inheritance#module",
         "compliance_report": docsite.label(docsite.PLAYBOOKS, "compliance_report")}


def convert(tmp_path, markdown):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(markdown)
    return docsite.guide_rst(str(tmp_path), "guide", PAGES, LINKS)


def test_links_between_guides_become_refs_and_plugins_ansplugin(tmp_path):
    rst, wanted, anchors, problems = convert(tmp_path, (
        "# Guide\n\n## A section\n\nSee [other.md](other.md), [there](other.md#far-away), "
        "[here](#a-section), `adremedy.directory.inheritance`, "
        "`adremedy.directory.compliance_report` and [the web](https://example.com/x).\n"))
    assert problems == []
    assert rst.startswith(".. _ansible_collections.adremedy.directory.docsite.guide:\n")
    assert ".. _ansible_collections.adremedy.directory.docsite.guide.a-section:\n\nA section" in rst
    assert ":ref:`ansible_collections.adremedy.directory.docsite.other`" in rst
    assert ":ref:`there <ansible_collections.adremedy.directory.docsite.other.far-away>`" in rst
    assert ":ref:`here <ansible_collections.adremedy.directory.docsite.guide.a-section>`" in rst
    assert ":ansplugin:`adremedy.directory.inheritance#module`" in rst
    assert "docsite.playbooks.compliance_report>`" in rst
    assert "`the web <https://example.com/x>`__" in rst
    assert wanted == [("other", ""), ("other", "far-away"), ("guide", "a-section")]
    assert anchors == {"guide": True, "a-section": True}


def test_a_link_to_a_file_that_is_no_guide_is_a_problem(tmp_path):
    problems = convert(tmp_path, "# Guide\n\n[x](../README.md) [y](nosuch.md)\n")[3]
    assert problems == [
        "guide.md: link to ../README.md, which is not a guide of extra-docs.yml",
        "guide.md: link to nosuch.md, which is not a guide of extra-docs.yml"]


def test_playbooks_page_from_the_header_comments(tmp_path):
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "enforce.yml").write_text(
        "---\n# Keep inheritance on, with max_changes.\n#\n#   ansible-playbook x.enforce\n"
        "- hosts: all\n  roles: [adremedy.directory.inheritance]\n")
    rst = docsite.playbooks_rst(str(tmp_path), LINKS)
    assert ".. _ansible_collections.adremedy.directory.docsite.playbooks.enforce:" in rst
    assert "Keep inheritance on, with ``max_changes``." in rst
    assert ".. code-block:: console\n\n    ansible-playbook x.enforce\n" in rst
    assert "Wraps: :ansplugin:`adremedy.directory.inheritance#module`." in rst
    (tmp_path / "playbooks" / "bare.yml").write_text("- hosts: all\n")
    with pytest.raises(docsite.DocsError, match="bare.yml has no header comment"):
        docsite.playbooks_rst(str(tmp_path), LINKS)
