"""Kerberos (SASL GSSAPI) binds against the lab DC's own KDC, through real modules: over LDAPS and
over StartTLS, from a ticket cache (kinit with the password), from a keytab (exported from the
DC, read by the module through KRB5_CLIENT_KTNAME), from a password, and with the environment
variables the AWX credential type injects; every way it fails is one line naming the server.

The client side is what a Linux host joined to nothing needs: the krb5.conf the lab writes
(KRB5_CONFIG: realm, KDC 127.0.0.1, rdns = false) and the DC's name. The DC's service principal
is ldap/dc1.lab.example.test, so the modules are given that name; it resolves to the lab's
address through a hosts file bind-mounted over /etc/hosts in a private mount namespace around
ansible-playbook (unshare -m), which leaves the machine's /etc/hosts alone. Skipped only when the
gssapi package is missing."""

import os
import re
import subprocess
import time

import pytest
import yaml

from conftest import ROOT, Ansible, lab_cli, user_dn
from test_awx_runner import inject

pytest.importorskip("gssapi")

BROKEN = user_dn(7)  # the seed breaks inheritance on users 7, 27, 47, ... (a fresh seed here)
# The command ansible-playbook runs under: its own /etc/hosts, naming the DC.
OWN_HOSTS = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"']

pytestmark = pytest.mark.usefixtures("reseeded")


@pytest.fixture(scope="module")
def krb(lab):
    return dict(lab, ldaps="ldaps://%s:636" % lab["dc_fqdn"],
                start_tls="ldap://%s:389" % lab["dc_fqdn"])


@pytest.fixture
def kansible(lab, krb, tmp_path):
    """A runner whose modules resolve the DC's name and use the lab's krb5.conf and a ticket
    cache of their own (empty until a test fills it)."""
    runner = Ansible(lab, str(tmp_path))
    runner.prefix = OWN_HOSTS[:5] + [krb["hosts_file"]] + OWN_HOSTS[5:]
    runner.ccache = str(tmp_path / "ccache")
    runner.env = dict(KRB5_CONFIG=krb["krb5_conf"], KRB5CCNAME="FILE:%s" % runner.ccache)
    return runner


def kinit(runner, krb, *options):
    subprocess.run(["kinit"] + list(options) + [krb["admin_principal"]],
                   input=krb["password"] + "\n", env=dict(os.environ, **runner.env), text=True,
                   stdout=subprocess.DEVNULL, check=True)


def service_tickets(runner):
    out = subprocess.run(["klist", "-c", runner.ccache], stdout=subprocess.PIPE, text=True,
                         check=False).stdout
    return set(re.findall(r"(ldap/\S+)", out))


def connection(krb, over="ldaps", **extra):
    args = dict(server=[krb[over]], ca_cert=krb["ca_cert"], auth="kerberos")
    if over == "start_tls":
        args["start_tls"] = True
    args.update(extra)
    return args


def run(runner, module, args, **kwargs):
    return runner.run(module, args, defaults=False, env=runner.env, **kwargs)


def assert_one_line_failure(result, *needles):
    assert result.get("failed"), result
    msg = result["msg"]
    assert "\n" not in msg and "Traceback" not in msg, msg
    assert "module_stderr" not in result, result.get("module_stderr")
    for needle in needles:
        assert needle in msg, msg
    return msg


@pytest.fixture(scope="module")
def simple_inventory(reseeded, lab, tmp_path_factory):
    result = Ansible(lab, str(tmp_path_factory.mktemp("simple"))).run("protected_accounts_info")
    assert not result.get("failed"), result.get("msg")
    return result


