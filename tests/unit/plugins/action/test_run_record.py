"""run_record writes what the role's copy + lineinfile tasks wrote: the record as indented JSON
(sorted keys) and one line per run without the long lists."""

import json
import os
import stat

from ansible_collections.adremedy.directory.plugins.action.run_record import write_record

RECORD = {"status": "changed", "counts": {"changed": 1, "matched": 2}, "msg": "caf\u00e9",
          "objects": [{"dn": "CN=a"}], "plan": []}


def test_record_and_one_line_per_run(tmp_path):
    last, log = write_record(str(tmp_path), RECORD, "last-run.json", "runs.jsonl",
                             ["objects", "plan"])
    write_record(str(tmp_path), dict(RECORD, status="compliant"), "last-run.json", "runs.jsonl",
                 ["objects", "plan"])
    text = (tmp_path / "last-run.json").read_text()
    assert text.endswith("}\n") and text.startswith("{\n \"counts\"")  # indent 1, sorted
    assert json.loads(text) == dict(RECORD, status="compliant")
    lines = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert [line["status"] for line in lines] == ["changed", "compliant"]
    assert all("objects" not in line and "plan" not in line for line in lines)
    assert lines[0]["msg"] == "caf\u00e9"
    for path in (last, log):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert sorted(os.listdir(str(tmp_path))) == ["last-run.json", "runs.jsonl"]


def test_an_unwritable_directory_leaves_no_temporary_file(tmp_path):
    missing = tmp_path / "missing"
    try:
        write_record(str(missing), RECORD, "last-run.json", "runs.jsonl", [])
    except OSError:
        pass
    else:
        raise AssertionError("expected OSError")
    assert not missing.exists()


def test_the_record_never_follows_a_planted_temporary_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(str(victim), str(tmp_path / ("last-run.json.tmp-%d" % os.getpid())))
    last, _log = write_record(str(tmp_path), RECORD, "last-run.json", "runs.jsonl", [])
    assert victim.read_text() == "keep"
    assert json.loads(open(last).read()) == RECORD


def test_the_run_log_is_not_appended_through_a_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    os.symlink(str(victim), str(tmp_path / "runs.jsonl"))
    try:
        write_record(str(tmp_path), RECORD, "last-run.json", "runs.jsonl", [])
    except OSError:
        pass
    assert victim.read_text() == "keep\n"
