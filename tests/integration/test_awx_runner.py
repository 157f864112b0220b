"""The three workflows run the way AWX runs them: ansible-runner with a private data directory,
the playbook by FQCN from the installed collection, connection settings only from the environment
variables the shipped credential type (docs/awx/credential_type.yml) injects (a comma-separated
ADREMEDY_SERVER whose first DC is down), extra variables from the shipped survey's defaults plus
the answers, no connection variables at all. The job succeeds, its artifacts hold the report, and
the password is in no artifact."""

import json
import os
import re
import subprocess
import sys

import ansible_runner
import jinja2
import pytest
import yaml

from conftest import LAB_OU, ROOT, STAFF, lab_cli, user_dn
from installed import install

AWX = os.path.join(ROOT, "docs", "awx")
WORKFLOWS = {"compliance_report": "compliance_report", "enforce_inheritance": "inheritance_enforce",
             "device_rollout": "device_rollout", "default_access_change": "default_access_change",
             "quarantine_review": "quarantine_review"}
MODULE_WORKFLOWS = {"rollback": "inheritance_rollback"}  # playbooks that run a module, no role
DOWN_DC = "ldaps://127.0.0.1:1636"  # nothing listens there: the first DC is down


def survey(playbook):
    with open(os.path.join(AWX, playbook + ".survey.json")) as f:
        return json.load(f)


def survey_vars(playbook, **answers):
    """What AWX passes as extra variables: each question's default, or the answer given."""
    values = dict((q["variable"], q["default"]) for q in survey(playbook)["spec"])
    values.update(answers)
    return values


def inject(credential_type, inputs, directory):
    """What AWX does with a credential of this type: writes the file templates, renders env."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    files = {}
    for key, template in credential_type["injectors"].get("file", {}).items():
        path = os.path.join(directory, key.split(".", 1)[1])
        with open(path, "w") as f:
            f.write(env.from_string(template).render(**inputs))
        os.chmod(path, 0o600)
        files[key.split(".", 1)[1]] = path
    context = dict(inputs, tower={"filename": files})
    return dict((name, env.from_string(value).render(**context))
                for name, value in credential_type["injectors"]["env"].items())


def argument_spec(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as f:
        return yaml.safe_load(f)["argument_specs"]["main"]["options"]


def module_options(module):
    """A module's options as ansible-doc gives them: its DOCUMENTATION with the doc fragments
    it extends (the bulk options come from the `bulk` fragment)."""
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    out = subprocess.run([ansible_doc, "--json", "adremedy.directory." + module],
                         capture_output=True, text=True, check=True, timeout=120,
                         env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ.get(
                             "ANSIBLE_COLLECTIONS_PATH") or os.path.join(ROOT, "build", "collections"))).stdout
    return json.loads(out)["adremedy.directory." + module]["doc"]["options"]


def tasks_of(tasks):
    """Every task, those inside blocks too."""
    for task in tasks or []:
        yield task
        for section in ("block", "rescue", "always"):
            yield from tasks_of(task.get(section))


def role_vars_of(play):
    """What a playbook hands its role: its vars under roles: or on its include_role task, and the
    role variables its pre_tasks set as facts."""
    tasks = list(tasks_of(play.get("pre_tasks"))) + list(tasks_of(play.get("tasks")))
    if play.get("roles"):
        values = dict(play["roles"][0]["vars"])
    else:
        values = dict(next(task["vars"] for task in tasks if "ansible.builtin.include_role" in task))
    for task in tasks:
        values.update(task.get("ansible.builtin.set_fact") or {})
    return spelled_out(values, play)


def spelled_out(values, play):
    """`values` with the play's vars they read replaced by what those vars read."""
    for name, value in play.get("vars", {}).items():
        values = dict((k, v.replace(name, "(%s)" % value) if isinstance(v, str) else v)
                      for k, v in values.items())
    return values


def module_args_of(play, module):
    """What a playbook hands a module: its task's arguments, with the play's vars they read
    spelled out."""
    task = next(t for t in tasks_of(play["tasks"]) if "adremedy.directory." + module in t)
    return spelled_out(task["adremedy.directory." + module], play)