@pytest.mark.parametrize("over", ["ldaps", "start_tls"])
def test_ticket_cache(kansible, krb, simple_inventory, directory, over):
    """kinit with the password, then a read module and a write in check mode bind with the
    ticket: the same inventory as a simple bind, the exact plan, nothing written."""
    kinit(kansible, krb)
    result = run(kansible, "protected_accounts_info", connection(krb, over))
    assert not result.get("failed"), result.get("msg")
    assert result["counts"] == simple_inventory["counts"]
    assert result["objects"] == simple_inventory["objects"]
    assert service_tickets(kansible) == {"ldap/%s@%s" % (krb["dc_fqdn"], krb["realm"])}
    before = directory.read_sd(BROKEN)
    result = run(kansible, "inheritance", dict(connection(krb, over), dn=[BROKEN]), check=True,
                 diff=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert [(o["dn"], o["status"]) for o in result["objects"]] == [(BROKEN, "changed")]
    assert result["diff"][0]["before"].startswith("D:PAI")
    assert result["diff"][0]["after"].startswith("D:AI")
    assert directory.read_sd(BROKEN) == before


@pytest.mark.parametrize("over", ["ldaps", "start_tls"])
def test_keytab(kansible, krb, simple_inventory, directory, tmp_path, over):
    """A keytab exported from the DC and no ticket at all: the module gets its ticket from the
    keytab (KRB5_CLIENT_KTNAME), for bind_dn's principal or, without bind_dn, the keytab's."""
    keytab = str(tmp_path / "admin.keytab")
    lab_cli("keytab", "--principal", krb["admin_principal"], "--output", keytab)
    kansible.env["KRB5_CLIENT_KTNAME"] = "FILE:%s" % keytab
    for principal in ({"bind_dn": krb["admin_principal"]}, {}):
        result = run(kansible, "protected_accounts_info", connection(krb, over, **principal))
        assert not result.get("failed"), result.get("msg")
        assert result["counts"] == simple_inventory["counts"]
    before = directory.read_sd(BROKEN)
    result = run(kansible, "inheritance", dict(connection(krb, over), dn=[BROKEN]), check=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["objects"][0]["status"] == "changed"
    assert directory.read_sd(BROKEN) == before


def test_password(kansible, krb, simple_inventory):
    """bind_dn as a principal and its password, no ticket cache: the module gets the ticket."""
    result = run(kansible, "protected_accounts_info",
                 connection(krb, bind_dn=krb["admin_principal"], password=krb["password"]))
    assert not result.get("failed"), result.get("msg")
    assert result["counts"] == simple_inventory["counts"]
    assert not os.path.exists(kansible.ccache)  # its ticket stays in the module's memory


def test_awx_credential_environment(kansible, krb, simple_inventory, tmp_path):
    """The shipped credential type with auth kerberos and a krb5.conf: the injected ADREMEDY_*
    variables and KRB5_CONFIG are all the module gets."""
    with open(os.path.join(ROOT, "docs", "awx", "credential_type.yml")) as f:
        credential_type = yaml.safe_load(f)
    with open(krb["krb5_conf"]) as f:
        krb5_conf = f.read()
    env = inject(credential_type, dict(server=krb["ldaps"], bind_dn=krb["admin_principal"],
                                       password=krb["password"], ca_cert=open(krb["ca_cert"]).read(),
                                       auth="kerberos", krb5_conf=krb5_conf), str(tmp_path))
    assert env["ADREMEDY_AUTH"] == "kerberos" and env["KRB5_CONFIG"] != krb["krb5_conf"]
    env["KRB5CCNAME"] = kansible.env["KRB5CCNAME"]  # empty: the ticket comes from the password
    result = kansible.run("protected_accounts_info", {}, defaults=False, env=env)
    assert not result.get("failed"), result.get("msg")
    assert result["counts"] == simple_inventory["counts"]
    assert krb["password"] not in str(result)


def test_no_ticket(kansible, krb):
    result = run(kansible, "protected_accounts_info", connection(krb))
    msg = assert_one_line_failure(result, "kerberos bind as the ticket cache's principal to "
                                          "ldaps://%s:636 failed: no Kerberos ticket" % krb["dc_fqdn"])
    assert "run kinit" in msg and kansible.ccache in msg


def test_expired_ticket(kansible, krb):
    kinit(kansible, krb, "-l", "2s")
    time.sleep(3)
    result = run(kansible, "protected_accounts_info", connection(krb, "start_tls"))
    assert_one_line_failure(result, "ldap://%s:389 failed: the Kerberos ticket has expired"
                            % krb["dc_fqdn"], "Ticket expired")


def test_server_named_by_address(kansible, krb):
    """The client asks the KDC for ldap/<the name it was given>: 127.0.0.1 has no such SPN."""
    kinit(kansible, krb)
    result = run(kansible, "protected_accounts_info", connection(krb, server=[krb["server"]]))
    assert_one_line_failure(result, "to %s failed: the KDC has no service principal "
                            "ldap/127.0.0.1;" % krb["server"],
                            "Server not found in Kerberos database")


def test_wrong_password(kansible, krb):
    result = run(kansible, "protected_accounts_info",
                 connection(krb, bind_dn=krb["admin_principal"], password="not-the-password"))
    assert_one_line_failure(result, "kerberos bind as %s to %s failed: wrong password"
                            % (krb["admin_principal"], krb["ldaps"]), "Preauthentication failed")


@pytest.mark.parametrize("args, needle", [
    (dict(password="Some-Passw0rd"), "auth kerberos with a password needs bind_dn"),
    (dict(bind_dn="CN=Administrator,CN=Users,DC=lab,DC=example,DC=test", password="Some-Passw0rd"),
     "auth kerberos takes bind_dn as a Kerberos principal"),
    (dict(bind_dn="LAB\\Administrator"), "auth kerberos takes bind_dn as a Kerberos principal"),
])
def test_settings_that_cannot_work_fail_before_connecting(kansible, krb, args, needle):
    result = run(kansible, "protected_accounts_info", connection(krb, **args))
    assert_one_line_failure(result, needle)


@pytest.fixture
def principal(directory, krb):
    """A user of its own (not Administrator), deleted afterwards: {name: principal}."""
    dn = "CN=Kerberos T\u00ebster,CN=Users,%s" % krb["base_dn"]
    conn = directory.conn
    conn.delete(dn)
    password = "Krb-T3ster-Passw0rd!"
    assert conn.add(dn, ["top", "person", "organizationalPerson", "user"], {
        "sAMAccountName": "krb-tester", "userPrincipalName": "krb-tester@%s" % krb["realm"].lower(),
        "unicodePwd": ('"%s"' % password).encode("utf-16-le"), "userAccountControl": "512"}), \
        conn.result
    yield dict(dn=dn, principal="krb-tester@%s" % krb["realm"], password=password)
    conn.delete(dn)


def test_an_ordinary_user_binds_with_its_password(kansible, krb, principal):
    result = run(kansible, "protected_accounts_info",
                 connection(krb, bind_dn=principal["principal"], password=principal["password"]))
    assert not result.get("failed"), result.get("msg")
    assert "Administrator" in [o["sam_account_name"] for o in result["objects"]]


def test_an_expired_password(kansible, krb, principal, directory):
    """'User must change password at next logon' (pwdLastSet 0): the KDC refuses a ticket."""
    import ldap3
    assert directory.conn.modify(principal["dn"], {"pwdLastSet": [(ldap3.MODIFY_REPLACE, ["0"])]})
    result = run(kansible, "protected_accounts_info",
                 connection(krb, bind_dn=principal["principal"], password=principal["password"]))
    assert_one_line_failure(result, "kerberos bind as %s to %s failed: the principal's password "
                                    "has expired" % (principal["principal"], krb["ldaps"]))
