"""Retries only where they are safe (issue 11 item 2), decided on fake DCs (tests/unit/fakes.py
FakeDc): a write whose answer was lost with the connection is read back on the same DC before
anything is resent. The lab proves the same against Samba with a proxy that drops the
connection after forwarding a write (tests/integration/test_lost_answers.py)."""

import pytest

from fakes import DOMAIN_NC, SDDL, FakeDc, connect_to, sd_bytes

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, write_all)
from ansible_collections.adremedy.directory.plugins.module_utils._run._dacl_changes import (
    Change, DaclWriter)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    read_descriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, LostAnswerConflict)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_REPLACE, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    enable_inheritance, inheritance_key)

DC1, DC2 = "ldaps://dc1.example.com:636", "ldaps://dc2.example.com:636"
RULE = "CN=Allow iPhone 15,CN=Mobile Mailbox Settings,CN=Contoso," + DOMAIN_NC
RULE_ATTRIBUTES = dict(msExchDeviceAccessRuleQueryString="iPhone15,2",
                       msExchDeviceAccessRuleCharacteristic="2", msExchMobileAccessControl="1")
USER = "CN=Ünal\\, Ayşe,OU=Staff,%s" % DOMAIN_NC
ADD_ABC1 = {"msExchMobileAllowedDeviceIDs": [(MODIFY_ADD, ["ABC1"])]}


def client(monkeypatch, *dcs):
    params = dict(server=[dc.uri for dc in dcs], bind_dn="CN=a", password="p", auth="simple")
    return connect_to(monkeypatch, LdapClient(params), *dcs)


def dc(uri=DC1):
    dc = FakeDc(uri)
    dc.directory.add_entry("CN=Mobile Mailbox Settings,CN=Contoso," + DOMAIN_NC, cn="x")
    dc.directory.add_user(USER)
    return dc


def kinds(dc):
    return [kind for kind, _dn in dc.requests]


# -- add -----------------------------------------------------------------------------------------

def test_an_add_that_was_applied_is_success_not_entry_already_exists(monkeypatch):
    dc1 = dc()
    dc1.lose_answer["add"] = 1
    result = client(monkeypatch, dc1).add(RULE, ["top", "msExchDeviceAccessRule"],
                                          RULE_ATTRIBUTES)
    assert result["result"] == 0 and result["settled"] == DC1
    assert kinds(dc1) == ["add"] and dc1.opened == 2  # read back, never resent


def test_an_add_that_never_reached_the_dc_is_sent_again(monkeypatch):
    dc1 = dc()
    dc1.drop_request["add"] = 1
    client(monkeypatch, dc1).add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    assert kinds(dc1) == ["add"]
    assert dc1.directory.entries[RULE.lower()].text("msExchMobileAccessControl") == "1"


def test_an_add_another_writer_won_is_entry_already_exists_naming_the_object(monkeypatch):
    dc1 = dc()
    dc1.drop_request["add"] = 1
    dc1.on_drop = lambda kind, dn: dc1.directory.add(
        dn, ["top", "msExchDeviceAccessRule"], dict(RULE_ATTRIBUTES, msExchMobileAccessControl="2"))
    with pytest.raises(LostAnswerConflict) as err:
        client(monkeypatch, dc1).add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    assert err.value.code == 68 and err.value.dn == RULE and "\n" not in str(err.value)
    assert str(err.value) == (
        "add %s failed: entryAlreadyExists (68): the answer to the add was lost, and the object "
        "read back from %s differs from the one sent in msExchMobileAccessControl (another "
        "writer created it); nothing was resent" % (RULE, DC1))
    assert dc1.directory.entries[RULE.lower()].text("msExchMobileAccessControl") == "2"


# -- delete --------------------------------------------------------------------------------------

def test_a_delete_that_was_applied_is_success(monkeypatch):
    dc1 = dc()
    dc1.directory.add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    dc1.lose_answer["delete"] = 1
    assert client(monkeypatch, dc1).delete(RULE)["settled"] == DC1
    assert kinds(dc1) == ["delete"] and RULE.lower() not in dc1.directory.entries


