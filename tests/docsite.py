"""The collection's extra docs for antsibull-docs, made from their single sources: each guide of
docs/*.md (Markdown, read on GitHub/Galaxy as it is) converted to RST with pandoc, and the
playbooks page made from the playbooks' own header comments. Writes docs/docsite/rst/ under DEST:

    python tests/docsite.py DEST     # DEST: the collection root to write into (a copy, or the tree)

The guides are the ones docs/docsite/extra-docs.yml lists. Each page gets the label
ansible_collections.adremedy.directory.docsite.<name> and each section <that>.<anchor> (the
anchor GitHub gives the heading), so links between guides (`other.md`, `other.md#anchor`,
`#anchor`) become :ref:s, which the Sphinx build checks (make docs); a link to a Markdown file
that is not a listed guide, or to an anchor no heading has, stops this script (so make docs-lint
catches it too). A code span naming one of the collection's modules, plugins or roles
(`adremedy.directory.inheritance`) becomes an :ansplugin: reference, which `antsibull-docs
lint-collection-docs --check-extra-docs-refs` validates; one naming a playbook links to its
section of the playbooks page.
"""

import glob
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "ansible_collections.adremedy.directory.docsite."
FQCN = re.compile(r"^adremedy\.directory\.([a-z_]+)$")
PLAYBOOKS = "playbooks"


class DocsError(Exception):
    pass


def guides(root):
    """The page names extra-docs.yml lists, in order."""
    with open(os.path.join(root, "docs", "docsite", "extra-docs.yml")) as fh:
        config = yaml.safe_load(fh)
    return [name for section in config["sections"] for name in section["toctree"]]


def label(page, anchor=None):
    return PREFIX + page + ("." + anchor if anchor else "")


def plugins(root):
    """{name: antsibull-docs plugin reference} of the collection's modules, lookups, filters and
    roles, for :ansplugin: (which `lint-collection-docs --check-extra-docs-refs` validates)."""
    found = {}
    for kind, folder in (("module", "modules"), ("lookup", "lookup"), ("filter", "filter")):
        for path in glob.glob(os.path.join(root, "plugins", folder, "*.py")):
            name = os.path.basename(path)[:-3]
            found[name] = "adremedy.directory.%s#%s" % (name, kind)
    for path in glob.glob(os.path.join(root, "roles", "*", "meta", "argument_specs.yml")):
        name = path.split(os.sep)[-3]
        found[name] = "adremedy.directory.%s#role" % name
    return found


def linkable(root, known_plugins):
    """{name: label} a code span `adremedy.directory.<name>` links to: the guides run
    `adremedy.directory.compliance_report` as a playbook, so a playbook's name goes to its
    section of the playbooks page (which links the role of the same name)."""
    names = dict(known_plugins)
    for path in glob.glob(os.path.join(root, "playbooks", "*.yml")):
        name = os.path.basename(path)[:-4]
        names[name] = label(PLAYBOOKS, name)
    return names


def text_of(value):
    """The plain text of pandoc inlines (a link's words)."""
    if isinstance(value, list):
        return "".join(text_of(item) for item in value)
    if not isinstance(value, dict):
        return ""
    if value["t"] == "Str":
        return value["c"]
    if value["t"] == "Code":
        return value["c"][1]
    if value["t"] in ("Space", "SoftBreak", "LineBreak"):
        return " "
    return text_of(value.get("c", []))


def ref(words, target):
    """An RST :ref: with the link's words, or the target's title where the words are a file name;
    an :ansplugin: where the target is a plugin or role."""
    if "#" in target:
        return {"t": "RawInline", "c": ["rst", ":ansplugin:`%s`" % target]}
    if not words or words.endswith(".md"):
        return {"t": "RawInline", "c": ["rst", ":ref:`%s`" % target]}
    words = words.replace("`", "'").replace("<", "\\<")
    return {"t": "RawInline", "c": ["rst", ":ref:`%s <%s>`" % (words, target)]}


