"""Issue 25 item 4 on the lab's DC, as users run it (the compliance_report playbook, --check):
three report runs into one output directory a change apart. A user the test makes has its
inheritance turned off between the first and the second run, and back on before the third: the
second report lists it as new, the third as resolved, and each run is kept in history/. The
page, drawn by headless Chromium 1280 px wide, shows the three charts without sideways scroll
(a screenshot is checked for the charts' colours). Everything the test changes is put back,
also when it fails."""

import datetime
import json
import os
import re
import struct
import subprocess
import zlib

from conftest import LAB_OU, run_playbook
from made_here import make_tree, put_back
from test_report_and_enforce import rendered

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

TOP = "OU=h25 Trends,%s" % LAB_OU
USER = "CN=h25-trend,%s" % TOP
# series colours only the charts use (_trends.COLOURS): the inheritance fix's and orphaned's
ORANGE, PURPLE = (0xE6, 0x9F, 0x00), (0x6A, 0x3D, 0x9A)


def report(directory):
    run = run_playbook("compliance_report", {"search_base": LAB_OU,
                                             "output_dir": str(directory)}, check=True)
    assert run.rc == 0, run.output[-3000:]
    return json.loads((directory / "report.json").read_text())


def ours(items):
    return sorted(i["kind"] for i in items if i["dn"].lower() == USER.lower())


def screenshot(page, path, width=1280, height=2400):
    """Chromium's picture of the page in a window width px wide (tall, so the charts are in it)."""
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--window-size=%d,%d" % (width, height),
                    "--screenshot=%s" % path, "file://%s" % page],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=True)
    return png_pixels(path)


def png_pixels(path):
    """(width, height, {(r, g, b): count}) of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + size]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += size + 12
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), header
    step = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * step
    counts, previous, at = {}, bytearray(stride), 0
    for _row in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc
                                      else corner)) & 0xFF
        for i in range(0, stride, step):
            pixel = bytes(line[i:i + 3])
            counts[pixel] = counts.get(pixel, 0) + 1
        previous = line
    return width, height, dict((tuple(k), v) for k, v in counts.items())


def test_a_change_is_new_then_resolved_and_the_charts_are_drawn(directory, tmp_path):
    out = tmp_path / "report"
    make_tree(directory, [TOP], {USER: "h25-trend"})
    try:
        blob = directory.read_sd(USER)
        first = report(out)
        t = first["trend"]
        assert t["first_run"] and t["counts"] is None and t["note"].startswith("First run")
        started = datetime.datetime.strptime(first["provenance"]["started"], "%Y-%m-%dT%H:%M:%SZ")
        assert os.listdir(str(out / "history")) == [started.strftime("%Y%m%dT%H%M%SZ.json")]

        # the change: inheritance off on the test's user
        broken, _changed = disable_inheritance(SecurityDescriptor.parse(blob))
        directory.write_sd(USER, broken.to_bytes())
        second = report(out)
        t = second["trend"]
        assert not t["first_run"] and t["previous"]["started"] == first["provenance"]["started"]
        assert "inheritance_would_change" in ours(t["new"])
        assert ours(t["new"]) == sorted(i["kind"] for i in t["new"])  # nothing else is new
        assert t["counts"]["resolved"] == 0
        assert t["counts"]["unchanged"] == first["findings"]
        assert t["counts"]["new"] + t["counts"]["unchanged"] == second["findings"]
        assert [r["findings"] for r in t["runs"]] == [first["findings"], second["findings"]]
        markdown = (out / "report.md").read_text()
        since = markdown.split("## Since last run", 1)[1].split("\n## ", 1)[0]
        assert "| new | h25-trend | %s |" % USER in since
        assert "### Findings by kind over time" in markdown

        # the page as Chromium draws it at 1280 px: since last run first, three charts, no
        # sideways scroll
        page = str(out / "report.html")
        dom = rendered(page)
        body = dom.split("<body", 1)[1]
        assert body.index('id="verdict"') < body.index('id="since-last-run"') < body.index(
            'class="cards"') < body.index('id="trends"')
        assert "h25-trend" in body.split('id="since-last-run"', 1)[1].split("</section>", 1)[0]
        assert 'data-charts="3"' in dom and dom.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
        assert int(re.search(r'data-width="(\d+)"', dom).group(1)) <= 1280
        width, _height, pixels = screenshot(page, str(tmp_path / "page.png"))
        assert width == 1280
        # the charts' bars are on the picture: the inheritance fix's orange, orphaned's purple
        assert pixels.get(ORANGE, 0) > 100 and pixels.get(PURPLE, 0) > 100, (
            pixels.get(ORANGE), pixels.get(PURPLE))

        # fixed: resolved in the next run
        put_back(directory, USER, blob)
        third = report(out)
        t = third["trend"]
        assert ours(t["resolved"]) == ours(second["trend"]["new"])
        assert t["counts"]["new"] == 0 and t["counts"]["unchanged"] == first["findings"]
        assert third["findings"] == first["findings"]
        assert len(os.listdir(str(out / "history"))) == 3
        assert sorted(os.listdir(str(out))) == ["history", "report.html", "report.json",
                                                "report.md", "users.csv"]
    finally:
        directory.tree_delete(TOP)
