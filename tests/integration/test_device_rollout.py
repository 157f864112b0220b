"""The staged device rollout, run as users run it (playbooks/device_rollout.yml) on the lab:
stage by stage with the EAS sync stand-in connecting phones between open and harvest, a close
that refuses because a phone connected after the harvest, the resume that fixes it, and a second
full run that changes nothing.

The rollout users are OU=Engineering (users i % 3 == 1, among them u00007 whose inheritance is
off with the inherited ACEs removed, so Exchange cannot create his device container)."""

import re

import pytest

from conftest import STAFF, eas_sync, run_playbook, staged_playbook, user_dn

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)

ENGINEERING = "OU=Engineering,%s" % STAFF
MODEL = "iPhone16,1"
SETTINGS = "CN=Mobile Mailbox Settings,CN=Lab Org,CN=Microsoft Exchange,CN=Services," \
           "CN=Configuration,DC=lab,DC=example,DC=test"
RULE = "CN=%s (DeviceModel),%s" % (MODEL.replace(",", "\\,"), SETTINGS)

pytestmark = pytest.mark.usefixtures("reseeded")


@pytest.fixture(scope="module")
def rollout(tmp_path_factory):
    return staged_playbook(tmp_path_factory, "device_rollout", "rollout_dir",
                           rollout_name="pilot", rollout_models=[MODEL],
                           rollout_search_base=ENGINEERING, rollout_close_search_base=STAFF)


def state(rollout):
    return rollout.state()


def connect(dn, device_id):
    """A phone of the rollout model syncs; Exchange lets it in under the rule (Allowed,
    DeviceRule), as the stand-in records it."""
    result = eas_sync([dn], device_id=device_id, model=MODEL)[dn]
    assert result["code"] == 0, result
    return result


def allowed(directory, dn):
    return directory.attribute(dn, "msExchMobileAllowedDeviceIDs") or []


def test_users_by_group_or_list_and_protected_ones_are_left_out(tmp_path):
    """A group selects its nested members; a protected member is excluded, not blocking."""
    by_group = run_playbook("device_rollout", {
        "rollout_name": "admins", "rollout_models": [MODEL], "rollout_dir": str(tmp_path / "g"),
        "rollout_search_base": "OU=Lab,DC=lab,DC=example,DC=test", "rollout_stage": "preflight",
        "rollout_group": "CN=Domain Admins,CN=Users,DC=lab,DC=example,DC=test"}, check=True)
    assert by_group.rc == 0, by_group.output[-3000:]
    excluded = re.search(r"(\d+) rollout users are excluded \(protected or orphaned\): ([^\"]*)",
                         by_group.output)
    assert excluded.group(1) == "3"  # adm-nested is in Domain Admins through Tier0 Admins
    assert sorted(excluded.group(2).strip().split(", ")) == ["adm-direct", "adm-nested",
                                                             "adm-unmarked"]
    by_list = run_playbook("device_rollout", {
        "rollout_name": "one", "rollout_models": [MODEL], "rollout_dir": str(tmp_path / "l"),
        "rollout_users": [user_dn(47)], "rollout_stage": "preflight",
        "rollout_fix_inheritance": False})
    assert by_list.rc == 2 and "1 rollout users still lack" in by_list.output
    assert "u00047" in by_list.output


def test_a_whole_rollout_of_a_model_without_a_rule_is_rehearsed(tmp_path, directory):
    """--check of every stage: close plans the removal of the rule open would have made
    (check mode made none) instead of failing that there is no such rule; nothing written."""
    rules = directory.dns(SETTINGS, "(objectClass=msExchDeviceAccessRule)")
    rehearsal = run_playbook("device_rollout", {
        "rollout_name": "rehearsal", "rollout_models": ["Rehears\u00e9 9,1"],
        "output_dir": str(tmp_path), "rollout_search_base": ENGINEERING,
        "rollout_close_search_base": STAFF}, check=True)
    assert rehearsal.rc == 0, rehearsal.output[-3000:]
    assert "no device access rule" not in rehearsal.output
    assert directory.dns(SETTINGS, "(objectClass=msExchDeviceAccessRule)") == rules
    assert not (tmp_path / "state.json").exists()


