# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a change to the organization's device access rules would do to each device, before it
is made (eas_access_plan): the changes read and resolved, every selected device decided under
the policy as it is and as it would be, the moves and the losses summed up. Reads only.
Private."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    merge_entries, resolve_users)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    DeviceFilter, device_filter_argument_spec, find_devices)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    ACCESS_LEVELS, CHARACTERISTICS, ORDERS, apply_plan_changes, plan_device)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    DEVICE_SCHEMA, POLICY_SCHEMA, load_policy)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient

# The Exchange schema a plan needs (devices, and the organization's rules); a module declares
# it to the module base (AdremedyModule(exchange_schema=SCHEMA)).
SCHEMA = DEVICE_SCHEMA + POLICY_SCHEMA

ACTIONS = ["remove_rule", "add_rule", "set_default_access_level", "add_entries",
           "remove_entries"]
CHANGE_SPEC = dict(
    action=dict(type="str", required=True, choices=ACTIONS),
    name=dict(type="str"),
    characteristic=dict(type="str", choices=list(CHARACTERISTICS.values())),
    query_string=dict(type="str"),
    access_level=dict(type="str", choices=list(ACCESS_LEVELS.values())),
    entries=dict(type="list", elements="dict"),
)
CHANGE_RULES = dict(
    required_if=[("action", "add_rule", ("characteristic", "query_string", "access_level")),
                 ("action", "remove_rule", ("name", "query_string"), True),
                 ("action", "set_default_access_level", ("access_level",)),
                 ("action", "add_entries", ("entries",)),
                 ("action", "remove_entries", ("entries",))],
    required_together=[("characteristic", "query_string")],
)


def plan_argument_spec() -> dict[str, dict[str, Any]]:
    """The options a plan reads (documented by eas_access_plan): the device filters (fragment
    devices), organization, order and changes."""
    return dict(
        device_filter_argument_spec(),
        organization=dict(type="str"),
        order=dict(type="str", choices=list(ORDERS), default="seed"),
        changes=dict(type="list", elements="dict", default=[], options=CHANGE_SPEC,
                     **CHANGE_RULES),
    )


def resolve_changes(client: LdapClient, changes: Sequence[Mapping[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The changes with list entries resolved to user DNs (unknown users fail here)."""
    resolved = []
    for number, given in enumerate(changes, 1):
        change = dict(given)
        if change["action"] in ("add_entries", "remove_entries"):
            try:
                merged = merge_entries(change["entries"])
            except ValueError as exc:
                raise ValueError("changes[%d]: %s" % (number, exc))
            users = resolve_users(client, list(merged)) if merged else {}
            change["entries"] = [dict(want, dn=users[user].dn) for user, want in merged.items()]
        resolved.append(change)
    return resolved


def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = dict(devices=len(rows), moved=0, loses_access=0, drift=0,
                                   transitions={})
    for row in rows:
        if row["moved"]:
            summary["moved"] += 1
            key = "%s -> %s" % (row["now"], row["after"])
            summary["transitions"][key] = summary["transitions"].get(key, 0) + 1
        summary["loses_access"] += row["loses_access"]
        summary["drift"] += row["current"] not in (None, "Unknown", row["now"])
    return summary


def loss_line(row: Mapping[str, Any]) -> str:
    owner = row["owner_sam_account_name"] or row["owner_dn"]
    model = row["device_model"] or "model unknown"
    return "%s %s (%s) %s -> %s" % (owner, row["device_id"], model, row["now"], row["after"])


class AccessPlan:
    """One plan: built from the module's parameters before connecting (the device filter's
    ValueError names a bad value), read over a connection, then the result."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params
        self.device_filter = DeviceFilter(params)
        self.rows: list[dict[str, Any]] = []
        self.policy: Any = None
        self.after: Any = None
        self.domain: str | None = None

    def read(self, client: LdapClient, selection: Mapping[str, Any]) -> AccessPlan:
        """The policy as it is and as the changes would leave it, and each selected device
        decided under both (selection: the module's resolved Selection)."""
        params = self.params
        self.policy = load_policy(client, params["organization"])
        changes = resolve_changes(client, params["changes"])
        records, owners = find_devices(client, selection, self.device_filter)
        self.after, owners_after = apply_plan_changes(self.policy, owners, changes)
        self.domain = client.root_dse.default_naming_context
        for record in records:
            key = (record["owner_dn"] or "").lower()
            self.rows.append(plan_device(record, owners.get(key), owners_after.get(key),
                                         self.policy, self.after, params["order"]))
        return self

    def result(self) -> tuple[dict[str, Any], bool]:
        """(eas_access_plan's result, whether it fails: fail_on_loss and a device would lose
        access)."""
        params, rows = self.params, self.rows
        summary = summarize(rows)
        lost = [row for row in rows if row["loses_access"]]
        result = dict(
            changed=False, summary=summary, lost=lost, default_naming_context=self.domain,
            devices=rows if params["details"] else [row for row in rows if row["moved"]],
            policy=dict((label, dict(default_access_level=p.default_access_level,
                                     rules=[r.name for r in p.rules]))
                        for label, p in (("before", self.policy), ("after", self.after))),
        )
        result["msg"] = "%d devices: %d would move, %d would lose access" % (
            summary["devices"], summary["moved"], summary["loses_access"])
        failed = bool(lost and params["fail_on_loss"])
        if failed:
            result["msg"] = "%d devices would lose access: %s" % (
                len(lost), "; ".join(loss_line(row) for row in lost))
        return result, failed
