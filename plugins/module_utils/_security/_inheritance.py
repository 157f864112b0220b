# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the inheritance module does: what it would do to one object and why (plan, Skip), the
guards before any write (the protected set's tokens, rights predicted), what re-enabling passes
down (risky_inherited), and its bulk run (InheritanceWriter: the plan over the selection, the
guards, the DACL writer's steps). Private."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, cast

from ansible_collections.adremedy.directory.plugins.module_utils._security._adminsdholder import (
    Names, admin_sids, risky_rights)
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import Outcome, refuse
from ansible_collections.adremedy.directory.plugins.module_utils._run._dacl_changes import (
    Change, DaclWriter)
from ansible_collections.adremedy.directory.plugins.module_utils._run._selection import Selection
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    READ_ATTRIBUTES, SD_ATTRIBUTE, ParsedDescriptors, descriptor_of, guid_of)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    DnError, LdapError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    dn_key, first_at_or_above, parent)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import (
    ObjectTypes, object_types_or_why)
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import ProtectedSet
from ansible_collections.adremedy.directory.plugins.module_utils._security._rights import (
    WRITE_DAC, Rights, rights_for)
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    map_generic)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    CONTAINER_INHERIT, MAX_ACL_BYTES, OBJECT_INHERIT, Ace, AclTooLargeError, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance, enable_inheritance, explicit_only, plan_explicit_duplicates)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

# Enabling inheritance on a protected DACL: the DC adds the ACEs the parent passes down in the
# same modify. Only a DACL this large can be pushed past 64 KiB by them (the parent's inheritable
# set would have to be over 32 KiB otherwise), so only then is the parent read.
LARGE_DACL = 32 * 1024
SHARED_LIMIT = 4096  # new DACLs kept for sharing in one run (a directory has few descriptors)


class Skip:
    """An object left alone on purpose, with the reason a person reads in the result."""

    def __init__(self, reason: str, classification: str | None = None) -> None:
        self.reason = reason
        self.classification = classification


def protection_skip(protection: Mapping[str, Any] | None, include_orphaned: bool) -> Skip | None:
    """Skip for protected and not-yet-marked members of the protected set always, for orphans
    unless the caller opted in; an object protected (unresolved) is never written, whatever the
    options. None when the object may be written."""
    if protection is None:
        return None
    cls = protection["classification"]
    if cls == "orphaned":
        if include_orphaned:
            return None
        return Skip("orphaned adminCount=1 (%s); set include_orphaned to clear adminCount and "
                    "fix it" % protection["reason"], cls)
    if protection.get("unresolved"):
        return Skip("%s; it may be protected through a member the module cannot follow, so it "
                    "is never written (with gc_server the module follows members of other "
                    "domains of the forest)" % protection["reason"], cls)
    what = "protected" if cls == "protected" else "in the protected set, not yet marked"
    return Skip("%s: %s; SDProp restores the AdminSDHolder DACL within the hour, so it is never "
                "written" % (what, protection["reason"]), cls)


def protection_of(protection: Mapping[str, Any] | None, entry: Any) -> Mapping[str, Any] | None:
    """The protected-set row of an entry: by objectGUID and objectSid where the lookup knows
    them (_protected.Protection.of; an object moved after the set was read keeps its SID and
    GUID), else by DN."""
    if protection is None:
        return None
    lookup = getattr(protection, "of", None)
    return lookup(entry) if lookup is not None else protection.get(entry.dn)


TOKEN_UNREADABLE = ("its tokenGroups could not be read (the bind account may not read them), so "
                    "only the protected-group walk vouches that it is not protected")


