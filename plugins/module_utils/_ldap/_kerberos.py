# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kerberos (SASL GSSAPI) for the LDAP layer: which credentials a bind uses and what a failure
says, in one line. The gssapi package is optional: only auth kerberos needs it."""

from __future__ import annotations

import importlib.util
import re
import sys
from typing import Any

from ansible_collections.adremedy.directory.plugins.module_utils._errors import KerberosError

# gssapi is imported by a Kerberos bind, not by every module run: here only whether it is there.
GSSAPI_MISSING = importlib.util.find_spec("gssapi") is None


def gssapi_module() -> Any:
    """The gssapi package, imported on first use (KerberosError when it is installed and cannot
    be imported, e.g. without its krb5 libraries)."""
    try:
        import gssapi  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise KerberosError("the python 'gssapi' package cannot be imported: %s" % exc)
    return gssapi


def gss_errors() -> tuple[type[Exception], ...]:
    """What gssapi raises, once it is imported (nothing can raise it before)."""
    gssapi = sys.modules.get("gssapi")
    return (gssapi.exceptions.GSSError,) if gssapi is not None else ()


# Where the ticket comes from when no password is given, for the hints below.
TICKET_SOURCES = ("run kinit, set KRB5_CLIENT_KTNAME to a keytab, or give bind_dn "
                  "(user@REALM) and password")

# What a GSSAPI failure means for the person running the task, by the text of MIT krb5's
# (minor) message; the first match wins.
HINTS = (
    ("No Kerberos credentials available", "no Kerberos ticket; " + TICKET_SOURCES),
    ("No credentials cache found", "no Kerberos ticket; " + TICKET_SOURCES),
    ("Password has expired", "the principal's password has expired; change it (kpasswd) first"),
    ("expired", "the Kerberos ticket has expired; renew it (kinit), use a keytab "
                "(KRB5_CLIENT_KTNAME) or give bind_dn and password"),
    ("Clock skew too great", "this host's clock and the KDC's differ by more than the realm "
                             "allows (5 minutes by default); sync the clock (NTP)"),
    ("Server not found in Kerberos database",
     "the KDC has no service principal ldap/{host}; give the DC's host name as its SPN "
     "names it (not an IP address or an alias)"),
    ("Preauthentication failed", "wrong password (or keytab keys) for the principal"),
    ("credentials have been revoked", "the KDC refuses the account: it is disabled, locked out "
                                      "or expired"),
    ("not found in Kerberos database", "the KDC does not know this principal (bind_dn must be "
                                       "user@REALM)"),
    ("Cannot find KDC", "no KDC for the realm; check krb5.conf (KRB5_CONFIG)"),
    ("Cannot contact any KDC", "no KDC of the realm answered; check krb5.conf (KRB5_CONFIG)"),
    ("Keytab", "the keytab cannot be used (KRB5_CLIENT_KTNAME)"),
)


def check_auth(principal: str | None, password: str | None) -> None:
    """Refuse, before connecting, what cannot work: no gssapi, a password without a principal,
    a principal spelled as a DN (Kerberos names users user@REALM)."""
    if GSSAPI_MISSING:
        raise KerberosError("auth kerberos needs the python 'gssapi' package on the managed node "
                            "(pip install gssapi; it builds against libkrb5-dev / krb5-devel)")
    if password and not principal:
        raise KerberosError("auth kerberos with a password needs bind_dn, the principal to get "
                            "a ticket for (user@REALM, or ADREMEDY_BIND_DN); without a "
                            "password the ticket cache or KRB5_CLIENT_KTNAME's keytab is used")
    if principal and ("=" in principal or "\\" in principal):
        raise KerberosError("auth kerberos takes bind_dn as a Kerberos principal (user@REALM "
                            "or user), not %r" % principal)


# Kerberos failures after which auth negotiate does not try NTLM with the same password: the KDC
# has judged the account (a second try would only count another bad password).
DEFINITIVE = ("Preauthentication failed", "credentials have been revoked", "Password has expired")


def credentials(principal: str | None, password: str | None) -> Any:
    """None for the default ticket cache; else credentials for the principal, from its
    password (a ticket kept in memory) or, without one, from the cache or the client keytab."""
    if not principal:
        return None
    gssapi = gssapi_module()
    name = gssapi.Name(principal, gssapi.NameType.user)
    if password:
        return gssapi.raw.acquire_cred_with_password(name, password.encode("utf-8"),
                                                     usage="initiate").creds
    return gssapi.Credentials(name=name, usage="initiate")


def definitive(exc: Exception) -> bool:
    """Whether the KDC refused the account itself (wrong password, revoked, expired)."""
    reason = _reason(exc).lower()
    return any(pattern.lower() in reason for pattern in DEFINITIVE)


def _reason(exc: Exception) -> str:
    """MIT krb5's own words: the minor message, which names the cause (the major one is
    generic), on one line."""
    text = " ".join(str(exc).split())
    match = re.search(r"Minor \(\d+\): (.*)$", text)
    return match.group(1) if match else text


def describe(exc: Exception, host: str) -> str:
    """What a GSSAPI failure of a bind to host means, and krb5's words in brackets: 'the
    Kerberos ticket has expired; renew it (kinit), ... (Ticket expired)'."""
    reason = _reason(exc)
    for pattern, hint in HINTS:
        if pattern.lower() in reason.lower():
            return "%s (%s)" % (hint.replace("{host}", host), reason)
    return reason
