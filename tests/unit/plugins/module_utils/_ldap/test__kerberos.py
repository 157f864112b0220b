"""Kerberos settings refused before connecting, and GSSAPI failures in one line (the messages
are MIT krb5's as python-gssapi gives them; tests/integration/test_kerberos.py produces them on
the lab). None of this needs the gssapi package."""

import os
import subprocess
import sys

import pytest
from ansible.module_utils.basic import AnsibleFallbackNotFound

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _kerberos
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _options
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _sasl
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    KerberosError, LdapError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._kerberos import (
    check_auth, describe)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient

MAJOR = "Major (851968): Unspecified GSS failure.  Minor code may provide more information, "
NO_CREDS = "Major (458752): No credentials were supplied, or the credentials were unavailable " \
           "or inaccessible, "


@pytest.fixture
def gssapi_present(monkeypatch):
    monkeypatch.setattr(_kerberos, "GSSAPI_MISSING", False)


@pytest.mark.parametrize("text, expected", [
    (NO_CREDS + "Minor (2529639053): No Kerberos credentials available (default cache: "
     "FILE:/tmp/krb5cc_0)",
     "no Kerberos ticket; run kinit, set KRB5_CLIENT_KTNAME to a keytab, or give bind_dn "
     "(user@REALM) and password (No Kerberos credentials available (default cache: "
     "FILE:/tmp/krb5cc_0))"),
    (MAJOR + "Minor (2529638944): Ticket expired",
     "the Kerberos ticket has expired; renew it (kinit), use a keytab (KRB5_CLIENT_KTNAME) or "
     "give bind_dn and password (Ticket expired)"),
    (MAJOR + "Minor (2529638919): Server not found in Kerberos database",
     "the KDC has no service principal ldap/10.0.0.5; give the DC's host name as its SPN names "
     "it (not an IP address or an alias) (Server not found in Kerberos database)"),
    (NO_CREDS + "Minor (2529638936): Preauthentication failed",
     "wrong password (or keytab keys) for the principal (Preauthentication failed)"),
    (NO_CREDS + "Minor (2529638918): Client 'svc@EXAMPLE.COM' not found in Kerberos database",
     "the KDC does not know this principal (bind_dn must be user@REALM) (Client "
     "'svc@EXAMPLE.COM' not found in Kerberos database)"),
    (NO_CREDS + "Minor (2529639068): Cannot contact any KDC for realm 'EXAMPLE.COM'",
     "no KDC of the realm answered; check krb5.conf (KRB5_CONFIG) (Cannot contact any KDC for "
     "realm 'EXAMPLE.COM')"),
    (NO_CREDS + "Minor (2529638935): Password has expired",
     "the principal's password has expired; change it (kpasswd) first (Password has expired)"),
    (MAJOR + "Minor (2529638949): Clock skew too great",
     "this host's clock and the KDC's differ by more than the realm allows (5 minutes by "
     "default); sync the clock (NTP) (Clock skew too great)"),
    ("Major (1): something\nnew", "Major (1): something new"),
])
def test_gssapi_failures_say_what_to_do_in_one_line(text, expected):
    assert describe(Exception(text), "10.0.0.5") == expected


@pytest.mark.parametrize("principal, password, needle", [
    (None, "pw", "auth kerberos with a password needs bind_dn"),
    ("CN=svc,OU=Service,DC=example,DC=com", None, "takes bind_dn as a Kerberos principal"),
    ("EXAMPLE\\svc", "pw", "takes bind_dn as a Kerberos principal"),
])
def test_settings_that_cannot_work(gssapi_present, principal, password, needle):
    with pytest.raises(KerberosError, match=needle):
        check_auth(principal, password)


@pytest.mark.parametrize("principal, password", [
    (None, None), ("svc@EXAMPLE.COM", None), ("svc@EXAMPLE.COM", "pw"), ("svc", "pw")])
def test_settings_that_can_work(gssapi_present, principal, password):
    check_auth(principal, password)


def test_without_gssapi_kerberos_is_one_line(monkeypatch):
    monkeypatch.setattr(_kerberos, "GSSAPI_MISSING", True)
    with pytest.raises(LdapError) as err:
        LdapClient(dict(server=["ldaps://dc1"], auth="kerberos"))
    assert str(err.value).startswith("auth kerberos needs the python 'gssapi' package")
    LdapClient(dict(server=["ldaps://dc1"], bind_dn="CN=a", password="p"))  # simple is unaffected


def test_client_checks_kerberos_settings_before_connecting(gssapi_present):
    with pytest.raises(LdapError, match="^auth kerberos with a password needs bind_dn"):
        LdapClient(dict(server=["ldaps://dc1"], auth="kerberos", password="pw"))


def test_auth_from_the_environment(monkeypatch):
    """ADREMEDY_AUTH, as the AWX credential type injects it; left blank there, it is empty."""
    fallback = _options.connection_argument_spec()["auth"]["fallback"][0]
    monkeypatch.setenv("ADREMEDY_AUTH", "kerberos")
    assert fallback() == "kerberos"
    for value in ("", " "):
        monkeypatch.setenv("ADREMEDY_AUTH", value)
        with pytest.raises(AnsibleFallbackNotFound):
            fallback()
    monkeypatch.delenv("ADREMEDY_AUTH")
    with pytest.raises(AnsibleFallbackNotFound):
        fallback()


def test_a_gssapi_that_cannot_be_imported_is_one_line(monkeypatch):
    """Installed without its krb5 libraries: found, and its import fails when a bind needs it."""
    monkeypatch.setattr(_kerberos, "GSSAPI_MISSING", False)
    monkeypatch.setitem(sys.modules, "gssapi", None)  # import gssapi raises ImportError
    with pytest.raises(KerberosError, match="^the python 'gssapi' package cannot be imported"):
        _kerberos.credentials("svc@EXAMPLE.COM", "pw")
    with pytest.raises(KerberosError, match="^the python 'gssapi' package cannot be imported"):
        _sasl.kerberos_context("dc1.example.com", None, True, None)  # the ticket cache's bind


def test_a_module_that_binds_simply_does_not_import_gssapi_or_pyspnego():
    """Their import (about 0.1 s) is paid by the runs whose bind uses them, not by every task."""
    root = _kerberos.__file__.split(os.sep + "ansible_collections" + os.sep, maxsplit=1)[0]
    code = ("import sys, ansible_collections.adremedy.directory.plugins.modules.compliance_info; "
            "print(sorted(name for name in ('gssapi', 'spnego') if name in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=root),
                            stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    assert loaded == "[]"
