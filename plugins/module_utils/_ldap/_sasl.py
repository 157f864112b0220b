# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Binding the way Windows clients do, on top of ldap3: Kerberos (SASL GSSAPI, RFC 4752) and NTLM
(SASL GSS-SPNEGO, MS-NLMP) with a security layer on plain LDAP, or with the TLS channel binding
(RFC 5929 tls-server-end-point) over LDAPS and StartTLS.

ldap3 stays the LDAP client: this module runs the SASL bind exchange through the connection and,
when the bind negotiated confidentiality, replaces the connection's socket with SealedSocket,
which wraps every LDAP message ldap3 sends (4-byte big-endian length + wrapped token) and
unwraps what it receives. Over TLS no security layer is asked for (AD refuses sealing inside TLS)
and the channel binding token carries the server certificate's hash instead.

The security contexts come from python-gssapi (Kerberos, MIT krb5) and pyspnego (NTLM, pure
Python with its own MD4, so it works on OpenSSL 3); both are optional and asked for only by the
auth that needs them."""

from __future__ import annotations

import importlib.util
import struct
import sys
from typing import Any, Callable

from ansible_collections.adremedy.directory.plugins.module_utils._errors import BindRefused, SaslError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._kerberos import gssapi_module

# pyspnego (about 90 ms to import, with cryptography's x509) and gssapi (a C extension) are
# imported by the binds that use them, not by every module run: here only whether they are there.
SPNEGO_MISSING = importlib.util.find_spec("spnego") is None


def spnego_errors() -> tuple[type[Exception], ...]:
    """What pyspnego raises, once it is imported (nothing can raise it before)."""
    exceptions = sys.modules.get("spnego.exceptions")
    return (exceptions.SpnegoError,) if exceptions is not None else ()


def _spnego() -> Any:
    try:
        import spnego  # pylint: disable=import-outside-toplevel
        import spnego.channel_bindings  # pylint: disable=import-outside-toplevel
        import spnego.exceptions  # pylint: disable=import-outside-toplevel,unused-import
    except ImportError as exc:  # installed, and broken
        raise SaslError("the python 'pyspnego' package cannot be imported: %s" % exc)
    return spnego


SASL_BIND_IN_PROGRESS = 14
# RFC 4752 security layers
NO_SECURITY_LAYER = 1
INTEGRITY = 2
CONFIDENTIALITY = 4
# The largest wrapped buffer this client takes from the server (RFC 4752's three bytes).
MAX_RECEIVE = 0xFFFFFF
# A frame the server announces larger than this is not LDAP over SASL: the stream is broken.
MAX_FRAME = 64 * 1024 * 1024

PYSPNEGO_MISSING = ("auth %s needs the python 'pyspnego' package on the managed node (pip install "
                    "pyspnego; pure Python, it brings its own NTLM and MD4)")


def _is_dn(name: str | None) -> bool:
    return bool(name and "=" in name)


def kerberos_principal(name: str | None) -> str | None:
    """bind_dn as a Kerberos principal when it can be one (user or user@REALM), else None."""
    if not name or _is_dn(name) or "\\" in name:
        return None
    return name


def ntlm_possible(name: str | None, password: str | None) -> bool:
    """Whether an NTLM bind can be tried with these settings."""
    return not SPNEGO_MISSING and bool(name and password) and not _is_dn(name)


def check_ntlm(name: str | None) -> None:
    """auth ntlm: pyspnego installed, bind_dn a logon name (DOMAIN\\user or user@domain)."""
    if SPNEGO_MISSING:
        raise SaslError(PYSPNEGO_MISSING % "ntlm")
    if _is_dn(name):
        raise SaslError("auth ntlm takes bind_dn as the account's logon name (DOMAIN\\user or "
                        "user@domain), not the DN %r" % name)


def check_negotiate(name: str | None, password: str | None, gssapi_missing: bool) -> None:
    """auth negotiate: Kerberos (gssapi) or NTLM (pyspnego) must be possible."""
    if _is_dn(name):
        raise SaslError("auth negotiate takes bind_dn as the account's logon name (user@REALM "
                        "or DOMAIN\\user), not the DN %r" % name)
    if password and not name:
        raise SaslError("auth negotiate with a password needs bind_dn (user@REALM or "
                        "DOMAIN\\user)")
    if gssapi_missing and SPNEGO_MISSING:
        raise SaslError("auth negotiate needs the python 'gssapi' package (Kerberos) or "
                        "'pyspnego' (NTLM) on the managed node; neither is installed")
    if gssapi_missing and not password:
        raise SaslError("auth negotiate without a password can only use a Kerberos ticket, "
                        "and the python 'gssapi' package is not installed")
    if gssapi_missing is False and not password and name and not kerberos_principal(name):
        raise SaslError("auth negotiate without a password uses a Kerberos ticket, and bind_dn "
                        "%r is not a Kerberos principal (user@REALM)" % name)


def spnego_reason(exc: Exception) -> str:
    """pyspnego's error on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


