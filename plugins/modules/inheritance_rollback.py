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
  - adremedy.directory.bulk
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
  rollback_journal:
    description:
      - Journal the restore itself to this file, so it can be undone in turn.
    type: path
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

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, bulk_spec, run_bulk)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec, dn_list_options)
from ansible_collections.adremedy.directory.plugins.module_utils._run._rollback import (
    RollbackWriter, read_objects, without_guid_warning)

OPTIONS = ArgumentSpec(dict(
    journal=dict(type="path", required=True),
    force=dict(type="bool", default=False),
    rollback_journal=dict(type="path"),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, dn_list_options(dn={}), bulk_spec())
    params = module.params
    with module.failing():
        objects = read_objects(params["journal"], params["dn"])
    warning = without_guid_warning(params["journal"], objects)
    if warning:
        module.warn(warning)
    outcome = Outcome(params["list_unchanged"])
    with module.client(outcome.result) as client, module.global_catalog() as catalog:
        writer = RollbackWriter(client, objects, params, catalog, module._diff)
        run_bulk(writer, outcome, params, module.check_mode)
    module.finish(outcome)


if __name__ == "__main__":
    main()
