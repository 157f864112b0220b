"""Limits AD has, on the lab: a DACL can hold at most 64 KiB, and AD keeps about 1,200 values of a
non-linked multi-valued attribute (it answers adminLimitExceeded (11) beyond that).

What Samba 4.17 does (measured here): it stores 1,500 values of msExchMobileAllowedDeviceIDs
without complaint, so the 1,200 cap cannot be produced on the lab (the module's message for the
DC's answer is a unit test, tests/unit/plugins/module_utils/test__ldap.py). When inheritance is enabled on a protected
DACL of 65,260 bytes it re-adds 1,224 bytes of inherited ACEs and stores a DACL whose 16-bit size
field has wrapped (928 for 66,464 bytes), which nothing can parse afterwards: the module must
refuse that write before it is made."""

import pytest

from conftest import user_dn
from made_here import put_back, sid_and_guid

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    parent as parent_dn)
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    LARGE_DACL, passed_down_size)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    MAX_ACL_BYTES, SE_DACL_PROTECTED, Ace, Acl, SecurityDescriptor)

ALLOWED = "msExchMobileAllowedDeviceIDs"
pytestmark = pytest.mark.usefixtures("reseeded")


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


PADDING = "S-1-5-21-1-2-3-"  # the made-up domain of the padding ACEs' SIDs


def padding(count):
    return [Ace(0, 0, 0x10, "%s%d" % (PADDING, 5000 + i)) for i in range(count)]


def own_aces(sd):
    """dn's explicit ACEs without padding an earlier run may have left behind."""
    return [ace for ace in sd.dacl.aces if not ace.inherited and not ace.sid.startswith(PADDING)]


def padded(directory, dn, extra_aces, protected=True):
    """Give dn a DACL of its explicit ACEs plus extra_aces allow-ACEs for made-up SIDs."""
    original = directory.read_sd(dn)
    sd = SecurityDescriptor.parse(original)
    explicit = own_aces(sd)
    extra = padding(extra_aces)
    control = sd.control | SE_DACL_PROTECTED if protected else sd.control & ~SE_DACL_PROTECTED
    blob = SecurityDescriptor(control=control, dacl=Acl(4, explicit + extra)).to_bytes()
    directory.write_sd(dn, blob)
    return original, directory.read_sd(dn)


def test_enabling_inheritance_past_64_kib_is_refused_before_anything_is_written(ansible,
                                                                                directory):
    dn = user_dn(9)
    original, before = padded(directory, dn, 1785)  # 65,260 bytes, protected
    try:
        assert len(before) > 65000
        for check in (True, False):
            result = ansible.run("inheritance", {"dn": [dn]}, check=check)
            assert result["failed"] and result["counts"]["failed"] == 1, result
            assert result["changed"] is False
            error = result["objects"][0]["error"]
            assert error.startswith("the DACL of %s after enabling inheritance (" % dn)
            assert "an ACL holds at most 65535 bytes (64 KiB)" in error
            assert error in result["msg"] and "\n" not in result["msg"]
            assert directory.read_sd(dn) == before  # nothing written
    finally:
        put_back(directory, dn, original)


def room_for_the_dacl(directory, dn):
    """How many bytes dn's protected DACL may hold so that it and what its parent passes down, on
    the lab as it is now, still fit in 64 KiB (less 64 bytes of slack); and that share."""
    passed_down = passed_down_size(SecurityDescriptor.parse(directory.read_sd(parent_dn(dn))))
    return MAX_ACL_BYTES - passed_down - 64, passed_down


