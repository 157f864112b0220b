"""The progress shown by the action of the long-running modules (issue 22 item 6): nothing
before AFTER seconds, then a line every EVERY seconds with what the module reported."""

import json
import re
import time
from types import SimpleNamespace

import pytest

from ansible_collections.adremedy.directory.plugins.plugin_utils import _progress_action
from ansible_collections.adremedy.directory.plugins.plugin_utils._progress_action import (
    ProgressActionModule, progress_line)


def action(tmp_path, check_mode=False, run_for=0.0, fail=None):
    """An action whose module 'runs' run_for seconds, reporting counts as it goes."""
    act = ProgressActionModule.__new__(ProgressActionModule)
    act._task = SimpleNamespace(get_name=lambda: "Re-enable inheritance")
    act._play_context = SimpleNamespace(check_mode=check_mode)
    act._progress_file = str(tmp_path / "progress.json")

    def run_module(task_vars):
        end = time.monotonic() + run_for
        read = 0
        while time.monotonic() < end:
            read += 1000
            (tmp_path / "progress.json").write_text(json.dumps(
                dict(read=read, planned=3, written=1, failed=0)))
            time.sleep(0.05)
        if fail:
            raise fail
        return {"changed": True, "msg": "done"}
    act._run_module = run_module
    return act


@pytest.fixture
def shown(monkeypatch):
    lines = []
    monkeypatch.setattr(_progress_action.display, "display", lines.append)
    return lines


def test_a_long_run_shows_progress_lines(tmp_path, shown, monkeypatch):
    monkeypatch.setenv("ADREMEDY_PROGRESS_AFTER", "0.3")
    monkeypatch.setenv("ADREMEDY_PROGRESS_EVERY", "0.3")
    result = action(tmp_path, run_for=1.5)._watch({"inventory_hostname": "dc1"})
    assert result == {"changed": True, "msg": "done"}
    assert 2 <= len(shown) <= 5, shown
    assert re.match(r"dc1 \| Re-enable inheritance: \d+ s: ", shown[0]), shown
    assert " objects read, 3 planned, 1 written, 0 failed" in shown[-1]
    assert int(shown[-1].split(": ")[2].split()[0]) > 0  # objects read so far


def test_a_short_run_shows_nothing(tmp_path, shown):
    # the defaults: the first line after a minute
    assert action(tmp_path, run_for=0.3)._watch({})["msg"] == "done"
    assert shown == []


def test_check_mode_says_would_write_and_a_failure_is_raised(tmp_path, shown, monkeypatch):
    monkeypatch.setenv("ADREMEDY_PROGRESS_AFTER", "0")
    monkeypatch.setenv("ADREMEDY_PROGRESS_EVERY", "0.2")
    with pytest.raises(KeyError):
        action(tmp_path, check_mode=True, run_for=0.5, fail=KeyError("x"))._watch({})
    assert shown and "1 would write" in shown[-1]


def test_progress_line():
    assert progress_line(dict(read=100000, planned=3000, written=1200, failed=2), 95.4, False) == \
        "95 s: 100000 objects read, 3000 planned, 1200 written, 2 failed"
    assert progress_line({}, 61, True) == "61 s: 0 objects read, 0 planned, 0 would write, 0 failed"
