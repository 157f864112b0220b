"""The 64 KiB check made before enabling inheritance (the lab test is
tests/integration/test_limits.py)."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    parent as parent_dn)
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    LARGE_DACL, check_fits, passed_down_size, plan)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    CONTAINER_INHERIT, SE_DACL_PRESENT, SE_DACL_PROTECTED, SE_SELF_RELATIVE, Ace, Acl,
    AclTooLargeError, SecurityDescriptor)

DN = "CN=Doe\\, Jane,OU=Staff,DC=x"


def descriptor(count, protected=True, flags=0):
    aces = [Ace(0, flags, 0x10, "S-1-5-21-1-2-3-%d" % (5000 + i)) for i in range(count)]
    control = SE_SELF_RELATIVE | SE_DACL_PRESENT | (SE_DACL_PROTECTED if protected else 0)
    return SecurityDescriptor(control=control, dacl=Acl(4, aces))


def test_parent_dn_skips_escaped_commas():
    assert parent_dn(DN) == "OU=Staff,DC=x"
    assert parent_dn("DC=x") == ""


def test_only_container_inherit_aces_are_passed_down():
    parent = descriptor(3, flags=CONTAINER_INHERIT)
    parent.dacl.aces += descriptor(2).dacl.aces
    assert passed_down_size(parent) == 3 * 36
    assert passed_down_size(None) == 0


def test_enabling_inheritance_that_would_pass_64_kib_is_refused_naming_the_object():
    change = plan(DN, descriptor(1785), None, None, "enabled")
    parents = []
    with pytest.raises(AclTooLargeError) as err:
        check_fits(change, lambda dn: parents.append(dn) or descriptor(40, flags=CONTAINER_INHERIT))
    assert parents == [DN]
    assert str(err.value).startswith(
        "the DACL of %s after enabling inheritance (64268 bytes of explicit ACEs, up to 1440 "
        "passed down by its parent) would be 65708 bytes" % DN)


def test_small_dacls_and_other_changes_do_not_read_the_parent():
    def never(_dn):
        raise AssertionError("the parent was read")
    check_fits(plan(DN, descriptor(LARGE_DACL // 36 - 1), None, None, "enabled"), never)
    check_fits(plan(DN, descriptor(1785, protected=False), None, None, "disabled"), never)
    check_fits(plan(DN, descriptor(1785), None, None, "enabled"),
               lambda dn: descriptor(10, flags=CONTAINER_INHERIT))  # fits: no error
