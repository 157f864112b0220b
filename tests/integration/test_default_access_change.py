"""The default access level change, run as users run it (playbooks/default_access_change.yml)
on the lab: Allow -> Quarantine over OU=Staff without cutting anyone off.

The lab's organization starts at Quarantine; the module fixture sets it to Allow (as
Administrator, with plain ldap3), so three seeded devices that no rule and no list decides are
Allowed by the default and would be quarantined by the change: u00001's iPad13,4, u00031's and
u00046's Pixel 8. u00046's Pixel is the one the admin lets go."""

import json

import ldap3
import pytest

from conftest import STAFF, eas_sync, run_playbook, staged_playbook, user_dn

MOBILE = "CN=Mobile Mailbox Settings,CN=Lab Org,CN=Microsoft Exchange,CN=Services," \
         "CN=Configuration,DC=lab,DC=example,DC=test"
IPAD_1 = "A53689DDAA7CBC989BA4FBD19C3FD87C"
PIXEL_31 = "2CA6C1DC174A9BEE9D4A2E29626A0897"
PIXEL_46 = "A4DA68359E3F280269550AB351EC6A53"  # let go
LEVELS = {"0": "Allow", "1": "Block", "2": "Quarantine"}

pytestmark = pytest.mark.usefixtures("reseeded")


@pytest.fixture(scope="module", autouse=True)
def default_allow(reseeded, directory):
    before = directory.attribute(MOBILE, "msExchMobileAccessControl")
    assert directory.conn.modify(MOBILE, {"msExchMobileAccessControl": [
        (ldap3.MODIFY_REPLACE, ["0"])]}), directory.conn.result
    yield
    # the organization's default as it was read (the reseed after the module makes it again too)
    assert directory.conn.modify(MOBILE, {"msExchMobileAccessControl": [
        (ldap3.MODIFY_REPLACE, before if isinstance(before, list) else [str(before)])]}), \
        directory.conn.result


@pytest.fixture(scope="module")
def change(tmp_path_factory):
    return staged_playbook(tmp_path_factory, "default_access_change", "change_dir",
                           access_level="Quarantine", search_base=STAFF)


def state(change):
    return change.state()


def default_level(directory):
    value = directory.attribute(MOBILE, "msExchMobileAccessControl")
    return LEVELS[str(value[0] if isinstance(value, list) else value)]


def allowed(directory, number):
    return [v.upper() for v in directory.attribute(user_dn(number), "msExchMobileAllowedDeviceIDs")
            or []]


def test_bad_input_fails_with_one_line_and_writes_nothing(tmp_path, directory):
    unknown = run_playbook("default_access_change", {
        "access_level": "Quarantine", "search_base": STAFF, "change_dir": str(tmp_path / "a"),
        "let_go": ["NOSUCHDEVICE0001", PIXEL_46]})
    assert unknown.rc == 2
    assert "names device IDs on no partnership in scope: NOSUCHDEVICE0001" in unknown.output
    nowhere = run_playbook("default_access_change", {
        "access_level": "Quarantine", "search_base": "OU=Nowhere,%s" % STAFF,
        "change_dir": str(tmp_path / "b")})
    assert nowhere.rc == 2 and "OU=Nowhere" in nowhere.output
    assert "noSuchObject" in nowhere.output or "32" in nowhere.output
    level = run_playbook("default_access_change", {"access_level": "Sometimes",
                                                   "change_dir": str(tmp_path / "c")})
    assert level.rc == 2 and "set access_level to Allow, Block or Quarantine" in level.output
    assert default_level(directory) == "Allow"


def test_protect_off_stops_naming_every_device(change, directory):
    stopped = change(protect=False)
    assert stopped.rc == 2, stopped.output[-3000:]
    assert "3 devices would lose access when the default goes to Quarantine and " \
           "default_access_change_protect is false" in stopped.output
    for owner, device in (("u00001", IPAD_1), ("u00031", PIXEL_31), ("u00046", PIXEL_46)):
        assert "%s %s" % (owner, device) in stopped.output
    assert default_level(directory) == "Allow"
    assert IPAD_1 not in allowed(directory, 1)
    assert set(state(change)["stages"]) == {"plan"}  # plan is done, protect is not


