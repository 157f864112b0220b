#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_access_plan
short_description: What-if for Exchange ActiveSync device access, before you change rules or lists
version_added: 1.0.0
description:
  - For every device in scope, decides the access state Exchange would give it now, from the
    owner's allow and block lists, whether ActiveSync is enabled for the owner, the
    organization's device access rules and default access level; then applies the proposed
    O(changes) and decides again. Returns which devices move, and fails with O(fail_on_loss)
    when any device would go from Allowed to Blocked or Quarantined.
  - Two decision orders are known and both are implemented, see O(order).
  - The state Exchange cached in AD (C(msExchDeviceAccessState)) is returned as RV(devices[].current)
    next to the prediction; a difference (counted as C(drift) in RV(summary)) means AD's cache is older than the
    inputs, or Exchange saw something AD does not hold (for example an auto-block).
  - Reads only. Nothing in O(changes) is written; use M(adremedy.directory.eas_access_rule) and
    M(adremedy.directory.eas_allowed_devices) for that.
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
  - adremedy.directory.selection.WHOLE_DOMAIN
  - adremedy.directory.selection
  - adremedy.directory.selection.IDENTITIES
  - adremedy.directory.devices
options:
  organization:
    description: Name of the Exchange organization, needed only when the forest has more than one.
    type: str
  order:
    description:
      - V(seed) is the order Exchange 2010 documents, namely personal block list, personal allow list,
        then any matching Block rule, any matching Quarantine rule, any matching Allow rule, then
        the organization default.
      - V(exchange2013) is the order the Exchange 2013 code follows, namely personal block list,
        personal allow list, then the first rule matching by characteristic in the order
        UserAgent, DeviceOS, DeviceModel, DeviceType, then the default. The two differ when
        one device matches rules of different characteristics with different access levels.
      - In both, a device whose model is not known yet is in DeviceDiscovery when the
        organization has rules (or a Quarantine default), and a user with ActiveSync disabled has
        no access whatever the lists say (reason V(ActiveSyncDisabled)).
    type: str
    choices: [seed, exchange2013]
    default: seed
  changes:
    description: The proposed changes, applied in order.
    type: list
    elements: dict
    default: []
    suboptions:
      action:
        description:
          - V(remove_rule) and V(add_rule) take a rule away or add one (replacing a rule of the
            same name); V(set_default_access_level) changes the organization default;
            V(add_entries) and V(remove_entries) change allow and block lists.
        type: str
        required: true
        choices: [remove_rule, add_rule, set_default_access_level, add_entries, remove_entries]
      name:
        description: Rule name; defaults to V(<query_string> (<characteristic>)).
        type: str
      characteristic:
        description: Rule characteristic.
        type: str
        choices: [DeviceType, DeviceModel, DeviceOS, UserAgent, XMSWLHeader]
      query_string:
        description: Rule query string.
        type: str
      access_level:
        description: Access level of the added rule, or the new default.
        type: str
        choices: [Allow, Block, Quarantine]
      entries:
        description:
          - Allow and block list entries in the form M(adremedy.directory.eas_allowed_devices)
            takes, namely V({user, allowed, blocked}) or device records.
        type: list
        elements: dict
  fail_on_loss:
    description:
      - Fail, naming every device, when the changes would take any device from Allowed to
        Blocked or Quarantined.
    type: bool
    default: false
  details:
    description: Return every device in RV(devices), not only those the changes move.
    type: bool
    default: false
seealso:
  - module: adremedy.directory.eas_access_rule
  - module: adremedy.directory.eas_allowed_devices
  - module: adremedy.directory.eas_device_info
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Would anyone lose access if the iPhone rule went away?
  adremedy.directory.eas_access_plan:
    search_base: OU=Staff,DC=example,DC=com
    changes:
      - action: remove_rule
        name: "iPhone15,2 (DeviceModel)"
    fail_on_loss: true

- name: Allowed iPhone 15 Pro devices not yet on their owner's allow list
  adremedy.directory.eas_device_info:
    search_base: OU=Staff,DC=example,DC=com
    device_model: ["iPhone15,2"]
    access_state: [Allowed]
    exclude_individual: true
  register: iphones

- name: The same, after copying those device IDs to their owners' allow lists
  adremedy.directory.eas_access_plan:
    search_base: OU=Staff,DC=example,DC=com
    device_model: ["iPhone15,2"]
    changes:
      - action: add_entries
        entries: "{{ iphones.devices }}"
      - action: remove_rule
        characteristic: DeviceModel
        query_string: "iPhone15,2"
    fail_on_loss: true

- name: What a Quarantine default would do
  adremedy.directory.eas_access_plan:
    search_base: DC=example,DC=com
    changes:
      - action: set_default_access_level
        access_level: Quarantine
  register: what_if
"""

RETURN = r"""
summary:
  description: Counts over the devices in scope.
  returned: always
  type: dict
  sample:
    devices: 13
    moved: 3
    loses_access: 3
    drift: 0
    transitions: {"Allowed -> Quarantined": 3}
devices:
  description: The devices the changes move (every device with O(details)).
  returned: always
  type: list
  elements: dict
  contains:
    dn:
      description: The device object's DN.
      type: str
    device_id:
      description: msExchDeviceID.
      type: str
    device_model:
      description: msExchDeviceModel.
      type: str
    owner_dn:
      description: The owner's DN.
      type: str
    owner_sam_account_name:
      description: The owner's sAMAccountName.
      type: str
    owner_mail:
      description: The owner's primary SMTP address (C(mail), else the C(SMTP:) proxy address).
      type: str
      version_added: 2.0.0
    current:
      description: The state Exchange cached in AD.
      type: str
    now:
      description: The state predicted from today's inputs.
      type: str
    now_reason:
      description: Why (Individual, DeviceRule, Global, DeviceRule during discovery, ActiveSyncDisabled).
      type: str
    now_rule:
      description: The rule that decides now, if one does.
      type: str
    after:
      description: The state predicted after the changes.
      type: str
    after_reason:
      description: Why, after the changes.
      type: str
    after_rule:
      description: The rule that decides after the changes.
      type: str
    moved:
      description: The state changes.
      type: bool
    loses_access:
      description: Allowed now, Blocked or Quarantined after.
      type: bool
lost:
  description: The devices that would lose access (also in RV(devices)).
  returned: always
  type: list
  elements: dict
policy:
  description: The organization's rules and default before and after the changes.
  returned: always
  type: dict
  sample: {before: {default_access_level: Quarantine, rules: ["iPhone15,2 (DeviceModel)"]}, after: {default_access_level: Quarantine, rules: []}}
default_naming_context:
  description:
    - The DN of the domain the DC serves (its RootDSE's C(defaultNamingContext)), for callers
      that plan over the whole domain, as device_rollout's close does for users given by DN.
  returned: always
  type: str
  sample: DC=example,DC=com
msg:
  description: One-line summary.
  returned: always
  type: str
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_plan import (
    SCHEMA, AccessPlan, plan_argument_spec)

OPTIONS = ArgumentSpec(dict(
    plan_argument_spec(),  # the device filters, organization, order, changes
    fail_on_loss=dict(type="bool", default=False),
    details=dict(type="bool", default=False),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, selection=True, whole_domain=True, identities=True,
                            exchange_schema=SCHEMA)
    with module.failing():
        plan = AccessPlan(module.params)
    with module.client() as client:
        plan.read(client, module.selection(client))
    module.exit_or_fail(*plan.result())


if __name__ == "__main__":
    main()
