# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Journal files: JSON Lines written before each change, read back to undo (the DACL writers'
undo journal at the end: DN, old and new SDDL and descriptor per object). A journal is
trusted input (a rollback writes whatever descriptor a line holds to whatever DN it names), so
it is created 0600 without following symlinks, read only when nobody else could have written
it (the checks ssh makes of its keys), and every line names the domain it was written in.
A journal file with another name (a hard link: st_nlink > 1) is refused, and so is a journal
in a directory someone else could change: one owned by neither this user nor root, or one that
group or others may write without the sticky bit (they could rename, replace or swap the file;
with the sticky bit only the file's owner, the directory's owner and root can, as in /tmp).
Only the directory that holds the journal is checked, not those above it.
Private to this collection.

API (stable):

  JournalWriter(path, domain_sid)   append-only, 0600, O_NOFOLLOW; a symlink, a file that is not
                                    regular, owned by someone else or hard-linked, and a
                                    directory someone else could change are refused (JournalError)
      .write(record) -> None        adds `time` and `domain_sid`, flushes and fsyncs the line
      .close()
  read_trusted(path, required=(), domain_sid=None) -> list[dict]
      every line as a dict with its number in `line`; JournalError naming the file (and mode or
      owner, or the line) when the file is a symlink, writable by group or others, owned by
      another user, hard-linked, in a directory someone else could change, not JSON, lacks a
      required key or `domain_sid`, or (with domain_sid) was written in another domain
  JournalError (a ValueError): one line naming the file
  Journal                           the name the writers use for a JournalWriter
  encode_sd, decode_sd, read_journal(path): the DACL writers' undo journal on top of these
  (its line is _dacl_changes.journal_line; the bulk runner opens a run's journal).
"""

from __future__ import annotations

import base64
import datetime
import errno
import json
import os
import stat
from typing import Any, Iterable

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    SecurityDescriptorError, JournalError)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor

MODE = 0o600


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _owner(uid: int) -> str:
    try:
        import pwd
        return "uid %d (%s)" % (uid, pwd.getpwuid(uid).pw_name)
    except (ImportError, KeyError):
        return "uid %d" % uid


def _open(path: str, flags: int, what: str) -> int:
    try:
        return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), MODE)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and os.path.islink(path):
            raise JournalError("journal %s is a symbolic link (to %s); refusing to follow it: "
                               "%s the file itself" % (path, os.path.realpath(path), what))
        raise JournalError("cannot %s journal %s: %s" % ("read" if flags == os.O_RDONLY else "open",
                                                         path, exc.strerror or exc))


def _refusing(for_rollback: bool) -> str:
    return "roll back from" if for_rollback else "append to"


def _check_file(fd: int, path: str, for_rollback: bool) -> os.stat_result:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise JournalError("journal %s is not a regular file" % path)
    if info.st_uid != os.geteuid():
        raise JournalError("journal %s is owned by %s, not by %s who runs this; refusing to %s "
                           "it" % (path, _owner(info.st_uid), _owner(os.geteuid()),
                                   _refusing(for_rollback)))
    if info.st_nlink > 1:
        raise JournalError("journal %s has %d hard links (the same file under other names, "
                           "which may be another file of yours linked there); refusing to %s "
                           "it: give a journal with one name"
                           % (path, info.st_nlink, _refusing(for_rollback)))
    return info


def check_directory(path: str, for_rollback: bool) -> None:
    """JournalError naming the journal's directory when someone other than this user (and
    root) could rename, replace or swap the journal in it: a directory owned by another user,
    or writable by group or others without the sticky bit. A missing directory is left to
    the open, which names it."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        info = os.stat(directory)
    except OSError:
        return
    me = os.geteuid()
    if info.st_uid not in (me, 0):
        raise JournalError("journal directory %s is owned by %s, not by %s who runs this or "
                           "root: its owner can replace or rename the journal; refusing to %s "
                           "%s" % (directory, _owner(info.st_uid), _owner(me),
                                   _refusing(for_rollback), path))
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
        who = ("group and others" if mode & stat.S_IWGRP and mode & stat.S_IWOTH
               else "group" if mode & stat.S_IWGRP else "others")
        raise JournalError("journal directory %s is writable by %s (mode %04o) without the "
                           "sticky bit: they can replace or rename the journal; refusing to %s "
                           "%s (chmod go-w %s, or keep journals in a directory only you can "
                           "write)" % (directory, who, mode, _refusing(for_rollback), path,
                                       directory))


