"""inheritance_rollback's main() through the module base, against a directory in memory."""

import json
import os
import uuid

from ansible.module_utils import basic
from fakes import DOMAIN_NC, DOMAIN_SID, INHERITING_SDDL, SDDL, sd_bytes

from ansible_collections.adremedy.directory.plugins.module_utils._run import _rollback
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.modules import (
    inheritance, inheritance_rollback)

JANE = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC
GUIDS = {JANE: "5f0c6e1a-1111-4a4a-8b8b-000000000001", JOHN: "5f0c6e1a-2222-4a4a-8b8b-000000000002"}
RECREATED = "9d9d9d9d-3333-4c4c-8d8d-000000000003"


def protected(directory, dn):
    return SecurityDescriptor.parse(directory.sd(dn)).protected


def add_user(directory, dn, guid=None, **attrs):
    """A user with an objectGUID, as every object in AD has one."""
    return directory.add_user(dn, objectGUID=uuid.UUID(guid or GUIDS[dn]).bytes_le, **attrs)


def test_rollback_restores_what_the_journal_recorded(run_module, directory, tmp_path):
    for dn in (JANE, JOHN):
        add_user(directory, dn)
    journal = str(tmp_path / "fix.jsonl")
    fixed = run_module(inheritance, dict(dn=[JANE, JOHN], journal=journal))
    assert fixed["counts"]["changed"] == 2 and not protected(directory, JANE)
    check = run_module(inheritance_rollback, dict(journal=journal, dn=[JANE]), check_mode=True,
                       diff=True)
    assert check["changed"] is True and not protected(directory, JANE)
    assert check["objects"] == [dict(dn=JANE, status="changed", action="restore")]
    assert "D:PAI" in check["diff"][0]["after"]
    undo = str(tmp_path / "undo.jsonl")
    real = run_module(inheritance_rollback, dict(journal=journal, rollback_journal=undo))
    assert real["counts"] == dict(matched=2, changed=2, unchanged=0, skipped=0, failed=0)
    assert protected(directory, JANE) and protected(directory, JOHN)
    assert len(open(undo).readlines()) == 2
    again = run_module(inheritance_rollback, dict(journal=journal))
    assert again["changed"] is False and again["counts"]["unchanged"] == 2


def test_an_unreadable_journal_fails_before_connecting(run_module, directory, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"dn": "CN=x"}\nnot json\n')
    result = run_module(inheritance_rollback, dict(journal=str(bad)))
    assert result["failed"] and result["msg"].startswith("journal %s line 1 lacks" % bad)
    assert directory.settings is None
    missing = run_module(inheritance_rollback, dict(journal=str(tmp_path / "none.jsonl")))
    assert missing["failed"] and missing["msg"].startswith("cannot read journal")


def test_an_unwritable_rollback_journal_changes_nothing(run_module, directory, tmp_path):
    add_user(directory, JANE)
    journal = str(tmp_path / "fix.jsonl")
    run_module(inheritance, dict(dn=[JANE], journal=journal))
    writes = len(directory.modifies)
    result = run_module(inheritance_rollback, dict(
        journal=journal, rollback_journal=str(tmp_path / "no" / "such" / "dir.jsonl")))
    assert result["failed"] and "nothing was changed" in result["msg"]
    assert result["msg"].startswith("cannot open journal ")
    assert len(directory.modifies) == writes and result["counts"]["matched"] == 1


# -- object identity (issue 20 item 5) ------------------------------------------------------------

def fix_both(run_module, directory, tmp_path):
    for dn in (JANE, JOHN):
        add_user(directory, dn)
    journal = str(tmp_path / "fix.jsonl")
    fixed = run_module(inheritance, dict(dn=[JANE, JOHN], journal=journal))
    assert fixed["counts"]["changed"] == 2
    return journal


