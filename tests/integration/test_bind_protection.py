"""No bind crosses the network unprotected: a simple bind over plain ldap:// without StartTLS is
refused before anything is sent, with one line saying why and what to set; what the lab's DC
(hardened like a DC that requires LDAP signing) answers to the unprotected binds themselves."""

import ssl

import pytest

REFUSED = {
    "simple": "would send the password in clear text",
}
# Kerberos, NTLM and negotiate bind on plain ldap:// signed and sealed since issue 23:
# tests/integration/test_sealed_binds.py.


@pytest.mark.parametrize("auth", sorted(REFUSED))
def test_plain_ldap_is_refused_for_every_auth(ansible, lab, auth):
    args = ansible.connection()
    args.update(server=[lab["start_tls_server"]], auth=auth)
    result = ansible.run("inheritance", dict(args, dn=[lab["bind_dn"]]), defaults=False,
                         check=True)
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == "%s bind to ldap://127.0.0.1:389 %s; use ldaps://, start_tls: " \
                            "true, or auth kerberos, ntlm or negotiate (signed and sealed on " \
                            "plain LDAP)" % (auth, REFUSED[auth])


def test_start_tls_is_accepted(ansible, lab):
    args = ansible.connection()
    args.update(server=[lab["start_tls_server"]], start_tls=True)
    result = ansible.run("protected_accounts_info", args, defaults=False)
    assert not result.get("failed"), result["msg"]


def test_what_the_dc_says_to_an_unprotected_simple_bind(lab):
    """Without our refusal (plain ldap3): a DC that requires strong auth says 8."""
    import ldap3
    server = ldap3.Server("127.0.0.1", port=389, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, lab["bind_dn"], lab["password"])
    conn.open()
    assert not conn.bind()
    assert conn.result["result"] == 8 and conn.result["description"] == "strongerAuthRequired"
    assert "Transport encryption required" in conn.result["message"]
    conn.unbind()
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=lab["ca_cert"])
    conn = ldap3.Connection(ldap3.Server("127.0.0.1", port=389, tls=tls, get_info=ldap3.NONE),
                            lab["bind_dn"], lab["password"])
    conn.open()
    assert conn.start_tls() and conn.bind(), conn.result
    conn.unbind()
