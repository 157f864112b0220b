"""docs/architecture.md's table of module_utils is the map a newcomer reads: every file of
plugins/module_utils is in it (as `package/_file.py`), and its "depends on" column names exactly
the collection's module_utils the file imports (and ldap3 when it imports ldap3), so the map
cannot drift. The layers' rules are checked here too."""

import ast
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UTILS = os.path.join(ROOT, "plugins", "module_utils")
PREFIX = "ansible_collections.adremedy.directory.plugins.module_utils"
ROW = re.compile(r"^\| `((?:_[a-z0-9_]+/)?_[a-z0-9_]+)\.py` \|.*\| ([^|]*) \|\s*$")
NAME = re.compile(r"`((?:_[a-z0-9_]+/)?_[a-z0-9_]+)`")


def documented():
    """{file path without .py: (module_utils named in its depends-on column, ldap3 named)}."""
    with open(os.path.join(ROOT, "docs", "architecture.md")) as f:
        text = f.read()
    table = text.split("### module_utils by concern", 1)[1]
    rows = {}
    for line in table.splitlines():
        match = ROW.match(line)
        if match:
            depends = match.group(2)
            rows[match.group(1)] = (set(NAME.findall(depends)), "ldap3" in depends)
    return rows


def parsed(name):
    with open(os.path.join(UTILS, name + ".py")) as f:
        return ast.parse(f.read())


def imports(name):
    """Every module the file imports (dotted), from `import` and `from ... import`."""
    found = set()
    for node in ast.walk(parsed(name)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == PREFIX or node.module.startswith(PREFIX + "."):
                found.update("%s.%s" % (node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def imported(name):
    """(the collection's module_utils this file imports, as paths, whether it imports ldap3)."""
    known = set(files())
    utils = set()
    for module in imports(name):
        if module.startswith(PREFIX + "."):
            path = module[len(PREFIX) + 1:].replace(".", "/")
            if path in known:
                utils.add(path)
    utils.discard(name)
    return utils, any(module.split(".")[0] == "ldap3" for module in imports(name))


def files():
    """Every module_util as a path relative to module_utils, without .py."""
    found = []
    for folder, _dirs, names in os.walk(UTILS):
        for name in names:
            if name.startswith("_") and name.endswith(".py") and name != "__init__.py":
                found.append(os.path.relpath(os.path.join(folder, name[:-3]), UTILS))
    return sorted(found)


def test_every_module_util_is_on_the_map():
    assert sorted(documented()) == files()


def test_each_rows_dependencies_are_the_files_imports():
    rows = documented()
    wrong = []
    for name in files():
        if name not in rows:
            continue  # the test above names it
        utils, ldap3 = imported(name)
        if rows[name] != (utils, ldap3):
            wrong.append("%s: the map says %s%s, the code imports %s%s" % (
                name, sorted(rows[name][0]), " + ldap3" if rows[name][1] else "",
                sorted(utils), " + ldap3" if ldap3 else ""))
    assert not wrong, "\n".join(wrong)


def test_only_the_ldap_seam_imports_ldap3():
    """Of all plugins (modules, module_utils, filters, actions...), only files of _ldap/ import
    ldap3."""
    importers = []
    for folder, _dirs, names in os.walk(os.path.join(ROOT, "plugins")):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path) as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                        else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                    if any(module.split(".")[0] == "ldap3" for module in modules):
                        importers.append(os.path.relpath(path, UTILS))
                        break
    assert importers and all(name.startswith("_ldap" + os.sep) for name in importers), importers


def test_the_ldap_transport_imports_no_ansible():
    """The LDAP client (_ldap/_transport.py) runs without Ansible: neither it nor any module_util
    it imports, at any depth, imports from ansible (the options Ansible takes are _options')."""
    seen, pending = set(), ["_ldap/_transport"]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(imported(name)[0])
    assert "_ldap/_settings" in seen and "_ldap/_options" not in seen
    from_ansible = dict((name, sorted(module for module in imports(name)
                                      if module == "ansible" or module.startswith("ansible.")))
                        for name in sorted(seen))
    assert not [name for name, modules in from_ansible.items() if modules], from_ansible


def test_module_utils_are_grouped_by_layer():
    """The folder listing is the architecture: every module_util sits in a layer's package,
    except the two every layer uses, both standard library only: _errors.py (the one root of
    the collection's exceptions) and _progress.py (the counts a long run shows)."""
    loose = [name for name in files() if "/" not in name]
    assert loose == ["_errors", "_progress"]
    assert not any(imported(name)[0] for name in loose)


# The layers from the bottom up: a file imports its own package and those below it.
LAYERS = ["_ldap", "_security", "_exchange", "_run"]
# The imports that go up, each with its reason (docs/architecture.md says the same): a concern's
# writer plugs into the bulk run's harness, so the harness is the part of _run below them.
HARNESS = {"_run/_bulk", "_run/_selection", "_run/_dacl_changes"}
UPWARD = {
    "_security/_inheritance": HARNESS,
    "_exchange/_eas_access": HARNESS,
    "_exchange/_device_lists": HARNESS,
    "_exchange/_eas_cleanup": HARNESS,
}


def layer(name):
    return LAYERS.index(name.split("/")[0]) if "/" in name else -1


def test_layers_import_downward_only():
    wrong = ["%s imports %s" % (name, dep) for name in files() for dep in sorted(imported(name)[0])
             if layer(dep) > layer(name) and dep not in UPWARD.get(name, ())]
    assert not wrong, "\n".join(wrong)


def test_the_harness_the_writers_build_on_stays_below_them():
    """What the writers may import from _run must not itself reach the concerns above _security's
    descriptors, or the layers would form a cycle."""
    wrong = []
    below = HARNESS | {"_run/_argspec", "_run/_journal"}
    for name in HARNESS:
        for dep in imported(name)[0]:
            if dep in UPWARD or dep.startswith("_exchange/") or (
                    dep.startswith("_run/") and dep not in below):
                wrong.append("%s imports %s" % (name, dep))
    assert not wrong, "\n".join(wrong)
