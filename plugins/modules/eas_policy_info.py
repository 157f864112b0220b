#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_policy_info
short_description: Mobile device mailbox policies, who each applies to, against the CIS baseline
version_added: 2.1.0
description:
  - Lists the Exchange organization's mobile device mailbox policies (C(msExchMobileMailboxPolicy)
    objects under C(CN=Mobile Mailbox Policies), what C(Get-MobileDeviceMailboxPolicy) shows) with
    their settings decoded from the attributes and the flag words C(msExchMobileFlags) and
    C(msExchMobileAdditionalFlags), Exchange's defaults standing in for attributes not set.
  - Counts the selected users per policy as Exchange applies them - the policy a user's
    C(msExchMobileMailboxPolicyLink) names, else the organization's default policy (the one
    marked default; of several, the one changed last, as Exchange's ActiveSync server picks it).
    A link to a policy that no longer exists counts for the default, as Exchange falls back to it.
  - Compares each policy with the CIS Microsoft Exchange Server 2019 Benchmark v1.0.0 Level 1
    mobile items 3.1 to 3.11 (simple passwords, unmanaged devices, password history, minimum
    length, attempts, expiration, refresh interval, alphanumeric, device encryption, password
    required, inactivity lock) and says per policy which passed and which failed.
  - Reads only.
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
  - adremedy.directory.selection.WHOLE_DOMAIN
  - adremedy.directory.selection
  - adremedy.directory.selection.IDENTITIES
options:
  organization:
    description:
      - Name of the Exchange organization. Needed only when the forest has more than one.
    type: str
  list_users:
    description:
      - Which users each policy lists in RV(policies[].members).
      - V(none) gives only the counts (the result stays small at any size), V(linked) the users
        whose link names the policy, V(all) every user the policy applies to, including the
        default policy's (one entry per selected user).
    type: str
    choices: [none, linked, all]
    default: none
requirements:
  - ldap3
notes:
  - Users are selected as by every read-only module of the collection (the whole domain by
    default, users and inetOrgPersons); add C((homeMDB=*)) to O(filter) to count mailbox users
    only.
  - The CIS benchmark's own text was not available; the property each item checks follows public
    tools that cite its item numbers. Item 3.7 (refresh interval V(1)) is judged as one hour,
    the unit Exchange 2010's console showed; some tools read it as one day (RV(policies[].baseline)
    says so in the item's C(note)). Facts and sources are in the collection's
    C(docs/reference/mobile-mailbox-policies.md).
  - A forest without the Exchange schema, or without its policy class, fails with one line
    naming what is missing.
  - Warnings name several policies marked default, no default policy, links to no policy and
    attribute values that are no number.
seealso:
  - module: adremedy.directory.eas_device_info
  - module: adremedy.directory.eas_access_rule
  - name: CIS Microsoft Exchange Server benchmarks
    description: The benchmark the items come from.
    link: https://www.cisecurity.org/benchmark/microsoft_exchange_server
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Mobile device mailbox policies of the organization against the CIS items
  adremedy.directory.eas_policy_info:
  register: mobile_policies

- name: Fail when the default policy misses a CIS item
  vars:
    default_policy: "{{ mobile_policies.policies | selectattr('applied_as_default') | first }}"
  ansible.builtin.assert:
    that: default_policy.baseline.failed | length == 0
    fail_msg: "{{ default_policy.name }} misses CIS items {{ default_policy.baseline.failed | join(', ') }}"

- name: Policies that miss an item, and how many users each applies to
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.users.total }} users, fails {{ item.baseline.failed | join(', ') }}"
  loop: "{{ mobile_policies.policies | selectattr('baseline.failed') | list }}"
  loop_control:
    label: "{{ item.name }}"

- name: Which Staff users have a policy of their own
  adremedy.directory.eas_policy_info:
    search_base: OU=Staff,DC=example,DC=com
    filter: (&(objectCategory=person)(objectClass=user)(homeMDB=*))
    list_users: linked
"""

RETURN = r"""
baseline:
  description: The baseline each policy is compared with.
  returned: success
  type: str
  sample: CIS Microsoft Exchange Server 2019 Benchmark v1.0.0 Level 1
