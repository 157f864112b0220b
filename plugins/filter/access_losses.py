# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which devices of an access plan lose access, and which of them the caller lets go."""

from __future__ import annotations

DOCUMENTATION = r"""
name: access_losses
short_description: The devices of an access plan that lose access, minus those let go
version_added: 1.0.0
description:
  - Takes the RV(adremedy.directory.eas_access_plan#module:devices) of a plan and says which
    devices lose access, that is are Allowed in the reference and not Allowed in O(state).
  - The reference is each device's own C(now) state, or with O(before) the list of device DNs
    that were Allowed at an earlier point (a device not in O(before) is not judged).
  - Devices whose ID is in O(let_go) are the caller's choice to lose; they are listed apart.
  - Device IDs compare case-insensitively, DNs parsed and normalised.
positional: _input
options:
  _input:
    description: The plan's device records (run the plan with C(details=true)).
    type: list
    elements: dict
    required: true
  state:
    description: The state judged, V(after) (after the plan's changes) or V(now).
    type: str
    default: after
  before:
    description: DNs of the devices that were Allowed before; default is each device's C(now).
    type: list
    elements: str
  let_go:
    description: Device IDs whose loss of access is accepted.
    type: list
    elements: str
    default: []
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Who would lose access, apart from the phones we let go
  ansible.builtin.set_fact:
    losses: "{{ plan.devices | adremedy.directory.access_losses(let_go=['ABC123']) }}"
"""

RETURN = r"""
_value:
  description: What the plan does to access.
  type: dict
  contains:
    lost:
      description: Devices that lose access and are not let go (short records).
      type: list
      elements: dict
    let_go:
      description: Devices in O(let_go), with their state.
      type: list
      elements: dict
    unknown_let_go:
      description: IDs in O(let_go) that match no device of the plan.
      type: list
      elements: str
    allowed:
      description: DNs of the devices Allowed in the reference.
      type: list
      elements: str
"""

from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key_or_text

FIELDS = ("dn", "device_id", "device_model", "owner_dn", "owner_sam_account_name", "now",
          "after")
ALLOWED = "Allowed"


def _key(dn: Any) -> str:
    return dn_key_or_text(str(dn))


def _short(row: dict[str, Any], state: str) -> dict[str, Any]:
    record = dict((key, row.get(key)) for key in FIELDS if key in row)
    record["state"] = row.get(state)
    return record


def access_losses(rows: Any, state: str = "after", before: Any = None, let_go: Any = None
                  ) -> dict[str, list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise AnsibleFilterError("access_losses takes the list of device records of a plan")
    if state not in ("after", "now"):
        raise AnsibleFilterError("access_losses: state is 'after' or 'now', not %r" % (state,))
    wanted = dict((str(item).upper(), str(item)) for item in (let_go or []))
    before_set = None if before is None else set(_key(dn) for dn in before)
    lost: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    seen: set[str] = set()
    allowed: list[Any] = []
    for row in rows:
        was_allowed = (row.get("now") == ALLOWED if before_set is None
                       else _key(row.get("dn", "")) in before_set)
        device_id = str(row.get("device_id") or "").upper()
        if device_id in wanted:
            seen.add(device_id)
            gone.append(_short(row, state))
        if not was_allowed:
            continue
        allowed.append(row.get("dn"))
        if row.get(state) != ALLOWED and device_id not in wanted:
            lost.append(_short(row, state))
    unknown = [original for upper, original in wanted.items() if upper not in seen]
    return dict(lost=lost, let_go=gone, unknown_let_go=unknown, allowed=allowed)


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"access_losses": access_losses}
