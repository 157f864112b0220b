#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_readiness_info
short_description: Which users Exchange ActiveSync would fail for, and why
version_added: 1.0.0
description:
  - For every user in scope, works out what Exchange does when a phone first syncs, namely whether
    ActiveSync is enabled for the user (C(msExchOmaAdminWirelessEnable) bit 4 clear or absent),
    and whether the Exchange Servers group effectively holds Create Child of
    C(msExchActiveSyncDevices) on the user, computed from the user's DACL the way the DC's access
    check does (deny before allow by order, inherit-only ACEs skipped, object type matched).
    When it does not and the C(ExchangeActiveSyncDevices) container does not exist yet, Exchange
    fails with event 1053 and the phone gets HTTP 403 or 500.
  - Also reports the inheritance state, the AdminSDHolder protection class, whether the container
    exists, the number of device partnerships, device IDs on both the allow and block list, and
    IDs stored twice in different case.
  - The Exchange Servers group is found through C(otherWellKnownObjects) on
    C(CN=Microsoft Exchange,CN=Services) of the configuration NC, as Exchange finds it; the class
    GUID of C(msExchActiveSyncDevices) is read from the schema, with the documented value as
    fallback.
  - Reads only.
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
  - adremedy.directory.selection.WHOLE_DOMAIN
  - adremedy.directory.selection
  - adremedy.directory.selection.IDENTITIES
options:
  details:
    description:
      - Return a row for every user in RV(users). Off by default, so that RV(would_fail) and
        RV(summary) stay small on large directories.
    type: bool
    default: false
seealso:
  - module: adremedy.directory.inheritance
  - module: adremedy.directory.protected_accounts_info
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Who would hit event 1053
  adremedy.directory.eas_readiness_info:
    search_base: OU=Staff,DC=example,DC=com
  register: readiness

- name: Fail the play when anyone would
  ansible.builtin.assert:
    that: readiness.summary.would_fail == 0
    fail_msg: "{{ readiness.would_fail | map(attribute='sam_account_name') | list }}"
"""

RETURN = r"""
summary:
  description: Counts over the users in scope.
  returned: success
  type: dict
  sample:
    users: 50
    eas_enabled: 48
    eas_disabled: 2
    inheritance_disabled: 3
    exchange_can_create: 46
    exchange_cannot_create: 4
    would_fail: 3
    protected: 1
    orphaned: 0
    with_container: 13
    devices: 13
    list_conflicts: 1
    case_duplicates: 1
    unreadable: 0
would_fail:
  description: Users with ActiveSync enabled, no devices container yet, and no right for Exchange Servers to create it; each with the reason
    (and, for protected and unmarked accounts, RV(users[].exchange_can_create_after_sdprop) and RV(users[].after_sdprop_reason)).
  returned: success
  type: list
  elements: dict
  sample:
    - dn: CN=User 00007,OU=Engineering,OU=Staff,DC=example,DC=com
      sam_account_name: u00007
      inheritance: disabled
      protection: null
      reason: inheritance is disabled and no explicit ACE gives Exchange Servers Create Child of msExchActiveSyncDevices (event 1053)
cannot_create:
  description: Users on whom Exchange Servers lack the right, whether or not a sync would fail today (their container may already exist, or ActiveSync is off).
  returned: success
  type: list
  elements: str
list_findings:
  description: Users whose allow and block lists conflict or hold case-duplicates.
  returned: success
  type: list
  elements: dict
  sample: [{dn: "CN=User 00002,OU=Sales,DC=example,DC=com", list_conflicts: [ApplC0NFL1CT], case_duplicates: []}]
unreadable:
  description: Users whose DACL could not be read or parsed, with the error.
  returned: success
  type: list
  elements: dict
