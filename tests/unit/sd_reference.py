"""The tests' own reference for AD access checks that the security-descriptor property tests
share (test__access.py, test__dacl.py, test__dacl_object_types.py): written from MS-DTYP 2.5.3.2
and the AD inheritance rules, independent of the collection's code (it reads ACEs' fields and
copies them with ace.copy)."""

import itertools


CO = "S-1-3-0"  # CREATOR OWNER
OI, CI, NP, IO, ID = 0x01, 0x02, 0x04, 0x08, 0x10
DOMAIN = "S-1-5-21-1-2-3"
WD, AU = "S-1-1-0", "S-1-5-11"
ALICE, BOB = DOMAIN + "-1105", DOMAIN + "-1106"
G1, G2 = "c975c901-6cea-4b6f-8319-d67f45449506", "e8b2aff2-59a7-4eac-9a70-819adef701dd"
USER, CONTACT = "bf967aba-0de6-11d0-a285-00aa003049e2", "5cb41ed0-0e4c-11d0-a286-00aa003049e2"
RP, WP, CC, LC = 0x10, 0x20, 0x1, 0x4
GR = 0x80000000  # maps to RC|LC|RP|LO
CONDITIONS = [b"artx\x01\x00\x00\x00", b"artx\x02\x00\x00\x00"]


def mapped(mask):
    """Generic rights mapped to AD's specific ones, as the DC does when it passes them down."""
    for generic, specific in ((0x80000000, 0x20094), (0x40000000, 0x20028),
                              (0x20000000, 0x20004), (0x10000000, 0xF01FF)):
        if mask & generic:
            mask = (mask & ~generic) | specific
    return mask


def inherit(aces, child_class, creator):
    """The inherited part of a child's DACL (AD: every object is a container): CONTAINER_INHERIT
    ACEs in order, effective where the inherited object type allows, else inherit-only to pass
    on; NO_PROPAGATE stops after one level; CREATOR OWNER becomes the creator."""
    out = []
    for ace in aces:
        if not ace.flags & (CI | OI):
            continue
        effective = bool(ace.flags & CI) and ace.inherited_object_type in (None, child_class)
        if ace.flags & NP:
            if not effective:
                continue
            flags = ID
        else:
            flags = ID | (ace.flags & (CI | OI)) | (0 if effective else IO)
        if ace.sid == CO and effective:
            # split: the creator's effective copy, and CREATOR OWNER's copy to pass on
            out.append(ace.copy(flags=ID, sid=creator, mask=mapped(ace.mask)))
            if flags & (CI | OI):
                out.append(ace.copy(flags=flags | IO))
            continue
        out.append(ace.copy(flags=flags, mask=mapped(ace.mask) if effective else ace.mask))
    return out


# -- the DC's answer, for every token, right, object type and condition outcome ---------------


def oracle(aces, token, bit, object_type, truth):
    """The DC's answer for one right: the first ACE that applies decides; a callback ACE
    applies when its condition is true (truth: condition bytes -> bool)."""
    for ace in aces:
        if ace.flags & IO or ace.sid not in token or not mapped(ace.mask) & bit:
            continue
        if ace.object_type and ace.object_type != object_type:
            continue
        if ace.type in (0x09, 0x0A, 0x0B, 0x0C) and not truth[ace.extra]:
            continue
        if ace.type in (0x00, 0x05, 0x09, 0x0B):
            return True
        if ace.type in (0x01, 0x06, 0x0A, 0x0C):
            return False
    return False


def views(aces):
    """The DACLs the check meets: this object, children and grandchildren of several classes,
    created by several trustees."""
    yield aces
    for child_class in (USER, CONTACT, None):
        child = inherit(aces, child_class, ALICE)
        yield child
        for grandchild_class in (USER, None):
            yield inherit(child, grandchild_class, ALICE)


def answers(aces):
    """The oracle's answer for every token, right, object type and condition outcome, on every
    view; the ACEs that apply are picked once per right, type and outcome, then each token
    meets them in order."""
    sids = [WD, AU, ALICE, BOB, CO]
    tokens = [set(token) for size in range(len(sids) + 1)
              for token in itertools.combinations(sids, size)]
    out = []
    for view in views(aces):
        for bit in (RP, WP, CC, LC):
            for object_type in (None, G1, G2):
                for truth in itertools.product((False, True), repeat=len(CONDITIONS)):
                    outcome = dict(zip(CONDITIONS, truth))
                    deciding = [(ace.sid, oracle([ace], {ace.sid}, bit, object_type, outcome))
                                for ace in view
                                if oracle([ace], {ace.sid}, bit, object_type, outcome)
                                or _denies(ace, bit, object_type, outcome)]
                    for token in tokens:
                        out.append(next((answer for sid, answer in deciding if sid in token),
                                        False))
    return out


def _denies(ace, bit, object_type, outcome):
    """The ACE alone denies the right (the oracle says no, and an allow after it cannot
    change that)."""
    after = ace.copy(type=0x00, flags=0, mask=bit, object_type=None,
                     inherited_object_type=None, extra=b"")  # Ace(0x00, 0, bit, ace.sid)
    return not oracle([ace, after], {ace.sid}, bit, object_type, outcome)
