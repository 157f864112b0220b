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
  max_changes:
    description:
      - If more objects (partnerships and containers) would be removed than this, remove nothing
        and fail, returning the plan in RV(plan). V(0) allows no removal at all. Leave it out
        (or V(null)) for no limit.
    type: int
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
  fail_fast:
    description: Stop at the first object whose removal fails.
    type: bool
    default: false
  list_unchanged:
    description:
      - Also list in RV(objects) the containers of O(remove_container) that were not there (so
        had nothing to remove). RV(counts) always has them.
    type: bool
    default: false
notes:
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

from collections import deque

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_cleanup as cleanup
from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, bulk_spec, enforce_limit, record_failure)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._device_lists import (
    check_device_id)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    DeviceFilter, device_filter_argument_spec)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import DnError, parent
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    DEVICE_CLASS, DEVICE_SCHEMA, require_exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    by_object, resolve_identities)
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import open_journal
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    DEFAULT_USER_FILTER, SCOPES, LdapError, check_filter, require_object)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, dn_lists_check)
from ansible_collections.adremedy.directory.plugins.module_utils._security._rights import (
    attribute_guid, rights_for)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor, SecurityDescriptorError)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

DEVICE_CRITERIA = ("device_id", "owner_disabled", "owner_eas_disabled", "created_before",
                   "last_sync_csv", "keep_newest") + DeviceFilter.STRING_FILTERS + (
                       "access_state", "access_state_reason")


def given_criteria(params):
    named = [name for name in DEVICE_CRITERIA if params.get(name) not in (None, [])]
    if params["exclude_individual"]:
        named.append("exclude_individual")
    return named


def check_selection(params):
    """What the cleanup may look at: a whole container needs named users and no criteria; a
    search base needs at least one criterion (else every partnership below it would go)."""
    criteria = given_criteria(params)
    if params["remove_container"]:
        if not params["users"]:
            raise Failure("remove_container needs users: the users whose "
                          "CN=ExchangeActiveSyncDevices container goes")
        if criteria:
            raise Failure("remove_container removes whole containers and takes no device "
                          "criteria; drop %s" % ", ".join(criteria))
    elif params["search_base"] and not criteria:
        raise Failure("search_base with no device criterion would remove every partnership "
                      "below it; give at least one of %s (or name users)"
                      % ", ".join(DEVICE_CRITERIA))
    for name in ("keep_newest", "max_devices"):
        if params[name] is not None and params[name] < 1:
            raise Failure("%s must be 1 or more, not %d" % (name, params[name]))


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
    max_devices=dict(type="int", default=cleanup.DEFAULT_MAX_DEVICES),
    journal=dict(type="path"),
), mutually_exclusive=[("users", "search_base")],
    required_one_of=[("users", "search_base", "device_id")],
    required_together=[("last_sync_csv", "last_sync_before")],
    checks=[dn_lists_check("users"), check_selection])


def read_criteria(params):
    """The Criteria, every device ID, date and the CSV checked; ValueError says what is wrong."""
    for value in params["device_id"] or []:
        check_device_id(value, "device_id")
    device_filter = DeviceFilter(params)
    created = (cleanup.parse_threshold(params["created_before"], "created_before")
               if params["created_before"] else None)
    last_sync, before = None, None
    if params["last_sync_csv"]:
        before = cleanup.parse_threshold(params["last_sync_before"], "last_sync_before")
        last_sync = read_csv(params["last_sync_csv"], params["last_sync_date_format"])
    return cleanup.Criteria(device_filter, params["device_id"], params["owner_disabled"],
                            params["owner_eas_disabled"], created, last_sync, before,
                            params["keep_newest"], params["include_allowed"])


def read_csv(path, date_format):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        raise ValueError("cannot read last_sync_csv %s: %s" % (path, exc.strerror or exc))
    return cleanup.parse_last_sync_csv(data, path, date_format)


def load_scope(client, params):
    scope = cleanup.Scope(client)
    if params["users"]:
        resolved = resolve_identities(client, params["users"], scope.owner_read)
        return scope.load_users([entry for _names, entry in by_object(resolved)])
    base = params["search_base"] or client.root_dse.default_naming_context
    require_object(client, base, "search_base")
    return scope.load_search(base, check_filter(params["filter"]), params["scope"])


def unknown_device_ids(params, scope):
    present = set()
    for devices in scope.devices.values():
        present.update(d.device_id.lower() for d in devices)
    return [v for v in params["device_id"] or [] if v.lower() not in present]


OWNER_KEYS = ("owner_dn", "owner_sam_account_name", "owner_mail")


