"""The protected set in multi-domain forests (plugins/module_utils/_security/_protected.py).

The lab is one domain, so the forest cases run here against a fake forest: a root domain and a
child domain, each DC holding its own domain, and a Global Catalog holding every domain's
objects with the partial attribute set (member only for universal groups).
"""

import re

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    dn_key, is_at_or_below)
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    Skip, plan)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import (
    ProtectedSet, counts)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

ROOT = "DC=example,DC=com"
CHILD = "DC=child,DC=example,DC=com"
OTHER = "DC=other,DC=example,DC=com"
CONFIG = "CN=Configuration," + ROOT
ROOT_SID, CHILD_SID, OTHER_SID = "S-1-5-21-1-1-1", "S-1-5-21-2-2-2", "S-1-5-21-3-3-3"
UNIVERSAL, GLOBAL, DOMAIN_LOCAL = -2147483640, -2147483646, -2147483644
GC_ATTRIBUTES = {"objectclass", "grouptype", "objectsid", "member", "samaccountname",
                 "distinguishedname"}


def obj(dn, classes, sid=None, members=(), group_type=None, admin_count=None, sam=None,
        tokens=()):
    attrs = {"objectclass": [c.encode() for c in ["top"] + classes],
             "distinguishedname": [dn.encode()]}
    if sid:
        attrs["objectsid"] = [sid_from_str(sid)]
    if members:
        attrs["member"] = [m.encode() for m in members]
    if group_type is not None:
        attrs["grouptype"] = [str(group_type).encode()]
    if admin_count is not None:
        attrs["admincount"] = [str(admin_count).encode()]
    attrs["samaccountname"] = [(sam or dn.split(",")[0][3:]).encode()]
    if tokens:
        attrs["tokengroups"] = [sid_from_str(t) for t in tokens]
    return dn, attrs


class Dse(object):
    def __init__(self, nc, sid, root_sid):
        self.default_naming_context = nc
        self.configuration_naming_context = CONFIG
        self.schema_naming_context = "CN=Schema," + CONFIG
        self.root_domain_naming_context = ROOT
        self.domain_sid = sid
        self.forest_root_sid = root_sid


