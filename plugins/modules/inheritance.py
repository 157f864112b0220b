#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: inheritance
short_description: Turn DACL inheritance on or off for many AD objects at once
version_added: 1.0.0
description:
  - Sets "Include inheritable permissions from this object's parent" (the SE_DACL_PROTECTED flag
    of C(nTSecurityDescriptor)) on every object a DN list or a paged search selects. This is the
    fix for Exchange ActiveSync event 1053, where Exchange Servers cannot create the
    C(ExchangeActiveSyncDevices) container under a user whose inheritance is off.
  - Only the DACL is read and written (SD flags control 0x4). Enabling keeps the explicit ACEs and
    lets the DC add the inherited ones in the same modify. Each object is written in one LDAP
    modify, re-read and verified.
  - Members of the AdminSDHolder protected set are never written and are listed with the reason.
    Orphaned C(adminCount=1) objects are skipped unless O(include_orphaned) is set.
  - Idempotent, because whether an object needs a change is judged on the protected flag and its
    explicit ACEs, never on bytes.
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.bulk
  - adremedy.directory.selection
attributes:
  check_mode:
    support: full
    description: Computes the same plan, counts and per-object results as a real run, writes nothing (not even the journal).
  diff_mode:
    support: full
    description: Returns the DACL before and after of each changed object as SDDL, one ACE per line.
      An ACE SDDL has no form for here (callback and conditional ACEs) is shown in parentheses as C(X:)
      and its bytes in hexadecimal, as the journal's SDDL also holds it; the collection reads that back
      byte for byte.
