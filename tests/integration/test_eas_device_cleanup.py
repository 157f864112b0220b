# -*- coding: utf-8 -*-
"""eas_device_cleanup on the lab: stale partnerships and broken containers removed, with check
mode, diff, journal, idempotence, max_changes and bad input.

The tests make their own people (not the seed's names) in an OU whose name needs escaping, with
non-ASCII CNs, and give them phones through the lab's EAS sync stand-in, bound as the Exchange
server, so device objects are named CN=<type>§<id> exactly as Exchange names them. They run in
order on one fresh seed.
"""

import json
import os
import stat
import time

import ldap3
import pytest

from conftest import LAB_OU, lab_cli

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

pytestmark = pytest.mark.usefixtures("reseeded")

OU = u"OU=Au\u00dfendienst\\, S\u00fcd,%s" % LAB_OU
PEOPLE = {
    # sam: (CN as typed in a DN, enabled)
    "jmuellerx": (u"M\u00fcller\\, J\u00fcrgen", False),
    "aoberg": (u"\u00c5sa \u00d6berg", True),
    "zoe2": (u"Zo\u00eb \\#2", True),
    "locked": (u"Lars \u00d8stergaard", True),
}
PASSWORD = "Cleanup-Passw0rd!"
DEVICE = "(objectClass=msExchActiveSyncDevice)"


def dn_of(sam):
    return u"CN=%s,%s" % (PEOPLE[sam][0], OU)


def container_of(sam):
    return "CN=ExchangeActiveSyncDevices," + dn_of(sam)


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def sync(sam, device_id, device_type="iPhone", model="iPhone15,2"):
    out = lab_cli("eas-sync", "--user", dn_of(sam), "--device-id", device_id,
                  "--device-type", device_type, "--model", model, check=False)
    return json.loads([line for line in out.splitlines() if line.startswith("{")][0])


def device_ids(directory, sam):
    conn = directory.conn
    conn.search(dn_of(sam), DEVICE, attributes=["msExchDeviceID"])
    values = [item["attributes"]["msExchDeviceID"] for item in conn.response
              if item["type"] == "searchResEntry"]
    return sorted(v[0] if isinstance(v, list) else v for v in values)


def exists(directory, dn):
    directory.conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=["1.1"])
    return bool([i for i in directory.conn.response if i["type"] == "searchResEntry"])


@pytest.fixture(scope="module")
def people(reseeded, directory):
    """The people and their phones; their OU taken away afterwards (also when this fails)."""
    directory.tree_delete(OU)
    try:
        yield _make_people(directory)
    finally:
        directory.tree_delete(OU)


def _make_people(directory):
    conn = directory.conn
    assert conn.add(OU, "organizationalUnit"), conn.result
    for sam, (cn, enabled) in PEOPLE.items():
        dn = dn_of(sam)
        assert conn.add(dn, ["top", "person", "organizationalPerson", "user"], {
            "sAMAccountName": sam, "userPrincipalName": "%s@lab.example.test" % sam,
            "mail": "%s@example.com" % sam,
            # two people answer to the team's address: naming it is ambiguous
            "proxyAddresses": ["SMTP:%s@example.com" % sam] + (
                ["smtp:field-team@example.com"] if sam in ("aoberg", "locked") else [])}), \
            conn.result
        if enabled:
            pw = ('"%s"' % PASSWORD).encode("utf-16-le")
            assert conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [pw])]}), conn.result
            assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["512"])]})
    # Jürgen left: his account is disabled; an old phone, a tablet and the phone he kept on
    # his allow list, plus an allow-list value left over from a wiped phone.
    for device_id, dtype, model in (("STALEPHONE01", "iPhone", "iPhone15,2"),
                                    ("STALETABLET02", "iPad", "iPad13,4"),
                                    ("KEPTPHONE03", "Android", "Pixel 8")):
        assert sync("jmuellerx", device_id, dtype, model)["code"] == 0
    assert conn.modify(dn_of("jmuellerx"), {"msExchMobileAllowedDeviceIDs": [
        (ldap3.MODIFY_ADD, ["KEPTPHONE03", "WIPEDPHONE99"])]}), conn.result
    # Åsa is active: three phones over time (distinct whenCreated seconds).
    for n in (1, 2, 3):
        assert sync("aoberg", "ASAPHONE%02d" % n)["code"] == 0
        time.sleep(1.1)
    # Zoë's phone syncs; her container is the one that breaks.
    assert sync("zoe2", "ZOEPHONE01")["code"] == 0
    return PEOPLE


def listed(result):
    return sorted((o["dn"], o["status"]) for o in result["objects"])


