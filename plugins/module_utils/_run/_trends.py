# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report's trends: every run keeps its report.json (without the per-user rows)
in <report dir>/history/, the last HISTORY_KEEP runs; the report compares its findings with the
previous run's (new, resolved, unchanged; an object is matched by objectGUID when both runs
have it, else by its DN) and draws the history as inline SVG made here, with no script and no
network: findings by kind over time, findings per OU, the protected/unmarked/orphaned split.
Each chart has a <title> and a <desc>, and its numbers as rows for a table (the HTML page's
alternative and the Markdown report's). Pure: standard library, _ldap/_dn (DNs split and
compared) and _exchange/_policy_findings (which policy is a finding); the report writer gives it
its safe file writer (write_atomic). Private."""

from __future__ import annotations

import datetime
import html
import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._policy_findings import (
    is_finding)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    dn_key_or_text, split_dn)

HISTORY_DIR = "history"
HISTORY_KEEP = 52  # a year of weekly runs
LIST_LIMIT = 100  # items in each of the trend's new, resolved and unchanged lists
TOP_OUS = 10  # OUs in the per-OU chart; the others are one bar
# <started, compact>Z.json, and -<n> when two runs started in the same second
HISTORY_NAME = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d{1,4}))?\.json$")
# Okabe-Ito colours (told apart with colour-blindness too), one per kind of finding in order
COLOURS = ("#b00020", "#e69f00", "#0072b2", "#6a3d9a", "#009e73", "#56b4e9")
ACCOUNT_CLASSES = (("protected", "protected_accounts", "#0072b2"),
                   ("unmarked", "unmarked_accounts", "#e69f00"),
                   ("orphaned", "orphaned_accounts", "#b00020"))

Kinds = Sequence[tuple[str, str]]  # (key as in finding_counts, label), the report's order


# -- which rows are findings, and who they are ----------------------------------------------------

def _item(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    item = dict(kind=kind, dn=row.get("dn") or "", name=row.get("sam_account_name"))
    guid = row.get("object_guid") or row.get("objectGUID")
    if guid:
        item["guid"] = str(guid).lower()
    return item


def findings_of(doc: Mapping[str, Any], protected_by_design: Iterable[str]
                ) -> list[dict[str, Any]]:
    """Every finding of a report's document as {kind, dn, name[, guid]}: the rows its
    finding_counts count (a test checks they agree)."""
    design = set(protected_by_design)
    items = [_item("would_fail_act_now", r) for r in doc.get("would_fail") or []
             if r.get("protection") not in design]
    items += [_item("inheritance_would_change", o)
              for o in (doc.get("inheritance_plan") or {}).get("objects") or []
              if o.get("status") == "changed"]
    items += [_item("list_findings", r) for r in doc.get("list_findings") or []]
    items += [_item("orphaned_accounts", o) for o in doc.get("protected_accounts") or []
              if o.get("classification") == "orphaned"]
    # mobile device mailbox policies below the CIS baseline, by the policy's DN and name
    items += [_item("policy_below_baseline", dict(dn=p.get("dn"), sam_account_name=p.get("name")))
              for p in (doc.get("mobile_policies") or {}).get("policies") or [] if is_finding(p)]
    return items


def compare(current: Sequence[Mapping[str, Any]], previous: Sequence[Mapping[str, Any]]
            ) -> dict[str, list[Mapping[str, Any]]]:
    """{new, resolved, unchanged}: findings of this run not in the previous one, of the previous
    one not in this one, in both. Same kind and the same object: the same objectGUID when both
    have one (an object renamed or moved stays itself; one deleted and made again is another),
    else the same DN (compared as _ldap/_dn compares DNs: any spelling of one DN is that DN)."""
    by_guid: dict[tuple[str, str], int] = {}
    by_dn: dict[tuple[str, str], int] = {}
    for position, item in enumerate(previous):
        if item.get("guid"):
            by_guid.setdefault((item["kind"], item["guid"]), position)
        by_dn.setdefault((item["kind"], dn_key_or_text(item["dn"])), position)
    matched: set[int] = set()
    result: dict[str, list[Mapping[str, Any]]] = dict(new=[], resolved=[], unchanged=[])
    for item in current:
        index = by_guid.get((item["kind"], item["guid"])) if item.get("guid") else None
        if index is None:
            index = by_dn.get((item["kind"], dn_key_or_text(item["dn"])))
            if index is not None and item.get("guid") and previous[index].get("guid") not in (
                    None, item["guid"]):
                index = None  # another object at the same DN
        if index is None or index in matched:
            result["new"].append(item)
        else:
            matched.add(index)
            result["unchanged"].append(item)
    result["resolved"] = [item for index, item in enumerate(previous) if index not in matched]
    return result


# -- the history directory ------------------------------------------------------------------------

def history_stamp(started: str | None) -> str:
    """A run's history name without suffix: its start, 2026-01-05T06:00:00Z -> 20260105T060000Z
    (now, when the start is missing or not such a time)."""
    try:
        when = datetime.datetime.strptime(started or "", "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        when = datetime.datetime.now(datetime.timezone.utc)
    return when.strftime("%Y%m%dT%H%M%SZ")


def history_path(directory: str) -> str:
    """<directory>/history, made when missing; a symlink there is refused (the report's
    directory may be shared: its history is written where the report is, never followed)."""
    path = os.path.join(directory, HISTORY_DIR)
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isdir(path)):
        raise FileExistsError("%s is not a directory of this report's history" % path)
    if not os.path.isdir(path):
        os.makedirs(path)
    return path


def history_files(directory: str) -> list[str]:
    """The names of the history's runs, oldest first; other files and symlinks are not ours."""
    path = os.path.join(directory, HISTORY_DIR)
    if not os.path.isdir(path) or os.path.islink(path):
        return []
    found = []
    for name in os.listdir(path):
        match = HISTORY_NAME.match(name)
        full = os.path.join(path, name)
        if match and os.path.isfile(full) and not os.path.islink(full):
            found.append(((match.group(1), int(match.group(2) or 0)), name))
    return [name for _key, name in sorted(found)]