def test_a_delete_that_never_reached_the_dc_is_sent_again(monkeypatch):
    dc1 = dc()
    dc1.directory.add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    dc1.drop_request["delete"] = 1
    assert "settled" not in client(monkeypatch, dc1).delete(RULE)
    assert kinds(dc1) == ["delete"] and RULE.lower() not in dc1.directory.entries


# -- modify --------------------------------------------------------------------------------------

def test_a_replace_that_was_applied_is_not_sent_again(monkeypatch):
    dc1 = dc()
    dc1.directory.add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    dc1.lose_answer["modify"] = 1
    client(monkeypatch, dc1).modify(RULE, {"msExchMobileAccessControl": [(MODIFY_REPLACE, ["2"])]})
    assert kinds(dc1) == ["modify"]


def test_a_non_permissive_add_of_a_value_that_was_applied_is_not_attribute_or_value_exists(
        monkeypatch):
    dc1 = dc()
    dc1.lose_answer["modify"] = 1
    client(monkeypatch, dc1).modify(USER, ADD_ABC1)
    assert kinds(dc1) == ["modify"]
    assert dc1.directory.entries[USER.lower()].texts("msExchMobileAllowedDeviceIDs") == ["ABC1"]


def test_permissive_single_value_edits_are_simply_sent_again(monkeypatch):
    # idempotent on the DC: resending costs nothing and needs no read
    dc1 = dc()
    dc1.lose_answer["modify"] = 1
    client(monkeypatch, dc1).modify(USER, ADD_ABC1, permissive=True)
    assert kinds(dc1) == ["modify", "modify"]


def test_reads_are_retried(monkeypatch):
    dc1 = dc()
    dc1.drop_request["search"] = 2
    assert client(monkeypatch, dc1).read(USER, ["cn"]).dn == USER
    assert dc1.opened == 3


# -- which DC ------------------------------------------------------------------------------------

def test_the_read_back_goes_to_the_same_dc_first(monkeypatch):
    # dc1 is down when the run starts, so it binds to dc2; dc1 comes back (a replica that has not
    # seen the write yet). Deciding on dc1 would resend the add there: two rules in the forest.
    dc1, dc2 = dc(DC1), dc(DC2)
    dc1.up = False
    ldap = client(monkeypatch, dc1, dc2)
    dc1.up = True
    dc2.lose_answer["add"] = 1
    ldap.add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    assert (dc1.opened, dc2.opened) == (0, 2)
    assert kinds(dc2) == ["add"] and kinds(dc1) == []


def test_when_the_same_dc_stays_away_the_next_one_is_tried(monkeypatch):
    dc1, dc2 = dc(DC1), dc(DC2)
    ldap = client(monkeypatch, dc1, dc2)
    dc1.drop_request["add"] = 1
    dc1.on_drop = lambda kind, dn: setattr(dc1, "up", False)
    ldap.add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    assert ldap.uri == DC2 and kinds(dc2) == ["add"]


def test_an_answer_lost_for_good_says_the_write_may_have_been_applied(monkeypatch):
    dc1 = dc()
    ldap = client(monkeypatch, dc1)
    dc1.lose_answer["add"] = 1
    dc1.on_drop = lambda kind, dn: setattr(dc1, "up", False)
    with pytest.raises(LdapError) as err:
        ldap.add(RULE, ["top", "msExchDeviceAccessRule"], RULE_ATTRIBUTES)
    assert err.value.code == 52 and "\n" not in str(err.value)
    assert str(err.value).startswith("add %s failed: lost the connection to %s" % (RULE, DC1))
    assert str(err.value).endswith("; it may have been applied: run again (each run reads the "
                                   "object before it writes)")


# -- DACL replace --------------------------------------------------------------------------------

