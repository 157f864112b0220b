# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LDAP client: connect and bind (simple, or Kerberos/NTLM/negotiate through _sasl), RootDSE,
paged search, read, modify/add/delete, each request with bounded waits and retries of transient
failures, the answers lost with a connection reconciled by reading the object back (resend only
what is safe), and one-line LdapErrors. It takes the settings _settings builds and imports no
Ansible: the seam's options are _options', its search helpers _search's. Private."""

from __future__ import annotations

import os
import re
import socket
import ssl
import time
import traceback
import uuid
from typing import Any, Callable, Container, Iterable, Iterator, Literal, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    BindRefused, DnError, KerberosError, LdapError, LostAnswerConflict, SaslError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _kerberos as kerberos
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _sasl as sasl
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import canonical
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    PASSWORD_FILE_VARIABLE, connection_settings, parse_server, read_password_file, server_uri)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._tls import patch_ldap3
# Every page read counts on the progress display of a long run, whichever module reads
# (_progress is standard library only and does nothing without ADREMEDY_PROGRESS_FILE),
# simpler than a hook every caller would have to set.
from ansible_collections.adremedy.directory.plugins.module_utils._progress import note as note_progress

try:
    import ldap3
    from ldap3.core import exceptions as ldap_exc
    from ldap3.protocol.microsoft import security_descriptor_control
    from ldap3 import MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE  # pylint: disable=unused-import
    LDAP3_IMPORT_ERROR = None
    patch_ldap3()  # ldaps://<IP address> on Python 3.12+ (see _tls)
except ImportError:  # pragma: no cover - reported by require_ldap3()
    LDAP3_IMPORT_ERROR = traceback.format_exc()
    MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE = "MODIFY_ADD", "MODIFY_DELETE", "MODIFY_REPLACE"

SD_FLAGS_DACL = 0x4
PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"
PERMISSIVE_MODIFY_OID = "1.2.840.113556.1.4.1413"
TREE_DELETE_OID = "1.2.840.113556.1.4.805"

# Result codes worth another try: busy, unavailable, and the server going away mid-request.
TRANSIENT_RESULTS = {51, 52}
# Reads may also retry operationsError (1), which DCs use for internal failures of a search.
# The one seen here (Samba's "Indexed and full searches both failed" on in-chain searches) was not
# transient: it came from objects with an empty DACL and persisted, so a retry only delays it.
TRANSIENT_READ_RESULTS = TRANSIENT_RESULTS | {1}
RETRY_DELAYS = (0.5, 1.0, 2.0)
# A DC refuses a modify that would leave more values in a non-linked multi-valued attribute than
# its database record holds (about 1,200 in AD; Samba 4.17 has no such cap) with this code.
ADMIN_LIMIT_EXCEEDED = 11
MULTI_VALUE_CAP = 1200

SCOPES: dict[str, Literal["BASE", "LEVEL", "SUBTREE"]] = {
    "base": "BASE", "onelevel": "LEVEL", "subtree": "SUBTREE"}

# Over plain ldap:// without StartTLS only a simple bind is refused (it would send the password in
# clear); Kerberos, NTLM and negotiate bind there with a SASL security layer that signs and seals
# every message after the bind (_sasl, docs/authentication.md).
UNPROTECTED_BIND = dict(simple="would send the password in clear text")


def _server_message(result: Mapping[str, Any] | None) -> str:
    text = (result or {}).get("message") or ""
    return " ".join(text.replace("\x00", "").split())


def result_error(operation: str, dn: str | None, result: Mapping[str, Any]) -> LdapError:
    """LdapError for a failed LDAP result, e.g. 'bind as CN=x failed: invalidCredentials (49)'."""
    code = result.get("result")
    name = result.get("description") or "error"
    target = " %s" % dn if dn else ""
    message = "%s%s failed: %s (%s)" % (operation, target, name, code)
    detail = _server_message(result)
    if detail:
        message += ": %s" % detail
    return LdapError(message, code=code, name=name, dn=dn)


# What an AD bind refusal means, by the data code in the DC's diagnostic message
# ("80090308: LdapErr: DSID-0C090439, comment: AcceptSecurityContext error, data 52e, v4563";
# Samba writes the same form), and what to do. The connection never moves on to the next DC
# after a refusal, so a wrong password or a locked account is tried once, on one DC.
BIND_REFUSALS = {
    "525": "the account does not exist; check bind_dn",
    "52e": "wrong password (or an account the DC does not know); check bind_dn and password",
    "530": "the account may not log on at this time (its logon hours)",
    "531": "the account may not log on from this host (its 'Log On To' workstations)",
    "532": "the account's password has expired; set a new one",
    "533": "the account is disabled; enable it",
    "701": "the account has expired (accountExpires); extend it",
    "773": "the account must change its password before it logs on ('User must change "
           "password at next logon'); set a new one",
    "775": "the account is locked out; wait for the lockout to end or unlock it",
}
CHANNEL_BINDING_REFUSED = "80090346"
STRONGER_AUTH_REQUIRED = 8
_DATA_CODE = re.compile(r"\bdata ([0-9a-fA-F]+)\b")


