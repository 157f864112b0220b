#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_device_info
short_description: Inventory of Exchange ActiveSync device partnerships in Active Directory
version_added: 1.0.0
description:
  - Lists the device partnerships Exchange keeps in AD, with their owners, filtered by model,
    type, OS, user agent, cached access state and reason.
  - The access state in AD is a cache of Exchange's last decision for the device, good for
    selecting devices (for example all allowed devices of one model); use
    M(adremedy.directory.eas_access_plan) to work out what Exchange would decide now.
  - Devices still in discovery have no model; they are listed, and O(device_model) with an
    empty string selects them.
  - O(query) applies a JMESPath expression to the records inside the module (with the
    C(jmespath) library), so a large inventory can be reduced before it reaches the controller.
  - Reads only.
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
  - adremedy.directory.selection.WHOLE_DOMAIN
  - adremedy.directory.selection
  - adremedy.directory.selection.IDENTITIES
  - adremedy.directory.devices
options:
  query:
    description:
      - JMESPath expression applied to the list of device records. Its result is returned in
        RV(query_result) instead of RV(devices).
      - 'For example V([].{user: owner_dn, allowed: [device_id]}) gives entries that
        M(adremedy.directory.eas_allowed_devices) takes as they are.'
    type: str
requirements:
  - ldap3
  - jmespath (only with O(query))
seealso:
  - module: adremedy.directory.eas_allowed_devices
  - module: adremedy.directory.eas_access_plan
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Allowed iPhone 15 Pro devices not yet on their owner's allow list
  adremedy.directory.eas_device_info:
    search_base: OU=Staff,DC=example,DC=com
    device_model: ["iPhone15,2"]
    access_state: [Allowed]
    exclude_individual: true
  register: iphones

- name: Only the owners and device IDs, shaped for eas_allowed_devices
  adremedy.directory.eas_device_info:
    search_base: OU=Staff,DC=example,DC=com
    device_model: ["iPhone15,2"]
    query: "[].{user: owner_dn, allowed: [device_id]}"
  register: harvest

- name: Devices still in discovery (no model reported yet), in the whole domain
  adremedy.directory.eas_device_info:
    device_model: [""]
"""

RETURN = r"""
summary:
  description: Counts over the devices found (after the filters, before O(query)).
  returned: success
  type: dict
  sample:
    devices: 13
    owners: 10
    by_access_state: {Allowed: 6, Quarantined: 4, DeviceDiscovery: 2, Blocked: 1}
    by_model: {"iPhone15,2": 3, "(none)": 2}
devices:
  description: One record per device (not returned with O(query)).
  returned: success and query is not set
  type: list
  elements: dict
  contains:
    dn:
      description: The device object's DN.
      type: str
    device_id:
      description: msExchDeviceID, the ID that goes on allow and block lists.
      type: str
    device_type:
      description: msExchDeviceType.
      type: str
    device_model:
      description: msExchDeviceModel, null while the device is in discovery.
      type: str
    device_os:
      description: msExchDeviceOS.
      type: str
    user_agent:
      description: msExchDeviceUserAgent.
      type: str
    friendly_name:
      description: msExchDeviceFriendlyName.
      type: str
    access_state:
      description: Cached access state by name (Unknown, Allowed, Blocked, Quarantined, DeviceDiscovery).
      type: str
    access_state_reason:
      description: Cached reason by name (Global, Individual, DeviceRule, Upgrade, Policy, ...).
      type: str
    access_rule:
      description: Name of the device access rule that decided, from msExchDeviceAccessControlRuleLink.
      type: str
    access_rule_dn:
      description: DN of that rule.
      type: str
    owner_dn:
      description: The owning user's DN.
      type: str
    owner_sam_account_name:
      description: The owner's sAMAccountName.
      type: str
    owner_user_principal_name:
      description: The owner's userPrincipalName.
      type: str
    owner_mail:
      description: The owner's primary SMTP address (C(mail), else the C(SMTP:) proxy address).
      type: str
      version_added: 2.0.0
    when_created:
      description: The partnership object's C(whenCreated) (UTC, ISO 8601).
      type: str
      version_added: 2.0.0
      sample: "2026-11-28T15:15:42Z"
    first_seen:
      description:
        - When the device first synced (UTC, ISO 8601) - Exchange's C(msExchFirstSyncTime) where
          the directory has it, else the partnership's C(whenCreated) (Exchange creates the
          object on the device's first sync). Null when neither can be read.
      type: str
      version_added: 2.0.0
      sample: "2026-11-28T15:15:42Z"
  sample:
    - dn: "CN=iPhone\u00a7ABC123,CN=ExchangeActiveSyncDevices,CN=Jane Doe,OU=Staff,DC=example,DC=com"
      device_id: ABC123
      device_type: iPhone
      device_model: "iPhone15,2"
      access_state: Allowed
      access_state_reason: DeviceRule
      access_rule: "iPhone15,2 (DeviceModel)"
      owner_dn: CN=Jane Doe,OU=Staff,DC=example,DC=com
      owner_sam_account_name: jdoe
query_result:
  description: The result of O(query).
  returned: when query is set
  type: raw
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    JMESPATH_IMPORT_ERROR, SCHEMA, DeviceFilter, compile_query, device_filter_argument_spec,
    find_devices, inventory)

OPTIONS = ArgumentSpec(dict(device_filter_argument_spec(), query=dict(type="str")))


def main() -> None:
    module = AdremedyModule(OPTIONS, selection=True, whole_domain=True, identities=True,
                            exchange_schema=SCHEMA)
    params = module.params
    if params["query"]:
        module.need_library("jmespath", JMESPATH_IMPORT_ERROR)
    with module.failing():
        query = compile_query(params["query"]) if params["query"] else None
        device_filter = DeviceFilter(params)
    with module.client() as client:
        # the owners (every user in scope, at 100,000 users tens of MB) go before the result is
        # built: exit_json copies the records once more to scrub them
        records = find_devices(client, module.selection(client), device_filter)[0]
    with module.failing():
        result = inventory(records, query, params["query"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
