"""Classification rules of the protected set, without a directory and against a directory
in memory."""

import datetime
import struct

import pytest

from fakes import DOMAIN_NC, DOMAIN_SID, FakeDirectory, make_sid

from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    Skip, plan)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, SecurityDescriptorError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import (
    PRIMARY_GROUP_BATCH, ProtectedSet, account_disabled, admin_count_written, classify, counts,
    dsheuristics_mask, is_krbtgt, key_admins_rule, key_admins_sdprop, shortest_chain)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    sid_from_str, sid_to_str)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import dacl_protected
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl


@pytest.mark.parametrize("value,mask", [
    (None, 0), ("", 0), ("0000000001", 0), ("0000000001000004", 4),
    ("000000000100000f", 0xF), ("0000000001000001xyz", 1), ("000000000100000z", 0),
])
def test_dsheuristics_mask(value, mask):
    assert dsheuristics_mask(value) == mask


def test_classify():
    assert classify(True, 1) == "protected"
    assert classify(True, None) == "unmarked"
    assert classify(True, 0) == "unmarked"
    assert classify(False, 1) == "orphaned"
    assert classify(False, None) is None


def test_shortest_chain_prefers_fewest_hops_and_survives_cycles():
    parents = {
        "user": {"tier0", "helpdesk"},
        "tier0": {"domain admins"},
        "helpdesk": {"tier1"},
        "tier1": {"helpdesk", "tier0"},  # a membership cycle
        "domain admins": {"administrators"},
    }
    roots = {"domain admins", "administrators"}
    assert shortest_chain("user", parents, roots) == ["tier0", "domain admins"]
    assert shortest_chain("tier1", parents, roots) == ["tier0", "domain admins"]
    assert shortest_chain("helpdesk", {"helpdesk": {"tier1"}, "tier1": {"helpdesk"}},
                          roots) is None


def test_counts():
    objs = [{"classification": c} for c in ("protected", "protected", "orphaned")]
    assert counts(objs) == {"protected": 2, "orphaned": 1, "unmarked": 0, "unresolved": 0,
                            "total": 3}
    objs[1]["unresolved"] = "member X of G: why"
    assert counts(objs)["unresolved"] == 1


def test_sid_round_trip():
    for text in ("S-1-5-32-544", "S-1-5-21-1004336348-1177238915-682003330-512", "S-1-1-0"):
        assert sid_to_str(sid_from_str(text)) == text
    with pytest.raises(SecurityDescriptorError):
        sid_to_str(b"\x01\x05\x00")
    with pytest.raises(SecurityDescriptorError):
        sid_from_str("S-1-x")


def test_dacl_protected_reads_the_control_word():
    header = bytes([1, 0]) + (0x9404).to_bytes(2, "little") + bytes(16)
    assert dacl_protected(header)
    assert not dacl_protected(bytes([1, 0]) + (0x8404).to_bytes(2, "little") + bytes(16))
    with pytest.raises(SecurityDescriptorError):
        dacl_protected(b"\x01\x00")


# -- orphans with context -----------------------------------------------------------------------

def _metadata_blob(entries):
    """A replPropertyMetaDataBlob v1: 16-byte header, then 48 bytes per attribute."""
    blob = struct.pack("<IIII", 1, 0, len(entries), 0)
    for attid, version, seconds in entries:
        blob += struct.pack("<IIQ16sqq", attid, version, seconds, b"\x11" * 16, 7, 7)
    return blob


def test_admin_count_written_from_windows_xml():
    xml = (u"<DS_REPL_ATTR_META_DATA>\n\t<pszAttributeName>%s</pszAttributeName>\n\t<dwVersion>%d"
           u"</dwVersion>\n\t<ftimeLastOriginatingChange>%s</ftimeLastOriginatingChange>\n"
           u"</DS_REPL_ATTR_META_DATA>\n")
    entry = Entry("CN=x", {"msds-replattributemetadata": [
        (xml % ("cn", 1, "2020-01-01T00:00:00Z")).encode(),
        (xml % ("adminCount", 3, "2024-03-11T08:15:02Z")).encode()]})
    assert admin_count_written(entry) == dict(time="2024-03-11T08:15:02Z", version=3,
                                              source="msDS-ReplAttributeMetaData")


