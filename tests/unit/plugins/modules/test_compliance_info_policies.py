"""compliance_info's mobile device mailbox policies (issue 25 item 6) and the objectGUIDs of its
finding rows (the trend matches objects by them), against a directory in memory."""

import json
import uuid

import pytest
import test_eas_readiness_info as readiness
from fakes import DOMAIN_NC, LEGACY_POLICY as LEGACY, mobile_policies

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._run import _compliance_run
from ansible_collections.adremedy.directory.plugins.modules import compliance_info

STAFF = readiness.STAFF
BROKEN_GUID = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")


def lab(directory, schema=True):
    """The readiness lab (4 users in Staff, 3 of them would fail), Default and Legacy Devices as
    the lab seeds them, the broken user linked to Legacy Devices and read with an objectGUID."""
    readiness.lab(directory)
    mobile_policies(directory, schema)
    broken = directory.entries[readiness.BROKEN.lower()]
    broken.attrs["msexchmobilemailboxpolicylink"] = [LEGACY.encode()]
    broken.attrs["objectguid"] = [BROKEN_GUID.bytes_le]


def report(run_module, tmp_path):
    result = run_module(compliance_info, dict(search_base=STAFF, read_connections=1,
                                              report_dir=str(tmp_path)))
    assert not result["failed"], result.get("msg")
    with open(result["files"]["json"]) as fh:
        return result, json.load(fh)


def test_a_policy_below_the_baseline_is_one_finding_with_its_users(
        run_module, directory, tmp_path):
    lab(directory)
    result, data = report(run_module, tmp_path)
    assert result["finding_counts"]["policy_below_baseline"] == 1
    assert result["findings"] == sum(result["finding_counts"].values())
    assert result["summary"]["users_on_failing_policies"] == 1
    section = data["mobile_policies"]
    rows = dict((p["name"], p) for p in section["policies"])
    assert rows["Legacy Devices"]["users"] == dict(linked=1, by_default=0, total=1)
    assert rows["Default"]["users"] == dict(linked=0, by_default=3, total=3)
    assert rows["Legacy Devices"]["baseline"]["passed"] == ["3.4"]
    assert section["summary"]["users"] == data["summary"]["users"] == 4
    # each user's row names its policy
    policies = dict((u["sam_account_name"], u["mobile_policy"]) for u in data["users"])
    assert policies == dict(broken="Legacy Devices", fine="Default", t0="Default",
                            former="Default")
    assert "1 mobile device mailbox policy below the CIS baseline" in data["verdict"]["message"]
    with open(result["files"]["html"]) as fh:
        assert '<table id="policies"' in fh.read()


def test_without_the_policy_schema_the_report_says_so_and_counts_nothing(
        run_module, directory, tmp_path):
    lab(directory, schema=False)
    result, data = report(run_module, tmp_path)
    assert "policy_below_baseline" not in result["finding_counts"]
    assert data["mobile_policies"] == dict(note=(
        "the Exchange schema is not in this forest: msExchMobileMailboxPolicy, "
        "msExchMobileMailboxPolicyLink, msExchMobileFlags are not defined in CN=Schema,"
        "CN=Configuration,%s (run Exchange setup /PrepareSchema): undefinedAttributeType (17)"
        % DOMAIN_NC))
    assert all("mobile_policy" not in u for u in data["users"])
    with open(result["files"]["markdown"]) as fh:
        assert "## Mobile device mailbox policies\n\nNot read: the Exchange schema" in fh.read()


def test_finding_rows_carry_the_objects_guid(run_module, directory, tmp_path):
    lab(directory)
    _result, data = report(run_module, tmp_path)
    broken = [r for r in data["would_fail"] if r["dn"] == readiness.BROKEN]
    assert broken[0]["object_guid"] == str(BROKEN_GUID)
    planned = [o for o in data["inheritance_plan"]["objects"] if o["dn"] == readiness.BROKEN]
    assert planned and planned[0]["object_guid"] == str(BROKEN_GUID)
    # read without one: None (the trend matches such a row by its DN)
    assert all("object_guid" in r for r in data["would_fail"])
    assert all("object_guid" in o for o in data["protected_accounts"])
    # the next run: the broken user's findings are unchanged, matched by its objectGUID
    _result, again = report(run_module, tmp_path)
    kinds = sorted(i["kind"] for i in again["trend"]["unchanged"]
                   if i.get("guid") == str(BROKEN_GUID))
    assert kinds == ["inheritance_would_change", "would_fail_act_now"]
    assert again["trend"]["counts"]["new"] == 0


@pytest.mark.parametrize("code, kept", [(17, False), (32, False), (None, False), (52, True),
                                        (50, True)])
def test_only_policies_that_are_not_there_are_a_note(monkeypatch, code, kept):
    """A schema without the class, no organization or container, two organizations: a note; a
    DC lost while reading them (or any other failure) ends the run as before."""
    def fails(client, names):
        raise LdapError("read failed (%s)" % code, code=code)
    monkeypatch.setattr(_compliance_run, "require_exchange_schema", fails)
    if kept:
        with pytest.raises(LdapError):
            _compliance_run.mobile_policies(object())
    else:
        assert _compliance_run.mobile_policies(object()) == (None, "read failed (%s)" % code)


def test_the_result_has_the_reports_trend(run_module, directory, tmp_path):
    """The trends helper's follow-up: report.json's trend is in the module's result too."""
    lab(directory)
    first, data = report(run_module, tmp_path)
    assert first["trend"] == data["trend"] and first["trend"]["first_run"] is True
    second, _data = report(run_module, tmp_path)
    assert second["trend"]["first_run"] is False
    assert second["trend"]["counts"]["unchanged"] == first["findings"]
    without = run_module(compliance_info, dict(search_base=STAFF, read_connections=1))
    assert "trend" not in without and "files" not in without
