"""Event 1053 on the lab, predicted, reproduced by the DC, fixed and undone.

The tests in this module run in order on one fresh seed (the `reseeded` fixture): readiness
first, then check mode, the fix, the second run, the rollback. The seed (tests/lab/seed.py)
disables inheritance on users 7 and 47 (inherited ACEs removed) and 27 (kept as explicit ones).
"""

import base64
import json
import os

import pytest

from conftest import ADMINS, BASE, LAB_OU, STAFF, eas_sync, user_dn

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    inheritance_key)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

BROKEN = [user_dn(7), user_dn(27), user_dn(47)]  # inheritance disabled, not protected
PROTECTED = ["CN=adm-direct,%s" % ADMINS, "CN=adm-nested,%s" % ADMINS,
             "CN=svc-backup,OU=Service Accounts,%s" % LAB_OU]
ORPHANS = ["CN=former-admin,%s" % ADMINS, "CN=stale-flag,%s" % ADMINS]
CREATE_DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"

pytestmark = pytest.mark.usefixtures("reseeded")


def dacl(blob):
    return SecurityDescriptor.parse(blob)


@pytest.fixture(scope="module")
def state():
    """What earlier tests in this module found, for later ones."""
    return {}


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    return str(tmp_path_factory.mktemp("journal") / "inheritance.jsonl")


def readiness(ansible, **args):
    if "dn" not in args:
        args["search_base"] = LAB_OU
    result = ansible.run("eas_readiness_info", args)
    assert not result.get("failed"), result.get("msg")
    return result


def test_readiness_predicts_exactly_the_users_the_dc_refuses(ansible, directory, state):
    result = readiness(ansible, details=True)
    predicted = set(row["dn"] for row in result["would_fail"])
    assert set(BROKEN[::2] + PROTECTED + ORPHANS[:1]) == predicted
    # the DC's own access check, as the Exchange server account, on every user that would try
    candidates = [u["dn"] for u in result["users"] if u["eas_enabled"] and not u["container"]]
    outcome = eas_sync(candidates)
    refused = set(dn for dn, r in outcome.items() if r["code"] == 50)
    assert refused == predicted
    assert all(outcome[dn]["step"] == "container" for dn in refused)
    assert result["summary"]["would_fail"] == len(predicted)
    assert result["summary"]["users"] == len(result["users"])
    for dn, outcome_of in outcome.items():  # leave the directory as seeded
        if outcome_of["code"] == 0 and outcome_of.get("container_created"):
            directory.tree_delete("CN=ExchangeActiveSyncDevices,%s" % dn)
    state["before"] = directory.snapshot(directory.dns(LAB_OU))


def test_check_mode_reports_the_exact_plan_and_writes_nothing(ansible, directory, state, journal):
    result = ansible.run("inheritance", {"search_base": LAB_OU, "journal": journal},
                         check=True, diff=True)
    assert result["changed"] is True and not result.get("failed")
    changed = sorted(o["dn"] for o in result["objects"] if o["status"] == "changed")
    assert changed == sorted(BROKEN)
    skipped = dict((o["dn"], o["reason"]) for o in result["objects"] if o["status"] == "skipped")
    assert set(skipped) == set(PROTECTED + ORPHANS + ["CN=adm-unmarked,%s" % ADMINS])
    assert "include_orphaned" in skipped[ORPHANS[0]]
    assert "Domain Admins" in skipped[PROTECTED[1]] and "Tier0 Admins" in skipped[PROTECTED[1]]
    diffs = dict((d["before_header"], d) for d in result["diff"])
    assert set(diffs) == set(BROKEN)
    assert diffs[BROKEN[0]]["before"].startswith("D:PAI\n")
    assert diffs[BROKEN[0]]["after"].startswith("D:AI\n")
    assert directory.snapshot(state["before"]) == state["before"]
    assert not os.path.exists(journal)
    state["check"] = result


