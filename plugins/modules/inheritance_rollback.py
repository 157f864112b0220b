#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: inheritance_rollback
short_description: Restore the DACLs recorded in an inheritance journal
version_added: 1.0.0
description:
  - Reads a journal written by P(adremedy.directory.inheritance#module) and puts each object's
    DACL back the way it was before the first write the journal records for it (and
    C(adminCount), when the run cleared it).
  - An object whose DACL changed since the journal was written (by someone else, or by a later
    run) is refused and listed, unless O(force) is set. An object already back to its recorded
    state is left alone, so running the rollback twice changes nothing the second time.
  - Members of the AdminSDHolder protected set are never written.
  - Each object is written in one modify (DACL only, SD flags 0x4), re-read and verified.
  - Journal lines written in another domain (a test domain with the same DNs, say) are refused,
    because their descriptors name that domain's SIDs.
extends_documentation_fragment:
  - adremedy.directory.connection
attributes:
  check_mode:
    support: full
    description: Computes the same plan and results as a real run and writes nothing.
  diff_mode:
    support: full
    description: Returns the DACL before and after of each restored object as SDDL, one ACE per line.
options:
  journal:
    description: The JSON Lines journal to restore from, on the managed node.
    type: path
    required: true
  dn:
    description:
      - Restore only these objects from the journal. DNs are compared parsed (case, spaces
        and escapes do not matter).
      - A list of DNs, or one string that is one DN (not split at its commas), or a string with
        one DN per line.
    type: raw
  force:
    description:
      - Restore objects whose DACL changed since the journal was written, losing that change.
    type: bool
    default: false
  max_changes:
    description:
      - If more objects would be restored than this, restore nothing and fail with the plan.
        V(0) means no limit.
    type: int
    default: 0
  fail_fast:
    description: Stop at the first object that fails.
    type: bool
    default: false
  rollback_journal:
    description:
      - Journal the restore itself to this file, so it can be undone in turn.
    type: path
  list_unchanged:
    description: Also list objects that needed no change in RV(objects).
    type: bool
    default: false
seealso:
  - module: adremedy.directory.inheritance
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: See what a rollback would do
  adremedy.directory.inheritance_rollback:
    journal: /var/log/adremedy/inheritance-20261121T1015.jsonl
  check_mode: true
  diff: true

- name: Roll back
  adremedy.directory.inheritance_rollback:
    journal: /var/log/adremedy/inheritance-20261121T1015.jsonl
"""

RETURN = r"""
counts:
  description: Objects in the journal and what happened to them.
  returned: always
  type: dict
  sample: {matched: 3, changed: 2, unchanged: 1, skipped: 0, failed: 0}
objects:
  description: Objects restored (or that would be), skipped and failed.
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
      description: V(restore).
      type: str
      returned: when changed
    reason:
      description: Why it was not restored.
      type: str
      returned: when skipped
      sample: "changed since journal line 4 was written; set force to restore it anyway"
    error:
      description: One line naming the object and the LDAP result.
      type: str
      returned: when failed
plan:
  description: The DNs that would be restored, when more than O(max_changes).
  returned: when max_changes was exceeded
  type: list
  elements: str
msg:
  description: One-line summary.
  returned: always
  type: str
"""

from collections import OrderedDict

from ansible_collections.adremedy.directory.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._bulk import (
    Outcome, bulk_spec, enforce_limit)
from ansible_collections.adremedy.directory.plugins.module_utils._dacl_changes import (
    Change, apply_changes)
from ansible_collections.adremedy.directory.plugins.module_utils._descriptors import read_descriptor
from ansible_collections.adremedy.directory.plugins.module_utils._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._journal import (
    decode_sd, open_journal, read_journal)
from ansible_collections.adremedy.directory.plugins.module_utils._inheritance import (
    protection_skip, token_guard)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._module import (
    AdremedyModule, dn_list_options)
from ansible_collections.adremedy.directory.plugins.module_utils._protected import ProtectedSet
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    Sddl, SecurityDescriptorError, explicit_only, inheritance_key)


def journal_objects(lines, only):
    """Per object (in journal order): the first line (the original state) and the last one
    (what the journalled runs left)."""
    wanted = set(dn_key(dn) for dn in only or [])
    objects = OrderedDict()
    for line in lines:
        key = dn_key(line["dn"])
        if wanted and key not in wanted:
            continue
        first, _last = objects.get(key, (line, None))
        objects[key] = (first, line)
    return objects


def plan_restore(client, first, last, protection, force):
    """A Change, a reason string to skip, or None when the object is already restored."""
    dn = first["dn"]
    domain = client.root_dse.domain_sid
    for line in (first, last):
        if line["domain_sid"] != domain:
            raise LdapError("journal line %d was written in domain %s, not in this one (%s): "
                            "its descriptors name that domain's SIDs" % (line["line"],
                                                                         line["domain_sid"],
                                                                         domain), dn=dn)
    entry, current = read_descriptor(client, dn)
    if entry is None:
        raise LdapError("%s does not exist any more: noSuchObject (32)" % dn, code=32, dn=dn)
    original = decode_sd(first["old_sd"], "journal line %d old_sd" % first["line"])
    left = decode_sd(last["new_sd"], "journal line %d new_sd" % last["line"])
    admin_count = first.get("old_admin_count")
    restore_admin_count = admin_count if admin_count is not None and \
        entry.int("adminCount") != admin_count else None
    if inheritance_key(current) == inheritance_key(original) and restore_admin_count is None:
        return None
    skip = protection_skip(protection, include_orphaned=True)
    if skip is not None:
        return skip.reason
    if inheritance_key(current) != inheritance_key(left) and not force:
        return "changed since journal line %d was written; set force to restore it anyway" \
            % last["line"]
    return Change(dn, current, explicit_only(original), "restore",
                  restore_admin_count=restore_admin_count)


def build_plan(client, objects, protection, force, outcome):
    """The Changes that restore the journalled objects; the others go into outcome."""
    changes = []
    for first, last in objects.values():
        outcome.counts["matched"] += 1
        try:
            step = plan_restore(client, first, last, protection.get(first["dn"]), force)
        except (LdapError, SecurityDescriptorError) as exc:
            outcome.fail(first["dn"], exc)
            continue
        if step is None:
            outcome.add(first["dn"], "unchanged")
        elif isinstance(step, Change):
            changes.append(step)
        else:
            outcome.add(first["dn"], "skipped", reason=step)
    return changes


OPTIONS = ArgumentSpec(dict(
    journal=dict(type="path", required=True),
    force=dict(type="bool", default=False),
    rollback_journal=dict(type="path"),
))


def main():
    module = AdremedyModule(OPTIONS, dn_list_options(dn={}), bulk_spec())
    params = module.params
    with module.failing(also=(ValueError,)):
        objects = journal_objects(read_journal(params["journal"]), params["dn"])
    outcome = Outcome(params["list_unchanged"])
    with module.client(outcome.result) as client, module.global_catalog() as catalog:
        dse = client.root_dse
        sddl = Sddl(dse.domain_sid, dse.forest_root_sid)
        protection = ProtectedSet(client, catalog).load().by_dn()
        changes = build_plan(client, objects, protection, params["force"], outcome)
        changes = token_guard(changes, protection, outcome)  # check mode too: the same plan
        enforce_limit(changes, params["max_changes"], outcome, "restores")
        with open_journal(params["rollback_journal"], client, changes, outcome,
                          module.check_mode) as journal:
            apply_changes(client, sddl, changes, outcome, module.check_mode, journal,
                          params["fail_fast"], module._diff)
    module.finish(outcome)


if __name__ == "__main__":
    main()