def bind_error(auth: str, who: str, uri: str, result: Mapping[str, Any],
               over_tls: bool) -> LdapError:
    """The one line for a bind the DC refused: what happened, what to do, the account, the
    server and the LDAP result; the DC's own text only when its code is not one known here."""
    code = result.get("result")
    name = result.get("description") or "error"
    detail = _server_message(result)
    operation = "bind" if auth == "simple" else "%s bind" % auth
    prefix = "%s as %s to %s failed: %s (%s)" % (operation, who, uri, name, code)
    found = _DATA_CODE.search(detail)
    data = found.group(1).lower() if found else None
    if detail.upper().startswith(CHANNEL_BINDING_REFUSED) or data == CHANNEL_BINDING_REFUSED:
        if over_tls and auth != "simple":
            what = ("the DC requires LDAP channel binding and the token sent (from the "
                    "certificate this host received) does not match its certificate: something "
                    "between this host and the DC ends TLS (a proxy or load balancer); connect "
                    "to the DC itself")
        else:
            what = ("the DC requires LDAP channel binding; bind with auth kerberos, ntlm or "
                    "negotiate over ldaps:// or start_tls (they send the tls-server-end-point "
                    "token)")
        message = "%s, data %s: %s" % (prefix, CHANNEL_BINDING_REFUSED, what)
    elif data in BIND_REFUSALS:
        message = "%s, data %s: %s" % (prefix, data, BIND_REFUSALS[data])
    elif code == STRONGER_AUTH_REQUIRED:
        if over_tls and auth != "simple":
            what = ("the DC wants SASL binds signed or sealed even over TLS, and refuses "
                    "signing inside TLS (Samba's 'ldap server require strong auth = yes'); "
                    "bind over ldap:// without start_tls (sealed) or with auth simple over TLS")
        else:
            what = ("the DC requires LDAP signing; use ldaps:// or start_tls, or auth "
                    "kerberos, ntlm or negotiate (signed and sealed)")
        message = "%s: %s (%s)" % (prefix, what, detail) if detail else "%s: %s" % (prefix, what)
    else:
        message = "%s: %s" % (prefix, detail) if detail else prefix
    return LdapError(message, code=code, name=name)


def _unbind_quietly(conn: Any) -> None:
    """Close a connection whose bind failed; nothing more is said on it."""
    try:
        conn.unbind()
    except Exception:  # the socket may be closed already
        pass


# A line break, a NUL or another control character typed into a DN is a paste accident, not a
# name: AD spells such characters escaped (\0A), and ldap3 refuses them raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_dn(dn: str, what: str = "DN") -> str:
    """The DN in one RFC 4514 spelling ldap3 accepts (it refuses "OU = Staff"), or LdapError
    invalidDNSyntax (34) naming a malformed one before it reaches the server."""
    try:
        control = _CONTROL.search(dn) if isinstance(dn, str) else None
        if control:
            raise DnError(dn, "an unescaped control character %r at position %d; escape it as "
                          "\\%02X" % (control.group(), control.start(), ord(control.group())))
        return canonical(dn)
    except DnError as exc:
        raise LdapError("%s %r is not a valid distinguished name (%s): invalidDNSyntax (34)"
                        % (what, dn, exc.why), code=34, name="invalidDNSyntax", dn=dn)


class Entry:
    """A search result: the DN and raw values by lower-case attribute name."""

    __slots__ = ("dn", "attrs")

    def __init__(self, dn: str, attrs: dict[str, list[bytes]]) -> None:
        self.dn = dn
        self.attrs = attrs

    @classmethod
    def from_response(cls, item: Mapping[str, Any]) -> Entry:
        raw = item.get("raw_attributes") or {}
        return cls(item["dn"], dict((k.lower(), v) for k, v in raw.items() if v))

    def raw(self, name: str) -> bytes | None:
        values = self.attrs.get(name.lower())
        return values[0] if values else None

    def raws(self, name: str) -> list[bytes]:
        return self.attrs.get(name.lower()) or []

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return value.decode("utf-8") if value is not None else None

    def texts(self, name: str) -> list[str]:
        return [v.decode("utf-8") for v in self.raws(name)]

    def int(self, name: str) -> int | None:
        value = self.raw(name)
        return int(value) if value is not None else None

    def guid(self, name: str = "objectGUID") -> str | None:
        """A GUID-valued attribute (objectGUID, schemaIDGUID) in its string form (lower case, as
        uuid prints it), or None when it was not read or is not 16 bytes."""
        blob = self.raw(name)
        return str(uuid.UUID(bytes_le=bytes(blob))) if blob and len(blob) == 16 else None

    def has_class(self, name: str) -> bool:
        """Whether name is one of the entry's objectClass values (compared ignoring case, as
        LDAP names are)."""
        return name.lower() in (value.lower() for value in self.texts("objectClass"))

    def most_specific_class(self) -> str | None:
        """The object's most specific objectClass: AD lists the classes from top down, so the
        last; None when objectClass was not read."""
        classes = self.texts("objectClass")
        return classes[-1] if classes else None


