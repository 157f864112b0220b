# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_record: a run's record as last-run.json and one line of runs.jsonl, written on the
controller (see the module of the same name for the documentation)."""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.plugins.filter.core import to_json, to_nice_json

from ansible_collections.adremedy.directory.plugins.module_utils._run._report import write_atomic

ARGUMENTS = dict(
    dir=dict(type="path", required=True),
    record=dict(type="dict", required=True),
    last_file=dict(type="str", default="last-run.json"),
    log_file=dict(type="str", default="runs.jsonl"),
    log_omit=dict(type="list", elements="str", default=[]),
)


def write_record(directory: str, record: Mapping[str, Any], last_file: str, log_file: str,
                 log_omit: Sequence[str]) -> tuple[str, str]:
    """(last path, log path): the record replaces last_file atomically (a new temporary file,
    O_EXCL|O_NOFOLLOW, renamed), one line is appended to log_file (never through a symlink);
    both end up mode 0644."""
    last = os.path.join(directory, last_file)
    log = os.path.join(directory, log_file)
    write_atomic(last, to_nice_json(record, indent=1) + "\n")
    line = to_json(dict((k, v) for k, v in record.items() if k not in log_omit)) + "\n"
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o644)
    os.fchmod(fd, 0o644)  # as the role's lineinfile (mode 0644) left it, whatever the umask
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line)
    return last, log


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
            ) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENTS)
        directory = os.path.expanduser(args["dir"])
        try:
            last, log = write_record(directory, args["record"], args["last_file"],
                                     args["log_file"], args["log_omit"])
        except (IOError, OSError) as exc:
            raise AnsibleActionFail("cannot write the run record to %s: %s" % (directory, exc))
        result.update(changed=False, last_file=last, log_file=log)
        return result