def token_guard(changes: list[Change], protection: Any, outcome: Any) -> list[Change]:
    """The last guard before a write, run in check mode too so the plan stays the same: each
    object about to be written whose tokenGroups (the DC's own transitive expansion, primary
    groups included) holds a protected group's SID is skipped as protected, naming the group.
    Only the objects of the plan are read, one base read each. An object whose token the bind
    account may not read is written on the walk's word, with a note saying so. An object
    whose token read fails is failed, not written; a DC that went away ends the run before
    anything is written."""
    check = getattr(protection, "token_membership", None)
    if check is None:
        return list(changes)
    kept = []
    for change in changes:
        try:
            group, judged = check(change.dn)
        except LdapError as exc:
            if exc.code == 52:
                raise
            outcome.fail(change.dn, exc)
            continue
        if group is not None:
            skip = protection_skip(dict(classification="protected", reason="member of %s (in its "
                                        "tokenGroups)" % group), False)
            if skip is not None:  # always, for "protected"
                outcome.add(change.dn, "skipped", reason=skip.reason,
                            classification=skip.classification)
            continue
        if not judged:
            note = change.detail.get("note")
            change.detail["note"] = "%s; %s" % (note, TOKEN_UNREADABLE) if note \
                else TOKEN_UNREADABLE
        kept.append(change)
    return kept


def rights_guard(changes: list[Change], rights: Rights | None, outcome: Any,
                 classes: Mapping[str, str | None] | None = None,
                 fail_fast: bool = False) -> list[Change]:
    """Rights predicted, not discovered (issue 22 item 1): each object whose DACL, as planned,
    surely does not give the bind account WRITE_DAC (_rights.Rights.check) is failed with
    insufficientAccessRights (50), the right missing and why, and is not attempted; in check
    mode the same, so check and real runs fail the same objects. An object the prediction is
    not sure about is kept (the DC decides). With fail_fast, one such object stops the run
    before anything is written."""
    if rights is None or not rights.predicts:
        return list(changes)

    def refused(change: Change) -> dict[str, Any] | None:
        kind = (classes or {}).get(dn_key(change.dn)) or "object"
        denied = rights.check(change.dn, change.before, WRITE_DAC, kind=kind)
        if denied is None:
            return None
        exc = denied.error()
        return dict(error=str(exc), ldap_code=exc.code, action=change.action,
                    missing_right=denied.right, predicted=True)
    return refuse(changes, outcome, fail_fast, refused)


def _once(shared: dict | None, sd: SecurityDescriptor, how: tuple,
          make: Callable[[], tuple[SecurityDescriptor, bool]]) -> tuple[SecurityDescriptor, bool]:
    """make() once per descriptor object and `how` when shared is a dict. Descriptors parsed once
    for all objects with the same bytes (_descriptors.ParsedDescriptors) give the same new DACL,
    and nothing changes a planned DACL in place, so the changes share it: 5,000 planned changes
    over 5 distinct descriptors keep 5 new DACLs, not 5,000."""
    if shared is None:
        return make()
    key = (id(sd),) + how
    found = shared.get(key)
    if found is None or found[0] is not sd:  # the sd is kept in the value: its id stays its own
        if len(shared) >= SHARED_LIMIT:
            shared.clear()
        found = shared[key] = (sd, make())
    return found[1]


def plan(dn: str, sd: SecurityDescriptor, admin_count: int | None,
         protection: Mapping[str, Any] | None, state: str, disable_mode: str = "preserve",
         remove_explicit_duplicates: bool = False,
         include_orphaned: bool = False, shared: dict | None = None,
         object_types: ObjectTypes | None = None) -> Change | Skip | None:
    """A Change, a Skip, or None (already as wanted) for one object. With `shared` (a dict kept
    over one run), the new DACL is shared by the objects that have the same descriptor object.
    object_types: the schema's object-type tree for judging explicit duplicates (None: not
    read, judged conservatively)."""
    skip = protection_skip(protection, include_orphaned)
    if skip is not None:
        return skip
    orphan = protection is not None and protection["classification"] == "orphaned"
    detail: dict[str, Any] = {}
    if orphan:
        detail["classification"] = "orphaned"
    if state == "enabled" and not sd.protected and not remove_explicit_duplicates \
            and not (orphan and admin_count is not None):
        return None  # the common case on a large directory: nothing to do, nothing to copy
    if state == "enabled":
        new, changed = _once(shared, sd, ("enable",), lambda: enable_inheritance(sd))
        action = "enable"
        if remove_explicit_duplicates:
            if sd.protected:
                # The inherited ACEs appear only when the DC recomputes them in the write;
                # duplicates among them are dropped in a second modify after the re-read.
                detail["note"] = "explicit copies of inherited ACEs are dropped after enabling"
            else:
                deduped, removed = _dedupe(sd, detail, object_types)
                if removed:
                    new, changed = explicit_only(deduped), True
                    action = "drop explicit duplicates"
        clear_admin_count = admin_count if orphan and admin_count is not None else None
        if clear_admin_count is not None:
            changed = True
            detail["admin_count_cleared"] = True
    else:
        new, changed = _once(shared, sd, ("disable", disable_mode),
                             lambda: disable_inheritance(sd, disable_mode))
        action = "disable (%s)" % disable_mode
        clear_admin_count = None
    if not changed:
        return None
    return Change(dn, sd, new, action, admin_count=clear_admin_count, detail=detail)


