# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DC's name in its certificate, on every Python. ldap3 2.9.1 checks the name itself (it
turns the ssl module's check off); on Python 3.12 and later, which dropped ssl.match_hostname,
it falls back to a copy that compares DNS names only, so ldaps://<IP address> failed against a
certificate whose subjectAltName holds that address. patch_ldap3() gives ldap3 a check that
compares IP addresses (RFC 6125: IP entries only, no wildcards) and hands any other name to
ldap3's own."""

from __future__ import annotations

import ipaddress
import ssl
from typing import Any, Callable, Mapping


def ip_aware(fallback: Callable[[Mapping[str, Any], str], None],
             error: type) -> Callable[[Mapping[str, Any], str], None]:
    """match_hostname(cert, hostname) that checks an IP address against the certificate's
    IP Address entries and any other name with `fallback`; a mismatch raises `error`."""
    def match_hostname(cert: Mapping[str, Any], hostname: str) -> None:
        try:
            address = ipaddress.ip_address(hostname.strip("[]"))
        except ValueError:
            return fallback(cert, hostname)
        for kind, value in cert.get("subjectAltName", ()):
            if kind != "IP Address":
                continue
            try:
                if ipaddress.ip_address(value.strip()) == address:
                    return None
            except ValueError:
                continue
        raise error("certificate is not valid for IP address %s" % hostname)
    match_hostname.ip_aware = True  # type: ignore[attr-defined]
    return match_hostname


def patch_ldap3() -> None:
    """Where the ssl module has no match_hostname (Python 3.12+), make ldap3's IP-aware; once."""
    from ldap3.core import tls as ldap3_tls  # pylint: disable=import-outside-toplevel
    if getattr(ssl, "match_hostname", None) is not None:
        return
    # ldap3 defines its own match_hostname and CertificateError only where ssl has none, so
    # its stubs (written for the ssl module that has them) do not name them
    if not getattr(ldap3_tls.match_hostname, "ip_aware", False):  # type: ignore[attr-defined]
        ldap3_tls.match_hostname = ip_aware(  # type: ignore[attr-defined]
            ldap3_tls.match_hostname, ldap3_tls.CertificateError)  # type: ignore[attr-defined]
