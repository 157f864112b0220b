"""The SASL security layer and channel binding (_sasl), and the one-line bind refusals (_ldap):
NTLM against pyspnego's own acceptor (sealing both ways, the channel binding the acceptor checks,
no key exchange over TLS), the RFC 4752 layer negotiation of Kerberos with a stand-in context,
the framing of SealedSocket over a real socket pair, RFC 5929's hash choice on real
certificates, and AD's bind error strings. tests/integration/test_sealed_binds.py does the same
against the lab's DC."""

import datetime
import hashlib
import socket
import struct

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _transport as _ldap
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _sasl
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    LdapClient, bind_error)

spnego = pytest.importorskip("spnego")

PASSWORD = "Pa55w.rd-never-shown"
# A certificate signed with ecdsa-with-SHA1 (made with openssl req -sha1; cryptography no longer
# signs with SHA-1): its channel binding hash is SHA-256, not SHA-1.
SHA1_SIGNED = """-----BEGIN CERTIFICATE-----
MIIBhzCCAS6gAwIBAgIUEJ2P1e254c3ca23LAYMvRlIvUvkwCQYHKoZIzj0EATAa
MRgwFgYDVQQDDA9kYzEuZXhhbXBsZS5jb20wHhcNMjYxMjA2MTk1NjEzWhcNMjYx
MjA3MTk1NjEzWjAaMRgwFgYDVQQDDA9kYzEuZXhhbXBsZS5jb20wWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAARSWj7XEeO2gGr06mjl0dahAEw32eXwyJihtziM2XBh
Tc3AvbUe3OleRHaIUBsNKRVahu1xtOTdjeTijLyfZnT1o1MwUTAdBgNVHQ4EFgQU
7gudwNOfiLHtB23NGzvqkz6AKpEwHwYDVR0jBBgwFoAU7gudwNOfiLHtB23NGzvq
kz6AKpEwDwYDVR0TAQH/BAUwAwEB/zAJBgcqhkjOPQQBA0gAMEUCIAj7JrgalKvh
KE9N7F/Ezn8wG9ZBbp49V2dqtB4d7DXIAiEAzHSycVeALI8QDCjZYLx4wlXXKoQ6
zJBBIdHEmDuchSk=
-----END CERTIFICATE-----
"""


# -- RFC 5929 tls-server-end-point -----------------------------------------------------------

def certificate(hash_algorithm):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    if hash_algorithm == "sha1":
        return x509.load_pem_x509_certificate(SHA1_SIGNED.encode()).public_bytes(
            serialization.Encoding.DER)
    if hash_algorithm is None:
        from cryptography.hazmat.primitives.asymmetric import ed25519
        key = ed25519.Ed25519PrivateKey.generate()
        algorithm = None
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        algorithm = getattr(hashes, hash_algorithm.upper())()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"dc1.example.com")])
    now = datetime.datetime(2026, 1, 1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, algorithm))
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize("signed_with, hashed_with", [
    ("sha256", "sha256"), ("sha384", "sha384"), ("sha512", "sha512"),
    ("sha1", "sha256"),  # MD5 and SHA-1 are replaced by SHA-256 (RFC 5929 4.1)
    (None, "sha256"),  # Ed25519: no separate hash, SHA-256
])
def test_channel_binding_hashes_the_certificate_as_rfc_5929_says(signed_with, hashed_with):
    der = certificate(signed_with)
    assert _sasl.tls_server_end_point(der) == \
        b"tls-server-end-point:" + hashlib.new(hashed_with, der).digest()


def test_channel_binding_only_on_tls_sockets():
    class Tls(object):
        def getpeercert(self, binary):
            assert binary is True
            return b"DER"
    plain, other = socket.socketpair()
    try:
        assert _sasl.channel_binding_data(plain) is None
    finally:
        plain.close()
        other.close()
    assert _sasl.channel_binding_data(Tls()) == \
        b"tls-server-end-point:" + hashlib.sha256(b"DER").digest()


# -- SealedSocket: the framing -----------------------------------------------------------------

def toy_wrap(data):
    return b"W" + bytes(b ^ 0x5A for b in data)


