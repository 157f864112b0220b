"""_bulk: the max_changes guard (issue 20 item 6: 0 allows no change, no limit is None)."""

from types import SimpleNamespace

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    Outcome, bulk_spec, check_max_changes, enforce_limit)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure

ONE = [SimpleNamespace(dn="CN=Jane Doe,OU=Staff,DC=example,DC=com")]


def test_max_changes_0_allows_no_change_and_fails_with_the_plan():
    with pytest.raises(Failure) as err:
        enforce_limit(ONE, 0, Outcome())
    assert str(err.value) == "the plan changes 1 objects, more than max_changes 0; " \
                             "nothing was changed"
    assert err.value.result["plan"] == [ONE[0].dn]
    assert err.value.result["changed"] is False


def test_no_limit_is_none_and_an_empty_plan_passes_any_limit():
    enforce_limit(ONE * 1000, None, Outcome())
    enforce_limit([], 0, Outcome())
    enforce_limit(ONE, 1, Outcome())
    with pytest.raises(Failure, match="more than max_changes 1;"):
        enforce_limit(ONE * 2, 1, Outcome())


def test_the_option_defaults_to_no_limit_and_refuses_negatives():
    spec = bulk_spec()
    assert spec.options["max_changes"].get("default") is None
    check_max_changes(dict(max_changes=None))
    check_max_changes(dict(max_changes=0))
    with pytest.raises(Failure) as err:
        check_max_changes(dict(max_changes=-1))
    assert str(err.value) == "max_changes must be 0 (no change allowed) or more, or left out " \
                             "for no limit, not -1"


def test_the_summary_says_would_change_in_check_mode():
    """Issue 22 item 5: a check-mode run changed nothing, its message must not say it did."""
    outcome = Outcome(noun="users")
    outcome.add("CN=a", "changed")
    outcome.add("CN=b", "unchanged")
    outcome.counts["matched"] = 2
    assert outcome.report(check_mode=True)[0]["msg"] == \
        "1 of 2 users would change, 1 already right, 0 skipped, 0 failed"
    assert outcome.report()[0]["msg"] == "1 of 2 users changed, 1 already right, 0 skipped, 0 failed"