options:
  state:
    description:
      - V(enabled) clears the protected flag; V(disabled) sets it.
    type: str
    choices: [enabled, disabled]
    default: enabled
  disable_mode:
    description:
      - With O(state=disabled), V(preserve) turns the inherited ACEs into explicit ones (as the
        "Convert inherited permissions" button does); V(remove) drops them.
    type: str
    choices: [preserve, remove]
    default: preserve
  remove_explicit_duplicates:
    description:
      - With O(state=enabled), also drop explicit ACEs identical to an inherited one, as
        re-enabling after a V(preserve) leaves them.
      - An explicit ACE is dropped only where that provably changes no one's effective access,
        on the object and on the objects that inherit from it (every trustee, right, object type
        and outcome of a conditional ACE); one whose removal would let an inherited deny or allow
        decide instead is kept and counted in RV(objects[].duplicates_kept).
      - Object types are judged as the DC's access check sees them, as a tree (a deny on the
        Personal-Information property set also denies C(telephoneNumber)). For that the schema's
        property sets (C(attributeSecurityGUID) of the attributes, C(rightsGuid) of the property
        sets in Extended-Rights) and classes are read once per run. If that read fails, a copy whose
        right an ACE on another object type also holds is kept, and the run warns.
      - Judged on the DACL as the DC keeps it after the write (explicit ACEs first, then the
        inherited ones). A DACL read in another order that this order alone would change is left
        as it is, its copies counted as kept with the reason.
      - For objects whose inheritance is off, the inherited ACEs exist only after the DC
        recomputes them, so the duplicates are dropped in a second modify after the first is
        verified. Check mode cannot count them for those objects and says so in RV(objects[].note).
    type: bool
    default: false
  include_orphaned:
    description:
      - Also fix orphaned C(adminCount=1) objects (in no protected group any more) by clearing
        C(adminCount) and, with O(state=enabled), enabling inheritance in the same modify.
      - Members of the protected set are never written, whatever this says.
    type: bool
    default: false
  journal:
    description:
      - Path of a JSON Lines file on the managed node to append to before each write, with the DN, old and
        new SDDL, old and new descriptor (base64), the object's objectGUID, time.
        P(adremedy.directory.inheritance_rollback#module) and C(playbooks/rollback.yml) restore from
        it. Its directory must exist and be owned by the user running the module or root, and
        not be writable by group or others unless it has the sticky bit (as C(/tmp) has); a
        journal file with more than one hard link is refused.
    type: path
  exclude:
    description:
      - Objects at or below these DNs are left alone and reported as skipped with the reason,
        for example a service-accounts OU whose DACLs are managed on purpose.
      - Each DN is looked up on the DC first and compared, RDN by RDN, with the DC's own
        spelling (case, spaces and escapes such as C(\2C) do not matter); one that does not
        exist is an error and nothing is changed.
      - A list of DNs, or one string that is one DN (as an AWX survey gives it; it is not split
        at its commas), or a string with one DN per line.
    type: raw
    default: []
notes:
  - The bind account needs READ_CONTROL and WRITE_DAC on the objects, and write on C(adminCount)
    for O(include_orphaned).
  - Rights are predicted, not discovered. Before writing, and in check mode alike, the module reads
    the bind account's token once (the RootDSE's C(tokenGroups), its own SID, Everyone and
    Authenticated Users) and works out from each planned object's DACL, with the DC's access-check
    rules, whether the account holds WRITE_DAC there. An object it surely does not hold it on
    (typically a user whose inheritance is off, so the OU's delegation does not reach it) is
    reported V(failed) with C(insufficientAccessRights (50)), the right missing and why, and is
    not attempted, so a check run and a real run fail the same objects. Where the prediction is
    not sure (an administrator's token, a token that could not be read, an account that owns the
    object, conditional ACEs, an allow for a SID the token may hold) the write is attempted and
    the DC decides. See docs/least-privilege.md for the first run that fixes such objects.
  - A failed write leaves the object as it was (one modify per object). If the DC becomes
    unreachable mid-run the module stops, reports the objects it did not attempt, and fails.
seealso:
  - module: adremedy.directory.protected_accounts_info
  - module: adremedy.directory.inheritance_rollback
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Re-enable inheritance on every user under Staff, at most 500 at a time, with an undo journal
  adremedy.directory.inheritance:
    search_base: OU=Staff,DC=example,DC=com
    state: enabled
    max_changes: 500
    journal: /var/log/adremedy/inheritance-{{ now(utc=true, fmt='%Y%m%dT%H%M%S') }}.jsonl
  register: fixed

- name: What would change (check mode), with the SDDL before and after
  adremedy.directory.inheritance:
    search_base: OU=Staff,DC=example,DC=com
  check_mode: true
  diff: true

- name: Fix two named users and also clean up orphaned adminCount=1 accounts among them
  adremedy.directory.inheritance:
    dn:
      - CN=Jane Doe,OU=Sales,OU=Staff,DC=example,DC=com
      - CN=former-admin,OU=Admins,DC=example,DC=com
    include_orphaned: true
    remove_explicit_duplicates: true
"""

RETURN = r"""
counts:
  description: How many objects were selected and what happened to them.
  returned: always
  type: dict
  sample: {matched: 50, changed: 3, unchanged: 40, skipped: 7, failed: 0}
objects:
  description: The objects changed (or that would be, in check mode), skipped and failed; also unchanged ones with O(list_unchanged).
  returned: always
  type: list
  elements: dict
  contains:
    dn:
      description: Distinguished name.
      type: str
    status:
      description: V(changed), V(unchanged), V(skipped) or V(failed).
      type: str
    action:
      description: What was written, e.g. V(enable), V(disable (preserve)), V(drop explicit duplicates).
      type: str
      returned: when changed
    reason:
      description: Why the object was skipped.
      type: str
      returned: when skipped
      sample: "protected: member of Tier0 Admins -> Domain Admins; SDProp restores the AdminSDHolder DACL within the hour, so it is never written"
    classification:
      description: V(protected), V(unmarked) or V(orphaned) for members of the protected set and orphans.
      type: str
      returned: when it applies
    duplicates_removed:
      description: Explicit ACEs dropped because an inherited ACE is identical and dropping them
        changes no one's effective access, on the object or below it.
      type: int
      returned: when O(remove_explicit_duplicates) dropped some
    duplicates_kept:
      description: Explicit copies of inherited ACEs kept because dropping them would change
        someone's effective access (for example an inherited deny would then come first);
        RV(objects[].note) names one case.
      type: int
      returned: when O(remove_explicit_duplicates) kept some on a changed object
    admin_count_cleared:
      description: True when adminCount was cleared on an orphan.
      type: bool
      returned: when it applies
    note:
      description: Something to know about the result, e.g. that duplicates are counted only after enabling.
      type: str
      returned: when it applies
    error:
      description: One line naming the object, the operation and the LDAP result.
      type: str
      returned: when failed
    ldap_code:
      description: LDAP result code of the failure.
      type: int
      returned: when failed
    missing_right:
      description: The right the bind account lacks on the object (V(WRITE_DAC)), when the failure
        was predicted before writing.
      type: str
      returned: when a failure was predicted
      version_added: 2.0.0
    predicted:
      description: True when the failure was predicted from the bind account's token and the
        object's DACL, and the write was not attempted.
      type: bool
      returned: when a failure was predicted
      version_added: 2.0.0
insufficient_rights:
  description: The objects the bind account surely may not write (WRITE_DAC missing), with the
    right and why; the same in check mode and in a real run. They need a more privileged first
    run (docs/least-privilege.md).
  returned: always (empty when none, or when no prediction was made)
  type: list
  elements: dict
  version_added: 2.0.0
  contains:
    dn:
      description: The object.
      type: str
    right:
      description: The right missing, V(WRITE_DAC).
      type: str
    reason:
      description: Why, e.g. that inheritance is off on it so the OU's delegation does not reach it.
      type: str
plan:
  description: The DNs the run would change, returned when the plan is larger than O(max_changes).
  returned: when max_changes was exceeded
  type: list
  elements: str
risky_inherited:
  description:
    - The risky rights that the objects whose inheritance the run turns on gain from their
      parents, known before anything is written (check mode too). The same classes of rights as
      the AdminSDHolder audit of P(adremedy.directory.protected_accounts_info#module) names
      (full control, V(GENERIC_WRITE), V(WRITE_DAC), V(WRITE_OWNER), write property on every
      property or on C(member), C(groupType), Personal-Information or Public-Information), for
      trustees other than the domain's administrators (SYSTEM, Administrators, Domain Admins,
      Enterprise Admins, Domain Controllers, Enterprise Domain Controllers, the Administrator)
      and CREATOR OWNER.
    - One row per ACE, where it is set and right, with how many objects gain it; what the run
      writes does not depend on it. An object whose own ACEs grant the trustee all the ACE grants
      already (its inherited ACEs converted to explicit ones when inheritance was turned off)
      gains nothing from it and is not counted.
    - An inheritable ACE takes effect on an object when it is container-inherit and names no
      inherited object type or the object's own structural class. Each parent's DACL is read
      once; for an ACE the parent itself inherits, the containers above it are read to find
      where it is set. A parent whose DACL cannot be read is named in a warning instead.
  returned: always (empty when the plan re-enables nothing or nothing risky is passed down)
  type: list
  elements: dict
  version_added: 2.0.0
  contains:
    trustee:
      description: The trustee's name (sAMAccountName or well-known name), V(null) when no object holds the SID.
      type: str
    sid:
      description: The trustee's SID.
      type: str
    right:
      description: The risky right, e.g. V(WRITE_DAC), V(GENERIC_ALL), V(write property on member).
      type: str
    object_type:
      description: The property, property set or class the right is limited to, by name where
        known (else its GUID); V(null) for all.
      type: str
    object_type_guid:
      description: Its GUID; V(null) for all.
      type: str
    inherited_object_type:
      description: The class of objects the ACE is passed down to, by name where known; V(null) for all.
      type: str
    set_on:
      description: The DN where the ACE is set (explicit), the parent or a container above it.
      type: str
    set_on_found:
      description: False when the walk up stopped (a DACL not readable) before the ACE was found
        explicit; RV(risky_inherited[].set_on) is then the highest container seen holding it, inherited.
      type: bool
    ace:
      description: The ACE in SDDL as it is set there.
      type: str
    objects:
      description: How many objects of this run gain the right.
      type: int
    enables:
      description: What the trustee can do with it.
      type: str
    cites:
      description: The public rule a known case corresponds to (Exchange Windows Permissions'
        WRITE_DAC on the domain object without inherit-only, fixed by Microsoft in 2019).
      type: list
      elements: str
  sample:
    - trustee: Helpdesk
      sid: S-1-5-21-1-2-3-1105
      right: write property on member
      object_type: member
      object_type_guid: bf9679c0-0de6-11d0-a285-00aa003049e2
      inherited_object_type: null
      set_on: OU=Staff,DC=example,DC=com
      set_on_found: true
      ace: (OA;CI;WP;bf9679c0-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3-1105)
      objects: 120
      enables: once inheritance is on, Helpdesk can add any account to the groups that inherit it (any member added to them)
      cites: []
journal:
  description: The journal file written to.
  returned: when O(journal) is set and not in check mode
  type: str
msg:
  description: One-line summary.
  returned: always
  type: str
  sample: 3 of 50 objects changed, 40 already right, 7 skipped, 0 failed
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    bulk_spec, run_bulk)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec, dn_list_options)
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    InheritanceOutcome, InheritanceWriter)

OPTIONS = ArgumentSpec(dict(
    state=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
    disable_mode=dict(type="str", choices=["preserve", "remove"], default="preserve"),
    remove_explicit_duplicates=dict(type="bool", default=False),
    include_orphaned=dict(type="bool", default=False),
    journal=dict(type="path"),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, dn_list_options(exclude=dict(default=[])), bulk_spec(),
                            selection=True, exclude="exclude")
    params = module.params
    outcome = InheritanceOutcome(params["list_unchanged"])
    with module.client(outcome.result) as client, module.global_catalog() as catalog:
        writer = InheritanceWriter(client, module.selection(client), params, catalog,
                                   module.warn, module._diff)
        journalled = run_bulk(writer, outcome, params, module.check_mode)
    module.finish(outcome, **({"journal": params["journal"]} if journalled else {}))


if __name__ == "__main__":
    main()