def test_max_changes_refuses_a_bigger_plan_and_changes_nothing(ansible, directory, state):
    result = ansible.run("inheritance", {"search_base": LAB_OU, "max_changes": 2})
    assert result["failed"] and "more than max_changes 2" in result["msg"]
    assert sorted(result["plan"]) == sorted(BROKEN)
    assert directory.snapshot(state["before"]) == state["before"]


def test_the_fix_lets_exchange_create_the_container(ansible, directory, state, journal):
    result = ansible.run("inheritance", {"search_base": LAB_OU, "journal": journal})
    assert result["changed"] is True and not result.get("failed"), result.get("msg")
    # exact check mode: the same counts and per-object results as the real run
    assert result["counts"] == state["check"]["counts"]
    assert result["objects"] == state["check"]["objects"]
    for dn in BROKEN:
        assert not dacl(directory.read_sd(dn)).protected
    for dn in PROTECTED + ORPHANS:  # never written
        assert directory.read_sd(dn) == state["before"][dn]
    after = readiness(ansible)
    assert set(r["dn"] for r in after["would_fail"]) == set(PROTECTED + ORPHANS[:1])
    outcome = eas_sync(BROKEN + PROTECTED)
    assert all(outcome[dn]["result"] == "success" for dn in BROKEN), outcome
    assert all(outcome[dn]["code"] == 50 for dn in PROTECTED), outcome
    lines = [json.loads(line) for line in open(journal)]
    assert sorted(line["dn"] for line in lines) == sorted(BROKEN)
    for line in lines:
        assert base64.b64decode(line["old_sd"]) == state["before"][line["dn"]]
        assert line["old_sddl"].startswith("D:PAI") and line["new_sddl"].startswith("D:AI")


def test_second_run_changes_nothing(ansible, directory):
    before = directory.snapshot(BROKEN)
    result = ansible.run("inheritance", {"search_base": LAB_OU})
    assert result["changed"] is False and not result.get("failed")
    assert result["counts"]["changed"] == 0
    assert result["counts"]["unchanged"] == result["counts"]["matched"] - result["counts"]["skipped"]
    assert directory.snapshot(BROKEN) == before


def test_rollback_refuses_objects_changed_since_unless_forced(ansible, directory, state,
                                                              journal):
    # someone grants an extra right on user 7 after the fix
    sd = dacl(directory.read_sd(BROKEN[0]))
    sd.dacl.aces.insert(0, Ace(0x00, 0, 0x10, "S-1-5-11"))
    directory.write_sd(BROKEN[0], sd.to_bytes())
    check = ansible.run("inheritance_rollback", {"journal": journal}, check=True, diff=True)
    assert check["changed"] is True and not check.get("failed")
    assert check["counts"] == dict(matched=3, changed=2, unchanged=0, skipped=1, failed=0)
    refused = [o for o in check["objects"] if o["status"] == "skipped"]
    assert refused[0]["dn"] == BROKEN[0] and "changed since journal line" in refused[0]["reason"]
    assert not dacl(directory.read_sd(BROKEN[1])).protected  # check mode wrote nothing

    result = ansible.run("inheritance_rollback", {"journal": journal})
    assert result["counts"] == check["counts"] and result["objects"] == check["objects"]
    for dn in BROKEN[1:]:
        assert inheritance_key(dacl(directory.read_sd(dn))) == \
            inheritance_key(dacl(state["before"][dn]))
    assert not dacl(directory.read_sd(BROKEN[0])).protected

    forced = ansible.run("inheritance_rollback", {"journal": journal, "force": True})
    assert forced["counts"]["changed"] == 1 and forced["counts"]["unchanged"] == 2


def test_rollback_restores_the_original_sddl_and_is_idempotent(ansible, directory, state,
                                                               journal):
    sddl = Sddl()
    for dn in BROKEN:
        assert sddl.render(dacl(directory.read_sd(dn))) == \
            sddl.render(dacl(state["before"][dn]))
    again = ansible.run("inheritance_rollback", {"journal": journal})
    assert again["changed"] is False and again["counts"]["unchanged"] == 3
    # and the DC refuses Exchange again, as before the fix
    for dn in BROKEN[::2]:
        directory.tree_delete("CN=ExchangeActiveSyncDevices,%s" % dn)
    assert all(r["code"] == 50 for r in eas_sync(BROKEN[::2]).values())


