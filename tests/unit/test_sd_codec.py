"""The security-descriptor codec against the corpus (tests/unit/data/sd_corpus.json)."""

import base64
import json
import os

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    Ace, Acl, SecurityDescriptor, SecurityDescriptorError, disable_inheritance,
    enable_inheritance)

CORPUS = json.load(open(os.path.join(os.path.dirname(__file__), "data", "sd_corpus.json")))
CASES = CORPUS["cases"]
EDGES = CORPUS["edge_cases"]


def ids(items):
    return [item["id"] for item in items]


def ace_view(ace):
    view = {"type": ace.type, "flags": ace.flags, "mask": ace.mask, "sid": ace.sid}
    if ace.is_object:
        view.update(object_flags=ace.object_flags, object_type=ace.object_type,
                    inherited_object_type=ace.inherited_object_type)
    return view


def acl_view(acl):
    return None if acl is None else {"revision": acl.revision,
                                     "aces": [ace_view(a) for a in acl.aces]}


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@pytest.mark.parametrize("layout", ["b64_ad", "b64_samba"])
def test_parse_matches_expected_structure(case, layout):
    sd = SecurityDescriptor.parse(base64.b64decode(case[layout]))
    expect = case["expect"]
    assert sd.control == expect["control"]
    assert sd.protected == expect["dacl_protected"]
    assert sd.owner == expect.get("owner")
    assert sd.group == expect.get("group")
    dacl = acl_view(sd.dacl)
    if layout == "b64_ad":
        assert dacl == expect.get("dacl")
    else:  # Samba writes ACL revision 4 always; the ACEs are the same
        assert (dacl or {}).get("aces") == (expect.get("dacl") or {}).get("aces")


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@pytest.mark.parametrize("layout", ["b64_ad", "b64_samba"])
def test_unmodified_descriptors_round_trip_byte_exact(case, layout):
    blob = base64.b64decode(case[layout])
    assert SecurityDescriptor.parse(blob).to_bytes() == blob


@pytest.mark.parametrize("edge", EDGES, ids=ids(EDGES))
def test_edge_cases_round_trip(edge):
    blob = base64.b64decode(edge["b64"])
    sd = SecurityDescriptor.parse(blob)
    if edge["expect_byte_exact_roundtrip"]:
        assert sd.to_bytes() == blob
    base = [c for c in CASES if c["id"] == edge["base"]][0]
    assert acl_view(sd.dacl)["aces"] == base["expect"]["dacl"]["aces"]


OPS = {"enable_inheritance": enable_inheritance,
       "disable_inheritance_preserve": lambda sd: disable_inheritance(sd, "preserve"),
       "disable_inheritance_remove": lambda sd: disable_inheritance(sd, "remove")}


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@pytest.mark.parametrize("op", sorted(OPS))
def test_inheritance_operations(case, op):
    expected = case["ops"][op]
    original = base64.b64decode(case["b64_ad"])
    sd = SecurityDescriptor.parse(original)
    if expected is None:  # no DACL was read: there is nothing to set inheritance on
        with pytest.raises(SecurityDescriptorError, match="has no DACL"):
            OPS[op](sd)
        return
    new, changed = OPS[op](sd)
    assert changed == expected["changed"]
    assert new.to_bytes() == base64.b64decode(expected["b64_ad"])
    assert sd.to_bytes() == original  # the input is never modified


def test_rebuilt_ace_is_padded_and_reparses():
    ace = Ace(5, 0x12, 0x7, "S-1-5-21-1-2-3-1105", "c975c901-6cea-4b6f-8319-d67f45449506",
              "bf967aba-0de6-11d0-a285-00aa003049e2")
    acl = Acl(2, [ace])
    sd = SecurityDescriptor(0x8404 | 0x0004, dacl=acl)
    again = SecurityDescriptor.parse(sd.to_bytes())
    assert again.dacl.revision == 4  # object ACEs need ACL_REVISION_DS
    assert again.dacl.aces[0].key() == ace.key()
    assert len(again.dacl.aces[0].to_bytes()) % 4 == 0


# -- property-based ------------------------------------------------------------------------------

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


@settings(max_examples=300, deadline=None)
@given(descriptors())
def test_generated_descriptors_round_trip(sd):
    blob = sd.to_bytes()
    again = SecurityDescriptor.parse(blob)
    assert again.key()[2:5] == sd.key()[2:5]
    for mine, theirs in ((sd.dacl, again.dacl), (sd.sacl, again.sacl)):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert [a.key() for a in mine.aces] == [a.key() for a in theirs.aces]
    assert again.to_bytes() == blob


REAL = [base64.b64decode(c["b64_ad"]) for c in CASES]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(REAL), st.data())
def test_truncated_or_garbled_blobs_raise_the_codec_error(blob, data):
    cut = data.draw(st.integers(0, len(blob) - 1))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(0, 255)),
                               max_size=4))
    mutated = bytearray(blob)
    for pos, value in flips:
        mutated[pos] = value
    for candidate in (blob[:cut], bytes(mutated)):
        try:
            SecurityDescriptor.parse(candidate).to_bytes()
        except SecurityDescriptorError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise_anything_else(blob):
    try:
        SecurityDescriptor.parse(blob)
    except SecurityDescriptorError:
        pass
