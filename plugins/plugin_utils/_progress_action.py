# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of the modules that may run for minutes (inheritance, compliance_info,
eas_device_cleanup, eas_allowed_devices): the module runs as always, and when it runs longer
than a minute the job output shows what it reported so far (objects read, planned, written,
failed) every 30 seconds; nothing on short runs. The module writes its counts to a file
(module_utils/_progress.py) whose path it gets in the environment variable
ADREMEDY_PROGRESS_FILE. Only with the local connection (where this collection's modules run):
elsewhere, and for async tasks, the action is Ansible's normal one. Private."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from typing import Any

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

ENVIRONMENT = "ADREMEDY_PROGRESS_FILE"  # the module side's name, module_utils/_progress.py
AFTER = 60.0  # seconds of a run before the first progress line
EVERY = 30.0  # seconds between two progress lines


def seconds(name: str, default: float) -> float:
    """A period from the controller's environment (the tests shorten them), else the default."""
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def progress_line(counts: dict[str, int], elapsed: float, check_mode: bool) -> str:
    written = "would write" if check_mode else "written"
    return "%d s: %d objects read, %d planned, %d %s, %d failed" % (
        elapsed, counts.get("read", 0), counts.get("planned", 0), counts.get("written", 0),
        written, counts.get("failed", 0))


def read_counts(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # not written yet, or being replaced


class ProgressActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    _progress_file: str | None = None

    def _compute_environment_string(self, raw_environment_out: dict[str, str] | None = None
                                    ) -> str:
        environment: dict[str, str] = {}
        super()._compute_environment_string(environment)
        if self._progress_file:
            environment[ENVIRONMENT] = self._progress_file
        if isinstance(raw_environment_out, dict):
            raw_environment_out.clear()
            raw_environment_out.update(environment)
        return self._connection._shell.env_prefix(**environment)

    def _run_module(self, task_vars: dict[str, Any] | None) -> dict[str, Any]:
        result = self._execute_module(task_vars=task_vars, wrap_async=False)
        self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None
            ) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        if wrap_async or getattr(self._connection, "transport", None) != "local":
            outcome = self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return merge_hash(result, outcome)
        directory = tempfile.mkdtemp(prefix="adremedy-progress-")
        self._progress_file = os.path.join(directory, "progress.json")
        try:
            return merge_hash(result, self._watch(task_vars or {}))
        finally:
            self._progress_file = None
            shutil.rmtree(directory, ignore_errors=True)

    def _watch(self, task_vars: dict[str, Any]) -> dict[str, Any]:
        """The module's result; a progress line now and then while it runs."""
        after, every = seconds("ADREMEDY_PROGRESS_AFTER", AFTER), seconds("ADREMEDY_PROGRESS_EVERY", EVERY)
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["result"] = self._run_module(task_vars)
            except BaseException as exc:  # pylint: disable=broad-except
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="adremedy-module", daemon=True)
        started = time.monotonic()
        worker.start()
        shown: float | None = None
        while True:
            worker.join(timeout=min(1.0, every))
            if not worker.is_alive():
                break
            elapsed = time.monotonic() - started
            if elapsed >= after and (shown is None or time.monotonic() - shown >= every):
                counts = (read_counts(self._progress_file) if self._progress_file else None) or {}
                display.display("%s | %s: %s" % (
                    task_vars.get("inventory_hostname", ""), self._task.get_name(),
                    progress_line(counts, elapsed, self._play_context.check_mode)))
                shown = time.monotonic()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]
