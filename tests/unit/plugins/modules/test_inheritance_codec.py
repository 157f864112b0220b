"""inheritance's main() on objects whose DACL holds ACEs SDDL has no form for (callback and
conditional ACEs), and codec errors at the module base (issue 20 item 8b)."""

import base64
import json

import pytest

from fakes import DOMAIN_NC, DOMAIN_SID, PROTECTED_SDDL, SDDL, USER_FILTER, Exit

from ansible_collections.adremedy.directory.plugins.module_utils._run import _module
from ansible_collections.adremedy.directory.plugins.module_utils._errors import SecurityDescriptorError
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.modules import inheritance

JANE = "CN=Jane\\, Doe,OU=Staff," + DOMAIN_NC
DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
CONDITION = b"artx\xfb\x05\x00\x00\x00\x00\x00\x00\x01"  # a conditional expression's start


def conditional_dacl(sddl=PROTECTED_SDDL):
    """The DACL with a conditional deny (callback object ACE, type 0x0C) in front."""
    sd = SDDL.parse(sddl)
    sd.dacl.aces.insert(0, Ace(0x0C, 0x02, 0x1, "%s-1120" % DOMAIN_SID, DEVICES,
                               extra=CONDITION))
    return sd.to_bytes()


def add_jane(directory, blob):
    directory.add_entry(JANE, nTSecurityDescriptor=blob, **USER_FILTER)


def test_check_mode_diff_of_a_dacl_with_a_conditional_ace_is_a_result(run_module, directory):
    blob = conditional_dacl()
    add_jane(directory, blob)
    result = run_module(inheritance, dict(dn=[JANE]), check_mode=True, diff=True)
    assert result["failed"] is False and result["changed"] is True, result.get("msg")
    assert directory.modifies == []
    before = result["diff"][0]["before"]
    assert "(X:0c02" in before
    # what the diff shows is the DACL as read, byte for byte
    assert SDDL.parse(before).dacl.to_bytes() == SecurityDescriptor.parse(blob).dacl.to_bytes()


def test_a_journalled_run_changes_it_and_the_journal_sddl_restores_it_exactly(
        run_module, directory, tmp_path):
    blob = conditional_dacl()
    add_jane(directory, blob)
    journal = tmp_path / "undo.jsonl"
    result = run_module(inheritance, dict(dn=[JANE], journal=str(journal)), diff=True)
    assert result["failed"] is False and result["changed"] is True, result.get("msg")
    assert not SecurityDescriptor.parse(directory.sd(JANE)).protected
    line = json.loads(journal.read_text().splitlines()[0])
    old = SecurityDescriptor.parse(base64.b64decode(line["old_sd"]))
    assert old.to_bytes() == blob
    assert SDDL.parse(line["old_sddl"]).dacl.to_bytes() == old.dacl.to_bytes()
    new = SecurityDescriptor.parse(base64.b64decode(line["new_sd"]))
    assert SDDL.parse(line["new_sddl"]).dacl.to_bytes() == new.dacl.to_bytes()
    assert "(X:" in result["diff"][0]["after"]


def test_duplicates_without_the_schema_tree_are_judged_conservatively_and_warned(
        run_module, directory, monkeypatch):
    warned = []
    monkeypatch.setattr(_module.AdremedyModule, "warn", lambda self, text: warned.append(text))
    # the fake directory has no schema: the run goes on, keeping what it cannot judge
    sddl = ("O:DAG:DUD:AI(OD;CI;WP;{ps};;{g})(A;CI;RC;;;AU)(OA;CIID;WP;{phone};;{g})"
            "(OD;CIID;WP;{ps};;{g})(A;CIID;RC;;;AU)").format(
        ps="77b5b886-944a-11d1-aebd-0000f80367c1", phone="bf967a49-0de6-11d0-a285-00aa003049e2",
        g="%s-1200" % DOMAIN_SID)
    add_jane(directory, SDDL.parse(sddl).to_bytes())
    result = run_module(inheritance, dict(dn=[JANE], remove_explicit_duplicates=True),
                        check_mode=True)
    assert result["failed"] is False
    entry = result["objects"][0]
    assert entry["duplicates_removed"] == 1 and entry["duplicates_kept"] == 1
    assert "object-type tree" in entry["note"]
    assert len(warned) == 1 and "property set" in warned[0] and "are kept" in warned[0]


def test_a_codec_error_is_one_line_naming_the_object(module, directory):
    with pytest.raises(Exit) as info:
        with module.client(lambda: dict(counts=dict(changed=2))):
            raise SecurityDescriptorError("ACL at offset 20 claims 9 ACEs\nin 8 bytes").about(JANE)
    result = info.value.result
    assert result["failed"] and directory.closed
    assert result["msg"] == ("%s: its security descriptor: ACL at offset 20 claims 9 ACEs in 8 "
                             "bytes" % JANE)
    assert result["counts"] == dict(changed=2)  # what was already written is reported
    with pytest.raises(Exit) as info:
        with module.client():
            raise SecurityDescriptorError("security descriptor is truncated (3 bytes)")
    assert info.value.result["msg"] == ("security descriptor error: security descriptor is "
                                        "truncated (3 bytes)")
