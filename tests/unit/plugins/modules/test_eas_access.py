"""eas_access: the bits of msExchOmaAdminWirelessEnable, and main() through the module base against
a directory in memory (check mode, diff, a quiet second run, another writer between the read and
the write, max_changes, the journal, protected_only, member_of). What the DC does with the
delete-old/add-new modify is checked on the lab (tests/integration/test_eas_access.py)."""

import json
import uuid

import pytest

from fakes import DOMAIN_NC, exchange_forest, make_sid

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_access
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_DELETE)
from ansible_collections.adremedy.directory.plugins.modules import eas_access

STAFF = "OU=Staff," + DOMAIN_NC
PLAIN = "CN=Plain,%s" % STAFF          # attribute absent: everything enabled
OWA_OFF = "CN=Owa Off,%s" % STAFF      # 8: OWA for Devices off
EAS_OFF = "CN=Eas Off,%s" % STAFF      # 4: ActiveSync off already
ATTRIBUTE = "msExchOmaAdminWirelessEnable"
GUIDS = {PLAIN: "11111111-2222-3333-4444-555555555551",
         OWA_OFF: "11111111-2222-3333-4444-555555555552",
         EAS_OFF: "11111111-2222-3333-4444-555555555553"}


def lab(directory):
    exchange_forest(directory)
    directory.add_entry("CN=%s,%s" % (ATTRIBUTE, directory.root_dse.schema_naming_context),
                        lDAPDisplayName=ATTRIBUTE)
    directory.add_entry(DOMAIN_NC, objectClass=["top", "domainDNS"])
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    for number, (dn, value) in enumerate(((PLAIN, None), (OWA_OFF, "8"), (EAS_OFF, "4")), 1):
        attrs = dict(sAMAccountName="u%d" % number, objectSid=make_sid(1100 + number),
                     objectGUID=uuid.UUID(GUIDS[dn]).bytes_le)
        if value is not None:
            attrs[ATTRIBUTE] = value
        directory.add_user(dn, **attrs)


def value(directory, dn):
    return directory.entries[dn.lower()].text(ATTRIBUTE)


# -- the bits ------------------------------------------------------------------------------------

@pytest.mark.parametrize("current, activesync, owa, expected", [
    (None, "disabled", None, 4),       # absent counts as 0
    (8, "disabled", None, 12),         # OWA for Devices off stays off
    (6, "enabled", None, 2),           # bit 2 (Exchange 2003's OMA) is kept
    (0x24, None, "disabled", 0x2C),    # 0x20 (2003 policy exemption) is kept
    (12, "enabled", "enabled", 0),
    (None, "enabled", "enabled", 0),
    (4, "disabled", "enabled", 4),
])
def test_desired_value_sets_and_clears_only_the_asked_bits(current, activesync, owa, expected):
    assert _eas_access.desired_value(current, activesync, owa) == expected


def test_features_read_an_absent_value_as_everything_enabled():
    assert _eas_access.features(None) == dict(activesync="enabled", owa_for_devices="enabled")
    assert _eas_access.features(12) == dict(activesync="disabled", owa_for_devices="disabled")
    assert _eas_access.features(8) == dict(activesync="enabled", owa_for_devices="disabled")


# -- the module ----------------------------------------------------------------------------------

