# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text from the directory made safe for a Markdown report (table cells included)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: markdown_escape
short_description: Make text from the directory safe in a Markdown report, table cells included
version_added: 2.0.0
description:
  - Values in the reports come from the directory, and some of them from anyone. A phone sets
    its own device model, type and user agent (C(<img src=x onerror=alert(1\)>) is a valid model).
    A Markdown viewer renders raw HTML, so such a value would run in the reader's browser.
  - No HTML can start - C(<), a C(>) at the start and an C(&) that would start an entity are
    backslash-escaped, as Markdown's own escapes (the raw file still reads as the value; no HTML
    entities are written). Markdown's own markup characters are backslash-escaped too (so a value
    cannot become code, a link or an image (brackets followed by a target in parentheses),
    emphasis, math or a new table cell), and so are the C(://) and C(www.) that would make a bare URL a link; a heading or list
    marker at the start of the value is escaped and leading spaces are dropped (no indented
    code); line breaks (C(\r) and C(\n) included) and other control characters become spaces,
    so a value cannot end its table row.
  - The same escaper writes every Markdown report of the collection (the compliance report, the
    forest summary and the roles' reports).
  - None becomes the empty string, a list its items joined with C(, ); other non-strings are
    converted to text first.
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

from typing import Any, Callable

from ansible_collections.adremedy.directory.plugins.module_utils._run._report import markdown_escape


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"markdown_escape": markdown_escape}