def test_admin_count_written_from_samba_blob():
    utc = datetime.timezone.utc
    seconds = int((datetime.datetime(2026, 11, 30, 12, tzinfo=utc)
                   - datetime.datetime(1601, 1, 1, tzinfo=utc)).total_seconds())
    blob = _metadata_blob([(0, 1, 1), (0x90096, 2, seconds), (0x90001, 1, 5)])
    entry = Entry("CN=x", {"replpropertymetadata": [blob], "msds-replattributemetadata": []})
    assert admin_count_written(entry) == dict(time="2026-11-30T12:00:00Z", version=2,
                                              source="replPropertyMetaData")
    assert admin_count_written(Entry("CN=x", {"replpropertymetadata": [
        _metadata_blob([(0, 1, 1)])]})) is None
    assert admin_count_written(Entry("CN=x", {"replpropertymetadata": [b"\x01\x00"]})) is None
    assert admin_count_written(Entry("CN=x", {})) is None


def test_krbtgt_accounts_and_disabled():
    assert is_krbtgt({"sam_account_name": "krbtgt"})
    assert is_krbtgt({"sam_account_name": "krbtgt_31337"})
    assert not is_krbtgt({"sam_account_name": "krbtgtfan"})
    assert not is_krbtgt({"sam_account_name": None})
    assert account_disabled(Entry("CN=x", {"useraccountcontrol": [b"514"]})) is True
    assert account_disabled(Entry("CN=x", {"useraccountcontrol": [b"512"]})) is False
    assert account_disabled(Entry("CN=x", {})) is None


# -- the protected set against a directory in memory (tests/unit/fakes.py) ----------------------

USERS = "CN=Users," + DOMAIN_NC
DOMAIN_ADMINS = "CN=Domain Admins," + USERS
ADMINS_OU = "OU=Admins," + DOMAIN_NC
TIER0 = "CN=Tier0," + ADMINS_OU
PRIMARY = "CN=Prim Admin," + ADMINS_OU
GROUP = ["top", "group"]
PROTECTED_DACL = Sddl(DOMAIN_SID).parse("D:PAI(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)")


def group(directory, dn, rid, members=(), member_of=(), **attrs):
    sam = dn.split(",")[0][3:]
    return directory.add_entry(dn, objectClass=GROUP, objectSid=make_sid(rid), sAMAccountName=sam,
                               member=list(members), memberOf=list(member_of), **attrs)


def tier0_domain(admin_count="1"):
    """Domain Admins holds the group Tier0; Prim Admin's primary group is Tier0, so no member
    link names Prim Admin (the DC removes it when primaryGroupID is set)."""
    directory = FakeDirectory()
    group(directory, DOMAIN_ADMINS, 512, members=[TIER0], adminCount="1")
    group(directory, TIER0, 1200, member_of=[DOMAIN_ADMINS])
    extra = dict(adminCount=admin_count) if admin_count else {}
    directory.add_user(PRIMARY, objectSid=make_sid(1300), sAMAccountName="prim",
                       primaryGroupID="1200", memberOf=[], **extra)
    return directory


def objects_of(directory):
    return dict((o["sam_account_name"], o) for o in ProtectedSet(directory).load().objects())


def test_a_primary_group_nested_in_domain_admins_protects_the_account():
    # before: only the protected groups' own primary members were looked for, so Prim Admin
    # was "orphaned" (and written with include_orphaned), or not in the set at all
    prim = objects_of(tier0_domain())["prim"]
    assert prim["classification"] == "protected"
    assert prim["reason"] == "primary group is Tier0 -> member of Domain Admins"
    assert prim["chain"] == ["Tier0", "Domain Admins"] and prim["protected_by"] == "Domain Admins"
    step = plan(PRIMARY, PROTECTED_DACL, 1, prim, "enabled", include_orphaned=True)
    assert isinstance(step, Skip) and step.classification == "protected"
    unmarked = objects_of(tier0_domain(admin_count=None))["prim"]
    assert unmarked["classification"] == "unmarked"
    assert isinstance(plan(PRIMARY, PROTECTED_DACL, None, unmarked, "enabled"), Skip)


