# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection settings of a run, built once from the connection options: defaults filled in,
timeouts and page size checked, the CA file and the password file read or refused, server URIs
parsed (and the Global Catalog's). The LDAP seam's input, with no Ansible in it: _options
declares the same options to Ansible, _transport's client takes these settings. Private."""

from __future__ import annotations

import os
import re
from typing import Any, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError


DEFAULT_PAGE_SIZE = 1000


# The defaults of the connection options, in one place: the argument spec and the client both
# take them from here.
CONNECTION_DEFAULTS = dict(start_tls=False, validate_certs=True, auth="simple",
                           connect_timeout=10, operation_timeout=120, page_size=DEFAULT_PAGE_SIZE)
# Options that must be at least 1, with their unit (a timeout of 0 would not be a bound wait).
AT_LEAST_ONE = (("connect_timeout", " second"), ("operation_timeout", " second"),
                ("page_size", ""))

# AWX credential types inject secrets as files: the password is then read from the file this
# variable names, so it is in no process environment (ansible-runner keeps the job's environment
# in its artifacts).
PASSWORD_FILE_VARIABLE = "ADREMEDY_PASSWORD_FILE"


def read_password_file(path: str) -> str:
    """The password in `path` (one line; the line break after it is not part of it)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().rstrip("\r\n")
    except OSError as exc:
        raise LdapError("%s %s cannot be read: %s" % (PASSWORD_FILE_VARIABLE, path, exc.strerror))


# The connection options' names, in the argument spec's order (_options builds the spec from
# them; a unit test keeps the two equal).
CONNECTION_OPTIONS = ("server", "start_tls", "validate_certs", "ca_cert", "auth", "bind_dn",
                      "password", "connect_timeout", "operation_timeout", "page_size",
                      "gc_server")


def connection_settings(params: Mapping[str, Any]) -> dict[str, Any]:
    """The connection options of params, defaults filled in and validated, built once per run:
    an explicit 0 is refused, never silently replaced by a default."""
    settings: dict[str, Any] = dict((name, params.get(name)) for name in CONNECTION_OPTIONS)
    for name, default in CONNECTION_DEFAULTS.items():
        if settings[name] is None:
            settings[name] = default
    if not settings["server"]:
        raise LdapError(NO_SERVER)
    for name, unit in AT_LEAST_ONE:
        if settings[name] < 1:
            raise LdapError("%s must be at least 1%s, got %s" % (name, unit, settings[name]))
    if settings["ca_cert"]:
        check_ca_cert(settings["ca_cert"])
    return settings


NO_SERVER = ("no domain controller to connect to: set the connection options (server, bind_dn, "
             "password, ca_cert) in the inventory variable adremedy_connection (the playbooks pass "
             "it to module_defaults group/adremedy.directory.ad), or as the environment "
             "variables ADREMEDY_SERVER, ADREMEDY_BIND_DN, ADREMEDY_PASSWORD (or "
             "ADREMEDY_PASSWORD_FILE) and ADREMEDY_CA_CERT, which the collection's AWX "
             "credential type sets")
PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


def check_ca_cert(path: str) -> None:
    """A ca_cert that cannot be what it claims fails before any connection, saying which:
    missing, a directory, unreadable, or a file with no PEM certificate in it."""
    if not os.path.exists(path):
        raise LdapError("ca_cert %s does not exist" % path)
    if os.path.isdir(path):
        raise LdapError("ca_cert %s is a directory; give the PEM file of the CA that issued the "
                        "DC's certificate" % path)
    try:
        with open(path, "rb") as handle:
            content = handle.read(1024 * 1024)
    except OSError as exc:
        raise LdapError("ca_cert %s cannot be read: %s" % (path, exc.strerror or exc))
    if PEM_CERTIFICATE not in content:
        raise LdapError("ca_cert %s is not a PEM certificate file (no '-----BEGIN "
                        "CERTIFICATE-----' line); convert a DER certificate with "
                        "'openssl x509 -inform der -in FILE -out FILE.pem'" % path)


_URI = re.compile(r"^(?:(ldaps?)://)?(\[[0-9a-fA-F:]+\]|[^:/\s]+)(?::(\d+))?/?$")


def parse_server(uri: str, ports: tuple[int, int] = (636, 389)) -> tuple[str, str, int]:
    """'ldaps://dc1:636' -> ('ldaps', 'dc1', 636). A bare host name means LDAPS; without a
    port, ports gives LDAPS's and LDAP's."""
    match = _URI.match(uri.strip())
    if not match:
        raise LdapError("server %r is not an LDAP URI; use ldaps://host[:port] or "
                        "ldap://host[:port]" % uri)
    scheme = match.group(1) or "ldaps"
    port = int(match.group(3)) if match.group(3) else ports[0 if scheme == "ldaps" else 1]
    return scheme, match.group(2).strip("[]"), port


def server_uri(scheme: str, host: str, port: int) -> str:
    """('ldaps', 'dc1', 636) -> 'ldaps://dc1:636', the name a server goes by in messages; an
    IPv6 address in brackets, as a URI spells it (('ldaps', '::1', 636) -> 'ldaps://[::1]:636')."""
    return "%s://%s:%d" % (scheme, "[%s]" % host if ":" in host else host, port)


GC_PORTS = (3269, 3268)  # a Global Catalog answers on these, LDAPS and LDAP


def global_catalog_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The connection settings for the Global Catalog in gc_server (same account, TLS and
    limits as the DC); a URI without a port gets the Global Catalog's (3269, or 3268 for
    ldap://)."""
    servers = []
    for uri in settings.get("gc_server") or []:
        scheme, host, port = parse_server(uri, GC_PORTS)
        servers.append(server_uri(scheme, host, port))
    return dict(settings, server=servers)