def test_check_mode_diff_then_real_run_then_quiet(run_module, directory):
    lab(directory)
    args = dict(search_base=STAFF, activesync="disabled")
    check = run_module(eas_access, args, check_mode=True, diff=True)
    assert not check["failed"], check.get("msg")
    assert directory.modifies == [] and check["changed"] is True
    assert check["counts"] == dict(matched=3, changed=2, unchanged=1, skipped=0, failed=0)
    objects = dict((o["dn"], o) for o in check["objects"])
    assert objects[PLAIN] == dict(dn=PLAIN, status="changed", before=None, after=4,
                                  activesync="disabled", owa_for_devices="enabled",
                                  changes=["activesync disabled"])
    # the user whose OWA for Devices was off keeps that bit
    assert (objects[OWA_OFF]["before"], objects[OWA_OFF]["after"]) == (8, 12)
    assert objects[OWA_OFF]["owa_for_devices"] == "disabled"
    diffs = dict((d["before_header"], d) for d in check["diff"])
    assert diffs[OWA_OFF]["before"] == ("msExchOmaAdminWirelessEnable: 8\nActiveSync: enabled\n"
                                        "OWA for Devices: disabled\n")
    assert diffs[OWA_OFF]["after"] == ("msExchOmaAdminWirelessEnable: 12\nActiveSync: disabled\n"
                                       "OWA for Devices: disabled\n")
    assert diffs[PLAIN]["before"].startswith("msExchOmaAdminWirelessEnable: (not set)\n")

    real = run_module(eas_access, args)
    assert real["objects"] == check["objects"] and "diff" not in real
    assert (value(directory, PLAIN), value(directory, OWA_OFF), value(directory, EAS_OFF)) == (
        "4", "12", "4")
    # one modify per user: the value read is deleted and the new one added in the same modify
    assert sorted(directory.modifies) == sorted([
        (PLAIN, {ATTRIBUTE: [(MODIFY_ADD, ["4"])]}),
        (OWA_OFF, {ATTRIBUTE: [(MODIFY_DELETE, ["8"]), (MODIFY_ADD, ["12"])]})])
    again = run_module(eas_access, args)
    assert again["changed"] is False and again["counts"]["unchanged"] == 3
    assert again["msg"] == "0 of 3 users changed, 3 already right, 0 skipped, 0 failed"


def test_enabling_clears_only_its_bit(run_module, directory):
    lab(directory)
    directory.entries[OWA_OFF.lower()].attrs[ATTRIBUTE.lower()] = [b"14"]  # 2|4|8
    result = run_module(eas_access, dict(dn=[OWA_OFF, PLAIN], activesync="enabled"))
    assert result["counts"] == dict(matched=2, changed=1, unchanged=1, skipped=0, failed=0)
    assert value(directory, OWA_OFF) == "10"  # 2 and 8 kept


def test_another_writers_bit_set_between_read_and_write_is_kept(run_module, directory):
    """The DC refuses the delete of the value read (noSuchAttribute): the module reads the user
    again and plans from what is there now. A plain replace would have written 12 and lost the
    other writer's 2."""
    lab(directory)
    real_modify = directory.modify
    raced = []

    def modify(dn, changes, permissive=False, settle=None):
        if dn == OWA_OFF and not raced:
            raced.append(dn)
            directory.entries[dn.lower()].attrs[ATTRIBUTE.lower()] = [b"10"]  # someone: 2|8
            raise LdapError("modify %s failed: noSuchAttribute (16)" % dn, code=16, dn=dn)
        return real_modify(dn, changes, permissive, settle)
    directory.modify = modify
    result = run_module(eas_access, dict(dn=[OWA_OFF], activesync="disabled"))
    assert not result["failed"], result.get("msg")
    assert value(directory, OWA_OFF) == "14"
    assert result["objects"][0]["before"] == 10 and result["objects"][0]["after"] == 14


def test_another_writer_that_already_did_it_leaves_nothing_to_write(run_module, directory):
    lab(directory)

    def modify(dn, changes, permissive=False, settle=None):
        directory.entries[dn.lower()].attrs[ATTRIBUTE.lower()] = [b"4"]
        raise LdapError("modify %s failed: attributeOrValueExists (20)" % dn, code=20, dn=dn)
    directory.modify = modify
    result = run_module(eas_access, dict(dn=[PLAIN], activesync="disabled", list_unchanged=True))
    assert not result["failed"] and result["changed"] is False
    assert result["objects"][0]["status"] == "unchanged"
    assert "another writer" in result["objects"][0]["note"]


