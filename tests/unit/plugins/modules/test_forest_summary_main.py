"""forest_summary's main(): check mode writes nothing, fail_on_missing fails after writing, a
directory that cannot be written is one line."""

import json
import os

import pytest

from fakes import Exit, patch_module_args

from ansible_collections.adremedy.directory.plugins.modules import forest_summary


@pytest.fixture
def run(run_module):
    """main() with args alone (no connection options: the module talks to no directory);
    run_module's exit_json/fail_json stand-ins apply to any AnsibleModule."""
    def run_main(args, check_mode=False):
        with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
            with pytest.raises(Exit) as info:
                forest_summary.main()
        return info.value.result
    return run_main


def report(base, name, **doc):
    os.makedirs(os.path.join(base, name))
    with open(os.path.join(base, name, "report.json"), "w") as fh:
        json.dump(doc, fh)


def test_check_mode_writes_nothing_and_a_missing_domain_fails_when_asked(run, tmp_path):
    base = str(tmp_path)
    report(base, "corp", scope="DC=corp", findings=2, finding_counts={"would_fail": 2})
    checked = run(dict(dir=base, domains=["corp", "emea"]), check_mode=True)
    assert not checked["failed"] and checked["changed"] is False
    assert checked["msg"] == "2 domains, 2 findings in all, 1 without a report"
    assert not os.path.exists(checked["files"]["json"])
    gated = run(dict(dir=base, domains=["corp", "emea"], fail_on_missing=True))
    assert gated["failed"] and gated["msg"] == checked["msg"]
    assert os.path.isfile(gated["files"]["json"]) and os.path.isfile(gated["files"]["markdown"])


def test_a_directory_that_cannot_be_written_is_one_line(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(dict(dir=str(blocker / "forest"), domains=["corp"]))
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"].startswith("forest summary in %s: " % (blocker / "forest"))
