"""DACL operations (plugins/module_utils/_security/_dacl.py): inheritance on and off against the
corpus (tests/unit/data/sd_corpus.json), the idempotence key, and explicit duplicates of inherited
ACEs dropped only where no one's access changes, judged by the reference (sd_reference.py) here
and on the objects below."""

import base64

import pytest
from hypothesis import given, settings

from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    check_access)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance, enable_inheritance, explicit_only,
    inheritance_key, plan_explicit_duplicates)
from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import ObjectTypes
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

from sd_reference import (  # noqa: E402  pylint: disable=wrong-import-order
    ALICE, BOB, CONDITIONS, CONTACT, DOMAIN, G1, G2, ID, RP, USER, WD, answers)
from sd_samples import CASES, dacls, ids, sd_of  # noqa: E402  pylint: disable=wrong-import-order

SDDL = Sddl(DOMAIN)
# a schema in which G1 and G2 are properties of no property set: unrelated, as the oracle has it
UNRELATED = ObjectTypes({})


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


# -- duplicates and the idempotence key ----------------------------------------------------------

def test_explicit_copies_of_inherited_aces_are_dropped():
    # the state after disable(preserve) then enable: explicit copies beside the inherited originals
    sd = sd_of("D:AI(A;;RPLC;;;AU)(A;CI;CC;;;DA)(A;CIID;CC;;;DA)(A;ID;RP;;;DA)"
               "(OA;CIIO;CCDCLC;c975c901-6cea-4b6f-8319-d67f45449506;;DU)"
               "(OA;CIIOID;CCDCLC;c975c901-6cea-4b6f-8319-d67f45449506;;DU)")
    new, removed, _kept = plan_explicit_duplicates(sd)
    assert len(removed) == 2
    assert Sddl(DOMAIN).render(explicit_only(new)) == "D:AI(A;;RPLC;;;AU)"
    again, removed, _kept = plan_explicit_duplicates(new)
    assert len(removed) == 0


def test_duplicates_differing_in_any_field_are_kept():
    sd = sd_of("D:AI(A;;CC;;;DA)(A;CI;CC;;;DA)(A;CI;DC;;;DA)(A;CI;CC;;;DU)(A;CIID;CC;;;DA)")
    new, removed, _kept = plan_explicit_duplicates(sd)
    assert len(removed) == 1 and len(explicit_only(new).dacl.aces) == 3


def test_inheritance_key_ignores_order_inherited_aces_and_dc_set_inherit_only():
    a = sd_of("D:AI(A;;RP;;;AU)(OA;;CC;c975c901-6cea-4b6f-8319-d67f45449506;"
              "bf967aba-0de6-11d0-a285-00aa003049e2;DU)(A;ID;RP;;;DA)")
    b = sd_of("D:AI(OA;IO;CC;c975c901-6cea-4b6f-8319-d67f45449506;"
              "bf967aba-0de6-11d0-a285-00aa003049e2;DU)(A;;RP;;;AU)")
    assert inheritance_key(a) == inheritance_key(b)
    assert inheritance_key(sd_of("D:PAI(A;;RP;;;AU)")) != inheritance_key(sd_of("D:AI(A;;RP;;;AU)"))
    assert inheritance_key(sd_of("D:AI(A;;RP;;;AU)")) != inheritance_key(sd_of("D:AI(A;;WP;;;AU)"))


# -- dropping duplicates changes no one's access -------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(dacls())
def test_dropping_duplicates_changes_no_ones_access_here_or_below(sd):
    before = answers(sd.dacl.aces)
    inherited = set(a.key() for a in sd.dacl.aces if a.inherited)
    for tree in (UNRELATED, None):
        new, removed, kept = plan_explicit_duplicates(sd, tree)
        if removed:  # written: the DC keeps the explicit ACEs written, then the inherited
            assert answers([a for a in new.dacl.aces if not a.flags & ID]
                           + [a for a in new.dacl.aces if a.flags & ID]) == before
        assert len(new.dacl.aces) + len(removed) == len(sd.dacl.aces)
        for ace in removed:
            assert not ace.inherited and ace.copy(flags=ace.flags | ID).key() in inherited
        for ace, why in kept:
            assert why  # every kept duplicate says why it stays


# -- the cases ---------------------------------------------------------------------------

