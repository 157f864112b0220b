"""SDDL (plugins/module_utils/_security/_sddl.py): rendering as Samba does and parsing against
the corpus (tests/unit/data/sd_corpus.json), malformed text, and the (X:<hex>) form of ACEs SDDL
cannot spell, read back byte for byte."""

import types

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

from sd_samples import (  # noqa: E402  pylint: disable=wrong-import-order
    CASES, DOMAIN, aces, corpus_sd, descriptors, guids, ids, sids)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_sddl_rendering_matches_samba(case):
    sd = corpus_sd(case)
    assert Sddl(case["domain_sid"]).render(sd) == case["sddl"]
    # without a domain, domain-relative aliases (DA, DU, EA...) are written as SIDs
    assert Sddl().render(sd) == case["sddl_numeric"]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@pytest.mark.parametrize("form", ["sddl", "sddl_in", "sddl_numeric"])
def test_sddl_parsing_gives_the_same_descriptor(case, form):
    sd = corpus_sd(case)
    parsed = Sddl(case["domain_sid"]).parse(case[form])
    assert parsed.owner == sd.owner and parsed.group == sd.group
    # SE_SACL_AUTO_INHERITED without a SACL is invisible in SDDL (corpus note)
    assert parsed.control == sd.control & ~(0 if sd.sacl else 0x0800)
    for mine, theirs in ((parsed.dacl, sd.dacl), (parsed.sacl, sd.sacl)):
        assert [a.key() for a in (mine.aces if mine else [])] == \
            [a.key() for a in (theirs.aces if theirs else [])]


def test_sddl_one_ace_per_line_for_diffs():
    sd = Sddl("S-1-5-21-1-2-3").parse("O:DAD:PAI(A;;RPLC;;;DA)(OA;CIIO;CCDCLC;"
                                      "c975c901-6cea-4b6f-8319-d67f45449506;;AU)")
    assert Sddl("S-1-5-21-1-2-3").render(sd, "\n").splitlines() == [
        "O:DAD:PAI", "(A;;RPLC;;;DA)",
        "(OA;CIIO;CCDCLC;c975c901-6cea-4b6f-8319-d67f45449506;;AU)"]


def test_sddl_for_a_domain_names_its_groups_and_the_forest_roots():
    """A child domain: DA is its own Domain Admins, EA the forest root's Enterprise Admins."""
    dse = types.SimpleNamespace(domain_sid="S-1-5-21-1-2-3", forest_root_sid="S-1-5-21-7-8-9")
    sddl = Sddl.for_domain(dse)
    assert sddl.sid("S-1-5-21-1-2-3-512") == "DA"
    assert sddl.sid("S-1-5-21-7-8-9-519") == "EA"
    assert sddl.sid("S-1-5-21-1-2-3-519") == "S-1-5-21-1-2-3-519"
    assert Sddl.for_domain(types.SimpleNamespace(domain_sid=None, forest_root_sid=None)).sid(
        "S-1-5-21-1-2-3-512") == "S-1-5-21-1-2-3-512"


def test_sddl_null_dacl_and_windows_spellings():
    sddl = Sddl()
    null = sddl.parse("D:NO_ACCESS_CONTROL")
    assert null.dacl is None and null.control & 0x4
    assert sddl.render(null) == "D:NO_ACCESS_CONTROL"
    assert sddl.parse("D:(A;;FA;;;WD)").dacl.aces[0].mask == 0x1F01FF
    assert sddl.parse("D:(A;;0x10;;;WD)").dacl.aces[0].mask == 0x10


@pytest.mark.parametrize("text, needle", [
    ("D:(A;;RP;;;XX)", "neither a SID nor a known SDDL alias"),
    ("D:(A;;RP;;WD)", "needs 6 fields"),
    ("D:(Q;;RP;;;WD)", "unknown type"),
    ("D:(A;ZZ;RP;;;WD)", "unknown ACE flag"),
    ("D:(A;;QQ;;;WD)", "unknown right"),
    ("D:(A;;0x1ffffffff;;;WD)", "not a 32-bit number"),
    ("D:(OA;;RP;not-a-guid;;WD)", "is not a GUID"),
    ("D:(A;;RP;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", "only object ACE types"),
    ("D:(A;;RP;;;WD", "malformed ACE"),
    ("X:(A;;RP;;;WD)", "unexpected"),
    ("D:PZ(A;;RP;;;WD)", "unknown ACL flag"),
    ("O:DA", "neither a SID"),  # DA needs a domain
])
def test_malformed_sddl_gets_a_clear_codec_error(text, needle):
    with pytest.raises(SecurityDescriptorError, match=needle):
        Sddl().parse(text)


