"""The one bulk runner (_bulk.run_bulk, write_all) with a small writer over the directory in
memory: the order of the steps, the guards and max_changes before anything is written, check
mode writing nothing, fail_fast, a DC lost mid-run, another writer between the plan and the
write, a follow-up write, and the partial result when an error ends the run."""

import json

import pytest

from fakes import DOMAIN_NC, FakeDirectory

from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure, LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import MODIFY_REPLACE
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    BulkWriter, ChangedSinceRead, Outcome, read_back, refuse, run_bulk, write_all)
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import (
    read_trusted)

USERS = ["CN=User %d,OU=Staff,%s" % (number, DOMAIN_NC) for number in range(1, 5)]
WANTED = "managed"


class Planned:
    def __init__(self, dn, before, after=WANTED, again=False):
        self.dn = dn
        self.before = before
        self.after = after
        self.again = again


class DescriptionWriter(BulkWriter):
    """Sets each user's description to WANTED; every step it is given is logged."""

    verb = "describes"

    def __init__(self, client, journal_path=None, refused=(), follow_up=None):
        super().__init__(client)
        self.journal_path = journal_path
        self.refused = set(refused)
        self.then = follow_up
        self.log = []

    def plan(self, outcome):
        self.log.append("plan")
        items = []
        for dn in USERS:
            outcome.counts["matched"] += 1
            now = read_back(self.client, dn, ["description"]).text("description")
            if now == WANTED:
                outcome.add(dn, "unchanged")
            else:
                items.append(Planned(dn, now))
        return items

    def guard(self, items, outcome, fail_fast):
        self.log.append("guard")
        return refuse(items, outcome, fail_fast, lambda item: dict(
            error="%s: refused by the guard" % item.dn, ldap_code=50)
            if item.dn in self.refused else None)

    def recheck(self, item):
        self.log.append(("recheck", item.dn))
        entry = read_back(self.client, item.dn, ["description"])
        if entry.text("description") != item.before:
            raise ChangedSinceRead(entry)
        return entry

    def journal_lines(self, item, found):
        self.log.append(("journal", item.dn))
        return [dict(dn=item.dn, old=item.before, new=item.after)]

    def write(self, item, found):
        self.log.append(("write", item.dn))
        self.client.modify(item.dn, {"description": [(MODIFY_REPLACE, [item.after])]})

    def verify(self, item, found):
        self.log.append(("verify", item.dn))
        stored = read_back(self.client, item.dn, ["description"]).text("description")
        if stored != item.after:
            raise LdapError("verify %s failed" % item.dn, dn=item.dn)
        return stored

    def follow_up(self, item, result):
        return self.then(item, result) if self.then else None

    def replan(self, item, moved, outcome):
        self.log.append(("replan", item.dn))
        now = moved.entry.text("description")
        if now == item.after:
            outcome.add(item.dn, "unchanged", note="another writer was first")
            return None
        return Planned(item.dn, now, item.after, again=True)

    def describe(self, item, outcome, result=None):
        self.log.append(("describe", item.dn))
        outcome.add(item.dn, "changed", again=item.again, planned_only=result is None)


@pytest.fixture
def directory():
    directory = FakeDirectory()
    for dn in USERS:
        directory.add_user(dn, description="old")
    return directory


def run(writer, check_mode=False, max_changes=None, fail_fast=False):
    outcome = Outcome(list_unchanged=True)
    journalled = run_bulk(writer, outcome, dict(max_changes=max_changes, fail_fast=fail_fast),
                          check_mode)
    return outcome, journalled


def statuses(outcome):
    return [(o["dn"], o["status"]) for o in outcome.objects]


def written(directory):
    return [dn for dn, _changes in directory.modifies]