def toy_unwrap(token):
    assert token[:1] == b"W"
    return bytes(b ^ 0x5A for b in token[1:])


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    ours.settimeout(5)
    theirs.settimeout(5)
    yield ours, theirs
    ours.close()
    theirs.close()


def frames(raw):
    """The frames of a SASL stream: [unwrapped payload, ...]."""
    out = []
    while raw:
        length = struct.unpack(">I", raw[:4])[0]
        out.append(toy_unwrap(raw[4:4 + length]))
        raw = raw[4 + length:]
    return out


def test_sent_messages_are_wrapped_and_framed_nothing_in_clear(pair):
    ours, theirs = pair
    sealed = _sasl.SealedSocket(ours, toy_wrap, toy_unwrap, max_plain=10)
    message = b"0\x0c\x02\x01\x02sAMAccountName=jdoe"
    sealed.sendall(message)
    raw = theirs.recv(65536)
    assert b"jdoe" not in raw
    assert frames(raw) == [message[:10], message[10:20], message[20:]]
    assert sealed.frames_sent == 3


def test_received_frames_are_unwrapped_across_partial_reads(pair):
    ours, theirs = pair
    sealed = _sasl.SealedSocket(ours, toy_wrap, toy_unwrap)
    first, second = b"first LDAP message", b"second"
    stream = b"".join(struct.pack(">I", len(toy_wrap(m))) + toy_wrap(m) for m in (first, second))
    theirs.sendall(stream[:3])  # not even a whole length
    theirs.sendall(stream[3:9])
    theirs.sendall(stream[9:])
    got = b""
    while len(got) < len(first + second):
        got += sealed.recv(7)  # ldap3 asks for its socket_size; any size works
    assert got == first + second
    assert sealed.frames_received == 2


def test_a_close_between_frames_is_end_of_stream_inside_one_is_an_error(pair):
    ours, theirs = pair
    sealed = _sasl.SealedSocket(ours, toy_wrap, toy_unwrap)
    theirs.sendall(struct.pack(">I", 100) + b"W" * 10)
    theirs.shutdown(socket.SHUT_WR)
    with pytest.raises(OSError, match="inside a SASL frame"):
        sealed.recv(4096)
    ours2, theirs2 = socket.socketpair()
    try:
        theirs2.shutdown(socket.SHUT_WR)
        assert _sasl.SealedSocket(ours2, toy_wrap, toy_unwrap).recv(4096) == b""
    finally:
        ours2.close()
        theirs2.close()


def test_a_frame_too_large_to_be_ldap_is_refused(pair):
    ours, theirs = pair
    theirs.sendall(struct.pack(">I", _sasl.MAX_FRAME + 1))
    with pytest.raises(OSError, match="stream is broken"):
        _sasl.SealedSocket(ours, toy_wrap, toy_unwrap).recv(4096)


def test_everything_else_is_the_sockets(pair):
    ours, _theirs = pair
    sealed = _sasl.SealedSocket(ours, toy_wrap, toy_unwrap)
    sealed.settimeout(3)
    assert ours.gettimeout() == 3 and sealed.fileno() == ours.fileno()


# -- NTLM against pyspnego's acceptor --------------------------------------------------------

class Acceptor(object):
    """A DC's GSS-SPNEGO bind, by pyspnego's NTLM acceptor; send_bind's stand-in."""

    def __init__(self, monkeypatch, tmp_path, bindings=None):
        users = tmp_path / "ntlm-users"
        users.write_text("EXAMPLE:svc:%s\n" % PASSWORD)
        monkeypatch.setenv("NTLM_USER_FILE", str(users))
        channel = spnego.channel_bindings.GssChannelBindings(application_data=bindings) \
            if bindings else None
        self.context = spnego.server(protocol="ntlm", channel_bindings=channel,
                                     options=spnego.NegotiateOptions.use_ntlm)
        self.tokens = []
        self.error = None
        monkeypatch.setattr(_sasl, "send_bind", self.send_bind)

    def send_bind(self, conn, mechanism, token):
        assert mechanism == "GSS-SPNEGO"
        self.tokens.append(token)
        try:
            answer = self.context.step(token)
        except spnego.exceptions.SpnegoError as exc:
            self.error = exc
            return 49, b"", dict(result=49, description="invalidCredentials",
                                 message="8009030C: LdapErr: DSID-0C0904DC, comment: "
                                         "AcceptSecurityContext error, data 52e, v1db1")
        if self.context.complete:
            return 0, answer or b"", dict(result=0, description="success")
        return 14, answer, dict(result=14, description="saslBindInProgress")


