"""Rights predicted, not discovered (issue 22 item 1): _rights says "denied" only when sure."""

from fakes import DOMAIN_NC, DOMAIN_SID, SDDL, FakeDirectory, sd_bytes

from ansible_collections.adremedy.directory.plugins.module_utils._security._rights import (
    WRITE_DAC, WRITE_PROPERTY, Denied, Rights, Token, read_token)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str

SVC = "%s-1160" % DOMAIN_SID
GROUP = "%s-1170" % DOMAIN_SID
OTHER = "%s-1120" % DOMAIN_SID
JANE = "CN=Jane,OU=Staff," + DOMAIN_NC
SVC_DN = "CN=svc-enforcement,OU=Service Accounts," + DOMAIN_NC


def owned_by_domain_admins():
    """Jane as the DC holds her: owned by Domain Admins, not by the account."""
    directory = FakeDirectory()
    directory.add_entry(JANE, nTSecurityDescriptor=sd_bytes("O:DAG:DUD:PAI(A;;RC;;;AU)"))
    return directory


def rights(directory=None, sids=(SVC, GROUP, "%s-513" % DOMAIN_SID)):
    return Rights(directory or owned_by_domain_admins(), Token(sids, SVC_DN))


def check(sddl, directory=None, desired=WRITE_DAC, **kw):
    return rights(directory).check(JANE, SDDL.parse(sddl), desired, kind="user", **kw)


def test_inheritance_off_without_an_ace_for_the_account_is_denied_with_the_reason():
    denied = check("D:PAI(A;;RPWP;;;%s)(A;;RC;;;AU)" % OTHER)
    assert denied is not None and denied.right == "WRITE_DAC"
    assert "inheritance is off on this user, so the OU's delegation does not reach it" \
        in denied.why
    error = denied.error()
    assert error.code == 50 and "insufficientAccessRights (50)" in str(error)
    assert JANE in str(error) and "WRITE_DAC" in str(error) and "\n" not in str(error)


def test_what_the_token_is_granted_is_allowed():
    assert check("D:PAI(A;;WD;;;%s)" % SVC) is None
    assert check("D:PAI(A;;WD;;;%s)" % GROUP) is None
    assert check("D:AI(OA;ID;WD;;bf967aba-0de6-11d0-a285-00aa003049e2;%s)" % SVC) is None
    assert check("D:PAI(A;;GA;;;%s)" % SVC) is None  # generic rights mapped
    assert check("D:PAI(A;;WD;;;WD)") is None  # Everyone


def test_a_deny_before_the_allow_is_denied_and_named():
    denied = check("D:AI(D;;WD;;;%s)(A;;WD;;;%s)" % (SVC, GROUP))
    assert denied is not None and "denies it" in denied.why
    assert "inheritance is off" not in denied.why


def test_never_denied_when_not_sure():
    # an allow for a SID an LDAP logon's token may hold beyond tokenGroups (This Organization)
    assert check("D:PAI(A;;WD;;;S-1-5-15)") is None
    # a deny for such a SID is not counted either
    assert check("D:PAI(D;;WD;;;S-1-5-15)(A;;WD;;;%s)" % SVC) is None
    # an allow limited to an object type (a property set or class may cover the right)
    assert check("D:PAI(OA;;WP;bf9679c0-0de6-11d0-a285-00aa003049e2;;%s)" % SVC,
                 desired=WRITE_PROPERTY) is None
    # a conditional (callback) allow: the DC evaluates it
    conditional = SDDL.parse("D:PAI(A;;RC;;;AU)")
    conditional.dacl.aces.append(conditional.dacl.aces[0].copy(
        type=0x09, mask=WRITE_DAC, sid=SVC, extra=b"artx\x00\x00\x00\x00"))
    assert rights().check(JANE, conditional, WRITE_DAC) is None
    # OWNER RIGHTS in the DACL: what the owner holds is the ACEs' word
    assert check("D:PAI(A;;RC;;;OW)") is None


def test_the_owner_holds_write_dac_read_with_sd_flags_1():
    directory = FakeDirectory()
    directory.add_entry(JANE, nTSecurityDescriptor=sd_bytes("O:%sG:DUD:PAI(A;;RC;;;AU)" % GROUP))
    # the DACL as planned (flags 4) has no owner: the owner is read for the denied ones only
    assert check("D:PAI(A;;RC;;;AU)", directory) is None
    assert check("D:PAI(A;;RC;;;AU)", owned_by_domain_admins()) is not None
    gone = FakeDirectory()  # the owner cannot be read: not sure, the DC decides
    assert check("D:PAI(A;;RC;;;AU)", gone) is None


def test_administrators_and_an_unread_token_predict_nothing():
    admin = Rights(FakeDirectory(), Token([SVC, "%s-512" % DOMAIN_SID]))
    assert not admin.predicts and "S-1-5-21-1-2-3-512" in admin.token.unsure
    assert admin.check(JANE, SDDL.parse("D:PAI(A;;RC;;;AU)"), WRITE_DAC) is None
    assert Rights(FakeDirectory(), Token([SVC, "S-1-5-32-544"])).predicts is False
    unread = read_token(FakeDirectory())  # no RootDSE tokenGroups
    assert unread.unsure and not Rights(FakeDirectory(), unread).predicts


def test_the_token_is_the_rootdse_tokengroups_with_the_account():
    directory = FakeDirectory()
    directory.add_entry("", tokenGroups=[sid_from_str(SVC), sid_from_str(GROUP)])
    directory.add_user(SVC_DN, objectSid=sid_from_str(SVC), sAMAccountName="svc-enforcement")
    token = read_token(directory)
    assert token.unsure is None and token.account == SVC_DN
    assert {SVC, GROUP, "S-1-1-0", "S-1-5-11"} <= token.sids


def test_a_refusal_gives_the_guards_result_keys_in_their_order():
    refusal = Denied(JANE, "WRITE_DAC", "no ACE grants it").refusal()
    assert list(refusal) == ["error", "ldap_code", "missing_right", "predicted"]
    assert refusal["ldap_code"] == 50 and refusal["missing_right"] == "WRITE_DAC"
    assert refusal["predicted"] is True
    assert refusal["error"].startswith(JANE + ": insufficientAccessRights (50) predicted")
