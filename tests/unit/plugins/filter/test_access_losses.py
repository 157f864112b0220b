"""The access_losses filter: who lost access between two states of the device records."""

import pytest
from ansible.errors import AnsibleFilterError

from fakes import device_record as device

from ansible_collections.adremedy.directory.plugins.filter.access_losses import access_losses


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