def test_deny_ace_for_exchange_servers_is_a_failure_even_with_inheritance_on(ansible,
                                                                             directory):
    victim = user_dn(10)
    before = directory.read_sd(victim)
    exs = readiness(ansible, dn=[victim])["exchange_servers"]["sid"]
    sd = dacl(before)
    assert not sd.protected
    sd.dacl.aces.insert(0, Ace(0x06, 0, 0x1, exs, CREATE_DEVICES))
    directory.write_sd(victim, sd.to_bytes())
    try:
        result = readiness(ansible, dn=[victim])
        assert [r["dn"] for r in result["would_fail"]] == [victim]
        assert "deny ACE" in result["would_fail"][0]["reason"]
        assert eas_sync([victim])[victim]["code"] == 50  # the DC agrees
    finally:
        directory.write_sd(victim, before)


def test_orphans_are_fixed_only_on_request_and_protected_never(ansible, directory, state):
    named = ORPHANS + PROTECTED[:1]
    result = ansible.run("inheritance", {"dn": named})
    assert result["changed"] is False and result["counts"]["skipped"] == 3
    result = ansible.run("inheritance", {"dn": named, "include_orphaned": True,
                                         "remove_explicit_duplicates": True}, diff=True)
    assert result["changed"] is True and not result.get("failed"), result.get("msg")
    by_dn = dict((o["dn"], o) for o in result["objects"])
    assert by_dn[PROTECTED[0]]["status"] == "skipped"
    assert directory.read_sd(PROTECTED[0]) == state["before"][PROTECTED[0]]
    for dn in ORPHANS:
        assert by_dn[dn]["status"] == "changed" and by_dn[dn]["admin_count_cleared"]
        assert directory.attribute(dn, "adminCount") in (None, [])
        assert not dacl(directory.read_sd(dn)).protected
    # former-admin had the AdminSDHolder DACL: its copies of inherited ACEs went in a 2nd modify
    assert by_dn[ORPHANS[0]]["duplicates_removed"] > 0
    assert ansible.run("inheritance", {"dn": named, "include_orphaned": True,
                                       "remove_explicit_duplicates": True})["changed"] is False


def test_disable_modes_and_idempotence(ansible, directory):
    target = [user_dn(13)]
    preserve = ansible.run("inheritance", {"dn": target, "state": "disabled"})
    assert preserve["changed"] is True
    sd = dacl(directory.read_sd(target[0]))
    assert sd.protected and not any(a.inherited for a in sd.dacl.aces)
    kept = len(sd.dacl.aces)
    assert ansible.run("inheritance", {"dn": target, "state": "disabled",
                                       "disable_mode": "remove"})["changed"] is False
    enabled = ansible.run("inheritance", {"dn": target, "remove_explicit_duplicates": True})
    assert enabled["objects"][0]["duplicates_removed"] > 0
    sd = dacl(directory.read_sd(target[0]))
    explicit = [a for a in sd.dacl.aces if not a.inherited]
    assert len(explicit) < kept and not sd.protected
    remove = ansible.run("inheritance", {"dn": target, "state": "disabled",
                                         "disable_mode": "remove"})
    assert remove["changed"] is True
    assert len(dacl(directory.read_sd(target[0])).dacl.aces) == len(explicit)


