"""Retries only where they are safe (issue 11 item 2), on the real DC: a proxy in front of the lab
(faults.AnswerLosingProxy) forwards a write, lets Samba apply it, drops the answer and closes the
connection. The write has landed; the client never hears so. It must reconnect to the same DC,
read the object back and decide: a rule that was created is success (not entryAlreadyExists 68),
a rule that is gone was deleted, a DACL that is as written was written (not sent again), a DACL
another writer changed meanwhile is planned again, never overwritten.

The OU and user are made here (non-ASCII, an escaped comma), not the seed's."""

import os

import pytest

from conftest import LAB_OU
from faults import AnswerLosingProxy
from made_here import make_tree, protected

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, SecurityDescriptor)

SETTINGS = "CN=Mobile Mailbox Settings,CN=Lab Org,CN=Microsoft Exchange,CN=Services," \
    "CN=Configuration,DC=lab,DC=example,DC=test"
OU = "OU=Verlorene Antworten\\, Größe,%s" % LAB_OU
USER = "CN=Ölçer\\, Jörg,%s" % OU
RULE_QUERY = "Galaxy S24 Ultra Größe"
RULE = "CN=%s (DeviceModel),%s" % (RULE_QUERY, SETTINGS)
ADMIN_ACE = Ace(0, 0, 0x10, "S-1-5-32-545")  # by hand: Users may read one property set
FIGURES = []  # (case, answers lost, writes the DC got) for the notes


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print("\nlost answers: " + "; ".join("%s: %d lost, %d written" % case for case in FIGURES))


@pytest.fixture(scope="module", autouse=True)
def no_rule_left(directory):
    """The rule lives outside what this module's OU holds: gone before and after the module."""
    directory.tree_delete(RULE)
    yield
    directory.tree_delete(RULE)


@pytest.fixture(scope="module")
def user(directory):
    make_tree(directory, [OU], {USER: "oelcerj"})
    yield USER
    directory.tree_delete(OU)


@pytest.fixture
def proxy(lab):
    tls = os.path.dirname(lab["ca_cert"])
    with AnswerLosingProxy(os.path.join(tls, "server.pem"), os.path.join(tls, "server.key"),
                           lab["ca_cert"]) as proxy:
        yield proxy


def run(ansible, proxy, module, args):
    """The module with the lab reached only through the proxy; its result, which must pass."""
    connection = dict(ansible.connection(), server=["ldaps://127.0.0.1:%d" % proxy.port])
    return ok(ansible.run(module, dict(args, **connection), defaults=False))


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def test_a_rule_created_whose_answer_was_lost_is_success_then_deleted_the_same_way(
        ansible, directory, proxy):
    directory.tree_delete(RULE)
    args = {"characteristic": "DeviceModel", "query_string": RULE_QUERY, "access_level": "Allow"}
    proxy.lose["add"] = 1
    created = run(ansible, proxy, "eas_access_rule", args)
    assert proxy.lost == [("add", proxy.lost[0][1])] and proxy.forwarded["add"] == 1
    assert created["changed"] and created["rule"]["dn"] == RULE
    assert directory.dns(SETTINGS, "(msExchDeviceAccessRuleQueryString=%s)" % RULE_QUERY) == [RULE]
    FIGURES.append(("rule add", len(proxy.lost), proxy.forwarded["add"]))
    # the rule updated with its answer lost: read back as written, not sent again
    proxy.lose["modify"] = 1
    run(ansible, proxy, "eas_access_rule", dict(args, access_level="Block"))
    assert proxy.forwarded["modify"] == 1
    assert directory.attribute(RULE, "msExchMobileAccessControl") == ["1"]  # Block
    FIGURES.append(("rule modify", 1, proxy.forwarded["modify"]))
    proxy.lose["delete"] = 1
    gone = run(ansible, proxy, "eas_access_rule", {"name": "%s (DeviceModel)" % RULE_QUERY,
                                                   "state": "absent"})
    assert gone["changed"] and proxy.forwarded["delete"] == 1
    assert directory.dns(SETTINGS, "(msExchDeviceAccessRuleQueryString=%s)" % RULE_QUERY) == []
    FIGURES.append(("rule delete", 1, proxy.forwarded["delete"]))
    # quiet afterwards, answers delivered
    assert not run(ansible, proxy, "eas_access_rule", {"name": "%s (DeviceModel)" % RULE_QUERY,
                                                       "state": "absent"})["changed"]
    assert len(proxy.lost) == 3


