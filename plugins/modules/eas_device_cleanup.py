#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eas_device_cleanup
short_description: Remove stale ActiveSync partnerships and broken device containers from AD
version_added: 2.0.0
description:
  - Removes C(msExchActiveSyncDevice) partnerships that meet every criterion given, before users
    hit Exchange's partnership cap (EasMaxDevices, 100 by default; HTTP 403
    MaximumDevicesReached). This is what C(Remove-MobileDevice) does, for many users in one task.
  - With O(remove_container=true) it removes each named user's whole
    C(CN=ExchangeActiveSyncDevices) container and every partnership in it, the fix admins make
    by hand in ADSI Edit when a phone will not sync even though inheritance is right (Exchange
    2013 and later). Exchange creates the container again at the phone's next sync, which works
    only when Exchange Servers may create it, so the user's readiness is checked first and
    returned in RV(readiness); a container Exchange could not create again is not removed.
  - A device whose ID is on its owner's allow list (C(msExchMobileAllowedDeviceIDs)) is someone's
    working phone and is never removed unless O(include_allowed=true); it is listed as skipped.
  - Also reports users at or over O(max_devices) partnerships and allow or block list values
    that match no partnership of the user (stale entries, for example after a wipe gave the
    phone a new ID), as they will be after the run.
  - Every device ID, user, date and the CSV are checked before anything is removed; bad input
    fails the task with nothing changed.
  - Before each delete the object is written to O(journal) with all its attributes, so the
    record of what was there survives.
  - Just before each delete the object is read again and removed only when it is still the one
    planned - the same C(objectGUID) (not another object created at its DN since) and of class
    C(msExchActiveSyncDevice) (a partnership) or C(msExchActiveSyncDevices) (a container).
    Before the tree delete of a container, everything in it must be a partnership the plan
    found; a container that holds anything else, or a partnership that appeared since, is not
    removed and is listed as failed, naming it.
  - A device's owner is the parent of its C(CN=ExchangeActiveSyncDevices) container, found by
    parsing the DN (owners whose names hold escaped commas or that text are found correctly).
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.bulk
  - adremedy.directory.devices
attributes:
  check_mode:
    support: full
    description: Returns the same counts, objects and findings as a real run, removing nothing.
  diff_mode:
    support: full
    description: Each removed object's main attributes before, and nothing after.
