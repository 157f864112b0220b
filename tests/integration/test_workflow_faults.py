"""Faults in the workflows: the DC stops in the middle of the rollout's harvest and close and of
the compliance report (the lab script stops it as a task starts) and restarts between stages: the
stage fails with one clear line, close never removes the rule when its plan could not be
completed, a failed report run is marked incomplete, and the next run resumes from the state
file and converges."""

import json
import time

import pytest

from conftest import LAB_OU, STAFF, eas_sync, lab_cli, run_playbook, staged_playbook, user_dn

MODEL = "iPhone16,2"
ENGINEERING = "OU=Engineering,%s" % STAFF
RULE = "CN=%s (DeviceModel),CN=Mobile Mailbox Settings,CN=Lab Org,CN=Microsoft Exchange," \
       "CN=Services,CN=Configuration,DC=lab,DC=example,DC=test" % MODEL.replace(",", "\\,")

pytestmark = pytest.mark.usefixtures("reseeded")


@pytest.fixture(scope="module")
def rollout(tmp_path_factory, lab, directory):
    yield staged_playbook(tmp_path_factory, "device_rollout", "rollout_dir",
                          rollout_name="faults", rollout_models=[MODEL],
                          rollout_search_base=ENGINEERING, rollout_close_scope=ENGINEERING)
    # a test that failed with the DC stopped: up again, and the shared connection with it
    if lab_cli("status", check=False).startswith("stopped"):
        restart(directory)


def stages(rollout):
    return set(rollout.state()["stages"])


def stop_dc():
    lab_cli("down")


def restart(directory):
    lab_cli("up")
    directory.reconnect()


def rule_exists(directory):
    return directory.dns(RULE, "(objectClass=*)") == [RULE]


def test_dc_restarted_between_stages_and_stopped_mid_harvest(rollout, directory):
    ok = rollout(rollout_stage="preflight")
    assert ok.rc == 0, ok.output[-3000:]
    lab_cli("down")  # restarted between stages
    restart(directory)
    opened = rollout(rollout_stage="open")
    assert opened.rc == 0, opened.output[-3000:]
    assert rule_exists(directory)
    for i in (1, 4, 7, 10):
        assert eas_sync([user_dn(i)], device_id="FAULT%04d" % i, model=MODEL)[user_dn(i)][
            "code"] == 0
    start = time.monotonic()
    failed = rollout(rollout_stage="harvest",
                     when_task=("Put their IDs on their owners' allow lists", stop_dc))
    elapsed = time.monotonic() - start
    restart(directory)
    assert failed.rc != 0
    assert "harvest" not in stages(rollout)
    assert "unavailable (52)" in failed.output or "cannot reach" in failed.output
    assert elapsed < 120
    resumed = rollout(rollout_stage="harvest")
    assert resumed.rc == 0, resumed.output[-3000:]
    assert "harvest" in stages(rollout)
    for i in (1, 4, 7, 10):
        assert "FAULT%04d" % i in (directory.attribute(user_dn(i),
                                                       "msExchMobileAllowedDeviceIDs") or [])


def test_close_with_the_dc_stopped_mid_plan_keeps_the_rule_then_converges(rollout, directory):
    failed = rollout(rollout_stage="close",
                     when_task=("Plan the removal; refuse if any device would lose access",
                                stop_dc))
    restart(directory)
    assert failed.rc != 0
    assert rule_exists(directory)  # the plan did not complete: the rule stays
    assert "close" not in stages(rollout)
    closed = rollout(rollout_stage="close")
    assert closed.rc == 0, closed.output[-3000:]
    assert not rule_exists(directory)
    verified = rollout(rollout_stage="verify")
    assert verified.rc == 0, verified.output[-3000:]
    again = rollout()
    assert again.rc == 0 and again.recap()["changed"] == 0, again.output[-3000:]


def test_compliance_report_with_the_dc_stopped_mid_run_is_marked_incomplete(tmp_path,
                                                                            directory):
    report = tmp_path / "report"
    args = {"search_base": LAB_OU, "report_dir": str(report)}
    failed = run_playbook("compliance_report", args, check=True,
                          when_task=("Read the directory once and write the reports", stop_dc))
    restart(directory)
    assert failed.rc != 0
    marker = json.loads((report / "INCOMPLETE.json").read_text())
    assert marker["complete"] is False
    assert sorted(p.name for p in report.iterdir()) == ["INCOMPLETE.json"]  # no report written
    done = run_playbook("compliance_report", args, check=True)
    assert done.rc == 0, done.output[-3000:]
    # the run that completes keeps its history; the one that failed added none
    assert sorted(p.name for p in report.iterdir()) == ["history", "report.html", "report.json",
                                                        "report.md", "users.csv"]
    assert len(list((report / "history").iterdir())) == 1
    assert json.loads((report / "report.json").read_text())["summary"]
