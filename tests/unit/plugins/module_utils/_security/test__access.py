"""The access check and the access judgment (plugins/module_utils/_security/_access.py):
check_access against the corpus (tests/unit/data/sd_corpus.json) and the Exchange servers' create
child cases, callback and conditional ACEs, and access_difference.

The property tests judge the module against the reference written from MS-DTYP 2.5.3.2 and the
AD inheritance rules (sd_reference.py), independent of the module's code: every token over the
trustees in play, every right, every object type, every outcome of every callback condition,
this object and the objects below it.
"""

import itertools

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    access_difference, check_access, describe_ace, map_generic)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

from sd_reference import (  # noqa: E402  pylint: disable=wrong-import-order
    ALICE, AU, BOB, CC, CI, CONDITIONS, DOMAIN, G1, G2, ID, IO, LC, OI, RP, USER, WD, WP, answers,
    oracle)
from sd_samples import CASES, corpus_sd, dacls, sd_of  # noqa: E402  pylint: disable=wrong-import-order

SDDL = Sddl(DOMAIN)
QUERIES = [(case, query) for case in CASES for query in case["access_queries"]]


@pytest.mark.parametrize("case, query", QUERIES,
                         ids=["%s-%d" % (c["id"], i) for i, (c, _q) in enumerate(QUERIES)])
def test_effective_access_matches_the_corpus(case, query):
    decision = check_access(corpus_sd(case), query["token_sids"], query["right"],
                            query["object_type"])
    assert decision.granted == query["expected"]


CREATE_DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
EXS = DOMAIN + "-1120"
TOKEN = [EXS, "S-1-1-0", "S-1-5-11"]


@pytest.mark.parametrize("sddl, granted, reason", [
    ("D:AI(OA;CIID;CCDCLC;%s;;%s)" % (CREATE_DEVICES, EXS), True, "granted"),
    # inherit-only: meant for children, not this object
    ("D:AI(OA;CIIOID;CCDCLC;%s;;%s)" % (CREATE_DEVICES, EXS), False, "no ACE grants"),
    # protected DACL with the inherited ACE gone: the 1053 case
    ("D:PAI(A;;RPLCLORC;;;AU)", False, "no ACE grants"),
    # a deny before the allow wins, after it does not
    ("D:AI(OD;;CC;%s;;%s)(OA;CIID;CCDCLC;%s;;%s)" % (CREATE_DEVICES, EXS, CREATE_DEVICES, EXS),
     False, "denied"),
    ("D:AI(OA;CIID;CCDCLC;%s;;%s)(OD;;CC;%s;;%s)" % (CREATE_DEVICES, EXS, CREATE_DEVICES, EXS),
     True, "granted"),
    ("D:AI(D;;CC;;;WD)(OA;CIID;CC;%s;;%s)" % (CREATE_DEVICES, EXS), False, "denied"),
    # an ACE for another class does not apply; one without object type does; generic all maps
    ("D:AI(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;%s)" % EXS, False, "no ACE grants"),
    ("D:AI(A;;CC;;;AU)", True, "granted"),
    ("D:AI(A;;GA;;;%s)" % EXS, True, "granted"),
    ("D:NO_ACCESS_CONTROL", True, "NULL DACL"),
])
def test_exchange_servers_create_child_decisions(sddl, granted, reason):
    decision = check_access(sd_of(sddl), TOKEN, 0x1, CREATE_DEVICES)
    assert decision.granted is granted
    assert reason in decision.reason


def test_generic_mapping_follows_the_ds_mapping():
    assert map_generic(0x80000000) == 0x20094
    assert map_generic(0x10000000 | 0x100) == 0xF01FF | 0x100


# -- the reference's answers ---------------------------------------------------------------------

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


# -- callback and conditional ACEs in the access check -------------------------------------------

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