def run(ansible, args, **kwargs):
    return ansible.run("eas_device_cleanup", args, **kwargs)


# -- partnerships -------------------------------------------------------------------------------

def test_check_mode_lists_exactly_what_the_real_run_removes(ansible, directory, people, tmp_path):
    args = {"users": ["jmuellerx"], "owner_disabled": True,
            "journal": str(tmp_path / "cleanup.jsonl")}
    check = ok(run(ansible, args, check=True, diff=True))
    assert device_ids(directory, "jmuellerx") == ["KEPTPHONE03", "STALEPHONE01", "STALETABLET02"]
    assert not os.path.exists(args["journal"])
    removed = sorted(o["device_id"] for o in check["objects"] if o["status"] == "changed")
    assert removed == ["STALEPHONE01", "STALETABLET02"]
    kept = [o for o in check["objects"] if o["status"] == "skipped"]
    assert [o["device_id"] for o in kept] == ["KEPTPHONE03"]
    assert "allow list" in kept[0]["reason"]
    assert check["changed"] and check["counts"] == dict(matched=3, changed=2, unchanged=0,
                                                        skipped=1, failed=0)
    assert all(o["why"] == ["owner disabled"] for o in check["objects"])
    assert all(o["owner_mail"] == "jmuellerx@example.com" for o in check["objects"])
    assert all(u"\u00a7" in o["dn"] and o["dn"].endswith(dn_of("jmuellerx"))
               for o in check["objects"])
    diffs = dict((d["before_header"], d) for d in check["diff"])
    assert len(diffs) == 2 and all(d["after"] == "" for d in diffs.values())
    assert any("device_id: STALETABLET02\n" in d["before"] for d in diffs.values())
    # the allow list still names the wiped phone, which has no partnership
    assert check["stale_list_entries"] == [dict(dn=dn_of("jmuellerx"), sam_account_name="jmuellerx",
                                                allowed=["WIPEDPHONE99"], blocked=[])]

    real = ok(run(ansible, args, diff=True))
    assert listed(real) == listed(check) and real["counts"] == check["counts"]
    assert real["diff"] == check["diff"]
    assert device_ids(directory, "jmuellerx") == ["KEPTPHONE03"]

    mode = stat.S_IMODE(os.stat(args["journal"]).st_mode)
    assert mode == 0o600
    with open(args["journal"]) as fh:
        lines = [json.loads(line) for line in fh]
    assert sorted(line["attributes"]["msexchdeviceid"][0] for line in lines) == \
        ["STALEPHONE01", "STALETABLET02"]
    for line in lines:
        assert line["action"] == "delete" and line["kind"] == "device"
        assert line["owner_dn"] == dn_of("jmuellerx")
        assert line["domain_sid"].startswith("S-1-5-21-")
        assert "whencreated" in line["attributes"] and "objectguid" in line["binary_attributes"]
        assert line["sddl"].startswith("D:")

    again = ok(run(ansible, args))
    assert not again["changed"]
    assert again["counts"] == dict(matched=1, changed=0, unchanged=0, skipped=1, failed=0)


def test_include_allowed_takes_the_allowed_phone_too(ansible, people):
    result = ok(run(ansible, {"users": ["jmuellerx@lab.example.test"], "include_allowed": True},
                    check=True))
    assert [o["device_id"] for o in result["objects"] if o["status"] == "changed"] == \
        ["KEPTPHONE03"]
    # after it, both allow-list values would match no partnership
    assert result["stale_list_entries"][0]["allowed"] == ["KEPTPHONE03", "WIPEDPHONE99"]


def test_search_base_criteria_leave_other_owners_alone(ansible, directory, people):
    result = ok(run(ansible, {"search_base": OU, "device_model": ["ipad13,4", "iPhone15,2"],
                              "owner_disabled": False}, check=True))
    ids = sorted(o["device_id"] for o in result["objects"])
    assert ids == ["ASAPHONE01", "ASAPHONE02", "ASAPHONE03", "ZOEPHONE01"]
    assert result["summary"]["owners"] == 3  # those with partnerships or list values