def test_an_unread_domain_sid_stops_the_primary_group_search_in_one_line():
    # the domain head's objectSid unread (domain_sid None): which groups are this domain's, and
    # so whose primary group is in the set, cannot be told; a clear LdapError, not a TypeError
    directory = tier0_domain()
    directory.add_entry("CN=Administrators,CN=Builtin," + DOMAIN_NC, objectClass=GROUP,
                        objectSid=sid_from_str("S-1-5-32-544"), sAMAccountName="Administrators",
                        member=[TIER0])
    directory.root_dse.domain_sid = directory.root_dse.forest_root_sid = None
    with pytest.raises(LdapError, match=r"^the domain's SID could not be read \(objectSid of "
                                        r"DC=example,DC=com\)"):
        ProtectedSet(directory).load()


def test_a_protected_groups_own_primary_members_still_count():
    directory = tier0_domain()
    directory.add_user("CN=Direct," + USERS, objectSid=make_sid(1301), sAMAccountName="direct",
                       primaryGroupID="512", adminCount="1")
    direct = objects_of(directory)["direct"]
    assert direct["classification"] == "protected"
    assert direct["reason"] == "primary group is Domain Admins"


def test_primary_groups_are_searched_in_batches_and_dc_accounts_stay_out():
    directory = tier0_domain()
    nested = ["CN=Group %03d,%s" % (i, ADMINS_OU) for i in range(250)]
    directory.entries[DOMAIN_ADMINS.lower()].attrs["member"] += [dn.encode() for dn in nested]
    for i, dn in enumerate(nested):
        group(directory, dn, 2000 + i, member_of=[DOMAIN_ADMINS])
        directory.add_user("CN=User %03d,%s" % (i, ADMINS_OU), objectSid=make_sid(3000 + i),
                           sAMAccountName="user%03d" % i, primaryGroupID=str(2000 + i))
    # Domain Controllers is protected itself; the DCs, whose primary group it is, are not
    group(directory, "CN=Domain Controllers," + USERS, 516)
    directory.add_entry("CN=DC1,OU=Domain Controllers," + DOMAIN_NC, objectClass=["top", "user"],
                        objectSid=make_sid(1000), sAMAccountName="DC1$", primaryGroupID="516")
    searches = []
    search = directory.search

    def counting(base, search_filter="(objectClass=*)", attributes=None, scope="subtree"):
        if "primaryGroupID" in search_filter:
            searches.append(search_filter.count("(primaryGroupID="))
        return search(base, search_filter, attributes, scope)
    directory.search = counting
    objects = objects_of(directory)
    assert all(objects["user%03d" % i]["classification"] == "unmarked" for i in range(250))
    assert objects["user042"]["reason"] == "primary group is Group 042 -> member of Domain Admins"
    assert "DC1$" not in objects and objects["Domain Controllers"]["reason"] == \
        "protected principal"
    # Domain Admins, Tier0 and the 250 groups: 252 RIDs, three searches, once
    assert searches == [PRIMARY_GROUP_BATCH, PRIMARY_GROUP_BATCH, 52]


def test_protected_groups_are_groups_and_unique_by_sid():
    # an account carrying Domain Admins' SID is not Domain Admins
    directory = tier0_domain()
    directory.add_user("CN=Impostor," + USERS, objectSid=make_sid(512), sAMAccountName="impostor")
    found = ProtectedSet(directory).load()
    domain_admins = [g for g in found.groups if g["name"] == "Domain Admins"][0]
    assert domain_admins["dn"] == DOMAIN_ADMINS
    assert "impostor" not in dict((o["sam_account_name"], o) for o in found.objects())
    # two groups with one SID: which one the DC means cannot be told; an error naming the SID
    group(directory, "CN=Domain Admins 2," + USERS, 512)
    with pytest.raises(LdapError) as error:
        ProtectedSet(directory).load()
    message = str(error.value)
    assert "objectSid %s-512 is carried by 2 groups" % DOMAIN_SID in message
    assert DOMAIN_ADMINS in message and "\n" not in message