def duplicates_follow_up(change: Change, reread: SecurityDescriptor,
                         object_types: ObjectTypes | None = None) -> Change | None:
    """After enabling inheritance, drop explicit ACEs that now duplicate inherited ones."""
    if change.action != "enable":
        return None
    detail: dict[str, Any] = {}
    deduped, removed = _dedupe(reread, detail, object_types)
    if not removed:
        return None
    return Change(change.dn, reread, explicit_only(deduped), "enable, drop explicit duplicates",
                  detail=detail)


def passed_down_size(parent_sd: SecurityDescriptor | None) -> int:
    """At most how many bytes of ACEs an object gets from this parent (its container-inherit
    ACEs; those restricted to another object class count too, so this is an upper bound)."""
    if parent_sd is None or parent_sd.dacl is None:
        return 0
    return sum(len(ace.to_bytes()) for ace in parent_sd.dacl.aces
               if ace.flags & CONTAINER_INHERIT)


def may_not_fit(change: Change) -> bool:
    """Whether check_fits() has anything to check: enabling inheritance on a protected DACL
    whose explicit ACEs alone take more than LARGE_DACL bytes."""
    return (change.action == "enable" and change.before.protected
            and change.after.dacl is not None
            and len(change.after.dacl.to_bytes()) > LARGE_DACL)


def check_fits(change: Change,
               read_parent_sd: Callable[[str], SecurityDescriptor | None]) -> None:
    """Refuse, before anything is written, to enable inheritance where the explicit ACEs plus
    what the parent passes down would exceed the 64 KiB an ACL holds (a DC cannot store it;
    Samba 4.17 stores it with its size field wrapped, which no reader can parse).
    read_parent_sd(dn) gives the parent's descriptor, or None when it cannot be read."""
    dacl = change.after.dacl
    if not may_not_fit(change) or dacl is None:  # may_not_fit says there is one
        return
    own = len(dacl.to_bytes())
    inherited = passed_down_size(read_parent_sd(change.dn))
    if own + inherited > MAX_ACL_BYTES:
        raise AclTooLargeError(own + inherited, None,
                               "DACL of %s after enabling inheritance (%d bytes of explicit ACEs, "
                               "up to %d passed down by its parent)" % (change.dn, own, inherited))


class ParentDescriptors:
    """read_parent_sd for check_fits: each parent's DACL read once; None when it cannot be read
    (the bind account may lack READ_CONTROL on an OU), in which case the check is left to the
    re-read after the write. risky_inherited() reads the parents (and, for an ACE they inherit,
    the containers above them) through the same cache."""

    def __init__(self, client: LdapClient) -> None:
        self.client = client
        self.cache: dict[str, SecurityDescriptor | None] = {}
        self.unreadable: set[str] = set()  # keys of DNs that exist but whose DACL was not read

    def __call__(self, dn: str) -> SecurityDescriptor | None:
        try:
            above = parent(dn)
        except DnError:  # not one the DC spelled; the re-read after the write still checks
            return None
        return self.of(above)

    def of(self, dn: str) -> SecurityDescriptor | None:
        """The DACL of dn itself, read once."""
        if not dn:
            return None
        key = dn_key(dn)
        if key not in self.cache:
            try:
                entry = self.client.read(dn, [SD_ATTRIBUTE])
                self.cache[key] = descriptor_of(entry) if entry is not None else None
            except DirectoryError:
                self.cache[key] = None
                self.unreadable.add(key)
        return self.cache[key]


