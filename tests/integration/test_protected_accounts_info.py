"""protected_accounts_info finds exactly what the lab's seed created (tests/lab/seed.py), on a
fresh seed (the `reseeded` fixture): what an earlier module did to the protected set is no
precondition here."""

import re

import pytest

BASE = "DC=lab,DC=example,DC=test"
ADMINS = "OU=Admins,OU=Lab,%s" % BASE

# The seed's protected set: built-in protected groups and principals, plus its own accounts.
# Print Operators is excluded through dSHeuristics, so it and ops-print are not in it.
PROTECTED = {
    "Administrators", "Account Operators", "Server Operators", "Backup Operators", "Replicator",
    "Domain Admins", "Schema Admins", "Enterprise Admins", "Domain Controllers",
    "Read-only Domain Controllers", "Administrator", "krbtgt",
    "adm-direct", "adm-nested", "Tier0 Admins", "svc-backup",
}
# Print Operators kept the adminCount=1 it had before the exclusion: an orphan, like in real AD.
ORPHANED = {"former-admin", "stale-flag", "Print Operators"}
UNMARKED = {"adm-unmarked"}

pytestmark = pytest.mark.usefixtures("reseeded")


def by_name(result):
    return dict((o["sam_account_name"], o) for o in result["objects"])


@pytest.fixture(scope="module")
def inventory(reseeded, lab, tmp_path_factory):
    from conftest import Ansible
    result = Ansible(lab, str(tmp_path_factory.mktemp("pai"))).run("protected_accounts_info")
    assert not result.get("failed"), result.get("msg")
    return result


def test_classifies_exactly_the_seeded_accounts(inventory):
    names = by_name(inventory)
    classes = {}
    for name, obj in names.items():
        classes.setdefault(obj["classification"], set()).add(name)
    assert classes.get("protected") == PROTECTED
    assert classes.get("orphaned") == ORPHANED
    assert classes.get("unmarked") == UNMARKED
    assert inventory["counts"] == {"protected": len(PROTECTED), "orphaned": len(ORPHANED),
                                   "unmarked": len(UNMARKED), "unresolved": 0,
                                   "total": len(PROTECTED | ORPHANED | UNMARKED),
                                   "with_devices": 0, "activesync_enabled": 0}
    assert inventory["unresolved"] == []  # every member of the seed's groups is followed
    assert inventory["changed"] is False


def test_nested_admin_carries_its_group_chain(inventory):
    names = by_name(inventory)
    nested = names["adm-nested"]
    assert nested["chain"] == ["Tier0 Admins", "Domain Admins"]
    assert nested["protected_by"] == "Domain Admins"
    assert nested["reason"] == "member of Tier0 Admins -> Domain Admins"
    assert nested["dn"] == "CN=adm-nested,%s" % ADMINS
    assert names["adm-direct"]["chain"] == ["Domain Admins"]
    assert names["svc-backup"]["chain"] == ["Backup Operators"]
    assert names["Domain Admins"]["reason"] == "protected group"
    assert names["krbtgt"]["reason"] == "protected principal"
    assert names["adm-unmarked"]["chain"] == ["Domain Admins"]
    assert names["former-admin"]["chain"] == [] and names["former-admin"]["protected_by"] is None


def test_reports_inheritance_and_admin_count(inventory):
    names = by_name(inventory)
    # SDProp's stand-in protected the DACL of the members it marked.
    assert names["adm-direct"]["inheritance"] == "disabled"
    assert names["former-admin"]["inheritance"] == "disabled"
    # Marked by hand only, or joined after SDProp ran: DACL still inherits.
    assert names["stale-flag"]["inheritance"] == "enabled"
    assert names["adm-unmarked"]["inheritance"] == "enabled"
    assert names["adm-unmarked"]["admin_count"] is None
    assert names["former-admin"]["admin_count"] == 1
    assert names["adm-nested"]["object_class"] == "user"
    assert names["Tier0 Admins"]["object_class"] == "group"
    assert re.match(r"^S-1-5-21-\d+-\d+-\d+-\d+$", names["adm-direct"]["sid"])


def test_honours_dsheuristics_exclusions(inventory):
    names = by_name(inventory)
    assert "ops-print" not in names
    groups = dict((g["name"], g) for g in inventory["protected_groups"])
    assert groups["Print Operators"]["excluded"] is True
    assert groups["Backup Operators"]["excluded"] is False
    assert groups["Enterprise Admins"]["sid"].endswith("-519")
    assert inventory["dsheuristics"] == "0000000001000004"


def test_no_ordinary_user_is_listed(inventory):
    assert not [o for o in inventory["objects"] if o["sam_account_name"].startswith("u0")]