def test_a_refused_write_fails_that_user_and_the_others_are_written(run_module, directory):
    lab(directory)
    directory.fail = {PLAIN.lower(): LdapError("modify %s failed: insufficientAccessRights (50)"
                                               % PLAIN, code=50, dn=PLAIN)}
    result = run_module(eas_access, dict(search_base=STAFF, activesync="disabled"))
    assert result["failed"] and result["counts"]["failed"] == 1
    assert result["counts"]["changed"] == 1 and value(directory, OWA_OFF) == "12"
    assert "first failure: modify %s failed: insufficientAccessRights (50)" % PLAIN \
        in result["msg"]


def test_max_changes_zero_changes_nothing(run_module, directory):
    lab(directory)
    result = run_module(eas_access, dict(search_base=STAFF, activesync="disabled",
                                         max_changes=0))
    assert result["failed"] and directory.modifies == []
    assert sorted(result["plan"]) == sorted([PLAIN, OWA_OFF])
    assert "more than max_changes 0; nothing was changed" in result["msg"]
    under = run_module(eas_access, dict(search_base=STAFF, activesync="disabled",
                                        max_changes=2))
    assert not under["failed"] and under["counts"]["changed"] == 2


def test_the_journal_holds_dn_guid_old_and_new_value_before_each_write(run_module, directory,
                                                                       tmp_path):
    lab(directory)
    path = str(tmp_path / "eas-access.jsonl")
    run_module(eas_access, dict(search_base=STAFF, activesync="disabled", journal=path),
               check_mode=True)
    assert not (tmp_path / "eas-access.jsonl").exists()  # check mode writes no journal
    run_module(eas_access, dict(search_base=STAFF, activesync="disabled", journal=path))
    with open(path) as handle:
        lines = sorted((json.loads(line) for line in handle), key=lambda line: line["dn"])
    assert [(line["dn"], line["object_guid"], line["old_value"], line["new_value"])
            for line in lines] == sorted([(OWA_OFF, GUIDS[OWA_OFF], 8, 12),
                                          (PLAIN, GUIDS[PLAIN], None, 4)])
    assert all(line["action"] == "eas_access" and line["attribute"] == ATTRIBUTE
               and line["domain_sid"] for line in lines)


def test_selection_and_schema_are_checked_before_anything_is_written(run_module, directory):
    lab(directory)
    nothing = run_module(eas_access, dict(search_base=STAFF))
    assert nothing["failed"] and "activesync" in nothing["msg"]
    no_selection = run_module(eas_access, dict(activesync="disabled"))
    assert no_selection["failed"] and "search_base" in no_selection["msg"]
    schema = directory.root_dse.schema_naming_context
    directory.entries.pop(("CN=%s,%s" % (ATTRIBUTE, schema)).lower())
    no_schema = run_module(eas_access, dict(search_base=STAFF, activesync="disabled"))
    assert no_schema["failed"] and no_schema["ldap_code"] == 17
    assert "msExchOmaAdminWirelessEnable is not defined" in no_schema["msg"]
    assert directory.modifies == []


def test_a_value_that_is_no_number_fails_that_user_only(run_module, directory):
    lab(directory)
    directory.entries[EAS_OFF.lower()].attrs[ATTRIBUTE.lower()] = [b"junk"]
    result = run_module(eas_access, dict(search_base=STAFF, activesync="disabled"))
    assert result["counts"]["failed"] == 1 and result["counts"]["changed"] == 2
    failed = [o for o in result["objects"] if o["status"] == "failed"][0]
    assert failed["dn"] == EAS_OFF and "'junk', not a number" in failed["error"]


ADMINS = "CN=Domain Admins,CN=Users," + DOMAIN_NC


def protected_domain(directory):
    lab(directory)
    directory.add_entry(ADMINS, objectClass=["top", "group"], objectSid=make_sid(512),
                        sAMAccountName="Domain Admins", member=[OWA_OFF])
    directory.entries[OWA_OFF.lower()].attrs["memberof"] = [ADMINS.encode()]


