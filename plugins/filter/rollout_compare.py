# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""device_rollout's verify: which devices changed state since close, which are new."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_compare
short_description: Compare a device rollout's device states now with those recorded at close
version_added: 2.0.0
description:
  - Takes the RV(adremedy.directory.eas_access_plan#module:devices) of a plan run now and the
    states recorded when the rollout closed, and says which devices changed state and which did
    not exist at close.
  - Devices that lost access by force at close (O(lost_by_force)) are not counted as changed.
  - DNs compare as the directory compares them (case, spaces, escapes), not as strings.
positional: _input, before
options:
  _input:
    description: The plan's device records (C(dn), C(now)), from a plan with C(details=true).
    type: list
    elements: dict
    required: true
  before:
    description:
      - The state of each device at close, as a mapping of device DN to state.
      - A list of C(DN|state) strings (state files written by earlier versions) is read too.
    type: raw
    required: true
  lost_by_force:
    description: DNs of the devices that lost access by force at close.
    type: list
    elements: str
    default: []
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Compare with the states recorded at close
  ansible.builtin.set_fact:
    compared: "{{ plan.devices | adremedy.directory.rollout_compare(state.stages.close.before,
                  lost_by_force=state.stages.close.lost_by_force) }}"
"""

RETURN = r"""
_value:
  description: What changed since close.
  type: dict
  contains:
    moved:
      description: DNs of the devices that existed at close and are in another state now.
      type: list
      elements: str
    changes:
      description: >-
        The same devices with their state at close (C(before)), now (C(now)) and both in one
        line (C(text), C(DN: before -> now)).
      type: list
      elements: dict
    new_since_close:
      description: DNs of the devices that did not exist at close.
      type: list
      elements: str
"""

from typing import Any, Callable, Iterable, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.module_utils._errors import DnError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key


def _states(before: Any) -> dict[str, Any]:
    """DN key -> state, from a mapping or from 'DN|state' strings (the last '|' splits)."""
    pairs: Iterable[Sequence[Any]]
    if isinstance(before, dict):
        pairs = before.items()
    elif isinstance(before, (list, tuple)):
        split = []
        for item in before:
            if not isinstance(item, str) or "|" not in item:
                raise AnsibleFilterError("rollout_compare: %r is not 'DN|state'" % (item,))
            split.append(item.rsplit("|", 1))
        pairs = split
    else:
        raise AnsibleFilterError("rollout_compare: before must be a mapping of device DN to "
                                 "state, got %s" % type(before).__name__)
    return dict((dn_key(dn), state) for dn, state in pairs)


def rollout_compare(devices: Any, before: Any, lost_by_force: Any = None) -> dict[str, list[Any]]:
    try:
        at_close = _states(before or {})
        forced = set(dn_key(dn) for dn in lost_by_force or [])
        moved: list[str] = []
        changes: list[dict[str, Any]] = []
        new: list[str] = []
        for device in devices or []:
            key = dn_key(device["dn"])
            if key not in at_close:
                new.append(device["dn"])
            elif device.get("now") != at_close[key] and key not in forced:
                moved.append(device["dn"])
                changes.append(dict(dn=device["dn"], before=at_close[key], now=device.get("now"),
                                    text="%s: %s -> %s" % (device["dn"], at_close[key],
                                                           device.get("now"))))
    except DnError as exc:
        raise AnsibleFilterError("rollout_compare: %s" % exc)
    except (KeyError, TypeError, AttributeError):
        raise AnsibleFilterError("rollout_compare: the devices must be plan records with dn "
                                 "and now")
    return dict(moved=moved, changes=changes, new_since_close=new)


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"rollout_compare": rollout_compare}
