# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-user ActiveSync allow and block lists (msExchMobileAllowedDeviceIDs and
msExchMobileBlockedDeviceIDs): resolving users, validating device IDs, planning and writing
value-level edits, and the eas_allowed_devices module's bulk run (ListWriter). Private."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure, LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    ALLOWED_ATTRIBUTE, BLOCKED_ATTRIBUTE, require_exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    BulkWriter, Outcome, read_back, refuse)
from ansible_collections.adremedy.directory.plugins.module_utils._security._rights import (
    attribute_guid, check_properties, rights_for)
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    resolve_identities)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Entry, LdapClient)

LISTS = (("allowed", ALLOWED_ATTRIBUTE), ("blocked", BLOCKED_ATTRIBUTE))
LIST_NAMES = ("allowed", "blocked")
# MS-ASHTTP 2.2.1.1.1.2.3: no commas or special characters; Exchange stores at most 32.
DEVICE_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
USER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", ALLOWED_ATTRIBUTE, BLOCKED_ATTRIBUTE]


def check_device_id(value: Any, where: str) -> str:
    """The device ID, or ValueError saying what is wrong with it and where it came from."""
    if not isinstance(value, str):
        raise ValueError("%s: device ID %r is not a string" % (where, value))
    if not DEVICE_ID.match(value):
        if not value:
            why = "it is empty"
        elif len(value) > 32:
            why = "it has %d characters, Exchange stores at most 32" % len(value)
        else:
            bad = sorted(set(ch for ch in value if not ch.isalnum() or ord(ch) > 127))
            why = "it contains %s; device IDs are letters and digits only (MS-ASHTTP " \
                  "2.2.1.1.1.2.3: no commas or special characters)" % " ".join(
                      repr(ch) for ch in bad)
        raise ValueError("%s: device ID %r is not valid: %s" % (where, value, why))
    return value


def resolve_users(client: LdapClient, names: Sequence[str]) -> dict[str, Entry]:
    """{name as given: Entry} for users named in any form an admin types (see _identity);
    IdentityError naming every unknown or ambiguous one."""
    return resolve_identities(client, names, USER_ATTRIBUTES)


def _unique(values: Iterable[str]) -> list[str]:
    """Values in order with case-insensitive duplicates dropped."""
    seen, out = set(), []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out


def _printable(text: str) -> str:
    """A name as given, or its repr when it holds line breaks or other control characters, so
    an error message stays one line."""
    return text if text.isprintable() else repr(text)


def add_request(want: dict[str, list[str]], which: str, values: Iterable[str]) -> None:
    """Add IDs to one user's request for a list, keeping the first spelling of each."""
    want[which] = _unique(want.get(which, []) + list(values))


def merge_entries(entries: Sequence[Any], default_list: str = "allowed"
                  ) -> dict[str, dict[str, list[str]]]:
    """Requested IDs per user as given: {user: {'allowed': [...], 'blocked': [...]}}, in input
    order. An entry is {user, allowed, blocked}, or a device record from eas_device_info
    ({owner_dn, device_id}) whose ID goes on default_list. Validates every device ID."""
    merged: dict[str, dict[str, list[str]]] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ValueError("entries[%d] is not a dictionary" % number)
        user = entry.get("user") or entry.get("owner_dn")
        if not user or not isinstance(user, str):
            raise ValueError("entries[%d] names no user (give user, or a device record with "
                             "owner_dn)" % number)
        unknown = set(entry) - {"user", "allowed", "blocked"}
        record = "device_id" in entry and "user" not in entry
        if unknown and not record:
            raise ValueError("entries[%d] (%s): unknown keys %s; use user, allowed, blocked"
                             % (number, _printable(user), ", ".join(sorted(unknown))))
        want = merged.setdefault(user, {})
        lists = dict((which, entry.get(which)) for which in LIST_NAMES if which in entry)
        if record:
            lists = {default_list: [entry["device_id"]]}
        for which, values in lists.items():
            if values is None:
                values = []
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, (list, tuple)):
                raise ValueError("entries[%d] (%s) %s: give a list of device IDs or one ID, not %s"
                                 % (number, _printable(user), which, type(values).__name__))
            for value in values:
                check_device_id(value, "entries[%d] (%s) %s" % (number, _printable(user),
                                                                which))
            add_request(want, which, values)
    return merged


