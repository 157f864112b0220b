"""Security descriptors the codec, SDDL, access and DACL tests share: the corpus
(tests/unit/data/sd_corpus.json), generated descriptors, and generated DACLs of the trustees,
rights and object types the reference (sd_reference.py) judges."""

import base64
import json
import os

from hypothesis import strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

from sd_reference import (  # noqa: E402  pylint: disable=wrong-import-order
    ALICE, AU, BOB, CC, CI, CO, CONDITIONS, CONTACT, DOMAIN, G1, G2, GR, ID, IO, NP, OI, RP, USER, WD,
    WP)

CORPUS_PATH = os.path.join(os.path.dirname(__file__), "data", "sd_corpus.json")
with open(CORPUS_PATH) as corpus:
    CORPUS = json.load(corpus)
CASES = CORPUS["cases"]
EDGES = CORPUS["edge_cases"]


def ids(items):
    return [item["id"] for item in items]


def corpus_sd(case):
    return SecurityDescriptor.parse(base64.b64decode(case["b64_ad"]))


def sd_of(text):
    return Sddl(DOMAIN).parse(text)


# -- generated descriptors (any SID, mask, flags and GUIDs) ---------------------------------------

sids = st.builds(lambda auth, subs: "S-1-%d%s" % (auth, "".join("-%d" % s for s in subs)),
                 st.integers(0, 2 ** 48 - 1), st.lists(st.integers(0, 2 ** 32 - 1), max_size=15))
guids = st.one_of(st.none(), st.uuids().map(str))


@st.composite
def aces(draw):
    ace_type = draw(st.sampled_from([0, 1, 5, 6]))
    if ace_type in (5, 6):
        return Ace(ace_type, draw(st.integers(0, 255)), draw(st.integers(0, 2 ** 32 - 1)),
                   draw(sids), draw(guids), draw(guids))
    return Ace(ace_type, draw(st.integers(0, 255)), draw(st.integers(0, 2 ** 32 - 1)),
               draw(sids))


@st.composite
def descriptors(draw):
    def acl():
        return draw(st.one_of(st.none(), st.builds(Acl, st.sampled_from([2, 4]),
                                                   st.lists(aces(), max_size=12))))
    control = draw(st.integers(0, 0xFFFF)) | 0x8000
    return SecurityDescriptor(control, draw(st.one_of(st.none(), sids)),
                              draw(st.one_of(st.none(), sids)), acl(), acl())


# -- generated DACLs: explicit ACEs, inherited ones, and inherited twins of explicit ones ------

@st.composite
def trustee_aces(draw):
    ace_type = draw(st.sampled_from([0x00, 0x01, 0x05, 0x06, 0x09, 0x0A, 0x0B, 0x0C, 0x02]))
    flags = draw(st.sampled_from([0, CI, CI | IO, CI | NP, IO, OI, CI | OI]))
    mask = draw(st.sampled_from([RP, WP, CC, RP | WP, GR, RP | CC]))
    sid = draw(st.sampled_from([WD, AU, ALICE, BOB, CO]))
    object_type = inherited_type = None
    if ace_type in (0x05, 0x06, 0x0B, 0x0C):
        object_type = draw(st.sampled_from([None, G1, G2]))
        inherited_type = draw(st.sampled_from([None, USER, CONTACT]))
    extra = draw(st.sampled_from(CONDITIONS)) if ace_type in (0x09, 0x0A, 0x0B, 0x0C) else b""
    return Ace(ace_type, flags, mask, sid, object_type, inherited_type, extra)


@st.composite
def dacls(draw, ace_strategy=trustee_aces, max_size=5, reordered_one_in=2):
    """Explicit ACEs, then inherited ones with inherited twins of some explicit ones among
    them; one DACL in reordered_one_in in another order (non-canonical DACLs exist too)."""
    explicit = draw(st.lists(ace_strategy(), max_size=max_size))
    inherited = [a.copy(flags=a.flags | ID)
                 for a in draw(st.lists(ace_strategy(), max_size=max_size))]
    twins = [a.copy(flags=a.flags | ID) for a in explicit if draw(st.booleans())]
    for twin in twins:
        inherited.insert(draw(st.integers(0, len(inherited))), twin)
    order = explicit + inherited
    if draw(st.integers(0, reordered_one_in - 1)) == 0:
        order = draw(st.permutations(order))
    return SecurityDescriptor(0x8404, dacl=Acl(4, order))