def tls_server_end_point(certificate: bytes) -> bytes:
    """'tls-server-end-point:' + the hash of the server's DER certificate: by the hash of the
    certificate's signature, SHA-256 where that is MD5 or SHA-1 or unknown (RFC 5929 4.1)."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
    try:
        algorithm = x509.load_der_x509_certificate(certificate).signature_hash_algorithm
    except Exception:  # unsupported signature algorithm (e.g. Ed25519 has no separate hash)
        algorithm = None
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate)
    return b"tls-server-end-point:" + digest.finalize()


def channel_binding_data(sock: Any) -> bytes | None:
    """The application data of the channel binding for a TLS socket, None for a plain one."""
    getpeercert = getattr(sock, "getpeercert", None)
    if getpeercert is None:
        return None
    certificate = getpeercert(True)
    return tls_server_end_point(certificate) if certificate else None


class SealedSocket:
    """The connection's socket with a SASL security layer: sendall wraps (in pieces the server
    takes), recv returns unwrapped bytes, a frame at a time. Everything else is the socket's."""

    def __init__(self, sock: Any, wrap: Callable[[bytes], bytes],
                 unwrap: Callable[[bytes], bytes], max_plain: int | None = None) -> None:
        self._sock = sock
        self._wrap = wrap
        self._unwrap = unwrap
        self._max_plain = max_plain
        self._plain = b""
        self.frames_sent = 0
        self.frames_received = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def sendall(self, data: bytes) -> None:
        step = self._max_plain or len(data) or 1
        for start in range(0, max(len(data), 1), step):
            token = self._wrap(bytes(data[start:start + step]))
            self._sock.sendall(struct.pack(">I", len(token)) + token)
            self.frames_sent += 1

    def send(self, data: bytes) -> int:
        self.sendall(data)
        return len(data)

    def _read_exactly(self, size: int) -> bytes:
        chunks: list[bytes] = []
        left = size
        while left:
            chunk = self._sock.recv(min(left, 65536))
            if not chunk:
                if chunks or size == 4 and left < 4:
                    raise OSError("the server closed the connection inside a SASL frame")
                return b""
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def recv(self, size: int) -> bytes:
        while not self._plain:
            header = self._read_exactly(4)
            if not header:
                return b""  # closed between frames: what a plain socket says
            length = struct.unpack(">I", header)[0]
            if length > MAX_FRAME:
                raise OSError("the server sent a SASL frame of %d bytes; the stream is broken"
                              % length)
            token = self._read_exactly(length)
            if len(token) != length:
                raise OSError("the server closed the connection inside a SASL frame")
            self._plain = self._unwrap(token)
            self.frames_received += 1
        data, self._plain = self._plain[:size], self._plain[size:]
        return data


