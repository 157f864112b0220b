"""The security-descriptor codec (plugins/module_utils/_security/_codec.py) against the corpus
(tests/unit/data/sd_corpus.json), generated descriptors, damaged blobs and the 64 KiB limit."""

import base64

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    MAX_ACL_BYTES, SE_DACL_PRESENT, SE_DACL_PROTECTED, SE_SELF_RELATIVE, Ace, Acl, AclTooLargeError,
    SecurityDescriptor)

from sd_samples import CASES, EDGES, descriptors, ids  # noqa: E402  pylint: disable=wrong-import-order


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


# -- the 64 KiB limit of an ACL (AclSize is 16 bits) ---------------------------------------------

def big_dacl(count, protected=True):
    aces = [Ace(0, 0, 0x10, "S-1-5-21-1-2-3-%d" % (5000 + i)) for i in range(count)]
    control = SE_SELF_RELATIVE | SE_DACL_PRESENT | (SE_DACL_PROTECTED if protected else 0)
    return SecurityDescriptor(control=control, dacl=Acl(4, aces))


def test_a_dacl_over_64_kib_is_a_codec_error_not_a_struct_error():
    fits = big_dacl((MAX_ACL_BYTES - 8) // 36)  # 36-byte ACEs: the largest count that fits
    assert len(fits.to_bytes()) == 20 + 8 + 36 * ((MAX_ACL_BYTES - 8) // 36)
    too_big = big_dacl((MAX_ACL_BYTES - 8) // 36 + 1)
    with pytest.raises(AclTooLargeError) as err:
        too_big.to_bytes()
    assert isinstance(err.value, SecurityDescriptorError)
    assert str(err.value) == ("the DACL would be 65564 bytes with 1821 ACEs; an ACL holds at "
                              "most 65535 bytes (64 KiB), so the directory cannot store it")
    with pytest.raises(AclTooLargeError, match="the DACL would be"):
        too_big.copy()


def test_an_ace_over_64_kib_names_its_trustee():
    with pytest.raises(AclTooLargeError, match="the ACE for S-1-5-32-544 would be 70024 bytes; an ACL holds"):
        Ace(0x11, 0, 0x10, "S-1-5-32-544", extra=b"x" * 70000).to_bytes()


def test_a_descriptor_whose_acl_wrapped_past_64_kib_says_so():
    # what Samba 4.17 returns after re-adding inherited ACEs to a 65,260-byte explicit DACL:
    # AclSize wrapped to 928 while the ACL is 66,464 bytes long
    blob = bytearray(big_dacl(1809).to_bytes())
    blob += bytes(big_dacl(34).to_bytes()[28:])  # more ACEs than the 16-bit size can say
    total = len(blob) - 20
    blob[22:24] = (total & 0xFFFF).to_bytes(2, "little")
    blob[24:26] = (1809 + 34).to_bytes(2, "little")
    with pytest.raises(SecurityDescriptorError) as err:
        SecurityDescriptor.parse(bytes(blob))
    assert "over the 64 KiB its 16-bit size can describe" in str(err.value)
