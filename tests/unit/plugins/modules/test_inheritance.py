"""inheritance's main() through the module base, against a directory in memory."""

import json

from fakes import DOMAIN_NC, INHERITING_SDDL, make_sid

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.modules import inheritance

STAFF = "OU=Staff," + DOMAIN_NC
JANE = "CN=Jane\\, Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC
ADMIN = "CN=Tier0 Admin,OU=Staff," + DOMAIN_NC
FINE = "CN=Fine User,OU=Staff," + DOMAIN_NC


def lab(directory):
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    for dn in (JANE, JOHN):
        directory.add_user(dn)
    directory.add_user(FINE, INHERITING_SDDL)
    admins = "CN=Domain Admins,CN=Users," + DOMAIN_NC
    directory.add_user(ADMIN, adminCount="1", objectSid=make_sid(1500), memberOf=[admins])
    directory.add_entry(admins, objectClass=["top", "group"], objectSid=make_sid(512),
                        member=[ADMIN], sAMAccountName="Domain Admins")


def protected(directory, dn):
    return SecurityDescriptor.parse(directory.sd(dn)).protected


def test_check_mode_plans_what_a_real_run_does_and_writes_nothing(run_module, directory):
    lab(directory)
    check = run_module(inheritance, dict(search_base=STAFF), check_mode=True, diff=True)
    assert directory.modifies == [] and directory.closed
    assert check["changed"] is True and check["failed"] is False
    assert check["counts"] == dict(matched=4, changed=2, unchanged=1, skipped=1, failed=0)
    # planning reports the skipped, the writes then report the changed
    assert [(o["dn"], o["status"]) for o in check["objects"]] == [
        (ADMIN, "skipped"), (JANE, "changed"), (JOHN, "changed")]
    assert "Domain Admins" in check["objects"][0]["reason"]
    assert [d["before_header"] for d in check["diff"]] == [JANE, JOHN]
    assert "D:PAI" in check["diff"][0]["before"] and "D:AI" in check["diff"][0]["after"]
    real = run_module(inheritance, dict(search_base=STAFF))
    assert (real["counts"], real["objects"]) == (check["counts"], check["objects"])
    assert not protected(directory, JANE) and protected(directory, ADMIN)
    assert set(real) >= {"changed", "counts", "objects", "msg"} and "diff" not in real
    again = run_module(inheritance, dict(search_base=STAFF))
    assert again["changed"] is False and again["counts"]["unchanged"] == 3


def test_journal_lines_and_result_key(run_module, directory, tmp_path):
    lab(directory)
    journal = tmp_path / "undo.jsonl"
    result = run_module(inheritance, dict(dn=[JANE], journal=str(journal)))
    assert result["journal"] == str(journal)
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(line["dn"], line["action"]) for line in lines] == [(JANE, "enable")]
    assert lines[0]["old_sddl"].startswith("O:DAG:DUD:PAI")


def test_argument_errors_fail_before_connecting(run_module, directory):
    both = run_module(inheritance, dict(dn=[JANE], search_base=STAFF))
    assert both["failed"] and "mutually exclusive" in both["msg"]
    neither = run_module(inheritance, dict())
    assert neither["failed"] and "one of the following is required" in neither["msg"]
    negative = run_module(inheritance, dict(dn=[JANE], max_changes=-1))
    assert negative["failed"] and negative["msg"] == \
        "max_changes must be 0 (no change allowed) or more, or left out for no limit, not -1"
    zero = run_module(inheritance, dict(dn=[JANE], connect_timeout=0))
    assert zero["failed"] and zero["msg"] == "connect_timeout must be at least 1 second, got 0"
    assert directory.settings is None  # never got as far as a connection


def test_max_changes_fails_with_the_plan_and_changes_nothing(run_module, directory):
    lab(directory)
    result = run_module(inheritance, dict(search_base=STAFF, max_changes=1))
    assert result["failed"] and result["plan"] == [JANE, JOHN]
    assert "more than max_changes 1; nothing was changed" in result["msg"]
    assert directory.modifies == [] and directory.closed


def test_max_changes_0_changes_nothing_and_fails_with_a_one_object_plan(run_module, directory):
    # an AWX survey answer of 0 means "change nothing", never "no limit" (issue 20 item 6)
    lab(directory)
    for check_mode in (True, False):
        result = run_module(inheritance, dict(dn=[JANE], max_changes=0), check_mode=check_mode)
        assert result["failed"] and result["plan"] == [JANE]
        assert result["msg"] == "the plan changes 1 objects, more than max_changes 0; nothing " \
                                "was changed"
        assert result["changed"] is False
    assert directory.modifies == [] and protected(directory, JANE)
    unlimited = run_module(inheritance, dict(dn=[JANE, JOHN]))  # left out: no limit
    assert not unlimited["failed"] and unlimited["counts"]["changed"] == 2


def test_ldap_error_is_one_failure_with_code_and_traceback(run_module, directory):
    lab(directory)
    result = run_module(inheritance, dict(search_base="OU=Gone," + DOMAIN_NC))
    assert result["failed"] and result["ldap_code"] == 32
    assert result["msg"] == "search_base OU=Gone,%s does not exist: noSuchObject (32)" % DOMAIN_NC
    assert "Traceback" in result["exception"] and directory.closed
    assert result["counts"]["matched"] == 0  # the result so far travels with the error


