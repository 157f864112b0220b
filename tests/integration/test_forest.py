"""A forest in one ansible-playbook run: an inventory with one host per domain, each with its own
connection and search base, read in parallel on the controller, one report per domain and one
forest summary.

The second domain is a second lab: Samba's ports are fixed, so it runs in a network namespace of
its own, reached through a veth pair on a link-local /30 (no traffic leaves the machine), bound to
its end of the pair (lab.py's ADREMEDY_LAB_HOST) and seeded with fewer users than the first."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import LAB, run_playbook

SECOND_SIZE = 20
TAG = os.getpid() % 100000
NETNS = "adremedy-b%d" % TAG
NEAR, FAR = "adra%d" % TAG, "adrb%d" % TAG  # veth ends: here, and in the second namespace
SUBNET = 20 + TAG % 200
HERE_ADDR, LAB_B_ADDR = "169.254.%d.1" % SUBNET, "169.254.%d.2" % SUBNET

# the first lab as the seed makes it: its user count is compared with the second's
pytestmark = pytest.mark.usefixtures("reseeded")


def ip(*args, netns=None):
    cmd = (["ip", "netns", "exec", netns] if netns else []) + ["ip"] + list(args)
    subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def second_lab(lab, tmp_path_factory):
    lab_dir = str(tmp_path_factory.mktemp("lab-b"))
    env = dict(os.environ, ADREMEDY_LAB_DIR=lab_dir, ADREMEDY_LAB_HOST=LAB_B_ADDR)
    in_netns = ["ip", "netns", "exec", NETNS]
    ip("netns", "add", NETNS)
    try:
        ip("link", "set", "lo", "up", netns=NETNS)
        ip("link", "add", NEAR, "type", "veth", "peer", "name", FAR, "netns", NETNS)
        ip("addr", "add", HERE_ADDR + "/30", "dev", NEAR)
        ip("link", "set", NEAR, "up")
        ip("addr", "add", LAB_B_ADDR + "/30", "dev", FAR, netns=NETNS)
        ip("link", "set", FAR, "up", netns=NETNS)
        subprocess.run(in_netns + LAB + ["up", "--size", str(SECOND_SIZE)], env=env, check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        with open(os.path.join(lab_dir, "lab.json")) as fh:
            yield json.load(fh)
    finally:
        subprocess.run(in_netns + LAB + ["down"], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", NEAR], check=False, stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", NETNS], check=False)


def forest_inventory(path, *labs):
    """One host per domain, each with its own connection and search base."""
    hosts = {}
    for name, info in labs:
        hosts[name] = {"search_base": "OU=Lab,%s" % info["base_dn"], "adremedy_connection": {
            "server": [info["server"]], "ca_cert": info["ca_cert"], "bind_dn": info["bind_dn"],
            "password": info["password"], "connect_timeout": 3}}
    inventory = {"all": {"vars": {"ansible_python_interpreter": sys.executable},
                         "children": {"forest": {"hosts": hosts}}}}
    with open(path, "w") as fh:
        yaml.safe_dump(inventory, fh)
    return str(path)


def test_two_domains_in_one_run_with_one_forest_summary(lab, second_lab, tmp_path):
    assert second_lab["server"] == "ldaps://%s:636" % LAB_B_ADDR
    inventory = forest_inventory(tmp_path / "forest.yml", ("lab-a", lab), ("lab-b", second_lab))
    reports = tmp_path / "reports"
    run = run_playbook("compliance_report", {"adremedy_hosts": "forest",
                                             "report_dir": str(reports)},
                       check=True, inventory=inventory)
    assert run.rc == 0, run.output[-4000:]
    # both domains ran each task side by side (forks), the work on the controller
    assert "ok: [lab-a]" in run.output and "ok: [lab-b]" in run.output
    a = json.loads((reports / "lab-a" / "report.json").read_text())
    b = json.loads((reports / "lab-b" / "report.json").read_text())
    # each host read its own lab: the second one has fewer users
    assert a["summary"]["users"] - b["summary"]["users"] == 50 - SECOND_SIZE
    summary = json.loads((reports / "forest-summary.json").read_text())
    assert [d["name"] for d in summary["domains"]] == ["lab-a", "lab-b"]
    assert all(d["status"] == "ok" for d in summary["domains"])
    totals = summary["totals"]
    assert totals["domains"] == 2 and totals["missing"] == 0
    assert totals["summary"]["users"] == a["summary"]["users"] + b["summary"]["users"]
    assert totals["findings"] == a["findings"] + b["findings"]
    for key, value in a["finding_counts"].items():
        assert totals["finding_counts"][key] == value + b["finding_counts"][key]
    markdown = (reports / "forest-summary.md").read_text()
    assert "| lab-a | OU=Lab,DC=lab,DC=example,DC=test |" in markdown
    assert "| **forest** | 2 domains, 0 without a report |" in markdown
    # gating: every domain has findings, so both fail, after the summary was written
    gated = tmp_path / "gated"
    run = run_playbook("compliance_report", {"adremedy_hosts": "forest", "fail_on_findings": True,
                                             "report_dir": str(gated)},
                       check=True, inventory=inventory)
    assert run.rc == 2
    assert "%d findings in lab-a; see %s/forest-summary.md" % (a["findings"], gated) in run.output
    assert "%d findings in lab-b" % b["findings"] in run.output
    assert (gated / "forest-summary.json").exists()


def test_a_domain_that_fails_is_named_and_the_others_are_summed(lab, second_lab, tmp_path):
    gone = dict(second_lab, server="ldaps://127.0.0.1:6363")  # nothing listens there
    inventory = forest_inventory(tmp_path / "forest.yml", ("lab-a", lab), ("lab-b", second_lab),
                                 ("lab-gone", gone))
    reports = tmp_path / "reports"
    (reports / "lab-gone").mkdir(parents=True)
    (reports / "lab-gone" / "report.json").write_text('{"findings": 99}')  # yesterday's
    run = run_playbook("compliance_report", {"adremedy_hosts": "forest",
                                             "report_dir": str(reports)},
                       check=True, inventory=inventory)
    assert run.rc == 2
    summary = json.loads((reports / "forest-summary.json").read_text())
    status = dict((d["name"], d["status"]) for d in summary["domains"])
    assert status == {"lab-a": "ok", "lab-b": "ok", "lab-gone": "missing"}
    assert summary["totals"]["missing"] == 1
    assert summary["totals"]["findings"] < 99
    assert "lab-gone" in (reports / "forest-summary.md").read_text()


def test_every_domain_failing_still_writes_a_summary_naming_them(lab, tmp_path):
    # Ansible ends a play when no host is left: the summary must not depend on one surviving.
    hosts = [("gone-%d" % port, dict(lab, server="ldaps://127.0.0.1:%d" % port))
             for port in (6363, 6364)]  # nothing listens there
    inventory = forest_inventory(tmp_path / "forest.yml", *hosts)
    reports = tmp_path / "reports"
    run = run_playbook("compliance_report", {"adremedy_hosts": "forest",
                                             "report_dir": str(reports)},
                       check=True, inventory=inventory)
    assert run.rc == 2, run.output[-3000:]
    summary = json.loads((reports / "forest-summary.json").read_text())
    assert [(d["name"], d["status"]) for d in summary["domains"]] == [
        ("gone-6363", "missing"), ("gone-6364", "missing")]
    assert summary["totals"]["missing"] == 2 and summary["totals"]["findings"] == 0
    for name, _info in hosts:
        assert "the compliance report of %s failed: " % name in run.output
        assert "127.0.0.1:%s" % name[5:] in run.output  # the reason names the server