class ListEdit:
    """One user's planned edit: the lists as read and the value-level operations."""

    __slots__ = ("dn", "user", "before", "after", "operations", "kept", "detail")

    def __init__(self, dn: str, user: str, before: Mapping[str, list[str]]) -> None:
        self.dn = dn
        self.user = user
        self.before = before            # {'allowed': [...], 'blocked': [...]} as stored
        self.after = dict((k, list(v)) for k, v in before.items())
        # attribute -> [(op, [values])]
        self.operations: dict[str, list[tuple[str, list[str]]]] = {}
        # IDs left where they were by on_conflict: {device_id, list, reason}
        self.kept: list[dict[str, str]] = []
        self.detail: dict[str, Any] = {}

    @property
    def changed(self) -> bool:
        return bool(self.operations)

    def _op(self, which: str, op: Any, values: Sequence[str]) -> None:
        if values or op == MODIFY_REPLACE:  # replacing with nothing clears the list
            self.operations.setdefault(dict(LISTS)[which], []).append((op, list(values)))
            self.detail.setdefault("%s_%s" % (which, "added" if op == MODIFY_ADD else
                                              "removed" if op == MODIFY_DELETE else "set"),
                                   []).extend(values)

    def add(self, which: str, values: Iterable[str]) -> None:
        keys = set(v.lower() for v in self.after[which])
        new = [v for v in _unique(values) if v.lower() not in keys]
        self._op(which, MODIFY_ADD, new)
        self.after[which] += new

    def remove(self, which: str, values: Iterable[str]) -> None:
        keys = set(v.lower() for v in values)
        stored = [v for v in self.after[which] if v.lower() in keys]
        self._op(which, MODIFY_DELETE, stored)  # the stored spellings, every case variant
        self.after[which] = [v for v in self.after[which] if v.lower() not in keys]

    def replace(self, which: str, values: Iterable[str]) -> None:
        values = _unique(values)
        if sorted(v.lower() for v in values) != sorted(v.lower() for v in self.after[which]):
            self._op(which, MODIFY_REPLACE, values)
            self.after[which] = values

    def ldap_changes(self) -> dict[str, list[tuple[Any, list[str]]]]:
        return dict(self.operations)


OTHER = {"allowed": "blocked", "blocked": "allowed"}


def _who(user: str, dn: str) -> str:
    return user if user.lower() == dn.lower() else "%s (%s)" % (user, dn)


def _conflicts(user: str, dn: str, which: str, values: Sequence[str], other_values: Iterable[str],
               on_conflict: str) -> tuple[list[str], list[str]]:
    """IDs requested for `which` that are on the other list: (move, keep), or ValueError."""
    other = set(v.lower() for v in other_values)
    hits = [v for v in values if v.lower() in other]
    if not hits:
        return [], []
    if on_conflict == "error":
        raise ValueError("%s: device ID %s requested for the %s list is on the %s list; set "
                         "on_conflict to say which list wins" % (
                             _who(user, dn), ", ".join(hits), which, OTHER[which]))
    return (hits, []) if on_conflict == which else ([], hits)


def plan_edit(user: str, entry: Entry, want: Mapping[str, list[str]], state: str,
              on_conflict: str) -> ListEdit:
    """The ListEdit for one user (entry: the user's LDAP Entry; want: merged request)."""
    before = dict((which, entry.texts(attribute)) for which, attribute in LISTS)
    edit = ListEdit(entry.dn, user, before)
    both = set(v.lower() for v in want.get("allowed", [])) & \
        set(v.lower() for v in want.get("blocked", []))
    if both and state != "absent":
        raise ValueError("%s: device ID %s is requested for both the allowed and the blocked "
                         "list" % (_who(user, entry.dn), ", ".join(sorted(both))))
    if state == "absent":
        for which in ("allowed", "blocked"):
            edit.remove(which, want.get(which, []))
        return edit
    for which in ("allowed", "blocked"):
        if which not in want:
            continue
        values = want[which]
        # With exact, a list the entry does not name stays as it is and still counts.
        move, keep = _conflicts(user, entry.dn, which, values, edit.after[OTHER[which]]
                                if OTHER[which] not in want or state == "present"
                                else want[OTHER[which]], on_conflict)
        if keep:
            edit.kept += [dict(device_id=v, list=which, reason="on the %s list and on_conflict "
                               "is %s" % (OTHER[which], on_conflict)) for v in keep]
            keys = set(v.lower() for v in keep)
            values = [v for v in values if v.lower() not in keys]
        if move:
            edit.remove(OTHER[which], move)
        if state == "exact":
            edit.replace(which, values)
        else:
            edit.add(which, values)
    return edit


def verify_edit(edit: ListEdit, entry: Entry) -> None:
    """Raise LdapError when the lists read back do not hold what was written."""
    for which, attribute in LISTS:
        stored = set(v.lower() for v in entry.texts(attribute))
        added = set(v.lower() for v in edit.detail.get(which + "_added", []))
        removed = set(v.lower() for v in edit.detail.get(which + "_removed", []))
        ok = added <= stored and not removed & stored
        if which + "_set" in edit.detail:
            ok = ok and stored == set(v.lower() for v in edit.after[which])
        if not ok:
            raise LdapError("verify %s failed: %s read back differs from what was written "
                            "(another writer?)" % (edit.dn, attribute), dn=edit.dn)


