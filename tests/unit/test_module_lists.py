"""The lists a new module goes into (docs/architecture.md, "Where a new module goes") name
every module, so a newcomer is told what is missing instead of finding it by grepping:
meta/runtime.yml's action group `ad` (every module that connects to a directory), README's
table of modules, and docs/least-privilege.md's row of modules that only read (every `*_info`
module by that name; any other read-only module by its own)."""

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODULES = os.path.join(ROOT, "plugins", "modules")


def modules():
    """{name: source} of every module."""
    found = {}
    for name in sorted(os.listdir(MODULES)):
        if name.endswith(".py") and not name.startswith("_"):
            with open(os.path.join(MODULES, name), encoding="utf-8") as f:
                found[name[:-3]] = f.read()
    return found


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def test_every_module_that_connects_is_in_the_action_group():
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as f:
        group = yaml.safe_load(f)["action_groups"]["ad"]
    connecting = [name for name, source in modules().items() if "AdremedyModule(" in source]
    assert connecting and sorted(set(connecting) - set(group)) == []
    assert sorted(set(group) - set(modules())) == []  # and nothing else is


def test_every_module_has_its_row_in_the_readme():
    rows = [line for line in read("README.md").splitlines() if line.startswith("| ")]
    named = set(re.findall(r"`([a-z_]+)`", "\n".join(rows)))
    assert sorted(set(modules()) - named) == []


def test_the_least_privilege_doc_covers_every_module_that_only_reads():
    table = [line for line in read("docs", "least-privilege.md").splitlines()
             if line.startswith("| ") and "| nothing |" in line]
    assert table, "the row of the modules that write nothing"
    reading = table[0]
    assert "`*_info`" in reading
    read_only = [name for name, source in modules().items()
                 if "adremedy.directory.selection.INFO_MODULE" in source]
    assert read_only
    missing = [name for name in read_only
               if not name.endswith("_info") and "`%s`" % name not in reading]
    assert missing == []