def test_preflight_refuses_without_the_fix_then_fixes(rollout, directory):
    refused = rollout(rollout_stage="preflight", rollout_fix_inheritance=False)
    assert refused.rc == 2
    assert "1 rollout users still lack the Exchange Servers right" in refused.output
    assert "u00007" in refused.output
    rehearsal = rollout(rollout_stage="preflight", check=True)
    assert rehearsal.rc == 0, rehearsal.output[-3000:]
    assert not (rollout.dir / "state.json").exists()  # a rehearsal finishes nothing
    done = rollout(rollout_stage="preflight")
    assert done.rc == 0, done.output[-3000:]
    assert not SecurityDescriptor.parse(directory.read_sd(user_dn(7))).protected
    assert state(rollout)["stages"]["preflight"]["inheritance_fixed"] == 1


def test_stages_need_their_predecessors(rollout):
    early = rollout(rollout_stage="harvest")
    assert early.rc == 2 and "stage harvest needs stage open first" in early.output


def test_open_then_phones_connect_then_harvest(rollout, directory):
    opened = rollout(rollout_stage="open")
    assert opened.rc == 0, opened.output[-3000:]
    assert directory.dns(RULE, "(objectClass=*)") == [RULE]
    connect(user_dn(1), "PILOT0001")
    connect(user_dn(7), "PILOT0007")  # could not get a container before preflight's fix
    # A rehearsal of the rest: close's plan starts from the allow lists harvest would write,
    # so the two phones are not reported as losing access, and nothing is written.
    rehearsal = rollout(check=True)
    assert rehearsal.rc == 0, rehearsal.output[-3000:]
    assert "devices would lose access: " not in rehearsal.output
    assert "PILOT0001" not in allowed(directory, user_dn(1))
    assert directory.dns(RULE, "(objectClass=*)") == [RULE]
    assert "harvest" not in state(rollout)["stages"]
    harvested = rollout(tags="harvest")
    assert harvested.rc == 0, harvested.output[-3000:]
    assert "2 device IDs added to allow lists now" in harvested.output
    assert "PILOT0001" in allowed(directory, user_dn(1))
    assert "PILOT0007" in allowed(directory, user_dn(7))
    assert "u00004" in state(rollout)["stages"]["harvest"]["without_device"]


def test_close_refuses_while_a_phone_would_lose_access_and_the_rerun_resumes(rollout, directory):
    connect(user_dn(10), "LATE0010")  # a rollout user, connected after the harvest
    connect(user_dn(3), "OUTSIDE0003")  # Sales: not in the rollout, in the close scope (Staff)
    refused = rollout(rollout_stage="close")
    assert refused.rc == 2
    assert "2 devices would lose access: " in refused.output
    assert "u00010 LATE0010 (%s) Allowed -> Quarantined" % MODEL in refused.output
    assert "u00003 OUTSIDE0003 (%s) Allowed -> Quarantined" % MODEL in refused.output
    assert directory.dns(RULE, "(objectClass=*)") == [RULE]  # the rule is still there
    assert "close" not in state(rollout)["stages"]
    resumed = rollout()  # all: harvest again (close is not done), then close refuses again
    assert resumed.rc == 2
    assert "LATE0010" in allowed(directory, user_dn(10))
    assert "OUTSIDE0003" not in allowed(directory, user_dn(3))
    assert "1 devices would lose access: u00003 OUTSIDE0003" in resumed.output
    forced = rollout(rollout_force_close=True)  # the admin decides the outsider drops back
    assert forced.rc == 0, forced.output[-3000:]
    assert directory.dns(RULE, "(objectClass=*)") == []
    stages = state(rollout)["stages"]
    assert set(stages) == {"preflight", "open", "harvest", "close", "verify"}
    assert stages["close"]["lost_by_force_owners"] == ["u00003"]
    assert stages["verify"]["moved"] == [] and stages["verify"]["devices"] == 3
    report = (rollout.dir / "report.md").read_text()
    assert "| u00010 | LATE0010 | %s |" % MODEL in report
    assert "lost access by force: u00003" in report


def test_a_second_full_run_changes_nothing(rollout):
    again = rollout()
    assert again.rc == 0, again.output[-3000:]
    assert again.recap()["changed"] == 0
    assert "rollout pilot verified: 3 devices of rollout users, none changed state" in again.output


def test_verify_catches_a_device_that_lost_access(rollout, directory):
    import ldap3
    assert directory.conn.modify(user_dn(10), {"msExchMobileAllowedDeviceIDs": [
        (ldap3.MODIFY_DELETE, ["LATE0010"])]})
    caught = rollout(rollout_stage="verify")
    assert caught.rc == 2
    assert "1 devices of rollout users changed state since close" in caught.output
    assert "LATE0010" in caught.output
