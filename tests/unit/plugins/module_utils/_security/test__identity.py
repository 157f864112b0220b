"""The identity resolver against a fake directory: which attribute each spelling is looked up
by, bulk OR filters with escaped values, unknown and ambiguous identities named in one line."""

import uuid

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _search
from ansible_collections.adremedy.directory.plugins.module_utils._errors import IdentityError
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    by_object, identity_kind, mail_of, resolve_identities)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str

BASE = "DC=lab,DC=example,DC=test"
DOMAIN_SID = "S-1-5-21-1-2-3"


def user(dn, sam, rid, upn=None, mail=None, proxies=(), guid=None):
    attrs = {"samaccountname": [sam.encode()],
             "objectsid": [sid_from_str("%s-%d" % (DOMAIN_SID, rid))],
             "objectguid": [uuid.UUID(guid or str(uuid.uuid4())).bytes_le]}
    if upn:
        attrs["userprincipalname"] = [upn.encode()]
    if mail:
        attrs["mail"] = [mail.encode()]
    if proxies:
        attrs["proxyaddresses"] = [p.encode() for p in proxies]
    return Entry(dn, attrs)


JANE = user("CN=Jane Doe,OU=Z\u00fcrich,%s" % BASE, "jdoe", 1104, upn="jdoe@lab.example.test",
            mail="Jane.Doe@example.com", proxies=["SMTP:Jane.Doe@example.com",
                                                  "smtp:jd@legacy.example.com"],
            guid="0f9a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b")
TIER0 = user("CN=Admin\\, Tier0,OU=Tier0\\, Admins,%s" % BASE, "t0admin", 1105,
             upn="t0admin@lab.example.test")
# Two objects that share an address: a user whose mail is another's UPN.
CLASH_A = user("CN=Clash A,%s" % BASE, "clasha", 1106, upn="shared@example.com")
CLASH_B = user("CN=Clash B,%s" % BASE, "clashb", 1107, mail="shared@example.com")


class Dse:
    default_naming_context = BASE
    configuration_naming_context = "CN=Configuration,%s" % BASE


class FakeClient:
    """Answers every user search with every object (the resolver decides which one an
    identity names); records the filters; the crossRef search gives the domain's names."""

    root_dse = Dse()

    def __init__(self, objects):
        self.objects = objects
        self.filters = []

    def search(self, base, search_filter, attributes, scope="subtree"):
        self.filters.append(search_filter)
        if search_filter.startswith("(&(objectClass=crossRef)"):
            return iter([Entry("CN=LAB,CN=Partitions,...", {
                "netbiosname": [b"LAB"], "dnsroot": [b"lab.example.test"]})])
        return iter(self.objects)


@pytest.fixture
def client():
    return FakeClient([JANE, TIER0, CLASH_A, CLASH_B])


@pytest.mark.parametrize("text,kind", [
    ("CN=Jane Doe,OU=Zürich,DC=lab,DC=example,DC=test", "dn"),
    ("cn = jane doe , ou = z\\C3\\BCrich, dc=lab,dc=example,dc=test", "dn"),
    ("S-1-5-21-1-2-3-1104", "sid"),
    ("s-1-5-21-1-2-3-1104", "sid"),
    ("{0F9A3C1E-2B4D-4E6F-8A9B-0C1D2E3F4A5B}", "guid"),
    ("0f9a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b", "guid"),
    ("LAB\\jdoe", "domain_sam"),
    ("jdoe@lab.example.test", "address"),
    ("a=b@example.com", "address"),  # not a DN, has '@'
    ("jdoe", "sam"),
])
def test_identity_kind(text, kind):
    assert identity_kind(text) == kind


@pytest.mark.parametrize("text,why", [
    ("", "non-empty string"),
    ("CN=a,,DC=x", "is not a valid distinguished name"),
    ("LAB\\", "is not DOMAIN\\\\name"),
    ("LAB\\a\\b", "is not DOMAIN\\\\name"),
])
def test_identity_kind_rejects(text, why):
    with pytest.raises(IdentityError, match=why):
        identity_kind(text)


