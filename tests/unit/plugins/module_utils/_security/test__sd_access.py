"""Effective access and dropping explicit duplicates (plugins/module_utils/_security/_sd.py).

The property tests judge the module against an oracle written here from MS-DTYP 2.5.3.2 and the
AD inheritance rules, independent of the module's code: every token over the trustees in play,
every right, every object type, every outcome of every callback condition, this object and the
objects below it.
"""

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    access_difference, check_access, describe_ace)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    drop_explicit_duplicates, explicit_only, plan_explicit_duplicates)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl
from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import ObjectTypes

from sd_reference import CI, CO, ID, IO, NP, OI, inherit, mapped  # noqa: E402  pylint: disable=wrong-import-order

DOMAIN = "S-1-5-21-1-2-3"
SDDL = Sddl(DOMAIN)
WD, AU = "S-1-1-0", "S-1-5-11"
ALICE, BOB = DOMAIN + "-1105", DOMAIN + "-1106"
G1, G2 = "c975c901-6cea-4b6f-8319-d67f45449506", "e8b2aff2-59a7-4eac-9a70-819adef701dd"
USER, CONTACT = "bf967aba-0de6-11d0-a285-00aa003049e2", "5cb41ed0-0e4c-11d0-a286-00aa003049e2"
RP, WP, CC, LC = 0x10, 0x20, 0x1, 0x4
GR = 0x80000000  # maps to RC|LC|RP|LO
CONDITIONS = [b"artx\x01\x00\x00\x00", b"artx\x02\x00\x00\x00"]
# a schema in which G1 and G2 are properties of no property set: unrelated, as the oracle has it
UNRELATED = ObjectTypes({})


def sd_of(text):
    return SDDL.parse(text)


# -- the oracle -------------------------------------------------------------------------------


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
    after = Ace(0x00, 0, bit, ace.sid)
    return not oracle([ace, after], {ace.sid}, bit, object_type, outcome)


# -- generated DACLs: explicit ACEs, inherited ones, and inherited twins of explicit ones ------

@st.composite
def aces(draw):
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
def dacls(draw):
    explicit = draw(st.lists(aces(), max_size=5))
    inherited = [a.copy(flags=a.flags | ID) for a in draw(st.lists(aces(), max_size=5))]
    twins = [a.copy(flags=a.flags | ID) for a in explicit if draw(st.booleans())]
    for twin in twins:
        inherited.insert(draw(st.integers(0, len(inherited))), twin)
    order = explicit + inherited
    if draw(st.booleans()):  # non-canonical DACLs exist too
        order = draw(st.permutations(order))
    return SecurityDescriptor(0x8404, dacl=Acl(4, order))


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


@settings(max_examples=150, deadline=None)
@given(dacls(), st.data())
def test_access_difference_is_exact(sd, data):
    # when it says "no difference", the oracle agrees (soundness); when it names one, it is
    # real for the plain ACE types and the trustees in play
    aces = sd.dacl.aces
    keep = [a for a in aces if data.draw(st.booleans())]
    verdict = access_difference(aces, keep)
    if verdict is None:
        assert answers(keep) == answers(aces)


def conservative(aces, token, bit, object_type):
    """The oracle with every callback deny counted and every callback allow ignored."""
    plain = [a.copy(type={0x0A: 0x01, 0x0C: 0x06}.get(a.type, a.type)) for a in aces
             if a.type not in (0x09, 0x0B)]
    return oracle(plain, token, bit, object_type, {})


@settings(max_examples=300, deadline=None)
@given(dacls())
def test_check_access_reads_callbacks_conservatively(sd):
    # the module's answer is the oracle's with every callback deny true and every callback
    # allow false, so it is never 'granted' where some outcome of a condition denies
    for token in ([WD], [WD, ALICE], [AU, BOB], [WD, AU, ALICE, BOB]):
        for bit in (RP, WP, CC, RP | WP):
            for object_type in (None, G1):
                decision = check_access(sd, token, bit, object_type)
                bits = [b for b in (RP, WP, CC) if b & bit]
                assert decision.granted == all(
                    conservative(sd.dacl.aces, set(token), b, object_type) for b in bits)
                if decision.granted:
                    assert all(oracle(sd.dacl.aces, set(token), b, object_type,
                                      dict(zip(CONDITIONS, t)))
                               for b in bits
                               for t in itertools.product((False, True), repeat=2))
                if decision.exact:  # no condition mattered: every outcome agrees
                    assert all(oracle(sd.dacl.aces, set(token), b, object_type,
                                      dict(zip(CONDITIONS, t))) == decision.granted
                               for b in bits[:1] if len(bits) == 1
                               for t in itertools.product((False, True), repeat=2))


# -- the cases --------------------------------------------------------------------------

