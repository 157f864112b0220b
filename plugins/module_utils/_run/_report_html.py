# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html: one self-contained page (style and script inline, no network), summary and
findings first; the per-user table, and a findings table longer than a page, are drawn by the
page's script from embedded data, a page at a time. The writer streams the per-user rows
between page_start() and PAGE_END. Private."""

from __future__ import annotations

import html
import json
import re
from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._run._benchmarks import (
    label as reference_label)
from ansible_collections.adremedy.directory.plugins.module_utils._run import _policy_section
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_content import (
    ADMIN_HEADERS, ADVICE, RISKY_HEADERS, SINCE_HEADERS, admin_rows, after_sdprop, count_rows,
    fix_status, plan_detail, provenance_rows, report_charts, risky_rows, since_rows,
    table_references)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_text import (
    html_cell, text_of, yes)
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import HISTORY_DIR


USER_HEADERS = ("user", "DN", "disabled", "ActiveSync", "inheritance", "protection",
                "Exchange can create", "devices", "would fail", "inheritance fix", "on both lists",
                "case-duplicates")


def script_json(value: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' that could end or open an element."""
    return (json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def html_references(table_id: str) -> str:
    """The table's references as links (the URLs are the collection's own, https), or '': one
    per reference, its title on hover."""
    return ", ".join('<a href="%s" title="%s" rel="noopener noreferrer">%s</a>' % (
        html.escape(ref["url"]), html_cell(ref["title"]), html_cell(reference_label(ref)))
        for ref in table_references(table_id))


def short_dn(dn: str | None, size: int = 48) -> str:
    """A DN without its domain part (DC=...), cut to size characters: the full DN goes in the
    cell's title (shown on hover)."""
    parts = re.split(r"(?<!\\),", dn or "")
    kept = [p for p in parts if not p.upper().startswith("DC=")] or parts
    text = ",".join(kept)
    return text if len(text) <= size else text[:size - 1] + "\u2026"


SINCE_SHOWN = 5  # objects with new or resolved findings in the page's "Since last run" block


def html_since(doc: Mapping[str, Any]) -> list[str]:
    """The "Since last run" block: the counts and the first new and resolved findings."""
    t = doc.get("trend")
    if not t:
        return []
    out = ['<section class="since" id="since-last-run">', '<h2>Since last run</h2>',
           '<p id="since-note">%s</p>' % html_cell(t["note"])]
    rows = since_rows(t)
    if rows:
        out.append('<table id="since"><thead><tr>%s</tr></thead><tbody>' % "".join(
            '<th scope="col">%s</th>' % html_cell(h) for h in SINCE_HEADERS))
        out += ["<tr>%s</tr>" % "".join(_td(v, i == 2) for i, v in enumerate(row))
                for row in rows[:SINCE_SHOWN]]
        out.append("</tbody></table>")
        if len(rows) > SINCE_SHOWN:
            out.append("<p>%d more objects with new or resolved findings are listed in "
                       "report.md and report.json.</p>" % (len(rows) - SINCE_SHOWN))
    out.append("</section>")
    return out


def html_charts(doc: Mapping[str, Any]) -> list[str]:
    """The charts, inline SVG, each with its numbers as a table under it."""
    found = report_charts(doc)
    if not found:
        return []
    out = ['<section id="trends">', '<h2>Trends</h2>',
           '<p class="advice">The last %d runs are kept in <code>%s/</code> beside this page.</p>'
           % (len(doc["trend"]["runs"]), HISTORY_DIR), '<div class="charts">']
    for chart in found:
        out += ['<figure class="chart">', '<figcaption>%s</figcaption>' % html_cell(chart.title),
                chart.svg, '<details><summary>The numbers</summary>',
                '<table id="%s-table"><thead><tr>%s</tr></thead><tbody>' % (
                    chart.chart_id, "".join('<th scope="col">%s</th>' % html_cell(h)
                                            for h in chart.headers))]
        out += ["<tr>%s</tr>" % "".join(_td(v) for v in row) for row in chart.rows]
        out += ["</tbody></table>", "</details>", "</figure>"]
    out += ["</div>", "</section>"]
    return out


STYLE = """body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1b1b1b; }
h1 { margin: 0 0 .25rem; } .meta { color: #555; margin: 0 0 1rem; }
.verdict { border-left: 6px solid #2e7d32; background: #f1f8f1; padding: .6rem 1rem; margin: 0 0 1rem; }
.verdict.fail { border-color: #b00020; background: #fdf1f2; } .verdict h2 { margin: 0 0 .3rem; font-size: 1.3rem; }
.verdict p { margin: .3rem 0; } pre.command { background: #f4f4f4; padding: .4rem .6rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin-bottom: 1.5rem; }
.card { border: 1px solid #ccc; border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; max-width: 14rem; }
.card b { display: block; font-size: 1.6rem; } .card.bad b { color: #b00020; } .card.finding { border-color: #b00020; }
section { margin-bottom: 2rem; } .count { color: #555; font-size: .9rem; font-weight: normal; }
.advice, .intro { margin: .25rem 0 .5rem; } dl.provenance { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dl.provenance dt { color: #555; } dl.provenance dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f2f2f2; cursor: pointer; user-select: none; } th.asc::after { content: " \\25B2"; } th.desc::after { content: " \\25BC"; }
tr:nth-child(even) td { background: #fafafa; } .filter { margin: .25rem 0 .5rem; padding: .25rem; width: 20rem; max-width: 100%; }
.pager { margin: .5rem 0; } .pager button { margin-right: .5rem; }
.since { border-left: 6px solid #0072b2; background: #f2f7fb; padding: .4rem 1rem; margin: 0 0 1rem; }
.since h2 { margin: 0 0 .2rem; font-size: 1.1rem; } .since p { margin: .2rem 0; } .since table { margin: .3rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } figure.chart { flex: 1 1 30rem; max-width: 40rem; margin: 0; }
figure.chart svg { width: 100%; height: auto; display: block; } figure.chart figcaption { font-weight: bold; }
figure.chart details { font-size: .9rem; }
@media print {
  body { margin: 0; font-size: 10pt; } .filter, .pager { display: none; }
  th { cursor: auto; } th.asc::after, th.desc::after { content: ""; }
  tr, .card, .verdict, figure.chart { break-inside: avoid; } section { break-before: auto; }
  .verdict, .card.finding { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


IN_PAGE_ROWS = 200  # a findings table up to this size is written into the page, row by row


def _td(value: Any, dn: bool = False) -> str:
    text = text_of(value, ", ")
    if dn and text:
        return '<td title="%s">%s</td>' % (html_cell(text), html_cell(short_dn(text)))
    return "<td>%s</td>" % html_cell(text)


def html_table(table_id: str, title: str, headers: Sequence[str], rows: Iterable[Iterable[Any]],
               total: int | None = None, advice: str | None = None, dn_column: int | None = None,
               notes: Iterable[str] = ()) -> str:
    """A table section. Up to IN_PAGE_ROWS rows are written into the page (sortable); a larger
    table (5,000 planned changes at 100,000 users) is drawn by the page's script from embedded
    data a page at a time, like the per-user table (total given: its data comes separately).
    dn_column: the index of the column of DNs, shown shortened with the full DN on hover.
    advice: what to do about the rows, said above them; notes: paragraphs under the heading."""
    cells = [[text_of(v, ", ") for v in row] for row in rows]
    data: list[list[str]] | None = None
    if total is None and len(cells) > IN_PAGE_ROWS:
        data, cells, total = cells, [], len(cells)
    count = len(cells) if total is None else total
    out = ['<section>', '<h2>%s <span class="count" id="%s-count">%d</span></h2>'
           % (html_cell(title), table_id, count)]
    out += ['<p class="intro">%s</p>' % html_cell(note) for note in notes]
    if not count:
        out += ['<p class="none">None.</p>', '</section>']
        return "\n".join(out) + "\n"
    if advice:
        refs = html_references(table_id)
        out.append('<p class="advice"><b>What to do:</b> %s%s</p>' % (html_cell(advice), (
            ' <span class="references">References: %s</span>' % refs) if refs else ""))
    out.append('<input type="search" class="filter" data-table="%s" placeholder="Filter %s">'
               % (table_id, html_cell(title.lower())))
    kind = "sortable" if total is None else "paged"
    out.append('<table id="%s" class="%s"%s>' % (
        table_id, kind, "" if dn_column is None else ' data-dn="%d"' % dn_column))
    out.append("<thead><tr>%s</tr></thead>" % "".join('<th scope="col">%s</th>' % html_cell(h)
                                                      for h in headers))
    out.append("<tbody>")
    out += ["<tr>%s</tr>" % "".join(_td(v, i == dn_column) for i, v in enumerate(row))
            for row in cells]
    out.append("</tbody>\n</table>")
    if total is not None:
        out.append('<div class="pager" id="%s-pager"></div>' % table_id)
    if data is not None:
        out.append('<script type="application/json" id="%s-data">{"parents":[],"rows":%s}'
                   '</script>' % (table_id, script_json(data)))
    out.append("</section>")
    return "\n".join(out) + "\n"


def html_verdict(doc: Mapping[str, Any]) -> list[str]:
    v = doc.get("verdict")
    if not v:
        return []
    out = ['<div class="verdict %s" id="verdict">' % v["result"],
           '<h2>%s</h2>' % html_cell(v["headline"]),
           '<p>%s</p>' % html_cell(" ".join(v["sentences"]))]
    if v.get("fix_command"):
        out += ['<p>Fix what can be fixed (add <code>--check</code> to rehearse):</p>',
                '<pre class="command" id="fix-command">%s</pre>' % html_cell(v["fix_command"])]
    out.append("</div>")
    return out


def html_head(doc: Mapping[str, Any], title: str) -> str:
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>%s</title>' % html_cell(title), '<style>', STYLE + '</style>', '</head>',
           '<body>', '<h1>%s</h1>' % html_cell(title)]
    out += html_verdict(doc)
    out += html_since(doc)
    out += ['<p class="meta">Scope %s &middot; generated %s &middot; <span id="findings">%d'
            '</span> findings (the sum of the red-bordered cards)</p>' % (
                html_cell(doc["scope"]), html_cell(doc["generated"]), doc["findings"]),
            '<div class="cards">']
    out += ['<div class="card%s%s"><b>%s</b>%s</div>' % (
        " finding" if finding else "", " bad" if finding and int(value) > 0 else "", value,
        html_cell(label)) for label, value, finding in count_rows(doc)]
    out.append("</div>")
    out += html_charts(doc)
    rows = provenance_rows(doc)
    if rows:
        out += ['<section>', '<h2>How this report was made</h2>', '<dl class="provenance">']
        out += ['<dt>%s</dt><dd>%s</dd>' % (html_cell(k), html_cell(v)) for k, v in rows]
        out += ['</dl>', '</section>']
    body = "\n".join(out) + "\n"
    body += html_table("would-fail", "Users whose first sync would fail",
                       ("user", "DN", "disabled", "inheritance", "protection", "after SDProp",
                        "reason"),
                       ((u["sam_account_name"], u["dn"], yes(u.get("disabled")), u["inheritance"],
                         u["protection"] or "-", after_sdprop(u), u["reason"])
                        for u in doc["would_fail"]),
                       advice=ADVICE["would_fail_act_now"] + " Rows protected by design are "
                       "left as they are.", dn_column=1)
    body += html_table("plan", "Inheritance fix (planned, nothing written)",
                       ("user", "DN", "disabled", "status", "action or reason"),
                       ((o.get("sam_account_name") or "", o["dn"], yes(o.get("disabled")),
                         fix_status(o["status"]), plan_detail(o))
                        for o in doc["inheritance_plan"]["objects"]),
                       advice=ADVICE["inheritance_would_change"], dn_column=1)
    body += html_table("risky", "Rights the inheritance fix would pass down", RISKY_HEADERS,
                       risky_rows(doc), advice=ADVICE["risky_inherited"], dn_column=3)
    body += html_table("admins", "Administrators with phones", ADMIN_HEADERS, admin_rows(doc),
                       advice=ADVICE["admins"])
    body += html_table("lists", "Allow and block list findings",
                       ("user", "DN", "on both lists", "case-duplicates"),
                       ((f["sam_account_name"], f["dn"], f["list_conflicts"],
                         f["case_duplicates"]) for f in doc["list_findings"]),
                       advice=ADVICE["list_findings"], dn_column=1)
    body += html_table("protected", "Protected, unmarked and orphaned accounts",
                       ("account", "class", "protected by", "inheritance", "reason"),
                       ((o["sam_account_name"], o["classification"], o["protected_by"] or "-",
                         o["inheritance"], o["reason"]) for o in doc["protected_accounts"]),
                       advice=ADVICE["orphaned_accounts"] + " Protected and unmarked accounts "
                       "are left as they are, by design.")
    body += html_policies(doc.get("mobile_policies"))
    body += html_table("users", "All users", USER_HEADERS, (), total=doc["summary"]["users"],
                       dn_column=1)
    return body


def html_policies(section: Mapping[str, Any] | None) -> str:
    """The mobile device mailbox policies: a table of the policies (their users in scope and the
    CIS items each fails), then a table per policy below the baseline with the items it fails
    and the values found; or why they were not read. '' when the report has no section."""
    if section is None:
        return ""
    p = _policy_section
    if not p.was_read(section):
        return ('<section id="mobile-policies">\n<h2>%s</h2>\n<p class="none" id="policies-note">'
                '%s</p>\n</section>\n' % (html_cell(p.TITLE), html_cell(p.intro(section))))
    failing = p.below_baseline(section)
    body = html_table("policies", p.TITLE, p.POLICY_HEADERS, p.policy_rows(section),
                      advice=ADVICE["policy_below_baseline"] if failing else None,
                      dn_column=len(p.POLICY_HEADERS) - 1,
                      notes=[p.intro(section)] + ["Warning: " + text
                                                  for text in p.warnings(section)])
    for index, policy in enumerate(failing):
        body += ('<section class="policy">\n<h3>%s</h3>\n<table id="policy-items-%d" '
                 'class="sortable"><thead><tr>%s</tr></thead><tbody>\n%s\n</tbody></table>\n'
                 '</section>\n' % (
                     html_cell(p.heading(policy)), index,
                     "".join('<th scope="col">%s</th>' % html_cell(h) for h in p.ITEM_HEADERS),
                     "\n".join("<tr>%s</tr>" % "".join(_td(v) for v in row)
                               for row in p.item_rows(policy))))
    return body


# Sort by clicking a header (numbers as numbers); filter each table with its search box; a filter
# can also come in the address (report.html#filter=u00007). The per-user table, and a findings
# table longer than a page, are drawn from embedded data a page at a time, so a 100,000-user
# report opens about as fast as a small one.
PAGE_SCRIPT = r"""(function () {
  var PAGE = 200;
  // A DN without its domain part, cut to 48 characters (as short_dn() in Python); the cell's
  // title holds it whole.
  function shortDn(dn) {
    var parts = dn.split(/(?<!\\),/), kept = parts.filter(function (p) {
      return p.toUpperCase().indexOf("DC=") !== 0;
    });
    var text = (kept.length ? kept : parts).join(",");
    return text.length <= 48 ? text : text.slice(0, 47) + "\u2026";
  }
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
                       dn: table.dataset.dn === undefined ? -1 : +table.dataset.dn,
                       cells: table.id === "users" ? function (r) {
                         var parent = data.parents[r[2]];
                         return [r[0], parent ? r[1] + "," + parent : r[1], r[12]]
                           .concat(r.slice(3, 12));
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
      t.cells(t.rows[i]).forEach(function (value, k) {
        var td = document.createElement("td");
        td.textContent = k === t.dn && value ? shortDn(value) : value;
        if (k === t.dn && value) { td.title = value; }
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
  // the page's width once drawn: the tests check that a 1280 px window needs no sideways scroll
  document.body.dataset.width = String(document.documentElement.scrollWidth);
  // and how many charts were drawn with a size (the tests check the three are there)
  document.body.dataset.charts = String(Array.prototype.filter.call(
    document.querySelectorAll("svg.chart"), function (svg) {
      return svg.getBoundingClientRect().width > 0;
    }).length);
  document.body.dataset.ready = "1";
})();
"""


def page_start(doc: Mapping[str, Any], title: str, parents: Sequence[str | None]) -> str:
    """The page up to the per-user rows: html_head, then the opening of the per-user table's
    data with the users' parent DNs (a row names its parent by index)."""
    return html_head(doc, title) + (
        '<script type="application/json" id="users-data">{"parents":%s,"rows":['
        % script_json(parents))


def user_data(row: Mapping[str, Any], rdn: str, parent: int, fix: str) -> str:
    """One user's row of the per-user table's data, its cells in the order the page's script
    reads them (r[1] the first RDN, r[2] the parent's index, r[12] disabled)."""
    return script_json([
        row["sam_account_name"] or "", rdn, parent, yes(row["eas_enabled"]),
        row["inheritance"], row["protection"] or "-", yes(row["exchange_can_create"]),
        row["devices"], yes(row["would_fail"]), fix_status(fix),
        ", ".join(row["list_conflicts"]), ", ".join(row["case_duplicates"]),
        yes(row.get("disabled"))])


# The page after the per-user rows: the end of their data, then the script.
PAGE_END = "]}</script>\n<script>\n%s</script>\n</body>\n</html>\n" % PAGE_SCRIPT
