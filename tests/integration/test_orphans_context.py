# -*- coding: utf-8 -*-
"""protected_accounts_info says more about orphans: disabled or not, when adminCount was last
written (Samba returns only the raw replPropertyMetaData, not msDS-ReplAttributeMetaData), and
krbtgt-style or listed accounts left out of the findings. Accounts made here are removed after."""

import datetime

import ldap3
import pytest

from conftest import LAB_OU

OU = u"OU=Ehemalige \u00c4dmins\\, Nord,%s" % LAB_OU
# the seed's adm-direct is looked at as seeded (no password: disabled)
pytestmark = pytest.mark.usefixtures("reseeded")
ENABLED = u"CN=\u00dcnal \u00c7elik,%s" % OU
DISABLED = u"CN=Dora Dis\u00e4bled,%s" % OU
RODC_KRBTGT = u"CN=krbtgt_4242,%s" % OU


@pytest.fixture(scope="module")
def orphans(reseeded, directory):
    conn = directory.conn
    directory.tree_delete(OU)
    try:
        assert conn.add(OU, "organizationalUnit"), conn.result
        for dn, sam, enabled in ((ENABLED, "ucelik", True), (DISABLED, "ddisabled", False),
                                 (RODC_KRBTGT, "krbtgt_4242", False)):
            assert conn.add(dn, ["top", "person", "organizationalPerson", "user"],
                            {"sAMAccountName": sam, "adminCount": "1"}), conn.result
            if enabled:
                pw = u'"Orphan-Passw0rd!"'.encode("utf-16-le")
                assert conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [pw])]}), \
                    conn.result
                assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE,
                                                                ["512"])]})
        yield
    finally:
        directory.tree_delete(OU)


def by_name(result):
    assert not result.get("failed"), result.get("msg")
    return dict((o["sam_account_name"], o) for o in result["objects"])


def test_orphans_carry_disabled_and_when_admin_count_was_written(ansible, orphans):
    started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
    result = ansible.run("protected_accounts_info", {"search_base": OU,
                                                     "classification": ["orphaned"]})
    names = by_name(result)
    assert set(names) == {"ucelik", "ddisabled"}
    assert names["ucelik"]["disabled"] is False and names["ddisabled"]["disabled"] is True
    for obj in names.values():
        written = obj["admin_count_written"]
        assert written["source"] == "replPropertyMetaData" and written["version"] == 1
        when = datetime.datetime.strptime(written["time"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        assert started <= when <= datetime.datetime.now(datetime.timezone.utc)
    # krbtgt_<n> is left out by default, with the reason
    assert result["excluded_orphans"] == [dict(dn=RODC_KRBTGT, sam_account_name="krbtgt_4242",
                                               reason="Kerberos service account "
                                                      "(exclude_krbtgt)")]
    assert result["counts"]["orphaned"] == 2


def test_protected_accounts_have_disabled_but_no_orphan_metadata(ansible, orphans):
    names = by_name(ansible.run("protected_accounts_info", {"classification": ["protected"]}))
    assert names["adm-direct"]["disabled"] is True  # the seed sets no password
    assert names["Domain Admins"]["disabled"] is None  # a group
    assert "admin_count_written" not in names["adm-direct"]


def test_listed_accounts_and_krbtgt_switch(ansible, orphans):
    result = ansible.run("protected_accounts_info", {
        "search_base": OU, "orphan_exclude": [ENABLED], "exclude_krbtgt": False})
    names = by_name(result)
    assert set(names) == {"ddisabled", "krbtgt_4242"}
    assert result["excluded_orphans"] == [dict(dn=ENABLED, sam_account_name="ucelik",
                                               reason="listed in orphan_exclude")]
    # one DN given as one string (an AWX survey field) is that DN, not its comma-split pieces
    as_string = ansible.run("protected_accounts_info", {
        "search_base": OU, "orphan_exclude": ENABLED, "exclude_krbtgt": False})
    assert as_string["excluded_orphans"] == result["excluded_orphans"]
    by_sam = ansible.run("protected_accounts_info", {"search_base": OU,
                                                     "orphan_exclude": ["ucelik"]})
    assert "ucelik" not in by_name(by_sam)


def test_unknown_excluded_account_is_an_error(ansible, orphans):
    result = ansible.run("protected_accounts_info", {"orphan_exclude": ["no-such-admin"]})
    assert result["failed"] and "no-such-admin" in result["msg"]
