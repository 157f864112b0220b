"""What the inheritance module would do to one object, and why."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    Skip, plan)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

DOMAIN = "S-1-5-21-1-2-3"
SDDL = Sddl(DOMAIN)
USER = "CN=Jane\\, Doe,OU=Staff,DC=example,DC=com"


PROTECTED_DACL = SDDL.parse("D:PAI(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPLCLORC;;;AU)")
INHERITING = SDDL.parse("D:AI(A;;RPLCLORC;;;AU)(A;CI;CC;;;DA)(A;CIID;CC;;;DA)")


def protection(cls):
    return None if cls is None else {"classification": cls, "reason": "member of Domain Admins"}


@pytest.mark.parametrize("cls, include_orphaned, outcome", [
    ("protected", True, "skip"), ("unmarked", True, "skip"), ("orphaned", False, "skip"),
    ("orphaned", True, "change"), (None, False, "change"),
])
def test_plan_never_writes_protected_and_orphans_only_on_request(cls, include_orphaned, outcome):
    step = plan(USER, PROTECTED_DACL, 1 if cls in ("protected", "orphaned") else None,
                protection(cls), "enabled", include_orphaned=include_orphaned)
    if outcome == "skip":
        assert isinstance(step, Skip) and step.classification == cls
    else:
        assert not isinstance(step, Skip) and not step.after.protected
        assert (step.admin_count is not None) == (cls == "orphaned")


def test_plan_is_none_when_already_right_and_drops_duplicates_on_request():
    assert plan(USER, INHERITING, None, None, "enabled") is None
    step = plan(USER, INHERITING, None, None, "enabled", remove_explicit_duplicates=True)
    assert step.detail["duplicates_removed"] == 1
    assert SDDL.render(step.after) == "D:AI(A;;RPLCLORC;;;AU)"
    assert plan(USER, PROTECTED_DACL, None, None, "disabled") is None
    step = plan(USER, INHERITING, None, None, "disabled", "remove")
    assert step.after.protected and len(step.after.dacl.aces) == 2