def send_bind(conn: Any, mechanism: str, token: bytes | None
              ) -> tuple[int | None, bytes, dict[str, Any]]:
    """One SASL bindRequest through ldap3's connection: (result code, server credentials,
    result). ldap3 builds, sends and decodes the LDAP messages; the payload is ours."""
    from ldap3 import SASL  # pylint: disable=import-outside-toplevel
    from ldap3.operation.bind import bind_operation  # pylint: disable=import-outside-toplevel
    # no name in a SASL bind: ldap3 takes None (its stubs say str)
    request = bind_operation(conn.version, SASL, None, None, mechanism,  # type: ignore[arg-type]
                             token or b"")
    conn.sasl_in_progress = True
    try:
        conn.post_send_single_response(conn.send("bindRequest", request, None))
    finally:
        conn.sasl_in_progress = False
    result = conn.result or {}
    return result.get("result"), result.get("saslCreds") or b"", result


class Bound:
    """What a SASL bind gave: the mechanism, the protocol, the protection, the context."""

    def __init__(self, mechanism: str, protocol: str, sealed: bool, channel_bound: bool,
                 context: Any = None) -> None:
        self.mechanism = mechanism
        self.protocol = protocol
        self.sealed = sealed
        self.channel_bound = channel_bound
        self.context = context
        # negotiate: why Kerberos was not used (None when it was, or was not tried)
        self.fallback: str | None = None

    @property
    def protection(self) -> str:
        if self.sealed:
            return "sealed"  # signed and encrypted by the SASL security layer
        return "tls+channel-binding" if self.channel_bound else "tls"


def _finish(conn: Any, code: int | None, result: dict[str, Any]) -> None:
    if code != 0:
        raise BindRefused(result)
    conn.bound = True


def kerberos_context(host: str, creds: Any, seal: bool, bindings: bytes | None) -> Any:
    """A Kerberos initiator context for ldap/host with creds (None: the default ticket cache):
    integrity and confidentiality asked for when the connection is to be sealed, the channel
    binding data (bindings) in the authenticator over TLS."""
    gssapi = gssapi_module()
    flags = [gssapi.RequirementFlag.mutual_authentication,
             gssapi.RequirementFlag.out_of_sequence_detection]
    if seal:
        flags += [gssapi.RequirementFlag.integrity, gssapi.RequirementFlag.confidentiality]
    channel = gssapi.raw.ChannelBindings(application_data=bindings) if bindings else None
    return gssapi.SecurityContext(
        name=gssapi.Name("ldap@%s" % host, gssapi.NameType.hostbased_service),
        mech=gssapi.MechType.kerberos, creds=creds, usage="initiate",
        flags=gssapi.IntEnumFlagSet(gssapi.RequirementFlag, flags),
        channel_bindings=channel)


def bind_kerberos(conn: Any, context: Any, token: bytes | None, seal: bool,
                  bindings: bytes | None) -> Bound:
    """SASL GSSAPI bind (RFC 4752) with context, whose first token (the AP-REQ) is token. With
    seal the confidentiality layer is agreed and the socket replaced; else (TLS) no layer."""
    while True:
        code, answer, result = send_bind(conn, "GSSAPI", token)
        if code != SASL_BIND_IN_PROGRESS:
            _finish(conn, code, result)
            raise SaslError("the server ended the GSSAPI exchange before the security layer "
                            "was agreed")
        if context.complete:
            break
        token = context.step(answer)
        if context.complete and token is None:
            token = b""
    # The server offers its layers and its largest buffer, wrapped (RFC 4752 3.1).
    offer = context.unwrap(answer).message
    if len(offer) != 4:
        raise SaslError("the server's GSSAPI security layer offer is malformed")
    layers, server_max = offer[0], int.from_bytes(offer[1:4], "big")
    wanted = CONFIDENTIALITY if seal else NO_SECURITY_LAYER
    if not layers & wanted:
        raise SaslError("the server does not offer the %s security layer (offers 0x%02x)"
                        % ("confidentiality" if seal else "no", layers))
    size = MAX_RECEIVE if seal else 0
    reply = bytes([wanted]) + size.to_bytes(3, "big")
    code, _answer, result = send_bind(conn, "GSSAPI", context.wrap(reply, False).message)
    _finish(conn, code, result)
    if seal:
        if not context.actual_flags & gssapi_module().RequirementFlag.confidentiality:
            raise SaslError("the Kerberos context has no confidentiality")
        max_plain = context.get_wrap_size_limit(server_max, True) if server_max else None

        def wrap(data: bytes) -> bytes:
            wrapped = context.wrap(data, True)
            if not wrapped.encrypted:
                raise OSError("the Kerberos context did not encrypt a message")
            return wrapped.message

        def unwrap(token: bytes) -> bytes:
            unwrapped = context.unwrap(token)
            if not unwrapped.encrypted:
                raise OSError("the server sent a message that was not encrypted")
            return unwrapped.message
        conn.socket = SealedSocket(conn.socket, wrap, unwrap, max_plain)
    return Bound("GSSAPI", "kerberos", seal, bool(bindings), context)