def test_explicit_allow_before_an_inherited_deny_stays():
    sd = sd_of("D:AI(A;;RP;;;WD)(D;ID;RP;;;WD)(A;ID;RP;;;WD)")
    assert check_access(sd, [WD], RP).granted
    new, removed = drop_explicit_duplicates(sd)
    assert removed == 0
    assert check_access(new, [WD], RP).granted
    _new, _removed, kept = plan_explicit_duplicates(sd)
    assert "S-1-1-0" in kept[0][1] and "RP" in kept[0][1] and "this object" in kept[0][1]


def test_a_deny_on_another_right_does_not_keep_the_duplicate():
    new, removed = drop_explicit_duplicates(sd_of("D:AI(A;;RP;;;WD)(D;ID;WP;;;WD)(A;ID;RP;;;WD)"))
    assert removed == 1 and SDDL.render(explicit_only(new)) == "D:AI"


def test_inherit_only_duplicates_are_judged_on_the_children():
    # nothing changes on this object, but children would see the inherited deny first
    sddl = "D:AI(A;CIIO;RP;;;WD)(D;CIIOID;RP;;;WD)(A;CIIOID;RP;;;WD)"
    _new, removed = drop_explicit_duplicates(sd_of(sddl))
    assert removed == 0
    _new, _removed, kept = plan_explicit_duplicates(sd_of(sddl))
    assert "children" in kept[0][1]
    # a deny that children do not inherit is no reason to keep it
    _new, removed = drop_explicit_duplicates(
        sd_of("D:AI(A;CIIO;RP;;;WD)(D;ID;RP;;;WD)(A;CIIOID;RP;;;WD)"))
    assert removed == 1


def test_copies_that_are_safe_only_together_are_dropped_together():
    # the canonical state after preserve + enable: explicit deny and allow copies in front
    sd = sd_of("D:AI(D;;RP;;;WD)(A;;RP;;;WD)(D;ID;RP;;;WD)(A;ID;RP;;;WD)")
    new, removed = drop_explicit_duplicates(sd)
    assert removed == 2 and SDDL.render(explicit_only(new)) == "D:AI"


def test_object_types_and_inherited_object_types_separate_aces():
    # the deny is about another property (object type) / is inherited only by contacts
    for middle in ("(OD;ID;RP;%s;;WD)" % G2, "(OD;CIIOID;RP;;%s;WD)" % CONTACT):
        sd = sd_of("D:AI(OA;CIIO;RP;%s;%s;WD)%s(OA;CIIOID;RP;%s;%s;WD)"
                   % (G1, USER, middle, G1, USER))
        assert drop_explicit_duplicates(sd, UNRELATED)[1] == 1, middle
    # without the schema's tree G1 and G2 may be a property and its property set: kept
    _new, removed, kept = plan_explicit_duplicates(sd_of(
        "D:AI(OA;CIIO;RP;%s;%s;WD)(OD;ID;RP;%s;;WD)(OA;CIIOID;RP;%s;%s;WD)"
        % (G1, USER, G2, G1, USER)))
    assert removed == [] and "object-type tree" in kept[0][1] and G2 in kept[0][1]


def test_creator_owner_may_be_any_trustee_below():
    # on a child Alice creates, CREATOR OWNER's allow becomes Alice's, and Alice's deny would
    # then come first
    sd = sd_of("D:AI(A;CIIO;RP;;;CO)(D;CIIOID;RP;;;%s)(A;CIIOID;RP;;;CO)" % ALICE)
    assert drop_explicit_duplicates(sd)[1] == 0


def test_a_conditional_deny_in_between_keeps_the_duplicate():
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, [
        Ace(0x00, 0, RP, WD), Ace(0x0A, ID, RP, WD, extra=CONDITIONS[0]), Ace(0x00, ID, RP, WD)]))
    assert drop_explicit_duplicates(sd)[1] == 0
    # a conditional allow between two allows cannot change an allow
    sd.dacl.aces[1] = Ace(0x09, ID, RP, WD, extra=CONDITIONS[0])
    assert drop_explicit_duplicates(sd)[1] == 1


def test_unknown_ace_types_are_never_dropped_and_block_what_they_stand_between():
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, [
        Ace(0x00, 0, RP, WD), Ace(0x04, ID, 0, BOB), Ace(0x00, ID, RP, WD)]))
    assert drop_explicit_duplicates(sd)[1] == 0
    sd = SecurityDescriptor(0x8404, dacl=Acl(4, [Ace(0x04, 0, RP, WD), Ace(0x04, ID, RP, WD)]))
    assert drop_explicit_duplicates(sd)[1] == 0


# -- callback and conditional ACEs in the access check ------------------------------------------

CREATE_DEVICES = G1
EXS = DOMAIN + "-1120"
TOKEN = [EXS, WD, AU]
GRANT = Ace(0x05, ID | CI, CC | 0x2 | LC, EXS, CREATE_DEVICES)


@pytest.mark.parametrize("ace_type, object_type", [(0x0A, None), (0x0C, CREATE_DEVICES),
                                                   (0x0C, None)])
