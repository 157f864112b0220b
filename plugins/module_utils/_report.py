# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report's four files, written in Python while the users stream past: report.json
(machine-readable), users.csv (one row per user, csv module), report.md and report.html (one
self-contained page: summary and findings first, the per-user table rendered by the page from
embedded data, a page at a time). Every file is written under a temporary name and renamed when
all four are complete, so a failed run never leaves a report that looks whole; INCOMPLETE.json
marks the directory from the start of a run until then. Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import html
import json
import os
import re
import secrets

FILES = dict(json="report.json", csv="users.csv", markdown="report.md", html="report.html")
# Present from the start of a run until all four files are in place: whatever else is in the
# directory then is not from that run.
INCOMPLETE = "INCOMPLETE.json"
CSV_COLUMNS = ("dn", "sam_account_name", "user_principal_name", "eas_enabled", "inheritance",
               "protection", "exchange_can_create", "container", "devices", "would_fail",
               "inheritance_fix", "list_conflicts", "case_duplicates", "reason")
# A cell starting with one of these is a formula (or becomes one) in spreadsheets.
FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))
USER_HEADERS = ("user", "DN", "ActiveSync", "inheritance", "protection", "Exchange can create",
                "devices", "would fail", "inheritance fix", "on both lists", "case-duplicates")


def text_of(value, separator):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return separator.join(str(v) for v in value)
    return str(value)


def csv_cell(value):
    """Text for a spreadsheet: lists joined with ';', a formula start neutralised with a '."""
    text = value if isinstance(value, str) else text_of(value, ";")
    return "'" + text if text[:1] in FORMULA_STARTS else text


# -- the one Markdown escaper: every cell of every Markdown report (this file's report.md, the
# forest summary, and the role templates through the markdown_escape filter, which is this) --

# Control characters and every Unicode line or paragraph break: a value stays on its line
_MD_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# What makes markup inside a line: code, emphasis, links and images, table cells, strikethrough,
# math; '<' and '&' go as HTML entities below
_MD_MARKUP = re.compile(r"([\\`*_\[\]|~$!])")
# Bare URLs that GitHub-flavoured Markdown turns into links: the ':' of '://' and the '.' of 'www.'
_MD_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(?<![0-9a-z])(www)(\.)")
# At the start of a line: a heading, a list item or a setext underline
_MD_LEADING = re.compile(r"^(\d*)([#+=.)-])")
_MD_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def _md_leading(match):
    digits, mark = match.groups()
    if bool(digits) != (mark in ".)"):
        return match.group(0)  # '12-3' and '.5' start nothing
    return "%s\\%s" % (digits, mark)


