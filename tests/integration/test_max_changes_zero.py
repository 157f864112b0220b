"""max_changes: 0 allows no change (issue 20 item 6): an AWX survey answer of 0, meant as "change
nothing", used to let every change through. On the lab, with a user of this test's own whose
inheritance is off: the module and the enforce playbook (as its AWX survey's 0 reaches it) write
nothing and fail with the plan; left out, the module has no limit and the playbook 500."""

import json
import uuid

import pytest

from conftest import LAB_OU, run_playbook
from made_here import make_tree, protected

OU = "OU=Max Changes Zero,%s" % LAB_OU


@pytest.fixture
def one_broken(directory):
    user = "CN=mcz-%s,%s" % (uuid.uuid4().hex[:8], OU)
    make_tree(directory, [OU], {user: user[3:15]}, broken=True)
    try:
        yield user
    finally:
        directory.tree_delete(OU)


def test_the_module_with_max_changes_0_writes_nothing_and_fails_with_the_plan(ansible, directory,
                                                                              one_broken):
    before = directory.read_sd(one_broken)
    for check in (True, False):
        result = ansible.run("inheritance", {"dn": [one_broken], "max_changes": 0}, check=check)
        assert result["failed"] and result["changed"] is False
        assert result["msg"] == "the plan changes 1 objects, more than max_changes 0; nothing " \
                                "was changed"
        assert result["plan"] == [one_broken]
    assert directory.read_sd(one_broken) == before and protected(directory, one_broken)
    unlimited = ansible.run("inheritance", {"dn": [one_broken]})  # left out: no limit
    assert not unlimited.get("failed"), unlimited.get("msg")
    assert unlimited["counts"]["changed"] == 1 and not protected(directory, one_broken)


def test_the_enforce_playbook_takes_0_as_nothing(directory, one_broken, tmp_path):
    args = {"search_base": OU, "report_dir": str(tmp_path)}
    refused = run_playbook("enforce_inheritance", dict(args, max_changes=0))
    assert refused.rc == 2, refused.output[-3000:]
    last = json.loads((tmp_path / "last-run.json").read_text())
    assert last["status"] == "failed" and "more than max_changes 0; nothing was changed" in last["msg"]
    assert last["plan"] == [one_broken] and protected(directory, one_broken)
    fixed = run_playbook("enforce_inheritance", args)  # left out: the playbook's 500
    assert fixed.rc == 0, fixed.output[-3000:]
    assert not protected(directory, one_broken)