def _dedupe(sd: SecurityDescriptor, detail: dict[str, Any],
            object_types: ObjectTypes | None = None) -> tuple[SecurityDescriptor, int]:
    """Explicit copies of inherited ACEs dropped where that changes no one's access; the ones
    kept, and why, go into the result."""
    deduped, removed, kept = plan_explicit_duplicates(sd, object_types)
    if removed:
        detail["duplicates_removed"] = len(removed)
    if kept:
        detail["duplicates_kept"] = len(kept)
        detail["note"] = ("%d explicit copies of inherited ACEs kept because dropping them could "
                          "change effective access, e.g. %s" % (len(kept), kept[0][1]))
    return deduped, len(removed)


# -- what re-enabling passes down (issue 24 item 5) -----------------------------------------------
#
# When inheritance is turned on for an object, the DC adds the ACEs its parent passes down
# (MS-DTYP 2.5.3.4.2 ComputeACL, MS-ADTS 6.1.3: every directory object is a container for
# inheritance). On the object they take effect when the parent's ACE is container-inherit
# (an object-inherit-only ACE reaches a container only as inherit-only) and names no inherited
# object type, or names the object's own class (the structural class, exactly: an ACE for user
# objects does not reach computer or inetOrgPerson objects). The parent's inherit-only and
# no-propagate flags do not matter for its children. What each would gain is judged with
# _adminsdholder.risky_rights, the classifier of the AdminSDHolder audit.

RE_ENABLED = dict(objects="the objects that inherit it", accounts="the accounts that inherit it",
                  groups="the groups that inherit it",
                  members="the groups that inherit it (any member added to them)",
                  admins="their", admin_group="those groups")
# CREATOR OWNER and CREATOR GROUP become the object's owner and group, who already hold
# READ_CONTROL and WRITE_DAC on it (MS-ADTS 6.1.3.4).
CREATORS = frozenset(["S-1-3-0", "S-1-3-1"])
EXCHANGE_WINDOWS_PERMISSIONS = "exchange windows permissions"
RULE_EXCHANGE_2019 = (
    "PingCastle P-ExchangePrivEsc ('Exchange Windows Permissions group can change security "
    "descriptor'; ANSSI R18): WRITE_DAC on the domain object without inherit-only lets any "
    "Exchange server grant itself DCSync (PrivExchange); Microsoft made it inherit-only in the "
    "February 2019 cumulative updates (Exchange 2013 CU22, 2016 CU12, 2019 CU1, CVE-2019-0686): "
    "run their /PrepareAD")


def _match(ace: Ace) -> tuple:
    """What an ACE is as it travels down: the parent's copy of an ancestor's ACE differs in its
    flags (inherited, inherit-only cleared) and in generic bits the DC may map."""
    return (ace.type, map_generic(ace.mask), ace.sid, ace.object_type, ace.inherited_object_type,
            ace.extra)


def effective_on_child(parent_sd: SecurityDescriptor, object_class: str | None,
                       names: Names) -> list[Ace]:
    """The parent's ACEs that take effect on a child of this structural class (lDAPDisplayName)
    once it inherits. An ACE restricted to a class the names do not know, or a child whose
    class is not known, is counted as taking effect (the report errs on the side of naming)."""
    if parent_sd.dacl is None:
        return []
    wanted = (object_class or "").lower()
    found = []
    for ace in parent_sd.dacl.aces:
        if not ace.flags & CONTAINER_INHERIT:
            continue
        if ace.inherited_object_type:
            name = names.guid(ace.inherited_object_type)
            known = name != ace.inherited_object_type
            if wanted and known and (name or "").lower() != wanted:
                continue
        found.append(ace)
    return found


