"""connection_info against the lab's DC: what it offers, the certificate, each bind's protection
(TLS, TLS with the channel binding, sealed on plain LDAP), negotiate's choice, the account and
its rights, a server that does not answer, and no secret in the result."""

import pytest

from test_sealed_binds import ACCOUNTS, runner_for


def check(result):
    assert not result.get("failed"), result.get("msg")
    return result


def test_simple_over_ldaps(ansible, lab):
    result = check(ansible.run("connection_info"))
    (server,) = result["servers"]
    assert server["server"] == "ldaps://127.0.0.1:636" and server["reachable"]
    assert server["tls"]["validated"] is True and server["tls"]["version"].startswith("TLS")
    cert = server["tls"]["certificate"]
    assert "127.0.0.1" in cert["san_ip"] and cert["days_left"] > 30
    assert cert["signature_hash"] == "sha256"
    assert server["bind"] == dict(auth="simple", mechanism="SIMPLE", protocol="simple",
                                  protection="tls", sealed=False, channel_binding=False,
                                  kerberos_not_used=None)
    assert server["dc"]["dns_host_name"] == lab["dc_fqdn"]
    assert server["dc"]["site"] == "Default-First-Site-Name" and server["dc"]["global_catalog"]
    assert set(server["sasl_mechanisms"]) >= {"GSSAPI", "GSS-SPNEGO"}
    assert server["controls"]["paged_results"] and server["controls"]["sd_flags"]
    account = result["account"]
    assert account["dn"] == lab["bind_dn"] and account["sam_account_name"] == "Administrator"
    assert "Domain Admins" in [g["name"] for g in account["groups"]]
    assert result["rights"]["read_dacl_domain"] and result["rights"]["read_dacl_own_object"]
    assert result["rights"]["exchange_configuration"] == "readable"
    assert lab["password"] not in str(result)


@pytest.mark.parametrize("auth, over, protection", [
    ("ntlm", "ldap", "sealed"),
    ("kerberos", "ldap", "sealed"),
    ("ntlm", "ldaps", "tls+channel-binding"),
    ("kerberos", "start_tls", "tls+channel-binding"),
])
def test_each_bind_says_how_it_is_protected(lab, tmp_path, auth, over, protection):
    runner = runner_for(lab, tmp_path)
    account, uri = ACCOUNTS[auth]
    args = dict(auth=auth, bind_dn=account, password=lab["password"], ca_cert=lab["ca_cert"])
    if over == "ldaps":
        uri = uri.replace("ldap://", "ldaps://").replace(":389", ":636")
    elif over == "start_tls":
        args["start_tls"] = True
    result = check(runner.run("connection_info", dict(args, server=[uri]), defaults=False,
                              env=runner.env))
    (server,) = result["servers"]
    assert server["bind"]["protection"] == protection
    assert server["bind"]["protocol"] == auth
    assert server["bind"]["mechanism"] == ("GSSAPI" if auth == "kerberos" else "GSS-SPNEGO")
    assert (server["tls"] is None) == (over == "ldap")
    assert result["account"]["sam_account_name"] == "Administrator"
    assert lab["password"] not in str(result)


def test_negotiate_says_why_kerberos_was_not_used(lab, tmp_path):
    runner = runner_for(lab, tmp_path)
    result = check(runner.run("connection_info", dict(
        server=["ldap://127.0.0.1:389"], auth="negotiate", bind_dn="Administrator@LAB.EXAMPLE.TEST",
        password=lab["password"]), defaults=False, env=runner.env))
    bind = result["servers"][0]["bind"]
    assert (bind["protocol"], bind["protection"]) == ("ntlm", "sealed")
    assert "no service principal ldap/127.0.0.1" in bind["kerberos_not_used"]


def test_a_server_that_does_not_answer_is_reported_and_the_next_used(ansible, lab):
    args = ansible.connection()
    args.update(server=["ldaps://127.0.0.1:6369", lab["server"]], connect_timeout=3)
    result = check(ansible.run("connection_info", args, defaults=False))
    down, up = result["servers"]
    assert not down["reachable"] and "connection refused" in down["error"]
    assert up["reachable"] and result["account"]["sam_account_name"] == "Administrator"


def test_a_wrong_password_stops_at_the_first_server(ansible, lab):
    args = ansible.connection()
    args.update(server=[lab["server"], lab["server"]], password="not-the-password")
    result = ansible.run("connection_info", args, defaults=False)
    assert result["failed"] and "data 52e" in result["msg"] and "\n" not in result["msg"]
    assert result["servers"][1]["error"].startswith("not tried")