def test_the_steps_run_in_one_order_journal_line_on_disk_before_each_write(directory, tmp_path):
    path = str(tmp_path / "run.jsonl")
    directory.entries[USERS[0].lower()].attrs["description"] = [WANTED.encode()]
    on_disk = []
    directory.tamper = dict((dn.lower(), lambda attrs, dn=dn: on_disk.append(
        (dn, len(read_trusted(path))))) for dn in USERS)
    writer = DescriptionWriter(directory, journal_path=path)
    outcome, journalled = run(writer)
    assert journalled
    steps = ["recheck", "journal", "write", "verify", "describe"]
    assert writer.log == ["plan", "guard"] + [(step, dn) for dn in USERS[1:] for step in steps]
    assert on_disk == [(dn, number) for number, dn in enumerate(USERS[1:], 1)]
    assert [json.loads(line)["dn"] for line in open(path)] == USERS[1:]
    assert statuses(outcome) == [(USERS[0], "unchanged")] + [(dn, "changed") for dn in USERS[1:]]
    assert outcome.counts == dict(matched=4, changed=3, unchanged=1, skipped=0, failed=0)


def test_check_mode_plans_and_guards_as_a_real_run_and_writes_nothing(directory, tmp_path):
    path = str(tmp_path / "run.jsonl")
    checked = DescriptionWriter(directory, journal_path=path, refused=[USERS[2]])
    outcome, journalled = run(checked, check_mode=True)
    assert not journalled and not (tmp_path / "run.jsonl").exists()
    assert directory.modifies == []
    assert checked.log == ["plan", "guard"] + [("describe", dn) for dn in USERS if dn != USERS[2]]
    real = DescriptionWriter(directory, refused=[USERS[2]])
    real_outcome, _journalled = run(real)
    assert statuses(outcome) == statuses(real_outcome)
    assert outcome.counts == real_outcome.counts
    assert all(o["planned_only"] for o in outcome.objects if o["status"] == "changed")


def test_the_guards_and_max_changes_come_before_any_write(directory, tmp_path):
    path = str(tmp_path / "run.jsonl")
    writer = DescriptionWriter(directory, journal_path=path, refused=[USERS[0]])
    with pytest.raises(Failure) as err:
        run(writer, max_changes=2)
    # the refused object is not counted against the limit: 3 are planned, 2 allowed
    assert str(err.value) == "the plan describes 3 objects, more than max_changes 2; nothing " \
                             "was changed"
    assert err.value.result["plan"] == USERS[1:]
    assert err.value.result["counts"]["failed"] == 1
    assert directory.modifies == [] and not (tmp_path / "run.jsonl").exists()
    assert writer.log == ["plan", "guard"]
    run(DescriptionWriter(directory, refused=[USERS[0]]), max_changes=3)
    assert written(directory) == USERS[1:]


def test_a_refused_object_with_fail_fast_stops_the_run_before_anything_is_written(directory):
    writer = DescriptionWriter(directory, refused=[USERS[3]])
    outcome, _journalled = run(writer, fail_fast=True)
    assert statuses(outcome) == [(USERS[3], "failed")]
    assert outcome.stopped == "fail_fast after the first failure"
    assert directory.modifies == []


def test_fail_fast_stops_at_the_first_failed_write(directory):
    directory.fail = {USERS[1].lower(): LdapError("modify %s failed: insufficientAccessRights "
                                                  "(50)" % USERS[1], code=50)}
    outcome, _journalled = run(DescriptionWriter(directory), fail_fast=True)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "failed")]
    assert outcome.objects[1]["ldap_code"] == 50
    assert outcome.stopped == "fail_fast after the first failure"
    assert written(directory) == [USERS[0]]


def test_without_fail_fast_a_failed_write_is_recorded_and_the_run_goes_on(directory):
    """The partial result of a run with a refused write: what was written, what failed and why,
    the first failure in the message."""
    directory.fail = {USERS[1].lower(): LdapError("modify %s failed: insufficientAccessRights "
                                                  "(50)" % USERS[1], code=50)}
    outcome, _journalled = run(DescriptionWriter(directory))
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "failed"),
                                 (USERS[2], "changed"), (USERS[3], "changed")]
    result, failed = outcome.report()
    assert failed and result["changed"] is True
    assert result["counts"] == dict(matched=4, changed=3, unchanged=0, skipped=0, failed=1)
    assert result["msg"].endswith("first failure: modify %s failed: insufficientAccessRights "
                                  "(50)" % USERS[1])