def where_set(parent_dn: str, ace: Ace, read: Callable[[str], SecurityDescriptor | None]
              ) -> tuple[str, Ace, bool]:
    """(DN, ACE as set there, found) for an ACE of parent_dn: itself when explicit; else the
    nearest container above holding it explicitly, read through `read` (once each). found is
    False when the walk stopped first (a DACL not readable, a protected one): then the DN and
    ACE are the highest where it was seen, inherited."""
    dn, held = parent_dn, ace
    while held.inherited:
        try:
            above = parent(dn)
        except DnError:
            return dn, held, False
        sd = read(above) if above else None
        if sd is None or sd.dacl is None:
            return dn, held, False
        key = _match(held)
        match = [a for a in sd.dacl.aces if a.flags & (CONTAINER_INHERIT | OBJECT_INHERIT)
                 and _match(a) == key]
        if not match:
            return dn, held, False
        explicit = [a for a in match if not a.inherited]
        dn, held = above, (explicit or match)[0]
    return dn, held, True


def _held(sd: SecurityDescriptor, ace: Ace) -> bool:
    """Whether the object's own effective allow ACEs grant the ACE's trustee all it grants
    already (generic rights mapped, as the DC maps them when it passes them down): then it
    gains nothing new. A DACL whose inherited ACEs were converted to explicit ones when
    inheritance was turned off holds most of its parent's ACEs so."""
    if sd.dacl is None:
        return False
    wanted = map_generic(ace.mask)
    return any(own.sid == ace.sid and own.type in (0x00, 0x05) and not own.inherit_only
               and own.object_type in (None, ace.object_type)
               and map_generic(own.mask) & wanted == wanted for own in sd.dacl.aces)


class EnablingChange(Protocol):
    """What risky_inherited reads of a planned change (a Change, or the compliance report's
    lighter record of one): the object, the action, its descriptor as read."""
    dn: str
    action: str
    before: SecurityDescriptor


