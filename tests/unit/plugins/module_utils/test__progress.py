"""_progress: the counts a long run writes for its action plugin (issue 22 item 6), at most every
INTERVAL seconds, never failing the run."""

import json

from ansible_collections.adremedy.directory.plugins.module_utils._progress import Progress


def test_counts_are_written_at_most_every_interval(tmp_path):
    path = tmp_path / "progress.json"
    progress = Progress(str(path), interval=3600)
    progress.note(read=500)  # the first note writes: the watcher has something at once
    progress.note(read=500, planned=3)
    assert json.loads(path.read_text()) == dict(read=500, planned=0, written=0, failed=0)
    progress.flush()
    assert json.loads(path.read_text()) == dict(read=1000, planned=3, written=0, failed=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]


def test_without_a_file_nothing_is_written_and_an_unwritable_one_is_let_go(tmp_path):
    Progress(None).note(read=1)
    progress = Progress(str(tmp_path / "missing" / "progress.json"), interval=0)
    progress.note(written=1)
    progress.note(failed=1)  # no exception: progress is a courtesy
    assert progress.path is None
