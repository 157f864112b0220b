"""markdown_escape: a report cannot carry a phone's HTML or Markdown."""

import pytest

from ansible_collections.adremedy.directory.plugins.filter.markdown_escape import (
    markdown_escape)


@pytest.mark.parametrize("value, expected", [
    ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)>"),
    ("iPhone16,1", "iPhone16,1"),
    ("a|b", "a\\|b"),
    ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
    ("`code` *em* _u_ ~s~", "\\`code\\` \\*em\\* \\_u\\_ \\~s\\~"),
    ("line1\r\nline2\nline3", "line1 line2 line3"),
    ('"q" & \'s\'', '"q" & \'s\''),
    ("# admins", "\\# admins"), ("- x", "\\- x"), ("1. x", "1\\. x"), ("12-3", "12-3"),
    ("adm-direct", "adm-direct"), ("a.b", "a.b"),
    (None, ""),
    (42, "42"),
])
def test_markdown_escape(value, expected):
    assert markdown_escape(value) == expected