def markdown_escape(value):
    """Text from the directory made inert in a Markdown report, table cells included: HTML
    escaped (a phone sets its own model: <img src=x onerror=...>), Markdown's markup
    backslash-escaped (no code, emphasis, link, image [x](y) or ![x](y), table cell, bare URL
    link), line breaks and other control characters made spaces (a value cannot end its row),
    leading spaces as entities (no indented code) and a heading or list marker at the start
    escaped. None is '', a list is its items joined with ', ', anything else its text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else text_of(value, ", ")
    text = _MD_BREAKS.sub(" ", text)
    text = _MD_MARKUP.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: "\\:" if m.group(1) else m.group(2) + "\\.", text)
    body = text.lstrip(" ")
    lead = "&#32;" * (len(text) - len(body))
    return lead + _MD_LEADING.sub(_md_leading, body).translate(_MD_HTML)


def md_cell(value):
    """A Markdown table cell (or any text from the directory in report.md): markdown_escape."""
    return markdown_escape(value)


def html_cell(value):
    return html.escape(text_of(value, ", "))


def script_json(value):
    """JSON safe inside <script>: no '<', '>' or '&' that could end or open an element."""
    return (json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


_FIRST_RDN = re.compile(r"((?:[^\\,]|\\.)*),(.*)", re.S)


def split_dn(dn):
    """('CN=x', 'OU=y,...') at the first unescaped comma."""
    found = _FIRST_RDN.match(dn)
    return (found.group(1), found.group(2)) if found else (dn, "")


def yes(value):
    return "yes" if value else "no"


# A report file is written under a temporary name that is new: created here, O_EXCL (a name that
# exists, a file or a symlink someone planted in a shared directory, is refused, never followed
# or truncated) and O_NOFOLLOW, with a random part, then renamed into place.
NEW_FILE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                  | getattr(os, "O_CLOEXEC", 0))


def temporary_name(path):
    """A name beside path for a file not yet in place: <path>.tmp-<pid>-<random>."""
    return "%s.tmp-%d-%s" % (path, os.getpid(), secrets.token_hex(4))


def open_new(path, mode=0o644):
    """A file that did not exist, opened for writing text (UTF-8, newlines as written), with
    `mode` whatever the umask; FileExistsError when the name exists (as a symlink too)."""
    fd = os.open(path, NEW_FILE_FLAGS, 0o600)
    try:
        os.fchmod(fd, mode)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


def write_atomic(path, text, mode=0o644):
    """text as the file at path: written to a new temporary file beside it (open_new), renamed
    over path (a symlink at path is replaced, its target untouched). Nothing is left behind
    when it fails."""
    temporary = temporary_name(path)
    try:
        with open_new(temporary, mode) as fh:
            fh.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def mark_incomplete(directory, started):
    """Create the directory when missing and put INCOMPLETE.json in it (atomically)."""
    if not os.path.isdir(directory):
        os.makedirs(directory)
    write_atomic(os.path.join(directory, INCOMPLETE), json.dumps(dict(
        complete=False, started=started,
        note="a compliance report run started and has not finished; the other files here, if "
             "any, are not from this run"), indent=1) + "\n")


class ReportWriter(object):
    """Open for the run; add_user() per user; finish(document) writes and renames."""

    def __init__(self, directory, title):
        self.directory = directory
        self.title = title
        if not os.path.isdir(directory):
            os.makedirs(directory)
        self.tag = temporary_name("")  # ".tmp-<pid>-<random>", each file opened new (open_new)
        self.temps = []
        self.users_json = self._open("users.json")
        self.users_html = self._open("users.html")
        self.csv_handle = self._open(FILES["csv"])
        self.csv = csv.writer(self.csv_handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        self.csv_handle.write(",".join(CSV_COLUMNS) + "\n")
        self.parents = {}
        self.users = 0

    def _path(self, name):
        return os.path.join(self.directory, name + self.tag)

    def _open(self, name):
        path = self._path(name)
        handle = open_new(path)
        self.temps.append(path)
        return handle

    def add_user(self, row, fix):
        """One user's readiness row and its inheritance fix status."""
        row["inheritance_fix"] = fix
        self.csv.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
        del row["inheritance_fix"]
        self.users_json.write(("" if not self.users else ",\n")
                              + json.dumps(row, sort_keys=True))
        rdn, parent = split_dn(row["dn"])
        index = self.parents.setdefault(parent, len(self.parents))
        self.users_html.write(("" if not self.users else ",") + script_json([
            row["sam_account_name"] or "", rdn, index, yes(row["eas_enabled"]),
            row["inheritance"], row["protection"] or "-", yes(row["exchange_can_create"]),
            row["devices"], yes(row["would_fail"]), fix,
            ", ".join(row["list_conflicts"]), ", ".join(row["case_duplicates"])]))
        self.users += 1

    def abort(self):
        for handle in (self.users_json, self.users_html, self.csv_handle):
            handle.close()
        for path in self.temps:
            if os.path.lexists(path):
                os.unlink(path)

    def finish(self, doc, plan_msg):
        """Write report.json, report.md and report.html around the streamed rows, then rename
        all four into place. Returns {format: path}."""
        for handle in (self.users_json, self.users_html, self.csv_handle):
            handle.close()
        try:
            self._write_json(doc)
            with self._open(FILES["markdown"]) as fh:
                fh.write(markdown(doc, self.title, plan_msg))
            self._write_html(doc)
            files = {}
            for key, name in FILES.items():
                path = os.path.join(self.directory, name)
                os.replace(path + self.tag, path)  # mode 0644 since open_new
                files[key] = path
            marker = os.path.join(self.directory, INCOMPLETE)
            if os.path.exists(marker):
                os.unlink(marker)
            return files
        finally:
            self.abort()

    def _write_json(self, doc):
        head = json.dumps(doc, indent=1, sort_keys=True)
        with self._open(FILES["json"]) as fh:
            fh.write(head[:-2] + ',\n "users": [\n')
            with open(self._path("users.json"), encoding="utf-8") as rows:
                copy(rows, fh)
            fh.write("\n ]\n}\n")

    def _write_html(self, doc):
        parents = [None] * len(self.parents)
        for parent, index in self.parents.items():
            parents[index] = parent
        with self._open(FILES["html"]) as fh:
            fh.write(html_head(doc, self.title))
            fh.write('<script type="application/json" id="users-data">{"parents":%s,"rows":['
                     % script_json(parents))
            with open(self._path("users.html"), encoding="utf-8") as rows:
                copy(rows, fh)
            fh.write("]}</script>\n<script>\n%s</script>\n</body>\n</html>\n" % PAGE_SCRIPT)


