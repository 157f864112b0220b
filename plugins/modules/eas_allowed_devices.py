#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_allowed_devices
short_description: Bulk edits of users' ActiveSync allow and block lists
version_added: 1.0.0
description:
  - Adds device IDs to, or removes them from, the per-user lists Exchange checks before any
    device access rule, namely C(msExchMobileAllowedDeviceIDs) (Set-CASMailbox
    C(-ActiveSyncAllowedDeviceIDs)) and C(msExchMobileBlockedDeviceIDs)
    (C(-ActiveSyncBlockedDeviceIDs)), for many users in one task.
  - IDs compare case-insensitively, so an ID already stored in another case is not added again.
  - With O(state=present) and O(state=absent) single values are added and deleted with the
    permissive-modify control, so values written by someone else in the meantime are never lost.
    Only O(state=exact) replaces a whole list, and only the lists an entry names.
  - Every user and every device ID is checked before anything is written; an unknown user, a
    malformed device ID or an ID requested for both lists fails the task with nothing changed.
  - Each user's lists change in one LDAP modify, are read back and verified.
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.bulk
attributes:
  check_mode:
    support: full
    description: Returns the same counts and per-user changes as a real run, writing nothing.
  diff_mode:
    support: full
    description: Both lists of each changed user, before and after.
options:
  entries:
    description:
      - One item per user, V({user, allowed, blocked}). O(entries[].user) is a DN, a
        sAMAccountName or a userPrincipalName. Several items for one user are merged.
      - Device records from M(adremedy.directory.eas_device_info) can be given as they are;
        their C(device_id) goes on the list O(device_id_list) names, for the user in
        C(owner_dn).
    type: list
    elements: dict
    required: true
    suboptions:
      user:
        description: DN, sAMAccountName or userPrincipalName of the user.
        type: str
      allowed:
        description: Device IDs for the allow list (letters and digits, at most 32).
        type: list
        elements: str
      blocked:
        description: Device IDs for the block list.
        type: list
        elements: str
  state:
    description:
      - V(present) adds the IDs, V(absent) removes them (every case variant stored), V(exact)
        makes each list an entry names hold exactly those IDs.
    type: str
    choices: [present, absent, exact]
    default: present
  on_conflict:
    description:
      - What to do when an ID requested for one list is on the other list already.
      - V(error) fails the task naming the user and the ID, with nothing changed.
      - V(allowed) lets the allow list win, so the ID is added to the allow list and removed
        from the block list in the same modify.
      - V(blocked) lets the block list win, so the ID is added to the block list and removed
        from the allow list.
      - The losing request is reported in RV(objects[].kept) and otherwise left alone.
    type: str
    choices: [error, allowed, blocked]
    default: error
  device_id_list:
    description: The list the C(device_id) of a device record in O(entries) goes on.
    type: str
    choices: [allowed, blocked]
    default: allowed
notes:
  - The bind account needs write access to the two attributes on the users (Exchange
    puts them in the Exchange Personal Information property set; Organization Management and
    Exchange Trusted Subsystem have it).
  - Rights are predicted before writing, in check mode too (as in M(adremedy.directory.inheritance));
    a user whose DACL surely gives the bind account no write property on a list it changes
    (for example a protected account, whose DACL is AdminSDHolder's) is reported V(failed) with
    C(insufficientAccessRights (50)) and why, and is not attempted; where the prediction is not
    sure (property sets, an administrator, a token it could not read) the DC decides.
  - Exchange checks the block list first, then the allow list, then rules and the default, so an
    ID on the allow list is allowed whatever the rules say, and one on the block list is
    blocked.
seealso:
  - module: adremedy.directory.eas_device_info
  - module: adremedy.directory.eas_access_plan
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Allow two devices for one user and block one for another
  adremedy.directory.eas_allowed_devices:
    entries:
      - user: jdoe@example.com
        allowed: [ApplF17XK2ABCD12, androidc1234567890]
      - user: CN=Max Mustermann,OU=Staff,DC=example,DC=com
        blocked: [ApplDNPXQ9ZZ1234]

- name: Find allowed iPhones that are not on an allow list yet
  adremedy.directory.eas_device_info:
    search_base: OU=Staff,DC=example,DC=com
    device_model: ["iPhone15,2"]
    access_state: [Allowed]
    exclude_individual: true
  register: iphones

- name: Put them on their owners' allow lists (device records go in as they are)
  adremedy.directory.eas_allowed_devices:
    entries: "{{ iphones.devices }}"
    max_changes: 500

- name: Make a kiosk account's allow list exactly one device
  adremedy.directory.eas_allowed_devices:
    entries:
      - user: kiosk01
        allowed: [KIOSK0000000001]
    state: exact
"""

RETURN = r"""
counts:
  description: Users named and what happened to their lists.
  returned: always
  type: dict
  sample: {matched: 12, changed: 10, unchanged: 2, skipped: 0, failed: 0}
objects:
  description: Users whose lists changed (or would, in check mode), were left alone by O(on_conflict), or failed; also unchanged ones with O(list_unchanged).
  returned: always
  type: list
  elements: dict
  contains:
    dn:
      description: The user's DN.
      type: str
    user:
      description: The user as given in O(entries).
      type: str
    status:
      description: V(changed), V(unchanged), V(skipped) or V(failed).
      type: str
    allowed_added:
      description: IDs added to the allow list.
      type: list
      elements: str
      returned: when it applies
    allowed_removed:
      description: Stored IDs removed from the allow list.
      type: list
      elements: str
      returned: when it applies
    allowed_set:
      description: The allow list written by O(state=exact).
      type: list
      elements: str
      returned: when it applies
    blocked_added:
      description: IDs added to the block list.
      type: list
      elements: str
      returned: when it applies
    blocked_removed:
      description: Stored IDs removed from the block list.
      type: list
      elements: str
      returned: when it applies
    blocked_set:
      description: The block list written by O(state=exact).
      type: list
      elements: str
      returned: when it applies
    kept:
      description: Requested IDs not written because the other list won under O(on_conflict).
      type: list
      elements: dict
      returned: when it applies
    error:
      description: One line naming the user, the operation and the LDAP result.
      type: str
      returned: when failed
plan:
  description: The DNs of the users the run would change, when that is more than O(max_changes).
  returned: when max_changes was exceeded
  type: list
  elements: str
msg:
  description: One-line summary.
  returned: always
  type: str
  sample: 10 of 12 users changed, 2 already right, 0 skipped, 0 failed
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, bulk_spec, run_bulk)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    ListWriter, read_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)

OPTIONS = ArgumentSpec(dict(
    entries=dict(type="list", elements="dict", required=True),
    state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
    on_conflict=dict(type="str", choices=["error", "allowed", "blocked"], default="error"),
    device_id_list=dict(type="str", choices=["allowed", "blocked"], default="allowed"),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, bulk_spec())
    params = module.params
    with module.failing():
        merged = read_entries(params)  # every ID checked before connecting
    outcome = Outcome(params["list_unchanged"], noun="users")
    with module.client(outcome.result) as client:
        run_bulk(ListWriter(client, merged, params), outcome, params, module.check_mode)
    module.finish(outcome)


if __name__ == "__main__":
    main()