@pytest.mark.parametrize("args, needle", [
    ({"dn": ["CN=User 00001,,OU=Staff"]}, "invalidDNSyntax (34)"),
    # one malformed DN among good ones (a line break and a NUL in it): nothing is written
    ({"dn": BROKEN[:1] + ["CN=User\n 1,OU=\x00Staff"] + BROKEN[1:]}, "invalidDNSyntax (34)"),
    ({"search_base": "OU=Nowhere,%s" % LAB_OU}, "noSuchObject (32)"),
    ({"search_base": STAFF, "filter": "(&(objectClass=user)"}, "filterError (87)"),
    # nested deeper than ldap3's parser recurses: a traceback before the filter was checked
    ({"search_base": STAFF, "filter": "(&" * 3000 + "(objectClass=user)" + ")" * 3000},
     "filterError (87)"),
    ({"search_base": STAFF, "journal": "/nonexistent-dir/j.jsonl"}, "cannot open journal"),
])
def test_bad_input_fails_clearly_and_writes_nothing(ansible, directory, args, needle):
    before = directory.snapshot(BROKEN)
    result = ansible.run("inheritance", args)
    assert result["failed"] and needle in result["msg"]
    assert "\n" not in result["msg"]
    assert directory.snapshot(BROKEN) == before


def test_a_missing_dn_fails_that_object_only(ansible, directory):
    ghost = "CN=Nobody,%s" % STAFF
    result = ansible.run("inheritance", {"dn": [ghost, BROKEN[0]]})
    assert result["failed"] and "noSuchObject (32)" in result["msg"] and ghost in result["msg"]
    assert result["counts"]["failed"] == 1 and result["counts"]["changed"] == 1
    assert not dacl(directory.read_sd(BROKEN[0])).protected


def test_rollback_refuses_a_journal_from_another_domain(ansible, directory, tmp_path):
    foreign = tmp_path / "other-domain.jsonl"
    blob = base64.b64encode(directory.read_sd(BROKEN[1])).decode()
    foreign.write_text(json.dumps(dict(dn=BROKEN[1], old_sd=blob, new_sd=blob,
                                       domain_sid="S-1-5-21-1-2-3")) + "\n")
    before = directory.read_sd(BROKEN[1])
    result = ansible.run("inheritance_rollback", {"journal": str(foreign)})
    assert result["failed"] and "written in domain S-1-5-21-1-2-3" in result["msg"]
    assert directory.read_sd(BROKEN[1]) == before


@pytest.mark.parametrize("content, needle", [
    ("not json\n", "line 1 is not JSON"),
    ('{"dn": "CN=x"}\n', "line 1 lacks old_sd, new_sd"),
    ('{"dn": "%s", "old_sd": "@@@", "new_sd": "@@@", "domain_sid": "{sid}"}\n' % BROKEN[1],
     "not a valid base64 security descriptor"),
])
def test_rollback_rejects_a_damaged_journal(ansible, directory, tmp_path, content, needle):
    from made_here import domain_sid
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text(content.replace("{sid}", domain_sid(directory, BASE)))
    result = ansible.run("inheritance_rollback", {"journal": str(damaged)})
    assert result["failed"] and needle in result["msg"]


def test_rollback_playbook_restores_from_a_journal(ansible, directory, tmp_path):
    import subprocess
    import sys
    import yaml
    from conftest import COLLECTIONS, ROOT
    journal = str(tmp_path / "pb.jsonl")
    target = user_dn(14)
    before = directory.read_sd(target)
    assert ansible.run("inheritance", {"dn": [target], "state": "disabled", "journal": journal,
                                       "disable_mode": "remove"})["changed"] is True
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
        "vars": {"adremedy_connection": ansible.connection()}}}))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
               str(inventory), os.path.join(ROOT, "playbooks", "rollback.yml"),
               "-e", "journal=%s" % journal]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout
    assert "1 of 1 objects changed" in run.stdout and "DEPRECATION" not in run.stdout
    assert inheritance_key(dacl(directory.read_sd(target))) == inheritance_key(dacl(before))
    # the old variable name still works during its deprecation, and says so
    command[-1] = "adremedy_journal=%s" % journal
    again = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, check=False)
    assert again.returncode == 0 and "0 of 1 objects changed" in again.stdout
    assert "adremedy_journal is deprecated, use journal instead" in " ".join(again.stdout.split())