options:
  state:
    description: Only V(absent); the partnerships selected are removed.
    type: str
    choices: [absent]
    default: absent
  users:
    description:
      - The users whose partnerships are looked at, as admins name them - DN, sAMAccountName,
        C(DOMAIN\\sam), userPrincipalName, primary SMTP address or any C(proxyAddresses)
        value, objectGUID or SID. Mutually exclusive with O(search_base).
      - An unknown or ambiguous user fails the task naming it (and the candidates), with
        nothing changed.
      - Without other criteria every partnership of these users is removed (allowed ones only
        with O(include_allowed)).
      - One string is one user (a DN keeps its commas), a string with line breaks one user a
        line (an AWX survey text area), a list one user per item.
    type: raw
  search_base:
    description:
      - Look at the users below this DN (with O(scope) and O(filter)) and their partnerships.
        Mutually exclusive with O(users).
      - With O(search_base) at least one device criterion is needed (O(device_id),
        O(device_model), O(owner_disabled), O(created_before), O(last_sync_csv),
        O(keep_newest), ...). With only O(device_id), the whole domain is searched.
    type: str
  scope:
    description: Search scope for the users below O(search_base).
    type: str
    choices: [base, onelevel, subtree]
    default: subtree
  filter:
    description: LDAP filter for the users below O(search_base).
    type: str
    default: (&(objectCategory=person)(objectClass=user))
  device_id:
    description:
      - Only partnerships with one of these device IDs (C(msExchDeviceID), case-insensitive).
      - An ID that is on no partnership in the scope fails the task naming it, with nothing
        changed.
    type: list
    elements: str
  owner_disabled:
    description:
      - V(true) selects only partnerships whose owner's account is disabled
        (C(userAccountControl) ACCOUNTDISABLE), V(false) only those of enabled accounts.
    type: bool
  owner_eas_disabled:
    description:
      - V(true) selects only partnerships whose owner has ActiveSync turned off
        (C(msExchOmaAdminWirelessEnable) bit 4), V(false) only those of owners with it on.
    type: bool
  created_before:
    description:
      - Only partnerships created (AD C(whenCreated)) before this date, V(YYYY-MM-DD), an ISO 8601
        date and time (no offset means UTC), or a number of days ago such as V(180d).
    type: str
  last_sync_csv:
    description:
      - A CSV file on the managed node as C(Get-MobileDeviceStatistics | Export-Csv) writes it,
        with at least the columns C(DeviceId) and C(LastSuccessSync) (any order and case, comma,
        semicolon or tab, with or without the C(#TYPE) line, UTF-8, UTF-16 or ANSI).
      - With O(last_sync_before), only partnerships whose last successful sync is before that
        date, or that never synced (empty C(LastSuccessSync)). Partnerships not in the file are
        not selected. An ID listed twice keeps its latest sync.
      - A file that cannot be read this way fails the task naming the line.
    type: path
  last_sync_before:
    description: The date for O(last_sync_csv), in the forms O(created_before) takes.
    type: str
  last_sync_date_format:
    description:
      - C(strptime) format of the C(LastSuccessSync) values, for example V(%d/%m/%Y %H:%M:%S).
      - By default ISO 8601, V(M/D/YYYY h:mm:ss AM) and V(D.M.YYYY H:mm:ss) are read; slash dates
        are month first unless a value shows they are day first. Times are taken as UTC.
    type: str
  keep_newest:
    description:
      - Per user, never remove the N newest partnerships (by C(whenCreated)), counting all of
        the user's partnerships. Alone, it removes all but the N newest.
    type: int
  include_allowed:
    description: Also remove partnerships whose ID is on the owner's allow list.
    type: bool
    default: false
  remove_container:
    description:
      - Remove each O(users) user's whole C(CN=ExchangeActiveSyncDevices) container, with every
        partnership in it, by a tree delete. Needs O(users); takes no device criteria.
      - Skipped, with the reason, when Exchange Servers could not create the container again
        (inheritance off, a deny ACE) or when it holds an allowed device and O(include_allowed)
        is not set.
    type: bool
    default: false
  max_devices:
    description: Report users with at least this many partnerships in RV(over_limit).
    type: int
    default: 100
  journal:
    description:
      - JSON Lines file to append one record per removed object to, written to disk before the
        object is deleted; created with mode 0600. Each line has C(time), C(action=delete),
        C(kind) (V(device) or V(container)), C(dn), C(object_guid), C(owner_dn), C(domain_sid),
        C(attributes) (every text value, by lower-case attribute name), C(binary_attributes)
        (base64) and C(sddl).
      - Refused, with nothing removed, when it is a symbolic link, has more than one hard link or
        is owned by another user, or when its directory is owned by someone other than the user
        running the module or root, or is writable by group or others without the sticky bit.
    type: path
notes:
  - With O(list_unchanged), RV(objects) also lists the containers of O(remove_container) that
    were not there (so had nothing to remove); RV(counts) always has them.
  - The bind account needs Delete (or Delete Subtree for O(remove_container)) on the partnerships;
    Exchange Servers and Organization Management have it through Exchange's ACEs.
  - Rights are predicted before deleting, in check mode too (as in M(adremedy.directory.inheritance));
    a partnership the bind account surely may neither delete nor delete from its container is
    reported V(failed) with C(insufficientAccessRights (50)) and why, and is not attempted; whole
    containers (O(remove_container)) and unsure cases are left to the DC.
  - Exchange keeps the partnership's sync state in the mailbox too; removing the AD object makes
    the phone start a new partnership at its next sync, as after C(Remove-MobileDevice).
seealso:
  - module: adremedy.directory.eas_device_info
  - module: adremedy.directory.eas_readiness_info
  - module: adremedy.directory.eas_allowed_devices
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Phones of disabled accounts, older than 90 days
  adremedy.directory.eas_device_cleanup:
    search_base: OU=Staff,DC=example,DC=com
    owner_disabled: true
    created_before: 90d
    journal: /var/log/adremedy/eas-cleanup.jsonl
    max_changes: 500

- name: Partnerships that have not synced since June, from Exchange's statistics
  adremedy.directory.eas_device_cleanup:
    search_base: DC=example,DC=com
    last_sync_csv: /srv/exports/mobile-device-statistics.csv
    last_sync_before: "2026-06-01"
    keep_newest: 1
  check_mode: true
  register: stale

- name: The Exchange 2013 iPhone fix, once inheritance is right
  adremedy.directory.eas_device_cleanup:
    users: [jdoe@example.com]
    remove_container: true
    include_allowed: true
    journal: /var/log/adremedy/eas-cleanup.jsonl
"""

RETURN = r"""
counts:
  description: Objects that met the criteria (V(matched)), were removed (V(changed)), were kept (V(skipped)) or failed.
  returned: always
  type: dict
  sample: {matched: 14, changed: 12, unchanged: 0, skipped: 2, failed: 0}
objects:
  description: The partnerships and containers removed (or, in check mode, that would be), kept with a reason, or failed.
  returned: always
  type: list
  elements: dict
  contains:
    dn:
      description: The object's DN.
      type: str
    kind:
      description: V(device) or V(container).
      type: str
    status:
      description: V(changed) (removed), V(skipped) (kept, see RV(objects[].reason)) or V(failed).
      type: str
    owner_dn:
      description: The owning user's DN.
      type: str
    owner_sam_account_name:
      description: The owner's sAMAccountName.
      type: str
    owner_mail:
      description: The owner's primary SMTP address (C(mail)).
      type: str
    device_id:
      description: msExchDeviceID.
      type: str
    device_type:
      description: msExchDeviceType.
      type: str
    device_model:
      description: msExchDeviceModel.
      type: str
    when_created:
      description: The partnership's whenCreated (UTC, ISO 8601).
      type: str
    last_success_sync:
      description: LastSuccessSync from O(last_sync_csv) (UTC, ISO 8601), when it was given.
      type: str
    why:
      description: The criteria the partnership met.
      type: list
      elements: str
    reason:
      description: Why a selected object was kept.
      type: str
    devices:
      description: For a container, the number of partnerships in it.
      type: int
    error:
      description: One line naming the object, the operation and the LDAP result.
      type: str
over_limit:
  description: Users with at least O(max_devices) partnerships, with the count before and after the run.
  returned: always
  type: list
  elements: dict
  sample: [{dn: "CN=Jane Doe,OU=Staff,DC=example,DC=com", sam_account_name: jdoe, devices: 100, devices_after: 61}]
stale_list_entries:
  description:
    - Allow and block list values that match no partnership of the user after the run, as
      stored.
    - M(adremedy.directory.eas_allowed_devices) with
      O(adremedy.directory.eas_allowed_devices#module:state=absent) removes them.
  returned: always
  type: list
  elements: dict
  sample: [{dn: "CN=Jane Doe,OU=Staff,DC=example,DC=com", sam_account_name: jdoe, allowed: [applf17old], blocked: []}]
readiness:
  description:
    - With O(remove_container), each named user's readiness once the container is gone, as
      M(adremedy.directory.eas_readiness_info) reports it.
  returned: when remove_container is true
  type: list
  elements: dict
  contains:
    dn:
      description: The user's DN.
      type: str
    mail:
      description: The user's primary SMTP address.
      type: str
    inheritance:
      description: V(enabled) or V(disabled) on the user.
      type: str
    exchange_can_create:
      description: Whether Exchange Servers may create the container under the user.
      type: bool
    would_fail:
      description: True when Exchange could not create the container again (the container is kept).
      type: bool
    reason:
      description: Why Exchange could not create it, when it could not.
      type: str
summary:
  description: Counts over the scope.
  returned: always
  type: dict
  sample: {owners: 40, devices: 52, removed: 12, kept_allowed: 1, kept_newest: 1, not_in_csv: 3}
plan:
  description: The DNs the run would remove, when that is more than O(max_changes).
  returned: when max_changes was exceeded
  type: list
  elements: str
msg:
  description: One-line summary.
  returned: always
  type: str
  sample: 12 of 14 objects changed, 0 already right, 2 skipped, 0 failed
"""

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_cleanup import (
    DEFAULT_MAX_DEVICES, CleanupWriter, check_selection, read_criteria)
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, bulk_spec, run_bulk)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    device_filter_argument_spec)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import DEFAULT_USER_FILTER
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import SCOPES
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec, dn_lists_check)

OPTIONS = ArgumentSpec(dict(
    device_filter_argument_spec(),
    state=dict(type="str", choices=["absent"], default="absent"),
    users=dict(type="raw"),
    search_base=dict(type="str"),
    scope=dict(type="str", choices=list(SCOPES), default="subtree"),
    filter=dict(type="str", default=DEFAULT_USER_FILTER),
    device_id=dict(type="list", elements="str"),
    owner_disabled=dict(type="bool"),
    owner_eas_disabled=dict(type="bool"),
    created_before=dict(type="str"),
    last_sync_csv=dict(type="path"),
    last_sync_before=dict(type="str"),
    last_sync_date_format=dict(type="str"),
    keep_newest=dict(type="int"),
    include_allowed=dict(type="bool", default=False),
    remove_container=dict(type="bool", default=False),
    max_devices=dict(type="int", default=DEFAULT_MAX_DEVICES),
    journal=dict(type="path"),
), mutually_exclusive=[("users", "search_base")],
    required_one_of=[("users", "search_base", "device_id")],
    required_together=[("last_sync_csv", "last_sync_before")],
    checks=[dn_lists_check("users"), check_selection])


def main() -> None:
    module = AdremedyModule(OPTIONS, bulk_spec())
    params = module.params
    with module.failing():
        criteria = read_criteria(params)  # IDs, dates and the CSV, before connecting
    outcome = Outcome(params["list_unchanged"], noun="objects")
    found: dict[str, object] = dict(over_limit=[], stale_list_entries=[])
    with module.client(lambda: dict(outcome.result(), **found)) as client:
        writer = CleanupWriter(client, params, criteria, found)
        run_bulk(writer, outcome, params, module.check_mode)
    module.finish(outcome, **found)


if __name__ == "__main__":
    main()