class Conn(object):
    def __init__(self, sock=None):
        self.socket = sock
        self.bound = False


def test_ntlm_on_plain_ldap_is_sealed_both_ways(monkeypatch, tmp_path, pair):
    ours, theirs = pair
    dc = Acceptor(monkeypatch, tmp_path)
    conn = Conn(ours)
    context = _sasl.ntlm_context("EXAMPLE\\svc", PASSWORD, "dc1.example.com", True, None)
    bound = _sasl.bind_ntlm(conn, context, True, None)
    assert (bound.mechanism, bound.protocol, bound.protection) == ("GSS-SPNEGO", "ntlm", "sealed")
    assert conn.bound and isinstance(conn.socket, _sasl.SealedSocket)
    assert dc.context.context_attr & spnego.ContextReq.confidentiality
    request = b"0\x25\x02\x01\x02c\x20(sAMAccountName=jdoe)"
    conn.socket.sendall(request)
    raw = theirs.recv(65536)
    assert b"jdoe" not in raw
    length = struct.unpack(">I", raw[:4])[0]
    assert len(raw) == 4 + length and dc.context.unwrap(raw[4:]).data == request
    answer = dc.context.wrap(b"0\x10\x02\x01\x02d\x0bCN=jdoe,DC=x", encrypt=True).data
    theirs.sendall(struct.pack(">I", len(answer)) + answer)
    assert conn.socket.recv(4096) == b"0\x10\x02\x01\x02d\x0bCN=jdoe,DC=x"
    assert all(PASSWORD.encode() not in token and PASSWORD.encode("utf-16-le") not in token
               for token in dc.tokens)


def test_ntlm_over_tls_carries_the_channel_binding_and_no_security_layer(monkeypatch, tmp_path):
    bindings = _sasl.tls_server_end_point(certificate("sha256"))
    dc = Acceptor(monkeypatch, tmp_path, bindings)  # the acceptor checks MsvAvChannelBindings
    conn = Conn("the TLS socket")
    context = _sasl.ntlm_context("EXAMPLE\\svc", PASSWORD, "dc1.example.com", False, bindings)
    bound = _sasl.bind_ntlm(conn, context, False, bindings)
    assert bound.protection == "tls+channel-binding" and conn.socket == "the TLS socket"
    assert not dc.context.context_attr & spnego.ContextReq.confidentiality
    from spnego._ntlm_raw.messages import Authenticate, NegotiateFlags
    authenticate = Authenticate.unpack(dc.tokens[-1])
    # no key exchange offered without signing: Samba refuses pyspnego's 1-byte placeholder key
    assert not authenticate.flags & NegotiateFlags.key_exch
    assert not authenticate.flags & (NegotiateFlags.sign | NegotiateFlags.seal)


def test_ntlm_with_the_wrong_certificate_hash_is_refused(monkeypatch, tmp_path):
    dc = Acceptor(monkeypatch, tmp_path, _sasl.tls_server_end_point(certificate("sha256")))
    other = _sasl.tls_server_end_point(certificate("sha256"))  # a proxy's certificate
    context = _sasl.ntlm_context("EXAMPLE\\svc", PASSWORD, "dc1.example.com", False, other)
    with pytest.raises(_sasl.BindRefused):
        _sasl.bind_ntlm(Conn(), context, False, other)
    assert "channel binding" in str(dc.error).lower()


def test_ntlm_wrong_password_is_refused_by_the_dc(monkeypatch, tmp_path):
    Acceptor(monkeypatch, tmp_path)
    context = _sasl.ntlm_context("EXAMPLE\\svc", "wrong", "dc1.example.com", True, None)
    with pytest.raises(_sasl.BindRefused) as refused:
        _sasl.bind_ntlm(Conn(), context, True, None)
    assert refused.value.result["result"] == 49


