# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A renamed role or playbook variable: the old name still works, with a deprecation warning."""

from __future__ import annotations

DOCUMENTATION = r"""
name: deprecated_alias
short_description: Pass a deprecated variable's value on, with a deprecation warning when it is set
version_added: 2.0.0
description:
  - Returns its input unchanged. When the input is set (not undefined, null or empty), Ansible
    shows a deprecation warning saying that O(old) is deprecated in favour of O(new) and is
    removed in version 3.0.0 of the collection.
  - The warning is shown once per run and can be silenced with Ansible's C(deprecation_warnings)
    setting.
positional: _input, old, new
options:
  _input:
    description: The value of the deprecated variable.
    type: raw
    required: true
  old:
    description: The deprecated name.
    type: str
    required: true
  new:
    description: The name to use instead.
    type: str
    required: true
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Accept the old name for a while
  ansible.builtin.set_fact:
    journal_path: "{{ journal if journal is defined
                      else (adremedy_journal | adremedy.directory.deprecated_alias('adremedy_journal', 'journal'))
                      if adremedy_journal is defined else '' }}"
"""

RETURN = r"""
_value:
  description: The input, unchanged.
  type: raw
"""

from typing import Any, Callable

from ansible.utils.display import Display

display = Display()


def deprecated_alias(value: Any, old: str, new: str) -> Any:
    if value is not None and value != "" and value != [] and value != {}:
        display.deprecated("The variable %s is deprecated, use %s instead" % (old, new),
                           version="3.0.0", collection_name="adremedy.directory")
    return value


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"deprecated_alias": deprecated_alias}
