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

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._access_rules import (
    CHARACTERISTIC_NUMBERS, LEVEL_NUMBERS, apply_rule, check_request)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)

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


def main() -> None:
    module = AdremedyModule(OPTIONS)
    actions: list[str] = []  # what was written so far, returned with a failure too
    with module.client(lambda: dict(actions=actions)) as client:
        result = apply_rule(client, module.params, actions, module.check_mode, module._diff)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
