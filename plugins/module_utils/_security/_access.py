# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a DACL answers, as the DC's access check (MS-DTYP 2.5.3.2) does on a DS object:
check_access (may a token do this, here), and access_difference (do two DACLs give every token
the same answer, for every right and node of the object-type tree, here and on the objects
below). Private."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Sequence, Tuple

from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    CONTAINER_INHERIT, GENERIC_ALL, GENERIC_EXECUTE, GENERIC_READ, GENERIC_WRITE,
    NO_PROPAGATE_INHERIT, OBJECT_INHERIT, SE_DACL_PRESENT, Ace, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import rights_text

if TYPE_CHECKING:  # annotations only: the tree is read by _object_types
    from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import (
        ObjectTypes)

# who the duplicate check tells apart: (SID, a callback ACE's condition or an index, or None)
Trustee = Tuple[str, object]


# -- effective access (MS-DTYP 2.5.3.2, as the DC evaluates a DS object) ---------------------

# MS-ADTS 5.1.3.3.1 (generic mapping for DS objects)
DS_GENERIC_MAPPING = ((GENERIC_READ, 0x20094), (GENERIC_WRITE, 0x20028),
                      (GENERIC_EXECUTE, 0x20004), (GENERIC_ALL, 0xF01FF))
EVERYONE = "S-1-1-0"
AUTHENTICATED_USERS = "S-1-5-11"


def map_generic(mask: int) -> int:
    for generic, specific in DS_GENERIC_MAPPING:
        if mask & generic:
            mask = (mask & ~generic) | specific
    return mask


# How the access check reads each ACE type (MS-DTYP 2.4.4.1, 2.5.3.2). Callback ACEs carry a
# condition (conditional ACEs: application data starting 'artx') that only the DC can evaluate
# against the caller's claims and the object's resource attributes, so they are read
# conservatively: a callback deny counts as a deny, a callback allow grants nothing.
ALLOW = "allow"
DENY = "deny"
INERT = "inert"
ALLOW_TYPES = frozenset([0x00, 0x05])
DENY_TYPES = frozenset([0x01, 0x06])
CALLBACK_ALLOW_TYPES = frozenset([0x09, 0x0B])
CALLBACK_DENY_TYPES = frozenset([0x0A, 0x0C])
# audit, alarm, mandatory label, resource attribute, scoped policy: no part in a DACL's check
INERT_TYPES = frozenset([0x02, 0x03, 0x07, 0x08, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13])
ACE_TYPE_NAMES = {
    0x00: "access allowed", 0x01: "access denied", 0x02: "system audit", 0x03: "system alarm",
    0x04: "access allowed compound", 0x05: "access allowed object",
    0x06: "access denied object", 0x07: "system audit object", 0x08: "system alarm object",
    0x09: "access allowed callback", 0x0A: "access denied callback",
    0x0B: "access allowed callback object", 0x0C: "access denied callback object",
    0x0D: "system audit callback", 0x0E: "system alarm callback",
    0x0F: "system audit callback object", 0x10: "system alarm callback object",
    0x11: "mandatory label", 0x12: "resource attribute", 0x13: "scoped policy ID",
}


def ace_polarity(ace_type: int) -> Optional[str]:
    """ALLOW or DENY for the types the check evaluates exactly, INERT for types that take no
    part in it, None for what it cannot evaluate (callback, compound, unknown types)."""
    if ace_type in ALLOW_TYPES:
        return ALLOW
    if ace_type in DENY_TYPES:
        return DENY
    if ace_type in INERT_TYPES:
        return INERT
    return None


def describe_ace(ace: Ace) -> str:
    """A one-line description for ACEs SDDL cannot render here (callback and other types)."""
    kind = ACE_TYPE_NAMES.get(ace.type, "unknown type")
    text = "%s ACE (type 0x%02x), flags 0x%02x, rights %s, trustee %s" % (
        kind, ace.type, ace.flags, rights_text(ace.mask), ace.sid)
    if ace.object_type:
        text += ", object type %s" % ace.object_type
    if ace.inherited_object_type:
        text += ", inherited object type %s" % ace.inherited_object_type
    if ace.extra:
        what = "conditional expression" if ace.extra[:4] == b"artx" else "application data"
        text += ", %d bytes of %s" % (len(ace.extra), what)
    return text


