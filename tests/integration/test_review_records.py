"""Quarantine review records carry first seen and the owner's mail, on the lab: phones synced by
the EAS sync stand-in for users made here (escaped, non-ASCII names), then quarantined as Exchange
would; eas_device_info returns when_created / first_seen (the partnership's whenCreated: the
lab's Exchange schema subset has no msExchFirstSyncTime, so the stand-in cannot set it) and
owner_mail, and playbooks/quarantine_review.yml puts them into its report."""

import datetime
import json

import ldap3
import pytest

from conftest import LAB_OU, eas_sync, run_playbook
from made_here import add_user

DESK = "OU=Prüfung\\, Geräte,%s" % LAB_OU
ZOE = "CN=Zoë\\, Müller,%s" % DESK
OLE = "CN=Ole Øvergård,%s" % DESK
ZOE_PHONE = "ADREMEDYREVIEW0001"
OLE_PHONE = "ADREMEDYREVIEW0002"


def when_created(directory, dn):
    directory.conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=["whenCreated"])
    value = directory.conn.response[0]["attributes"]["whenCreated"]
    if isinstance(value, list):
        value = value[0]
    if isinstance(value, str):  # no schema loaded: the raw generalized time
        value = datetime.datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(
            tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def desk(directory):
    conn = directory.conn
    directory.tree_delete(DESK)
    try:
        assert conn.add(DESK, ["top", "organizationalUnit"]), conn.result
        add_user(conn, ZOE, "zmueller", mail="Zoe.Mueller@example.com")
        add_user(conn, OLE, "oovergard",
                 proxyAddresses=["SMTP:Ole.Overgard@example.com", "smtp:ole@legacy.example.com"])
        devices = {}
        for dn, device_id in ((ZOE, ZOE_PHONE), (OLE, OLE_PHONE)):
            result = eas_sync([dn], device_id=device_id, model="Pixel 9")[dn]
            assert result["code"] == 0, result
            # Exchange's evaluation under a Quarantine default: Quarantined, reason Global (1)
            assert conn.modify(result["dn"], {
                "msExchDeviceAccessState": [(ldap3.MODIFY_REPLACE, ["3"])],
                "msExchDeviceAccessStateReason": [(ldap3.MODIFY_REPLACE, ["1"])]}), conn.result
            devices[device_id] = result["dn"]
        yield devices
    finally:
        directory.tree_delete(DESK)


def test_review_shows_first_seen_and_owner_mail(tmp_path, desk, directory):
    run = run_playbook("quarantine_review", {"search_base": DESK, "review_dir": str(tmp_path)})
    assert run.rc == 0, run.output[-3000:]
    review = json.loads((tmp_path / "review.json").read_text())
    found = dict((d["device_id"], d) for d in review["devices"])
    assert sorted(found) == [ZOE_PHONE, OLE_PHONE]
    for device_id, dn in desk.items():
        created = when_created(directory, dn)
        assert found[device_id]["when_created"] == created
        assert found[device_id]["first_seen"] == created
    assert found[ZOE_PHONE]["owner_mail"] == "Zoe.Mueller@example.com"
    assert found[OLE_PHONE]["owner_mail"] == "Ole.Overgard@example.com"  # the SMTP: proxy
    report = (tmp_path / "review.md").read_text()
    rows = [line for line in report.splitlines() if ZOE_PHONE in line or OLE_PHONE in line]
    assert len(rows) == 2
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        mail, first_seen = cells[2], cells[7]
        assert mail.endswith("@example.com") and first_seen.startswith("20"), row
    zoe_row = next(row for row in rows if ZOE_PHONE in row)
    # the device DN, with its escaped comma; report.md escapes the backslash (Markdown)
    assert "Zoë\\\\, Müller" in zoe_row
