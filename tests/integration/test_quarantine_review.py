"""The quarantine review, run as users (and AWX surveys) run it: playbooks/quarantine_review.yml
on the lab's OU=Staff, where the seed's Quarantine default holds u00001's iPad13,4, u00011's,
u00031's and u00046's Pixel 8 in quarantine and u00016's and u00031's unknown iPhones in
discovery."""

import json
import os

import ldap3
import pytest

from conftest import ROOT, STAFF, run_playbook, user_dn

IPAD_1 = "A53689DDAA7CBC989BA4FBD19C3FD87C"
PIXEL_31 = "2CA6C1DC174A9BEE9D4A2E29626A0897"
NEW_31 = "65A14A1FC4584BC1B8227281B2169988"  # in discovery
PIXEL_46 = "A4DA68359E3F280269550AB351EC6A53"
NEW_16 = "668D2021E9BF3A3EBE8892C2A6F97F42"  # in discovery
UNDER_REVIEW = {IPAD_1, PIXEL_31, NEW_31, PIXEL_46, NEW_16, "30DB2352231CFA617F322DE34FF0F66E"}

pytestmark = pytest.mark.usefixtures("reseeded")


def review(tmp_path, **extra):
    args = {"search_base": STAFF, "review_dir": str(tmp_path)}
    args.update(extra)
    run = run_playbook("quarantine_review", args)
    run.review = (json.loads((tmp_path / "review.json").read_text())
                  if (tmp_path / "review.json").exists() else None)
    return run


def lists(directory, number):
    return dict((which, sorted(directory.attribute(user_dn(number), attribute) or []))
                for which, attribute in (("allowed", "msExchMobileAllowedDeviceIDs"),
                                         ("blocked", "msExchMobileBlockedDeviceIDs")))


def test_the_survey_asks_what_the_playbook_reads():
    with open(os.path.join(ROOT, "docs", "awx", "quarantine_review.survey.json")) as fh:
        survey = json.load(fh)
    with open(os.path.join(ROOT, "playbooks", "quarantine_review.yml")) as fh:
        playbook = fh.read()
    names = [q["variable"] for q in survey["spec"]]
    assert names == ["search_base", "to_allow", "to_block", "apply", "on_conflict"]
    for name in names:
        assert "{{ %s " % name in playbook or "(%s " % name in playbook, name


def test_a_rehearsal_lists_and_plans_and_writes_nothing(tmp_path, directory):
    before = dict((n, lists(directory, n)) for n in (1, 16, 31))
    run = review(tmp_path, to_allow="%s\nu00031\n" % IPAD_1, to_block="LAB\\u00016")  # survey form
    assert run.rc == 0, run.output[-3000:]
    assert "6 devices in quarantine or discovery; 3 approved, 1 blocked (rehearsal, nothing written" \
        in run.output
    assert set(d["device_id"] for d in run.review["devices"]) == UNDER_REVIEW
    assert dict((n, lists(directory, n)) for n in (1, 16, 31)) == before
    report = (tmp_path / "review.md").read_text()
    assert "# Quarantine review (rehearsal, nothing written)" in report
    assert "| approve | u00001 |" in report and "| block | u00016 |" in report


def test_approve_and_block_in_one_run_then_again_changes_nothing(tmp_path, directory):
    decisions = dict(to_allow=[IPAD_1, "u00031@lab.example.test"], to_block=[user_dn(16)], apply=True)
    run = review(tmp_path, **decisions)
    assert run.rc == 0, run.output[-3000:]
    assert "3 approved, 1 blocked (written: 3 of 3 users changed" in run.output
    assert IPAD_1 in lists(directory, 1)["allowed"]
    assert sorted([PIXEL_31, NEW_31]) == sorted(set(lists(directory, 31)["allowed"])
                                                & {PIXEL_31, NEW_31})
    assert NEW_16 in lists(directory, 16)["blocked"]
    assert PIXEL_46 not in lists(directory, 46)["allowed"]
    again = review(tmp_path, **decisions)
    assert again.rc == 0, again.output[-3000:]
    assert again.recap()["changed"] == 0
    assert "0 of 3 users changed, 3 already right" in again.output


def test_conflicts_are_caught_with_nothing_written(tmp_path, directory):
    both = review(tmp_path, to_allow=[PIXEL_46], to_block=[PIXEL_46], apply=True)
    assert both.rc == 2 and "requested for both the allowed and the blocked list" in both.output
    assert PIXEL_46.lower() in both.output.lower()
    assert PIXEL_46 not in lists(directory, 46)["allowed"] + lists(directory, 46)["blocked"]
    # u00016's discovery iPhone was blocked above: approving it now conflicts with the block list
    other_list = review(tmp_path, to_allow=[NEW_16, PIXEL_46], apply=True)
    assert other_list.rc == 2 and NEW_16.lower() in other_list.output.lower()
    assert PIXEL_46 not in lists(directory, 46)["allowed"]  # nothing written, not even this one
    assert NEW_16 not in lists(directory, 16)["allowed"]


