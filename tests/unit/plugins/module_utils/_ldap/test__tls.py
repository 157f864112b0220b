"""_tls: the DC's IP address checked against the certificate's IP Address entries where ldap3
would compare DNS names only (Python 3.12+)."""

import ssl

import pytest
from ldap3.core import tls as ldap3_tls

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _transport as _ldap  # importing it patches ldap3
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._tls import ip_aware

CERT = {"subjectAltName": (("IP Address", "127.0.0.1"), ("IP Address", "2001:DB8:0:0:0:0:0:1\n"),
                           ("DNS", "dc1.example.com"))}


class Mismatch(Exception):
    pass


def by_dns(cert, hostname):
    if ("DNS", hostname) not in cert["subjectAltName"]:
        raise Mismatch(hostname)


@pytest.mark.parametrize("host", ["127.0.0.1", "2001:db8::1", "[2001:db8::1]", "dc1.example.com"])
def test_addresses_match_ip_entries_and_names_go_to_the_dns_check(host):
    assert ip_aware(by_dns, Mismatch)(CERT, host) is None


@pytest.mark.parametrize("host", ["127.0.0.2", "::1", "dc2.example.com"])
def test_a_name_the_certificate_does_not_hold_is_refused(host):
    with pytest.raises(Mismatch):
        ip_aware(by_dns, Mismatch)(CERT, host)


def test_an_address_is_not_matched_by_a_dns_entry_spelling_it():
    with pytest.raises(Mismatch, match="not valid for IP address 10.0.0.5"):
        ip_aware(by_dns, Mismatch)({"subjectAltName": (("DNS", "10.0.0.5"),)}, "10.0.0.5")


def test_ldap3_checks_addresses_on_every_python():
    assert _ldap.LDAP3_IMPORT_ERROR is None
    if getattr(ssl, "match_hostname", None) is None:  # Python 3.12+: patched once by _ldap
        assert ldap3_tls.match_hostname.ip_aware
    ldap3_tls.match_hostname(CERT, "127.0.0.1")
    with pytest.raises(Exception):
        ldap3_tls.match_hostname(CERT, "127.0.0.2")
