"""compliance_info's main() through the module base, against a directory in memory: the
users of its selection read once into the report's counts and files, a missing listed user
named, the report directory marked incomplete until the files are whole."""

import json
import os

import test_eas_readiness_info as readiness
from fakes import DOMAIN_NC

from ansible_collections.adremedy.directory.plugins.modules import compliance_info

STAFF = readiness.STAFF


def test_the_report_of_a_search_base(run_module, directory, tmp_path):
    readiness.lab(directory)
    result = run_module(compliance_info, dict(search_base=STAFF, read_connections=1,
                                              report_dir=str(tmp_path)))
    assert result["changed"] is False and not result["failed"], result.get("msg")
    summary = result["summary"]
    assert (summary["users"], summary["would_fail"], summary["protected_accounts"],
            summary["orphaned_accounts"]) == (4, 3, 1, 1)
    assert result["findings"] == sum(result["finding_counts"].values())
    assert result["provenance"]["options"] == dict(search_base=STAFF, scope="subtree",
                                                   filter=result["provenance"]["options"]
                                                   ["filter"], protected_base=None)
    assert all(os.path.isfile(path) for path in result["files"].values())
    assert "INCOMPLETE.json" not in os.listdir(str(tmp_path))
    with open(result["files"]["json"]) as f:
        assert json.load(f)["scope"] == STAFF


def test_a_dn_list_is_the_reports_scope_and_a_missing_user_is_named(run_module, directory):
    readiness.lab(directory)
    result = run_module(compliance_info, dict(dn=[readiness.FINE, readiness.BROKEN],
                                              read_connections=1))
    assert not result["failed"], result.get("msg")
    assert result["summary"]["users"] == 2
    assert result["provenance"]["options"]["dn"] == [readiness.FINE, readiness.BROKEN]
    gone = run_module(compliance_info, dict(dn=["CN=Nobody," + STAFF], read_connections=1))
    assert gone["failed"] and gone["ldap_code"] == 32
    assert gone["msg"] == "user CN=Nobody,%s does not exist: noSuchObject (32)" % STAFF


def test_a_report_directory_that_cannot_be_made_fails_before_reading(
        run_module, directory, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_module(compliance_info, dict(search_base=STAFF, read_connections=1,
                                              report_dir=str(blocker / "report")))
    assert result["failed"] and result["msg"].startswith(
        "cannot write the report to %s: " % (blocker / "report"))
    assert not directory.entries  # nothing was read: the lab is empty and no search failed


def test_the_selection_is_checked_before_the_pass(run_module, directory):
    readiness.lab(directory)
    result = run_module(compliance_info, dict(search_base="OU=Gone," + DOMAIN_NC,
                                              read_connections=1))
    assert result["failed"]
    assert result["msg"] == "search_base OU=Gone,%s does not exist: noSuchObject (32)" % DOMAIN_NC