class JournalWriter:
    """One journal file opened for appending; each write is on disk before it returns."""

    def __init__(self, path: str, domain_sid: str | None) -> None:
        if not domain_sid:
            raise JournalError("cannot journal to %s: the domain SID could not be read, and "
                               "every journal line must name its domain" % path)
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise JournalError("cannot open journal %s: its directory %s does not exist"
                               % (path, directory))
        check_directory(path, for_rollback=False)
        self.path = path
        self.domain_sid = domain_sid
        fd = _open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, "give")
        try:
            info = _check_file(fd, path, for_rollback=False)
            if stat.S_IMODE(info.st_mode) != MODE:
                os.fchmod(fd, MODE)  # an older journal, or one made by hand: only its owner
        except Exception:
            os.close(fd)
            raise
        self.handle = os.fdopen(fd, "a")

    def write(self, record: dict[str, Any]) -> None:
        line = dict(record, time=utc_now(), domain_sid=self.domain_sid)
        self.handle.write(json.dumps(line, sort_keys=True) + "\n")
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def read_trusted(path: str, required: Iterable[str] = (),
                 domain_sid: str | None = None) -> list[dict[str, Any]]:
    """The lines of a journal that only its owner could have written; JournalError otherwise."""
    check_directory(path, for_rollback=True)
    fd = _open(path, os.O_RDONLY, "name")
    try:
        info = _check_file(fd, path, for_rollback=True)
        mode = stat.S_IMODE(info.st_mode)
        if mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise JournalError("journal %s is writable by %s (mode %04o); refusing to roll back "
                               "from it: anyone who can write it decides what is written to "
                               "the directory (chmod go-w %s if its content is yours)"
                               % (path, "group and others" if mode & stat.S_IWGRP and mode
                                  & stat.S_IWOTH else "group" if mode & stat.S_IWGRP
                                  else "others", mode, path))
        handle = os.fdopen(fd, "r")
    except Exception:
        os.close(fd)
        raise
    lines = []
    required = list(required) + ["domain_sid"]
    with handle:
        for number, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError as exc:
                raise JournalError("journal %s line %d is not JSON (%s)" % (path, number, exc))
            if not isinstance(line, dict):
                raise JournalError("journal %s line %d is not a JSON object" % (path, number))
            missing = [key for key in required if not line.get(key)]
            if missing:
                raise JournalError("journal %s line %d lacks %s; refusing to roll back from it"
                                   % (path, number, ", ".join(missing)))
            if domain_sid and line["domain_sid"] != domain_sid:
                raise JournalError("journal %s line %d was written in domain %s, not in this one "
                                   "(%s); refusing to roll back from it: its descriptors name "
                                   "that domain's SIDs" % (path, number, line["domain_sid"],
                                                           domain_sid))
            line["line"] = number
            lines.append(line)
    return lines


def encode_sd(sd: SecurityDescriptor) -> str:
    return base64.b64encode(sd.to_bytes()).decode("ascii")


def decode_sd(text: str, what: str) -> SecurityDescriptor:
    try:
        return SecurityDescriptor.parse(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, SecurityDescriptorError) as exc:
        raise SecurityDescriptorError("%s is not a valid base64 security descriptor (%s)"
                                      % (what, exc))


# One line per object, written and flushed to disk before the object's write, so a crash or a
# lost DC still leaves a record of every write that may have happened.
Journal = JournalWriter


def read_journal(path: str) -> list[dict[str, Any]]:
    """The DACL journal's lines; JournalError (a ValueError) naming the file or the line when
    it is not to be trusted or not valid."""
    return read_trusted(path, required=("dn", "old_sd", "new_sd"))
