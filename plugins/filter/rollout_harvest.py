# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""device_rollout's harvest: the devices harvested so far and the users still without one."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_harvest
short_description: The devices a rollout harvested so far, and the rollout users without one
version_added: 2.0.0
description:
  - Adds the devices found now to those harvested earlier (a device already there is not added
    twice), keeping of each device only what the rollout's state file and report need.
  - Names the rollout users that have no device of the rollout's models.
  - DNs compare as the directory compares them (case, spaces, escapes), not as strings.
positional: _input
options:
  _input:
    description: The devices found now (RV(adremedy.directory.eas_device_info#module:devices)).
    type: list
    elements: dict
    required: true
  earlier:
    description: The devices harvested by earlier runs (as this filter returned them).
    type: list
    elements: dict
    default: []
  users:
    description: The rollout users (RV(adremedy.directory.eas_readiness_info#module:users)).
    type: list
    elements: dict
    default: []
  devices:
    description: Every device of the models the rollout users have, in any state.
    type: list
    elements: dict
    default: []
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Harvested so far, and who has no device yet
  ansible.builtin.set_fact:
    harvest: "{{ found.devices | adremedy.directory.rollout_harvest(earlier=earlier,
                 users=ready.users, devices=all_devices.devices) }}"
"""

RETURN = r"""
_value:
  description: The harvest.
  type: dict
  contains:
    harvested:
      description: >-
        The devices harvested so far, each with C(dn), C(owner_dn), C(owner_sam_account_name),
        C(device_id) and C(device_model).
      type: list
      elements: dict
    without_device:
      description: sAMAccountNames of the rollout users with no device of the models.
      type: list
      elements: str
"""

from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.module_utils._errors import DnError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key

FIELDS = ("dn", "owner_dn", "owner_sam_account_name", "device_id", "device_model")


def rollout_harvest(found: Any, earlier: Any = None, users: Any = None, devices: Any = None
                    ) -> dict[str, list[Any]]:
    try:
        harvested = list(earlier or [])
        seen = set(dn_key(device["dn"]) for device in harvested)
        for device in found or []:
            key = dn_key(device["dn"])
            if key not in seen:
                seen.add(key)
                harvested.append(dict((name, device.get(name)) for name in FIELDS))
        owners = set(dn_key(device["owner_dn"]) for device in devices or []
                     if device.get("owner_dn"))
        without = [user.get("sam_account_name") or user["dn"] for user in users or []
                   if dn_key(user["dn"]) not in owners]
    except DnError as exc:
        raise AnsibleFilterError("rollout_harvest: %s" % exc)
    except (KeyError, TypeError, AttributeError):
        raise AnsibleFilterError("rollout_harvest: devices and users must be records with dn")
    return dict(harvested=harvested, without_device=without)


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"rollout_harvest": rollout_harvest}