def test_each_journal_line_names_the_objects_guid(run_module, directory, tmp_path):
    journal = fix_both(run_module, directory, tmp_path)
    lines = [json.loads(line) for line in open(journal)]
    assert [(line["dn"], line["object_guid"]) for line in lines] == \
        [(JANE, GUIDS[JANE]), (JOHN, GUIDS[JOHN])]


def test_no_restore_onto_an_object_created_again_at_the_journalled_dn(
        run_module, directory, tmp_path):
    journal = fix_both(run_module, directory, tmp_path)
    # Jane's account is deleted and another one made at the same DN (inheritance on)
    del directory.entries[JANE.lower()]
    add_user(directory, JANE, RECREATED, sddl=INHERITING_SDDL)
    writes = len(directory.modifies)
    for check_mode in (True, False):
        result = run_module(inheritance_rollback, dict(journal=journal, force=True),
                            check_mode=check_mode)
        assert result["failed"] and result["counts"] == dict(matched=2, changed=1, unchanged=0,
                                                             skipped=0, failed=1)
        [refused] = [o for o in result["objects"] if o["status"] == "failed"]
        assert refused["dn"] == JANE and "\n" not in refused["error"]
        assert refused["error"] == (
            "%s is not the object journal line 1 recorded: its objectGUID is %s, the journal's "
            "%s (that one was deleted and this one created at the same DN); nothing was "
            "written to it" % (JANE, RECREATED, GUIDS[JANE]))
    # John was restored; nothing was written to the new Jane
    assert [dn for dn, _changes in directory.modifies[writes:]] == [JOHN]
    assert protected(directory, JOHN) and not protected(directory, JANE)


def test_an_object_created_again_between_the_plan_and_the_write_is_not_written(
        run_module, directory, tmp_path):
    journal = fix_both(run_module, directory, tmp_path)
    original = _rollback.plan_restore

    def recreated_after_the_plan(client, journalled, protection, force):
        step = original(client, journalled, protection, force)
        if journalled.first["dn"] == JANE:  # deleted and made again once it was planned
            sd = SDDL.render(SecurityDescriptor.parse(directory.sd(JANE)))
            del directory.entries[JANE.lower()]
            add_user(directory, JANE, RECREATED, sddl=sd)
        return step

    _rollback.plan_restore = recreated_after_the_plan
    try:
        writes = len(directory.modifies)
        result = run_module(inheritance_rollback, dict(journal=journal))
    finally:
        _rollback.plan_restore = original
    assert result["counts"]["failed"] == 1 and result["counts"]["changed"] == 1
    [refused] = [o for o in result["objects"] if o["status"] == "failed"]
    assert refused["dn"] == JANE and RECREATED in refused["error"] \
        and GUIDS[JANE] in refused["error"] and "nothing was written" in refused["error"]
    assert [dn for dn, _changes in directory.modifies[writes:]] == [JOHN]
    # the rollback journals nothing for it either (the check comes before the journal line)