def ntlm_context(username: str | None, password: str | None, host: str, seal: bool,
                 bindings: bytes | None) -> Any:
    """pyspnego's NTLM client context: sign and seal asked for on plain LDAP, neither over TLS
    (where the channel binding goes into the NTLMv2 response's MsvAvChannelBindings)."""
    spnego = _spnego()
    request = spnego.ContextReq.mutual_auth
    if seal:
        request |= (spnego.ContextReq.integrity | spnego.ContextReq.confidentiality
                    | spnego.ContextReq.sequence_detect | spnego.ContextReq.replay_detect)
    else:
        request |= spnego.ContextReq.no_integrity
    channel = (spnego.channel_bindings.GssChannelBindings(application_data=bindings)
               if bindings else None)
    context = spnego.client(username, password, hostname=host, service="ldap",
                            channel_bindings=channel, context_req=request, protocol="ntlm",
                            options=spnego.NegotiateOptions.use_ntlm)
    if not seal:
        _no_key_exchange(context)
    return context


def _no_key_exchange(context: Any) -> None:
    """Over TLS (no signing, no sealing) do not offer NTLM key exchange: pyspnego then sends a
    one-byte placeholder session key, which MS-NLMP allows and Samba refuses ("Client-supplied
    KEY_EXCH session key was of invalid length (1)", bind refused with data 57). Without it the
    session key is the key exchange key, as Windows clients have it over TLS. pyspnego keeps the
    flags it will offer in its NTLM context's _context_req (0.9 to 0.12)."""
    from spnego._ntlm_raw.messages import NegotiateFlags  # pylint: disable=import-outside-toplevel
    flags = getattr(context, "_context_req", None)
    if isinstance(flags, int):
        context._context_req = flags & ~NegotiateFlags.key_exch  # pylint: disable=protected-access


def bind_ntlm(conn: Any, context: Any, seal: bool, bindings: bytes | None) -> Bound:
    """SASL GSS-SPNEGO bind with an NTLM context (MS-NLMP messages, as Windows' LDAP client
    sends them when it does not wrap them in SPNEGO); with seal the socket is then sealed."""
    token = context.step()
    while True:
        code, answer, result = send_bind(conn, "GSS-SPNEGO", token)
        if code == SASL_BIND_IN_PROGRESS and not context.complete:
            token = context.step(answer)
            continue
        _finish(conn, code, result)
        break
    if not context.complete:
        raise SaslError("the server accepted the NTLM bind before the exchange was complete")
    if seal:
        if not context.context_attr & _spnego().ContextReq.confidentiality:
            raise SaslError("the server did not agree to NTLM sealing")

        def wrap(data: bytes) -> bytes:
            return context.wrap(data, encrypt=True).data

        def unwrap(token: bytes) -> bytes:
            return context.unwrap(token).data
        conn.socket = SealedSocket(conn.socket, wrap, unwrap)
    return Bound("GSS-SPNEGO", "ntlm", seal, bool(bindings), context)