summary:
  description: Counts over the policies and the selected users.
  returned: success
  type: dict
  contains:
    policies:
      description: Policies in the organization.
      type: int
    default_policy:
      description: Name of the policy users without a link get; null when none is marked default.
      type: str
    marked_default:
      description: Policies marked default (more than one is a misconfiguration Exchange logs).
      type: int
    policies_failing_baseline:
      description: Policies that miss at least one item and apply to at least one selected user.
      type: int
    policies_failing_baseline_unused:
      description: Policies that miss at least one item and apply to none of the selected users.
      type: int
    users:
      description: Users selected.
      type: int
    users_linked:
      description: Users whose link names a policy of the organization.
      type: int
    users_by_default:
      description: Users the default policy applies to (no link, or a link to no policy).
      type: int
    users_without_policy:
      description: Users no policy applies to (no link and no default policy).
      type: int
    users_with_unknown_link:
      description: Users whose link names no policy of the organization (counted in RV(summary.users_by_default)).
      type: int
    users_on_failing_policies:
      description: Users whose policy misses at least one item.
      type: int
  sample:
    policies: 2
    default_policy: Default
    marked_default: 1
    policies_failing_baseline: 1
    policies_failing_baseline_unused: 0
    users: 50
    users_linked: 3
    users_by_default: 47
    users_without_policy: 0
    users_with_unknown_link: 0
    users_on_failing_policies: 3
policies:
  description: The organization's policies by name.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The policy's name.
      type: str
    dn:
      description: The policy object's DN.
      type: str
    is_default:
      description: Marked default (bit 0x1000 of C(msExchMobileFlags)).
      type: bool
    applied_as_default:
      description: The policy users without a link get.
      type: bool
    when_changed:
      description: The object's C(whenChanged) (UTC, ISO 8601).
      type: str
    settings:
      description:
        - Every decoded setting, named as C(Get-MobileDeviceMailboxPolicy)'s properties in snake
          case (V(password_enabled), V(allow_non_provisionable_devices),
          V(require_device_encryption), V(min_password_length), ...).
        - Time spans are in seconds, with C(_seconds) in their names. Null is not set - no
          minimum, or V(Unlimited).
        - V(device_encryption_enabled) is also RequireStorageCardEncryption (the same bit).
      type: dict
      sample:
        password_enabled: true
        allow_simple_password: false
        allow_non_provisionable_devices: false
        require_device_encryption: true
        min_password_length: 6
        max_password_failed_attempts: 10
        password_expiration_seconds: 7776000
        max_inactivity_time_lock_seconds: 900
        allow_bluetooth: Allow
    mobile_flags:
      description: C(msExchMobileFlags) as stored; null when not set (Exchange's default word applies).
      type: int
    additional_flags:
      description: C(msExchMobileAdditionalFlags) as stored; null when not set.
      type: int
    baseline:
      description: The comparison with RV(baseline).
      type: dict
      contains:
        passed:
          description: Item numbers the policy meets.
          type: list
          elements: str
        failed:
          description: Item numbers it misses.
          type: list
          elements: str
        checks:
          description:
            - One entry per item - V(id), V(title), V(setting) (the key in RV(policies[].settings)),
              V(property) (C(Get-MobileDeviceMailboxPolicy)'s name), V(expected), V(actual),
              V(passed), and V(note) where the item's reading is not confirmed.
          type: list
          elements: dict
    users:
      description: Users the policy applies to - V(linked), V(by_default) and V(total).
      type: dict
      sample: {linked: 3, by_default: 0, total: 3}
    members:
      description: The users, each V(dn), V(sam_account_name) and V(linked).
      returned: when O(list_users) is not V(none)
      type: list
      elements: dict
  sample:
    - name: Legacy Devices
      dn: CN=Legacy Devices,CN=Mobile Mailbox Policies,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=example,DC=com
      is_default: false
      applied_as_default: false
      baseline:
        passed: ["3.4"]
        failed: ["3.1", "3.2", "3.3", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11"]
      users: {linked: 3, by_default: 0, total: 3}
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
    POLICY_SCHEMA, policy_inventory)

OPTIONS = ArgumentSpec(dict(
    organization=dict(type="str"),
    list_users=dict(type="str", choices=["none", "linked", "all"], default="none"),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, selection=True, whole_domain=True, identities=True,
                            exchange_schema=POLICY_SCHEMA)
    params = module.params
    with module.client() as client:
        result = policy_inventory(client, module.selection(client), params["organization"],
                                  params["list_users"])
    # several policies marked default, none, links to no policy, values that are no number
    for text in result.pop("warnings"):
        module.warn(text)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
