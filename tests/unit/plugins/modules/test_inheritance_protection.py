"""inheritance and inheritance_rollback never write a protected object, however it is protected
(issue 20): through a primary group, found only in its token, moved after the protected set was
read. main() through the module base, against a directory in memory."""

import json

from fakes import DOMAIN_NC, DOMAIN_SID, INHERITING_SDDL, make_sid

from ansible_collections.adremedy.directory.plugins.module_utils._security import _protected
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    TOKEN_UNREADABLE)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor
from ansible_collections.adremedy.directory.plugins.modules import (
    inheritance, inheritance_rollback)

STAFF = "OU=Staff," + DOMAIN_NC
ADMINS_OU = "OU=Admins," + STAFF
DOMAIN_ADMINS = "CN=Domain Admins,CN=Users," + DOMAIN_NC
TIER0 = "CN=Tier0," + ADMINS_OU
PRIMARY = "CN=Prim Admin," + ADMINS_OU
TOKEN_ONLY = "CN=Token Only," + ADMINS_OU
JANE = "CN=Jane Doe," + STAFF
FINE = "CN=Fine User," + STAFF
PROTECTED_REASON = ("protected: member of Domain Admins (in its tokenGroups); SDProp restores the "
                    "AdminSDHolder DACL within the hour, so it is never written")


def token(*rids):
    return [sid_from_str("%s-%d" % (DOMAIN_SID, rid)) for rid in rids] + \
        [sid_from_str("S-1-5-32-544")] * (512 in rids)


def lab(directory, admin_count=None):
    """Tier0 is a member of Domain Admins; Prim Admin's primary group is Tier0 (no member link
    names it; its token holds Domain Admins, as the DC computes it); Jane needs the fix."""
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_entry(ADMINS_OU, objectClass=["top", "organizationalUnit"])
    directory.add_entry(DOMAIN_ADMINS, objectClass=["top", "group"], objectSid=make_sid(512),
                        sAMAccountName="Domain Admins", member=[TIER0])
    directory.add_entry(TIER0, objectClass=["top", "group"], objectSid=make_sid(1200),
                        sAMAccountName="Tier0", memberOf=[DOMAIN_ADMINS])
    extra = dict(adminCount=admin_count) if admin_count else {}
    directory.add_user(PRIMARY, objectSid=make_sid(1300), sAMAccountName="prim",
                       primaryGroupID="1200", tokenGroups=token(1200, 512), **extra)
    directory.add_user(JANE, objectSid=make_sid(1301), sAMAccountName="jane")
    directory.add_user(FINE, INHERITING_SDDL, objectSid=make_sid(1302), sAMAccountName="fine")


def protected(directory, dn):
    return SecurityDescriptor.parse(directory.sd(dn)).protected


def statuses(result):
    return dict((o["dn"], o) for o in result["objects"])


def test_an_admin_through_its_primary_group_is_never_written(run_module, directory):
    # before: without adminCount it was planned like any user (inheritance re-enabled), with
    # adminCount=1 it was "orphaned" and written with include_orphaned
    for admin_count, options in ((None, {}), ("1", dict(include_orphaned=True))):
        directory.entries.clear()
        lab(directory, admin_count)
        args = dict(search_base=STAFF, **options)
        check = run_module(inheritance, args, check_mode=True)
        real = run_module(inheritance, args)
        assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
        prim = statuses(real)[PRIMARY]
        assert prim["status"] == "skipped"
        assert prim["reason"].startswith("%s: primary group is Tier0 -> member of Domain Admins"
                                         % ("protected" if admin_count else
                                            "in the protected set, not yet marked"))
        assert statuses(real)[JANE]["status"] == "changed"
        assert protected(directory, PRIMARY) and not protected(directory, JANE)
        assert [dn for dn, _changes in directory.modifies] == [JANE]
        directory.modifies[:] = []