def test_classification_and_search_base_filter(ansible):
    args = {"classification": ["orphaned"], "search_base": ADMINS}
    result = ansible.run("protected_accounts_info", args)
    assert not result.get("failed"), result.get("msg")
    assert set(by_name(result)) == {"former-admin", "stale-flag"}
    assert result["counts"]["protected"] == 3  # adm-direct, adm-nested, Tier0 Admins
    assert result["counts"]["unmarked"] == 1


def test_check_mode_gives_the_same_answer(ansible, inventory):
    result = ansible.run("protected_accounts_info", check=True)
    assert result["counts"] == inventory["counts"]
    assert result["changed"] is False


def test_new_nested_member_is_found_as_unmarked(ansible, ldap_admin):
    dn = "CN=adm-late,%s" % ADMINS
    ldap_admin.delete(dn)  # one an interrupted run left (the reseed before this module took it)
    try:
        assert ldap_admin.add(dn, "user", {"sAMAccountName": "adm-late"}), ldap_admin.result
        ldap_admin.modify("CN=Tier0 Admins,%s" % ADMINS, {"member": [("MODIFY_ADD", [dn])]})
        result = ansible.run("protected_accounts_info", {"classification": ["unmarked"]})
        late = by_name(result)["adm-late"]
        assert late["classification"] == "unmarked"
        assert late["chain"] == ["Tier0 Admins", "Domain Admins"]
    finally:
        ldap_admin.delete(dn)


def test_credentials_from_environment(ansible, lab):
    env = {"ADREMEDY_SERVER": lab["server"], "ADREMEDY_CA_CERT": lab["ca_cert"],
           "ADREMEDY_BIND_DN": lab["bind_dn"], "ADREMEDY_PASSWORD": lab["password"]}
    result = ansible.run("protected_accounts_info", {"classification": ["unmarked"]},
                         defaults=False, env=env)
    assert not result.get("failed"), result.get("msg")
    assert set(by_name(result)) == UNMARKED


def test_start_tls_and_fallback_to_the_next_server(ansible, lab):
    conn = ansible.connection()
    conn.update(server=["ldap://127.0.0.1:3899", lab["start_tls_server"]], start_tls=True,
                connect_timeout=2)
    result = ansible.run("protected_accounts_info", dict(conn, classification=["unmarked"]),
                         defaults=False)
    assert not result.get("failed"), result.get("msg")
    assert set(by_name(result)) == UNMARKED


# -- bad input: one clear line naming the object and the LDAP code -------------------------------

def failure(ansible, **overrides):
    args = ansible.connection()
    args.update(overrides)
    result = ansible.run("protected_accounts_info", args, defaults=False)
    assert result.get("failed"), result
    assert "\n" not in result["msg"]
    return result


def test_wrong_password(ansible, lab):
    result = failure(ansible, password="wrong")
    assert result["msg"].startswith("bind as %s to ldaps://127.0.0.1:636 failed: "
                                    "invalidCredentials (49)" % lab["bind_dn"])
    assert result["ldap_code"] == 49
    assert "wrong" not in result["msg"]


def test_wrong_ca(ansible, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    import subprocess
    subprocess.check_call(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                           str(tmp_path / "k.pem"), "-subj", "/CN=not the lab CA", "-days", "1",
                           "-out", str(other_ca)], stderr=subprocess.DEVNULL)
    result = failure(ansible, ca_cert=str(other_ca))
    assert result["msg"].startswith("TLS with ldaps://127.0.0.1:636 failed: certificate verify "
                                    "failed")
    assert "set ca_cert" in result["msg"]


def test_unreachable_server(ansible):
    result = failure(ansible, server=["ldaps://127.0.0.1:1636"], connect_timeout=2)
    assert result["msg"] == "cannot reach any server: ldaps://127.0.0.1:1636 (connection refused)"
    assert result["ldap_code"] == 52


def test_malformed_base_dn(ansible):
    result = failure(ansible, search_base="DC=lab,,DC=example")
    assert result["msg"].startswith("search_base 'DC=lab,,DC=example' is not a valid "
                                    "distinguished name")
    assert result["msg"].endswith("invalidDNSyntax (34)")


def test_missing_base_dn(ansible):
    result = failure(ansible, search_base="OU=Nowhere,%s" % BASE)
    assert result["msg"] == "search_base OU=Nowhere,%s does not exist: noSuchObject (32)" % BASE
    assert result["ldap_code"] == 32


def test_clear_text_simple_bind_is_refused(ansible, lab):
    result = failure(ansible, server=[lab["start_tls_server"]])
    assert result["msg"] == ("simple bind to ldap://127.0.0.1:389 would send the password in "
                             "clear text; use ldaps://, start_tls: true, or auth kerberos, ntlm "
                             "or negotiate (signed and sealed on plain LDAP)")


def test_not_an_ldap_uri(ansible):
    result = failure(ansible, server=["https://dc1"])
    assert result["msg"].startswith("server 'https://dc1' is not an LDAP URI")