@pytest.mark.parametrize("playbook", sorted(WORKFLOWS) + sorted(MODULE_WORKFLOWS))
def test_each_survey_variable_reaches_a_role_option(playbook):
    """Every survey variable is read by the playbook into an option of its role's argument spec
    (or, for a playbook without a role, of its module), with the same choices where the option
    has them; a yes/no option is a false/true (or no/yes) choice."""
    with open(os.path.join(ROOT, "playbooks", playbook + ".yml")) as f:
        play = yaml.safe_load(f)[0]
    if playbook in MODULE_WORKFLOWS:
        role_vars = module_args_of(play, MODULE_WORKFLOWS[playbook])
        options = module_options(MODULE_WORKFLOWS[playbook])
    else:
        role_vars = role_vars_of(play)
        options = argument_spec(WORKFLOWS[playbook])
    spec = survey(playbook)
    assert spec["name"] and spec["description"] and spec["spec"]
    for question in spec["spec"]:
        var = question["variable"]
        readers = [name for name, value in role_vars.items()
                   if re.search(r"(?<![\w.])%s\b" % re.escape(var), str(value))]
        assert readers, "%s: survey variable %s is not read by the playbook" % (playbook, var)
        for name in readers:
            assert name in options, "%s: %s is no option of the role" % (playbook, name)
            if question["type"] == "multiplechoice" and "choices" in options[name]:
                assert question["choices"] == options[name]["choices"], var
            if options[name].get("type") == "bool":
                assert question["type"] == "multiplechoice" and question["choices"] in (
                    ["false", "true"], ["no", "yes"]), var
            if options[name].get("type") == "int":
                assert question["type"] == "integer", var
        assert question["type"] in ("text", "textarea", "integer", "multiplechoice")