class AccessDecision:
    """Outcome of an access check: granted or not, and the ACE that decided (None when no ACE
    did: nothing granted, or a NULL DACL granted all).

    `unevaluated` lists the ACEs that applied to the token and the right but whose condition the
    module cannot evaluate (callback and conditional ACEs, unknown types); `exact` is False when
    one of them could have changed the answer: a callback deny was counted as a deny, or a
    callback allow was not counted and the right was not granted.
    """

    __slots__ = ("granted", "ace", "reason", "unevaluated")

    def __init__(self, granted: bool, ace: Optional[Ace], reason: str,
                 unevaluated: Iterable[Ace] = ()) -> None:
        self.granted = granted
        self.ace = ace
        self.reason = reason
        self.unevaluated = tuple(unevaluated)

    @property
    def exact(self) -> bool:
        return not self.unevaluated


def _applies(ace: Ace, token: set[str], object_type: Optional[str]) -> bool:
    """Does the ACE speak about this object, for this token and (for object ACEs) this type?"""
    if ace.inherit_only or ace.sid not in token:
        return False
    return not ace.object_type or ace.object_type.lower() == object_type


def check_access(sd: SecurityDescriptor, token_sids: Iterable[str], desired: int,
                 object_type: Optional[str] = None) -> AccessDecision:
    """Would a token holding these SIDs get every bit of `desired` on an object with this DACL?

    ACEs are walked in order; inherit-only ACEs do not apply to the object itself; an object
    ACE applies when it names no object type or the one asked about; the first ACE that
    decides a still-undecided bit wins, so a deny only counts where it comes before the allow.
    Callback (conditional) ACEs are read conservatively: a deny denies, an allow grants nothing,
    and the decision lists them in `unevaluated`.
    """
    if sd.dacl is None:
        if sd.control & SE_DACL_PRESENT:
            return AccessDecision(True, None, "NULL DACL grants everything")
        raise SecurityDescriptorError("the descriptor has no DACL to check access against")
    token = set(token_sids)
    remaining = map_generic(desired)
    object_type = object_type.lower() if object_type else None
    last_allow = None
    skipped_allows = []
    for ace in sd.dacl.aces:
        if not _applies(ace, token, object_type):
            continue
        bits = map_generic(ace.mask) & remaining
        polarity = ace_polarity(ace.type)
        if not bits or polarity == INERT:
            continue
        if polarity is None and ace.type not in CALLBACK_DENY_TYPES:
            skipped_allows.append(ace)  # callback allow, compound, unknown: grants nothing
            continue
        if polarity is None:
            return AccessDecision(
                False, ace, "denied by a callback (conditional) ACE whose condition the module "
                "cannot evaluate, counted as a deny: %s" % describe_ace(ace),
                skipped_allows + [ace])
        if polarity == DENY:
            return AccessDecision(False, ace, "denied by an ACE", skipped_allows)
        remaining &= ~bits
        last_allow = ace
        if not remaining:
            # allows that were not counted could not have changed a grant
            return AccessDecision(True, last_allow, "granted")
    reason = "no ACE grants it"
    if skipped_allows:
        reason += (" (%d allow ACE(s) with a condition the module cannot evaluate were not "
                   "counted, e.g. %s)" % (len(skipped_allows), describe_ace(skipped_allows[0])))
    return AccessDecision(False, None, reason, skipped_allows)


# -- whether dropping or reordering ACEs changes anyone's access -----------------------------
#
# For one right (bit), one object type and one object (this one, or one below it that inherits
# from this DACL), the access check's answer for a token is the answer of the first ACE that
# applies and whose trustee is in the token. So only each trustee's first ACE counts, and two
# DACLs answer every token alike exactly when every trustee's first ACE answers alike in both
# and any two trustees whose first ACEs answer differently come in the same order in both.
# Callback ACEs count as a trustee of their own per condition (identical copies share it),
# which covers every outcome of the condition; ACE types the module cannot read count as
# applying to everything and agreeing with nothing. Objects below see the inheritable ACEs in
# the same order, effective where their inherited object type allows; CREATOR OWNER and
# CREATOR GROUP become SIDs that may equal any other trustee there.
#
# Object types form a tree (MS-DTYP 2.5.3.2, _object_types): an ACE on a property set applies
# to its properties, an ACE on the object's class to all of them. So "one object type" is one
# node of that tree, and the ACEs that apply on it are those naming the node or a node above
# it: the chains _object_types.ObjectTypes.chains() lists. Without the tree (the schema could
# not be read) the module cannot tell which object types are related, and keeps any copy whose
# right an ACE on another object type also holds (then each right has at most one object type
# in play and the plain comparison is exact).

CREATOR_OWNER = "S-1-3-0"
CREATOR_GROUP = "S-1-3-1"
_UNREADABLE = "unreadable"


def _propagates(ace: Ace) -> bool:
    return bool(ace.flags & (CONTAINER_INHERIT | OBJECT_INHERIT))


