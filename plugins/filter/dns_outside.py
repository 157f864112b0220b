# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DNs of a list that are not at or below a base DN."""

from __future__ import annotations

DOCUMENTATION = r"""
name: dns_outside
short_description: The DNs of a list that are not at or below a base DN
version_added: 2.0.0
description:
  - Returns the DNs of the input that are neither the base DN nor in its subtree, for example
    the rollout users a scope does not cover.
  - DNs compare as the directory compares them, parsed RDN by RDN (case, spaces around C(=) and
    C(,), hex escapes such as C(\\2C)), never as strings, so C(dc=example,dc=com) is below
    C(DC=Example, DC=com).
positional: _input, base
options:
  _input:
    description: The DNs to check. One string is one DN.
    type: raw
    required: true
  base:
    description: The base DN.
    type: str
    required: true
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Refuse when a user is outside the scope close looked at
  ansible.builtin.assert:
    that: users | adremedy.directory.dns_outside(plan.search_base) | length == 0
"""

RETURN = r"""
_value:
  description: The DNs not at or below O(base), in input order, as given.
  type: list
  elements: str
"""

from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.module_utils._errors import DnError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import is_at_or_below


def dns_outside(dns: Any, base: Any) -> list[str]:
    if isinstance(dns, str):
        dns = [dns]
    if not isinstance(base, str) or not base.strip():
        raise AnsibleFilterError("dns_outside: the base must be a DN, got %r" % (base,))
    try:
        return [dn for dn in dns or [] if not is_at_or_below(dn, base)]
    except DnError as exc:
        raise AnsibleFilterError("dns_outside: %s" % exc)


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"dns_outside": dns_outside}