@pytest.fixture(scope="module")
def awx(tmp_path_factory, lab):
    """run(playbook, extravars, check) -> (runner result, artifact dir), as an AWX job."""
    lab_cli("seed")
    tmp = tmp_path_factory.mktemp("awx")
    collections = install(str(tmp))
    with open(os.path.join(AWX, "credential_type.yml")) as f:
        credential_type = yaml.safe_load(f)
    with open(lab["ca_cert"]) as f:
        inputs = {"server": "%s,%s" % (DOWN_DC, lab["server"]), "bind_dn": lab["bind_dn"],
                  "password": lab["password"], "ca_cert": f.read()}
    secrets = tmp / "credential"
    secrets.mkdir()
    injected = inject(credential_type, inputs, str(secrets))
    envvars = dict(injected, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])

    def run(playbook, extravars, check=False):
        # A fresh private data directory per job, as AWX makes one.
        private = tmp / ("private-" + playbook)
        for sub in ("project", "inventory"):
            (private / sub).mkdir(parents=True)
        # AWX's inventory for an EE job: localhost, nothing about the directory service.
        (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {
            "localhost": {"ansible_connection": "local",
                          "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
        artifacts = private / "artifacts" / playbook
        result = ansible_runner.run(
            private_data_dir=str(private), ident=playbook,
            playbook="adremedy.directory." + playbook.split("-")[0],
            extravars=dict(extravars, adremedy_output_dir=str(artifacts / "output")),
            envvars=envvars, cmdline="--check" if check else None, suppress_env_files=True,
            quiet=True)
        assert ("--check" in result.config.command) == check
        return result, artifacts
    run.injected, run.password = injected, lab["password"]
    yield run
    lab_cli("seed")


def artifact_data(result):
    stats = [e for e in result.events if e.get("event") == "playbook_on_stats"]
    return stats[-1]["event_data"].get("artifact_data", {})


def assert_no_password(run, artifacts):
    for directory, _dirs, files in os.walk(str(artifacts)):
        for name in files:
            with open(os.path.join(directory, name), "rb") as f:
                assert run.password.encode() not in f.read(), os.path.join(directory, name)


def test_the_credential_type_injects_no_secret_into_the_environment(awx):
    assert set(awx.injected) == {"ADREMEDY_SERVER", "ADREMEDY_BIND_DN", "ADREMEDY_PASSWORD_FILE",
                                 "ADREMEDY_CA_CERT", "ADREMEDY_AUTH", "ADREMEDY_START_TLS",
                                 "ADREMEDY_VALIDATE_CERTS", "ADREMEDY_GC_SERVER", "KRB5_CONFIG"}
    # optional fields left blank: empty, so the modules use their defaults
    assert [awx.injected[name] for name in ("ADREMEDY_START_TLS", "ADREMEDY_VALIDATE_CERTS",
                                            "ADREMEDY_GC_SERVER")] == ["", "", ""]
    # Kerberos fields left blank: a simple bind, the image's own krb5.conf (test_kerberos.py
    # runs the kerberos variant).
    assert (awx.injected["ADREMEDY_AUTH"], awx.injected["KRB5_CONFIG"]) == ("simple",
                                                                            "/etc/krb5.conf")
    assert awx.injected["ADREMEDY_SERVER"].startswith(DOWN_DC + ",")
    assert awx.password not in json.dumps(awx.injected)
    with open(awx.injected["ADREMEDY_PASSWORD_FILE"]) as f:
        assert f.read() == awx.password


def test_compliance_report_job_in_check_mode(awx):
    result, artifacts = awx("compliance_report", survey_vars("compliance_report", search_base=LAB_OU),
                            check=True)
    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()[-3000:]
    report = artifacts / "output" / "compliance-report"
    assert sorted(os.listdir(str(report))) == ["history", "report.html", "report.json", "report.md",
                                               "users.csv"]
    data = json.loads((report / "report.json").read_text())
    stats = artifact_data(result)["adremedy_compliance_report"]
    assert stats["findings"] == data["findings"] > 0
    assert stats["files"]["html"] == str(report / "report.html")
    # the Markdown summary and the counts reach AWX without a volume (issue 22 item 4)
    assert stats["markdown"] == (report / "report.md").read_text().rstrip("\n")
    assert stats["finding_counts"] == data["finding_counts"]
    assert_no_password(awx, artifacts)


def test_a_compliance_report_job_failed_by_its_findings_still_hands_over_its_summary(awx):
    result, _artifacts = awx("compliance_report-gate", survey_vars(
        "compliance_report", search_base=LAB_OU, fail_on_findings="true"), check=True)
    assert (result.status, result.rc) == ("failed", 2)
    stats = artifact_data(result)["adremedy_compliance_report"]
    assert stats["findings"] > 0 and stats["markdown"].startswith("#")


def test_enforce_inheritance_job(awx, directory):
    result, artifacts = awx("enforce_inheritance", survey_vars(
        "enforce_inheritance", search_base=LAB_OU, max_changes=20,
        exclude="%s\n  %s\n" % (user_dn(27), user_dn(28))))  # one DN a line, as typed
    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()[-3000:]
    last = json.loads((artifacts / "output" / "inheritance-enforce" / "last-run.json").read_text())
    assert last["status"] == "changed"
    assert sorted(o["dn"] for o in last["objects"] if o["status"] == "changed") == \
        sorted([user_dn(7), user_dn(47)])  # user 27 was excluded by the survey's textarea
    stats = artifact_data(result)["adremedy_inheritance_enforce"]
    assert stats["status"] == "changed" and stats["report"].endswith("inheritance-enforce/last-run.json")
    assert stats["counts"]["changed"] == 2 and stats["failed_objects"] == []
    assert_no_password(awx, artifacts)


def test_a_failed_enforce_job_still_hands_over_its_outcome(awx):
    """A plan over max_changes fails the job; AWX keeps why, where the report is gone with it."""
    result, _artifacts = awx("enforce_inheritance-over-limit", survey_vars(
        "enforce_inheritance", search_base=LAB_OU, max_changes=0), check=True)
    assert (result.status, result.rc) == ("failed", 2)
    stats = artifact_data(result)["adremedy_inheritance_enforce"]
    assert stats["status"] == "failed" and "more than max_changes 0" in stats["msg"]


def test_device_rollout_job(awx):
    result, artifacts = awx("device_rollout", survey_vars(
        "device_rollout", rollout_name="awx", rollout_models="iPhone16,1\niPhone16,2\n",
        rollout_search_base="OU=Engineering,%s" % STAFF, rollout_stage="preflight"))
    assert (result.status, result.rc) == ("successful", 0), result.stdout.read()[-3000:]
    state = json.loads((artifacts / "output" / "rollout-awx" / "state.json").read_text())
    assert state["models"] == ["iPhone16,1", "iPhone16,2"]
    stats = artifact_data(result)["adremedy_device_rollout"]
    assert stats["stages_done"] == ["preflight"]
    assert_no_password(awx, artifacts)
