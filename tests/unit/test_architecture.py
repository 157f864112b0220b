"""docs/architecture.md's table of module_utils is the map a newcomer reads: every file of
plugins/module_utils is in it, and its "depends on" column names exactly the collection's
module_utils the file imports (and ldap3 when it imports ldap3), so the map cannot drift."""

import ast
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UTILS = os.path.join(ROOT, "plugins", "module_utils")
PREFIX = "ansible_collections.adremedy.directory.plugins.module_utils"
ROW = re.compile(r"^\| `(_[a-z0-9_]+)\.py` \|.*\| ([^|]*) \|\s*$")


def documented():
    """{file stem: (module_utils named in its depends-on column, ldap3 named)}."""
    with open(os.path.join(ROOT, "docs", "architecture.md")) as f:
        text = f.read()
    table = text.split("### module_utils by concern", 1)[1]
    rows = {}
    for line in table.splitlines():
        match = ROW.match(line)
        if match:
            depends = match.group(2)
            rows[match.group(1)] = (set(re.findall(r"`(_[a-z0-9_]+)(?:\.[A-Za-z_]+)?`", depends)),
                                    "ldap3" in depends)
    return rows


def imported(stem):
    """(the collection's module_utils this file imports, whether it imports ldap3)."""
    with open(os.path.join(UTILS, stem + ".py")) as f:
        tree = ast.parse(f.read())
    utils, ldap3 = set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(PREFIX + "."):
                utils.add(node.module[len(PREFIX) + 1:])
            elif node.module == PREFIX:
                utils.update(alias.name for alias in node.names)
            ldap3 = ldap3 or node.module.split(".")[0] == "ldap3"
        elif isinstance(node, ast.Import):
            ldap3 = ldap3 or any(alias.name.split(".")[0] == "ldap3" for alias in node.names)
    utils.discard(stem)
    return utils, ldap3


def files():
    return sorted(name[:-3] for name in os.listdir(UTILS)
                  if name.startswith("_") and name.endswith(".py") and name != "__init__.py")


def test_every_module_util_is_on_the_map():
    assert sorted(documented()) == files()


def test_each_rows_dependencies_are_the_files_imports():
    rows = documented()
    wrong = []
    for stem in files():
        if stem not in rows:
            continue  # the test above names it
        utils, ldap3 = imported(stem)
        if rows[stem] != (utils, ldap3):
            wrong.append("%s: the map says %s%s, the code imports %s%s" % (
                stem, sorted(rows[stem][0]), " + ldap3" if rows[stem][1] else "",
                sorted(utils), " + ldap3" if ldap3 else ""))
    assert not wrong, "\n".join(wrong)


def test_only_the_ldap_seam_imports_ldap3():
    assert sorted(stem for stem in files() if imported(stem)[1]) == ["_ldap", "_sasl", "_tls"]