def point_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the charts over time need of one run."""
    summary = doc.get("summary") or {}
    return dict(started=started_of(doc), scope=doc.get("scope"),
                findings=doc.get("findings", 0), finding_counts=dict(doc.get("finding_counts") or {}),
                accounts=dict((key, summary.get(key) or 0) for _c, key, _colour in ACCOUNT_CLASSES))


def started_of(doc: Mapping[str, Any]) -> str | None:
    return (doc.get("provenance") or {}).get("started") or doc.get("generated")


@dataclass
class History:
    """The runs before this one: a point per run (oldest first), the latest run's findings."""

    points: list[dict[str, Any]] = field(default_factory=list)
    previous: dict[str, Any] | None = None  # point_of the latest run
    previous_findings: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _load(directory: str, name: str) -> dict[str, Any]:
    with open(os.path.join(directory, HISTORY_DIR, name), encoding="utf-8") as fh:
        doc = json.load(fh)
    if not isinstance(doc, dict) or not isinstance(doc.get("finding_counts"), dict):
        raise ValueError("not a compliance report")
    return doc


def _runs_kept(doc: Mapping[str, Any], names: Sequence[str]) -> list[dict[str, Any]] | None:
    """The points a history file carries of the runs up to it (trend.runs), those whose file is
    still in the history; None when it carries none."""
    runs = (doc.get("trend") or {}).get("runs")
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        return None
    stamps = set(found.group(1) for found in map(HISTORY_NAME.match, names) if found)
    return [r for r in runs if history_stamp(r.get("started")) in stamps]


def read_history(directory: str, protected_by_design: Iterable[str]) -> History:
    """The history before this run. Only the latest run's file is read whole: it carries the
    points of the runs before it (read once per run, not 52 files of up to megabytes each); a
    history without them (files from elsewhere) is read a file at a time. A file that is not a
    report's JSON is named in unreadable and left out."""
    history = History()
    names = history_files(directory)
    for index in range(len(names) - 1, -1, -1):
        try:
            doc = _load(directory, names[index])
            history.previous = point_of(doc)
            history.previous_findings = findings_of(doc, protected_by_design)
        except (OSError, ValueError, TypeError, AttributeError):
            history.unreadable.insert(0, names[index])
            continue
        runs = _runs_kept(doc, names[:index])
        if runs is None:
            runs = []
            for name in names[:index]:
                try:
                    runs.append(point_of(_load(directory, name)))
                except (OSError, ValueError, TypeError, AttributeError):
                    history.unreadable.insert(0, name)
        history.points = runs + [history.previous]
        break
    return history


