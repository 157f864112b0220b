# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report values as text, and the escapers every report uses: markdown_escape (md_cell), the one
Markdown escaper (the markdown_escape filter and the forest summary take it from here, through
_report), and html_cell. Standard library only. Private."""

from __future__ import annotations

import html
import re
from typing import Any


def text_of(value: Any, separator: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return separator.join(str(v) for v in value)
    return str(value)


# Control characters and every Unicode line or paragraph break: a value stays on its line
_MD_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# What makes markup inside a line: code, emphasis, links and images, table cells, strikethrough,
# math; '<', '>' and an entity's '&' below
_MD_MARKUP = re.compile(r"([\\`*_\[\]|~$!])")
# Bare URLs that GitHub-flavoured Markdown turns into links: the ':' of '://' and the '.' of 'www.'
_MD_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(?<![0-9a-z])(www)(\.)")
# At the start of a line: a heading, a list item or a setext underline
_MD_LEADING = re.compile(r"^(\d*)([#+=.)-])")
# '<' (a tag or autolink), '>' at the start (a quote) and an '&' that starts an entity are
# backslash-escaped,
# as Markdown's own escapes: a value reads as itself in the raw file too (no HTML entities, so a
# filter stays (&(objectCategory=person)...), not (&amp;(...)
_MD_HTML = re.compile(r"(<|^>)|&(?=#?[0-9A-Za-z]+;)")


def _md_leading(match: re.Match[str]) -> str:
    digits, mark = match.groups()
    if bool(digits) != (mark in ".)"):
        return match.group(0)  # '12-3' and '.5' start nothing
    return "%s\\%s" % (digits, mark)


def markdown_escape(value: Any) -> str:
    """Text from the directory made inert in a Markdown report, table cells included: no HTML
    (a phone sets its own model: <img src=x onerror=...>; '<', a leading '>' and an entity's '&' are
    backslash-escaped), Markdown's markup backslash-escaped (no code, emphasis, link, image
    [x](y) or ![x](y), table cell, bare URL link), line breaks and other control characters
    made spaces (a value cannot end its row), leading spaces dropped (no indented code) and a
    heading or list marker at the start escaped. No HTML entity is written: the raw file reads
    as the value. None is '', a list is its items joined with ', ', anything else its text."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else text_of(value, ", ")
    text = _MD_BREAKS.sub(" ", text)
    text = _MD_MARKUP.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: "\\:" if m.group(1) else m.group(2) + "\\.", text)
    text = _MD_HTML.sub(lambda m: "\\" + (m.group(1) or "&"), text.lstrip(" "))
    return _MD_LEADING.sub(_md_leading, text)


def md_cell(value: Any) -> str:
    """A Markdown table cell (or any text from the directory in report.md): markdown_escape."""
    return markdown_escape(value)


def html_cell(value: Any) -> str:
    return html.escape(text_of(value, ", "))


def yes(value: Any) -> str:
    return "yes" if value else "no"
