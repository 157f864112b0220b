"""The DACL write engine against a directory in memory: journal line before the modify, one
modify per object, re-read and verify, fail_fast, and a DC lost in the middle of a run."""

import json
import uuid

import pytest

from fakes import DOMAIN_NC, FakeDirectory, SDDL, sd_bytes

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, write_all)
from ansible_collections.adremedy.directory.plugins.module_utils._run._dacl_changes import (
    Change, DaclWriter, ordered_key)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    read_descriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import (
    Journal, read_journal)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    enable_inheritance)

USERS = ["CN=User %d,OU=Staff,%s" % (number, DOMAIN_NC) for number in range(1, 5)]


@pytest.fixture
def directory():
    directory = FakeDirectory()
    for dn in USERS:
        directory.add_user(dn)
    return directory


def plan(directory, dns=USERS):
    changes = []
    for dn in dns:
        _entry, sd = read_descriptor(directory, dn)
        changes.append(Change(dn, sd, enable_inheritance(sd)[0], "enable"))
    return changes


def statuses(outcome):
    return [(o["dn"], o["status"]) for o in outcome.objects]


def test_each_object_is_journalled_then_written_once_and_verified(directory, tmp_path):
    path = str(tmp_path / "j.jsonl")
    journal = Journal(path, "S-1-5-21-1-2-3")
    written = []
    directory.tamper = dict((dn.lower(), lambda attrs, dn=dn: written.append(
        (dn, len(read_journal(path))))) for dn in USERS)
    outcome = Outcome()
    with journal:
        write_all(DaclWriter(directory, SDDL, diff=True), plan(directory), outcome,
                  journal=journal)
    assert statuses(outcome) == [(dn, "changed") for dn in USERS]
    # the journal had the object's line before its modify reached the directory
    assert written == [(dn, number) for number, dn in enumerate(USERS, 1)]
    assert [dn for dn, _changes in directory.modifies] == USERS
    assert all(list(changes) == ["nTSecurityDescriptor"] for _dn, changes in directory.modifies)
    lines = [json.loads(line) for line in open(path)]
    assert [line["dn"] for line in lines] == USERS
    assert lines[0]["new_sddl"].startswith("O:DAG:DUD:AI")
    assert [d["before_header"] for d in outcome.diffs] == USERS


def test_check_mode_reports_the_same_objects_and_writes_nothing(directory):
    outcome = Outcome()
    write_all(DaclWriter(directory, SDDL, diff=True), plan(directory), outcome, check_mode=True)
    assert statuses(outcome) == [(dn, "changed") for dn in USERS]
    assert directory.modifies == []
    assert "ACEs inherited from the parent" in outcome.diffs[0]["after"]


def test_a_read_back_that_differs_fails_that_object_and_the_run_goes_on(directory):
    def another_writer(attrs):
        attrs["ntsecuritydescriptor"] = [sd_bytes("O:DAG:DUD:PAI(A;;RP;;;WD)")]
    directory.tamper = {USERS[1].lower(): another_writer}
    outcome = Outcome()
    write_all(DaclWriter(directory, SDDL), plan(directory), outcome)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "failed"),
                                 (USERS[2], "changed"), (USERS[3], "changed")]
    # the write went through, its verify did not: changed and failed, the step named
    assert outcome.objects[1]["changed"] is True and outcome.objects[1]["step"] == "verify"
    assert outcome.objects[1]["error"].startswith(
        "the DACL write (enable) succeeded, then verify failed: verify %s failed: the DACL read "
        "back differs" % USERS[1])
    assert outcome.counts["changed"] == 4 and outcome.counts["failed"] == 1
    result, failed = outcome.report()
    assert failed and result["changed"] is True
    assert "first failure: the DACL write (enable) succeeded, then verify" in result["msg"]


def test_fail_fast_stops_at_the_first_failure(directory):
    directory.fail = {USERS[1].lower(): LdapError(
        "modify %s failed: insufficientAccessRights (50)" % USERS[1], code=50)}
    outcome = Outcome()
    write_all(DaclWriter(directory, SDDL), plan(directory), outcome, fail_fast=True)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "failed")]
    assert outcome.objects[1]["ldap_code"] == 50
    assert outcome.stopped == "fail_fast after the first failure"
    assert [dn for dn, _changes in directory.modifies] == [USERS[0]]


def test_a_dc_lost_mid_run_stops_and_names_what_was_not_attempted(directory, tmp_path):
    path = str(tmp_path / "j.jsonl")
    directory.lose_after = 2
    outcome = Outcome()
    with Journal(path, "S-1-5-21-1-2-3") as journal:
        write_all(DaclWriter(directory, SDDL), plan(directory), outcome, journal=journal)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "changed"),
                                 (USERS[2], "failed"), (USERS[3], "failed")]
    assert outcome.objects[2]["ldap_code"] == 52
    assert outcome.objects[3]["error"].startswith("not attempted: the directory became "
                                                  "unreachable; 1 objects were not attempted")
    assert outcome.counts == dict(matched=0, changed=2, unchanged=0, skipped=0, failed=2)
    # the object whose modify may have happened is in the journal, the one never tried is not
    assert [line["dn"] for line in read_journal(path)] == USERS[:3]
    assert "stopped: the directory became unreachable" in outcome.summary()


