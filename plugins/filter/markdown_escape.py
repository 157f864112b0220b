# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text from the directory made safe for a Markdown report (table cells included)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: markdown_escape
short_description: Make text from the directory safe in a Markdown report, table cells included
version_added: 1.1.0
description:
  - Values in the reports come from the directory, and some of them from anyone. A phone sets
    its own device model, type and user agent (C(<img src=x onerror=alert(1\)>) is a valid model).
    A Markdown viewer renders raw HTML, so such a value would run in the reader's browser.
  - HTML is escaped (C(&), C(<), C(>), quotes), Markdown's own markup characters are
    backslash-escaped (so a value cannot become code, a link, an image, emphasis or a new
    table cell); so is a heading or list marker at the start of the value, and line breaks
    become spaces (a value cannot end its table row).
  - None becomes the empty string; other non-strings are converted to text first.
positional: _input
options:
  _input:
    description: The value to put into the report.
    type: raw
    required: true
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: A table row of device fields
  ansible.builtin.debug:
    msg: "| {{ device.device_id | adremedy.directory.markdown_escape }} | {{ device.device_model | adremedy.directory.markdown_escape }} |"
"""

RETURN = r"""
_value:
  description: The escaped text.
  type: str
"""

import re

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
# What makes markup inside a line: code, emphasis, links and images, table cells,
# strikethrough ('<' and '&' go as HTML entities); at the start of a line also headings, list
# items and setext underlines.
_MARKUP = re.compile(r"([\\`*_\[\]|~])")
_LEADING = re.compile(r"^(\s*)(\d*)([#+=.)-])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def _leading(match):
    space, digits, mark = match.groups()
    if digits and mark not in ".)":
        return match.group(0)  # '12-3' starts no list
    if not digits and mark in ".)":
        return match.group(0)
    return "%s%s\\%s" % (space, digits, mark)


def markdown_escape(value):
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _BREAKS.sub(" ", text)
    text = _MARKUP.sub(r"\\\1", text)
    text = _LEADING.sub(_leading, text)
    return "".join(_HTML.get(char, char) for char in text)


class FilterModule(object):
    def filters(self):
        return {"markdown_escape": markdown_escape}
