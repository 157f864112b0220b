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

from ansible_collections.adremedy.directory.plugins.module_utils._dn import (
    parent as parent_dn)
from ansible_collections.adremedy.directory.plugins.module_utils._inheritance import (
    passed_down_size)
from ansible_collections.adremedy.directory.plugins.module_utils._sd import (
    MAX_ACL_BYTES, SE_DACL_PROTECTED, Ace, Acl, SecurityDescriptor)

ALLOWED = "msExchMobileAllowedDeviceIDs"
pytestmark = pytest.mark.usefixtures("reseeded")


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def padded(directory, dn, extra_aces, protected=True):
    """Give dn a DACL of its explicit ACEs plus extra_aces allow-ACEs for made-up SIDs."""
    original = directory.read_sd(dn)
    sd = SecurityDescriptor.parse(original)
    explicit = [ace for ace in sd.dacl.aces if not ace.inherited]
    extra = [Ace(0, 0, 0x10, "S-1-5-21-1-2-3-%d" % (5000 + i)) for i in range(extra_aces)]
    control = sd.control | SE_DACL_PROTECTED if protected else sd.control & ~SE_DACL_PROTECTED
    blob = SecurityDescriptor(control=control, dacl=Acl(4, explicit + extra)).to_bytes()
    directory.write_sd(dn, blob)
    return original, directory.read_sd(dn)


def test_enabling_inheritance_past_64_kib_is_refused_before_anything_is_written(ansible,
                                                                                directory):
    dn = user_dn(9)
    original, before = padded(directory, dn, 1785)  # 65,260 bytes, protected
    assert len(before) > 65000
    try:
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
        directory.write_sd(dn, original)


def aces_that_fit(directory, dn):
    """How many padding ACEs leave room under 64 KiB for what dn's parent passes down, on the
    lab as it is now (earlier tests may have delegated rights on the parent OU)."""
    parent = SecurityDescriptor.parse(directory.read_sd(parent_dn(dn)))
    explicit = sum(len(ace.to_bytes()) for ace in
                   SecurityDescriptor.parse(directory.read_sd(dn)).dacl.aces if not ace.inherited)
    room = MAX_ACL_BYTES - 8 - explicit - passed_down_size(parent) - 64
    return room // len(Ace(0, 0, 0x10, "S-1-5-21-1-2-3-5000").to_bytes())


def test_a_large_dacl_that_still_fits_is_enabled_and_verified(ansible, directory):
    dn = user_dn(12)
    original, before = padded(directory, dn, aces_that_fit(directory, dn))
    try:  # the padded DACL is put back whatever fails, the size check below included
        assert len(before) > 56000  # large: the module checks the parent's share above 32 KiB
        result = ok(ansible.run("inheritance", {"dn": [dn]}))
        assert result["changed"] and result["counts"]["changed"] == 1
        after = SecurityDescriptor.parse(directory.read_sd(dn))
        assert not after.protected and len(after.to_bytes()) > 56000
        assert ansible.run("inheritance", {"dn": [dn]})["changed"] is False
    finally:
        directory.write_sd(dn, original)


def test_samba_keeps_more_values_than_ad_and_the_module_handles_them(ansible, directory):
    # AD would answer adminLimitExceeded (11) at about 1,200 values; Samba stores them all
    dn = user_dn(15)
    ids = ["LIMIT%05d" % i for i in range(1500)]
    result = ok(ansible.run("eas_allowed_devices", {"entries": [{"user": dn, "allowed": ids}]}))
    assert result["changed"] and len(directory.attribute(dn, ALLOWED)) >= 1500
    assert not ok(ansible.run("eas_allowed_devices", {"entries": [
        {"user": dn, "allowed": ids}]}))["changed"]
    ok(ansible.run("eas_allowed_devices", {"state": "absent", "entries": [
        {"user": dn, "allowed": ids}]}))
    assert not any(v.startswith("LIMIT") for v in directory.attribute(dn, ALLOWED) or [])


def test_a_write_that_succeeds_and_then_cannot_be_read_back_counts_as_changed_and_failed(
        ansible, directory, tmp_path):
    # Samba accepts a rollback to an inheriting 65,260-byte DACL and stores it with its size
    # wrapped: the modify succeeds, the re-read cannot be parsed. The object changed: the run
    # says changed: true, and failed, naming the step after the write.
    import base64
    import json
    dn = user_dn(18)
    original, before = padded(directory, dn, 1785)  # protected, 65,260 bytes
    sd = SecurityDescriptor.parse(before)
    inheriting = SecurityDescriptor(control=sd.control & ~SE_DACL_PROTECTED, dacl=sd.dacl)
    journal = tmp_path / "journal.jsonl"
    ok(ansible.run("inheritance", {"dn": [user_dn(21)], "state": "disabled",
                                   "journal": str(journal)}))  # a real line, for its domain_sid
    line = json.loads(journal.read_text().splitlines()[0])
    ok(ansible.run("inheritance", {"dn": [user_dn(21)]}))
    line.update(dn=dn, new_sd=base64.b64encode(before).decode(),
                old_sd=base64.b64encode(inheriting.to_bytes()).decode())
    crafted = tmp_path / "crafted.jsonl"
    crafted.write_text(json.dumps(line) + "\n")
    try:
        result = ansible.run("inheritance_rollback", {"journal": str(crafted)})
        assert result["failed"] and result["changed"] is True, result
        assert result["counts"]["changed"] == 1 and result["counts"]["failed"] == 1
        entry = result["objects"][0]
        assert entry["status"] == "failed" and entry["changed"] is True
        assert entry["step"] == "reading it back"
        assert "succeeded, then reading it back failed: " in entry["error"]
        assert "\n" not in result["msg"]
    finally:
        directory.write_sd(dn, original)
