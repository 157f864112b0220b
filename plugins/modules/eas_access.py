#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_access
short_description: Turn ActiveSync and OWA for Devices on or off for many users at once
version_added: 2.0.0
description:
  - Sets ActiveSync (Set-CASMailbox C(-ActiveSyncEnabled)) and OWA for Devices for every user
    the selection names, in one task. Both live in the bits of C(msExchOmaAdminWirelessEnable);
    bit 4 set turns ActiveSync off, bit 8 set turns OWA for Devices off. Every other bit stays as
    it is, and an absent attribute counts as 0 (everything enabled), as Exchange reads it.
  - This is the policy many sites want for administrator accounts (O(protected_only), with
    V(disabled)), and the usual "ActiveSync only for members of group X" (O(member_of)).
  - Each user is written in one LDAP modify that deletes the value read and adds the new one,
    so the DC refuses the write when someone changed the value in between; the module then
    reads the user again, plans again from that value (keeping the other writer's bits) and
    writes once more. Every write is read back and verified.
  - Users whose value already says what is asked are not written, so a second run reports
    C(changed=false).
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.bulk
  - adremedy.directory.selection
attributes:
  check_mode:
    support: full
    description: Computes the same plan, counts and per-user results as a real run; writes nothing (not even the journal).
  diff_mode:
    support: full
    description: The value before and after of each changed user, with what it means for ActiveSync and OWA for Devices.
options:
  activesync:
    description:
      - V(disabled) sets bit 4 (ActiveSync off for the user); V(enabled) clears it.
      - Left out, bit 4 is left as it is. Give O(activesync), O(owa_for_devices) or both.
    type: str
    choices: [enabled, disabled]
  owa_for_devices:
    description:
      - V(disabled) sets bit 8 (OWA for Devices off); V(enabled) clears it. Left out, bit 8 is
        left as it is.
    type: str
    choices: [enabled, disabled]
  member_of:
    description:
      - Only users that are members of this group, directly, through nested groups (the
        in-chain matching rule, C(LDAP_MATCHING_RULE_IN_CHAIN)) or by primary group (the group
        or a group nested in it as their C(primaryGroupID)). Combined with the selection, a
        search selects only those members; a DN in O(dn) that is not one is reported as
        skipped with the reason.
      - The group as admins name it, namely a DN, C(sAMAccountName), C(DOMAIN\\name), SID or
        objectGUID. A name that matches no group, or two, fails the task naming it, with
        nothing changed.
    type: str
  protected_only:
    description:
      - Only users in the AdminSDHolder protected set, classified V(protected) or V(unmarked)
        exactly as M(adremedy.directory.protected_accounts_info) and
        M(adremedy.directory.inheritance) compute it (nested groups, primary groups,
        C(dSHeuristics) exclusions). Orphaned C(adminCount=1) accounts are not in it.
      - A search selects only those; a DN in O(dn) outside the set is reported as skipped.
    type: bool
    default: false
  journal:
    description:
      - JSON Lines file to append one line to before each write, with C(action=eas_access),
        C(dn), C(object_guid), C(attribute), C(old_value) (null when the attribute was not set),
        C(new_value), C(time) and C(domain_sid). Created with mode 0600.
      - Refused, with nothing written, when it is a symbolic link, has more than one hard link
        or is owned by another user, or when its directory is owned by someone other than the
        user running the module or root, or is writable by group or others without the sticky
        bit.
    type: path
notes:
  - Rights are predicted before writing, in check mode too (as in M(adremedy.directory.inheritance));
    a user whose DACL surely gives the bind account no write property on
    C(msExchOmaAdminWirelessEnable) is reported V(failed) with C(insufficientAccessRights (50)) and
    why, and is not attempted; where the prediction is not sure the DC decides.
  - The bind account needs write property on C(msExchOmaAdminWirelessEnable) (schemaIDGUID
    C(c1a7bfbe-116b-4737-8cd9-d29ef5b3690e)) on the users, or on the property set the forest's
    schema puts it in (its C(attributeSecurityGUID); Exchange's schema puts it in
    Public-Information, C(e48d0154-bcf8-11d1-8702-00c04fb96050)). Read property on it and on
    C(objectGUID) too. See the least-privilege guide.
  - Protected accounts take AdminSDHolder's DACL every hour (SDProp), so a delegation for them
    must be granted on AdminSDHolder, or the write is made by an account that already has it
    there (Domain Admins).
  - Needs the Exchange schema; without it the task fails naming the missing attribute, with
    nothing changed.
seealso:
  - module: adremedy.directory.protected_accounts_info
  - module: adremedy.directory.eas_access_plan
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: No ActiveSync for any account in the AdminSDHolder protected set
  adremedy.directory.eas_access:
    search_base: DC=example,DC=com
    protected_only: true
    activesync: disabled
    journal: /var/log/adremedy/eas-access.jsonl

- name: ActiveSync and OWA for Devices only for members of Mobile Users (nested too)
  adremedy.directory.eas_access:
    search_base: OU=Staff,DC=example,DC=com
    member_of: EXAMPLE\Mobile Users
    activesync: enabled
    owa_for_devices: enabled

- name: Turn OWA for Devices off for two users, showing the change first
  adremedy.directory.eas_access:
    dn:
      - CN=Jane Doe,OU=Sales,OU=Staff,DC=example,DC=com
      - CN=Max Mustermann,OU=Staff,DC=example,DC=com
    owa_for_devices: disabled
  check_mode: true
  diff: true
"""

RETURN = r"""
counts:
  description: Users selected and what happened to them.
  returned: always
  type: dict
  sample: {matched: 12, changed: 10, unchanged: 2, skipped: 0, failed: 0}
objects:
  description: Users changed (or that would be, in check mode), skipped or failed; also unchanged ones with O(list_unchanged).
  returned: always
  type: list
  elements: dict
  contains:
    dn:
      description: The user's DN.
      type: str
    status:
      description: V(changed), V(unchanged), V(skipped) or V(failed).
      type: str
    before:
      description: The value of C(msExchOmaAdminWirelessEnable) before, null when it was not set.
      type: int
      returned: when changed
      sample: 8
    after:
      description: The value written (or to be written, in check mode).
      type: int
      returned: when changed
      sample: 12
    activesync:
      description: ActiveSync after the change, V(enabled) or V(disabled).
      type: str
      returned: when changed
    owa_for_devices:
      description: OWA for Devices after the change.
      type: str
      returned: when changed
    changes:
      description: What changed, for example C(activesync disabled).
      type: list
      elements: str
      returned: when changed
    reason:
      description: Why a user named in O(dn) was skipped.
      type: str
      returned: when skipped
    note:
      description: Why a user planned for a change was not written after all (another writer made the value right meanwhile).
      type: str
      returned: when it applies
    error:
      description: One line naming the user, the operation and the LDAP result.
      type: str
      returned: when failed
member_of:
  description: The DN of the group O(member_of) named.
  returned: when O(member_of) is given
  type: str
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
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_access import (
    ATTRIBUTE, STATES, AccessWriter)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)

OPTIONS = ArgumentSpec(dict(
    activesync=dict(type="str", choices=list(STATES)),
    owa_for_devices=dict(type="str", choices=list(STATES)),
    member_of=dict(type="str"),
    protected_only=dict(type="bool", default=False),
    journal=dict(type="path"),
), required_one_of=[("activesync", "owa_for_devices")])


def main() -> None:
    module = AdremedyModule(OPTIONS, bulk_spec(), selection=True, exchange_schema=[ATTRIBUTE])
    params = module.params
    outcome = Outcome(params["list_unchanged"], noun="users")
    with module.client(outcome.result) as client, module.global_catalog() as catalog:
        writer = AccessWriter(client, module.selection(client), params, catalog)
        run_bulk(writer, outcome, params, module.check_mode)
    module.finish(outcome, **writer.extra)


if __name__ == "__main__":
    main()