def test_keep_newest_and_the_partnership_cap(ansible, directory, people):
    args = {"users": [dn_of("aoberg")], "keep_newest": 1, "max_devices": 3}
    # the user's DN as one string (an AWX survey field) is that one user
    as_string = ok(run(ansible, dict(args, users=dn_of("aoberg")), check=True))
    check = ok(run(ansible, args, check=True))
    assert as_string["objects"] == check["objects"]
    assert sorted(o["device_id"] for o in check["objects"] if o["status"] == "changed") == \
        ["ASAPHONE01", "ASAPHONE02"]
    assert [o["device_id"] for o in check["objects"] if o["status"] == "skipped"] == \
        ["ASAPHONE03"]
    assert check["over_limit"] == [dict(dn=dn_of("aoberg"), sam_account_name="aoberg",
                                        devices=3, devices_after=1)]
    ok(run(ansible, args))
    assert device_ids(directory, "aoberg") == ["ASAPHONE03"]
    again = ok(run(ansible, args))
    assert not again["changed"] and again["over_limit"] == []


def test_last_sync_from_a_statistics_export(ansible, directory, people, tmp_path):
    assert sync("aoberg", "ASAPHONE04")["code"] == 0
    csv_path = tmp_path / "stats.csv"
    csv_path.write_bytes(
        b'#TYPE Microsoft.Exchange.Data.Mapi.MobileDeviceStatistics\r\n'
        b'"FirstSyncTime","LastSuccessSync","DeviceType","DeviceID"\r\n'
        b'"1/2/2026 9:00:00 AM","3/15/2026 4:05:06 PM","iPhone","ASAPHONE03"\r\n'
        b'"1/2/2026 9:00:00 AM","11/30/2026 8:00:00 AM","iPhone","asaphone04"\r\n'
        b'"1/2/2026 9:00:00 AM","","Android","OTHERPHONE9"\r\n')
    args = {"users": ["aoberg"], "last_sync_csv": str(csv_path),
            "last_sync_before": "2026-06-01"}
    check = ok(run(ansible, args, check=True))
    assert [(o["device_id"], o["last_success_sync"], o["status"]) for o in check["objects"]] == \
        [("ASAPHONE03", "2026-03-15T16:05:06Z", "changed")]
    ok(run(ansible, args))
    assert device_ids(directory, "aoberg") == ["ASAPHONE04"]
    assert not ok(run(ansible, args))["changed"]


def test_created_before(ansible, directory, people):
    past = ok(run(ansible, {"search_base": OU, "created_before": "2000-01-01"}, check=True))
    assert past["counts"]["matched"] == 0 and not past["changed"]
    future = ok(run(ansible, {"search_base": OU, "created_before": "2999-01-01"}, check=True))
    assert future["counts"]["matched"] == len(directory.dns(OU, DEVICE))


def test_max_changes_removes_nothing_and_returns_the_plan(ansible, directory, people):
    before = directory.dns(OU, DEVICE)
    result = run(ansible, {"search_base": OU, "created_before": "2999-01-01",
                           "include_allowed": True, "max_changes": 1})
    assert result["failed"] and "more than max_changes 1; nothing was changed" in result["msg"]
    assert sorted(result["plan"]) == before
    assert directory.dns(OU, DEVICE) == before


