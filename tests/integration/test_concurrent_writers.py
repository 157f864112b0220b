"""Concurrent writers lose nothing: real parallel ansible-playbook processes and an admin editing
by hand (plain ldap3, in a thread) against the same objects of the lab at the same time."""

import json
import os
import threading
import time

import ldap3
import pytest

from conftest import STAFF

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, SecurityDescriptor)

ALLOWED = "msExchMobileAllowedDeviceIDs"
# an ACE an admin adds by hand: Users (S-1-5-32-545) may read one property set
ADMIN_ACE = Ace(0, 0, 0x10, "S-1-5-32-545")

pytestmark = pytest.mark.usefixtures("reseeded")


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def protected(directory, dns):
    return [dn for dn in dns if SecurityDescriptor.parse(directory.read_sd(dn)).protected]


def break_all(ansible, directory, users):
    ok(ansible.run("inheritance", {"search_base": STAFF, "state": "disabled"}))
    assert len(protected(directory, users)) == len(users)


def wait_for_lines(path, count, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and len(open(path).readlines()) >= count:
            return
        time.sleep(0.01)
    raise AssertionError("the run wrote fewer than %d journal lines" % count)


def test_two_inheritance_runs_at_once_on_one_ou(ansible, directory):
    users = directory.dns(STAFF)
    break_all(ansible, directory, users)
    runs = [ansible.start("inheritance", {"search_base": STAFF}),
            ansible.start("inheritance", {"search_base": STAFF})]
    results = [ansible.wait(run) for run in runs]
    for result in results:
        ok(result)
    assert protected(directory, users) == []
    # an object the other run fixed first is re-planned and found right, not written again
    assert sum(r["counts"]["changed"] for r in results) >= len(users)
    assert ansible.run("inheritance", {"search_base": STAFF})["changed"] is False


def test_an_acl_an_admin_adds_during_the_run_is_kept(ansible, directory, tmp_path):
    users = directory.dns(STAFF)
    break_all(ansible, directory, users)
    plan = ok(ansible.run("inheritance", {"search_base": STAFF}, check=True))
    order = [o["dn"] for o in plan["objects"] if o["status"] == "changed"]
    target = order[-1]  # written last
    journal = str(tmp_path / "journal.jsonl")
    running = ansible.start("inheritance", {"search_base": STAFF, "journal": journal})
    wait_for_lines(journal, 3)
    sd = SecurityDescriptor.parse(directory.read_sd(target))
    sd.dacl.aces.insert(0, ADMIN_ACE)  # by hand, after the run's plan, before its write
    directory.write_sd(target, sd.to_bytes())
    written = [json.loads(line)["dn"] for line in open(journal)]
    assert target not in written, "the run reached the target first; the test proves nothing"
    result = ok(ansible.wait(running))
    after = SecurityDescriptor.parse(directory.read_sd(target))
    assert not after.protected
    assert ADMIN_ACE.key() in [ace.key() for ace in after.dacl.aces if not ace.inherited]
    line = [json.loads(l) for l in open(journal) if json.loads(l)["dn"] == target][-1]
    assert "(A;;RP;;;BU)" in line["old_sddl"] and "(A;;RP;;;BU)" in line["new_sddl"]
    entry = next(o for o in result["objects"] if o["dn"] == target)
    assert entry["status"] == "changed" and "planned again" in entry["replanned"]
    assert ansible.run("inheritance", {"search_base": STAFF})["changed"] is False


def test_two_list_runs_adding_different_ids_to_the_same_users(ansible, directory):
    users = directory.dns(STAFF)
    entries = dict((tag, [{"user": dn, "allowed": ["%s%05d" % (tag, i)]}
                          for i, dn in enumerate(users)]) for tag in ("RUNA", "RUNB"))
    runs = [ansible.start("eas_allowed_devices", {"entries": entries[tag]}) for tag in entries]
    for run in runs:
        ok(ansible.wait(run))
    for i, dn in enumerate(users):
        stored = set(v.upper() for v in directory.attribute(dn, ALLOWED) or [])
        assert {"RUNA%05d" % i, "RUNB%05d" % i} <= stored, dn
    for tag in entries:
        assert ansible.run("eas_allowed_devices", {"entries": entries[tag]})["changed"] is False


def test_a_harvest_while_an_admin_edits_the_same_lists(ansible, directory):
    users = directory.dns(STAFF)
    conn = directory.conn
    for dn in users:  # values the admin will take away during the run
        assert conn.modify(dn, {ALLOWED: [(ldap3.MODIFY_ADD, ["OLDADMIN01"])]}), conn.result
    entries = [{"user": dn, "allowed": ["HARVEST%05d" % i]} for i, dn in enumerate(users)]
    running = ansible.start("eas_allowed_devices", {"entries": entries})
    failures = []

    def admin():  # the admin works through the same users by hand, on their own connection
        own = ldap3.Connection(conn.server, conn.user, conn.password, auto_bind=True)
        for dn in users:
            if not own.modify(dn, {ALLOWED: [(ldap3.MODIFY_ADD, ["BYHAND01"]),
                                             (ldap3.MODIFY_DELETE, ["OLDADMIN01"])]}):
                failures.append((dn, own.result))
        own.unbind()
    thread = threading.Thread(target=admin)
    thread.start()
    result = ansible.wait(running)
    thread.join()
    assert not failures
    ok(result)
    for i, dn in enumerate(users):
        stored = set(directory.attribute(dn, ALLOWED) or [])
        assert {"HARVEST%05d" % i, "BYHAND01"} <= stored and "OLDADMIN01" not in stored, dn
    assert ansible.run("eas_allowed_devices", {"entries": entries})["changed"] is False
