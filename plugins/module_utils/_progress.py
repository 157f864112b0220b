# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a long run, for the action plugins that show it in the job output: counts of
objects read, planned, written and failed, written to the file the environment variable
ADREMEDY_PROGRESS_FILE names (set by the action plugin) at most every few seconds. Without that
variable every call is a no-op. Never fails the run: progress is a courtesy. Private."""

from __future__ import annotations

import json
import os
import time
from typing import Any

ENVIRONMENT = "ADREMEDY_PROGRESS_FILE"
INTERVAL = 2.0  # seconds between two writes of the file at most


class Progress:
    """The counts of this run; `note` adds to them and writes the file when INTERVAL passed."""

    def __init__(self, path: str | None = None, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.counts = dict(read=0, planned=0, written=0, failed=0)
        self.last: float | None = None  # the first note writes, however young the clock is

    def note(self, **add: int) -> None:
        if not self.path:
            return
        for key, value in add.items():
            self.counts[key] += value
        now = time.monotonic()
        if self.last is None or now - self.last >= self.interval:
            self.last = now
            self.flush()

    def flush(self) -> None:
        if not self.path:
            return
        try:
            partial = "%s.%d.tmp" % (self.path, os.getpid())
            with open(partial, "w", encoding="utf-8") as f:
                json.dump(self.counts, f)
            os.replace(partial, self.path)
        except OSError:
            self.path = None  # an unwritable progress file stops progress, not the run


# One per module process: the LDAP layer counts what it reads, the bulk harness what it plans,
# writes and fails.
PROGRESS = Progress(os.environ.get(ENVIRONMENT) or None)


def note(**add: Any) -> None:
    PROGRESS.note(**add)
