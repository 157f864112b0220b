"""Journals are trusted input: created 0600 without following symlinks, read only when nobody
else could have written them, every line naming its domain."""

import json
import os
import stat

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._errors import JournalError
from ansible_collections.adremedy.directory.plugins.module_utils._run._journal import (
    JournalWriter, read_trusted as read_journal)

SID = "S-1-5-21-1-2-3"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_created_0600_whatever_the_umask(tmp_path):
    path = str(tmp_path / "j.jsonl")
    old = os.umask(0o000)
    try:
        with JournalWriter(path, SID) as journal:
            journal.write({"dn": "CN=a", "old_sd": "x"})
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    [line] = read_journal(path, required=("dn", "old_sd"))
    assert line["domain_sid"] == SID and line["dn"] == "CN=a" and line["line"] == 1
    assert line["time"].endswith("Z")


def test_an_existing_journal_is_tightened_and_appended(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"dn": "CN=a", "domain_sid": SID}) + "\n")
    os.chmod(path, 0o644)
    with JournalWriter(str(path), SID) as journal:
        journal.write({"dn": "CN=b"})
    assert mode(path) == 0o600
    assert [line["dn"] for line in read_journal(str(path))] == ["CN=a", "CN=b"]


def test_a_symlink_is_refused_for_writing_and_reading(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("")
    link = tmp_path / "j.jsonl"
    link.symlink_to(target)
    with pytest.raises(JournalError) as err:
        JournalWriter(str(link), SID)
    assert str(err.value) == ("journal %s is a symbolic link (to %s); refusing to follow it: "
                              "give the file itself" % (link, target))
    with pytest.raises(JournalError, match="is a symbolic link .*: name the file itself"):
        read_journal(str(link))
    assert target.read_text() == ""


def test_a_dangling_symlink_creates_nothing(tmp_path):
    link = tmp_path / "j.jsonl"
    link.symlink_to(tmp_path / "created-through-the-link")
    with pytest.raises(JournalError, match="symbolic link"):
        JournalWriter(str(link), SID)
    assert not (tmp_path / "created-through-the-link").exists()


@pytest.mark.parametrize("bits,who", [(0o620, "group"), (0o602, "others"),
                                      (0o666, "group and others")])
def test_rollback_refuses_a_journal_others_can_write(tmp_path, bits, who):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"dn": "CN=a", "domain_sid": SID}) + "\n")
    os.chmod(path, bits)
    with pytest.raises(JournalError) as err:
        read_journal(str(path))
    assert str(err.value).startswith("journal %s is writable by %s (mode %04o); refusing to "
                                     "roll back from it" % (path, who, bits))


def test_rollback_refuses_a_journal_another_user_owns(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"dn": "CN=a", "domain_sid": SID}) + "\n")
    os.chmod(path, 0o600)
    os.chown(path, 65534, 65534)
    with pytest.raises(JournalError) as err:
        read_journal(str(path))
    assert "is owned by uid 65534" in str(err.value)
    assert "refusing to roll back from it" in str(err.value)
    with pytest.raises(JournalError, match="refusing to append to it"):
        JournalWriter(str(path), SID)


def test_lines_without_a_domain_or_from_another_are_refused(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"dn": "CN=a", "domain_sid": SID}) + "\n\n"
                    + json.dumps({"dn": "CN=b"}) + "\n")
    os.chmod(path, 0o600)
    with pytest.raises(JournalError) as err:
        read_journal(str(path), required=("dn",))
    assert str(err.value) == "journal %s line 3 lacks domain_sid; refusing to roll back from " \
                             "it" % path
    path.write_text(json.dumps({"dn": "CN=a", "domain_sid": "S-1-5-21-9-9-9"}) + "\n")
    with pytest.raises(JournalError, match=r"line 1 was written in domain S-1-5-21-9-9-9, not "
                                           r"in this one \(S-1-5-21-1-2-3\)"):
        read_journal(str(path), domain_sid=SID)


