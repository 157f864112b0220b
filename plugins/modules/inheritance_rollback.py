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
    run) is refused and listed, unless O(force) is set. The explicit ACEs are compared in order,
    because the DC evaluates them in order; only the order among consecutive ACEs that all
    allow (or all deny), which changes no one's access, is not counted as a change. An object
    already back to its recorded state is left alone, so running the rollback twice changes
    nothing the second time.
  - Each journal line names the object's C(objectGUID). An object at the journalled DN with
    another objectGUID (the journalled one was deleted and another created at the same DN) is
    never written, even with O(force); it is listed as failed, naming both GUIDs. Journals
    written by earlier versions have no objectGUID; their objects are restored by DN alone,
    with a warning.
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
    description:
      - The JSON Lines journal to restore from, on the managed node.
      - It is refused (nothing is restored) when it is a symbolic link, has more than one hard
        link, is writable by group or others or owned by another user, or when its directory
        is owned by someone other than the user running the module or root, or is writable by
        group or others without the sticky bit (they could replace the journal).
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
        V(0) allows no restore at all. Leave it out (or V(null)) for no limit.
    type: int
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
    note:
      description:
        - The journal lines have no objectGUID (restored by DN alone), or earlier lines of the
          journal recorded another object at the same DN (deleted since; not restored).
      type: str
      returned: when there is something to note
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

from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, bulk_spec, enforce_limit)
from ansible_collections.adremedy.directory.plugins.module_utils._run._dacl_changes import (
    Change, apply_changes, ordered_key)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    guid_of, read_descriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import (
    decode_sd, open_journal, read_journal)
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    protection_skip, token_guard)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, dn_list_options)
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import ProtectedSet
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptorError)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    explicit_only)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl


class JournalObject:
    """One object of the journal: the first line about it (its original state), the last one
    (what the journalled runs left), its objectGUID (None in journals written before GUIDs
    were), and earlier lines about other objects the journal recorded at the same DN."""

    __slots__ = ("first", "last", "guid", "earlier")

    def __init__(self, first, last, guid, earlier):
        self.first = first
        self.last = last
        self.guid = guid
        self.earlier = earlier

    def note(self):
        """Why this object's restore is not the plain one, in a sentence, or None."""
        notes = []
        if self.guid is None:
            notes.append("journal line %d has no objectGUID (written by an earlier version): "
                         "restored by DN alone, not checked to be the object journalled"
                         % self.first["line"])
        if self.earlier:
            guids = sorted(set(line.get("object_guid") or "unknown" for line in self.earlier))
            notes.append("journal line%s %s recorded another object at this DN (objectGUID %s), "
                         "deleted since; not restored" % (
                             "s" if len(self.earlier) > 1 else "",
                             ", ".join(str(line["line"]) for line in self.earlier),
                             ", ".join(guids)))
        return "; ".join(notes) or None


def journal_objects(lines, only):
    """JournalObject per DN (in journal order). When the journal recorded more than one object
    at a DN (deleted and created again between runs), the object is the one it recorded last:
    its lines are the last ones with its objectGUID (or none)."""
    wanted = set(dn_key(dn) for dn in only or [])
    by_dn = OrderedDict()
    for line in lines:
        key = dn_key(line["dn"])
        if wanted and key not in wanted:
            continue
        by_dn.setdefault(key, []).append(line)
    objects = OrderedDict()
    for key, group in by_dn.items():
        guids = [str(line.get("object_guid") or "").lower() for line in group]
        guid = next((value for value in reversed(guids) if value), None)
        start = len(group) - 1
        while start > 0 and guids[start - 1] in ("", guid):
            start -= 1
        objects[key] = JournalObject(group[start], group[-1], guid, group[:start])
    return objects


def plan_restore(client, journalled, protection, force):
    """A Change, a reason string to skip, or None when the object is already restored."""
    first, last = journalled.first, journalled.last
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
    guid = guid_of(entry)
    if journalled.guid is not None and guid != journalled.guid:
        raise LdapError("%s is not the object journal line %d recorded: its objectGUID is %s, "
                        "the journal's %s (that one was deleted and this one created at the same "
                        "DN); nothing was written to it" % (dn, first["line"], guid,
                                                            journalled.guid), dn=dn)
    original = decode_sd(first["old_sd"], "journal line %d old_sd" % first["line"])
    left = decode_sd(last["new_sd"], "journal line %d new_sd" % last["line"])
    admin_count = first.get("old_admin_count")
    restore_admin_count = admin_count if admin_count is not None and \
        entry.int("adminCount") != admin_count else None
    if ordered_key(current) == ordered_key(original) and restore_admin_count is None:
        return None
    skip = protection_skip(protection, include_orphaned=True)
    if skip is not None:
        return skip.reason
    if ordered_key(current) != ordered_key(left) and not force:
        return "changed since journal line %d was written; set force to restore it anyway" \
            % last["line"]
    return Change(dn, current, explicit_only(original), "restore",
                  restore_admin_count=restore_admin_count, guid=guid)


def build_plan(client, objects, protection, force, outcome):
    """The Changes that restore the journalled objects; the others go into outcome."""
    changes = []
    for journalled in objects.values():
        dn = journalled.first["dn"]
        outcome.counts["matched"] += 1
        note = journalled.note()
        detail = dict(note=note) if note else {}
        try:
            step = plan_restore(client, journalled, protection.get(dn), force)
        except (LdapError, SecurityDescriptorError) as exc:
            outcome.add(dn, "failed", error=str(exc), ldap_code=getattr(exc, "code", None),
                        **detail)
            continue
        if step is None:
            outcome.add(dn, "unchanged", **detail)
        elif isinstance(step, Change):
            step.detail.update(detail)
            changes.append(step)
        else:
            outcome.add(dn, "skipped", reason=step, **detail)
    return changes


def without_guid_warning(path, objects):
    """One warning for the journal's objects that have no objectGUID, or None."""
    old = [journalled.first["dn"] for journalled in objects.values() if journalled.guid is None]
    if not old:
        return None
    return ("journal %s: %d object%s (%s%s) %s no objectGUID (lines written by an earlier "
            "version); %s restored by DN alone, not checked to be the object%s journalled"
            % (path, len(old), "s" if len(old) > 1 else "", "; ".join(old[:3]),
               "; ..." if len(old) > 3 else "", "have" if len(old) > 1 else "has",
               "they are" if len(old) > 1 else "it is", "s" if len(old) > 1 else ""))


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
    warning = without_guid_warning(params["journal"], objects)
    if warning:
        module.warn(warning)
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
