"""device_rollout users named as admins type them, on the lab (playbooks/device_rollout.yml):
sAMAccountName, DOMAIN\\sam, UPN, primary and secondary SMTP addresses, objectGUID, SID and a
DN in another spelling, all resolved by identity_info before anything runs; an unknown or an
ambiguous name stops the rollout with one line naming it and nothing written (no rule, no
state file).

The OU and users are made here (not the seed), with names that need escapes and are not ASCII."""

import json

import pytest

from conftest import LAB_OU, run_playbook
from made_here import add_user, sid_and_guid

FIELD = "OU=Außendienst\\, Nord,%s" % LAB_OU
ANNE = "CN=Ørsted\\, Anne,%s" % FIELD
LUKASZ = "CN=Łukasz Nowak,%s" % FIELD
RENEE = "CN=Renée \\#1,%s" % FIELD
GUL = "CN=Gül\\+Partner,%s" % FIELD
PLAIN = "CN=Plain Name,%s" % FIELD
CLASH = "CN=Clash,%s" % FIELD
MODEL = "Galaxy Z Fold7"
RULE = "CN=%s (DeviceModel),CN=Mobile Mailbox Settings,CN=Lab Org,CN=Microsoft Exchange," \
       "CN=Services,CN=Configuration,DC=lab,DC=example,DC=test" % MODEL


@pytest.fixture(scope="module")
def field(directory):
    conn = directory.conn
    directory.tree_delete(FIELD)
    try:
        assert conn.add(FIELD, ["top", "organizationalUnit"]), conn.result
        add_user(conn, ANNE, "aorsted", mail="Anne.Orsted@example.com",
                 proxyAddresses=["SMTP:Anne.Orsted@example.com", "smtp:ao@legacy.example.com",
                                 "smtp:field-team@example.com"])
        add_user(conn, LUKASZ, "lnowak")
        add_user(conn, RENEE, "rhash")
        add_user(conn, GUL, "gpartner")
        add_user(conn, PLAIN, "pname")
        add_user(conn, CLASH, "clash", mail="field-team@example.com")
        yield dict((dn, sid_and_guid(conn, dn)) for dn in (RENEE, GUL))
    finally:
        directory.tree_delete(FIELD)


def preflight(tmp_path, users, name="field", **extra):
    args = {"rollout_name": name, "rollout_models": [MODEL], "rollout_dir": str(tmp_path),
            "rollout_users": users, "rollout_stage": "preflight"}
    args.update(extra)
    return run_playbook("device_rollout", args)


def rule_exists(directory):
    directory.conn.search(RULE, "(objectClass=*)", search_scope="BASE", attributes=["1.1"])
    return directory.conn.result["result"] == 0


def test_rollout_users_by_any_name_are_the_users_they_name(tmp_path, field, directory):
    odd_dn = "cn = plain name , ou=au\\c3\\9fendienst\\2c nord, ou=lab,dc=LAB,dc=example,dc=test"
    users = ["aorsted@lab.example.test",    # UPN
             "LAB\\lnowak",                 # DOMAIN\sam
             field[RENEE][0],               # SID
             "{%s}" % field[GUL][1].upper(),  # objectGUID with braces
             odd_dn,                        # a DN in another spelling
             "AO@legacy.example.com",       # Anne again, by a secondary proxy address
             "rhash"]                       # Renée again, by sAMAccountName
    run = preflight(tmp_path, users)
    assert run.rc == 0, run.output[-3000:]
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["stages"]["preflight"]["users"] == 5  # seven names, five users
    assert not rule_exists(directory)  # preflight writes no rule


def test_one_survey_string_is_one_user_per_line(tmp_path, field):
    run = preflight(tmp_path, "%s\nANNE.ORSTED@example.com\n" % ANNE, name="survey")
    assert run.rc == 0, run.output[-3000:]
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["stages"]["preflight"]["users"] == 1  # the DN keeps its escaped comma


def test_an_unknown_or_ambiguous_user_stops_the_rollout_with_nothing_written(
        tmp_path, field, directory):
    unknown = preflight(tmp_path / "u", ["aorsted", "nobody@example.invalid"], name="unknown",
                        rollout_stage="all")
    assert unknown.rc == 2
    assert "user 'nobody@example.invalid' not found in DC=lab,DC=example,DC=test (by " \
           "userPrincipalName, mail or proxyAddresses): noSuchObject (32)" in unknown.output
    assert not (tmp_path / "u" / "state.json").exists() and not rule_exists(directory)
    ambiguous = preflight(tmp_path / "a", ["field-team@example.com"], name="ambiguous",
                          rollout_stage="all")
    assert ambiguous.rc == 2
    assert "ambiguous: 'field-team@example.com' matches 2 objects" in ambiguous.output
    assert "CN=Clash," in ambiguous.output and "(mail)" in ambiguous.output
    assert not (tmp_path / "a" / "state.json").exists() and not rule_exists(directory)