def test_explicit_allow_before_an_inherited_deny_stays():
    sd = sd_of("D:AI(A;;RP;;;WD)(D;ID;RP;;;WD)(A;ID;RP;;;WD)")
    assert check_access(sd, [WD], RP).granted
    new, removed, _kept = plan_explicit_duplicates(sd)
    assert len(removed) == 0
    assert check_access(new, [WD], RP).granted
    _new, _removed, kept = plan_explicit_duplicates(sd)
    assert "S-1-1-0" in kept[0][1] and "RP" in kept[0][1] and "this object" in kept[0][1]


def test_a_deny_on_another_right_does_not_keep_the_duplicate():
    new, removed, _kept = plan_explicit_duplicates(
        sd_of("D:AI(A;;RP;;;WD)(D;ID;WP;;;WD)(A;ID;RP;;;WD)"))
    assert len(removed) == 1 and SDDL.render(explicit_only(new)) == "D:AI"


def test_inherit_only_duplicates_are_judged_on_the_children():
    # nothing changes on this object, but children would see the inherited deny first
    sddl = "D:AI(A;CIIO;RP;;;WD)(D;CIIOID;RP;;;WD)(A;CIIOID;RP;;;WD)"
    _new, removed, _kept = plan_explicit_duplicates(sd_of(sddl))
    assert len(removed) == 0
    _new, _removed, kept = plan_explicit_duplicates(sd_of(sddl))
    assert "children" in kept[0][1]
    # a deny that children do not inherit is no reason to keep it
    _new, removed, _kept = plan_explicit_duplicates(
        sd_of("D:AI(A;CIIO;RP;;;WD)(D;ID;RP;;;WD)(A;CIIOID;RP;;;WD)"))
    assert len(removed) == 1


def test_copies_that_are_safe_only_together_are_dropped_together():
    # the canonical state after preserve + enable: explicit deny and allow copies in front
    sd = sd_of("D:AI(D;;RP;;;WD)(A;;RP;;;WD)(D;ID;RP;;;WD)(A;ID;RP;;;WD)")
    new, removed, _kept = plan_explicit_duplicates(sd)
    assert len(removed) == 2 and SDDL.render(explicit_only(new)) == "D:AI"


def test_object_types_and_inherited_object_types_separate_aces():
    # the deny is about another property (object type) / is inherited only by contacts
    for middle in ("(OD;ID;RP;%s;;WD)" % G2, "(OD;CIIOID;RP;;%s;WD)" % CONTACT):
        sd = sd_of("D:AI(OA;CIIO;RP;%s;%s;WD)%s(OA;CIIOID;RP;%s;%s;WD)"
                   % (G1, USER, middle, G1, USER))
        assert len(plan_explicit_duplicates(sd, UNRELATED)[1]) == 1, middle
    # without the schema's tree G1 and G2 may be a property and its property set: kept
    _new, removed, kept = plan_explicit_duplicates(sd_of(
        "D:AI(OA;CIIO;RP;%s;%s;WD)(OD;ID;RP;%s;;WD)(OA;CIIOID;RP;%s;%s;WD)"
        % (G1, USER, G2, G1, USER)))
    assert removed == [] and "object-type tree" in kept[0][1] and G2 in kept[0][1]


def test_creator_owner_may_be_any_trustee_below():
    # on a child Alice creates, CREATOR OWNER's allow becomes Alice's, and Alice's deny would
    # then come first
    sd = sd_of("D:AI(A;CIIO;RP;;;CO)(D;CIIOID;RP;;;%s)(A;CIIOID;RP;;;CO)" % ALICE)
    assert len(plan_explicit_duplicates(sd)[1]) == 0


def test_a_conditional_deny_in_between_keeps_the_duplicate():
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, [
        Ace(0x00, 0, RP, WD), Ace(0x0A, ID, RP, WD, extra=CONDITIONS[0]), Ace(0x00, ID, RP, WD)]))
    assert len(plan_explicit_duplicates(sd)[1]) == 0
    # a conditional allow between two allows cannot change an allow
    sd.dacl.aces[1] = Ace(0x09, ID, RP, WD, extra=CONDITIONS[0])
    assert len(plan_explicit_duplicates(sd)[1]) == 1


def test_unknown_ace_types_are_never_dropped_and_block_what_they_stand_between():
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, [
        Ace(0x00, 0, RP, WD), Ace(0x04, ID, 0, BOB), Ace(0x00, ID, RP, WD)]))
    assert len(plan_explicit_duplicates(sd)[1]) == 0
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, [Ace(0x04, 0, RP, WD), Ace(0x04, ID, RP, WD)]))
    assert len(plan_explicit_duplicates(sd)[1]) == 0
