"""The filters device_rollout and the playbooks use (plugins/filter/)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.filter.deprecated_alias import (
    deprecated_alias, display)
from ansible_collections.adremedy.directory.plugins.filter.dns_outside import dns_outside
from ansible_collections.adremedy.directory.plugins.filter.markdown_escape import (
    markdown_escape)
from ansible_collections.adremedy.directory.plugins.filter.rollout_compare import (
    rollout_compare)
from ansible_collections.adremedy.directory.plugins.filter.rollout_harvest import (
    rollout_harvest)

DOMAIN = "DC=lab,DC=example,DC=test"
ENG = "OU=Engineering,OU=Staff,OU=Lab," + DOMAIN
SALES = "OU=Sales,OU=Staff,OU=Lab," + DOMAIN
A = "CN=User 00001," + ENG
B = "CN=D\u00fcrst\\, Anna," + SALES  # escaped comma and non-ASCII
DEV_A = "CN=iPhone\u00a7PILOT0001,CN=ExchangeActiveSyncDevices," + A
DEV_B = "CN=iPhone\u00a7PILOT0002,CN=ExchangeActiveSyncDevices," + B


# -- dns_outside: the close scope covers every rollout user -------------------------------------

def test_users_in_two_ous_in_lower_case_are_inside_the_domain():
    users = [A.lower(), B.replace("DC=", "dc=").replace("OU=", "ou=")]
    assert dns_outside(users, DOMAIN) == []
    assert dns_outside(users, "DC=Lab, DC=Example, DC=Test") == []
    # the old regex took '^.*?,(DC=.*)$' of the first user: with 'dc=' it was the user itself
    assert dns_outside(users, users[0]) == [users[1]]


def test_users_of_another_domain_or_ou_are_named():
    other = "CN=Jo,OU=Staff,DC=child,DC=lab,DC=example,DC=test"
    assert dns_outside([A, other], "DC=child," + DOMAIN) == [A]
    assert dns_outside([A, B], ENG) == [B]
    assert dns_outside(ENG, "ou=staff,ou=lab," + DOMAIN.lower()) == []  # one string, one DN
    assert dns_outside([B], "OU=Sales\\2C Old," + DOMAIN) == [B]


@pytest.mark.parametrize("dns, base", [([A], ""), (["CN=x,,DC=y"], DOMAIN), ([A], None)])
def test_dns_outside_refuses_bad_dns(dns, base):
    with pytest.raises(AnsibleFilterError, match="dns_outside"):
        dns_outside(dns, base)


# -- rollout_compare: verify's before/after ------------------------------------------------------

def plan(*rows):
    return [dict(dn=dn, now=now, device_id="x") for dn, now in rows]


def test_a_device_that_changed_state_is_moved_whatever_the_dn_spelling():
    before = {DEV_A: "Allowed", DEV_B.upper(): "Allowed"}
    result = rollout_compare(plan((DEV_A, "Quarantined"), (DEV_B, "Allowed")), before)
    assert result["moved"] == [DEV_A] and result["new_since_close"] == []
    assert result["changes"] == [dict(dn=DEV_A, before="Allowed", now="Quarantined",
                                      text=DEV_A + ": Allowed -> Quarantined")]


def test_new_devices_and_forced_losses_are_not_moves():
    new = "CN=iPhone\u00a7NEW,CN=ExchangeActiveSyncDevices," + A
    result = rollout_compare(plan((DEV_A, "Quarantined"), (new, "Allowed")),
                             {DEV_A: "Allowed"}, lost_by_force=[DEV_A.lower()])
    assert result == dict(moved=[], changes=[], new_since_close=[new])


def test_state_files_of_earlier_versions_are_read():
    # 'DN|state' strings; a DN may hold '|' itself, the last one splits
    odd = "CN=a|b,CN=ExchangeActiveSyncDevices," + A
    result = rollout_compare(plan((odd, "Blocked"), (DEV_A, "Allowed")),
                             [odd + "|Allowed", DEV_A + "|Allowed"])
    assert result["moved"] == [odd]
    assert rollout_compare(plan((DEV_A, "Allowed")), None)["new_since_close"] == [DEV_A]


@pytest.mark.parametrize("devices, before", [([{"now": "Allowed"}], {}),
                                             ([], ["no separator"]), ([], "text")])
def test_rollout_compare_refuses_bad_input(devices, before):
    with pytest.raises(AnsibleFilterError, match="rollout_compare"):
        rollout_compare(devices, before)


# -- rollout_harvest -------------------------------------------------------------------------------

def device(dn, owner, sam, device_id):
    return dict(dn=dn, owner_dn=owner, owner_sam_account_name=sam, device_id=device_id,
                device_model="iPhone16,1", device_type="iPhone", now="Allowed", reason="DeviceRule")


def test_harvest_keeps_the_fields_it_needs_and_adds_each_device_once():
    earlier = [dict(dn=DEV_A, owner_dn=A, owner_sam_account_name="u00001", device_id="PILOT0001",
                    device_model="iPhone16,1")]
    found = [device(DEV_A.lower(), A, "u00001", "PILOT0001"), device(DEV_B, B, "durst", "P2")]
    result = rollout_harvest(found, earlier=earlier)
    assert [d["dn"] for d in result["harvested"]] == [DEV_A, DEV_B]
    assert set(result["harvested"][1]) == {"dn", "owner_dn", "owner_sam_account_name",
                                           "device_id", "device_model"}


def test_users_without_a_device_compare_dns_parsed():
    users = [dict(dn=A, sam_account_name="u00001"), dict(dn=B, sam_account_name="durst"),
             dict(dn="CN=User 00004," + ENG, sam_account_name="u00004")]
    devices = [device(DEV_A, A.upper(), "u00001", "P1"),
               device(DEV_B, B.replace("\\,", "\\2C"), "durst", "P2")]
    assert rollout_harvest([], users=users, devices=devices)["without_device"] == ["u00004"]


# -- markdown_escape: the report cannot carry a phone's HTML -------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("iPhone16,1", "iPhone16,1"),
    ("a|b", "a\\|b"),
    ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
    ("`code` *em* _u_ ~s~", "\\`code\\` \\*em\\* \\_u\\_ \\~s\\~"),
    ("line1\r\nline2\nline3", "line1 line2 line3"),
    ('"q" & \'s\'', "&quot;q&quot; &amp; &#39;s&#39;"),
    ("# admins", "\\# admins"), ("- x", "\\- x"), ("1. x", "1\\. x"), ("12-3", "12-3"),
    ("adm-direct", "adm-direct"), ("a.b", "a.b"),
    (None, ""),
    (42, "42"),
])
def test_markdown_escape(value, expected):
    assert markdown_escape(value) == expected


# -- deprecated_alias ------------------------------------------------------------------------------

def test_deprecated_alias_warns_only_when_the_old_name_is_used(monkeypatch):
    calls = []
    monkeypatch.setattr(display, "deprecated", lambda msg, **kw: calls.append((msg, kw)))
    assert deprecated_alias("", "adremedy_journal", "journal") == ""
    assert deprecated_alias(None, "adremedy_journal", "journal") is None
    assert calls == []
    assert deprecated_alias("/j.jsonl", "adremedy_journal", "journal") == "/j.jsonl"
    assert calls == [("The variable adremedy_journal is deprecated, use journal instead",
                      dict(version="2.0.0", collection_name="adremedy.directory"))]
