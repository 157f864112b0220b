"""Journals on the lab: created 0600 whatever the umask, never through a symlink, every line
naming the domain; a rollback refuses a journal others can write or another user owns, and
lines without the domain SID, and writes nothing then.

Objects are made by the tests: OU=Journal Zürich with users whose names need escapes."""

import json
import os
import stat

import pytest

from conftest import BASE, LAB_OU
from made_here import domain_sid, make_tree, protected

OU = "OU=Journal Zürich,%s" % LAB_OU
USERS = ["CN=Jörg\\, Journal %d,%s" % (i, OU) for i in (1, 2)]


@pytest.fixture(scope="module")
def broken(directory):
    """Two users with inheritance off; the domain SID."""
    make_tree(directory, [OU], dict((dn, "jjournal%d" % n) for n, dn in enumerate(USERS, 1)),
              broken=True)
    try:
        assert all(protected(directory, dn) for dn in USERS)
        yield domain_sid(directory, BASE)
    finally:
        directory.tree_delete(OU)


@pytest.fixture(scope="module")
def journal_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("journals")


def test_a_symlinked_journal_is_refused_and_nothing_changes(ansible, directory, broken,
                                                            journal_dir):
    target = journal_dir / "somewhere-else"
    link = journal_dir / "link.jsonl"
    link.symlink_to(target)
    result = ansible.run("inheritance", {"search_base": OU, "journal": str(link)})
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == ("journal %s is a symbolic link (to %s); refusing to follow it: give "
                             "the file itself; nothing was changed" % (link, target))
    assert not target.exists()
    assert all(protected(directory, dn) for dn in USERS)


def test_journal_is_0600_and_every_line_names_the_domain(ansible, directory, broken,
                                                         journal_dir):
    journal = journal_dir / "fix.jsonl"
    old = os.umask(0)  # ansible-playbook and the module inherit it
    try:
        result = ansible.run("inheritance", {"search_base": OU, "journal": str(journal)})
    finally:
        os.umask(old)
    assert not result.get("failed"), result["msg"]
    assert result["counts"]["changed"] == 2
    assert stat.S_IMODE(os.stat(journal).st_mode) == 0o600
    lines = [json.loads(line) for line in open(journal)]
    assert sorted(line["dn"] for line in lines) == sorted(USERS)
    assert all(line["domain_sid"] == broken for line in lines)
    assert not any(protected(directory, dn) for dn in USERS)


def _rollback_refused(ansible, directory, path, needle):
    result = ansible.run("inheritance_rollback", {"journal": str(path)})
    assert result["failed"] and "\n" not in result["msg"], result
    assert needle in result["msg"], result["msg"]
    assert not any(protected(directory, dn) for dn in USERS)  # nothing restored
    return result["msg"]


def test_rollback_refuses_a_journal_others_can_write(ansible, directory, broken, journal_dir):
    journal = journal_dir / "fix.jsonl"
    os.chmod(journal, 0o664)
    try:
        msg = _rollback_refused(ansible, directory, journal, "writable by group (mode 0664)")
    finally:
        os.chmod(journal, 0o600)
    assert msg.startswith("journal %s is writable by group (mode 0664); refusing to roll back "
                          "from it" % journal)


def test_rollback_refuses_a_journal_another_user_owns(ansible, directory, broken, journal_dir):
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    journal = journal_dir / "fix.jsonl"
    os.chown(journal, 65534, 65534)
    try:
        msg = _rollback_refused(ansible, directory, journal, "is owned by uid 65534")
    finally:
        os.chown(journal, 0, 0)
    assert "refusing to roll back from it" in msg


def test_rollback_refuses_lines_without_the_domain_sid(ansible, directory, broken,
                                                       journal_dir):
    stripped = journal_dir / "stripped.jsonl"
    lines = [json.loads(line) for line in open(journal_dir / "fix.jsonl")]
    lines[1].pop("domain_sid")
    stripped.write_text("".join(json.dumps(line) + "\n" for line in lines))
    _rollback_refused(ansible, directory, stripped, "line 2 lacks domain_sid; refusing to roll "
                                                    "back from it")


def test_a_trusted_journal_rolls_back_once(ansible, directory, broken, journal_dir):
    journal = journal_dir / "fix.jsonl"
    result = ansible.run("inheritance_rollback", {"journal": str(journal),
                                                  "dn": ["cn=jörg\\2C journal 1 , " + OU.lower(),
                                                         USERS[1]]})
    assert not result.get("failed"), result["msg"]
    assert result["counts"]["changed"] == 2
    assert all(protected(directory, dn) for dn in USERS)
    again = ansible.run("inheritance_rollback", {"journal": str(journal)})
    assert not again.get("failed") and not again["changed"]
