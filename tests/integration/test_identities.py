"""Users named as admins type them, on the lab: escaped and non-ASCII DNs in any spelling,
sAMAccountName, DOMAIN\\sam, UPN, mail and proxyAddresses, objectGUID and SID; unknown and
ambiguous identities are one line and nothing is written.

The OUs and users here are made by the tests (not the seed): OU=Tier0\\2C Admins and OU=Zürich
with users whose own names need escapes."""

import pytest

from conftest import LAB_OU
from made_here import add_user, sid_and_guid

TIER0 = "OU=Tier0\\, Admins,%s" % LAB_OU
ZURICH = "OU=Zürich,%s" % LAB_OU
JOERG = "CN=Müller\\, Jörg,%s" % ZURICH
ADMIN = "CN=Admin\\, Tier0,%s" % TIER0
CLASH_A = "CN=Clash A,%s" % ZURICH
CLASH_B = "CN=Clash B,%s" % ZURICH
ALLOWED = "msExchMobileAllowedDeviceIDs"


@pytest.fixture(scope="module")
def people(directory):
    conn = directory.conn
    try:
        for ou in (TIER0, ZURICH):
            directory.tree_delete(ou)
            assert conn.add(ou, ["top", "organizationalUnit"]), conn.result
        add_user(conn, JOERG, "jmueller", mail="Joerg.Mueller@example.com",
                 proxyAddresses=["SMTP:Joerg.Mueller@example.com", "smtp:jm@legacy.example.com"])
        add_user(conn, ADMIN, "t0admin")
        add_user(conn, CLASH_A, "clasha", userPrincipalName="shared@example.com")
        add_user(conn, CLASH_B, "clashb", mail="shared@example.com")
        sid, guid = sid_and_guid(conn, JOERG)
        yield dict(sid=sid, guid=guid)
    finally:
        for ou in (TIER0, ZURICH):
            directory.tree_delete(ou)


@pytest.fixture
def client(lab):
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
    client = LdapClient(dict(server=[lab["server"]], ca_cert=lab["ca_cert"],
                             bind_dn=lab["bind_dn"], password=lab["password"])).connect()
    yield client
    client.close()


def spellings(people):
    return [
        JOERG,
        "cn = müller\\2c jörg , ou = ZÜRICH , ou=lab,dc=LAB,dc=example,dc=test",
        "CN=M\\C3\\BCller\\2C J\\C3\\B6rg,OU=Z\\C3\\BCrich,%s" % LAB_OU,
        "jmueller", "JMUELLER", "LAB\\jmueller", "lab.example.test\\jmueller",
        "jmueller@LAB.EXAMPLE.TEST", "joerg.mueller@example.com", "JM@legacy.example.com",
        people["sid"], people["sid"].lower(), people["guid"], "{%s}" % people["guid"].upper(),
    ]


def test_every_spelling_resolves_to_the_one_user(client, people):
    from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
        by_object, mail_of, resolve_identities)
    names = spellings(people)
    resolved = resolve_identities(client, names)
    assert set(resolved) == set(names)
    assert [e.dn for e in resolved.values()] == [JOERG] * len(names)
    assert len(by_object(resolved)) == 1
    assert mail_of(resolved["jmueller"]) == "Joerg.Mueller@example.com"
    # the escaped OU: the DC's own spelling comes back whatever was typed
    assert resolve_identities(client, ["CN=Admin\\2C Tier0,OU=Tier0\\2C Admins,%s"
                                       % LAB_OU])[
        "CN=Admin\\2C Tier0,OU=Tier0\\2C Admins,%s" % LAB_OU].dn == ADMIN