class RootDse:
    def __init__(self, entry: Entry) -> None:
        # An AD DC's RootDSE names every naming context; '' where a server's does not (it is
        # no AD DC, and what is searched under them finds nothing of AD).
        self.default_naming_context: str = entry.text("defaultNamingContext") or ""
        self.configuration_naming_context: str = entry.text("configurationNamingContext") or ""
        self.schema_naming_context: str = entry.text("schemaNamingContext") or ""
        self.root_domain_naming_context: str = (entry.text("rootDomainNamingContext")
                                                or self.default_naming_context)
        self.dns_host_name = entry.text("dnsHostName")
        # the DC's update sequence number when it was read: where partitioned reads cut
        self.highest_committed_usn = entry.int("highestCommittedUSN")
        # set by LdapClient.root_dse: None when the domain head's objectSid cannot be read
        self.domain_sid: str | None = None
        self.forest_root_sid: str | None = None


SOCKET_REASONS = (
    ("refused", "connection refused"),
    ("timed out", "timed out"),
    ("Name or service not known", "unknown host"),
    ("No route to host", "no route to host"),
    ("reset by peer", "connection reset"),
)


def _socket_reason(exc: BaseException) -> str:
    """'[Errno 111] Connection refused' and friends, without ldap3's wrapping."""
    text = str(exc)
    for pattern, reason in SOCKET_REASONS:
        if pattern in text:
            return reason
    return text