class Page:
    """One guide's pandoc AST with its links turned into :ref:s."""

    def __init__(self, page, ast, pages, known_plugins):
        self.page, self.ast, self.pages, self.plugins = page, ast, pages, known_plugins
        self.anchors = {}
        self.problems = []

    def link(self, node):
        words, url = text_of(node["c"][1]), node["c"][2][0]
        if re.match(r"^[a-z]+:", url):
            return node  # http(s), mailto: kept as they are
        path, anchor = url.partition("#")[0::2]
        if not path:
            page = self.page
        elif path.endswith(".md") and os.path.dirname(path) in ("", "."):
            page = os.path.basename(path)[:-3]
        else:
            page = None
        if page not in self.pages:
            self.problems.append("%s.md: link to %s, which is not a guide of extra-docs.yml" % (self.page, url))
            return node
        return ref(words, label(page, anchor or None)), (page, anchor)

    def walk(self, value, wanted):
        if isinstance(value, list):
            return [self.walk(item, wanted) for item in value]
        if not isinstance(value, dict) or "t" not in value:
            return value
        if value["t"] == "Link":
            result = self.link(value)
            if isinstance(result, tuple):
                wanted.append(result[1])
                return result[0]
            return result
        if value["t"] == "Code" and FQCN.match(value["c"][1]):
            name = FQCN.match(value["c"][1]).group(1)
            if name in self.plugins:
                return ref(value["c"][1], self.plugins[name])
        if value["t"] in ("BulletList", "OrderedList"):
            value = loose(value)
        if value["t"] == "Header":
            self.anchors[value["c"][1][0]] = True
            value["c"][1] = [value["c"][1][0], [], []]
        if "c" in value:
            value = dict(value, c=self.walk(value["c"], wanted))
        return value

    def labelled(self, blocks):
        """Blocks with an RST label before the page title and before every section."""
        out = []
        for block in blocks:
            if block["t"] == "Header":
                anchor = block["c"][1][0]
                names = [label(self.page)] if block["c"][0] == 1 and not out else []
                names.append(label(self.page, anchor))
                out.append({"t": "RawBlock", "c": ["rst", "\n".join(".. _%s:" % n for n in names) + "\n"]})
                block = dict(block, c=[block["c"][0], ["", [], []], block["c"][2]])
            out.append(block)
        return out


def loose(node):
    """A list whose items hold more than text (a code block, a nested list) made loose (Para, not
    Plain): pandoc's RST writer puts no blank line between an item's Plain text and the block
    after it, which RST then reads as a definition list."""
    items = node["c"] if node["t"] == "BulletList" else node["c"][1]
    if not any(block["t"] not in ("Plain", "Para") for item in items for block in item):
        return node
    items = [[dict(block, t="Para") if block["t"] == "Plain" else block for block in item]
             for item in items]
    return dict(node, c=items if node["t"] == "BulletList" else [node["c"][0], items])


def pandoc(args, data):
    done = subprocess.run(["pandoc"] + args, input=data, capture_output=True, check=False)
    if done.returncode:
        raise DocsError("pandoc %s: %s" % (" ".join(args), done.stderr.decode().strip()))
    return done.stdout


def guide_rst(root, page, pages, known_plugins):
    """(rst text, [(page, anchor) it links to], {anchors}, [problems])"""
    with open(os.path.join(root, "docs", page + ".md"), "rb") as fh:
        ast = json.loads(pandoc(["-f", "gfm", "-t", "json"], fh.read()))
    conv = Page(page, ast, pages, known_plugins)
    wanted = []
    ast["blocks"] = conv.labelled(conv.walk(ast["blocks"], wanted))
    rst = pandoc(["-f", "json", "-t", "rst", "--wrap=preserve", "--columns=1000"], json.dumps(ast).encode()).decode()
    rst = re.sub(r"^(\.\. _%s[^\n]*:\n)(?=[^.\n])" % re.escape(PREFIX), "\\1\n", rst, flags=re.M)
    return rst, wanted, conv.anchors, conv.problems