def test_unknown_ambiguous_and_foreign_domain_are_one_line(client, people):
    from ansible_collections.adremedy.directory.plugins.module_utils._errors import IdentityError
    from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import resolve_identities
    with pytest.raises(IdentityError) as err:
        resolve_identities(client, ["jmueller", "nobody", "shared@example.com", "OTHER\\jmueller",
                                    "CN=Nobody,%s" % ZURICH])
    text = str(err.value)
    assert "\n" not in text
    assert "'nobody' (by sAMAccountName)" in text
    assert "'CN=Nobody,%s' (by DN)" % ZURICH in text
    assert "'OTHER\\\\jmueller': domain OTHER is not this DC's domain LAB" in text
    assert "'shared@example.com' matches 2 objects: " in text
    assert "%s (userPrincipalName)" % CLASH_A in text and "%s (mail)" % CLASH_B in text
    assert err.value.code == 32


def test_allow_lists_by_any_identity(ansible, directory, people):
    """eas_allowed_devices takes users as admins type them; two spellings of one user merge."""
    args = {"entries": [{"user": "joerg.mueller@example.com", "allowed": ["IDNT0001"]},
                        {"user": "LAB\\jmueller", "allowed": ["IDNT0002"]},
                        {"user": people["sid"], "allowed": ["IDNT0003"]},
                        {"user": "cn=admin\\2C tier0, ou=tier0\\2c admins,%s" % LAB_OU,
                         "allowed": ["IDNT0004"]}]}
    check = ansible.run("eas_allowed_devices", args, check=True)
    assert not check.get("failed"), check["msg"]
    assert check["changed"] and check["counts"]["changed"] == 2
    assert directory.attribute(JOERG, ALLOWED) in (None, [])
    result = ansible.run("eas_allowed_devices", args)
    assert not result.get("failed"), result["msg"]
    assert [o["dn"] for o in result["objects"]] == [o["dn"] for o in check["objects"]]
    assert sorted(directory.attribute(JOERG, ALLOWED)) == ["IDNT0001", "IDNT0002", "IDNT0003"]
    assert directory.attribute(ADMIN, ALLOWED) == ["IDNT0004"]
    assert not ansible.run("eas_allowed_devices", args)["changed"]


def test_ambiguous_user_writes_nothing(ansible, directory, people):
    args = {"entries": [{"user": "t0admin", "allowed": ["IDNT0005"]},
                        {"user": "shared@example.com", "allowed": ["IDNT0006"]}]}
    result = ansible.run("eas_allowed_devices", args)
    assert result["failed"] and "\n" not in result["msg"]
    assert "'shared@example.com' matches 2 objects" in result["msg"]
    assert directory.attribute(ADMIN, ALLOWED) == ["IDNT0004"]


def test_user_lists_of_the_read_modules_take_identities(ansible, people):
    """eas_device_info, eas_readiness_info and eas_access_plan take `dn` as identities; their
    records carry the owner's primary SMTP address."""
    from conftest import eas_sync
    synced = eas_sync([JOERG], device_id="IDNTSYNC0001", model="iPhone15,2")
    assert synced[JOERG]["result"] == "success", synced
    devices = ansible.run("eas_device_info", {"dn": "JM@legacy.example.com"})
    assert not devices.get("failed"), devices["msg"]
    assert [(d["owner_dn"], d["owner_mail"], d["device_id"]) for d in devices["devices"]] == [
        (JOERG, "Joerg.Mueller@example.com", "IDNTSYNC0001")]
    ready = ansible.run("eas_readiness_info", {"dn": ["LAB\\jmueller", people["guid"]],
                                               "details": True})
    assert not ready.get("failed"), ready["msg"]
    assert [(u["dn"], u["mail"]) for u in ready["users"]] == [(JOERG, "Joerg.Mueller@example.com")]
    plan = ansible.run("eas_access_plan", {"dn": [people["sid"]], "details": True})
    assert not plan.get("failed"), plan["msg"]
    assert [d["owner_mail"] for d in plan["devices"]] == ["Joerg.Mueller@example.com"]
    unknown = ansible.run("eas_device_info", {"dn": ["jmueller", "nobody@example.com"]})
    assert unknown["failed"] and "\n" not in unknown["msg"]
    assert unknown["msg"] == ("user 'nobody@example.com' not found in DC=lab,DC=example,DC=test "
                              "(by userPrincipalName, mail or proxyAddresses): noSuchObject (32)")