def test_unknown_users_and_device_ids_fail_naming_them(tmp_path, directory):
    run = review(tmp_path, to_allow=["nosuchuser", PIXEL_46], to_block=["NOSUCHDEVICE0001"],
                 apply=True)
    assert run.rc == 2
    assert "2 decisions match no quarantined or discovery device in scope (neither its device " \
           "ID nor its owner): nosuchuser; NOSUCHDEVICE0001; nothing was written" in run.output
    assert PIXEL_46 not in lists(directory, 46)["allowed"]


def test_an_allowed_device_is_not_under_review(tmp_path):
    # u00001's iPhone15,2 is Allowed by a rule: approving it is a mistake, named as one
    run = review(tmp_path, to_allow=["A8377F1C922A29F8597053036D369D44"], apply=True)
    assert run.rc == 2 and "A8377F1C922A29F8597053036D369D44" in run.output


def test_an_empty_survey_only_lists(tmp_path):
    run = review(tmp_path, to_allow="", to_block="", apply="no")
    assert run.rc == 0, run.output[-3000:]
    assert "0 approved, 0 blocked" in run.output and run.recap()["changed"] == 0


SPOOF = "U00046"  # a phone of u00001's registered under the DeviceId of user u00046's name
EVIL_MODEL = "![x](https://host/b.png)\r| injected |"  # a phone sets its own model


@pytest.fixture
def spoofed(directory):
    """u00001's quarantined phone whose DeviceId is u00046's sAMAccountName (a phone picks it)."""
    dn = "CN=iPhone\u00a7%s,CN=ExchangeActiveSyncDevices,%s" % (SPOOF, user_dn(1))
    assert directory.conn.add(dn, ["top", "msExchActiveSyncDevice"], {
        "msExchDeviceID": SPOOF, "msExchDeviceType": "iPhone", "msExchDeviceModel": EVIL_MODEL,
        "msExchDeviceAccessState": "3", "msExchDeviceAccessStateReason": "4"}), \
        directory.conn.result
    try:
        yield dn
    finally:
        directory.conn.delete(dn)
        for attribute in ("msExchMobileAllowedDeviceIDs", "msExchMobileBlockedDeviceIDs"):
            if SPOOF in (directory.attribute(user_dn(1), attribute) or []):
                directory.conn.modify(user_dn(1), {attribute: [(ldap3.MODIFY_DELETE, [SPOOF])]})


def test_a_phone_named_after_a_user_is_refused_until_a_prefix_says_which(tmp_path, directory,
                                                                         spoofed):
    before = dict((n, lists(directory, n)) for n in (1, 46))
    run = review(tmp_path, to_allow=["u00046"], apply=True)
    assert run.rc == 2, run.output[-3000:]
    assert "1 decisions refused: approve item 'u00046' is ambiguous: it is the device ID " \
           "U00046 (" in run.output
    assert "owner %s) and the user %s; write device:u00046 or user:u00046; nothing was " \
           "written" % (user_dn(1), user_dn(46)) in run.output
    assert dict((n, lists(directory, n)) for n in (1, 46)) == before
    # user: is the user's devices, device: the device, whatever else they could name
    run = review(tmp_path, to_allow=["user:u00046"], to_block=["device:%s" % SPOOF.lower()],
                 apply=True)
    assert run.rc == 0, run.output[-3000:]
    assert "1 approved, 1 blocked (written: 2 of 2 users changed" in run.output
    assert PIXEL_46 in lists(directory, 46)["allowed"]
    assert SPOOF not in lists(directory, 46)["allowed"] + lists(directory, 1)["allowed"]
    assert SPOOF in lists(directory, 1)["blocked"]
    # its model is one inert cell of the review: no image, no row split, no extra cell
    report = (tmp_path / "review.md").read_text()
    assert "![x](" not in report and "\r" not in report
    row = next(line for line in report.splitlines() if "injected" in line)
    assert "| \\!\\[x\\](https\\://host/b.png) \\| injected \\| |" in row


def test_domain_sam_of_another_domain_writes_nothing(tmp_path, directory):
    run = review(tmp_path, to_allow=["OTHERDOM\\u00046"], apply=True)
    assert run.rc == 2
    assert "domain OTHERDOM is not this DC's domain LAB (lab.example.test)" in run.output
    assert PIXEL_46 not in lists(directory, 46)["allowed"]


@pytest.fixture(autouse=True)
def _fresh_lists_after(directory):
    yield
    # each test leaves u00046's list as the seed made it (an empty allow list)
    if PIXEL_46 in (directory.attribute(user_dn(46), "msExchMobileAllowedDeviceIDs") or []):
        directory.conn.modify(user_dn(46), {"msExchMobileAllowedDeviceIDs": [
            (ldap3.MODIFY_DELETE, [PIXEL_46])]})