def test_the_token_guard_skips_what_the_walk_missed_and_reads_only_planned_objects(
        run_module, directory, monkeypatch):
    # a protected member no member list and no primary group shows (as a member the walk could
    # not see would be): its token still holds Domain Admins, so it is never written
    lab(directory)
    directory.add_user(TOKEN_ONLY, objectSid=make_sid(1303), sAMAccountName="tokenonly",
                       tokenGroups=token(513, 1200, 512))
    reads = []
    read = directory.read

    def counting(dn, attributes, what=None):
        if "tokenGroups" in attributes and dn:  # "": the bind account's own token (_rights)
            reads.append(dn)
        return read(dn, attributes, what)
    monkeypatch.setattr(directory, "read", counting)
    check = run_module(inheritance, dict(search_base=STAFF), check_mode=True)
    assert sorted(reads) == sorted([JANE, TOKEN_ONLY])  # not Fine (unchanged), not Prim (skipped)
    real = run_module(inheritance, dict(search_base=STAFF))
    assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
    assert real["counts"] == dict(matched=4, changed=1, unchanged=1, skipped=2, failed=0)
    item = statuses(real)[TOKEN_ONLY]
    assert (item["status"], item["reason"], item["classification"]) == (
        "skipped", PROTECTED_REASON, "protected")
    assert [dn for dn, _changes in directory.modifies] == [JANE]


def test_an_unreadable_token_is_said_not_silently_passed(run_module, directory):
    lab(directory)
    directory.entries[JANE.lower()].attrs.pop("tokengroups")  # the DC gave none
    result = run_module(inheritance, dict(dn=[JANE]))
    assert statuses(result)[JANE]["status"] == "changed"
    assert statuses(result)[JANE]["note"] == TOKEN_UNREADABLE


def test_an_admin_moved_after_the_protected_set_was_read_is_still_protected(
        run_module, directory, monkeypatch):
    # Domain Admins names the admin; between the protected-set read and the plan read it is
    # moved to another OU (a new DN, the same objectSid and objectGUID). Its token here holds no
    # protected SID, so only the SID/GUID lookup can tell. Before: the DN lookup missed it and
    # its inheritance was turned on.
    lab(directory)
    admin = "CN=Moved Admin," + ADMINS_OU
    moved = "CN=Moved Admin," + STAFF
    directory.add_user(admin, objectSid=make_sid(1500), objectGUID=bytes(range(16)),
                       sAMAccountName="moved", adminCount="1", memberOf=[DOMAIN_ADMINS])
    directory.entries[DOMAIN_ADMINS.lower()].attrs["member"].append(admin.encode())
    by_dn = _protected.ProtectedSet.by_dn

    def then_moved(self):
        found = by_dn(self)
        entry = directory.entries.pop(admin.lower())
        entry.dn = moved
        directory.entries[moved.lower()] = entry
        return found
    monkeypatch.setattr(_protected.ProtectedSet, "by_dn", then_moved)
    result = run_module(inheritance, dict(search_base=STAFF, scope="onelevel"))
    item = statuses(result)[moved]
    assert item["status"] == "skipped" and item["classification"] == "protected"
    assert "member of Domain Admins" in item["reason"]
    assert protected(directory, moved) and moved not in [dn for dn, _c in directory.modifies]


def test_rollback_does_not_restore_onto_an_object_now_in_a_protected_token(
        run_module, directory, tmp_path):
    lab(directory)
    journal = str(tmp_path / "fix.jsonl")
    assert run_module(inheritance, dict(dn=[JANE], journal=journal))["counts"]["changed"] == 1
    # Jane has since been given Tier0 as her primary group: in Domain Admins' token
    directory.entries[JANE.lower()].attrs["tokengroups"] = token(1200, 512)
    result = run_module(inheritance_rollback, dict(journal=journal, dn=[JANE]))
    assert statuses(result)[JANE]["status"] == "skipped"
    assert statuses(result)[JANE]["reason"] == PROTECTED_REASON
    assert not protected(directory, JANE)
    assert json.loads(open(journal).readline())["dn"] == JANE