@pytest.mark.parametrize("identity", [
    "CN=Jane Doe,OU=Zürich,DC=lab,DC=example,DC=test",
    "cn = jane doe , ou = z\\C3\\BCrich, dc=lab,dc=example,dc=test",
    "jdoe", "JDOE", "LAB\\jdoe", "lab.example.test\\JDoe", "jdoe@LAB.example.test",
    "jane.doe@EXAMPLE.com", "jd@legacy.example.com", "S-1-5-21-1-2-3-1104",
    "{0F9A3C1E-2B4D-4E6F-8A9B-0C1D2E3F4A5B}",
])
def test_every_spelling_names_the_user(client, identity):
    assert resolve_identities(client, [identity])[identity].dn == JANE.dn


def test_escaped_dn_and_values_in_filters(client):
    resolved = resolve_identities(client, ["CN=Admin\\2C Tier0,OU=Tier0\\2C Admins,%s" % BASE,
                                           "t0admin"])
    assert [e.dn for e in resolved.values()] == [TIER0.dn, TIER0.dn]
    assert by_object(resolved) == [(list(resolved), TIER0)]
    dn_filter = next(f for f in client.filters if "distinguishedName" in f)
    assert "(distinguishedName=CN=Admin\\5c, Tier0,OU=Tier0\\5c, Admins," in dn_filter


def test_filter_values_are_escaped_and_binary(client):
    with pytest.raises(IdentityError):
        resolve_identities(client, ["a*b)(x", "S-1-5-21-1-2-3-1104",
                                    "0f9a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b"])
    joined = " ".join(client.filters)
    assert "(sAMAccountName=a\\2ab\\29\\28x)" in joined
    assert "(objectSid=\\01\\05\\00\\00\\00\\00\\00\\05\\15\\00" in joined
    assert "(objectGUID=\\1e\\3c\\9a\\0f\\4d\\2b\\6f\\4e\\8a\\9b" in joined


def test_unknown_and_ambiguous_in_one_line(client):
    with pytest.raises(IdentityError) as err:
        resolve_identities(client, ["nobody", "jdoe", "shared@example.com", "OTHER\\jdoe"])
    text = str(err.value)
    assert "\n" not in text
    # the wrong domain has its own reason
    assert "user 'nobody' not found in %s (by sAMAccountName)" % BASE in text
    assert "'OTHER\\\\jdoe': domain OTHER is not this DC's domain LAB (lab.example.test)" in text
    assert "'shared@example.com' matches 2 objects: CN=Clash A,%s (userPrincipalName), " \
           "CN=Clash B,%s (mail)" % (BASE, BASE) in text
    assert text.endswith("noSuchObject (32)")
    assert err.value.code == 32
    assert err.value.unknown == ["nobody", "OTHER\\jdoe"]
    assert list(err.value.ambiguous) == ["shared@example.com"]


def test_ambiguous_only_has_no_result_code(client):
    with pytest.raises(IdentityError) as err:
        resolve_identities(client, ["shared@example.com"])
    assert err.value.code is None
    assert str(err.value).startswith("ambiguous: 'shared@example.com' matches 2 objects")


def test_bulk_batches(monkeypatch):
    monkeypatch.setattr(_search, "BATCH", 3)
    client = FakeClient([JANE])
    with pytest.raises(IdentityError, match="users 'u0' .by sAMAccountName., 'u1'"):
        resolve_identities(client, ["u%d" % i for i in range(7)] + ["jdoe"])
    user_searches = [f for f in client.filters if "sAMAccountName" in f]
    assert len(user_searches) == 3
    assert all(f.startswith("(&%s(|" % _search.DEFAULT_USER_FILTER) for f in user_searches)


def test_mail_of():
    assert mail_of(JANE) == "Jane.Doe@example.com"
    only_proxy = user("CN=P,%s" % BASE, "p", 1, proxies=["smtp:old@x.com", "SMTP:new@x.com"])
    assert mail_of(only_proxy) == "new@x.com"
    assert mail_of(TIER0) is None


@pytest.mark.parametrize("text,why", [
    ("S-1-5-21-99999999999-1", "sub-authority 99999999999 is more than 32 bits"),
    ("S-1-281474976710656-1", "identifier authority 281474976710656 is more than 48 bits"),
    ("S-1-5-" + "-".join(["1"] * 16), "16 sub-authorities, more than 15"),
])
def test_a_sid_out_of_range_is_one_line_naming_it(client, text, why):
    with pytest.raises(IdentityError) as err:
        identity_kind(text)
    assert str(err.value) == "identity %r is not a valid SID (%s)" % (text, why)
    with pytest.raises(IdentityError):
        resolve_identities(client, ["jdoe", text])