def _answer(ace: Ace) -> str:
    polarity = ace_polarity(ace.type)
    if polarity is not None:
        return polarity
    if ace.type in CALLBACK_ALLOW_TYPES:
        return ALLOW
    if ace.type in CALLBACK_DENY_TYPES:
        return DENY
    return _UNREADABLE


def _trustee(ace: Ace, index: int, sid: str) -> Trustee:
    if ace.type in CALLBACK_ALLOW_TYPES or ace.type in CALLBACK_DENY_TYPES:
        return (sid, ace.extra)
    if _answer(ace) == _UNREADABLE:
        return (sid, index)  # agrees with nothing, not even an identical copy
    return (sid, None)


def _contexts(aces: Sequence[Ace]
              ) -> Iterator[Tuple[str, Callable[[Ace], bool], dict[str, str]]]:
    """(name, predicate(ace) -> effective there, SID substitution) for this object and the
    kinds of objects below it."""
    classes = sorted(set(ace.inherited_object_type.lower() for ace in aces
                         if ace.inherited_object_type)) + [None]
    yield "this object", lambda ace: not ace.inherit_only, {}
    creators = set(ace.sid for ace in aces if _propagates(ace)) & {CREATOR_OWNER, CREATOR_GROUP}
    others = sorted(set(ace.sid for ace in aces) - creators) + ["(the creator)"]
    substitutions: list[dict[str, str]] = [{}]
    for creator in sorted(creators):
        substitutions = [dict(sub, **{creator: other}) for sub in substitutions
                         for other in others]
    # MS-DTYP 2.5.3.4.2: a child that is a container (every AD object is) takes CONTAINER_INHERIT
    # ACEs as effective and passes OBJECT_INHERIT-only ones on as inherit-only; a leaf takes the
    # OBJECT_INHERIT ones. Both are judged, so no reading of OI can hide a change.
    for cls in classes:
        for depth, label in ((1, "children"), (2, "objects further down")):
            for flag, kind in ((CONTAINER_INHERIT, ""), (OBJECT_INHERIT, " (as leaf objects)")):
                def effective(ace: Ace, cls: Optional[str] = cls, depth: int = depth,
                              flag: int = flag) -> bool:
                    if not ace.flags & flag or (depth > 1 and ace.flags & NO_PROPAGATE_INHERIT):
                        return False
                    return not ace.inherited_object_type \
                        or ace.inherited_object_type.lower() == cls
                name = "%s%s%s" % (label, " of class %s" % cls if cls else "", kind)
                for sub in substitutions:
                    yield name, effective, sub


def _first_answers(aces: Sequence[Ace], applies: Callable[[Ace], bool], sub: dict[str, str]
                   ) -> dict[Trustee, Tuple[float, str]]:
    """trustee -> (position, answer) of its first ACE among those that apply."""
    first: dict[Trustee, Tuple[float, str]] = {}
    for index, ace in enumerate(aces):
        if _answer(ace) == INERT or not applies(ace):
            continue
        trustee = _trustee(ace, index, sub.get(ace.sid, ace.sid))
        if trustee not in first:
            first[trustee] = (index, _answer(ace))
    return first


def _disagreement(before: dict[Trustee, Tuple[float, str]],
                  after: dict[Trustee, Tuple[float, str]]) -> Optional[Tuple[Trustee, ...]]:
    """None when both answer every token alike, else the trustees of a token they differ on.
    A trustee with no ACE answers 'not granted' after everything else."""
    end = (float("inf"), DENY)
    trustees = sorted(set(before) | set(after), key=repr)
    for one in trustees:
        b1, a1 = before.get(one, end), after.get(one, end)
        if b1[1] != a1[1]:
            return (one,)
        for other in trustees:
            b2, a2 = before.get(other, end), after.get(other, end)
            if b1[1] != b2[1] and (b1[0] < b2[0]) != (a1[0] < a2[0]):
                return (one, other)
    return None


def _types_with(aces: Sequence[Ace], bit: int) -> set[str]:
    """The object types named by ACEs that hold this right and take part in the check."""
    return set(ace.object_type.lower() for ace in aces
               if ace.object_type and _answer(ace) not in (INERT, _UNREADABLE)
               and map_generic(ace.mask) & bit)


def _bits(aces: Sequence[Ace]) -> Iterator[int]:
    mask = 0
    for ace in aces:
        mask |= map_generic(ace.mask)
    return (1 << n for n in range(32) if mask & (1 << n))