def test_a_callback_deny_before_the_allow_counts_as_a_deny(ace_type, object_type):
    deny = Ace(ace_type, 0, CC, EXS, object_type, extra=CONDITIONS[0])
    decision = check_access(SecurityDescriptor(0x8404, dacl=Acl(4, [deny, GRANT])), TOKEN, CC,
                            CREATE_DEVICES)
    assert decision.granted is False and decision.ace is deny
    assert not decision.exact and decision.unevaluated == (deny,)
    assert "callback" in decision.reason and "counted as a deny" in decision.reason
    assert "conditional expression" in decision.reason


def test_a_callback_deny_for_another_trustee_or_type_does_not_apply():
    for deny in (Ace(0x0A, 0, CC, BOB, extra=CONDITIONS[0]),
                 Ace(0x0C, 0, CC, EXS, G2, extra=CONDITIONS[0]),
                 Ace(0x0A, IO | CI, CC, EXS, extra=CONDITIONS[0])):
        decision = check_access(SecurityDescriptor(0x8404, dacl=Acl(4, [deny, GRANT])), TOKEN,
                                CC, CREATE_DEVICES)
        assert decision.granted and decision.exact


@pytest.mark.parametrize("ace_type", [0x09, 0x0B])
def test_a_callback_allow_grants_nothing_and_the_result_says_so(ace_type):
    allow = Ace(ace_type, 0, CC, EXS, CREATE_DEVICES if ace_type == 0x0B else None,
                extra=CONDITIONS[1])
    decision = check_access(SecurityDescriptor(0x8404, dacl=Acl(4, [allow])), TOKEN, CC,
                            CREATE_DEVICES)
    assert decision.granted is False and decision.ace is None
    assert not decision.exact and decision.unevaluated == (allow,)
    assert "no ACE grants it" in decision.reason and "cannot evaluate" in decision.reason
    # with a plain grant after it the answer is exact
    decision = check_access(SecurityDescriptor(0x8404, dacl=Acl(4, [allow, GRANT])), TOKEN, CC,
                            CREATE_DEVICES)
    assert decision.granted and decision.exact


@pytest.mark.parametrize("ace_type", [0x0F, 0x10, 0x02, 0x11])
def test_audit_alarm_and_label_aces_take_no_part(ace_type):
    odd = Ace(ace_type, 0, CC, EXS, CREATE_DEVICES if ace_type in (0x0F, 0x10) else None,
              extra=CONDITIONS[0] if ace_type in (0x0F, 0x10) else b"")
    decision = check_access(SecurityDescriptor(0x8404, dacl=Acl(4, [odd, GRANT])), TOKEN, CC,
                            CREATE_DEVICES)
    assert decision.granted and decision.exact
    decision = check_access(SecurityDescriptor(0x8404, dacl=Acl(4, [odd])), TOKEN, CC,
                            CREATE_DEVICES)
    assert not decision.granted and decision.exact


def test_callback_aces_survive_the_codec_and_are_described():
    deny = Ace(0x0C, CI, CC, EXS, CREATE_DEVICES, USER, extra=CONDITIONS[0])
    blob = SecurityDescriptor(0x8404, dacl=Acl(4, [deny, GRANT])).to_bytes()
    again = SecurityDescriptor.parse(blob)
    assert again.dacl.aces[0].key() == deny.key()
    text = describe_ace(again.dacl.aces[0])
    assert "access denied callback object" in text and "0x0c" in text and EXS in text
    assert CREATE_DEVICES in text and USER in text and "8 bytes of conditional expression" in text
    assert not check_access(again, TOKEN, CC, CREATE_DEVICES).granted


# -- the readiness row says when the answer rests on a condition ---------------------------------

def test_readiness_names_a_callback_deny_and_a_callback_allow_it_could_not_count():
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import creation_check
    deny = Ace(0x0C, 0, CC, EXS, CREATE_DEVICES, extra=CONDITIONS[0])
    can, why = creation_check(SecurityDescriptor(0x8404, dacl=Acl(4, [deny, GRANT])), TOKEN,
                              CREATE_DEVICES, SDDL)
    assert can is False and "callback (conditional) deny" in why and "counts as a deny" in why
    assert "access denied callback object ACE (type 0x0c)" in why
    allow = Ace(0x0B, 0, CC, EXS, CREATE_DEVICES, extra=CONDITIONS[0])
    can, why = creation_check(SecurityDescriptor(0x9404, dacl=Acl(4, [allow])), TOKEN,
                              CREATE_DEVICES, SDDL)
    assert can is False and "callback (conditional) allow" in why and "not counted" in why


def test_an_object_inherit_only_deny_does_not_hide_what_children_lose():
    # containers (every AD object) take the CI allow and pass the OI-only deny on as
    # inherit-only: dropping both loses the children's read. Judging the deny as effective on
    # the same children as the allow made the two look alike.
    aces = [Ace(0x01, OI, RP, WD), Ace(0x00, CI | ID, RP, WD)]
    assert "children" in access_difference(aces, [])
    assert "this object" in access_difference(aces, aces[1:])  # the deny applies here too
