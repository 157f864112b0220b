"""remove_explicit_duplicates in the inheritance plan (plugins/module_utils/_security/_inheritance.py)."""

from ansible_collections.adremedy.directory.plugins.module_utils._run._dacl_changes import Change
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    duplicates_follow_up, plan)
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    check_access)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    explicit_only)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

SDDL = Sddl("S-1-5-21-1-2-3")
USER = "CN=Jane\\, Doe,OU=Staff,DC=example,DC=com"
# the issue's case: Everyone's read comes from the explicit allow, an inherited deny follows
ISSUE = SDDL.parse("D:AI(A;;RP;;;WD)(D;ID;RP;;;WD)(A;ID;RP;;;WD)")


def test_a_duplicate_that_decides_access_is_kept_and_the_object_left_alone():
    assert check_access(ISSUE, ["S-1-1-0"], 0x10).granted
    assert plan(USER, ISSUE, None, None, "enabled", remove_explicit_duplicates=True) is None


def test_kept_duplicates_are_counted_beside_the_dropped_ones():
    sd = SDDL.parse("D:AI(A;;RP;;;WD)(A;CI;CC;;;DA)(D;ID;RP;;;WD)(A;ID;RP;;;WD)(A;CIID;CC;;;DA)")
    step = plan(USER, sd, None, None, "enabled", remove_explicit_duplicates=True)
    assert step.detail["duplicates_removed"] == 1 and step.detail["duplicates_kept"] == 1
    assert "S-1-1-0" in step.detail["note"] and "RP" in step.detail["note"]
    assert SDDL.render(step.after) == "D:AI(A;;RP;;;WD)"


def test_the_follow_up_after_enabling_keeps_what_decides_access():
    change = Change(USER, ISSUE, explicit_only(ISSUE), "enable")
    assert duplicates_follow_up(change, ISSUE) is None
    reread = SDDL.parse("D:AI(D;;RP;;;WD)(A;;RP;;;WD)(D;ID;RP;;;WD)(A;ID;RP;;;WD)")
    step = duplicates_follow_up(change, reread)
    assert step.detail == {"duplicates_removed": 2}
    assert SDDL.render(step.after) == "D:AI"