def dacl_change(directory):
    _entry, sd = read_descriptor(directory, USER)
    return Change(USER, sd, enable_inheritance(sd)[0], "enable")


def write(monkeypatch, dc1, replan=None):
    ldap = client(monkeypatch, dc1)
    outcome = Outcome()
    write_all(DaclWriter(ldap, SDDL, replan_one=replan), [dacl_change(dc1.directory)], outcome)
    return outcome.objects[0]


def test_a_dacl_write_that_was_applied_is_verified_not_sent_again(monkeypatch):
    dc1 = dc()
    dc1.lose_answer["modify"] = 1
    assert write(monkeypatch, dc1)["status"] == "changed"
    assert kinds(dc1) == ["modify"]


def test_a_dacl_write_that_never_reached_the_dc_is_sent_again_from_the_same_before(monkeypatch):
    dc1 = dc()
    dc1.drop_request["modify"] = 1
    assert write(monkeypatch, dc1)["status"] == "changed"
    assert kinds(dc1) == ["modify"]
    assert not read_descriptor(dc1.directory, USER)[1].protected


BY_HAND = "O:DAG:DUD:PAI(A;;RPWP;;;S-1-5-21-1-2-3-1120)(A;;RP;;;BU)"


def test_a_dacl_another_writer_changed_is_planned_again_never_overwritten(monkeypatch):
    # the write did not land, and an admin added an ACE at that moment: neither what was sent
    # nor what was read, so nothing is resent; the object is planned again from what it holds
    dc1 = dc()
    dc1.drop_request["modify"] = 1
    dc1.on_drop = lambda kind, dn: dc1.directory.entries[dn.lower()].attrs.update(
        ntsecuritydescriptor=[sd_bytes(BY_HAND)])
    replanned = []

    def replan(change, entry):
        replanned.append(entry.dn)
        sd = read_descriptor(dc1.directory, entry.dn)[1]
        return Change(entry.dn, sd, enable_inheritance(sd)[0], "enable")
    result = write(monkeypatch, dc1, replan)
    assert result["status"] == "changed" and "replanned" in result and replanned == [USER]
    now = read_descriptor(dc1.directory, USER)[1]
    assert inheritance_key(now) == inheritance_key(
        enable_inheritance(SDDL.parse(BY_HAND))[0])  # the admin's (A;;RP;;;BU) is kept


def test_without_a_replan_the_conflict_fails_that_object_in_one_line(monkeypatch):
    dc1 = dc()
    dc1.drop_request["modify"] = 1
    dc1.on_drop = lambda kind, dn: dc1.directory.entries[dn.lower()].attrs.update(
        ntsecuritydescriptor=[sd_bytes(BY_HAND)])
    result = write(monkeypatch, dc1)
    assert result["status"] == "failed" and "another writer" in result["error"]
    assert "\n" not in result["error"] and USER in result["error"]
    assert kinds(dc1) == [] and dc1.directory.sd(USER) == sd_bytes(BY_HAND)


def test_a_dacl_written_then_changed_by_another_writer_counts_as_changed(monkeypatch):
    # our write landed, the answer was lost, an admin edited on top: planned again, nothing more
    # to write, and the object is reported changed (our write is part of what is there)
    dc1 = dc()
    dc1.lose_answer["modify"] = 1
    by_hand = "O:DAG:DUD:AI(A;;RPWP;;;S-1-5-21-1-2-3-1120)(A;;RP;;;BU)"
    dc1.on_drop = lambda kind, dn: dc1.directory.entries[dn.lower()].attrs.update(
        ntsecuritydescriptor=[sd_bytes(by_hand)])

    def replan(change, entry):
        return None  # as the inheritance module plans an inheriting DACL: nothing to do
    result = write(monkeypatch, dc1, replan)
    assert result["status"] == "changed" and "another writer changed it too" in result["note"]
    assert kinds(dc1) == ["modify"] and dc1.directory.sd(USER) == sd_bytes(by_hand)
