# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device access rules and the organization's default access (the eas_access_rule module), as
New-, Set- and Remove-ActiveSyncDeviceAccessRule and Set-ActiveSyncOrganizationSettings make
them: the rule found by name or by its query, the LDAP operations planned (add, modify,
delete of the rule; a permissive modify of the mobile mailbox settings), written in order (or
only named, in check mode), the settings after the run and the diff text. Private."""

from __future__ import annotations

from typing import Any, Mapping, cast

from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    ACCESS_LEVELS, CHARACTERISTICS, Policy, Rule, default_rule_name)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    POLICY_SCHEMA, RULE_CLASS, load_policy, require_exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import escape_value
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, LdapClient)

LEVEL_NUMBERS = dict((name, number) for number, name in ACCESS_LEVELS.items())
VERBS = {"add": "create", "modify": "update", "delete": "remove"}
CHARACTERISTIC_NUMBERS = dict((name, number) for number, name in CHARACTERISTICS.items())
# (verb, the rule, and for a modify its LDAP changes)
RuleOperation = tuple[Any, ...]


def rule_attributes(rule: Rule) -> dict[str, str]:
    return {"msExchDeviceAccessRuleCharacteristic": str(CHARACTERISTIC_NUMBERS[rule.characteristic]),
            "msExchDeviceAccessRuleQueryString": rule.query_string,
            "msExchMobileAccessControl": str(LEVEL_NUMBERS[rule.access_level])}


def plan_rule(params: Mapping[str, Any], policy: Policy
              ) -> tuple[Rule | None, Rule | None, list[RuleOperation]]:
    """(existing rule or None, wanted Rule or None, LDAP operations)."""
    name = params["name"]
    existing = policy.find(name=name) if name else None
    if existing is None and params["query_string"]:
        existing = policy.find(characteristic=params["characteristic"],
                               query_string=params["query_string"])
    if params["state"] == "absent":
        return existing, None, [("delete", existing)] if existing else []
    wanted = Rule(existing.name if existing else name or default_rule_name(
        params["query_string"], params["characteristic"]), params["characteristic"],
        params["query_string"], params["access_level"])
    if existing is None:
        wanted.dn = "CN=%s,%s" % (escape_value(wanted.name), policy.dn)
        return None, wanted, [("add", wanted)]
    wanted.dn = existing.dn
    before, after = rule_attributes(existing), rule_attributes(wanted)
    changes = dict((attr, [(MODIFY_REPLACE, [value])]) for attr, value in after.items()
                   if before[attr] != value)
    return existing, wanted, [("modify", wanted, changes)] if changes else []


def plan_settings(params: Mapping[str, Any], policy: Policy) -> dict[str, list[Any]]:
    """LDAP changes to the mobile mailbox settings object."""
    changes: dict[str, list[Any]] = {}
    level = params["default_access_level"]
    if level is not None and level != policy.default_access_level:
        changes["msExchMobileAccessControl"] = [(MODIFY_REPLACE, [str(LEVEL_NUMBERS[level])])]
    wanted = params["admin_recipients"]
    if wanted is not None:
        have = dict((v.lower(), v) for v in policy.admin_recipients)
        want = dict((v.lower(), v) for v in wanted)
        ops: list[tuple[Any, list[str]]] = []
        gone = [have[k] for k in have if k not in want]
        new = [want[k] for k in want if k not in have]
        if gone:
            ops.append((MODIFY_DELETE, gone))
        if new:
            ops.append((MODIFY_ADD, new))
        if ops:
            changes["msExchMobileAdminRecipients"] = ops
    return changes


def describe(rule: Rule | None, settings: Mapping[str, Any]) -> str:
    lines = []
    if rule is not None:
        lines += ["rule: %s" % rule.name, "  characteristic: %s" % rule.characteristic,
                  "  query_string: %s" % rule.query_string,
                  "  access_level: %s" % rule.access_level]
    elif settings.get("rule_name"):
        lines.append("rule: %s (absent)" % settings["rule_name"])
    lines += ["default_access_level: %s" % settings["default_access_level"],
              "admin_recipients: [%s]" % ", ".join(settings["admin_recipients"])]
    return "\n".join(lines) + "\n"


def manages_rule(params: Mapping[str, Any]) -> bool:
    return bool(params["name"] or params["query_string"])


def check_request(params: Mapping[str, Any]) -> None:
    if params["state"] == "present" and manages_rule(params) and not (
            params["query_string"] and params["access_level"]):
        raise Failure("state=present needs characteristic, query_string and access_level")
    if params["query_string"] is not None and not params["query_string"].strip():
        raise Failure("query_string must not be empty")


def write(client: LdapClient, rule_ops: list[RuleOperation], policy: Policy,
          settings_changes: dict[str, list[Any]], actions: list[str], check_mode: bool) -> None:
    """Run (or, in check mode, only name) the rule operations and the settings modify;
    actions collects what was done, so a failure returns what was already written."""
    for op in rule_ops:
        actions.append("%s rule %s" % (VERBS[op[0]], op[1].name))
        if check_mode:
            continue
        if op[0] == "add":
            client.add(op[1].dn, ["top", RULE_CLASS], rule_attributes(op[1]))
        elif op[0] == "modify":
            client.modify(op[1].dn, op[2])
        else:
            client.delete(op[1].dn)
    if settings_changes:
        actions.append("update %s" % policy.dn)
        if not check_mode:
            # load_policy found it by its DN
            client.modify(cast(str, policy.dn), settings_changes, permissive=True)


def settings_after(params: Mapping[str, Any], before: Mapping[str, Any], after_policy: Policy,
                   check_mode: bool) -> dict[str, Any]:
    """The settings as they are after the run (in check mode: as they would be)."""
    after = dict(before)
    if params["default_access_level"]:
        after["default_access_level"] = params["default_access_level"]
    if params["admin_recipients"] is not None:
        after["admin_recipients"] = list(params["admin_recipients"])
    if not check_mode:
        after["default_access_level"] = after_policy.default_access_level
        after["admin_recipients"] = after_policy.admin_recipients
    return after


def apply_rule(client: LdapClient, params: Mapping[str, Any], actions: list[str],
               check_mode: bool = False, diff: bool = False) -> dict[str, Any]:
    """The module's run: the Exchange schema checked, the organization's policy read, the rule
    and settings operations planned and written (check mode: only named in actions), the
    policy read again after a write. The module's result (changed, actions, settings, rule,
    diff)."""
    require_exchange_schema(client, POLICY_SCHEMA)
    policy = load_policy(client, params["organization"])
    manage_rule = manages_rule(params)
    existing, wanted, rule_ops = plan_rule(params, policy) if manage_rule else (None, None, [])
    settings_changes = plan_settings(params, policy)
    before = dict(default_access_level=policy.default_access_level,
                  admin_recipients=policy.admin_recipients,
                  rule_name=params["name"] or (existing.name if existing else None))
    write(client, rule_ops, policy, settings_changes, actions, check_mode)
    after_policy = policy if check_mode or not actions else load_policy(
        client, params["organization"])
    after = settings_after(params, before, after_policy, check_mode)
    result: dict[str, Any] = dict(
        changed=bool(actions), actions=actions,
        settings=dict(dn=policy.dn, default_access_level=after["default_access_level"],
                      admin_recipients=after["admin_recipients"]))
    if manage_rule:
        result["rule"] = wanted.as_dict() if wanted else None
    if diff:
        result["diff"] = dict(before=describe(existing, before), after=describe(wanted, after))
    return result
