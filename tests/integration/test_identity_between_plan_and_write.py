# -*- coding: utf-8 -*-
"""Object identity between the plan and the write, on the lab (issue 20 items 5 and 7).

- inheritance_rollback restores only onto the object the journal recorded: an account deleted
  and made again at the journalled DN (another objectGUID) is refused, naming both GUIDs,
  whether that happened before the rollback or between its plan and its write;
- its "changed since" test keeps the explicit ACEs' order (Samba stores them as written);
- eas_device_cleanup finds a device's owner by parsing the DN, checks objectGUID and class just
  before each delete, and refuses a container that holds anything but partnerships;
- journals in a directory others can write, or with a second hard link, are refused.

"Between the plan and the write" is made real with a pass-through proxy in front of the DC:
the module writes its journal file once its plan is made, before its first write, so the proxy
runs the change (another object at the DN) when the module's first request after the journal
appeared reaches it, and only then forwards that request. Everything here is made by the tests
(an OU and users whose names need escapes and are not ASCII) and removed afterwards."""

import json
import os
import socket
import stat
import threading
import uuid

import ldap3
import pytest

from conftest import LAB_OU, lab_cli
from faults import _Listener
from made_here import add_user, make_tree, protected

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import same_dn
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

OU = u"OU=Identit\u00e4t\\, Pr\u00fcfung,%s" % LAB_OU
# A user whose CN holds escaped commas, non-ASCII letters and the container's own name.
TRICKY_CN = u"M\u00fcller\\, CN=ExchangeActiveSyncDevices\\, J\u00fcrgen"
TRICKY = u"CN=%s,%s" % (TRICKY_CN, OU)
ANNA = u"CN=\u00c5berg\\, Anna,%s" % OU
BOB = u"CN=Bj\u00f6rn Ode,%s" % OU
CONTAINER = "CN=ExchangeActiveSyncDevices,"
DEVICE_FILTER = "(objectClass=msExchActiveSyncDevice)"
SCHEMA_RULE = "CN=ms-Exch-Device-Access-Rule,CN=Schema,CN=Configuration,DC=lab,DC=example,DC=test"


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def guid_of(directory, dn):
    assert directory.conn.search(dn, "(objectClass=*)", search_scope="BASE",
                                 attributes=["objectGUID"]), directory.conn.result
    return str(uuid.UUID(bytes_le=directory.conn.response[0]["raw_attributes"]["objectGUID"][0]))


def spelled(directory, dn):
    """The DN as the DC spells it (Samba writes '=' in a value as \\3D)."""
    assert directory.conn.search(dn, "(objectClass=*)", search_scope="BASE",
                                 attributes=["1.1"]), directory.conn.result
    return directory.conn.response[0]["dn"]


def exists(directory, dn):
    directory.conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=["1.1"])
    return any(item["type"] == "searchResEntry" for item in directory.conn.response)


def make_again(directory, dn, sam, broken=True):
    """Delete the user at dn and make another one there (a new objectGUID), inheritance off."""
    directory.tree_delete(dn)
    add_user(directory.conn, dn, sam)
    if broken:
        sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(dn)))
        directory.write_sd(dn, sd.to_bytes())


class HookProxy(_Listener):
    """A pass-through TCP proxy to the lab's LDAPS port (TLS goes end to end). The first time
    the client sends anything once when() is true, action() runs before those bytes are
    forwarded: the module's next request then sees what action() left."""

    def __init__(self, when, action, port=636):
        self.target = ("127.0.0.1", port)
        self.when = when
        self.action = action
        self.fired = threading.Event()
        self.lock = threading.Lock()
        super(HookProxy, self).__init__()

    def handle(self, conn):
        server = socket.create_connection(self.target)
        self.clients.append(server)
        threading.Thread(target=self._pump, args=(server, conn, False), daemon=True).start()
        self._pump(conn, server, True)

    def _pump(self, src, dst, from_client):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if from_client:
                    with self.lock:
                        if not self.fired.is_set() and self.when():
                            self.action()
                            self.fired.set()
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def through(ansible, proxy, module, args, check=False):
    """The module with the lab reached only through the proxy."""
    connection = dict(ansible.connection(), server=["ldaps://127.0.0.1:%d" % proxy.port])
    return ansible.run(module, dict(args, **connection), check=check, defaults=False)


@pytest.fixture(scope="module")
def people(directory):
    make_tree(directory, [OU], {TRICKY: "h4mueller", ANNA: "h4aberg", BOB: "h4ode"})
    yield
    directory.tree_delete(OU)


