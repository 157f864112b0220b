"""The DC goes away in the middle of a bulk write: the module stops, says which objects it did
not attempt, leaves no object half-written, and a re-run after the DC is back finishes the job."""

import json
import os
import time

import pytest

from conftest import STAFF, Ansible, lab_cli

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)

USERS = 300
ALLOWED = "msExchMobileAllowedDeviceIDs"


@pytest.fixture(scope="module")
def big_lab(lab, directory):
    lab_cli("seed", "--size", str(USERS))
    directory.reconnect()
    yield lab
    lab_cli("up")  # in case a test left it stopped
    lab_cli("seed")
    directory.reconnect()


def protected_count(directory, dns):
    return sum(SecurityDescriptor.parse(directory.read_sd(dn)).protected for dn in dns)


def test_dc_down_mid_run_stops_cleanly_and_a_rerun_finishes(big_lab, ansible, directory,
                                                            tmp_path):
    users = directory.dns(STAFF)
    assert len(users) == USERS
    disabled = ansible.run("inheritance", {"search_base": STAFF, "state": "disabled"})
    assert not disabled.get("failed"), disabled.get("msg")
    assert protected_count(directory, users) == USERS

    journal = str(tmp_path / "journal.jsonl")
    running = ansible.start("inheritance", {"search_base": STAFF, "journal": journal})
    deadline = time.time() + 120
    while time.time() < deadline:  # stop the DC once a few dozen writes are through
        if os.path.exists(journal) and len(open(journal).readlines()) >= 30:
            break
        time.sleep(0.02)
    lab_cli("down")
    result = ansible.wait(running)
    lab_cli("up")
    directory.reconnect()

    assert result["failed"]
    assert "unreachable" in result["msg"] and "not attempted" in result["msg"]
    counts = result["counts"]
    assert 30 <= counts["changed"] < USERS
    # the one in flight may have been written and then lost its verify: changed and failed
    both = [o for o in result["objects"] if o["status"] == "failed" and o.get("changed")]
    assert len(both) <= 1
    assert counts["changed"] + counts["failed"] - len(both) == USERS
    not_attempted = [o for o in result["objects"] if o.get("error", "").startswith("not attempted")]
    assert len(not_attempted) == counts["failed"] - 1  # the one in flight failed for real
    # every object is either as it was or fixed; the one in flight may have reached the DC
    fixed = USERS - protected_count(directory, users)
    assert fixed in (counts["changed"], counts["changed"] + 1)
    # the journal holds a line for every write that may have happened (the one in flight has
    # one unless the DC went while it was read again before its write)
    lines = [json.loads(line) for line in open(journal)]
    assert len(lines) - (counts["changed"] - len(both)) in (0, 1) and len(lines) >= fixed

    rerun = ansible.run("inheritance", {"search_base": STAFF})
    assert not rerun.get("failed"), rerun.get("msg")
    assert rerun["counts"]["changed"] == USERS - fixed
    assert protected_count(directory, users) == 0
    assert ansible.run("inheritance", {"search_base": STAFF})["changed"] is False


def stop_dc_when(running, ready, directory):
    """Stop the DC once ready() says the run is well under way; its result, after the DC is
    back."""
    deadline = time.time() + 120
    while time.time() < deadline and not ready():
        time.sleep(0.05)
    lab_cli("down")
    result = Ansible.wait(running)
    lab_cli("up")
    directory.reconnect()
    return result


def allowed_count(directory, tag):
    directory.conn.search(STAFF, "(msExchMobileAllowedDeviceIDs=%s*)" % tag, attributes=["1.1"])
    return sum(1 for item in directory.conn.response if item["type"] == "searchResEntry")


def test_dc_down_mid_list_edit_over_300_users_then_the_rerun_converges(big_lab, ansible,
                                                                       directory):
    import ldap3
    users = directory.dns(STAFF)
    assert len(users) == USERS
    for dn in users[::7]:  # someone else's values on some of them, which must survive
        assert directory.conn.modify(dn, {ALLOWED: [(ldap3.MODIFY_ADD, ["KEEPME01"])]})
    entries = [{"user": dn, "allowed": ["DOWN%05d" % i]} for i, dn in enumerate(users)]
    running = ansible.start("eas_allowed_devices", {"entries": entries})
    result = stop_dc_when(running, lambda: allowed_count(directory, "DOWN") >= 30, directory)

    assert result["failed"] and "\n" not in result["msg"]
    assert "unreachable" in result["msg"] and "not attempted" in result["msg"]
    counts = result["counts"]
    assert 30 <= counts["changed"] < USERS
    done = allowed_count(directory, "DOWN")
    assert done in (counts["changed"], counts["changed"] + 1)  # + the one in flight

    rerun = ansible.run("eas_allowed_devices", {"entries": entries})
    assert not rerun.get("failed"), rerun.get("msg")
    assert rerun["counts"]["changed"] == USERS - done
    assert allowed_count(directory, "DOWN") == USERS
    assert allowed_count(directory, "KEEPME") == len(users[::7])  # nothing of theirs lost
    assert ansible.run("eas_allowed_devices", {"entries": entries})["changed"] is False
    ansible.run("eas_allowed_devices", {"state": "absent", "entries": entries})


def test_dc_down_mid_rollback_then_the_rerun_converges(big_lab, ansible, directory, tmp_path):
    users = directory.dns(STAFF)
    journal = str(tmp_path / "journal.jsonl")
    fixed = ansible.run("inheritance", {"search_base": STAFF})  # whatever an earlier test left
    assert not fixed.get("failed"), fixed.get("msg")
    assert protected_count(directory, users) == 0
    broke = ansible.run("inheritance", {"search_base": STAFF, "state": "disabled",
                                        "journal": journal})
    assert not broke.get("failed"), broke.get("msg")
    assert protected_count(directory, users) == USERS
    running = ansible.start("inheritance_rollback", {"journal": journal})
    result = stop_dc_when(running, lambda: protected_count(directory, users[:40]) <= 20,
                          directory)
    assert result["failed"] and "\n" not in result["msg"]
    restored = USERS - protected_count(directory, users)
    assert 0 < restored < USERS
    rerun = ansible.run("inheritance_rollback", {"journal": journal})
    assert not rerun.get("failed"), rerun.get("msg")
    assert protected_count(directory, users) == 0
    assert ansible.run("inheritance_rollback", {"journal": journal})["changed"] is False