# -- Kerberos: the RFC 4752 security layer ---------------------------------------------------

class Wrapped(object):
    def __init__(self, message, encrypted):
        self.message = message
        self.encrypted = encrypted


class KerberosStandIn(object):
    """A GSSAPI context that has finished after its first token; wrap/unwrap are readable."""
    complete = True

    def __init__(self, offer, flags):
        self.offer = offer
        self.actual_flags = flags
        self.sent = []

    def unwrap(self, token):
        assert token == b"sealed offer"
        return Wrapped(self.offer, False)

    def wrap(self, data, encrypt):
        self.sent.append((data, encrypt))
        return Wrapped(b"E" + data if encrypt else b"S" + data, encrypt)

    def get_wrap_size_limit(self, size, encrypt):
        return size - 64


def kerberos_dc(monkeypatch, answers):
    calls = []

    def send_bind(conn, mechanism, token):
        assert mechanism == "GSSAPI"
        calls.append(token)
        code, creds = answers.pop(0)
        return code, creds, dict(result=code, description="x", message="")
    monkeypatch.setattr(_sasl, "send_bind", send_bind)
    return calls


def test_kerberos_on_plain_ldap_agrees_confidentiality_and_the_servers_size(monkeypatch, pair):
    gssapi = pytest.importorskip("gssapi")
    ours, theirs = pair
    calls = kerberos_dc(monkeypatch, [(14, b"sealed offer"), (0, b"")])
    flags = gssapi.RequirementFlag.confidentiality | gssapi.RequirementFlag.integrity
    context = KerberosStandIn(bytes([7]) + (1064).to_bytes(3, "big"), flags)
    conn = Conn(ours)
    bound = _sasl.bind_kerberos(conn, context, b"AP-REQ", True, None)
    assert bound.protection == "sealed" and conn.bound
    assert calls[0] == b"AP-REQ"
    # the client chooses confidentiality (4) and says how much it takes, wrapped unencrypted
    assert context.sent == [(bytes([4]) + (0xFFFFFF).to_bytes(3, "big"), False)]
    conn.socket.sendall(b"x" * 2500)  # in pieces of what the server takes once wrapped
    raw = b""
    while len(raw) < 2500 + 3 * 5:
        raw += theirs.recv(1 << 20)
    sizes = []
    while raw:
        sizes.append(struct.unpack(">I", raw[:4])[0])
        raw = raw[4 + sizes[-1]:]
    assert sizes == [1 + 1000, 1 + 1000, 1 + 500]  # get_wrap_size_limit(1064) = 1000


def test_kerberos_over_tls_asks_for_no_security_layer(monkeypatch):
    gssapi = pytest.importorskip("gssapi")
    kerberos_dc(monkeypatch, [(14, b"sealed offer"), (0, b"")])
    context = KerberosStandIn(bytes([7, 0, 0, 0]), gssapi.RequirementFlag.integrity)
    conn = Conn("the TLS socket")
    bound = _sasl.bind_kerberos(conn, context, b"AP-REQ", False, b"tls-server-end-point:x")
    assert bound.protection == "tls+channel-binding" and conn.socket == "the TLS socket"
    assert context.sent == [(bytes([1, 0, 0, 0]), False)]


def test_kerberos_refuses_a_server_that_offers_no_confidentiality(monkeypatch):
    gssapi = pytest.importorskip("gssapi")
    kerberos_dc(monkeypatch, [(14, b"sealed offer")])
    context = KerberosStandIn(bytes([1, 0, 0, 0]), gssapi.RequirementFlag.confidentiality)
    with pytest.raises(_sasl.SaslError, match="does not offer the confidentiality"):
        _sasl.bind_kerberos(Conn(), context, b"AP-REQ", True, None)


