# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options of every module that writes many objects in one run
    # (module_utils._run._bulk.bulk_spec; the runner is _bulk.run_bulk).
    DOCUMENTATION = r"""
options:
  max_changes:
    description:
      - If the plan would change more objects than this, change nothing and fail, returning the
        plan in RV(plan). V(0) allows no change at all (a plan of one object fails). Leave it
        out (or V(null)) for no limit.
      - Objects the plan leaves alone (already right, skipped, or failed before any write, for
        example because the bind account surely may not write them) are not counted.
    type: int
  fail_fast:
    description:
      - Stop at the first object that fails. By default the others are still written and every
        failure is reported.
      - A DC that becomes unreachable always stops the run; the objects not attempted are
        listed as failed.
    type: bool
    default: false
  list_unchanged:
    description:
      - Also list objects that needed no change in RV(objects). Off by default to keep results
        small on large directories; RV(counts) always has them.
    type: bool
    default: false
"""