def _unescape(value):
    return re.sub(r"\\([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)


def _match(attrs, text, dn):
    """The filters the protected set sends: &, |, equality, the in-chain rule (by memberOf)."""
    if text.startswith("(&") or text.startswith("(|"):
        parts, depth, start = [], 0, 2
        for i in range(2, len(text) - 1):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                parts.append(text[start:i + 1])
                start = i + 1
        results = [_match(attrs, part, dn) for part in parts]
        return all(results) if text[1] == "&" else any(results)
    name, value = text[1:-1].split("=", 1)
    value = _unescape(value)
    if name.endswith(":1.2.840.113556.1.4.1941:"):
        return False  # not used by these tests (no ranged member lists)
    name = name.lower()
    if name == "distinguishedname":
        return dn_key(dn) == dn_key(value)
    if name == "objectsid":
        return sid_from_str(value) in attrs.get("objectsid", [])
    return value.encode() in attrs.get(name, [])


class FakeDirectory(object):
    """A DC (holds its domain and the configuration NC) or a Global Catalog (holds all)."""

    def __init__(self, forest, held, dse=None, gc=False):
        self.forest = forest
        self.held = held
        self.gc = gc
        self._dse = dse
        self.reads = []

    @property
    def root_dse(self):
        return self._dse

    def _holds(self, dn):
        if self.gc:
            return True
        return any(is_at_or_below(dn, nc) and not any(
            is_at_or_below(dn, other) and dn_key(other) != dn_key(nc)
            and is_at_or_below(other, nc) for other in (ROOT, CHILD, OTHER)) for nc in self.held)

    def _entry(self, dn, attrs, wanted):
        if self.gc:
            attrs = dict((k, v) for k, v in attrs.items() if k in GC_ATTRIBUTES)
            universal = int(attrs.get("grouptype", [b"0"])[0]) & 0x8
            if not universal:
                attrs.pop("member", None)
        wanted = set(a.lower() for a in wanted)
        attrs = dict((k, v) for k, v in attrs.items() if k in wanted and k != "tokengroups")
        if "membe" + "rof" in wanted:
            attrs["memberof"] = [g.encode() for g, a in self.forest.items()
                                 if dn.encode() in a.get("member", []) and self._holds(g)]
        return Entry(dn, attrs)

    def search(self, base, search_filter="(objectClass=*)", attributes=None, scope="subtree"):
        for dn, attrs in self.forest.items():
            if self._holds(dn) and (not base or is_at_or_below(dn, base)) \
                    and _match(attrs, search_filter, dn):
                yield self._entry(dn, attrs, attributes or [])

    def read(self, dn, attributes):
        self.reads.append((dn, tuple(attributes)))
        for known, attrs in self.forest.items():
            if dn_key(known) == dn_key(dn) and self._holds(known):
                entry = self._entry(known, attrs, attributes)
                if "tokenGroups" in attributes and "tokengroups" in attrs:
                    entry.attrs["tokengroups"] = attrs["tokengroups"]
                return entry
        return None


def forest(*extra):
    objects = [
        obj("CN=Administrators,CN=Builtin," + CHILD, ["group"], "S-1-5-32-544",
            members=["CN=Domain Admins,CN=Users," + CHILD, "CN=Enterprise Admins,CN=Users," + ROOT],
            group_type=DOMAIN_LOCAL),
        obj("CN=Domain Admins,CN=Users," + CHILD, ["group"], CHILD_SID + "-512",
            group_type=GLOBAL),
        obj("CN=Enterprise Admins,CN=Users," + ROOT, ["group"], ROOT_SID + "-519",
            members=["CN=Root Admin,CN=Users," + ROOT, "CN=Child Admin,OU=Admins," + CHILD],
            group_type=UNIVERSAL),
        obj("CN=Schema Admins,CN=Users," + ROOT, ["group"], ROOT_SID + "-518",
            group_type=UNIVERSAL),
        obj("CN=Root Admin,CN=Users," + ROOT, ["user"], ROOT_SID + "-1000", admin_count=1),
        obj("CN=Child Admin,OU=Admins," + CHILD, ["user"], CHILD_SID + "-1100", admin_count=1),
        obj("CN=Former,OU=Admins," + CHILD, ["user"], CHILD_SID + "-1101", admin_count=1),
        obj(ROOT, ["domainDNS"], ROOT_SID),
        obj(CHILD, ["domainDNS"], CHILD_SID),
    ] + list(extra)
    return dict(objects)


def child_set(directory, gc=True):
    dc = FakeDirectory(directory, [CHILD, CONFIG], Dse(CHILD, CHILD_SID, None))
    catalog = FakeDirectory(directory, [], gc=True) if gc else None
    return ProtectedSet(dc, gc=catalog).load()


def by_name(found):
    return dict((o["sam_account_name"], o) for o in found.objects())


def test_a_child_user_protected_through_enterprise_admins_of_the_root_domain():
    objects = by_name(child_set(forest()))
    admin = objects["Child Admin"]
    assert admin["classification"] == "protected" and admin["unresolved"] is None
    assert admin["reason"] == "member of Enterprise Admins (through groups of another naming context)"
    # an orphan stays an orphan when everything could be followed
    assert objects["Former"]["classification"] == "orphaned"
    assert "Root Admin" not in objects  # an account of the root domain is not this domain's


def test_without_a_global_catalog_nothing_is_called_orphaned():
    found = child_set(forest(), gc=False)
    objects = by_name(found)
    for name in ("Child Admin", "Former"):
        assert objects[name]["classification"] == "protected", name
        assert objects[name]["reason"].startswith("protected (unresolved: ")
        assert "gc_server" in objects[name]["unresolved"]
    whys = " | ".join(u["why"] for u in found.unresolved)
    assert "forest root domain DC=example,DC=com" in whys  # EA and SA of the root domain
    assert "CN=Enterprise Admins,CN=Users,DC=example,DC=com" in \
        [u["member"] for u in found.unresolved]
    assert counts(found.objects())["orphaned"] == 0


def test_unresolved_objects_are_never_written_even_with_include_orphaned():
    protection = by_name(child_set(forest(), gc=False))["Former"]
    sd = Sddl(CHILD_SID).parse("D:PAI(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)")
    step = plan(protection["dn"], sd, 1, protection, "enabled", include_orphaned=True)
    assert isinstance(step, Skip) and step.classification == "protected"
    assert "unresolved" in step.reason and "never written" in step.reason


def test_groups_of_other_domains_through_the_global_catalog():
    # Administrators of the child holds a universal group of another child domain that holds
    # a child user, and a global group of the other domain (it cannot hold child accounts)
    directory = forest(
        obj("CN=Ops,CN=Users," + OTHER, ["group"], OTHER_SID + "-1200", group_type=UNIVERSAL,
            members=["CN=Nested,OU=Admins," + CHILD]),
        obj("CN=Other Global,CN=Users," + OTHER, ["group"], OTHER_SID + "-1201",
            group_type=GLOBAL),
        obj("CN=Nested,OU=Admins," + CHILD, ["user"], CHILD_SID + "-1102", admin_count=1))
    admins = directory["CN=Administrators,CN=Builtin," + CHILD]
    admins["member"] += [b"CN=Ops,CN=Users," + OTHER.encode(),
                         b"CN=Other Global,CN=Users," + OTHER.encode()]
    found = child_set(directory)
    assert found.unresolved == []
    nested = by_name(found)["Nested"]
    assert nested["classification"] == "protected" and nested["unresolved"] is None


@pytest.mark.parametrize("member, why", [
    (obj("CN=Other Local,CN=Users," + OTHER, ["group"], OTHER_SID + "-1300",
         group_type=DOMAIN_LOCAL), "domain local group of another domain"),
    (None, "not found in the Global Catalog"),
    (obj("CN=S-1-5-21-9-9-9-1500,CN=ForeignSecurityPrincipals," + CHILD,
         ["foreignSecurityPrincipal"], "S-1-5-21-9-9-9-1500"), "foreign security principal"),
])
def test_members_that_cannot_be_followed_make_orphans_unresolved(member, why):
    dn = member[0] if member else "CN=Gone,CN=Users," + OTHER
    directory = forest(*([member] if member else []))
    directory["CN=Domain Admins,CN=Users," + CHILD]["member"] = [dn.encode()]
    found = child_set(directory)
    assert [u["member"] for u in found.unresolved] == [dn]
    assert why in found.unresolved[0]["why"]
    assert found.unresolved[0]["group"] == "CN=Domain Admins,CN=Users," + CHILD
    former = by_name(found)["Former"]
    assert former["classification"] == "protected" and why in former["unresolved"]


def test_well_known_foreign_principals_have_no_members_to_follow():
    fsp = obj("CN=S-1-5-11,CN=ForeignSecurityPrincipals," + CHILD,
              ["foreignSecurityPrincipal"], "S-1-5-11")
    directory = forest(fsp)
    directory["CN=Domain Admins,CN=Users," + CHILD]["member"] = [fsp[0].encode()]
    found = child_set(directory)
    assert found.unresolved == []
    assert by_name(found)["Former"]["classification"] == "orphaned"


def test_token_groups_name_a_protected_group_the_walk_did_not_reach():
    # the GC's tokenGroups of the account holds Schema Admins of the root domain, though no
    # member list the walk can read says so
    directory = forest(obj("CN=Token Only,OU=Admins," + CHILD, ["user"], CHILD_SID + "-1103",
                           admin_count=1, tokens=[CHILD_SID + "-513", ROOT_SID + "-518"]))
    objects = by_name(child_set(directory))
    assert objects["Token Only"]["classification"] == "protected"
    assert objects["Token Only"]["reason"] == "member of Schema Admins (in its tokenGroups)"
    assert objects["Former"]["classification"] == "orphaned"


def test_a_single_domain_forest_needs_no_global_catalog():
    directory = dict(obj_ for obj_ in [
        obj("CN=Administrators,CN=Builtin," + ROOT, ["group"], "S-1-5-32-544",
            members=["CN=Enterprise Admins,CN=Users," + ROOT], group_type=DOMAIN_LOCAL),
        obj("CN=Enterprise Admins,CN=Users," + ROOT, ["group"], ROOT_SID + "-519",
            members=["CN=Root Admin,CN=Users," + ROOT], group_type=UNIVERSAL),
        obj("CN=Root Admin,CN=Users," + ROOT, ["user"], ROOT_SID + "-1000", admin_count=1),
        obj("CN=Old,CN=Users," + ROOT, ["user"], ROOT_SID + "-1001", admin_count=1),
        obj(ROOT, ["domainDNS"], ROOT_SID)])
    dc = FakeDirectory(directory, [ROOT, CONFIG], Dse(ROOT, ROOT_SID, ROOT_SID))
    found = ProtectedSet(dc).load()
    assert found.unresolved == []
    objects = by_name(found)
    assert objects["Root Admin"]["reason"] == "member of Enterprise Admins"
    assert objects["Old"]["classification"] == "orphaned"


def test_a_group_of_the_configuration_naming_context_is_read_on_this_dc():
    # every DC holds the configuration NC in full: its groups are followed without a GC
    directory = forest(
        obj("CN=Tier0,CN=Services," + CONFIG, ["group"], CHILD_SID + "-1400", group_type=GLOBAL,
            members=["CN=Via Config,OU=Admins," + CHILD]),
        obj("CN=Via Config,OU=Admins," + CHILD, ["user"], CHILD_SID + "-1104", admin_count=1))
    tier0 = "CN=Tier0,CN=Services," + CONFIG
    directory["CN=Domain Admins,CN=Users," + CHILD]["member"] = [tier0.encode()]
    found = child_set(directory, gc=False)
    assert [u for u in found.unresolved if "Tier0" in u["member"]] == []
    user = by_name(found)["Via Config"]
    assert user["classification"] == "protected"
    assert user["reason"] == "member of Domain Admins (through groups of another naming context)"


def test_the_global_catalog_is_bound_only_when_a_member_needs_it():
    calls = []

    def catalog():
        calls.append(1)
        return FakeDirectory(directory, [], gc=True)
    directory = forest()
    directory["CN=Administrators,CN=Builtin," + CHILD]["member"] = [
        b"CN=Domain Admins,CN=Users," + CHILD.encode()]
    single = dict((dn, attrs) for dn, attrs in directory.items() if is_at_or_below(dn, CHILD))
    dc = FakeDirectory(single, [CHILD, CONFIG], Dse(CHILD, CHILD_SID, CHILD_SID))
    dc._dse.root_domain_naming_context = CHILD  # a forest of one domain
    assert ProtectedSet(dc, gc=catalog).load().unresolved == [] and calls == []
    ProtectedSet(FakeDirectory(directory, [CHILD, CONFIG], Dse(CHILD, CHILD_SID, None)),
                 gc=catalog).load()
    assert calls == [1]  # a child domain: bound once, for everything that needed it