def diff_text(lists: Mapping[str, list[str]]) -> str:
    lines = []
    for which, attribute in LISTS:
        lines.append("%s:%s" % (attribute, "" if lists[which] else " []"))
        lines += ["  - %s" % value for value in lists[which]]
    return "\n".join(lines) + "\n"


# -- the eas_allowed_devices module's bulk run --------------------------------------------------

def read_entries(params: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The module's entries merged per user and every device ID checked, before connecting;
    Failure saying what is wrong, with nothing changed."""
    try:
        return merge_entries(params["entries"], params["device_id_list"])
    except ValueError as exc:
        raise Failure("%s; nothing was changed" % exc)


def build_plan(client: LdapClient, merged: Mapping[str, dict[str, list[str]]], state: str,
               on_conflict: str) -> list[ListEdit]:
    """ListEdits for every user, in input order; two names for one user are merged."""
    resolved = resolve_users(client, list(merged))
    by_dn: dict[str, tuple[str, dict[str, list[str]], Entry]] = {}
    for user, want in merged.items():
        entry = resolved[user]
        key = dn_key(entry.dn)
        if key in by_dn:
            first_want = by_dn[key][1]
            for which in LIST_NAMES:
                if which in want:
                    add_request(first_want, which, want[which])
        else:
            by_dn[key] = (user, dict(want), entry)
    try:
        return [plan_edit(user, entry, want, state, on_conflict)
                for user, want, entry in by_dn.values()]
    except ValueError as exc:
        raise Failure("%s; nothing was changed" % exc)


def rights_guard(client: LdapClient, edits: list[ListEdit], outcome: Outcome,
                 fail_fast: bool = False, account: str | None = None) -> list[ListEdit]:
    """Each changing edit whose lists the bind account surely may not write (write property on
    the attribute, _rights) is failed with insufficientAccessRights (50) and why, and dropped;
    the same in check mode. Nothing is read unless some edit changes a list."""
    if not any(edit.changed for edit in edits):
        return edits
    rights = rights_for(client, account)
    if not rights.predicts:
        return edits
    guids: dict[str, str | None] = {}

    def refused(edit: ListEdit) -> dict[str, Any] | None:
        if not edit.changed:
            return None
        names = sorted(edit.operations)
        for name in names:
            if name not in guids:
                guids[name] = attribute_guid(client, name)
        denied = check_properties(rights, edit.dn, [(name, guids[name]) for name in names])
        return dict(user=edit.user, **denied.refusal()) if denied is not None else None
    return refuse(edits, outcome, fail_fast, refused)


class ListWriter(BulkWriter):
    # pylint: disable=arguments-renamed  # the runner passes each step's arguments by position
    """The eas_allowed_devices module's bulk run: every named user resolved and planned (an
    edit for each, changing or not), the rights guard, then per changing edit one permissive
    modify (values others wrote meanwhile are kept), read back and verified. Edits that change
    nothing are reported (unchanged, or skipped when on_conflict kept something) in order."""

    verb = "changes the lists of"

    def __init__(self, client: LdapClient, merged: Mapping[str, dict[str, list[str]]],
                 params: Mapping[str, Any]) -> None:
        super().__init__(client)
        self.merged = merged
        self.params = params

    def plan(self, outcome: Outcome) -> list[ListEdit]:
        if self.merged:
            require_exchange_schema(self.client, [attribute for _which, attribute in LISTS])
        edits = build_plan(self.client, self.merged, self.params["state"],
                           self.params["on_conflict"]) if self.merged else []
        outcome.counts["matched"] = len(edits)
        return edits

    def guard(self, edits: list[ListEdit], outcome: Outcome, fail_fast: bool) -> list[ListEdit]:
        """The lists the bind account surely may not write: failed (50), not attempted, in
        check mode too (issue 22 item 1)."""
        return rights_guard(self.client, edits, outcome, fail_fast, self.params.get("bind_dn"))

    def counted(self, edits: list[ListEdit]) -> list[ListEdit]:
        return [edit for edit in edits if edit.changed]

    def writes(self, edit: ListEdit) -> bool:
        return edit.changed

    def write(self, edit: ListEdit, found: Any) -> None:
        self.client.modify(edit.dn, edit.ldap_changes(), permissive=True)

    def verify(self, edit: ListEdit, found: Any) -> None:
        verify_edit(edit, read_back(self.client, edit.dn, USER_ATTRIBUTES))

    def describe(self, edit: ListEdit, outcome: Outcome, result: Any = None) -> None:
        detail = dict(user=edit.user, **edit.detail)
        if edit.kept:
            detail["kept"] = edit.kept
        if not edit.changed:
            outcome.add(edit.dn, "skipped" if edit.kept else "unchanged", **detail)
            return
        outcome.add(edit.dn, "changed", **detail)
        outcome.diffs.append(dict(before_header=edit.dn, after_header=edit.dn,
                                  before=diff_text(edit.before), after=diff_text(edit.after)))