def test_a_dc_lost_mid_run_stops_it_and_names_the_objects_not_attempted(directory, tmp_path):
    path = str(tmp_path / "run.jsonl")
    directory.lose_after = 2
    writer = DescriptionWriter(directory, journal_path=path)
    outcome, _journalled = run(writer)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "changed"),
                                 (USERS[2], "failed"), (USERS[3], "failed")]
    assert outcome.objects[2]["ldap_code"] == 52
    assert outcome.objects[3]["error"] == ("not attempted: the directory became unreachable; 1 "
                                           "objects were not attempted")
    # the object whose write may have happened is journalled; the one never tried is not
    assert [line["dn"] for line in read_trusted(path)] == USERS[:3]
    assert ("write", USERS[3]) not in writer.log and ("recheck", USERS[3]) not in writer.log
    assert "stopped: the directory became unreachable" in outcome.summary()


def test_an_error_outside_the_writers_errors_ends_the_run_with_the_result_so_far(directory):
    """Only the writer's errors fail one object; anything else ends the run, and the module
    base returns outcome.result() (partial) with it: the objects already written."""
    class Broken(DescriptionWriter):
        def verify(self, item, found):
            if item.dn == USERS[1]:
                raise KeyError("a bug")
            return super().verify(item, found)
    outcome = Outcome()
    with pytest.raises(KeyError):
        run_bulk(Broken(directory), outcome, dict(max_changes=None, fail_fast=False))
    assert outcome.result()["objects"] == [dict(dn=USERS[0], status="changed", again=False,
                                                planned_only=False)]
    assert outcome.result()["changed"] is True


def test_another_writer_between_plan_and_write_is_planned_again_not_overwritten(directory):
    directory.entries[USERS[0].lower()].attrs["description"] = [b"by hand"]
    writer = DescriptionWriter(directory)
    outcome = Outcome()
    write_all(writer, [Planned(USERS[0], "old"), Planned(USERS[1], "old")], outcome)
    assert writer.log[:5] == [("recheck", USERS[0]), ("replan", USERS[0]),
                              ("recheck", USERS[0]), ("write", USERS[0]), ("verify", USERS[0])]
    assert outcome.objects[0] == dict(dn=USERS[0], status="changed", again=True,
                                      planned_only=False)
    assert written(directory) == USERS[:2]


def test_a_writer_that_cannot_plan_again_fails_the_object_by_default(directory):
    directory.entries[USERS[0].lower()].attrs["description"] = [b"by hand"]

    class Plain(DescriptionWriter):
        replan = BulkWriter.replan
    outcome = Outcome()
    write_all(Plain(directory), [Planned(USERS[0], "old"), Planned(USERS[1], "old")], outcome)
    assert statuses(outcome) == [(USERS[0], "failed"), (USERS[1], "changed")]
    assert outcome.objects[0]["error"] == ("%s changed since it was read (another writer); "
                                           "nothing was written" % USERS[0])


def test_a_follow_up_is_written_next_and_only_it_is_described(directory):
    def second(item, result):
        return None if item.after == "second" else Planned(item.dn, result, "second", True)
    writer = DescriptionWriter(directory, follow_up=second)
    outcome = Outcome()
    write_all(writer, [Planned(USERS[0], "old"), Planned(USERS[1], "old")], outcome)
    assert written(directory) == [USERS[0], USERS[0], USERS[1], USERS[1]]
    assert [step for step in writer.log if step[0] == "describe"] == [
        ("describe", USERS[0]), ("describe", USERS[1])]
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "changed")]


def test_items_only_reported_are_described_not_written_and_a_lost_dc_names_them(directory):
    class Lists(DescriptionWriter):
        def writes(self, item):
            return item.after != item.before

        def describe_plan(self, item, outcome):
            outcome.add(item.dn, "changed" if self.writes(item) else "unchanged")
    directory.lose_after = 1
    items = [Planned(USERS[0], "old"), Planned(USERS[1], WANTED), Planned(USERS[2], "old"),
             Planned(USERS[3], WANTED)]
    outcome = Outcome(list_unchanged=True)
    write_all(Lists(directory), items, outcome)
    assert statuses(outcome) == [(USERS[0], "changed"), (USERS[1], "unchanged"),
                                 (USERS[2], "failed"), (USERS[3], "failed")]
    assert outcome.objects[3]["error"].startswith("not attempted: ")