def record(directory: str, doc: Mapping[str, Any], write: Callable[[str, str], None],
           keep: int = HISTORY_KEEP) -> str:
    """This run's document (the per-user rows are not in it; of its trend only the runs the
    charts draw) written to the history as <started>.json, then the oldest runs removed down to
    keep. Returns the path."""
    path = history_path(directory)
    stamp, number = history_stamp(started_of(doc)), 0
    name = stamp + ".json"
    while os.path.lexists(os.path.join(path, name)):
        number += 1
        name = "%s-%d.json" % (stamp, number)
    kept = dict((k, v) for k, v in doc.items() if k not in ("trend", "users"))
    if doc.get("trend"):  # the points of the runs so far, for the next run (read_history)
        kept["trend"] = dict(runs=doc["trend"]["runs"])
    write(os.path.join(path, name), json.dumps(kept, sort_keys=True, separators=(",", ":")) + "\n")
    names = history_files(directory)
    for old in names[:max(0, len(names) - keep)]:
        os.unlink(os.path.join(path, old))
    return os.path.join(path, name)


# -- the trend in report.json ---------------------------------------------------------------------

def trend(doc: Mapping[str, Any], history: History, protected_by_design: Iterable[str],
          keep: int = HISTORY_KEEP, limit: int = LIST_LIMIT) -> dict[str, Any]:
    """report.json's trend: the previous run, the counts of new, resolved and unchanged findings
    (by kind too) and their lists (limit items each, the counts are whole), the runs the
    charts draw (the history's and this one)."""
    current = findings_of(doc, protected_by_design)
    runs = (history.points + [point_of(doc)])[-keep:]
    out: dict[str, Any] = dict(history=dict(directory=HISTORY_DIR, keep=keep,
                                            runs=len(history.points)),
                               first_run=history.previous is None, previous=None,
                               same_scope=None, counts=None, by_kind=None, listed=limit,
                               new=[], resolved=[], unchanged=[], runs=runs,
                               unreadable=history.unreadable)
    if history.previous is None:
        out["note"] = ("First run: there is no earlier report in %s/ to compare with; the next "
                       "run says what changed since this one." % HISTORY_DIR)
        return out
    changes = compare(current, history.previous_findings)
    previous = history.previous
    out.update(previous=dict(started=previous["started"], scope=previous["scope"],
                             findings=previous["findings"]),
               same_scope=previous["scope"] == doc.get("scope"),
               counts=dict((key, len(items)) for key, items in changes.items()))
    kinds = sorted(set(i["kind"] for i in current) | set(i["kind"] for i in
                                                         history.previous_findings))
    out["by_kind"] = dict((kind, dict((key, sum(1 for i in items if i["kind"] == kind))
                                      for key, items in changes.items())) for kind in kinds)
    for key, items in changes.items():
        out[key] = [dict(i) for i in items[:limit]]
    c = out["counts"]
    out["note"] = ("Since the run started %s (%d findings then): %d new, %d resolved, %d "
                   "unchanged." % (previous["started"], previous["findings"], c["new"],
                                   c["resolved"], c["unchanged"]))
    if not out["same_scope"]:
        out["note"] += (" That run read another scope (%s): the comparison mixes two scopes."
                        % previous["scope"])
    return out


# -- charts ---------------------------------------------------------------------------------------

# Characters XML 1.0 does not allow (a DN value may hold any of them); lone surrogates too
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def svg_text(value: Any) -> str:
    """Text from the directory made safe inside SVG (inline in HTML, or a file of its own):
    characters XML does not allow become U+FFFD, markup and quotes are escaped."""
    return html.escape(_NOT_XML.sub("\ufffd", "" if value is None else str(value)), quote=True)


def clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "\u2026"


def short_ou(dn: str, size: int = 40) -> str:
    """An OU's DN without its domain part (DC=...) and cut to size: a bar's label."""
    parts, rest = [], dn
    while True:
        rdn, rest = split_dn(rest)
        parts.append(rdn)
        if not rest:
            break
    kept = [p for p in parts if not p.strip().upper().startswith("DC=")] or parts
    return clip(",".join(kept) or "(the domain)", size)


@dataclass
class Chart:
    """One chart: its SVG and its numbers as a table (headers, rows of plain values)."""

    chart_id: str
    title: str
    desc: str
    svg: str
    headers: tuple[str, ...]
    rows: list[list[Any]]


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    return ['<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %d %d" '
            'width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc" '
            'font-family="system-ui, sans-serif" font-size="12">'
            % (chart_id, width, height, width, height, chart_id, chart_id),
            '<title id="%s-title">%s</title>' % (chart_id, svg_text(title)),
            '<desc id="%s-desc">%s</desc>' % (chart_id, svg_text(desc))]