@pytest.mark.parametrize("args, message", [
    ({"users": ["no-such-user"]}, "no-such-user"),
    ({"users": ["field-team@example.com"]}, "'field-team@example.com' matches 2 objects"),
    ({"users": ["aoberg"], "device_id": ["NOSUCHPHONE1"]},
     "device ID NOSUCHPHONE1 is on no partnership of the users selected; nothing was changed"),
    ({"device_id": ["ASAPHONE04", "NOSUCHPHONE1"]}, "device ID NOSUCHPHONE1 is on no"),
    ({"users": ["aoberg"], "device_id": ["not,valid"]}, "device ID 'not,valid' is not valid"),
    ({"search_base": OU}, "would remove every partnership below it"),
    ({"users": ["aoberg"], "remove_container": True, "device_model": ["x"]},
     "takes no device criteria"),
    ({"search_base": OU, "remove_container": True}, "remove_container needs users"),
    ({"users": ["aoberg"], "created_before": "last year"}, "created_before 'last year'"),
    ({"users": ["aoberg"], "access_state": ["Sleepy"]}, "access_state 'Sleepy' is not one of"),
])
def test_bad_input_changes_nothing(ansible, directory, people, args, message):
    before = directory.dns(OU, DEVICE)
    result = run(ansible, args)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert "\n" not in result["msg"]
    assert directory.dns(OU, DEVICE) == before


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"Name,When\r\nx,y\r\n", "line 1 is not a Get-MobileDeviceStatistics header"),
    (b"DeviceId,LastSuccessSync\r\nASAPHONE04,next week\r\n", "line 2: LastSuccessSync"),
    (b"DeviceId,LastSuccessSync\r\nASAPHONE04\r\n", "line 2 has 1 fields"),
])
def test_malformed_csv_is_one_line_naming_the_file(ansible, directory, people, tmp_path,
                                                   content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = directory.dns(OU, DEVICE)
    result = run(ansible, {"users": ["aoberg"], "last_sync_csv": str(path),
                           "last_sync_before": "2026-06-01"})
    assert result["failed"] and message in result["msg"] and str(path) in result["msg"]
    assert directory.dns(OU, DEVICE) == before


def test_missing_csv(ansible, people, tmp_path):
    result = run(ansible, {"users": ["aoberg"], "last_sync_csv": str(tmp_path / "nope.csv"),
                           "last_sync_before": "2026-06-01"})
    assert result["failed"] and "cannot read last_sync_csv" in result["msg"]


# -- whole containers -----------------------------------------------------------------------------

def break_container(directory):
    """What leaves a container Exchange cannot use: its DACL protected without the ACEs it
    inherits, so the device create inside fails (event 1054) although the user is fine."""
    sd = SecurityDescriptor.parse(directory.read_sd(container_of("zoe2")))
    broken, _changed = disable_inheritance(sd, "remove")
    directory.write_sd(container_of("zoe2"), broken.to_bytes())


def test_broken_container_is_removed_and_exchange_recreates_it(ansible, directory, people,
                                                               tmp_path):
    break_container(directory)
    failed = sync("zoe2", "ZOENEWPHONE2")
    assert failed["code"] == 50 and failed["step"] == "device"
    journal = str(tmp_path / "containers.jsonl")
    args = {"users": ["zoe2@lab.example.test"], "remove_container": True, "journal": journal}

    check = ok(run(ansible, args, check=True, diff=True))
    assert exists(directory, container_of("zoe2"))
    statuses = sorted((o["kind"], o["status"]) for o in check["objects"])
    assert statuses == [("container", "changed"), ("device", "changed")]
    assert check["counts"]["changed"] == 2
    [ready] = check["readiness"]
    assert ready["dn"] == dn_of("zoe2") and ready["exchange_can_create"]
    assert not ready["would_fail"] and ready["inheritance"] == "enabled"
    assert check["diff"][0]["after"] == ""

    real = ok(run(ansible, args, diff=True))
    assert listed(real) == listed(check)
    assert not exists(directory, container_of("zoe2"))
    with open(journal) as fh:
        lines = [json.loads(line) for line in fh]
    assert [line["kind"] for line in lines] == ["device", "container"]
    assert lines[1]["dn"] == container_of("zoe2")
    assert lines[0]["attributes"]["msexchdeviceid"] == ["ZOEPHONE01"]
    assert lines[1]["sddl"].startswith("D:P")  # the broken DACL, as it was

    again = ok(run(ansible, args))
    assert not again["changed"] and again["counts"]["unchanged"] == 1

    # the phone's next sync: Exchange creates the container again, and the device in it
    fixed = sync("zoe2", "ZOENEWPHONE2")
    assert fixed["code"] == 0 and fixed["container_created"] and fixed["device_created"]
    assert device_ids(directory, "zoe2") == ["ZOENEWPHONE2"]


def test_container_exchange_could_not_recreate_is_kept(ansible, directory, people):
    """With the user's inheritance off, removing the container would stop every phone (1053)."""
    user = dn_of("locked")
    sd = SecurityDescriptor.parse(directory.read_sd(user))
    directory.write_sd(user, disable_inheritance(sd, "remove")[0].to_bytes())
    assert directory.conn.add("CN=ExchangeActiveSyncDevices," + user,
                              ["top", "msExchActiveSyncDevices"]), directory.conn.result
    result = ok(run(ansible, {"users": ["locked"], "remove_container": True}))
    assert not result["changed"]
    [obj] = result["objects"]
    assert obj["status"] == "skipped" and "could not create it again" in obj["reason"]
    assert result["readiness"][0]["would_fail"]
    assert exists(directory, "CN=ExchangeActiveSyncDevices," + user)


def test_container_with_an_allowed_phone_needs_include_allowed(ansible, directory, people):
    assert directory.conn.modify(dn_of("zoe2"), {"msExchMobileAllowedDeviceIDs": [
        (ldap3.MODIFY_ADD, ["ZOENEWPHONE2"])]}), directory.conn.result
    kept = ok(run(ansible, {"users": ["zoe2"], "remove_container": True}, check=True))
    assert not kept["changed"] and "ZOENEWPHONE2" in kept["objects"][0]["reason"]
    taken = ok(run(ansible, {"users": ["zoe2"], "remove_container": True,
                             "include_allowed": True}, check=True))
    assert taken["changed"] and taken["counts"]["changed"] == 2