def test_connection_settings_reach_the_client_with_defaults(run_module, directory):
    lab(directory)
    run_module(inheritance, dict(dn=[FINE], operation_timeout=5))
    assert directory.settings["operation_timeout"] == 5
    assert directory.settings["connect_timeout"] == 10 and directory.settings["page_size"] == 1000


def test_an_empty_exclude_names_nothing_and_a_malformed_one_is_34(run_module, directory):
    # what _ldap.dn_is_under asserted before callers used _dn.is_at_or_below (whose empty base
    # is the root above every DN): an empty exclude excludes nothing, a malformed one is named
    lab(directory)
    empty = run_module(inheritance, dict(search_base=STAFF, exclude=["", "  "]), check_mode=True)
    assert empty["counts"]["skipped"] == 1 and empty["counts"]["changed"] == 2
    broken = run_module(inheritance, dict(search_base=STAFF, exclude="CN=a,=broken"))
    assert broken["failed"] and broken["ldap_code"] == 34
    assert "invalidDNSyntax (34)" in broken["msg"] and "CN=a,=broken" in broken["msg"]
    assert directory.modifies == []


def test_an_object_planned_again_gets_the_64_kib_check_too(run_module, directory, monkeypatch):
    # Jane's DACL was small when planned; another writer grew it to 64 KB of explicit ACEs before
    # the write. Planned again, enabling inheritance would pass 64 KiB with what Staff passes
    # down: refused naming her, nothing written (before, the replan skipped the check).
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        CONTAINER_INHERIT, SE_DACL_PRESENT, SE_DACL_PROTECTED, SE_SELF_RELATIVE, Ace, Acl)

    def descriptor(count, flags=0):
        aces = [Ace(0, flags, 0x10, "S-1-5-21-1-2-3-%d" % (5000 + i)) for i in range(count)]
        return SecurityDescriptor(control=SE_SELF_RELATIVE | SE_DACL_PRESENT | SE_DACL_PROTECTED,
                                  dacl=Acl(4, aces)).to_bytes()
    lab(directory)
    directory.entries[STAFF.lower()].attrs["ntsecuritydescriptor"] = [
        descriptor(40, CONTAINER_INHERIT)]
    read = directory.read

    def another_writer_first(dn, attributes, what=None):
        if dn == JANE and not directory.modifies:
            directory.entries[JANE.lower()].attrs["ntsecuritydescriptor"] = [descriptor(1785)]
        return read(dn, attributes, what)
    monkeypatch.setattr(directory, "read", another_writer_first)
    result = run_module(inheritance, dict(search_base=STAFF))
    failed = [o for o in result["objects"] if o["status"] == "failed"]
    assert [o["dn"] for o in failed] == [JANE] and result["failed"]
    assert failed[0]["error"].startswith("the DACL of %s after enabling inheritance" % JANE)
    assert "64 KiB" in failed[0]["error"] and "\n" not in failed[0]["error"]
    assert JANE not in [dn for dn, _changes in directory.modifies]
    assert directory.sd(JANE) == descriptor(1785)


def test_rights_are_predicted_check_and_real_fail_the_same_objects_unattempted(
        run_module, directory):
    # issue 22 item 1: a delegated account (its token from the RootDSE's tokenGroups) holds
    # WRITE_DAC on John (an explicit ACE) but not on Jane, whose inheritance is off: check mode
    # says what the real run does, and Jane's write is never sent
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
    svc = "CN=svc-enforcement,OU=Staff," + DOMAIN_NC
    svc_sid = "S-1-5-21-1-2-3-1160"
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_user(JANE, "O:DAG:DUD:PAI(A;;RPWP;;;S-1-5-21-1-2-3-1120)")
    directory.add_user(JOHN, "O:DAG:DUD:PAI(A;;WD;;;%s)" % svc_sid)
    directory.add_user(svc, "O:DAG:DUD:AI(A;;RC;;;AU)", objectSid=sid_from_str(svc_sid),
                       sAMAccountName="svc-enforcement")
    directory.add_entry("", tokenGroups=[sid_from_str(svc_sid),
                                         sid_from_str("S-1-5-21-1-2-3-513")])
    check = run_module(inheritance, dict(dn=[JANE, JOHN]), check_mode=True)
    assert check["failed"] and check["counts"]["failed"] == 1 and check["counts"]["changed"] == 1
    jane = [o for o in check["objects"] if o["dn"] == JANE][0]
    assert jane["status"] == "failed" and jane["ldap_code"] == 50 and jane["predicted"]
    assert "insufficientAccessRights (50)" in jane["error"] and "WRITE_DAC" in jane["error"]
    assert "inheritance is off on this user" in jane["error"]
    assert check["insufficient_rights"][0]["dn"] == JANE
    assert directory.modifies == []
    real = run_module(inheritance, dict(dn=[JANE, JOHN]))
    assert (real["counts"], real["objects"]) == (check["counts"], check["objects"])
    assert [dn for dn, _changes in directory.modifies] == [JOHN]  # Jane not attempted
    assert protected(directory, JANE) and not protected(directory, JOHN)