class LdapClient:
    """A bound connection to the first reachable server, with retries on transient failures."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = connection_settings(params)
        self.servers = [parse_server(uri) for uri in self.params["server"]]
        self.page_size = self.params["page_size"]
        self.connect_timeout = self.params["connect_timeout"]
        self.operation_timeout = self.params["operation_timeout"]
        self.conn: ldap3.Connection | None = None
        self.uri: str | None = None
        self._root_dse: RootDse | None = None
        # A connection that must stay on one DC (a part of a split read): the DC's
        # dsServiceName, checked again whenever the connection is made anew.
        self.pinned_to: str | None = None
        # How the last connection was bound: mechanism, protocol, protection (connection_info).
        self.bind_info: sasl.Bound | None = None
        self._validate_auth()

    # -- connecting ---------------------------------------------------------------------------

    def _validate_auth(self) -> None:
        auth = self.params["auth"]
        principal, password = self.params.get("bind_dn"), self.params.get("password")
        if not password and os.environ.get(PASSWORD_FILE_VARIABLE):
            read_password_file(os.environ[PASSWORD_FILE_VARIABLE])  # says why the fallback failed
        if auth in ("simple", "ntlm") and not (principal and password):
            raise LdapError("auth %s needs bind_dn and password (or ADREMEDY_BIND_DN and "
                            "ADREMEDY_PASSWORD or ADREMEDY_PASSWORD_FILE)" % auth)
        for scheme, host, port in self.servers:
            if auth == "simple" and scheme == "ldap" and not self.params.get("start_tls"):
                raise LdapError("simple bind to ldap://%s:%d %s; use ldaps://, start_tls: true, "
                                "or auth kerberos, ntlm or negotiate (signed and sealed on "
                                "plain LDAP)" % (host, port, UNPROTECTED_BIND["simple"]))
        try:
            if auth == "kerberos":
                kerberos.check_auth(principal, password)
            elif auth == "ntlm":
                sasl.check_ntlm(principal)
            elif auth == "negotiate":
                sasl.check_negotiate(principal, password, kerberos.GSSAPI_MISSING)
        except (KerberosError, SaslError) as exc:
            raise LdapError(str(exc))

    def _tls(self) -> ldap3.Tls:
        validate = self.params["validate_certs"]
        kwargs = dict(validate=ssl.CERT_REQUIRED if validate else ssl.CERT_NONE)
        if self.params.get("ca_cert"):
            kwargs["ca_certs_file"] = self.params["ca_cert"]
        try:
            return ldap3.Tls(**kwargs)
        except ldap_exc.LDAPSSLConfigurationError as exc:
            raise LdapError("ca_cert %s cannot be used: %s" % (self.params.get("ca_cert"), exc))

    def _who(self) -> str:
        """The account named in messages (never the password)."""
        auth = self.params["auth"]
        if self.params.get("bind_dn"):
            return self.params["bind_dn"]
        return "the ticket cache's principal" if auth in ("kerberos", "negotiate") else \
            "the Kerberos principal"

    def _open(self, scheme: str, host: str, port: int) -> tuple[ldap3.Connection, str]:
        """Connect and bind to one server. connect_timeout bounds the whole of it: TCP connect,
        TLS handshake, StartTLS and bind; a phase that does not finish in what is left of it
        ends in _Unreachable naming the phase, so the next server is tried."""
        uri = server_uri(scheme, host, port)
        clock = _Deadline(uri, self.connect_timeout)
        tls = clock.bounded_tls(self._tls())
        server = ldap3.Server(host, port=port, use_ssl=scheme == "ldaps", tls=tls,
                              get_info=ldap3.NONE, connect_timeout=self.connect_timeout)
        auth = self.params["auth"]
        over_tls = scheme == "ldaps" or bool(self.params.get("start_tls"))
        # check_names off: no schema is read (get_info NONE), so it would only format every
        # value a second time into the `attributes` view, which nothing here uses.
        kwargs = dict(raise_exceptions=False, receive_timeout=self.connect_timeout,
                      check_names=False, auto_referrals=False, return_empty_attributes=False,
                      read_only=False)
        if auth == "simple":
            kwargs.update(user=self.params["bind_dn"], password=self.params["password"],
                          authentication=ldap3.SIMPLE)
        # Kerberos, NTLM and negotiate: the connection stays anonymous to ldap3, the SASL bind
        # is ours (_sasl), so ldap3 never binds (or rebinds) anything by itself.
        conn = ldap3.Connection(server, **kwargs)
        try:
            clock.enter("TCP connect to")
            conn.open()
            if self.params.get("start_tls") and scheme == "ldap":
                clock.enter("StartTLS with", conn)
                if not conn.start_tls():
                    raise result_error("StartTLS with %s" % uri, None, conn.result)
        except (ldap_exc.LDAPCommunicationError, ldap_exc.LDAPStartTLSError) as exc:
            clock.give_up(conn, exc)
            reason = _socket_reason(exc)
            if "certificate" in reason.lower():
                detail = re.search(r"certificate verify failed: ([^(\]]+)", reason)
                raise LdapError("TLS with %s failed: certificate verify failed%s; set ca_cert to "
                                "the CA that issued the DC's certificate"
                                % (uri, " (%s)" % detail.group(1).strip() if detail else ""))
            if isinstance(exc, ldap_exc.LDAPStartTLSError):
                raise LdapError("StartTLS with %s failed: %s" % (uri, reason))
            raise _Unreachable("%s (%s)" % (uri, reason))
        who = self._who()
        clock.enter("bind as %s to" % who, conn)
        try:
            if auth == "simple":
                if not conn.bind():
                    raise BindRefused(conn.result or {})
                self.bind_info = sasl.Bound("SIMPLE", "simple", False, False)
            else:
                self.bind_info = self._sasl_bind(conn, uri, host, over_tls, who)
        except BindRefused as exc:
            _unbind_quietly(conn)
            if exc.result.get("result") in TRANSIENT_RESULTS:
                raise _Unreachable("%s (%s)" % (uri, exc.result.get("description")))
            raise bind_error(auth, who, uri, exc.result, over_tls)
        except ldap_exc.LDAPCommunicationError as exc:
            clock.give_up(conn, exc)
            raise _Unreachable("%s (%s during bind)" % (uri, _socket_reason(exc)))
        except ldap_exc.LDAPPackageUnavailableError as exc:
            raise LdapError("bind as %s needs a Python package on the managed node: %s"
                            % (who, exc))
        except LdapError:
            _unbind_quietly(conn)
            raise
        # From here on each request (one search page, one modify) has operation_timeout.
        conn.receive_timeout = self.operation_timeout
        conn.socket.settimeout(self.operation_timeout)
        return conn, uri

    def _sasl_bind(self, conn: ldap3.Connection, uri: str, host: str, over_tls: bool,
                   who: str) -> sasl.Bound:
        """Kerberos (SASL GSSAPI), NTLM (SASL GSS-SPNEGO) or negotiate (Kerberos when a ticket
        can be had, else NTLM): sealed on plain LDAP, with the channel binding over TLS."""
        auth = self.params["auth"]
        principal, password = self.params.get("bind_dn"), self.params.get("password")
        bindings = sasl.channel_binding_data(conn.socket) if over_tls else None
        seal = not over_tls
        fallback = None
        if auth in ("kerberos", "negotiate"):
            kerberos_principal = principal if auth == "kerberos" else \
                sasl.kerberos_principal(principal)
            if auth == "negotiate" and kerberos.GSSAPI_MISSING:
                fallback = "the python 'gssapi' package is not installed"
            elif auth == "negotiate" and password and not kerberos_principal:
                fallback = "bind_dn %s is not a Kerberos principal" % principal
            else:
                try:
                    creds = kerberos.credentials(kerberos_principal, password)
                    context = sasl.kerberos_context(host, creds, seal, bindings)
                    token = context.step(None)  # the service ticket: nothing sent to the DC yet
                except kerberos.gss_errors() as exc:
                    reason = kerberos.describe(exc, host)
                    if auth == "kerberos" or not sasl.ntlm_possible(principal, password) \
                            or kerberos.definitive(exc):
                        raise LdapError("%s bind as %s to %s failed: %s"
                                        % (auth, kerberos_principal or who, uri, reason))
                    fallback = "Kerberos: %s" % reason
                except KerberosError as exc:  # gssapi installed, and not importable
                    raise LdapError("%s bind as %s to %s failed: %s"
                                    % (auth, kerberos_principal or who, uri, exc))
                else:
                    try:
                        return sasl.bind_kerberos(conn, context, token, seal, bindings)
                    except kerberos.gss_errors() as exc:
                        raise LdapError("%s bind as %s to %s failed: %s"
                                        % (auth, who, uri, kerberos.describe(exc, host)))
                    except SaslError as exc:
                        if isinstance(exc, BindRefused):
                            raise
                        raise LdapError("%s bind as %s to %s failed: %s" % (auth, who, uri, exc))
        try:
            context = sasl.ntlm_context(principal, password, host, seal, bindings)
            bound = sasl.bind_ntlm(conn, context, seal, bindings)
        except sasl.spnego_errors() as exc:
            raise LdapError("%s bind as %s to %s failed: NTLM: %s"
                            % (auth, who, uri, sasl.spnego_reason(exc)))
        except SaslError as exc:
            if isinstance(exc, BindRefused):
                raise
            raise LdapError("%s bind as %s to %s failed: %s" % (auth, who, uri, exc))
        bound.fallback = fallback
        return bound

    def connect(self, first: str | None = None) -> LdapClient:
        """Bind to the first server that answers (the one whose URI is `first` before the
        others); bad credentials stop at once (no lockouts)."""
        failures = []
        for scheme, host, port in sorted(self.servers, key=lambda s: server_uri(*s) != first):
            try:
                self.conn, self.uri = self._open(scheme, host, port)
                return self
            except _Unreachable as exc:
                failures.append(str(exc))
        raise LdapError("cannot reach any server: %s" % "; ".join(failures),
                        name="unavailable", code=52)

    def server_identity(self) -> str | None:
        """The DC this connection is bound to, by its dsServiceName (a name that resolves to
        several DCs gives each connection its own)."""
        entry = self.read("", ["dsServiceName"], what="RootDSE")
        return entry.text("dsServiceName") if entry is not None else None

    def same_server(self, identity: str | None = None) -> LdapClient | None:
        """Another connection to this client's DC, pinned to it, or None when that DC does not
        take one now. A read split over connections must be served by one DC: uSNCreated is
        each DC's own numbering, so parts cut by it are disjoint and complete on one DC only.
        identity: this client's server_identity(), when the caller has read it already."""
        identity = identity or self.server_identity()
        if not identity:
            return None
        other = LdapClient(self.params)
        try:
            other.connect(first=self.uri)
            if other.uri == self.uri and other.server_identity() == identity:
                other.pinned_to = identity
                return other
        except LdapError:
            pass
        other.close()
        return None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.unbind()
            except Exception:  # nothing to report on the way out
                pass
            self.conn = None

    def _reconnect(self) -> None:
        """Bind again after a lost connection, to the same DC first: a write and the read that
        settles it must see the same replica (another DC may not have the write yet)."""
        uri = self.uri
        self.close()
        self.connect(first=uri)
        if self.pinned_to is not None and (self.uri != uri
                                           or self.server_identity() != self.pinned_to):
            self.close()
            raise LdapError("the connection to %s came back to another DC, and a read split "
                            "over connections must stay on one (%s)" % (uri, self.pinned_to),
                            name="unavailable", code=52)

    # -- running requests ---------------------------------------------------------------------

    def _bound(self) -> ldap3.Connection:
        """The connection connect() made (close() drops it; a request needs one)."""
        if self.conn is None:
            raise LdapError("no connection to %s: it was closed" % self.uri, code=52,
                            name="unavailable")
        return self.conn

    def _run(self, operation: str, dn: str, call: Callable[[ldap3.Connection], Any],
             accept: Container[int | None] = (0,), transient: Container[int | None] | None = None,
             settle: Callable[[LdapClient], bool] | None = None) -> dict[str, Any]:
        """Run one request, retrying transient failures with bounded backoff.

        A request whose answer was lost with the connection may have been applied. Reads and
        edits that are safe to repeat (settle None) are sent again; for the others,
        settle(client) decides after the reconnect, from the object read back: True, it was
        applied (success, not resent); False, it was not (sent again); or it raises (another
        writer changed the object: nothing is resent)."""
        transient = TRANSIENT_RESULTS if transient is None else transient
        lost = False
        for attempt in range(len(RETRY_DELAYS) + 1):
            if attempt:
                time.sleep(RETRY_DELAYS[attempt - 1])
                try:
                    self._reconnect()
                except LdapError as exc:
                    if exc.code != 52:  # e.g. the password changed: retrying cannot help
                        raise
                    if attempt == len(RETRY_DELAYS):
                        message = "%s %s failed: lost the connection to %s and %d retries did " \
                                  "not bring it back: %s%s" % (operation, dn, self.uri,
                                                               len(RETRY_DELAYS), exc,
                                                               _may_have_applied(lost and settle))
                        raise LdapError(message, code=52, name="unavailable", dn=dn)
                    continue
                if lost and settle is not None:
                    if self._settled(operation, dn, settle):
                        return dict(result=0, description="success", settled=self.uri)
                    lost = False
            try:
                conn = self._bound()
                ok = call(conn)
                result = conn.result or {}
                code = result.get("result", 0 if ok else None)
                if code in accept or (ok and code is None):
                    return result
                if code not in transient or attempt == len(RETRY_DELAYS):
                    raise result_error(operation, dn, result)
            except ldap_exc.LDAPInvalidFilterError as exc:
                raise LdapError("%s %s failed: the filter is malformed (%s): filterError (87)"
                                % (operation, dn, exc), code=87, name="filterError", dn=dn)
            except ldap_exc.LDAPInvalidDnError as exc:
                raise LdapError("%s %s failed: invalidDNSyntax (34): %s" % (operation, dn, exc),
                                code=34, name="invalidDNSyntax", dn=dn)
            except ldap_exc.LDAPCommunicationError as exc:
                self._raise_if_timed_out(operation, dn, exc, written=settle is not None)
                lost = True
                if attempt == len(RETRY_DELAYS):
                    raise LdapError("%s %s failed: lost the connection to %s (%s) and %d retries "
                                    "did not bring it back%s" % (
                                        operation, dn, self.uri, _socket_reason(exc),
                                        len(RETRY_DELAYS), _may_have_applied(settle)),
                                    code=52, name="unavailable", dn=dn)
        raise LdapError("%s %s failed" % (operation, dn))  # pragma: no cover

    def _settled(self, operation: str, dn: str, settle: Callable[[LdapClient], bool]) -> bool:
        """settle(self) after a lost answer, its own failure to read named as such."""
        try:
            return settle(self)
        except LostAnswerConflict:
            raise
        except LdapError as exc:
            raise LdapError("%s %s failed: the answer was lost with the connection and the "
                            "object could not be read back from %s to see whether it was "
                            "applied: %s" % (operation, dn, self.uri, exc),
                            code=exc.code, name=exc.name, dn=dn)

    def _raise_if_timed_out(self, operation: str, dn: str, exc: BaseException,
                            seen: int | None = None, written: bool = False) -> None:
        """A request that got no answer within operation_timeout ends the run (a wedged DC would
        make every retry wait as long again); the connection is dropped, since a late answer
        would belong to this request. A write that is not safe to repeat says so: the DC may
        have applied it, and the next run reads the object before it writes."""
        if not (isinstance(exc, socket.timeout) or "timed out" in str(exc)):
            return
        self.close()
        after = " after %d entries (no partial result is returned)" % seen if seen else ""
        after += _may_have_applied(written)
        raise LdapError("%s %s failed: %s did not answer within %d s (operation_timeout)%s"
                        % (operation, dn, self.uri, self.operation_timeout, after),
                        code=52, name="unavailable", dn=dn)

    @property
    def root_dse(self) -> RootDse:
        if self._root_dse is None:
            entry = self.read("", ["defaultNamingContext", "configurationNamingContext",
                                   "schemaNamingContext", "rootDomainNamingContext",
                                   "dnsHostName", "highestCommittedUSN"], what="RootDSE")
            if entry is None:
                raise LdapError("read RootDSE failed: the server returned no RootDSE")
            dse = RootDse(entry)
            dse.domain_sid = self._object_sid(dse.default_naming_context)
            dse.forest_root_sid = (dse.domain_sid if dse.root_domain_naming_context
                                   == dse.default_naming_context
                                   else self._object_sid(dse.root_domain_naming_context))
            self._root_dse = dse
        return self._root_dse

    def _object_sid(self, dn: str) -> str | None:
        try:
            entry = self.read(dn, ["objectSid"])
        except LdapError:
            return None  # e.g. the forest root domain is not held by this DC
        raw = entry.raw("objectSid") if entry else None
        return sid_to_str(raw) if raw else None

    @staticmethod
    def _controls(sd_flags: int | None, extra: list[tuple[str, bool, Any]] | None,
                  attributes: Iterable[str] = ()) -> list[Any] | None:
        """Controls for a request; touching nTSecurityDescriptor always sends SD flags (0x4
        unless asked), because the default 0xF needs SeSecurityPrivilege."""
        if sd_flags is None and any(a.lower() == "ntsecuritydescriptor" for a in attributes):
            sd_flags = SD_FLAGS_DACL
        controls = list(extra or [])
        if sd_flags is not None:
            controls += security_descriptor_control(sdflags=sd_flags)
        return controls or None

    def search(self, base: str, search_filter: str = "(objectClass=*)",
               attributes: Iterable[str] | None = None, scope: str = "subtree") -> Iterator[Entry]:
        """Stream entries page by page (memory stays bounded); nTSecurityDescriptor is read with
        SD flags 4 (the DACL only)."""
        for page in self.search_pages(base, search_filter, attributes, scope):
            yield from page

    def search_pages(self, base: str, search_filter: str = "(objectClass=*)",
                     attributes: Iterable[str] | None = None,
                     scope: str = "subtree") -> Iterator[list[Entry]]:
        """The entries of a paged search, a list per page the DC sends."""
        if base:
            base = check_dn(base, "search base")
        attrs = list(attributes) if attributes else ["1.1"]
        ctrl = self._controls(None, None, attrs)
        cookie = None
        seen = 0
        while True:
            def call(conn: ldap3.Connection, cookie: Any = cookie) -> Any:
                return conn.search(base, search_filter, search_scope=SCOPES[scope],
                                   attributes=attrs, paged_size=self.page_size,
                                   paged_cookie=cookie, controls=ctrl)
            if seen == 0 and cookie is None:
                result = self._run("search under", base or "RootDSE", call,
                                   transient=TRANSIENT_READ_RESULTS)
            else:
                # A paging cookie belongs to its connection: a mid-stream loss cannot resume.
                try:
                    call(self._bound())
                except ldap_exc.LDAPCommunicationError as exc:
                    self._raise_if_timed_out("search under", base, exc, seen)
                    raise LdapError("search under %s failed: lost the connection to %s after %d "
                                    "entries (%s)" % (base, self.uri, seen, _socket_reason(exc)),
                                    code=52, name="unavailable", dn=base)
                result = self._bound().result or {}
                if result.get("result") not in (0, None):
                    raise result_error("search under", base, result)
            conn = self._bound()
            page = [Entry.from_response(item) for item in conn.response or []
                    if item.get("type") == "searchResEntry"]
            # ldap3's own copy of the page (a second, decoded view of every value) goes now,
            # not when the next page replaces it: a page may wait in a read-ahead queue.
            conn.response = None
            seen += len(page)
            note_progress(read=len(page))
            yield page
            paged = (result.get("controls") or {}).get(PAGED_RESULTS_OID) or {}
            cookie = (paged.get("value") or {}).get("cookie")
            if not cookie:
                return

    def read(self, dn: str, attributes: Iterable[str], what: str | None = None,
             sd_flags: int | None = None) -> Entry | None:
        """One object, or None when it does not exist. sd_flags: the parts of
        nTSecurityDescriptor to read (default 0x4, the DACL; 0x5 adds the owner)."""
        if dn:
            dn = check_dn(dn)
        ctrl = self._controls(sd_flags, None, attributes)

        def call(conn: ldap3.Connection) -> Any:
            return conn.search(dn, "(objectClass=*)", search_scope="BASE",
                               attributes=list(attributes) or ["1.1"], controls=ctrl)
        self._run("read", what or dn, call, accept=(0, 32), transient=TRANSIENT_READ_RESULTS)
        for item in self._bound().response or []:
            if item.get("type") == "searchResEntry":
                return Entry.from_response(item)
        return None

    def modify(self, dn: str, changes: Mapping[str, Any], permissive: bool = False,
               settle: Callable[[LdapClient], bool] | None = None) -> dict:
        """One LDAP modify: the object changes completely or not at all. A permissive add or
        delete of values is safe to repeat; any other modify whose answer is lost is read back
        first (settle, default: were the changes applied?) and only resent when it was not."""
        dn = check_dn(dn)
        extra = [(PERMISSIVE_MODIFY_OID, False, None)] if permissive else None
        ctrl = self._controls(None, extra, changes)
        safe = permissive and all(edit[0] in (MODIFY_ADD, MODIFY_DELETE)
                                  for edits in changes.values() for edit in edits)
        if settle is None and not safe:
            def settle(client: LdapClient) -> bool:
                return modify_applied(client, dn, changes)
        try:
            return self._run("modify", dn, lambda conn: conn.modify(dn, changes, controls=ctrl),
                             settle=settle)
        except LdapError as exc:
            if exc.code != ADMIN_LIMIT_EXCEEDED:
                raise
            raise LdapError("%s; AD keeps about %d values in one non-linked multi-valued "
                            "attribute (%s): remove stale values first, nothing was changed"
                            % (exc, MULTI_VALUE_CAP, ", ".join(sorted(changes))),
                            code=exc.code, name=exc.name, dn=dn)

    def add(self, dn: str, object_class: str | list[str],
            attributes: Mapping[str, Any] | None = None) -> dict:
        """Create an object; when the answer is lost, an object read back as sent is success
        (not entryAlreadyExists), one read back otherwise is entryAlreadyExists (68)."""
        dn = check_dn(dn)
        return self._run("add", dn, lambda conn: conn.add(dn, object_class, attributes),
                         settle=lambda client: add_applied(client, dn, object_class, attributes))

    def delete(self, dn: str, tree: bool = False) -> dict:
        """Delete an object (with tree, everything below it); when the answer is lost, an
        object that is gone is success, one still there is deleted again."""
        dn = check_dn(dn)
        ctrl = [(TREE_DELETE_OID, True, None)] if tree else None
        return self._run("delete", dn, lambda conn: conn.delete(dn, controls=ctrl),
                         settle=lambda client: client.read(dn, ["1.1"]) is None)