def copy(source, target, size=1 << 20):
    while True:
        chunk = source.read(size)
        if not chunk:
            return
        target.write(chunk)


# -- Markdown -----------------------------------------------------------------------------------

def _md_table(headers, rows):
    lines = ["| %s |" % " | ".join(headers), "|%s|" % "|".join("---" for header in headers)]
    lines += ["| %s |" % " | ".join(md_cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def plan_detail(obj):
    return obj.get("action") or obj.get("reason") or obj.get("error") or ""


def markdown(doc, title, plan_msg):
    s = doc["summary"]
    counts = [
        ("users", s["users"]), ("ActiveSync enabled", s["eas_enabled"]),
        ("inheritance disabled", s["inheritance_disabled"]),
        ("Exchange Servers cannot create the device container", s["exchange_cannot_create"]),
        ("**first sync would fail (event 1053)**", s["would_fail"]),
        ("**inheritance fix would change**", s["inheritance_would_change"]),
        ("inheritance fix skips (protected, by design)", s["inheritance_skipped"]),
        ("protected accounts / unmarked / **orphaned**", "%s / %s / %s" % (
            s["protected_accounts"], s["unmarked_accounts"], s["orphaned_accounts"])),
        ("**users with list conflicts** / case-duplicates", "%s / %s" % (
            s["list_conflicts"], s["case_duplicates"])),
        ("device partnerships", s["devices"]), ("unreadable DACLs", s["unreadable"])]
    out = ["# %s" % md_cell(title), "",
           "Scope %s, generated %s," % (md_cell(doc["scope"]), md_cell(doc["generated"])),
           "**%d findings**." % doc["findings"], "",
           "| | count |", "|---|---:|"]
    out += ["| %s | %s |" % (label, value) for label, value in counts]
    out += ["", "## Users whose first ActiveSync sync would fail", ""]
    if doc["would_fail"]:
        out.append(_md_table(("user", "DN", "protection", "reason"), (
            (u["sam_account_name"], u["dn"], u["protection"] or "-", u["reason"])
            for u in doc["would_fail"])))
    else:
        out += ["None.", ""]
    plan = doc["inheritance_plan"]
    out += ["## The inheritance fix (check mode)", "", md_cell(plan_msg), ""]
    if plan["objects"]:
        out.append(_md_table(("DN", "status", "action or reason"), (
            (o["dn"], o["status"], plan_detail(o)) for o in plan["objects"])))
    out += ["## Allow and block list findings", ""]
    if doc["list_findings"]:
        out.append(_md_table(("user", "on both lists", "stored twice in different case"), (
            (f["sam_account_name"], f["list_conflicts"], f["case_duplicates"])
            for f in doc["list_findings"])))
    else:
        out += ["None.", ""]
    out += ["## Protected, unmarked and orphaned adminCount accounts", "",
            _md_table(("account", "class", "protected by", "reason"), (
                (o["sam_account_name"], o["classification"], o["protected_by"] or "-",
                 o["reason"]) for o in doc["protected_accounts"])),
            "Per-user detail: `users.csv`; everything machine-readable: `report.json`.", ""]
    return "\n".join(out)


# -- HTML ---------------------------------------------------------------------------------------

STYLE = """body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
h1 { margin: 0 0 .25rem; } .meta { color: #555; margin: 0 0 1rem; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1.5rem; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; }
.card b { display: block; font-size: 1.6rem; } .card.bad b { color: #b00020; }
section { margin-bottom: 2rem; } .count { color: #555; font-size: .9rem; font-weight: normal; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; cursor: pointer; user-select: none; } th.asc::after { content: " \\25B2"; } th.desc::after { content: " \\25BC"; }
tr:nth-child(even) td { background: #fafafa; } .filter { margin: .25rem 0 .5rem; padding: .25rem; width: 20rem; }
.pager { margin: .5rem 0; } .pager button { margin-right: .5rem; }
"""


IN_PAGE_ROWS = 200  # a findings table up to this size is written into the page, row by row


def html_table(table_id, title, headers, rows, total=None):
    """A table section. Up to IN_PAGE_ROWS rows are written into the page (sortable); a larger
    table (5,000 planned changes at 100,000 users) is drawn by the page's script from embedded
    data a page at a time, like the per-user table (total given: its data comes separately)."""
    rows = [[text_of(v, ", ") for v in row] for row in rows]
    data = None
    if total is None and len(rows) > IN_PAGE_ROWS:
        data, rows, total = rows, [], len(rows)
    count = len(rows) if total is None else total
    out = ['<section>', '<h2>%s <span class="count" id="%s-count">%d</span></h2>'
           % (html_cell(title), table_id, count)]
    if not count:
        out += ['<p class="none">None.</p>', '</section>']
        return "\n".join(out) + "\n"
    out.append('<input type="search" class="filter" data-table="%s" placeholder="Filter %s">'
               % (table_id, html_cell(title.lower())))
    kind = "sortable" if total is None else "paged"
    out.append('<table id="%s" class="%s">' % (table_id, kind))
    out.append("<thead><tr>%s</tr></thead>" % "".join('<th scope="col">%s</th>' % html_cell(h)
                                                      for h in headers))
    out.append("<tbody>")
    out += ["<tr>%s</tr>" % "".join("<td>%s</td>" % html_cell(v) for v in row) for row in rows]
    out.append("</tbody>\n</table>")
    if total is not None:
        out.append('<div class="pager" id="%s-pager"></div>' % table_id)
    if data is not None:
        out.append('<script type="application/json" id="%s-data">{"parents":[],"rows":%s}'
                   '</script>' % (table_id, script_json(data)))
    out.append("</section>")
    return "\n".join(out) + "\n"


def html_head(doc, title):
    s = doc["summary"]
    cards = [("users", s["users"], False), ("first sync would fail", s["would_fail"], True),
             ("inheritance fix would change", s["inheritance_would_change"], True),
             ("orphaned adminCount", s["orphaned_accounts"], True),
             ("users with list conflicts", s["list_conflicts"], True),
             ("case-duplicates", s["case_duplicates"], True),
             ("inheritance disabled", s["inheritance_disabled"], False),
             ("protected accounts", s["protected_accounts"], False),
             ("device partnerships", s["devices"], False)]
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>%s</title>' % html_cell(title), '<style>', STYLE + '</style>', '</head>',
           '<body>', '<h1>%s</h1>' % html_cell(title),
           '<p class="meta">Scope %s &middot; generated %s &middot; <span id="findings">%d'
           '</span> findings</p>' % (html_cell(doc["scope"]), html_cell(doc["generated"]),
                                     doc["findings"]),
           '<div class="cards">']
    out += ['<div class="card%s"><b>%s</b>%s</div>' % (" bad" if bad and int(value) > 0 else "",
                                                       value, label)
            for label, value, bad in cards]
    out.append("</div>")
    body = "\n".join(out) + "\n"
    body += html_table("would-fail", "Users whose first sync would fail",
                       ("user", "DN", "inheritance", "protection", "reason"),
                       ((u["sam_account_name"], u["dn"], u["inheritance"],
                         u["protection"] or "-", u["reason"]) for u in doc["would_fail"]))
    body += html_table("plan", "Inheritance fix (check mode)",
                       ("DN", "status", "action or reason"),
                       ((o["dn"], o["status"], plan_detail(o))
                        for o in doc["inheritance_plan"]["objects"]))
    body += html_table("lists", "Allow and block list findings",
                       ("user", "DN", "on both lists", "case-duplicates"),
                       ((f["sam_account_name"], f["dn"], f["list_conflicts"],
                         f["case_duplicates"]) for f in doc["list_findings"]))
    body += html_table("protected", "Protected, unmarked and orphaned accounts",
                       ("account", "class", "protected by", "inheritance", "reason"),
                       ((o["sam_account_name"], o["classification"], o["protected_by"] or "-",
                         o["inheritance"], o["reason"]) for o in doc["protected_accounts"]))
    body += html_table("users", "All users", USER_HEADERS, (), total=s["users"])
    return body


# Sort by clicking a header (numbers as numbers); filter each table with its search box; a filter
# can also come in the address (report.html#filter=u00007). The per-user table, and a findings
# table longer than a page, are drawn from embedded data a page at a time, so a 100,000-user
# report opens about as fast as a small one.
PAGE_SCRIPT = r"""(function () {
  var PAGE = 200;
  function cmp(x, y) {
    var nx = parseFloat(x), ny = parseFloat(y);
    return (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
  }
  function mark(table, th, asc) {
    table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
    th.classList.add(asc ? "asc" : "desc");
  }
  // Tables written in the page: sort and filter their rows.
  document.querySelectorAll("table.sortable th").forEach(function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0], index = th.cellIndex;
      var asc = !th.classList.contains("asc");
      mark(table, th, asc);
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var c = cmp(a.cells[index].textContent.trim(), b.cells[index].textContent.trim());
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  function filterRows(table, needle) {
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      var hit = r.textContent.toLowerCase().indexOf(needle) >= 0;
      r.style.display = hit ? "" : "none";
      shown += hit ? 1 : 0;
    });
    document.getElementById(table.id + "-count").textContent =
      needle ? shown + " of " + table.tBodies[0].rows.length : table.tBodies[0].rows.length;
  }
  // Large tables (the per-user one, and findings over a page): rows from embedded data, a
  // page at a time. A table's data: {parents: [...], rows: [...]}; a per-user row names its
  // parent DN by index (r[2]), other rows are their cells.
  var paged = {};
  document.querySelectorAll("table.paged").forEach(function (table) {
    var source = document.getElementById(table.id + "-data");
    var data = source ? JSON.parse(source.textContent) : {parents: [], rows: []};
    source && source.parentNode.removeChild(source);
    paged[table.id] = {id: table.id, data: data, rows: data.rows, order: null, page: 0,
                       texts: null, sortBy: -1, asc: true, needle: "",
                       cells: table.id === "users" ? function (r) {
                         var parent = data.parents[r[2]];
                         return [r[0], parent ? r[1] + "," + parent : r[1]].concat(r.slice(3));
                       } : function (r) { return r; }};
  });
  function texts(t) {
    if (!t.texts) {
      t.texts = t.rows.map(function (r) { return t.cells(r).join(" ").toLowerCase(); });
    }
    return t.texts;
  }
  function draw(t) {
    var table = document.getElementById(t.id);
    var order = t.order || t.rows.map(function (_, i) { return i; });
    var pages = Math.max(1, Math.ceil(order.length / PAGE));
    t.page = Math.min(t.page, pages - 1);
    var start = t.page * PAGE, body = document.createElement("tbody");
    order.slice(start, start + PAGE).forEach(function (i) {
      var tr = document.createElement("tr");
      t.cells(t.rows[i]).forEach(function (value) {
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.replaceChild(body, table.tBodies[0]);
    document.getElementById(t.id + "-count").textContent = t.needle
      ? order.length + " of " + t.rows.length : t.rows.length;
    var pager = document.getElementById(t.id + "-pager");
    pager.textContent = "";
    if (pages > 1) {
      [["previous", -1], ["next", 1]].forEach(function (b) {
        var button = document.createElement("button");
        button.textContent = b[0];
        button.disabled = b[1] < 0 ? t.page === 0 : t.page >= pages - 1;
        button.addEventListener("click", function () { t.page += b[1]; draw(t); });
        pager.appendChild(button);
      });
      pager.appendChild(document.createTextNode("rows " + (start + 1) + "-" +
        Math.min(start + PAGE, order.length) + " of " + order.length));
    }
  }
  function filterPaged(t, needle) {
    t.needle = needle;
    var all = texts(t), order = [];
    for (var i = 0; i < all.length; i++) {
      if (!needle || all[i].indexOf(needle) >= 0) { order.push(i); }
    }
    sortPaged(t, order);
    t.order = order;
    t.page = 0;
    draw(t);
  }
  function sortPaged(t, order) {
    if (t.sortBy < 0) { return; }
    var k = t.sortBy, asc = t.asc;
    order.sort(function (a, b) {
      var c = cmp(t.cells(t.rows[a])[k], t.cells(t.rows[b])[k]);
      return asc ? c : -c;
    });
  }
  document.querySelectorAll("table.paged th").forEach(function (th) {
    th.addEventListener("click", function () {
      var t = paged[th.closest("table").id];
      t.asc = t.sortBy === th.cellIndex ? !t.asc : true;
      t.sortBy = th.cellIndex;
      mark(th.closest("table"), th, t.asc);
      filterPaged(t, t.needle);
    });
  });
  function apply(input) {
    var needle = input.value.toLowerCase();
    var t = paged[input.dataset.table];
    if (t) { filterPaged(t, needle); return; }
    filterRows(document.getElementById(input.dataset.table), needle);
  }
  function fromHash() {
    var found = location.hash.match(/filter=([^&]*)/);
    if (!found) { return ""; }
    try { return decodeURIComponent(found[1]); } catch (e) { return found[1]; }
  }
  Object.keys(paged).forEach(function (id) { draw(paged[id]); });
  var wanted = fromHash();
  document.querySelectorAll("input.filter").forEach(function (input) {
    input.addEventListener("input", function () { apply(input); });
    if (wanted) { input.value = wanted; apply(input); }
  });
  document.body.dataset.ready = "1";
})();
"""
