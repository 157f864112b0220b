# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The undo journal of the DACL writers: JSON Lines, one line per object (DN, old and new SDDL and
descriptor), written and flushed before the object's modify; reading it back for a rollback.
Private."""

from __future__ import annotations

import base64
import datetime
import json
import os
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    Sddl, SecurityDescriptor, SecurityDescriptorError)

if TYPE_CHECKING:  # for annotations only: the writer imports the journal
    from ansible_collections.adremedy.directory.plugins.module_utils._bulk import Outcome
    from ansible_collections.adremedy.directory.plugins.module_utils._dacl_changes import Change
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap import LdapClient


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_sd(sd: SecurityDescriptor) -> str:
    return base64.b64encode(sd.to_bytes()).decode("ascii")


def decode_sd(text: str, what: str) -> SecurityDescriptor:
    try:
        return SecurityDescriptor.parse(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, SecurityDescriptorError) as exc:
        raise SecurityDescriptorError("%s is not a valid base64 security descriptor (%s)"
                                      % (what, exc))


class Journal:
    """JSON Lines, one line per object, written and flushed to disk before the object's modify,
    so a crash or a lost DC still leaves a record of every write that may have happened."""

    def __init__(self, path: str, domain_sid: str | None) -> None:
        self.path = path
        self.domain_sid = domain_sid
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise IOError("journal directory %s does not exist" % directory)
        # Private (0600) and never through a symlink someone planted at the path.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        self.handle = os.fdopen(fd, "a")

    def record(self, change: Change, sddl: Sddl) -> None:
        line = dict(dn=change.dn, action=change.action,
                    old_sddl=sddl.render(change.before), new_sddl=sddl.render(change.after),
                    old_sd=encode_sd(change.before), new_sd=encode_sd(change.after))
        if change.admin_count is not None:
            line["old_admin_count"] = change.admin_count
        self.write(line)

    def write(self, line: dict[str, Any]) -> None:
        """Append one record, with the time and the domain SID, and have it on disk before the
        caller's write goes out."""
        line = dict(line, time=utc_now(), domain_sid=self.domain_sid)
        self.handle.write(json.dumps(line, sort_keys=True) + "\n")
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def open_journal(path: str | None, client: LdapClient, changes: Sequence[Change], outcome: Outcome,
                 check_mode: bool = False) -> AbstractContextManager[Journal | None]:
    """The journal to write to as a context manager (yielding None when there is no path,
    nothing to write, or check mode). Opened before the first write, so an unwritable path
    fails (Failure) with nothing changed."""
    if not path or not changes or check_mode:
        return nullcontext()
    try:
        return Journal(path, client.root_dse.domain_sid)
    except (IOError, OSError) as exc:
        raise Failure("cannot open journal %s: %s; nothing was changed" % (path, exc),
                      **outcome.result())


def read_journal(path: str) -> list[dict[str, Any]]:
    """The journal's lines as dicts; a clear error naming the line when one is not valid."""
    lines = []
    try:
        with open(path) as handle:
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                except ValueError as exc:
                    raise ValueError("journal %s line %d is not JSON (%s)" % (path, number, exc))
                missing = [k for k in ("dn", "old_sd", "new_sd") if k not in line]
                if missing:
                    raise ValueError("journal %s line %d lacks %s" % (path, number,
                                                                      ", ".join(missing)))
                line["line"] = number
                lines.append(line)
    except (IOError, OSError) as exc:
        raise ValueError("cannot read journal %s: %s" % (path, exc))
    return lines
