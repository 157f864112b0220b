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