def test_protected_only_selects_the_protected_set(run_module, directory):
    protected_domain(directory)
    result = run_module(eas_access, dict(search_base=STAFF, protected_only=True,
                                         activesync="disabled"))
    assert not result["failed"], result.get("msg")
    assert result["counts"] == dict(matched=1, changed=1, unchanged=0, skipped=0, failed=0)
    assert [o["dn"] for o in result["objects"]] == [OWA_OFF]
    assert value(directory, OWA_OFF) == "12" and value(directory, PLAIN) is None
    # a DN named outside the set is reported, not silently dropped
    listed = run_module(eas_access, dict(dn=[PLAIN, OWA_OFF], protected_only=True,
                                         activesync="disabled"))
    assert listed["counts"] == dict(matched=2, changed=0, unchanged=1, skipped=1, failed=0)
    assert listed["objects"] == [dict(dn=PLAIN, status="skipped",
                                      reason="not in the protected set (protected_only)")]


def test_member_of_names_the_group_and_takes_its_primary_group_members(run_module, directory):
    """The in-chain clause is the DC's to evaluate (the lab test); here: the group is resolved
    as admins name it, and an account whose primary group it is counts as a member."""
    lab(directory)
    group = "CN=Mobile Users,OU=Groups," + DOMAIN_NC
    directory.add_entry(group, objectClass=["top", "group"], objectSid=make_sid(1300),
                        sAMAccountName="Mobile Users")
    directory.entries[PLAIN.lower()].attrs["primarygroupid"] = [b"1300"]
    searches = []
    real_search = directory.search

    def search(base, search_filter="(objectClass=*)", attributes=None, scope="subtree"):
        searches.append(search_filter)
        return real_search(base, search_filter, attributes, scope)
    directory.search = search
    result = run_module(eas_access, dict(search_base=STAFF, member_of="Mobile Users",
                                         activesync="disabled"))
    assert not result["failed"], result.get("msg")
    assert result["member_of"] == group
    assert [o["dn"] for o in result["objects"]] == [PLAIN]
    assert any("(memberOf:1.2.840.113556.1.4.1941:=%s)" % group in s and
               "(primaryGroupID=1300)" in s for s in searches)
    unknown = run_module(eas_access, dict(search_base=STAFF, member_of="No Such Group",
                                          activesync="disabled"))
    assert unknown["failed"] and unknown["ldap_code"] == 32 and "No Such Group" in unknown["msg"]
    assert value(directory, OWA_OFF) == "8"  # nothing else was written


def test_users_the_account_may_not_write_are_predicted_failed_and_not_attempted(
        run_module, directory):
    # issue 22 item 1: write property on msExchOmaAdminWirelessEnable, from the bind account's
    # token (the RootDSE's tokenGroups) and each user's DACL; check mode says what the real run does
    from fakes import SDDL
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
    lab(directory)
    svc_sid = "S-1-5-21-1-2-3-1160"
    directory.add_user("CN=svc,OU=Service," + DOMAIN_NC, "O:DAG:DUD:AI(A;;RC;;;AU)",
                       objectSid=sid_from_str(svc_sid), sAMAccountName="svc")
    directory.add_entry("", tokenGroups=[sid_from_str(svc_sid)])
    directory.entries[OWA_OFF.lower()].attrs["ntsecuritydescriptor"] = [SDDL.parse(
        "O:DAG:DUD:AI(A;;RPWP;;;%s)" % svc_sid).to_bytes()]
    args = dict(search_base=STAFF, activesync="disabled")
    check = run_module(eas_access, args, check_mode=True)
    real = run_module(eas_access, args)
    assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
    assert real["failed"] and real["counts"]["failed"] == 1 and real["counts"]["changed"] == 1
    plain = [o for o in real["objects"] if o["dn"] == PLAIN][0]
    assert plain["ldap_code"] == 50 and plain["predicted"]
    assert "write property on msExchOmaAdminWirelessEnable" in plain["error"]
    assert [dn for dn, _changes in directory.modifies] == [OWA_OFF]
    assert value(directory, PLAIN) is None