def test_a_follow_up_write_is_chained_and_the_diff_spans_both(directory):
    def follow_up(change, reread):
        if change.action != "enable":
            return None
        return Change(change.dn, reread, enable_inheritance(reread)[0], "again",
                      detail=dict(note="second"))
    outcome = Outcome()
    write_all(DaclWriter(directory, SDDL, diff=True, after_write=follow_up),
              plan(directory, USERS[:1]), outcome)
    assert outcome.objects == [dict(dn=USERS[0], status="changed", action="again",
                                    note="second")]
    assert len(directory.modifies) == 2
    assert "D:PAI" in outcome.diffs[0]["before"] and "D:AI" in outcome.diffs[0]["after"]


# -- object identity and ACE order (issue 20 item 5) -----------------------------------------------

GUID = "0b6c1c2e-7a39-4d4e-9f1f-3d2c1b0a9f8e"
OTHER = "f00dfeed-0000-4000-8000-000000000001"


def test_the_write_refuses_another_object_found_at_the_dn(directory, tmp_path):
    """Planned for one object; by the write another object has its DN (deleted and created
    again): nothing is journalled or written for it, the run goes on."""
    for dn in USERS:
        directory.entries[dn.lower()].attrs["objectguid"] = [uuid.uuid4().bytes_le]
    changes = plan(directory)
    for change in changes:
        change.guid = str(uuid.UUID(bytes_le=directory.entries[change.dn.lower()].attrs[
            "objectguid"][0]))
    changes[1].guid = GUID
    directory.entries[USERS[1].lower()].attrs["objectguid"] = [uuid.UUID(OTHER).bytes_le]
    path = str(tmp_path / "j.jsonl")
    outcome = Outcome()
    with Journal(path, "S-1-5-21-1-2-3") as journal:
        write_all(DaclWriter(directory, SDDL), changes, outcome, journal=journal)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "failed"),
                                 (USERS[2], "changed"), (USERS[3], "changed")]
    assert outcome.objects[1]["error"] == (
        "%s is not the object read for the plan: its objectGUID is %s now, %s then (it was "
        "deleted and created again meanwhile); nothing was written to it"
        % (USERS[1], OTHER, GUID))
    assert USERS[1] not in [dn for dn, _changes in directory.modifies]
    lines = read_journal(path)
    assert [line["dn"] for line in lines] == [USERS[0], USERS[2], USERS[3]]
    assert all(line["object_guid"] == change.guid for line, change in
               zip(lines, [changes[0], changes[2], changes[3]]))


def test_a_change_planned_without_a_guid_journals_the_one_read_before_the_write(directory,
                                                                                tmp_path):
    directory.entries[USERS[0].lower()].attrs["objectguid"] = [uuid.UUID(GUID).bytes_le]
    path = str(tmp_path / "j.jsonl")
    with Journal(path, "S-1-5-21-1-2-3") as journal:
        write_all(DaclWriter(directory, SDDL), plan(directory, USERS[:2]), Outcome(),
                  journal=journal)
    assert [line.get("object_guid") for line in read_journal(path)] == [GUID, None]


def key(sddl):
    return ordered_key(SDDL.parse(sddl))


def test_ordered_key_keeps_the_order_that_decides_access():
    # the same ACEs, a deny and an allow swapped: X may write in one and not in the other
    assert key("D:(D;;WP;;;AU)(A;;WP;;;AU)") != key("D:(A;;WP;;;AU)(D;;WP;;;AU)")
    assert key("D:(A;;RP;;;AU)(D;;WP;;;WD)(A;;WP;;;AU)") != \
        key("D:(A;;RP;;;AU)(A;;WP;;;AU)(D;;WP;;;WD)")
    # object ACEs and callback-free denies too
    assert key("D:(OD;;WP;bf967a86-0de6-11d0-a285-00aa003049e2;;AU)(A;;WP;;;AU)") != \
        key("D:(A;;WP;;;AU)(OD;;WP;bf967a86-0de6-11d0-a285-00aa003049e2;;AU)")
    # within a run of allows (or of denies) the order decides nothing, and a Windows DC sorts
    # such runs itself (MS-ADTS 6.1.3.1)
    assert key("D:(D;;WP;;;WD)(D;;RP;;;WD)(A;;RP;;;AU)(OA;;WP;bf967a86-0de6-11d0-a285-"
               "00aa003049e2;;AU)") == \
        key("D:(D;;RP;;;WD)(D;;WP;;;WD)(OA;;WP;bf967a86-0de6-11d0-a285-00aa003049e2;;AU)"
            "(A;;RP;;;AU)")
    # different ACEs, the protected flag, inherited ACEs
    assert key("D:(A;;RP;;;AU)") != key("D:(A;;WP;;;AU)")
    assert key("D:P(A;;RP;;;AU)") != key("D:(A;;RP;;;AU)")
    assert key("D:(A;;RP;;;AU)(D;ID;WP;;;AU)") == key("D:(D;ID;WP;;;AU)(A;;RP;;;AU)")
    # a run is only consecutive ACEs: the same allows split by a deny are not one run
    assert key("D:(A;;RP;;;AU)(D;;WP;;;AU)(A;;WP;;;AU)") != \
        key("D:(A;;WP;;;AU)(D;;WP;;;AU)(A;;RP;;;AU)")