def owner_detail(facts):
    return dict(owner_dn=facts.owner.dn if facts else None,
                owner_sam_account_name=facts.owner.sam_account_name if facts else None,
                owner_mail=facts.mail if facts else None)


def device_detail(device, owner, last_sync):
    """A partnership's entry in objects; owner is owner_detail() of its owner."""
    record = device.record
    detail = dict(owner, kind="device", owner_dn=record["owner_dn"])
    for key in ("device_id", "device_type", "device_model", "when_created"):
        detail[key] = record.get(key)
    if last_sync is not None:
        synced = last_sync.get(device.device_id.lower())
        detail["last_success_sync"] = cleanup.iso(synced)
        record["last_success_sync"] = detail["last_success_sync"]
    return detail


class Removal(object):
    """One planned delete: a device, or a container with what is in it."""

    __slots__ = ("dn", "device", "container", "detail", "record")

    def __init__(self, dn, detail, record, device=None, container=None):
        self.dn = dn
        self.detail = detail
        self.record = record
        self.device = device
        self.container = container


def plan_devices(scope, criteria, outcome):
    removals = []
    kept = dict(kept_allowed=0, kept_newest=0)
    for decision in cleanup.decide(scope.devices, scope.facts, criteria):
        device = decision.device
        detail = device_detail(device, owner_detail(scope.facts.get(device.owner_key)),
                               criteria.last_sync)
        detail["why"] = decision.why
        outcome.counts["matched"] += 1
        if decision.remove:
            removals.append(Removal(device.dn, detail, device.record, device=device))
        else:
            kept["kept_newest" if "keep_newest" in decision.skip_reason
                 else "kept_allowed"] += 1
            outcome.add(device.dn, "skipped", reason=decision.skip_reason, **detail)
    return removals, kept


def plan_container_removals(client, scope, params, outcome):
    removals, readiness = [], []
    for plan in cleanup.plan_containers(client, scope, list(scope.facts),
                                        params["include_allowed"]):
        readiness.append(plan.readiness)
        detail = dict(kind="container", devices=len(plan.devices),
                      **owner_detail(scope.facts[plan.owner_key]))
        if not plan.exists:
            outcome.counts["matched"] += 1
            outcome.add(plan.dn, "unchanged", **detail)
            continue
        if not plan.remove:
            outcome.counts["matched"] += 1
            outcome.add(plan.dn, "skipped", reason=plan.skip_reason, **detail)
            continue
        outcome.counts["matched"] += 1 + len(plan.devices)
        record = dict(dn=plan.dn, devices=len(plan.devices))
        removals.append(Removal(plan.dn, detail, record, container=plan))
    return removals, readiness


def findings(scope, removed, max_devices):
    over, stale = [], []
    for key, facts in scope.facts.items():
        devices = scope.devices.get(key, [])
        after = [d for d in devices if d.key not in removed]
        name = facts.owner.sam_account_name
        if len(devices) >= max_devices:
            over.append(dict(dn=facts.owner.dn, sam_account_name=name, devices=len(devices),
                             devices_after=len(after)))
        entries = cleanup.stale_list_entries(facts, set(d.device_id.lower() for d in after))
        if entries:
            stale.append(dict(dn=facts.owner.dn, sam_account_name=name,
                              allowed=entries.get("allowed", []),
                              blocked=entries.get("blocked", [])))
    return over, stale


def planned_objects(removals):
    """Every object the plan removes: the removals and the partnerships inside containers."""
    planned = list(removals)
    for removal in removals:
        if removal.container is not None:
            planned += removal.container.devices
    return planned


def removed_keys(removals):
    """dn_key of every partnership the plan removes, inside containers too."""
    keys = set()
    for removal in removals:
        if removal.container is not None:
            keys.update(d.key for d in removal.container.devices)
        else:
            keys.add(removal.device.key)
    return keys


def _dacl(client, dn, cache):
    """dn's DACL (SD flags 0x4), read once; None when it cannot be read."""
    key = dn.lower()
    if key not in cache:
        try:
            entry = client.read(dn, ["nTSecurityDescriptor"])
            raw = entry.raw("nTSecurityDescriptor") if entry is not None else None
            cache[key] = SecurityDescriptor.parse(raw) if raw else None
        except (LdapError, SecurityDescriptorError):
            cache[key] = None
    return cache[key]