def test_a_dacl_write_whose_answer_was_lost_is_verified_not_sent_again(
        ansible, directory, proxy, user, tmp_path):
    ok(ansible.run("inheritance", {"dn": [user], "state": "disabled"}))  # straight to the lab
    assert protected(directory, user)
    journal = str(tmp_path / "journal.jsonl")
    proxy.lose["modify"] = 1
    result = run(ansible, proxy, "inheritance", {"dn": [user], "journal": journal})
    assert result["changed"] and result["counts"]["changed"] == 1
    assert result["counts"]["failed"] == 0
    assert len(proxy.lost) == 1 and proxy.forwarded["modify"] == 1  # written once
    assert not protected(directory, user)
    assert len(open(journal).readlines()) == 1
    FIGURES.append(("DACL replace", 1, proxy.forwarded["modify"]))
    assert not run(ansible, proxy, "inheritance", {"dn": [user]})["changed"]


def test_a_dacl_another_writer_changed_while_the_answer_was_lost_is_planned_again(
        ansible, directory, proxy, user, lab):
    # The answer to the write is lost; before the module reads back, an admin adds an ACE by
    # hand. The DACL is neither the one written nor the one read: the module plans it again
    # from what it holds and keeps the admin's ACE (a blind resend would drop it).
    ok(ansible.run("inheritance", {"dn": [user], "state": "disabled"}))
    proxy.lose["modify"] = 1

    def admin_edits(kind):
        sd = SecurityDescriptor.parse(directory.read_sd(user))
        sd.dacl.aces.insert(0, ADMIN_ACE)
        directory.write_sd(user, sd.to_bytes())
    proxy.on_lost = admin_edits
    result = run(ansible, proxy, "inheritance", {"dn": [user]})
    assert result["counts"] == dict(result["counts"], changed=1, failed=0)
    assert result["changed"] and proxy.forwarded["modify"] == 1  # not sent again
    # our write landed, then the admin's ACE on top: planned again, nothing more is needed
    assert result["objects"][0]["note"].startswith("the answer to its write was lost and another "
                                                   "writer changed it too")
    after = SecurityDescriptor.parse(directory.read_sd(user))
    assert not after.protected
    assert ADMIN_ACE.key() in [ace.key() for ace in after.dacl.aces if not ace.inherited]
    FIGURES.append(("DACL replace, another writer", 1, proxy.forwarded["modify"]))
    assert not run(ansible, proxy, "inheritance", {"dn": [user]})["changed"]


def test_after_a_lost_answer_the_same_dc_is_asked_first(lab, directory, proxy):
    # Two DCs (two proxies to the lab): the first refuses connections when the run starts, so
    # the client binds to the second. The first comes back; the answer to the add is lost on
    # the second. The read-back must go to the second (the first may not have the write yet).
    tls = os.path.dirname(lab["ca_cert"])
    directory.tree_delete(RULE)
    with AnswerLosingProxy(os.path.join(tls, "server.pem"), os.path.join(tls, "server.key"),
                           lab["ca_cert"]) as first:
        first.refuse = True
        client = LdapClient(dict(server=["ldaps://127.0.0.1:%d" % p.port for p in (first, proxy)],
                                 ca_cert=lab["ca_cert"], bind_dn=lab["bind_dn"],
                                 password=lab["password"], connect_timeout=5)).connect()
        assert client.uri.endswith(":%d" % proxy.port)
        first.refuse = False
        proxy.lose["add"] = 1
        result = client.add(RULE, ["top", "msExchDeviceAccessRule"], dict(
            msExchDeviceAccessRuleQueryString=RULE_QUERY,
            msExchDeviceAccessRuleCharacteristic="1", msExchMobileAccessControl="0"))
        client.close()
        assert result["settled"] == "ldaps://127.0.0.1:%d" % proxy.port
        assert first.served == 0 and proxy.served == 2 and proxy.forwarded["add"] == 1
    assert directory.dns(SETTINGS, "(msExchDeviceAccessRuleQueryString=%s)" % RULE_QUERY) == [RULE]
    directory.tree_delete(RULE)
    FIGURES.append(("add, same DC first", 1, 1))