def test_a_journal_without_guids_is_still_restored_with_a_warning(run_module, directory,
                                                                  tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    journal = fix_both(run_module, directory, tmp_path)
    old = tmp_path / "old.jsonl"
    lines = [json.loads(line) for line in open(journal)]
    for line in lines:
        del line["object_guid"]  # as journals were written before objectGUIDs were recorded
    old.write_text("".join(json.dumps(line) + "\n" for line in lines))
    os.chmod(str(old), 0o600)
    result = run_module(inheritance_rollback, dict(journal=str(old)))
    assert not result["failed"] and result["counts"]["changed"] == 2
    assert protected(directory, JANE) and protected(directory, JOHN)
    assert warnings == [
        "journal %s: 2 objects (%s; %s) have no objectGUID (lines written by an earlier "
        "version); they are restored by DN alone, not checked to be the objects journalled"
        % (old, JANE, JOHN)]
    assert all("has no objectGUID" in o["note"] for o in result["objects"])


def test_a_journal_that_recorded_two_objects_at_one_dn_restores_the_last(run_module, directory,
                                                                         tmp_path):
    """Jane fixed, her account deleted and made again, the new one fixed in the same journal:
    the rollback restores the new account to its own first state and says the old one is
    gone."""
    add_user(directory, JANE)
    journal = str(tmp_path / "fix.jsonl")
    run_module(inheritance, dict(dn=[JANE], journal=journal))
    del directory.entries[JANE.lower()]
    add_user(directory, JANE, RECREATED,
             sddl="O:DAG:DUD:PAI(A;;RP;;;AU)(A;;WP;;;%s-1120)" % DOMAIN_SID)
    run_module(inheritance, dict(dn=[JANE], journal=journal))
    result = run_module(inheritance_rollback, dict(journal=journal))
    assert result["counts"]["changed"] == 1 and not result["failed"]
    [restored] = result["objects"]
    assert restored["note"] == ("journal line 1 recorded another object at this DN (objectGUID "
                                "%s), deleted since; not restored" % GUIDS[JANE])
    now = SDDL.render(SecurityDescriptor.parse(directory.sd(JANE)))
    assert now.startswith("O:DAG:DUD:PAI(A;;RP;;;AU)")


def test_changed_since_compares_the_explicit_aces_in_order(run_module, directory, tmp_path):
    """The same ACEs in another order are another DACL: the DC evaluates them in order, and
    (A;;WP;;;AU)(D;;WP;;;AU) lets Authenticated Users write what (D;;WP;;;AU)(A;;WP;;;AU)
    denies. A rollback must not take the reordered DACL for the one it wrote."""
    add_user(directory, JANE, sddl="O:DAG:DUD:PAI(D;;WP;;;AU)(A;;WP;;;AU)(A;;RP;;;AU)")
    journal = str(tmp_path / "fix.jsonl")
    run_module(inheritance, dict(dn=[JANE], journal=journal))
    # someone reorders the explicit ACEs: the allow now comes first
    directory.entries[JANE.lower()].attrs["ntsecuritydescriptor"] = [sd_bytes(
        "O:DAG:DUD:AI(A;;WP;;;AU)(D;;WP;;;AU)(A;;RP;;;AU)")]
    result = run_module(inheritance_rollback, dict(journal=journal), check_mode=True)
    assert result["counts"]["skipped"] == 1, result["objects"]
    assert result["objects"][0]["reason"] == ("changed since journal line 1 was written; set "
                                              "force to restore it anyway")
    # two allows in either order grant the same (a Windows DC sorts them itself): not a change
    directory.entries[JANE.lower()].attrs["ntsecuritydescriptor"] = [sd_bytes(
        "O:DAG:DUD:AI(D;;WP;;;AU)(A;;RP;;;AU)(A;;WP;;;AU)")]
    result = run_module(inheritance_rollback, dict(journal=journal), check_mode=True)
    assert result["counts"]["changed"] == 1, result["objects"]


def test_journal_objects_take_the_last_object_recorded_at_a_dn():
    """Lines of one DN: an earlier object (another GUID), then the object there now, its GUID
    in any case, with a line of an older version (no GUID) among them."""
    a, b = GUIDS[JANE], RECREATED
    lines = [dict(dn=JANE, line=1, object_guid=a), dict(dn=JOHN, line=2),
             dict(dn=JANE.lower(), line=3, object_guid=b.upper()), dict(dn=JANE, line=4),
             dict(dn=JANE, line=5, object_guid=b)]
    objects = _rollback.journal_objects(lines, None)
    jane, john = objects.values()
    assert (jane.first["line"], jane.last["line"], jane.guid) == (3, 5, b)
    assert [line["line"] for line in jane.earlier] == [1] and jane.note() == (
        "journal line 1 recorded another object at this DN (objectGUID %s), deleted since; not "
        "restored" % a)
    assert (john.first["line"], john.guid, john.earlier) == (2, None, [])
    assert john.note().startswith("journal line 2 has no objectGUID")