def header_comment(path):
    lines = []
    with open(path) as fh:
        for number, line in enumerate(fh):
            if number == 0 and line.startswith("---"):
                continue
            if not line.startswith("#"):
                break
            lines.append(line[2:].rstrip("\n") if line.startswith("# ") else line[1:].rstrip("\n"))
    return lines


# A variable, path or option in a playbook's comment (it has an underscore, * or |), shown literal.
_PART = r"(?:[\w./<>=*|@-]|\{[^}\s]*\})"
IDENTIFIER = re.compile(r"(?<![\w`])(%s*[_*|]%s*)" % (_PART, _PART))


def literal(match):
    word = match.group(1)
    core = word.rstrip(".,;:-")
    return "``%s``%s" % (core, word[len(core):])


def playbooks_rst(root, known_plugins):
    """The playbooks page: each playbook's header comment, its command line as a code block, and
    a link to the role (or module) it wraps."""
    out = [".. _%s:" % label(PLAYBOOKS), "", "Playbooks", "=========", "",
           "Each workflow has a playbook wrapper, run by its name from the installed collection",
           "(``ansible-playbook -i inventory.yml adremedy.directory.<name>``). Connection settings come",
           "from the inventory variable ``adremedy_connection``, passed to every module through",
           "``module_defaults`` (group ``adremedy.directory.ad``).", ""]
    for path in sorted(glob.glob(os.path.join(root, "playbooks", "*.yml"))):
        name = os.path.basename(path)[:-4]
        with open(path) as fh:
            body = fh.read()
        comment = header_comment(path)
        if not comment:
            raise DocsError("%s has no header comment to document it with" % path)
        title = "adremedy.directory.%s" % name
        out += [".. _%s:" % label(PLAYBOOKS, name), "", title, "-" * len(title), ""]
        in_code = False
        for line in comment:
            if line.startswith("  ") and not in_code:
                out += ["", ".. code-block:: console", ""]
                in_code = True
            elif not line.startswith("  ") and in_code:
                out.append("")
                in_code = False
            if in_code:
                out.append("  " + line)
            else:
                out.append(IDENTIFIER.sub(literal, line))
        out.append("")
        wraps = sorted(set(re.findall(r"adremedy\.directory\.([a-z_]+)", body)) & set(known_plugins))
        if wraps:
            out += ["Wraps: " + ", ".join(":ansplugin:`%s`" % known_plugins[w] for w in wraps) + ".", ""]
    return "\n".join(out) + "\n"


def main(dest):
    pages = guides(ROOT)
    known_plugins = plugins(ROOT)
    rst_dir = os.path.join(dest, "docs", "docsite", "rst")
    os.makedirs(rst_dir, exist_ok=True)
    problems, links, anchors = [], [], {}
    for page in pages:
        if page == PLAYBOOKS:
            text = playbooks_rst(ROOT, known_plugins)
        else:
            text, wanted, page_anchors, page_problems = guide_rst(ROOT, page, pages,
                                                                  linkable(ROOT, known_plugins))
            links += [(page, target) for target in wanted]
            anchors[page] = page_anchors
            problems += page_problems
        with open(os.path.join(rst_dir, page + ".rst"), "w") as fh:
            fh.write(text)
    for source, (page, anchor) in links:
        if anchor and page != PLAYBOOKS and anchor not in anchors.get(page, {}):
            problems.append("%s.md: link to %s.md#%s, which has no such heading" % (source, page, anchor))
    if problems:
        raise DocsError("; ".join(problems))
    print("docsite: %d pages written to %s" % (len(pages), rst_dir))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/docsite.py DEST")
    try:
        main(sys.argv[1])
    except DocsError as error:
        sys.exit("docsite: %s" % error)