# -- property-based ------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(descriptors())
def test_sddl_round_trips_generated_descriptors(sd):
    # SDDL has no letters for ACE flag bits 0x20 and beyond the defined ones: that is why the
    # journal keeps the descriptor's bytes too
    for acl in (sd.dacl, sd.sacl):
        for ace in (acl.aces if acl else []):
            ace.flags &= 0xDF
    sddl = Sddl(DOMAIN)
    parsed = sddl.parse(sddl.render(sd))
    assert (parsed.owner, parsed.group) == (sd.owner, sd.group)
    for mine, theirs in ((sd.dacl, parsed.dacl), (sd.sacl, parsed.sacl)):
        if sd.control & (0x4 if mine is sd.dacl else 0x10):
            assert [a.key() for a in (mine.aces if mine else [])] == \
                [a.key() for a in (theirs.aces if theirs else [])]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ODGSAIP:();-0123456789abcdefxWDRCLN_ ", max_size=80))
def test_garbage_sddl_only_raises_the_codec_error(text):
    try:
        Sddl(DOMAIN).parse(text)
    except SecurityDescriptorError:
        pass


# -- ACEs SDDL has no form for here: (X:<hex>), read back byte for byte (issue 20 item 8b) -------

CONDITION = b"artx\xfb\x05\x00\x00\x00\x00\x00\x00"  # a conditional expression's opening bytes
OBJECT_TYPE = "c975c901-6cea-4b6f-8319-d67f45449506"
RAW_KINDS = [(0x09, None), (0x0A, None), (0x0B, OBJECT_TYPE), (0x0C, OBJECT_TYPE),
             (0x0D, None), (0x0E, None), (0x0F, OBJECT_TYPE), (0x10, None), (0x12, None)]


def with_ace(ace, revision=4):
    allow = Sddl(DOMAIN).parse_ace("A;CI;RP;;;AU")
    return SecurityDescriptor(0x8404, "S-1-5-32-544", "S-1-5-32-544",
                              dacl=Acl(revision, [allow, ace, allow.copy(flags=0x12)]))


@pytest.mark.parametrize("ace_type, object_type", RAW_KINDS,
                         ids=["0x%02x" % kind for kind, _type in RAW_KINDS])
def test_callback_and_conditional_aces_render_and_parse_back_byte_for_byte(ace_type, object_type):
    ace = Ace(ace_type, 0x02, 0x30, DOMAIN + "-1120", object_type, extra=CONDITION + b"\x01")
    # SDDL does not spell the ACL revision: the parser gives 4 where an object ACE is, else 2
    blob = with_ace(ace, 4 if ace.is_object else 2).to_bytes()
    sddl = Sddl(DOMAIN)
    text = sddl.render(SecurityDescriptor.parse(blob))
    raw = ace.to_bytes()
    assert "(X:%s)" % raw.hex() in text
    again = sddl.parse(text)
    assert again.dacl.aces[1].to_bytes() == raw
    assert again.dacl.aces[1].key() == SecurityDescriptor.parse(blob).dacl.aces[1].key()
    assert again.to_bytes() == blob
    # one ACE per line, as diffs show it, reads back the same
    assert sddl.parse(sddl.render(SecurityDescriptor.parse(blob), "\n")).to_bytes() == blob


def test_an_ace_read_with_odd_padding_keeps_its_bytes_through_sddl():
    # an allowed-callback ACE whose application data ends in bytes another writer left there
    ace = Ace(0x09, 0, 0x10, "S-1-1-0", extra=CONDITION)
    raw = bytearray(ace.to_bytes()) + b"\x00\x00\x00\x07"
    raw[2:4] = len(raw).to_bytes(2, "little")
    parsed = Sddl().parse_ace("X:" + bytes(raw).hex().upper())
    assert parsed.to_bytes() == bytes(raw)
    assert Sddl().ace(parsed) == "(X:%s)" % bytes(raw).hex()


@pytest.mark.parametrize("text, needle", [
    ("D:(X:zz)", "not hexadecimal"),
    ("D:(X:0a00)", "truncated"),
    ("D:(X:0a001400100000000101000000000001000000000000)",
     "size field says 20 bytes, the hex holds 22"),
    ("D:(X:0a001000100000000101000000000001000000000000)", "runs past the ACE"),
    ("D:(X:)", "truncated"),
])
def test_a_bad_raw_ace_is_a_codec_error(text, needle):
    with pytest.raises(SecurityDescriptorError, match=needle):
        Sddl().parse(text)


@st.composite
def callback_aces(draw):
    ace_type = draw(st.sampled_from([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0F, 0x10, 0x12]))
    object_type = inherited = None
    if ace_type in (0x0B, 0x0C, 0x0F, 0x10):
        object_type, inherited = draw(guids), draw(guids)
    return Ace(ace_type, draw(st.integers(0, 255)), draw(st.integers(0, 2 ** 32 - 1)),
               draw(sids), object_type, inherited, draw(st.binary(max_size=40)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(aces(), callback_aces()), max_size=8))
def test_sddl_of_any_dacl_renders_and_raw_aces_read_back_exactly(dacl):
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, dacl))
    blob = SecurityDescriptor.parse(sd.to_bytes())
    sddl = Sddl(DOMAIN)
    again = sddl.parse(sddl.render(blob))
    for mine, theirs in zip(blob.dacl.aces, again.dacl.aces):
        if mine.type not in (0, 1, 5, 6) or mine.extra:
            assert theirs.to_bytes() == mine.to_bytes()