def _legend(series: Sequence[tuple[str, str]], y: int, x: int = 10, width: int = 600
            ) -> tuple[list[str], int]:
    """Colour keys in a grid of two columns (one row when all are short); (elements, the y
    below them)."""
    out = []
    across = len(series) if sum(len(label) for label, _c in series) <= 60 else 2
    step = (width - x) // max(1, across)
    for index, (label, colour) in enumerate(series):
        cx, cy = x + step * (index % across), y + 16 * (index // across)
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>'
                   % (cx, cy - 9, colour))
        out.append('<text x="%d" y="%d">%s</text>' % (cx + 14, cy, svg_text(clip(label, 44))))
    rows = (len(series) + across - 1) // max(1, across)
    return out, y + 16 * max(0, rows - 1) + 12


def _nice_top(value: int) -> int:
    """The axis' top: value rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def columns(chart_id: str, title: str, desc: str, series: Sequence[tuple[str, str]],
            points: Sequence[tuple[str, str, Sequence[int]]], width: int = 600) -> str:
    """Stacked columns, one per point: (axis label, hover text, a value per series)."""
    legend, top = _legend(series, 16, width=width)
    left, plot_h, bottom = 44, 170, 36
    height = top + plot_h + bottom
    out = _svg_open(chart_id, width, height, title, desc) + legend
    axis_top = _nice_top(max([sum(v) for _l, _h, v in points] or [0]))
    base = top + plot_h
    for tick in (0, axis_top // 2 if axis_top >= 2 else None, axis_top):
        if tick is None:
            continue
        y = base - plot_h * tick / axis_top
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                   % (left, y, width - 6, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left - 4, y + 4, tick))
    slot = (width - 6 - left) / max(1, len(points))
    bar_width = max(2.0, min(40.0, slot * 0.7))
    every = max(1, math.ceil(len(points) / 8))  # at most about 8 axis labels
    for index, (label, hover, values) in enumerate(points):
        x = left + slot * index + (slot - bar_width) / 2
        y = float(base)
        out.append('<g><title>%s</title>' % svg_text(hover))
        for value, (_name, colour) in zip(values, series):
            h = plot_h * value / axis_top
            if h > 0:
                y -= h
                out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                           % (x, y, bar_width, h, colour))
        out.append("</g>")
        if index % every == 0 or index == len(points) - 1:
            out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                       % (x + bar_width / 2, base + 16, svg_text(label)))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#555"/>'
               % (left, base, width - 6, base))
    out.append("</svg>")
    return "\n".join(out)


def bars(chart_id: str, title: str, desc: str, series: Sequence[tuple[str, str]],
         rows: Sequence[tuple[str, str, Sequence[int]]], width: int = 600,
         label_width: int = 230) -> str:
    """Stacked horizontal bars, one per row: (label, hover text, a value per series)."""
    legend, top = _legend(series, 16, width=width)
    row_h = 22
    height = top + 4 + row_h * max(1, len(rows)) + 6
    out = _svg_open(chart_id, width, height, title, desc) + legend
    longest = max([sum(v) for _l, _h, v in rows] or [0]) or 1
    plot_w = width - label_width - 50
    for index, (label, hover, values) in enumerate(rows):
        y = top + 4 + row_h * index
        out.append('<g><title>%s</title>' % svg_text(hover))
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
                   % (label_width - 6, y + 14, svg_text(label)))
        x = float(label_width)
        for value, (_name, colour) in zip(values, series):
            w = plot_w * value / longest
            if w > 0:
                out.append('<rect x="%.1f" y="%d" width="%.1f" height="16" fill="%s"/>'
                           % (x, y + 2, w, colour))
                x += w
        out.append('<text x="%.1f" y="%d">%d</text>' % (x + 4, y + 14, sum(values)))
        out.append("</g>")
    if not rows:
        out.append('<text x="%d" y="%d">None.</text>' % (label_width, top + 18))
    out.append("</svg>")
    return "\n".join(out)


def _series(kinds: Kinds) -> list[tuple[str, str]]:
    return [(label, COLOURS[i % len(COLOURS)]) for i, (_key, label) in enumerate(kinds)]


def chart_over_time(runs: Sequence[Mapping[str, Any]], kinds: Kinds) -> Chart:
    keys = [key for key, _label in kinds]
    points: list[tuple[str, str, list[int]]] = []
    rows: list[list[Any]] = []
    days = [(run.get("started") or "?")[:10] for run in runs]
    same_day = len(set(days)) < len(days)  # then the axis says the time too
    for run in runs:
        values = [int((run.get("finding_counts") or {}).get(key) or 0) for key in keys]
        started = run.get("started") or "?"
        label = "%s %s" % (started[5:10], started[11:16]) if same_day else started[:10]
        points.append((label, "%s: %d findings (%s)" % (started, sum(values), ", ".join(
            "%s %d" % (label, v) for (_k, label), v in zip(kinds, values))), values))
        rows.append([started] + values + [sum(values)])
    desc = ("Findings of each of the last %d runs, stacked by kind; the latest run has %d."
            % (len(runs), rows[-1][-1] if rows else 0))
    title = "Findings by kind over time"
    return Chart("chart-time", title, desc,
                 columns("chart-time", title, desc, _series(kinds), points),
                 ("run started",) + tuple(label for _k, label in kinds) + ("total",), rows)


def chart_per_ou(findings: Sequence[Mapping[str, Any]], kinds: Kinds, top: int = TOP_OUS
                 ) -> Chart:
    keys = [key for key, _label in kinds]
    per: dict[str, dict[str, Any]] = {}
    for item in findings:
        parent = split_dn(item["dn"])[1]
        entry = per.setdefault(dn_key_or_text(parent), dict(dn=parent,
                                                            counts=dict.fromkeys(keys, 0)))
        if item["kind"] in entry["counts"]:
            entry["counts"][item["kind"]] += 1
    ranked = sorted(per.values(), key=lambda e: (-sum(e["counts"].values()), e["dn"].lower()))
    shown, rest = ranked[:top], ranked[top:]
    rows, table = [], []
    for entry in shown:
        values = [entry["counts"][k] for k in keys]
        rows.append((short_ou(entry["dn"], 34), "%s: %d findings" % (entry["dn"], sum(values)),
                     values))
        table.append([entry["dn"]] + values + [sum(values)])
    if rest:
        values = [sum(e["counts"][k] for e in rest) for k in keys]
        label = "%d other OUs" % len(rest)
        rows.append((label, "%s: %d findings" % (label, sum(values)), values))
        table.append([label] + values + [sum(values)])
    title = "Findings per OU (this run)"
    desc = ("Findings of this run by the OU or container the object is in, the %d with the most "
            "first%s." % (len(shown), "; the other %d together" % len(rest) if rest else ""))
    return Chart("chart-ou", title, desc, bars("chart-ou", title, desc, _series(kinds), rows),
                 ("OU",) + tuple(label for _k, label in kinds) + ("total",), table)


def chart_accounts(summary: Mapping[str, Any]) -> Chart:
    values = [int(summary.get(key) or 0) for _c, key, _colour in ACCOUNT_CLASSES]
    total = sum(values)
    series = [("%s %d" % (name, v), colour)
              for (name, _key, colour), v in zip(ACCOUNT_CLASSES, values)]
    title = "Protected, unmarked and orphaned accounts (this run)"
    desc = ("%d accounts with adminCount or in a protected group: %s." % (total, ", ".join(
        "%d %s" % (v, name) for (name, _k, _c), v in zip(ACCOUNT_CLASSES, values))))
    svg = bars("chart-accounts", title, desc, series,
               [("accounts", desc, values)], label_width=90)
    rows = [[name, v, "%d %%" % round(100.0 * v / total) if total else "-"]
            for (name, _k, _c), v in zip(ACCOUNT_CLASSES, values)]
    return Chart("chart-accounts", title, desc, svg, ("class", "accounts", "share"), rows)


def charts(doc: Mapping[str, Any], runs: Sequence[Mapping[str, Any]], kinds: Kinds,
           protected_by_design: Iterable[str]) -> list[Chart]:
    """The report's three charts: findings by kind over the runs given (the history's and this
    one), findings per OU and the protected/unmarked/orphaned split of this run."""
    return [chart_over_time(runs, kinds),
            chart_per_ou(findings_of(doc, protected_by_design), kinds),
            chart_accounts(doc.get("summary") or {})]
