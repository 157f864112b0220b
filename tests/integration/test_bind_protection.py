"""No bind crosses the network unprotected: every auth over plain ldap:// without StartTLS is
refused before anything is sent, with one line saying why and what to set; what the lab's DC
(hardened like a DC that requires LDAP signing) answers to the unprotected binds themselves."""

import ssl

import pytest

REFUSED = {
    "simple": "would send the password in clear text",
    "kerberos": "would be neither signed nor sealed (ldap3 negotiates no SASL security layer), "
                "so every write and the read-back that verifies it would cross the network "
                "unprotected",
    "ntlm": "would be neither signed nor sealed (ldap3's NTLM has no signing or sealing), so "
            "every write and the read-back that verifies it would cross the network unprotected",
}


@pytest.mark.parametrize("auth", sorted(REFUSED))
def test_plain_ldap_is_refused_for_every_auth(ansible, lab, auth):
    args = ansible.connection()
    args.update(server=[lab["start_tls_server"]], auth=auth)
    if auth == "kerberos":
        args.update(bind_dn=None, password=None)  # a ticket cache: refused before it is looked at
    result = ansible.run("inheritance", dict(args, dn=[lab["bind_dn"]]), defaults=False,
                         check=True)
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"] == "%s bind to ldap://127.0.0.1:389 %s; use ldaps:// or start_tls: " \
                            "true" % (auth, REFUSED[auth])


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
