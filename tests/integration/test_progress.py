"""Progress on long runs (issue 22 item 6): the action of a long-running module shows what it
read, planned, wrote and failed in the job output while it runs; nothing on short runs. The
periods (60 s, then every 30 s) are shortened here through the controller's environment."""

import json

from conftest import LAB_OU

FAST = {"ADREMEDY_PROGRESS_AFTER": "0", "ADREMEDY_PROGRESS_EVERY": "0.1"}


def run_with_output(ansible, module, args, check=False, env=None):
    proc, out = ansible.start(module, args, check=check, env=env)
    output = proc.communicate()[0]
    with open(out) as fh:
        return json.load(fh), output


def progress_lines(output):
    return [line for line in output.splitlines() if " objects read, " in line]


def test_a_run_longer_than_the_period_shows_progress(ansible):
    result, output = run_with_output(ansible, "inheritance", {"search_base": LAB_OU},
                                     check=True, env=FAST)
    assert not result.get("failed"), result
    lines = progress_lines(output)
    assert lines, output
    assert lines[0].startswith("localhost | adremedy.directory.inheritance: ")
    assert "would write" in lines[-1]  # check mode writes nothing
    # the module's result is the one it always returned, with the summary of check mode
    assert result["counts"]["matched"] > 0 and " would change, " in result["msg"]
    assert any(int(line.split(" objects read")[0].split()[-1]) > 0 for line in lines), lines


def test_a_short_run_shows_nothing(ansible):
    result, output = run_with_output(ansible, "inheritance", {"search_base": LAB_OU}, check=True)
    assert not result.get("failed") and result["counts"]["matched"] > 0
    assert progress_lines(output) == []