def risky_inherited(client: LdapClient, changes: Iterable[EnablingChange],
                    classes: Mapping[str, str | None],
                    parents: ParentDescriptors,
                    warn: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """The risky rights the objects whose inheritance the plan turns on would gain (not those
    their own ACEs grant the trustee already), one row per (ACE, where it is set, right) with
    how many objects gain it. Reads each parent's DACL once
    (the cache check_fits uses) and, for an ACE a parent inherits, the containers above it; no
    object is read. classes: dn_key -> the object's structural class. warn: told about parents
    whose DACL could not be read (what their children would gain is not known)."""
    # (parent key, class, the object's descriptor) -> [parent dn, class, count, descriptor]:
    # descriptors parsed once per distinct value (_descriptors.ParsedDescriptors) keep this small
    groups: dict[tuple, list] = {}
    for change in changes:
        if change.action != "enable" or not change.before.protected:
            continue
        try:
            above = parent(change.dn)
        except DnError:
            continue
        cls = classes.get(dn_key(change.dn))
        key = (dn_key(above), (cls or "").lower(), id(change.before))
        if key not in groups:
            groups[key] = [above, cls, 0, change.before]
        groups[key][2] += 1
    if not groups:
        return []
    dse = client.root_dse
    admins = admin_sids(dse.domain_sid, dse.forest_root_sid)
    names = Names(dse.domain_sid, dse.forest_root_sid)
    unread: dict[str, int] = {}
    candidates = []
    for above, cls, count, own in groups.values():
        sd = parents.of(above)
        if sd is None:
            if dn_key(above) in parents.unreadable:
                unread[above] = unread.get(above, 0) + count
            continue
        candidates.append((above, cls, count, sd, own))
    all_aces = [a for _d, _c, _n, sd, _o in candidates for a in (sd.dacl.aces if sd.dacl else [])
                if a.flags & CONTAINER_INHERIT and a.sid not in admins and a.sid not in CREATORS
                and risky_rights(a, RE_ENABLED)]
    names.read(client, [a.sid for a in all_aces],
               [g for a in all_aces for g in (a.object_type, a.inherited_object_type)])
    sddl = Sddl.for_domain(dse)
    rows: dict[tuple, dict[str, Any]] = {}
    for above, cls, count, sd, own in candidates:
        for ace in effective_on_child(sd, cls, names):
            if ace.sid in admins or ace.sid in CREATORS:
                continue
            rights = risky_rights(ace, RE_ENABLED)
            if not rights or _held(own, ace):
                continue
            origin, held, found = where_set(above, ace, parents.of)
            trustee = names.sid(ace.sid)
            cites = []
            if (trustee or "").lower() == EXCHANGE_WINDOWS_PERMISSIONS and found \
                    and dn_key(origin) == dn_key(dse.default_naming_context) \
                    and not held.inherit_only and held.mask & 0x40000:
                cites.append(RULE_EXCHANGE_2019)
            for right, what in rights:
                row_key = (dn_key(origin), _match(held), right)
                row = rows.get(row_key)
                if row is None:
                    row = rows[row_key] = dict(
                        trustee=trustee, sid=ace.sid, right=right,
                        object_type=names.guid(ace.object_type),
                        object_type_guid=ace.object_type,
                        inherited_object_type=names.guid(ace.inherited_object_type),
                        set_on=origin, set_on_found=found, ace=sddl.ace(held), objects=0,
                        enables="once inheritance is on, %s can %s" % (trustee or ace.sid, what),
                        cites=list(cites))
                row["objects"] += count
    if warn is not None:
        for above, count in sorted(unread.items()):
            warn("the DACL of %s could not be read (READ_CONTROL), so what %d object(s) under "
                 "it would inherit is not in risky_inherited" % (above, count))
    return sorted(rows.values(), key=lambda r: (-r["objects"], r["set_on"], r["trustee"] or "",
                                                r["right"]))


# -- the inheritance module's bulk run ---------------------------------------------------------

class InheritanceOutcome(Outcome):
    """Outcome with risky_inherited in every result, the max_changes failure's included."""

    risky: Sequence[dict[str, Any]] = ()  # immutable: a class default shared by every instance
    rights: Rights | None = None

    def result(self) -> dict[str, Any]:
        result = super().result()
        result["risky_inherited"] = list(self.risky)
        denied = self.rights.denied if self.rights is not None else []
        result["insufficient_rights"] = [d.item() for d in denied]
        return result


def plan_one(entry: Entry, params: Mapping[str, Any], protection: Any,
             parents: ParentDescriptors | None = None,
             descriptors: Callable[[Entry], SecurityDescriptor] = descriptor_of,
             shared: dict | None = None,
             object_types: ObjectTypes | None = None) -> Change | Skip | None:
    """The step for one object as read: a Change, a Skip or None (already right). Also used to
    plan an object again when another writer changed it between the plan and the write."""
    step = plan(entry.dn, descriptors(entry), entry.int("adminCount"),
                protection_of(protection, entry), params["state"], params["disable_mode"],
                params["remove_explicit_duplicates"], params["include_orphaned"], shared,
                object_types)
    if isinstance(step, Change):
        step.guid = guid_of(entry)  # the write refuses another object found at the DN then
        if parents is not None:
            check_fits(step, parents)
    return step


# objectSid and objectGUID: an admin moved after the protected set was read is found by them;
# objectClass: which inheritable ACEs would take effect on it (risky_inherited)
PLAN_ATTRIBUTES = READ_ATTRIBUTES + [a for a in ("objectSid", "objectGUID", "objectClass")
                                     if a not in READ_ATTRIBUTES]


def build_plan(client: LdapClient, selection: Selection, params: Mapping[str, Any],
               protection: Any, outcome: Outcome, parents: ParentDescriptors | None,
               object_types: ObjectTypes | None = None,
               classes: dict[str, str | None] | None = None) -> list[Change]:
    """The Changes for the selected objects (a resolved Selection), in selection order; the
    others (already right, skipped, excluded, failed) go into outcome. classes: filled with
    each planned object's structural class. The selection's excluded DNs (as the DC spells
    them): their objects and those below are skipped."""
    changes = []

    descriptors = ParsedDescriptors()
    shared: dict = {}
    for entry in selection.entries(client, PLAN_ATTRIBUTES, outcome.missing):
        outcome.counts["matched"] += 1
        under = first_at_or_above(entry.dn, selection.excluded)
        if under is not None:
            outcome.add(entry.dn, "skipped", reason="excluded: at or below %s" % under)
            continue
        try:
            step = plan_one(entry, params, protection, parents, descriptors, shared,
                            object_types)
        except DirectoryError as exc:
            outcome.fail(entry.dn, exc)
            continue
        if step is None:
            outcome.add(entry.dn, "unchanged")
        elif isinstance(step, Skip):
            outcome.add(entry.dn, "skipped", reason=step.reason,
                        classification=step.classification)
        else:
            changes.append(step)
            if classes is not None:
                classes[dn_key(entry.dn)] = entry.most_specific_class()
    return changes


class InheritanceWriter(DaclWriter):
    # pylint: disable=arguments-renamed  # the runner passes each step's arguments by position
    """The inheritance module's bulk run: the plan over the selection (the protected set read
    once, excluded subtrees, the 64 KiB check), the guards (the protected groups' tokens,
    rights predicted; what re-enabling passes down), then the DACL writer's steps, with the
    duplicates follow-up and objects planned again from what another writer left."""

    def __init__(self, client: LdapClient, selection: Selection, params: Mapping[str, Any],
                 catalog: Any = None, warn: Callable[[str], None] | None = None,
                 diff: bool = False) -> None:
        super().__init__(client, Sddl(), diff, journal_path=params["journal"])
        self.selection = selection  # resolved: DNs, filter, search_base, exclude checked
        self.params = params
        self.catalog = catalog
        self.warn = warn or (lambda text: None)
        self.protection: Any = None
        self.parents = ParentDescriptors(client)  # the 64 KiB check, for the plan and any replan
        self.object_types: ObjectTypes | None = None
        self.classes: dict[str, str | None] = {}
        self.replan_one = self.plan_again

    def plan(self, outcome: Outcome) -> list[Change]:
        client, params = self.client, self.params
        self.sddl = Sddl.for_domain(client.root_dse)
        self.protection = ProtectedSet(client, self.catalog).load().by_dn()
        if params["remove_explicit_duplicates"]:  # property sets: what a duplicate may decide
            self.object_types, why = object_types_or_why(client)
            if why is not None:
                self.warn("%s; explicit copies of object ACEs whose right an ACE on another "
                          "object type also holds are kept" % why)
            self.after_write = partial(duplicates_follow_up, object_types=self.object_types)
        return build_plan(client, self.selection, params, self.protection, outcome,
                          self.parents, self.object_types, self.classes)

    def guard(self, changes: list[Change], outcome: Outcome, fail_fast: bool) -> list[Change]:
        """The protected groups' tokens, then the rights predicted (the writes the bind account
        surely may not make: failed (50), not attempted; issue 22 item 1), both in check mode
        too; then what the objects re-enabled would gain, known before anything is written."""
        report = cast(InheritanceOutcome, outcome)  # its result names rights and risks
        changes = token_guard(changes, self.protection, outcome)
        if changes:
            report.rights = rights_for(self.client, self.params.get("bind_dn"))
            changes = rights_guard(changes, report.rights, outcome, self.classes, fail_fast)
        report.risky = risky_inherited(self.client, changes, self.classes, self.parents,
                                       self.warn)
        return changes

    def plan_again(self, change: Change, entry: Entry) -> Change | Skip | None:
        return plan_one(entry, self.params, self.protection, self.parents,
                        object_types=self.object_types)