def test_key_admins_and_enterprise_key_admins_protect_their_members_where_they_exist():
    directory = tier0_domain()
    key_admins = "CN=Key Admins," + USERS
    enterprise = "CN=Enterprise Key Admins," + USERS
    keyholder = "CN=Key Holder," + ADMINS_OU
    forest_key = "CN=Forest Key," + ADMINS_OU
    group(directory, key_admins, 526, members=[keyholder])
    group(directory, enterprise, 527, members=[forest_key])  # one domain: its SID is the root's
    directory.add_user(keyholder, objectSid=make_sid(1400), sAMAccountName="keyholder",
                       adminCount="1", memberOf=[key_admins])
    directory.add_user(forest_key, objectSid=make_sid(1401), sAMAccountName="forestkey",
                       memberOf=[enterprise])
    found = ProtectedSet(directory).load()
    objects = dict((o["sam_account_name"], o) for o in found.objects())
    assert objects["keyholder"]["classification"] == "protected"  # was: orphaned
    assert objects["keyholder"]["reason"] == "member of Key Admins"
    assert objects["forestkey"]["classification"] == "unmarked"
    assert objects["forestkey"]["reason"] == "member of Enterprise Key Admins"
    step = plan(keyholder, PROTECTED_DACL, 1, objects["keyholder"], "enabled",
                include_orphaned=True)
    assert isinstance(step, Skip)
    groups = dict((g["name"], g) for g in found.groups)
    assert groups["Key Admins"]["dn"] == key_admins
    assert groups["Enterprise Key Admins"]["sid"] == DOMAIN_SID + "-527"


def test_absent_key_admin_groups_are_nothing_unresolved():
    found = ProtectedSet(tier0_domain()).load()
    groups = dict((g["name"], g) for g in found.groups)
    assert groups["Key Admins"]["dn"] is None and groups["Enterprise Key Admins"]["dn"] is None
    assert found.unresolved == []


@pytest.mark.parametrize("system, version, expected", [
    ("Windows Server 2012 R2 Datacenter", "6.3 (9600)", []),
    ("Windows Server 2016 Standard", "10.0 (14393)", ["Key Admins"]),
    ("Windows Server 2019 Datacenter", "10.0 (17763)", ["Key Admins", "Enterprise Key Admins"]),
    ("Windows Server 2025 Datacenter", None, ["Key Admins", "Enterprise Key Admins"]),
    ("Windows Server Datacenter", "10.0 (16299)", ["Key Admins"]),  # semi-annual 1709
    ("Windows Server Datacenter", "10.0 (17134)", ["Key Admins", "Enterprise Key Admins"]),
    ("Windows Server Datacenter", None, None), ("Samba", "4.17.12-Debian", None),
    (None, None, None),
])
def test_what_sdprop_protects_by_the_pdc_emulators_system(system, version, expected):
    assert key_admins_sdprop(system, version) == expected
    rule = key_admins_rule(system, version, ["Key Admins"])
    assert rule.startswith("Key Admins (RID 526) and Enterprise Key Admins (RID 527 of the "
                           "forest root domain) are treated as protected wherever they exist")
    assert "found here: Key Admins" in rule and "issue 7885" in rule
    assert "errs on the safe side" in rule and "\n" not in rule


def test_the_protected_set_is_found_by_sid_and_guid_as_well_as_dn():
    directory = tier0_domain()
    guid = bytes(range(16))
    directory.entries[PRIMARY.lower()].attrs["objectguid"] = [guid]
    protection = ProtectedSet(directory).load().by_dn()
    moved = "CN=Prim Admin,OU=Elsewhere," + DOMAIN_NC
    assert protection.get(moved) is None
    by_guid = protection.of(Entry(moved, {"objectguid": [guid]}))
    by_sid = protection.of(Entry(moved, {"objectsid": [make_sid(1300)]}))
    assert by_guid["dn"] == PRIMARY and by_sid["dn"] == PRIMARY
    assert protection.of(Entry(PRIMARY, {}))["dn"] == PRIMARY  # by DN as before
    assert protection.of(Entry(moved, {"objectsid": [make_sid(9999)]})) is None