# -- rollback --------------------------------------------------------------------------------------

def broken(directory, *dns):
    for dn in dns:
        sd = SecurityDescriptor.parse(directory.read_sd(dn))
        if not sd.protected:
            directory.write_sd(dn, disable_inheritance(sd)[0].to_bytes())


def fixed_with_journal(ansible, directory, tmp_path, name, dns):
    broken(directory, *dns)
    journal = tmp_path / name
    result = ok(ansible.run("inheritance", {"dn": list(dns), "journal": str(journal)}))
    assert result["counts"]["changed"] == len(dns)
    return journal


def test_rollback_refuses_an_account_made_again_at_the_journalled_dn(ansible, directory, people,
                                                                     tmp_path):
    journal = fixed_with_journal(ansible, directory, tmp_path, "fix.jsonl", [ANNA, BOB])
    journalled = [(dn, guid_of(directory, dn)) for dn in (ANNA, BOB)]
    old = guid_of(directory, ANNA)
    make_again(directory, ANNA, "h4aberg")  # a new account, inheritance off, at Anna's DN
    new = guid_of(directory, ANNA)
    before = directory.read_sd(ANNA)
    for force in (False, True):
        result = ansible.run("inheritance_rollback", {"journal": str(journal), "force": force})
        assert result["failed"] and result["counts"]["failed"] == 1, result
        [refused] = [o for o in result["objects"] if o["status"] == "failed"]
        assert refused["dn"] == ANNA and "\n" not in refused["error"]
        assert refused["error"] == (
            "%s is not the object journal line 1 recorded: its objectGUID is %s, the journal's "
            "%s (that one was deleted and this one created at the same DN); nothing was written "
            "to it" % (ANNA, new, old))
        assert directory.read_sd(ANNA) == before  # not a byte written to the new account
    assert protected(directory, BOB)  # the other object was restored
    lines = [json.loads(line) for line in open(str(journal))]
    assert [(line["dn"], line.get("object_guid")) for line in lines] == journalled


def test_rollback_refuses_an_account_made_again_between_its_plan_and_its_write(
        ansible, directory, people, tmp_path):
    journal = fixed_with_journal(ansible, directory, tmp_path, "fix.jsonl", [BOB])
    undo = tmp_path / "undo.jsonl"
    old = guid_of(directory, BOB)
    made = []

    def make_bob_again():  # the rollback has planned (its own journal is open), not written
        dacl = directory.read_sd(BOB)
        make_again(directory, BOB, "h4ode", broken=False)
        directory.write_sd(BOB, dacl)  # even the same DACL: it is another account
        made.append(guid_of(directory, BOB))

    with HookProxy(when=undo.exists, action=make_bob_again) as proxy:
        result = through(ansible, proxy, "inheritance_rollback",
                         {"journal": str(journal), "rollback_journal": str(undo)})
    assert made and proxy.fired.is_set(), result
    assert result["failed"] and result["counts"]["failed"] == 1, result
    [refused] = result["objects"]
    assert refused["error"] == (
        "%s is not the object read for the plan: its objectGUID is %s now, %s then (it was "
        "deleted and created again meanwhile); nothing was written to it" % (BOB, made[0], old))
    assert not protected(directory, BOB)  # the new account was not written
    assert undo.read_text() == ""  # nor journalled


def test_rollback_changed_since_keeps_the_order_of_the_explicit_aces(ansible, directory, people,
                                                                     tmp_path):
    """On Samba the explicit ACEs stay in the order written. After the fix, the same ACEs are
    put in another order, which changes what Everyone may do: the rollback must count that as
    a change since the journal, not restore over it."""
    deny = Ace(0x01, 0, 0x20, "S-1-1-0")   # (D;;WP;;;WD)
    allow = Ace(0x00, 0, 0x20, "S-1-1-0")  # (A;;WP;;;WD)
    sd = SecurityDescriptor.parse(directory.read_sd(ANNA))
    sd, _changed = disable_inheritance(sd)
    sd.dacl.aces = [deny, allow] + sd.dacl.aces
    directory.write_sd(ANNA, sd.to_bytes())
    journal = tmp_path / "fix.jsonl"
    ok(ansible.run("inheritance", {"dn": [ANNA], "journal": str(journal)}))
    now = SecurityDescriptor.parse(directory.read_sd(ANNA))
    explicit = [ace for ace in now.dacl.aces if not ace.inherited]
    assert [a.key() for a in explicit[:2]] == [deny.key(), allow.key()]  # as written
    now.dacl.aces = [allow, deny] + [a for a in now.dacl.aces if a.key() not in
                                     (deny.key(), allow.key()) and not a.inherited]
    directory.write_sd(ANNA, now.to_bytes())
    reordered = directory.read_sd(ANNA)
    result = ok(ansible.run("inheritance_rollback", {"journal": str(journal)}))
    assert result["counts"]["skipped"] == 1 and not result["changed"], result["objects"]
    assert result["objects"][0]["reason"] == ("changed since journal line 1 was written; set "
                                              "force to restore it anyway")
    assert directory.read_sd(ANNA) == reordered


