"""Which mobile device mailbox policy is a finding: one decision (is_finding), for a policy row as
PolicyTally.result() gives it and as report.json's history holds it."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._policy_findings import (
    fails_baseline, is_finding)


def row(failed, total):
    return dict(name="P", baseline=dict(failed=failed), users=dict(total=total))


@pytest.mark.parametrize("policy,below,finding", [
    (row(["3.10"], 3), True, True),
    (row(["3.10"], 0), True, False),  # applies to no user read: counted apart, no finding
    (row([], 3), False, False),
    # a row read back from a history file may lack a key: no finding, never a KeyError
    (dict(name="P"), False, False),
    (dict(name="P", baseline=None, users=None), False, False),
    (dict(name="P", baseline=dict(failed=["3.1"])), True, False),
])
def test_a_finding_is_below_the_baseline_and_applies_to_a_user(policy, below, finding):
    assert fails_baseline(policy) is below
    assert is_finding(policy) is finding