def _may_have_applied(unsafe: Any) -> str:
    """What the error of a write that is not safe to repeat adds when its answer stayed lost."""
    return "; it may have been applied: run again (each run reads the object before it " \
           "writes)" if unsafe else ""


def _value_key(value: Any) -> Any:
    """A value as sent or stored, compared as the DC compares most syntaxes: text by case."""
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
    try:
        return raw.decode("utf-8").casefold()
    except UnicodeDecodeError:
        return raw


def _values(values: Any) -> set[Any]:
    items = values if isinstance(values, (list, tuple, set)) else [values]
    return set(_value_key(v) for v in items)


def modify_applied(client: LdapClient, dn: str, changes: Mapping[str, Any]) -> bool:
    """True when the object read back shows every change of a modify (a modify is atomic:
    all of it or none). A missing object: False, so the resend gets the DC's own answer."""
    entry = client.read(dn, list(changes))
    if entry is None:
        return False
    for name, operations in changes.items():
        stored = _values(entry.raws(name))
        for operation, values in operations:
            sent = _values(values)
            if operation == MODIFY_REPLACE and stored != sent:
                return False
            if operation == MODIFY_ADD and not sent <= stored:
                return False
            if operation == MODIFY_DELETE and (stored & sent if sent else stored):
                return False
    return True


