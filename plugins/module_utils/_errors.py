# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception module_utils raise to end a module run that is not an LDAP error (bad
input, a plan over max_changes, an unwritable journal). The module base turns it into
fail_json; module_utils never exit themselves. Private."""

from __future__ import annotations

from typing import Any


class Failure(Exception):
    """A one-line message and the result keys to return with it (e.g. the plan)."""

    def __init__(self, message: str, **result: Any) -> None:
        super().__init__(message)
        self.result = result