# -- journals --------------------------------------------------------------------------------------

def test_journals_in_a_directory_others_can_write_are_refused(ansible, directory, people,
                                                              tmp_path):
    broken(directory, BOB)
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o777)
    journal = shared / "fix.jsonl"
    result = ansible.run("inheritance", {"dn": [BOB], "journal": str(journal)})
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == (
        "journal directory %s is writable by group and others (mode 0777) without the sticky "
        "bit: they can replace or rename the journal; refusing to append to %s (chmod go-w %s, "
        "or keep journals in a directory only you can write); nothing was changed"
        % (shared, journal, shared))
    assert protected(directory, BOB) and not journal.exists()
    # with the sticky bit (as /tmp has) only the file's owner may rename or replace it
    os.chmod(str(shared), 0o1777)
    ok(ansible.run("inheritance", {"dn": [BOB], "journal": str(journal)}))
    assert stat.S_IMODE(os.stat(str(journal)).st_mode) == 0o600
    os.chmod(str(shared), 0o775)
    result = ansible.run("inheritance_rollback", {"journal": str(journal)})
    assert result["failed"] and result["msg"].startswith(
        "journal directory %s is writable by group (mode 0775) without the sticky bit" % shared)
    assert not protected(directory, BOB)  # nothing restored


def test_a_hard_linked_journal_is_refused(ansible, directory, people, tmp_path):
    journal = fixed_with_journal(ansible, directory, tmp_path, "fix.jsonl", [BOB])
    other = tmp_path / "elsewhere.jsonl"
    os.link(str(journal), str(other))
    result = ansible.run("inheritance_rollback", {"journal": str(journal)})
    assert result["failed"] and result["msg"].startswith(
        "journal %s has 2 hard links (the same file under other names" % journal)
    assert not protected(directory, BOB)
    broken(directory, ANNA)
    result = ansible.run("inheritance", {"dn": [ANNA], "journal": str(other)})
    assert result["failed"] and "refusing to append to it" in result["msg"]
    assert protected(directory, ANNA)


# -- eas_device_cleanup ----------------------------------------------------------------------------

def sync(owner, device_id, device_type="iPhone"):
    out = lab_cli("eas-sync", "--user", owner, "--device-id", device_id, "--device-type",
                  device_type, "--model", "iPhone15,2", check=False)
    result = json.loads([line for line in out.splitlines() if line.startswith("{")][0])
    assert result["code"] == 0, result
    return result["dn"]


def device_dns(directory, base):
    directory.conn.search(base, DEVICE_FILTER, attributes=["1.1"])
    return sorted(item["dn"] for item in directory.conn.response
                  if item["type"] == "searchResEntry")


@pytest.fixture
def phones(directory, people):
    """Two phones of the user with the tricky name, and a third whose ID (a phone picks its
    own) ends its CN with ',CN=ExchangeActiveSyncDevices'; the container goes afterwards."""
    directory.tree_delete(CONTAINER + TRICKY)
    sync(TRICKY, "H4PHONE01")
    sync(TRICKY, "H4PHONE02")
    evil = u"CN=iPhone\u00a7EVIL\\,CN=ExchangeActiveSyncDevices," + CONTAINER + TRICKY
    assert directory.conn.add(evil, ["top", "msExchActiveSyncDevice"], {
        "msExchDeviceID": "EVIL,CN=ExchangeActiveSyncDevices", "msExchDeviceType": "iPhone",
        "msExchDeviceAccessState": "1", "msExchDeviceAccessStateReason": "3"}), \
        directory.conn.result
    yield device_dns(directory, TRICKY)
    directory.tree_delete(CONTAINER + TRICKY)