def add_applied(client: LdapClient, dn: str, object_class: str | list[str],
                attributes: Mapping[str, Any] | None) -> bool:
    """False when the object is not there (send the add again), True when it is there as sent;
    entryAlreadyExists (68) naming what differs when another writer created it."""
    attributes = dict(attributes or {})
    entry = client.read(dn, ["objectClass"] + list(attributes))
    if entry is None:
        return False
    differs = [name for name, value in sorted(attributes.items())
               if _values(entry.raws(name)) != _values(value)]
    if not _values(object_class) <= _values(entry.raws("objectClass")):
        differs.insert(0, "objectClass")
    if differs:
        raise LostAnswerConflict(
            "add %s failed: entryAlreadyExists (68): the answer to the add was lost, and the "
            "object read back from %s differs from the one sent in %s (another writer created "
            "it); nothing was resent" % (dn, client.uri, ", ".join(differs)), entry=entry,
            code=68, name="entryAlreadyExists", dn=dn)
    return True


class _Unreachable(Exception):
    """This server did not answer; try the next one."""


class _Deadline:
    """One connect_timeout for every phase of opening a connection (TCP connect, TLS handshake,
    StartTLS, bind): each phase's socket waits only for what is left, and a phase that runs out
    is named: 'TLS handshake with ldaps://dc1:636 did not finish within 5 s'."""

    def __init__(self, uri: str, seconds: float) -> None:
        self.uri = uri
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.phase = "TCP connect to"

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.01)

    def enter(self, phase: str, conn: ldap3.Connection | None = None) -> None:
        self.phase = phase
        if conn is not None and conn.socket is not None:
            conn.socket.settimeout(self.left())

    def bounded_tls(self, tls: ldap3.Tls) -> ldap3.Tls:
        """tls whose handshakes (LDAPS or after StartTLS) wait only for what is left."""
        wrap_socket = tls.wrap_socket

        def bounded_wrap_socket(connection: Any, do_handshake: bool = False) -> None:
            previous, self.phase = self.phase, "TLS handshake with"
            connection.socket.settimeout(self.left())
            wrap_socket(connection, do_handshake=do_handshake)
            self.phase = previous
        tls.wrap_socket = bounded_wrap_socket  # type: ignore[method-assign]  # this one only
        return tls

    def give_up(self, conn: ldap3.Connection, exc: BaseException) -> None:
        """A phase that timed out: close the socket and say which phase and where."""
        if not (isinstance(exc, socket.timeout) or "timed out" in str(exc)):
            return
        try:
            conn.unbind()
        except Exception:  # the socket may be half-open; nothing more to say on it
            pass
        raise _Unreachable("%s %s did not finish within %d s"
                           % (self.phase, self.uri, self.seconds))