def test_a_large_dacl_that_still_fits_is_enabled_and_verified(ansible, directory):
    # The DACL is padded to what this case needs: over LARGE_DACL (so the module reads the
    # parent and adds up its share) and as close to 64 KiB as the parent leaves room for,
    # whatever the parent passes down on this lab.
    dn = user_dn(12)
    room, passed_down = room_for_the_dacl(directory, dn)
    if room <= LARGE_DACL:
        pytest.fail("the lab is not as expected: the parent of %s passes down %d bytes of ACEs, "
                    "which leaves room for a DACL of %d bytes, not the more than %d this case "
                    "needs" % (dn, passed_down, room, LARGE_DACL))
    own = sum(len(ace.to_bytes()) for ace in own_aces(SecurityDescriptor.parse(
        directory.read_sd(dn))))
    count = (room - 8 - own) // len(padding(1)[0].to_bytes())  # 8: the ACL's header
    original, before = padded(directory, dn, count)
    try:  # the padded DACL is put back whatever fails
        explicit = SecurityDescriptor.parse(before).dacl
        if not LARGE_DACL < len(explicit.to_bytes()) <= room:
            pytest.fail("the lab is not as expected: %s's padded DACL holds %d bytes, not more "
                        "than %d and at most %d" % (dn, len(explicit.to_bytes()), LARGE_DACL,
                                                    room))
        result = ok(ansible.run("inheritance", {"dn": [dn]}))
        assert result["changed"] and result["counts"]["changed"] == 1
        after = SecurityDescriptor.parse(directory.read_sd(dn))
        assert not after.protected
        # every explicit ACE kept, the parent's share added, and it still fits
        assert sorted(ace.to_bytes() for ace in after.dacl.aces if not ace.inherited) == \
            sorted(ace.to_bytes() for ace in explicit.aces)
        assert len(explicit.to_bytes()) < len(after.dacl.to_bytes()) <= MAX_ACL_BYTES
        assert ansible.run("inheritance", {"dn": [dn]})["changed"] is False
    finally:
        put_back(directory, dn, original)


def test_samba_keeps_more_values_than_ad_and_the_module_handles_them(ansible, directory):
    # AD would answer adminLimitExceeded (11) at about 1,200 values; Samba stores them all
    import ldap3
    dn = user_dn(15)
    ids = ["LIMIT%05d" % i for i in range(1500)]
    try:
        result = ok(ansible.run("eas_allowed_devices", {"entries": [{"user": dn,
                                                                     "allowed": ids}]}))
        assert result["changed"] and len(directory.attribute(dn, ALLOWED)) >= 1500
        assert not ok(ansible.run("eas_allowed_devices", {"entries": [
            {"user": dn, "allowed": ids}]}))["changed"]
        ok(ansible.run("eas_allowed_devices", {"state": "absent", "entries": [
            {"user": dn, "allowed": ids}]}))
        assert not any(v.startswith("LIMIT") for v in directory.attribute(dn, ALLOWED) or [])
    finally:  # the values the module may have left, taken away as they are stored
        left = [v for v in directory.attribute(dn, ALLOWED) or [] if v.startswith("LIMIT")]
        if left:
            assert directory.conn.modify(dn, {ALLOWED: [(ldap3.MODIFY_DELETE, left)]}), \
                directory.conn.result


def test_a_write_that_succeeds_and_then_cannot_be_read_back_counts_as_changed_and_failed(
        ansible, directory, tmp_path):
    # Samba accepts a rollback to an inheriting 65,260-byte DACL and stores it with its size
    # wrapped: the modify succeeds, the re-read cannot be parsed. The object changed: the run
    # says changed: true, and failed, naming the step after the write.
    import base64
    import json
    dn, other = user_dn(18), user_dn(21)
    other_original = directory.read_sd(other)
    original, before = padded(directory, dn, 1785)  # protected, 65,260 bytes
    try:
        sd = SecurityDescriptor.parse(before)
        inheriting = SecurityDescriptor(control=sd.control & ~SE_DACL_PROTECTED, dacl=sd.dacl)
        journal = tmp_path / "journal.jsonl"
        ok(ansible.run("inheritance", {"dn": [other], "state": "disabled",
                                       "journal": str(journal)}))  # a real line: its domain_sid
        line = json.loads(journal.read_text().splitlines()[0])
        line.update(dn=dn, new_sd=base64.b64encode(before).decode(),
                    old_sd=base64.b64encode(inheriting.to_bytes()).decode())
        if "object_guid" in line:  # the line is about user 18 now: its object, not user 21's
            line["object_guid"] = sid_and_guid(directory.conn, dn)[1]
        crafted = tmp_path / "crafted.jsonl"
        crafted.write_text(json.dumps(line) + "\n")
        result = ansible.run("inheritance_rollback", {"journal": str(crafted)})
        assert result["failed"] and result["changed"] is True, result
        assert result["counts"]["changed"] == 1 and result["counts"]["failed"] == 1
        entry = result["objects"][0]
        assert entry["status"] == "failed" and entry["changed"] is True
        assert entry["step"] == "reading it back"
        assert "succeeded, then reading it back failed: " in entry["error"]
        assert "\n" not in result["msg"]
    finally:
        put_back(directory, dn, original)
        put_back(directory, other, other_original)
