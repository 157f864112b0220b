#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_access_rule
short_description: Exchange ActiveSync device access rules and the organization's default access level
version_added: 1.0.0
description:
  - Creates, updates and removes device access rules (C(msExchDeviceAccessRule) objects under
    the Exchange organization's C(CN=Mobile Mailbox Settings)), as New-, Set- and
    Remove-ActiveSyncDeviceAccessRule do, and sets the organization's default access level and
    admin mail recipients, as Set-ActiveSyncOrganizationSettings does.
  - The organization and its mobile mailbox settings are found by search under
    C(CN=Microsoft Exchange,CN=Services) of the configuration NC.
  - A rule is identified by O(name), or by O(characteristic) and O(query_string) when no rule
    has that name. A rule found by its query keeps its name.
  - Before changing access for devices that are connected now, run
    M(adremedy.directory.eas_access_plan) to see which devices the change moves.
extends_documentation_fragment:
  - adremedy.directory.connection
attributes:
  check_mode:
    support: full
    description: Reports what would change without writing.
  diff_mode:
    support: full
    description: The rule and the organization settings before and after.
options:
  organization:
    description:
      - Name of the Exchange organization. Needed only when the forest has more than one.
    type: str
  name:
    description:
      - Name of the rule. Defaults to V(<query_string> (<characteristic>)), the name Exchange
        gives a new rule.
    type: str
  characteristic:
    description: The device property the rule compares.
    type: str
    choices: [DeviceType, DeviceModel, DeviceOS, UserAgent, XMSWLHeader]
  query_string:
    description:
      - The value compared, exactly and case-insensitively (no wildcards), for example
        V(iPhone15,2) for a model.
    type: str
  access_level:
    description: What the rule does to matching devices. Required to create or update a rule.
    type: str
    choices: [Allow, Block, Quarantine]
  state:
    description: Whether the rule exists.
    type: str
    choices: [present, absent]
    default: present
  default_access_level:
    description:
      - The organization's default for devices no rule and no personal list decides. Changing it
        from Allow affects connected devices at once.
    type: str
    choices: [Allow, Block, Quarantine]
  admin_recipients:
    description:
      - SMTP addresses that get the quarantine notification mails (exactly these; compared
        case-insensitively). An empty list clears them.
    type: list
    elements: str
notes:
  - The bind account needs create and delete of C(msExchDeviceAccessRule) objects and write
    access on C(CN=Mobile Mailbox Settings) (Organization Management has both).
  - A missing Exchange schema, a forest where Exchange is not prepared, or an organization
    without mobile mailbox settings fail with one line naming what is missing and the LDAP
    code, before anything is written.
seealso:
  - module: adremedy.directory.eas_access_plan
  - module: adremedy.directory.eas_device_info
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Allow iPhone 15 Pro devices (rule "iPhone15,2 (DeviceModel)")
  adremedy.directory.eas_access_rule:
    characteristic: DeviceModel
    query_string: "iPhone15,2"
    access_level: Allow

- name: Remove the rule again
  adremedy.directory.eas_access_rule:
    name: "iPhone15,2 (DeviceModel)"
    state: absent

- name: Quarantine unknown devices and tell the mobile team
  adremedy.directory.eas_access_rule:
    default_access_level: Quarantine
    admin_recipients: [mobile-team@example.com]
"""

RETURN = r"""
rule:
  description: The rule after the run (null when it does not exist).
  returned: when a rule was named
  type: dict
  sample:
    name: "iPhone15,2 (DeviceModel)"
    characteristic: DeviceModel
    query_string: "iPhone15,2"
    access_level: Allow
    dn: "CN=iPhone15\\,2 (DeviceModel),CN=Mobile Mailbox Settings,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=example,DC=com"
settings:
  description: The organization's mobile mailbox settings after the run.
  returned: success
  type: dict
  sample: {dn: "CN=Mobile Mailbox Settings,CN=Contoso,...", default_access_level: Quarantine, admin_recipients: [mobile-team@example.com]}
actions:
  description: What was done (or would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: ["create rule iPhone15,2 (DeviceModel)"]
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import escape_value
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    ACCESS_LEVELS, CHARACTERISTICS, Rule, default_rule_name)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    POLICY_SCHEMA, RULE_CLASS, load_policy, require_exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import AdremedyModule

LEVEL_NUMBERS = dict((name, number) for number, name in ACCESS_LEVELS.items())
VERBS = {"add": "create", "modify": "update", "delete": "remove"}
CHARACTERISTIC_NUMBERS = dict((name, number) for number, name in CHARACTERISTICS.items())


def rule_attributes(rule):
    return {"msExchDeviceAccessRuleCharacteristic": str(CHARACTERISTIC_NUMBERS[rule.characteristic]),
            "msExchDeviceAccessRuleQueryString": rule.query_string,
            "msExchMobileAccessControl": str(LEVEL_NUMBERS[rule.access_level])}


def plan_rule(params, policy):
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


def plan_settings(params, policy):
    """LDAP changes to the mobile mailbox settings object."""
    changes = {}
    level = params["default_access_level"]
    if level is not None and level != policy.default_access_level:
        changes["msExchMobileAccessControl"] = [(MODIFY_REPLACE, [str(LEVEL_NUMBERS[level])])]
    wanted = params["admin_recipients"]
    if wanted is not None:
        have = dict((v.lower(), v) for v in policy.admin_recipients)
        want = dict((v.lower(), v) for v in wanted)
        ops = []
        gone = [have[k] for k in have if k not in want]
        new = [want[k] for k in want if k not in have]
        if gone:
            ops.append((MODIFY_DELETE, gone))
        if new:
            ops.append((MODIFY_ADD, new))
        if ops:
            changes["msExchMobileAdminRecipients"] = ops
    return changes


def describe(rule, settings):
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


def manages_rule(params):
    return bool(params["name"] or params["query_string"])


def check_request(params):
    if params["state"] == "present" and manages_rule(params) and not (
            params["query_string"] and params["access_level"]):
        raise Failure("state=present needs characteristic, query_string and access_level")
    if params["query_string"] is not None and not params["query_string"].strip():
        raise Failure("query_string must not be empty")


OPTIONS = ArgumentSpec(dict(
    organization=dict(type="str"),
    name=dict(type="str"),
    characteristic=dict(type="str", choices=list(CHARACTERISTIC_NUMBERS)),
    query_string=dict(type="str"),
    access_level=dict(type="str", choices=list(LEVEL_NUMBERS)),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    default_access_level=dict(type="str", choices=list(LEVEL_NUMBERS)),
    admin_recipients=dict(type="list", elements="str"),
), required_together=[("characteristic", "query_string")], checks=[check_request])


def write(client, rule_ops, policy, settings_changes, actions, check_mode):
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
            client.modify(policy.dn, settings_changes, permissive=True)


def settings_after(params, before, after_policy, check_mode):
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


def main():
    module = AdremedyModule(OPTIONS)
    params = module.params
    manage_rule = manages_rule(params)
    actions = []
    with module.client(lambda: dict(actions=actions)) as client:
        require_exchange_schema(client, POLICY_SCHEMA)
        policy = load_policy(client, params["organization"])
        existing, wanted, rule_ops = plan_rule(params, policy) if manage_rule else (None, None, [])
        settings_changes = plan_settings(params, policy)
        before = dict(default_access_level=policy.default_access_level,
                      admin_recipients=policy.admin_recipients,
                      rule_name=params["name"] or (existing.name if existing else None))
        write(client, rule_ops, policy, settings_changes, actions, module.check_mode)
        after_policy = policy if module.check_mode or not actions else load_policy(
            client, params["organization"])
    after = settings_after(params, before, after_policy, module.check_mode)
    result = dict(changed=bool(actions), actions=actions,
                  settings=dict(dn=policy.dn, default_access_level=after["default_access_level"],
                                admin_recipients=after["admin_recipients"]))
    if manage_rule:
        result["rule"] = wanted.as_dict() if wanted else None
    if module._diff:
        result["diff"] = dict(before=describe(existing, before),
                              after=describe(wanted, after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
