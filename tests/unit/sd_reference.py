"""The parts of the tests' own reference for AD access checks that the security-descriptor
property tests share (test__sd_access.py, test__sd_object_types.py): written from MS-DTYP 2.5.3.2
and the AD inheritance rules, independent of the collection's code."""

CO = "S-1-3-0"  # CREATOR OWNER
OI, CI, NP, IO, ID = 0x01, 0x02, 0x04, 0x08, 0x10


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