def test_the_phones_of_a_user_with_an_escaped_non_ascii_name_are_cleaned(ansible, directory,
                                                                         phones):
    assert len(phones) == 3
    args = {"users": [TRICKY], "created_before": "2999-01-01"}
    check = ok(ansible.run("eas_device_cleanup", args, check=True))
    assert sorted(o["dn"] for o in check["objects"]) == phones
    assert all(same_dn(o["owner_dn"], TRICKY) and o["owner_sam_account_name"] == "h4mueller"
               for o in check["objects"]), check["objects"]
    real = ok(ansible.run("eas_device_cleanup", args))
    assert real["counts"]["changed"] == 3 and device_dns(directory, TRICKY) == []


def test_a_phone_made_again_between_the_plan_and_the_delete_is_not_removed(
        ansible, directory, phones, tmp_path):
    journal = tmp_path / "cleanup.jsonl"
    target = [dn for dn in phones if "H4PHONE01" in dn][0]
    old = guid_of(directory, target)
    made = []

    def make_the_phone_again():  # the module has its plan (its journal is open), no delete yet
        directory.conn.search(target, "(objectClass=*)", search_scope="BASE", attributes=["*"])
        attrs = directory.conn.response[0]["attributes"]
        directory.tree_delete(target)
        assert directory.conn.add(target, ["top", "msExchActiveSyncDevice"], {
            name: attrs[name] for name in ("msExchDeviceID", "msExchDeviceType",
                                           "msExchDeviceModel")}), directory.conn.result
        made.append(guid_of(directory, target))

    with HookProxy(when=journal.exists, action=make_the_phone_again) as proxy:
        result = through(ansible, proxy, "eas_device_cleanup",
                         {"users": [TRICKY], "created_before": "2999-01-01",
                          "journal": str(journal)})
    assert made and proxy.fired.is_set(), result
    assert result["failed"] and result["counts"]["failed"] == 1, result
    [failed] = [o for o in result["objects"] if o["status"] == "failed"]
    assert failed["dn"] == target and "\n" not in failed["error"]
    assert failed["error"] == (
        "%s is not the partnership the plan found: its objectGUID is %s now, %s then (it was "
        "deleted and created again meanwhile); not removed" % (target, made[0], old))
    assert device_dns(directory, TRICKY) == [target]  # the new one is there, the others gone
    assert guid_of(directory, target) == made[0]
    lines = [json.loads(line) for line in open(str(journal))]
    assert sorted(line["dn"] for line in lines) == sorted(set(phones) - {target})
    assert all(line["object_guid"] for line in lines)


@pytest.fixture
def stranger_allowed(directory):
    """Objects of class msExchDeviceAccessRule may be made inside a devices container for this
    test (the schema allows only partnerships there): possSuperiors extended, and put back."""
    conn = ldap3.Connection(directory.conn.server, directory.conn.user, directory.conn.password,
                            auto_bind=True, check_names=False)

    def possible(how):
        assert conn.modify(SCHEMA_RULE, {"possSuperiors": [(how, ["msExchActiveSyncDevices"])]}), \
            conn.result
        assert conn.modify("", {"schemaUpdateNow": [(ldap3.MODIFY_ADD, ["1"])]}), conn.result
    possible(ldap3.MODIFY_ADD)
    try:
        yield
    finally:
        possible(ldap3.MODIFY_DELETE)
        conn.unbind()


def test_a_container_holding_anything_but_partnerships_is_not_removed(ansible, directory, phones,
                                                                      stranger_allowed):
    stranger = u"CN=Not a phone \u00a7," + CONTAINER + TRICKY
    assert directory.conn.add(stranger, ["top", "msExchDeviceAccessRule"]), directory.conn.result
    result = ansible.run("eas_device_cleanup", {"users": [TRICKY], "remove_container": True,
                                                "include_allowed": True})
    assert result["failed"] and result["counts"]["failed"] == 1, result
    [failed] = [o for o in result["objects"] if o["status"] == "failed"]
    container = spelled(directory, CONTAINER + TRICKY)
    assert same_dn(failed["dn"], container) and "\n" not in failed["error"]
    assert failed["error"] == (
        "%s holds %s, an object of class msExchDeviceAccessRule, not an ActiveSync partnership "
        "(msExchActiveSyncDevice); the container is not removed (its tree delete would take "
        "that too)" % (failed["dn"], spelled(directory, stranger)))
    assert exists(directory, stranger) and device_dns(directory, TRICKY) == phones
    directory.tree_delete(stranger)
    # without it the container goes, with every partnership in it
    ok(ansible.run("eas_device_cleanup", {"users": [TRICKY], "remove_container": True,
                                          "include_allowed": True}))
    assert not exists(directory, CONTAINER + TRICKY)
