"""Issue 24's leftovers in the compliance report, on the lab's DC: the rights the inheritance
fix would pass down are the inheritance module's risky_inherited rows (the same function), in
report.json and as a section of report.md and report.html; protected accounts whose first sync
would fail carry exchange_can_create_after_sdprop. Everything the test makes is removed."""

import json

from conftest import LAB_OU
from made_here import add_explicit_aces, add_user, sid_and_guid

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

TOP = "OU=h10 Report Risky,%s" % LAB_OU
HELPDESK = "CN=h10-helpdesk,%s" % TOP
BROKEN = "CN=h10-broken,%s" % TOP
MEMBER = "bf9679c0-0de6-11d0-a285-00aa003049e2"


def test_the_report_names_the_rights_the_fix_would_pass_down(ansible, directory, tmp_path):
    conn = directory.conn
    directory.tree_delete(TOP)
    try:
        assert conn.add(TOP, ["top", "organizationalUnit"]), conn.result
        assert conn.add(HELPDESK, ["top", "group"], {"sAMAccountName": "h10-helpdesk",
                                                     "groupType": -2147483646}), conn.result
        helpdesk, _guid = sid_and_guid(conn, HELPDESK)
        add_user(conn, BROKEN, "h10-broken")
        sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(BROKEN)))
        directory.write_sd(BROKEN, sd.to_bytes())
        add_explicit_aces(directory, TOP, ["OA;CI;WP;%s;;%s" % (MEMBER, helpdesk)])

        planned = ansible.run("inheritance", dict(search_base=TOP), check=True)
        report = tmp_path / "r"
        result = ansible.run("compliance_info", dict(search_base=TOP, report_dir=str(report)),
                             check=True)
        assert not result.get("failed"), result.get("msg")
        data = json.loads((report / "report.json").read_text())
        ours = [r for r in data["risky_inherited"] if r["sid"] == helpdesk]
        assert ours == [r for r in planned["risky_inherited"] if r["sid"] == helpdesk]
        assert [(r["right"], r["set_on"], r["objects"]) for r in ours] == [
            ("write property on member", TOP, 1)]
        assert data["summary"]["risky_inherited"] == len(data["risky_inherited"])
        markdown = (report / "report.md").read_text()
        section = markdown.split("## Rights the inheritance fix would pass down", 1)[1]
        assert "| h10-helpdesk | write property on member | member |" in section.split("##")[0]
        page = (report / "report.html").read_text()
        assert "<td>h10-helpdesk</td>" in page.split('<table id="risky"', 1)[1]
    finally:
        directory.tree_delete(TOP)


def test_protected_rows_say_whether_exchange_could_create_after_sdprop(ansible, tmp_path):
    report = tmp_path / "p"
    result = ansible.run("compliance_info", dict(search_base=LAB_OU, report_dir=str(report)),
                         check=True)
    assert not result.get("failed"), result.get("msg")
    data = json.loads((report / "report.json").read_text())
    protected = [u for u in data["would_fail"] if u["protection"] in ("protected", "unmarked")]
    assert protected and len(protected) == data["summary"]["would_fail_protected"]
    assert all("exchange_can_create_after_sdprop" in u and u["after_sdprop_reason"]
               for u in protected)
    others = [u for u in data["would_fail"] if u["protection"] not in ("protected", "unmarked")]
    assert others and not any("exchange_can_create_after_sdprop" in u for u in others)
    markdown = (report / "report.md").read_text()
    assert "after SDProp" in markdown


def test_administrators_phones_are_protected_accounts_info_s(ansible, tmp_path):
    report = tmp_path / "a"
    result = ansible.run("compliance_info", dict(search_base=LAB_OU, report_dir=str(report)),
                         check=True)
    assert not result.get("failed"), result.get("msg")
    data = json.loads((report / "report.json").read_text())
    info = ansible.run("protected_accounts_info", dict(search_base=LAB_OU))
    fields = ("mail", "activesync_enabled", "devices")
    theirs = dict((o["dn"], tuple(o.get(f) for f in fields)) for o in info["objects"]
                  if o["classification"] in ("protected", "unmarked"))
    ours = dict((o["dn"], tuple(o.get(f) for f in fields)) for o in data["protected_accounts"]
                if o["classification"] in ("protected", "unmarked"))
    assert ours == theirs and ours
    assert data["summary"]["admins_with_devices"] == info["counts"]["with_devices"]
    with_phones = [o for o in data["protected_accounts"] if o.get("devices")]
    markdown = (report / "report.md").read_text()
    section = markdown.split("## Administrators with phones", 1)[1].split("\n## ", 1)[0]
    for o in with_phones:
        assert "| %s |" % o["sam_account_name"] in section
    print("administrators with phones: %s"
          % [(o["sam_account_name"], o["devices"]) for o in with_phones])
