"""One output-directory variable across the playbooks (issue 22 item 5): `output_dir`; the old
names `report_dir`, `rollout_dir`, `change_dir`, `review_dir` still work, with a deprecation
warning. The playbooks' own expressions are evaluated by ansible-playbook, offline."""

import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# playbook -> (the role variable that holds the directory, the deprecated name, the default)
PLAYBOOKS = {
    "compliance_report": ("compliance_report_dir", "report_dir", "compliance-report"),
    "enforce_inheritance": ("inheritance_enforce_report_dir", "report_dir", "inheritance-enforce"),
    "device_rollout": ("device_rollout_dir", "rollout_dir", "rollout-pilot"),
    "default_access_change": ("default_access_change_dir", "change_dir", "default-access-quarantine"),
    "quarantine_review": ("quarantine_review_dir", "review_dir", "quarantine-review"),
}
COLLECTIONS = os.path.join(ROOT, "build", "collections")


def tasks_of(tasks):
    for task in tasks or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from tasks_of(task.get(section))


def directory_expression(playbook, variable):
    with open(os.path.join(ROOT, "playbooks", playbook + ".yml")) as f:
        play = yaml.safe_load(f)[0]
    role_vars = dict(play["roles"][0]["vars"]) if play.get("roles") else next(
        t["vars"] for t in tasks_of(play["tasks"]) if "ansible.builtin.include_role" in t)
    return play.get("vars", {}), role_vars[variable]


def evaluate(tmp_path, extravars):
    """{playbook: the directory it hands its role}, and ansible-playbook's output."""
    plays = []
    for playbook, (variable, _old, _default) in PLAYBOOKS.items():
        play_vars, expression = directory_expression(playbook, variable)
        plays.append({"name": playbook, "hosts": "localhost", "gather_facts": False,
                      "vars": dict(play_vars, rollout_name="pilot", access_level="Quarantine",
                                   adremedy_report_dir_under_test=expression),
                      "tasks": [{"ansible.builtin.debug": {
                          "msg": "DIR %s={{ adremedy_report_dir_under_test }}" % playbook}}]})
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(plays))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
               ANSIBLE_DEPRECATION_WARNINGS="1")
    run = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
         "-c", "local", str(path), "-e", json.dumps(extravars)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
        timeout=120)
    assert run.returncode == 0, run.stdout
    found = dict(line.split('"DIR ', 1)[1].rstrip('"').split("=", 1)
                 for line in run.stdout.splitlines() if '"DIR ' in line)
    return found, " ".join(run.stdout.split())


@pytest.mark.skipif(not os.path.isdir(COLLECTIONS), reason="the collection is not built")
def test_output_dir_names_the_directory_of_every_playbook(tmp_path):
    found, output = evaluate(tmp_path, {"output_dir": "/srv/out", "report_dir": "/srv/old",
                                        "rollout_dir": "/srv/old", "change_dir": "/srv/old",
                                        "review_dir": "/srv/old"})
    assert found == dict((playbook, "/srv/out") for playbook in PLAYBOOKS)
    assert "is deprecated, use output_dir" not in output  # output_dir wins, the old names are not even read


@pytest.mark.skipif(not os.path.isdir(COLLECTIONS), reason="the collection is not built")
def test_the_old_names_still_work_with_a_deprecation_warning(tmp_path):
    old = dict((old, "/srv/" + old) for _var, old, _default in PLAYBOOKS.values())
    found, output = evaluate(tmp_path, old)
    assert found == dict((playbook, "/srv/" + old)
                         for playbook, (_var, old, _default) in PLAYBOOKS.items())
    for name in old:
        assert "The variable %s is deprecated, use output_dir instead" % name in output


@pytest.mark.skipif(not os.path.isdir(COLLECTIONS), reason="the collection is not built")
def test_without_either_the_default_directory(tmp_path):
    found, output = evaluate(tmp_path, {"output_dir": ""})
    assert found == dict((playbook, default) for playbook, (_v, _o, default) in PLAYBOOKS.items())
    assert "is deprecated, use output_dir" not in output
