"""Outputs where users expect them: each playbook, run by its FQCN from the built and installed
collection in another working directory, writes its reports, state and run history under that
working directory (or adremedy_output_dir, or the directory named), never inside the installed
collection; a directory that cannot be written fails at once, naming it."""

import json
import os

import pytest

from conftest import LAB_OU, user_dn
from installed import install, playbooks_dir, run_fqcn, tree, write_inventory

MODEL = "iPhone16,1"


@pytest.fixture(scope="module")
def installed(tmp_path_factory, lab):
    tmp = tmp_path_factory.mktemp("installed")
    collections = install(str(tmp))
    inventory = write_inventory(str(tmp / "inventory.yml"), connection={
        "server": [lab["server"]], "ca_cert": lab["ca_cert"], "bind_dn": lab["bind_dn"],
        "password": lab["password"]})
    shipped = tree(os.path.join(collections, "ansible_collections"))

    def run(name, extra_vars, cwd, check=False):
        return run_fqcn(name, extra_vars, str(cwd), collections, inventory, check=check)
    yield run
    # Nothing was ever written into the installed collection.
    assert tree(os.path.join(collections, "ansible_collections")) == shipped
    assert sorted(os.listdir(playbooks_dir(collections))) == sorted(
        f for f in os.listdir(playbooks_dir(collections)) if f.endswith(".yml"))


def rollout_args(name):
    # One user whose inheritance is fine: preflight passes and writes nothing to the directory.
    return {"rollout_name": name, "rollout_models": [MODEL], "rollout_users": [user_dn(1)],
            "rollout_stage": "preflight", "rollout_fix_inheritance": False}


def test_defaults_are_under_the_working_directory(installed, tmp_path):
    cwd = tmp_path / "job"
    cwd.mkdir()
    rc, out = installed("compliance_report", {"search_base": LAB_OU}, cwd, check=True)
    assert rc == 0, out[-3000:]
    assert sorted(os.listdir(str(cwd / "compliance-report"))) == [
        "history", "report.html", "report.json", "report.md", "users.csv"]
    assert "reports in %s/compliance-report" % cwd in out

    rc, out = installed("enforce_inheritance", {"search_base": LAB_OU}, cwd, check=True)
    assert rc == 0, out[-3000:]
    last = json.loads((cwd / "inheritance-enforce" / "last-run.json").read_text())
    assert last["status"] in ("compliant", "changed")
    assert len((cwd / "inheritance-enforce" / "runs.jsonl").read_text().splitlines()) == 1

    rc, out = installed("device_rollout", rollout_args("here"), cwd)
    assert rc == 0, out[-3000:]
    state = json.loads((cwd / "rollout-here" / "state.json").read_text())
    assert "preflight" in state["stages"]
    assert sorted(os.listdir(str(cwd))) == ["compliance-report", "inheritance-enforce",
                                            "rollout-here"]


def test_adremedy_output_dir_and_named_directories(installed, tmp_path):
    cwd, out_dir = tmp_path / "cwd", tmp_path / "outputs"
    cwd.mkdir()
    rc, out = installed("compliance_report", {"search_base": LAB_OU,
                                              "adremedy_output_dir": str(out_dir)}, cwd, check=True)
    assert rc == 0, out[-3000:]
    assert (out_dir / "compliance-report" / "report.json").exists()
    # A relative report_dir goes under adremedy_output_dir, an absolute one is used as it is.
    rc, out = installed("enforce_inheritance", {"search_base": LAB_OU, "report_dir": "audit/eas",
                                                "adremedy_output_dir": str(out_dir)}, cwd, check=True)
    assert rc == 0, out[-3000:]
    assert (out_dir / "audit" / "eas" / "last-run.json").exists()
    absolute = tmp_path / "elsewhere" / "pilot"
    rc, out = installed("device_rollout", dict(rollout_args("abs"), rollout_dir=str(absolute),
                                               adremedy_output_dir=str(out_dir)), cwd)
    assert rc == 0, out[-3000:]
    assert (absolute / "state.json").exists()
    assert sorted(os.listdir(str(out_dir))) == ["audit", "compliance-report"]
    assert os.listdir(str(cwd)) == []


@pytest.mark.parametrize("name,extra", [
    ("compliance_report", {"search_base": LAB_OU}),
    ("enforce_inheritance", {"search_base": LAB_OU}),
    ("device_rollout", rollout_args("blocked")),
])
def test_a_directory_that_cannot_be_written_fails_at_once_naming_it(installed, tmp_path, name, extra):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    rc, out = installed(name, dict(extra, adremedy_output_dir=str(blocker)), tmp_path,
                        check=name != "device_rollout")
    assert rc == 2, out[-3000:]
    failed = [line for line in out.splitlines() if line.startswith("fatal:")]
    assert len(failed) == 1 and "output directory %s/" % blocker in failed[0], out[-3000:]
    assert "cannot be created: Not a directory" in failed[0]
    # The directory is resolved before anything talks to the directory service: only the
    # argument checks ran before the failing task.
    # (the AWX artifacts task of an always section runs after the failure, skipped: no report)
    tasks = [line for line in out.splitlines()
             if line.startswith("TASK [") and "as job artifacts" not in line]
    assert all(any(word in task for word in ("Check ", "Include ", "Validating arguments",
                                             "Resolve, create", "Work out the user selection"))
               for task in tasks), tasks
    assert "Resolve, create" in tasks[-1] or "Work out the user selection" in tasks[-1]
