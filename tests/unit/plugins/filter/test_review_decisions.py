"""The review_decisions filter: approve/block decisions by device or by user in any form."""

import pytest
from ansible.errors import AnsibleFilterError

from fakes import OWNER, device_record as device

from ansible_collections.adremedy.directory.plugins.filter.review_decisions import \
    review_decisions


REVIEW = [device("CN=p1", "P1", "Quarantined", None),
          device("CN=p2", "P2", "DeviceDiscovery", None),
          device("CN=q1", "Q1", "Quarantined", None, owner="CN=Bob, OU=Staff,DC=example,DC=com",
                 sam="bob", owner_user_principal_name="bob@example.com")]


def test_review_by_device_and_by_user_in_every_form():
    got = review_decisions(REVIEW, approve=["p1", "EXAMPLE\\jdoe"], block=["bob@EXAMPLE.com"],
                           domain=["EXAMPLE", "example.com"])
    assert [d["device_id"] for d in got["approved"]] == ["P1", "P2"]  # P1 once
    assert [d["device_id"] for d in got["blocked"]] == ["Q1"]
    assert got["entries"] == [
        {"user": OWNER, "allowed": ["P1", "P2"], "blocked": []},
        {"user": "CN=Bob, OU=Staff,DC=example,DC=com", "allowed": [], "blocked": ["Q1"]}]
    by_dn = review_decisions(REVIEW, block=["cn=bob,ou=staff, dc=example,dc=com"])
    assert [d["device_id"] for d in by_dn["blocked"]] == ["Q1"]


def test_review_unknown_items_are_returned_not_guessed():
    got = review_decisions(REVIEW, approve=["nobody", "P9"], block=["Q1"])
    assert got["unknown"] == ["nobody", "P9"]
    assert [e["user"] for e in got["entries"]] == ["CN=Bob, OU=Staff,DC=example,DC=com"]
    with pytest.raises(AnsibleFilterError):
        review_decisions("P1")


# -- issue 20 item 4: a phone that names itself after a user ------------------------------------

MALLORY = "CN=Mallory,OU=Staff,DC=example,DC=com"
DOMAIN = dict(netbios_name="EXAMPLE", dns_name="example.com")
# Mallory's phone registered with the DeviceId "JDOE"; Jane (sAMAccountName jdoe) has P1 and P2
SPOOFED = REVIEW + [device("CN=m1", "JDOE", "Quarantined", None, owner=MALLORY, sam="mallory")]


def test_an_item_that_is_both_a_device_id_and_a_user_is_refused():
    got = review_decisions(SPOOFED, approve=["jdoe", "Q1"], domain=DOMAIN)
    assert got["refused"] == [
        "approve item 'jdoe' is ambiguous: it is the device ID JDOE (CN=m1, owner %s) and the "
        "user %s; write device:jdoe or user:jdoe" % (MALLORY, OWNER)]
    assert [d["device_id"] for d in got["approved"]] == ["Q1"]  # nothing of the ambiguous one
    assert got["entries"] == [
        {"user": "CN=Bob, OU=Staff,DC=example,DC=com", "allowed": ["Q1"], "blocked": []}]
    assert got["unknown"] == []


def test_prefixes_say_which_one():
    by_user = review_decisions(SPOOFED, approve=["user:jdoe"], block=["Device: JDOE"])
    assert by_user["refused"] == []
    assert [d["device_id"] for d in by_user["approved"]] == ["P1", "P2"]
    assert [d["device_id"] for d in by_user["blocked"]] == ["JDOE"]
    assert by_user["entries"] == [
        {"user": OWNER, "allowed": ["P1", "P2"], "blocked": []},
        {"user": MALLORY, "allowed": [], "blocked": ["JDOE"]}]
    # a prefix restricts the match: no device has the ID "bob", no user is called "p1"
    nothing = review_decisions(SPOOFED, approve=["device:bob", "user:P1"])
    assert nothing["unknown"] == ["device:bob", "user:P1"] and not nothing["entries"]


@pytest.mark.parametrize("item", ["OTHERDOM\\jdoe", "user:OTHERDOM\\jdoe", "other.example\\jdoe"])
def test_domain_sam_of_another_domain_is_refused(item):
    got = review_decisions(SPOOFED, approve=[item], domain=DOMAIN)
    domain = item.split(":")[-1].split("\\")[0]
    assert got["refused"] == ["approve item %r: domain %s is not this DC's domain EXAMPLE "
                              "(example.com)" % (item, domain)]
    assert not got["entries"] and not got["approved"]


def test_domain_sam_needs_the_domain_names():
    got = review_decisions(REVIEW, approve=["EXAMPLE\\jdoe"])
    assert got["refused"] == ["approve item 'EXAMPLE\\\\jdoe': the domain's names were not "
                              "given (domain=), so DOMAIN\\sam cannot be checked"]
    assert not got["entries"]
    for spelled in ("EXAMPLE\\jdoe", "example.COM\\JDoe", "user:example\\jdoe"):
        ok = review_decisions(SPOOFED, approve=[spelled], domain=["EXAMPLE", "example.com"])
        assert ok["refused"] == [] and [d["device_id"] for d in ok["approved"]] == ["P1", "P2"]


def test_domain_sam_is_a_sam_account_name_not_an_address():
    # DOMAIN\x names sAMAccountName x, never a UPN or mail that happens to be x
    got = review_decisions(REVIEW, block=["EXAMPLE\\bob@example.com"], domain=DOMAIN)
    assert got["unknown"] == ["EXAMPLE\\bob@example.com"] and not got["entries"]


def test_a_device_id_on_devices_of_two_users_is_refused():
    # another phone took P1's DeviceId under Mallory's account: approving "P1" would let it in
    twin = REVIEW + [device("CN=m2", "p1", "Quarantined", None, owner=MALLORY, sam="mallory")]
    got = review_decisions(twin, approve=["P1"])
    assert got["refused"] == [
        "approve item 'P1' is ambiguous: it is the device ID of devices of 2 users (CN=p1, "
        "owner %s; CN=m2, owner %s)" % (OWNER, MALLORY)]
    assert not got["entries"]


def test_an_address_of_two_users_is_refused():
    two = REVIEW + [device("CN=m3", "M3", "Quarantined", None, owner=MALLORY, sam="mallory",
                           owner_mail="bob@example.com")]
    got = review_decisions(two, approve=["bob@example.com"])
    assert got["refused"] == [
        "approve item 'bob@example.com' is ambiguous: it names 2 users (CN=Bob, OU=Staff,"
        "DC=example,DC=com; %s)" % MALLORY]
    assert not got["entries"]


def test_a_phone_named_after_a_user_is_not_approved_by_the_users_name():
    # the old filter's behaviour, checked with nothing but the old interface
    got = review_decisions(SPOOFED, approve=["jdoe"])
    assert "JDOE" not in [d["device_id"] for d in got["approved"]]
    assert MALLORY not in [e["user"] for e in got["entries"]]


def test_another_domains_user_matches_nothing():
    got = review_decisions(REVIEW, approve=["OTHERDOM\\jdoe"])
    assert got["approved"] == [] and got["entries"] == []


def test_a_prefix_alone_names_nothing():
    got = review_decisions(REVIEW + [device("CN=x", None, "DeviceDiscovery", None)],
                           approve=["device:", " user: "])
    assert got["refused"] == ["approve item 'device:' is empty: it names nothing",
                              "approve item ' user: ' is empty: it names nothing"]
    assert not got["entries"]