users:
  description: One row per user (only with O(details)).
  returned: when details is true
  type: list
  elements: dict
  contains:
    dn:
      description: Distinguished name.
      type: str
    sam_account_name:
      description: sAMAccountName.
      type: str
    user_principal_name:
      description: userPrincipalName.
      type: str
    mail:
      description: The primary SMTP address (C(mail), else the C(SMTP:) proxy address).
      type: str
      version_added: 2.0.0
    eas_enabled:
      description: ActiveSync enabled for the user.
      type: bool
    inheritance:
      description: V(enabled) or V(disabled).
      type: str
    protection:
      description: V(protected), V(unmarked), V(orphaned), or null.
      type: str
    exchange_can_create:
      description: Exchange Servers effectively hold Create Child of msExchActiveSyncDevices on the user.
      type: bool
    container:
      description: CN=ExchangeActiveSyncDevices exists under the user.
      type: bool
    devices:
      description: Device partnerships (msExchActiveSyncDevice objects) under the user.
      type: int
    list_conflicts:
      description: Device IDs on both the allow and the block list (case-insensitive).
      type: list
      elements: str
    case_duplicates:
      description: Device IDs stored more than once on one list in different case.
      type: list
      elements: str
    would_fail:
      description: A first sync would fail with event 1053.
      type: bool
    reason:
      description: Why Exchange Servers cannot create the container, null when they can.
      type: str
    exchange_can_create_after_sdprop:
      description:
        - For protected and unmarked accounts, whether Exchange Servers could create the
          C(ExchangeActiveSyncDevices) container once SDProp has stamped AdminSDHolder's DACL on
          the account (its DACL then AdminSDHolder's ACEs, protected, nothing inherited from the
          OU), computed as the DC's access check evaluates that DACL. So ticking "Include
          inheritable permissions" on an admin account helps only until SDProp runs unless this
          is true.
        - An inherit-only ACE of AdminSDHolder stays inherit-only on the account, whatever class
          it names as inherited object type (the DC keeps explicit ACEs as stamped, MS-ADTS
          6.1.3; measured on Samba). So Exchange 2013's
          C((OA;CIIO;CCDCLC;msExchActiveSyncDevices;user;Exchange Servers)) on AdminSDHolder does
          not let Exchange create the container on the account.
        - V(null) where it cannot be told (AdminSDHolder not readable, a conditional ACE decides).
        - AdminSDHolder is read once per run.
      type: bool
      returned: for protected and unmarked accounts
      version_added: 2.0.0
    after_sdprop_reason:
      description: Which ACE of AdminSDHolder decides RV(users[].exchange_can_create_after_sdprop), or why it is not known.
      type: str
      returned: for protected and unmarked accounts
      version_added: 2.0.0
exchange_servers:
  description:
    - The Exchange Servers group used, and the SIDs Exchange creates the devices container with
      (RV(exchange_servers.token)) - the group and the groups it is nested in, Everyone,
      Authenticated Users and, for each account that is a member of the group (the Exchange
      servers' computer accounts), its own SID and its groups (C(tokenGroups), such as Domain Computers,
      Exchange Trusted Subsystem and the like), so that a deny on any of them is seen.
    - Each server is judged with its own token (RV(exchange_servers.servers)); Exchange can create
      the container only when every server can.
  returned: success
  type: dict
  sample: {dn: "CN=Exchange Servers,OU=Microsoft Exchange Security Groups,DC=example,DC=com", sid: S-1-5-21-1-2-3-1120}
  contains:
    dn:
      description: The Exchange Servers group's DN.
      type: str
    sid:
      description: The Exchange Servers group's SID.
      type: str
    token:
      description: Every SID of every Exchange server's token.
      type: list
      elements: str
    servers:
      description: Each account that is a member of Exchange Servers, with its token.
      type: list
      elements: dict
      version_added: 2.0.0
container_class_guid:
  description: schemaIDGUID of msExchActiveSyncDevices used, and where it came from (V(schema) or V(documented)).
  returned: success
  type: dict
  sample: {guid: c975c901-6cea-4b6f-8319-d67f45449506, source: schema}
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
    readiness_report)

OPTIONS = ArgumentSpec(dict(details=dict(type="bool", default=False)))


def main() -> None:
    module = AdremedyModule(OPTIONS, selection=True, whole_domain=True, identities=True)
    with module.client() as client, module.global_catalog() as catalog:
        result = readiness_report(client, module.selection(client), catalog,
                                  module.params["details"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