def test_switch_needs_protect_first(change, directory):
    early = change(change_stage="switch")
    assert early.rc == 2 and "stage switch needs stage protect first" in early.output
    assert default_level(directory) == "Allow"


def test_rehearsal_plans_every_stage_and_writes_nothing(change, directory):
    before = (change.dir / "state.json").read_text()
    rehearsal = change(check=True, let_go=[PIXEL_46.lower()])  # IDs compare case-insensitively
    assert rehearsal.rc == 0, rehearsal.output[-3000:]
    assert "2 device IDs put on their owners' allow lists now" in rehearsal.output
    assert "default access Quarantine verified" in rehearsal.output
    assert "none lost access, 1 let go" in rehearsal.output
    assert (change.dir / "state.json").read_text() == before
    assert default_level(directory) == "Allow"
    assert IPAD_1 not in allowed(directory, 1) and PIXEL_31 not in allowed(directory, 31)
    assert "(rehearsal, nothing written)" in (change.dir / "report.md").read_text()


def test_protect_then_a_phone_connects_and_switch_refuses_then_the_rerun_resumes(change, directory):
    protected = change(change_stage="protect", let_go=[PIXEL_46])
    assert protected.rc == 0, protected.output[-3000:]
    assert IPAD_1 in allowed(directory, 1) and PIXEL_31 in allowed(directory, 31)
    assert PIXEL_46 not in allowed(directory, 46)
    result = eas_sync([user_dn(4)], device_id="NEWPIXEL0004", model="Pixel 8")[user_dn(4)]
    assert result["code"] == 0, result
    refused = change(change_stage="switch", let_go=[PIXEL_46])
    assert refused.rc == 2
    assert "1 devices would still lose access (connected since protect?): u00004 NEWPIXEL0004" \
        in refused.output
    assert default_level(directory) == "Allow"
    resumed = change(let_go=[PIXEL_46])  # all: protect again (switch is not done), switch, verify
    assert resumed.rc == 0, resumed.output[-3000:]
    assert default_level(directory) == "Quarantine"
    assert "NEWPIXEL0004" in allowed(directory, 4)
    assert "none lost access, 1 let go" in resumed.output
    stages = state(change)["stages"]
    assert set(stages) == {"plan", "protect", "switch", "verify"}
    assert stages["switch"]["from"] == "Allow" and stages["switch"]["to"] == "Quarantine"
    assert sorted(d["device_id"] for d in stages["protect"]["protected"]) == sorted(
        [IPAD_1, PIXEL_31, "NEWPIXEL0004"])
    assert [d["device_id"] for d in stages["verify"]["let_go"]] == [PIXEL_46]
    assert stages["verify"]["let_go"][0]["state"] == "Quarantined"
    report = (change.dir / "report.md").read_text()
    assert "| u00046 | %s | Pixel 8 | Quarantined |" % PIXEL_46 in report
    assert "| u00004 | NEWPIXEL0004 |" in report
    assert json.loads((change.dir / "report.json").read_text())["verify"]["lost"] == []


def test_a_second_full_run_changes_nothing(change):
    again = change(let_go=[PIXEL_46])
    assert again.rc == 0, again.output[-3000:]
    assert again.recap()["changed"] == 0
    assert "none lost access" in again.output


def test_verify_catches_a_device_that_lost_access(change, directory):
    assert directory.conn.modify(user_dn(4), {"msExchMobileAllowedDeviceIDs": [
        (ldap3.MODIFY_DELETE, ["NEWPIXEL0004"])]})
    caught = change(change_stage="verify", let_go=[PIXEL_46])
    assert caught.rc == 2
    assert "1 devices Allowed before the switch are not now" in caught.output
    assert "NEWPIXEL0004" in caught.output
