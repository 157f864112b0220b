# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operations on an object's DACL: inheritance on (enable_inheritance) and off (preserve or
remove), the explicit ACEs a write sends (explicit_only), what idempotence compares
(inheritance_key), the order the DC keeps (stored_order), and explicit copies of inherited ACEs
dropped where no one's access changes (plan_explicit_duplicates, judged by
_access.access_difference). They copy; the descriptor given is never changed. Private."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence, Tuple

from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    access_difference, readable)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    INHERITED_ACE, INHERIT_ONLY, SE_DACL_PROTECTED, Ace, AceKey, Acl, SecurityDescriptor)

if TYPE_CHECKING:  # annotations only: the tree is read by _object_types
    from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import (
        ObjectTypes)


def enable_inheritance(sd: SecurityDescriptor) -> Tuple[SecurityDescriptor, bool]:
    """Clear the protected flag and keep only explicit ACEs; the DC adds the inherited ones
    back from the parent in the same modify. Returns (descriptor to write, changed)."""
    new, dacl = _copy_with_dacl(sd)
    changed = new.protected
    new.control &= ~SE_DACL_PROTECTED
    dacl.aces = [ace for ace in dacl.aces if not ace.inherited]
    return new, changed


def disable_inheritance(sd: SecurityDescriptor, mode: str = "preserve"
                        ) -> Tuple[SecurityDescriptor, bool]:
    """Set the protected flag. 'preserve' turns inherited ACEs into explicit ones in place (as
    .NET SetAccessRuleProtection(true, true)); 'remove' drops them."""
    if mode not in ("preserve", "remove"):
        raise ValueError("mode must be preserve or remove")
    new, dacl = _copy_with_dacl(sd)
    changed = not new.protected
    new.control |= SE_DACL_PROTECTED
    if mode == "remove":
        dacl.aces = [ace for ace in dacl.aces if not ace.inherited]
    else:
        dacl.aces = [ace.copy(flags=ace.flags & ~INHERITED_ACE) if ace.inherited else ace
                     for ace in dacl.aces]
    return new, changed


def _copy_with_dacl(sd: SecurityDescriptor) -> Tuple[SecurityDescriptor, Acl]:
    """(a copy of sd, the copy's DACL); the copy has a DACL where sd has one."""
    new = sd.copy()
    if new.dacl is None:
        raise SecurityDescriptorError("the descriptor has no DACL (read it with the SD flags "
                                      "control including DACL_SECURITY_INFORMATION, 0x4)")
    return new, new.dacl


def explicit_only(sd: SecurityDescriptor) -> SecurityDescriptor:
    """The descriptor to write: the DC ignores inherited ACEs in a write and recomputes them, so
    only explicit ones are sent (MS-ADTS 6.1.3)."""
    new, dacl = _copy_with_dacl(sd)
    dacl.aces = [ace for ace in dacl.aces if not ace.inherited]
    return new


def inheritance_key(sd: SecurityDescriptor) -> Tuple[bool, Optional[Tuple[str, ...]]]:
    """What idempotence and verification compare: the protected flag and the explicit ACEs.

    Order is ignored because the DC sorts explicit ACEs canonically (MS-ADTS 6.1.3.1), and so is
    INHERIT_ONLY on ACEs with an inherited object type, which the DC sets by the object's class.
    """
    if sd.dacl is None:
        return (sd.protected, None)
    explicit = []
    for ace in sd.dacl.aces:
        if ace.inherited:
            continue
        flags = ace.flags & ~INHERIT_ONLY if ace.inherited_object_type else ace.flags
        explicit.append(repr(ace.copy(flags=flags).key()))
    return (sd.protected, tuple(sorted(explicit)))


# -- the order the DC keeps, and explicit duplicates dropped -----------------------------------
#
# The DC keeps a DACL as explicit ACEs first, then the inherited ones it computes from the
# parent (MS-ADTS 6.1.3: any write puts it in that order; Windows may also reorder the denies
# among themselves and the allows among themselves, which changes no answer). So a change is
# judged by the DACL the DC will hold after the write, against the DACL as read; a DACL read
# in another order is first checked for whether that order alone changes someone's access.


def stored_order(aces: Sequence[Ace]) -> list[Ace]:
    """The ACEs in the order the DC keeps them after a write: explicit ones first (in the order
    given), then the inherited ones."""
    return [ace for ace in aces if not ace.inherited] + [ace for ace in aces if ace.inherited]


def _is_candidate(ace: Ace, inherited: set[AceKey]) -> bool:
    return not ace.inherited and readable(ace) \
        and ace.copy(flags=ace.flags | INHERITED_ACE).key() in inherited


def plan_explicit_duplicates(sd: SecurityDescriptor, object_types: Optional[ObjectTypes] = None
                             ) -> Tuple[SecurityDescriptor, list[Ace],
                                        list[Tuple[Ace, Optional[str]]]]:
    """Explicit ACEs identical (but for INHERITED_ACE) to an inherited ACE of the same DACL, as
    re-enabling inheritance after a 'preserve' leaves them, dropped where that provably changes
    no one's effective access, on this object or any object below it, judged on the DACL the DC
    will keep after the write (explicit ACEs first) and on the schema's object-type tree
    (object_types, from _object_types; without it, conservatively).

    Returns (descriptor, removed ACEs, kept duplicates as (ACE, why it stays) pairs); the
    descriptor's DACL is in the order the DC will keep. All are dropped together when that is
    safe, else one at a time, each checked against the DACL as read.
    """
    new, dacl = _copy_with_dacl(sd)
    aces = list(dacl.aces)
    inherited = set(ace.key() for ace in aces if ace.inherited)
    candidates = [ace for ace in aces if _is_candidate(ace, inherited)]
    if not candidates:
        return new, [], []
    stored = stored_order(aces)
    if [id(ace) for ace in stored] != [id(ace) for ace in aces]:
        # any write puts explicit ACEs first; judge from there only if that alone is harmless
        why = access_difference(aces, stored, object_types)
        if why is not None:
            why = ("the DACL is not in the order the DC keeps after a write (explicit ACEs "
                   "before inherited ones), so it is left as it is: in that order %s" % why)
            return new, [], [(ace, why) for ace in candidates]
        aces = stored
    dropped = set()
    everything = set(id(ace) for ace in candidates)
    if access_difference(aces, [a for a in aces if id(a) not in everything],
                         object_types) is None:
        dropped = everything
    progress = not dropped
    while progress:
        progress = False
        for ace in candidates:
            if id(ace) in dropped:
                continue
            trial = [a for a in aces if id(a) not in dropped and a is not ace]
            if access_difference(aces, trial, object_types) is None:
                dropped.add(id(ace))
                progress = True
    dacl.aces = [ace for ace in aces if id(ace) not in dropped]
    removed = [ace for ace in candidates if id(ace) in dropped]
    kept = []
    for ace in candidates:
        if id(ace) not in dropped:
            trial = [a for a in dacl.aces if a is not ace]
            kept.append((ace, access_difference(aces, trial, object_types)))
    return new, removed, kept