def test_no_domain_sid_no_journal(tmp_path):
    with pytest.raises(JournalError, match="the domain SID could not be read"):
        JournalWriter(str(tmp_path / "j.jsonl"), None)
    assert not (tmp_path / "j.jsonl").exists()


def test_bad_lines_are_named(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text("{not json\n")
    os.chmod(path, 0o600)
    with pytest.raises(JournalError, match="line 1 is not JSON"):
        read_journal(str(path))
    path.write_text("[1, 2]\n")
    with pytest.raises(JournalError, match="line 1 is not a JSON object"):
        read_journal(str(path))
    with pytest.raises(JournalError, match="cannot read journal .*missing"):
        read_journal(str(tmp_path / "missing"))


# -- hard links and the journal's directory (issue 20 item 7) ------------------------------------

def trusted_line(path):
    path.write_text(json.dumps({"dn": "CN=a", "domain_sid": SID}) + "\n")
    os.chmod(str(path), 0o600)


def test_a_hard_linked_journal_is_refused_for_writing_and_reading(tmp_path):
    """Another name for the same file: it may be another file of this user's linked there
    (appending to it, or rolling back from it, would touch what it is elsewhere)."""
    other = tmp_path / "authorized_keys"
    trusted_line(other)
    link = tmp_path / "j.jsonl"
    os.link(str(other), str(link))
    with pytest.raises(JournalError) as err:
        JournalWriter(str(link), SID)
    assert str(err.value) == ("journal %s has 2 hard links (the same file under other names, "
                              "which may be another file of yours linked there); refusing to "
                              "append to it: give a journal with one name" % link)
    with pytest.raises(JournalError, match=r"has 2 hard links .*refusing to roll back from it"):
        read_journal(str(link))
    assert other.read_text().count("\n") == 1  # nothing appended
    os.unlink(str(other))  # one name again: trusted
    assert [line["dn"] for line in read_journal(str(link))] == ["CN=a"]


@pytest.mark.parametrize("bits,who", [(0o777, "group and others"), (0o757, "others"),
                                      (0o775, "group")])
def test_a_directory_others_can_write_is_refused(tmp_path, bits, who):
    shared = tmp_path / "shared"
    shared.mkdir()
    trusted_line(shared / "j.jsonl")
    os.chmod(str(shared), bits)
    path = str(shared / "j.jsonl")
    with pytest.raises(JournalError) as err:
        read_journal(path)
    assert str(err.value) == (
        "journal directory %s is writable by %s (mode %04o) without the sticky bit: they can "
        "replace or rename the journal; refusing to roll back from %s (chmod go-w %s, or keep "
        "journals in a directory only you can write)" % (shared, who, bits, path, shared))
    new = str(shared / "new.jsonl")
    with pytest.raises(JournalError, match="refusing to append to %s" % new):
        JournalWriter(new, SID)
    assert not os.path.exists(new)  # refused before anything was created


def test_a_sticky_directory_like_tmp_is_accepted(tmp_path):
    """With the sticky bit only a file's owner (and the directory's owner, us, and root) may
    rename or remove it, so others writing the directory cannot swap the journal."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    path = str(shared / "j.jsonl")
    with JournalWriter(path, SID) as journal:
        journal.write({"dn": "CN=a"})
    assert [line["dn"] for line in read_journal(path)] == ["CN=a"]


def test_a_directory_another_user_owns_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("changing a directory's owner needs root")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    trusted_line(theirs / "j.jsonl")
    os.chmod(str(theirs), 0o755)
    os.chown(str(theirs), 65534, 65534)
    path = str(theirs / "j.jsonl")
    with pytest.raises(JournalError) as err:
        read_journal(path)
    assert str(err.value).startswith(
        "journal directory %s is owned by uid 65534" % theirs)
    assert str(err.value).endswith("its owner can replace or rename the journal; refusing to "
                                   "roll back from %s" % path)
    with pytest.raises(JournalError, match="is owned by uid 65534"):
        JournalWriter(str(theirs / "new.jsonl"), SID)
