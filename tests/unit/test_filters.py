"""The filters the workflow roles compare with: access_losses and review_decisions."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.filter.access_losses import access_losses
from ansible_collections.adremedy.directory.plugins.filter.review_decisions import \
    review_decisions

OWNER = "CN=Jane Doe,OU=Staff,DC=example,DC=com"


def device(dn, device_id, now, after, owner=OWNER, sam="jdoe", **extra):
    record = dict(dn=dn, device_id=device_id, device_model="Pixel 8", owner_dn=owner,
                  owner_sam_account_name=sam, now=now, after=after)
    record.update(extra)
    return record


ROWS = [device("CN=a", "AAA1", "Allowed", "Quarantined"),
        device("CN=b", "bbb2", "Allowed", "Allowed"),
        device("CN=c", "CCC3", "Quarantined", "Quarantined"),
        device("CN=d", "DDD4", "Allowed", "Blocked")]


def test_losses_against_now_with_one_let_go_case_insensitively():
    got = access_losses(ROWS, let_go=["ddd4"])
    assert [d["device_id"] for d in got["lost"]] == ["AAA1"]
    assert got["lost"][0]["state"] == "Quarantined"
    assert [d["device_id"] for d in got["let_go"]] == ["DDD4"]
    assert got["unknown_let_go"] == [] and got["allowed"] == ["CN=a", "CN=b", "CN=d"]


def test_losses_against_an_earlier_list_of_dns():
    got = access_losses(ROWS, state="now", before=["cn=B", "CN=C", "CN=gone"])
    # c was Allowed before and is Quarantined now; b still Allowed; a was not in the list
    assert [d["dn"] for d in got["lost"]] == ["CN=c"]
    assert got["allowed"] == ["CN=b", "CN=c"]


def test_unknown_let_go_and_bad_input():
    assert access_losses(ROWS, let_go=["NOPE"])["unknown_let_go"] == ["NOPE"]
    with pytest.raises(AnsibleFilterError):
        access_losses({"devices": ROWS})
    with pytest.raises(AnsibleFilterError):
        access_losses(ROWS, state="later")


REVIEW = [device("CN=p1", "P1", "Quarantined", None),
          device("CN=p2", "P2", "DeviceDiscovery", None),
          device("CN=q1", "Q1", "Quarantined", None, owner="CN=Bob, OU=Staff,DC=example,DC=com",
                 sam="bob", owner_user_principal_name="bob@example.com")]


def test_review_by_device_and_by_user_in_every_form():
    got = review_decisions(REVIEW, approve=["p1", "EXAMPLE\\jdoe"], block=["bob@EXAMPLE.com"])
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
