"""inheritance_rollback's main() through the module base, against a directory in memory."""

from fakes import DOMAIN_NC

from ansible_collections.adremedy.directory.plugins.module_utils._sd import SecurityDescriptor
from ansible_collections.adremedy.directory.plugins.modules import (
    inheritance, inheritance_rollback)

JANE = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC


def protected(directory, dn):
    return SecurityDescriptor.parse(directory.sd(dn)).protected


def test_rollback_restores_what_the_journal_recorded(run_module, directory, tmp_path):
    for dn in (JANE, JOHN):
        directory.add_user(dn)
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
    directory.add_user(JANE)
    journal = str(tmp_path / "fix.jsonl")
    run_module(inheritance, dict(dn=[JANE], journal=journal))
    writes = len(directory.modifies)
    result = run_module(inheritance_rollback, dict(
        journal=journal, rollback_journal=str(tmp_path / "no" / "such" / "dir.jsonl")))
    assert result["failed"] and "nothing was changed" in result["msg"]
    assert result["msg"].startswith("cannot open journal ")
    assert len(directory.modifies) == writes and result["counts"]["matched"] == 1