def test_kerberos_context_asks_for_sealing_only_without_tls(monkeypatch):
    gssapi = pytest.importorskip("gssapi")
    made = []
    monkeypatch.setattr(gssapi, "SecurityContext", lambda **kwargs: made.append(kwargs))
    _sasl.kerberos_context("dc1.example.com", None, True, None)
    _sasl.kerberos_context("dc1.example.com", None, False, b"tls-server-end-point:x")
    sealed, bound = made
    assert str(sealed["name"]) == "ldap@dc1.example.com" and sealed["channel_bindings"] is None
    assert sealed["flags"] & gssapi.RequirementFlag.confidentiality
    assert not bound["flags"] & gssapi.RequirementFlag.confidentiality
    assert not bound["flags"] & gssapi.RequirementFlag.integrity
    assert bound["channel_bindings"].application_data == b"tls-server-end-point:x"


# -- one line per refusal --------------------------------------------------------------------

AD = "80090308: LdapErr: DSID-0C090439, comment: AcceptSecurityContext error, data %s, v4563\x00"


@pytest.mark.parametrize("data, meaning", [
    ("525", "the account does not exist; check bind_dn"),
    ("52e", "wrong password (or an account the DC does not know); check bind_dn and password"),
    ("530", "the account may not log on at this time (its logon hours)"),
    ("531", "the account may not log on from this host (its 'Log On To' workstations)"),
    ("532", "the account's password has expired; set a new one"),
    ("533", "the account is disabled; enable it"),
    ("701", "the account has expired (accountExpires); extend it"),
    ("773", "the account must change its password before it logs on ('User must change "
            "password at next logon'); set a new one"),
    ("775", "the account is locked out; wait for the lockout to end or unlock it"),
])
def test_each_ad_data_code_is_one_line_saying_what_to_do(data, meaning):
    err = bind_error("simple", "CN=svc,DC=example,DC=com", "ldaps://dc1:636",
                     dict(result=49, description="invalidCredentials", message=AD % data), True)
    assert str(err) == "bind as CN=svc,DC=example,DC=com to ldaps://dc1:636 failed: " \
                       "invalidCredentials (49), data %s: %s" % (data, meaning)
    assert err.code == 49


def test_samba_writes_the_same_form_for_sasl():
    err = bind_error("ntlm", "LAB\\svc", "ldap://dc1:389", dict(
        result=49, description="invalidCredentials",
        message="8009030C: LdapErr: DSID-0C0904DC, comment: AcceptSecurityContext error, data "
                "52e, v1db1"), False)
    assert str(err).startswith("ntlm bind as LAB\\svc to ldap://dc1:389 failed: "
                               "invalidCredentials (49), data 52e: wrong password")


def test_channel_binding_refusal():
    message = "80090346: LdapErr: DSID-0C09058B, comment: AcceptSecurityContext error, " \
              "data 80090346, v4563"
    simple = bind_error("simple", "svc", "ldaps://dc1:636",
                        dict(result=49, description="invalidCredentials", message=message), True)
    assert str(simple).endswith("data 80090346: the DC requires LDAP channel binding; bind with "
                                "auth kerberos, ntlm or negotiate over ldaps:// or start_tls "
                                "(they send the tls-server-end-point token)")
    ours = bind_error("ntlm", "svc", "ldaps://dc1:636",
                      dict(result=49, description="invalidCredentials", message=message), True)
    assert "does not match its certificate" in str(ours) and "proxy" in str(ours)


def test_stronger_auth_required():
    samba = bind_error("kerberos", "svc@LAB", "ldaps://dc1:636", dict(
        result=8, description="strongerAuthRequired",
        message="SASL:[GSSAPI]: Sign or Seal are required."), True)
    assert str(samba) == (
        "kerberos bind as svc@LAB to ldaps://dc1:636 failed: strongerAuthRequired (8): the DC "
        "wants SASL binds signed or sealed even over TLS, and refuses signing inside TLS "
        "(Samba's 'ldap server require strong auth = yes'); bind over ldap:// without "
        "start_tls (sealed) or with auth simple over TLS (SASL:[GSSAPI]: Sign or Seal are "
        "required.)")
    ad = bind_error("simple", "svc", "ldap://dc1:389", dict(
        result=8, description="strongerAuthRequired",
        message="00002028: LdapErr: DSID-0C090259, comment: The server requires binds to turn "
                "on integrity checking if SSL\\TLS are not already active on the connection, "
                "data 0, v4563"), False)
    assert "the DC requires LDAP signing; use ldaps:// or start_tls, or auth kerberos, ntlm or " \
           "negotiate (signed and sealed)" in str(ad)


