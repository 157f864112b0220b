# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a quarantine review's approve and block lists into allow/block list entries."""

from __future__ import annotations

DOCUMENTATION = r"""
name: review_decisions
short_description: Allow and block list entries from a quarantine review's decisions
version_added: 1.0.0
description:
  - Takes the device records of M(adremedy.directory.eas_device_info) (the devices under review)
    and the items to approve and to block. Each item is a device ID (that device) or a user
    (every device of that user under review), as a DN, sAMAccountName, C(DOMAIN\sam),
    userPrincipalName of the owner (or mail, where the records carry C(owner_mail)).
  - Device IDs and names compare case-insensitively, DNs parsed and normalised (case, spaces,
    escapes).
  - Items that match no device under review are returned in RV(_value.unknown), so the caller can
    refuse them before anything is written.
author:
  - adremedy.directory maintainers (@adremedy)
positional: _input
options:
  _input:
    description: The device records under review.
    type: list
    elements: dict
    required: true
  approve:
    description: Device IDs or users whose devices go on the allow list.
    type: list
    elements: str
    default: []
  block:
    description: Device IDs or users whose devices go on the block list.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Entries for eas_allowed_devices
  ansible.builtin.set_fact:
    decisions: "{{ review.devices | adremedy.directory.review_decisions(approve=['ABC123'], block=['jdoe']) }}"
"""

RETURN = r"""
_value:
  description: The decisions.
  type: dict
  contains:
    entries:
      description: One V({user, allowed, blocked}) per owner, for M(adremedy.directory.eas_allowed_devices).
      type: list
      elements: dict
    approved:
      description: The device records approved.
      type: list
      elements: dict
    blocked:
      description: The device records blocked.
      type: list
      elements: dict
    unknown:
      description: Items that match no device under review.
      type: list
      elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.module_utils._dn import DnError, dn_key


def _dn_key(dn):
    try:
        return dn_key(str(dn).strip())
    except DnError:
        return None


def _owner_keys(record):
    keys = set()
    if record.get("owner_dn"):
        keys.add(_dn_key(record["owner_dn"]))
    for field in ("owner_sam_account_name", "owner_user_principal_name", "owner_mail"):
        if record.get(field):
            keys.add(str(record[field]).lower())
    return keys


def _item_key(item):
    item = str(item).strip()
    if "=" in item:
        return _dn_key(item)
    if "\\" in item:  # DOMAIN\sam
        item = item.split("\\", 1)[1]
    return item.lower()


def review_decisions(devices, approve=None, block=None):
    if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
        raise AnsibleFilterError("review_decisions takes the list of device records under review")
    by_owner = {}
    picked = {"allowed": [], "blocked": []}
    unknown = []
    for which, items in (("allowed", approve or []), ("blocked", block or [])):
        for item in items:
            key = _item_key(item)
            matched = [d for d in devices if str(d.get("device_id") or "").lower() == key]
            if not matched and key is not None:
                matched = [d for d in devices if key in _owner_keys(d)]
            if not matched:
                unknown.append(str(item))
                continue
            for record in matched:
                entry = by_owner.setdefault(_dn_key(record["owner_dn"]), {
                    "user": record["owner_dn"], "allowed": [], "blocked": []})
                if record["device_id"] not in entry[which]:
                    entry[which].append(record["device_id"])
                    picked[which].append(record)
    return dict(entries=list(by_owner.values()), approved=picked["allowed"],
                blocked=picked["blocked"], unknown=unknown)


class FilterModule(object):
    def filters(self):
        return {"review_decisions": review_decisions}