def rights_guard(client, removals, outcome, fail_fast=False, account=None):
    """Each partnership the bind account surely may neither delete nor delete from its
    container (_rights.Rights.check_delete) is failed with insufficientAccessRights (50) and
    why, and not attempted; the same in check mode (issue 22 item 1). Whole containers
    (remove_container, a tree delete) are left to the DC."""
    devices = [r for r in removals if r.container is None]
    if not devices:
        return removals
    rights = rights_for(client, account)
    if not rights.predicts:
        return removals
    class_guid = attribute_guid(client, DEVICE_CLASS[0])
    cache = {}
    kept = []
    for removal in removals:
        if removal.container is not None:
            kept.append(removal)
            continue
        sd = _dacl(client, removal.dn, cache)
        try:
            above = parent(removal.dn)
        except DnError:
            above = None
        denied = None
        if sd is not None and above:
            denied = rights.check_delete(removal.dn, sd, above, _dacl(client, above, cache),
                                         class_guid, kind="partnership")
        if denied is None:
            kept.append(removal)
            continue
        exc = denied.error()
        outcome.add(removal.dn, "failed", error=str(exc), ldap_code=exc.code,
                    missing_right=denied.right, predicted=True)
    if fail_fast and len(kept) < len(removals):
        outcome.stopped = "fail_fast after the first failure"
        return []
    return kept


def run(client, removals, outcome, journal, sddl, check_mode, fail_fast):
    pending = deque(removals)
    while pending:
        removal = pending.popleft()
        if not check_mode:
            try:
                if removal.container is not None:
                    cleanup.remove_container(client, sddl, removal.container,
                                             removal.detail["owner_dn"], journal)
                else:
                    cleanup.remove_device(client, sddl, removal.device, journal)
            except LdapError as exc:
                if record_failure(outcome, removal.dn, exc, pending, fail_fast):
                    return
                continue
        outcome.add(removal.dn, "changed", **removal.detail)
        if removal.container is not None:
            # the partnerships inside go with it, and count
            owner = dict((key, removal.detail[key]) for key in OWNER_KEYS)
            for device in removal.container.devices:
                outcome.add(device.dn, "changed", why=["in the removed container"],
                            **device_detail(device, owner, None))
            before = "container with %d partnerships\n" % removal.record["devices"]
        else:
            before = cleanup.diff_before(removal.record)
        outcome.diffs.append(dict(before_header=removal.dn, before=before,
                                  after_header="%s (removed)" % removal.dn, after=""))


def main():
    module = AdremedyModule(OPTIONS, bulk_spec())
    params = module.params
    with module.failing():
        try:
            criteria = read_criteria(params)
        except ValueError as exc:
            raise Failure("%s; nothing was changed" % exc)
    outcome = Outcome(params["list_unchanged"], noun="objects")
    result = dict(over_limit=[], stale_list_entries=[])
    with module.client(lambda: dict(outcome.result(), **result)) as client:
        require_exchange_schema(client, DEVICE_SCHEMA)
        scope = load_scope(client, params)
        unknown = unknown_device_ids(params, scope)
        if unknown:
            raise Failure("device ID%s %s %s on no partnership of the users selected; nothing "
                          "was changed" % ("s" if len(unknown) > 1 else "", ", ".join(unknown),
                                           "are" if len(unknown) > 1 else "is"))
        summary = dict(owners=len(scope.facts),
                       devices=sum(len(d) for d in scope.devices.values()))
        if params["remove_container"]:
            removals, result["readiness"] = plan_container_removals(client, scope, params,
                                                                    outcome)
        else:
            removals, kept = plan_devices(scope, criteria, outcome)
            summary.update(kept)
        if criteria.last_sync is not None:
            summary["not_in_csv"] = sum(1 for devices in scope.devices.values() for d in devices
                                        if d.device_id.lower() not in criteria.last_sync)
        removed = removed_keys(removals)
        summary["removed"] = len(removed)
        result["over_limit"], result["stale_list_entries"] = findings(scope, removed,
                                                                      params["max_devices"])
        result["summary"] = summary
        # the partnerships the bind account surely may not delete: failed (50), not attempted,
        # in check mode too (issue 22 item 1)
        removals = rights_guard(client, removals, outcome, params["fail_fast"],
                                params.get("bind_dn"))
        enforce_limit(planned_objects(removals), params["max_changes"], outcome,
                      verb="removes")
        dse = client.root_dse
        with open_journal(params["journal"], client, removals, outcome,
                          module.check_mode) as journal:
            run(client, removals, outcome, journal, Sddl(dse.domain_sid, dse.forest_root_sid),
                module.check_mode, params["fail_fast"])
    module.finish(outcome, **result)


if __name__ == "__main__":
    main()