def test_unknown_codes_keep_the_dcs_words():
    err = bind_error("simple", "svc", "ldaps://dc1:636", dict(
        result=49, description="invalidCredentials", message=AD % "52f"), True)
    assert str(err).endswith("invalidCredentials (49): %s" % (AD % "52f").rstrip("\x00"))


class RefusingConnection(object):
    """ldap3.Connection's stand-in: every bind refused with AD's data code."""
    opened = []

    def __init__(self, server, **kwargs):
        self.server = server
        self.socket = None
        self.result = None

    def open(self):
        RefusingConnection.opened.append(self.server.host)

    def bind(self):
        self.result = dict(result=49, description="invalidCredentials",
                           message=AD % RefusingConnection.data)
        return False

    def unbind(self):
        pass


@pytest.mark.parametrize("data", ["775", "533", "52e"])
def test_a_refused_account_stops_at_the_first_dc(monkeypatch, data):
    RefusingConnection.opened = []
    RefusingConnection.data = data
    monkeypatch.setattr(_ldap.ldap3, "Connection", RefusingConnection)
    client = LdapClient(dict(server=["ldaps://dc1", "ldaps://dc2", "ldaps://dc3"],
                             bind_dn="CN=svc,DC=example,DC=com", password=PASSWORD))
    with pytest.raises(LdapError) as err:
        client.connect()
    assert RefusingConnection.opened == ["dc1"]  # no lockout spray over the list
    assert "\n" not in str(err.value) and PASSWORD not in str(err.value)
    assert str(err.value).startswith("bind as CN=svc,DC=example,DC=com to ldaps://dc1:636 "
                                     "failed: invalidCredentials (49), data %s: " % data)


# -- settings refused before connecting ------------------------------------------------------

@pytest.mark.parametrize("auth, bind_dn, password, needle", [
    ("ntlm", "CN=svc,DC=example,DC=com", PASSWORD,
     "auth ntlm takes bind_dn as the account's logon name (DOMAIN\\user or user@domain), not "
     "the DN 'CN=svc,DC=example,DC=com'"),
    ("ntlm", "EXAMPLE\\svc", None, "auth ntlm needs bind_dn and password"),
    ("negotiate", "CN=svc,DC=example,DC=com", PASSWORD, "auth negotiate takes bind_dn as the "
                                                        "account's logon name"),
    ("negotiate", None, PASSWORD, "auth negotiate with a password needs bind_dn"),
    ("negotiate", "EXAMPLE\\svc", None, "bind_dn 'EXAMPLE\\\\svc' is not a Kerberos principal"),
])
def test_settings_that_cannot_work_fail_before_connecting(monkeypatch, auth, bind_dn, password,
                                                          needle):
    monkeypatch.setattr(_ldap.kerberos, "GSSAPI_MISSING", False)
    monkeypatch.setattr(_sasl, "SPNEGO_MISSING", False)
    with pytest.raises(LdapError) as err:
        LdapClient(dict(server=["ldap://dc1"], auth=auth, bind_dn=bind_dn, password=password))
    assert needle in str(err.value)


def test_missing_libraries_are_named(monkeypatch):
    monkeypatch.setattr(_sasl, "SPNEGO_MISSING", True)
    with pytest.raises(LdapError, match="auth ntlm needs the python 'pyspnego' package"):
        LdapClient(dict(server=["ldap://dc1"], auth="ntlm", bind_dn="EX\\svc", password="x"))
    monkeypatch.setattr(_ldap.kerberos, "GSSAPI_MISSING", True)
    with pytest.raises(LdapError, match="needs the python 'gssapi' package .* or 'pyspnego'"):
        LdapClient(dict(server=["ldap://dc1"], auth="negotiate", bind_dn="svc@EX", password="x"))
    monkeypatch.setattr(_sasl, "SPNEGO_MISSING", False)
    LdapClient(dict(server=["ldap://dc1"], auth="negotiate", bind_dn="svc@EX", password="x"))