def _in_chain(ace: Ace, bit: int, chain: frozenset[str]) -> bool:
    """Does the ACE take part in the check of this right on a node where `chain` applies?"""
    if _answer(ace) == _UNREADABLE:
        return True
    if not map_generic(ace.mask) & bit:
        return False
    return not ace.object_type or ace.object_type.lower() in chain


def _unrelated_unknown(aces: Sequence[Ace], changed: Sequence[Ace]) -> Optional[str]:
    """Without the object-type tree: why changing these ACEs may matter on some node the module
    cannot see (an ACE on another object type holds the same right), or None when each right of
    a changed ACE has at most one object type in play."""
    for ace in changed:
        if _answer(ace) in (INERT, _UNREADABLE):
            continue
        own = ace.object_type.lower() if ace.object_type else None
        for bit in _bits([ace]):
            types = _types_with(aces, bit)
            others = sorted(types - {own})
            if others and (own is not None or len(types) > 1):
                return ("right %s is also held by an ACE on object type %s%s, and without the "
                        "schema's object-type tree (which properties belong to which property "
                        "set) the module cannot tell whether the two apply together"
                        % (rights_text(bit), others[0],
                           " (this one is on %s)" % own if own else " and one on %s"
                           % others[1]))
    return None


def _slices(aces: Sequence[Ace], changed: Sequence[Ace], object_types: Optional[ObjectTypes],
            in_order: bool) -> Iterator[Tuple[int, frozenset[str]]]:
    """(right, chain) pairs on which the change could matter: the rights the changed ACEs hold
    (rights every ACE treats alike tried once) and the chains of object types that apply
    together on one node. With in_order (ACEs only dropped), chains where no dropped ACE takes
    part are left out: the check meets the same ACEs there before and after."""
    seen = set()
    for bit in _bits(changed):
        signature = tuple(bool(map_generic(ace.mask) & bit) for ace in aces)
        if signature in seen:
            continue
        seen.add(signature)
        types = _types_with(aces, bit)
        chains: list[frozenset[str]]
        if object_types is None:
            chains = [frozenset()] + [frozenset([t]) for t in sorted(types)]
        else:
            chains = object_types.chains(types)
        for chain in chains:
            if not in_order or any(_in_chain(ace, bit, chain) for ace in changed):
                yield bit, chain


def _subsequence(aces: Sequence[Ace], kept: Sequence[Ace]) -> bool:
    """Is `kept` some of `aces` (the same objects) in the same order?"""
    position = iter(id(ace) for ace in aces)
    return all(any(ace_id == other for other in position) for ace_id in map(id, kept))


def access_difference(aces: Sequence[Ace], kept: Sequence[Ace],
                      object_types: Optional[ObjectTypes] = None) -> Optional[str]:
    """None when the DACL `kept` (`aces` less some ACEs, in the same or another order) gives
    every token the same answer as `aces` for every right and node of the object-type tree,
    on this object and every object that inherits from it; else one case where it does not,
    in words. object_types is the schema's tree (_object_types); None means it is unknown:
    then ACEs on different object types that hold the same right count as possibly related."""
    in_order = _subsequence(aces, kept)
    if in_order:
        kept_ids = set(id(ace) for ace in kept)
        changed = [ace for ace in aces if id(ace) not in kept_ids]
        if not changed:
            return None
    else:
        known = set(id(ace) for ace in aces)
        changed = list(aces) + [ace for ace in kept if id(ace) not in known]
    if object_types is None:
        unknown = _unrelated_unknown(list(aces) + list(kept), changed)
        if unknown is not None:
            return unknown
    for bit, chain in _slices(aces, changed, object_types, in_order):
        def applies(ace: Ace, bit: int = bit, chain: frozenset[str] = chain) -> bool:
            return _in_chain(ace, bit, chain)
        for where, effective, sub in _contexts(aces):
            def both(ace: Ace, effective: Callable[[Ace], bool] = effective,
                     applies: Callable[[Ace], bool] = applies) -> bool:
                return effective(ace) and applies(ace)
            before = _first_answers(aces, both, sub)
            after = _first_answers(kept, both, sub)
            token = _disagreement(before, after)
            if token is not None:
                node = ""
                if chain:
                    node = " of %s" % (object_types.describe(chain) if object_types is not None
                                       else sorted(chain)[0])
                return "the answer for a token holding %s, right %s%s, on %s would change" % (
                    " and ".join(t[0] + (" (conditional)" if t[1] is not None else "")
                                 for t in token),
                    rights_text(bit), node, where)
    return None


def readable(ace: Ace) -> bool:
    """Can the check read this ACE (allow, deny, callback, or one that takes no part)? One it
    cannot read counts as applying to everything and agreeing with nothing."""
    return _answer(ace) != _UNREADABLE
