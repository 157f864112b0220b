"""Real network faults for the integration tests: a DC that accepts TCP and then says nothing,
one that finishes the TLS handshake and then says nothing, and a proxy in front of the lab that
stops forwarding mid-conversation (a DC that wedges mid-search). All listen on 127.0.0.1 inside
the test's network namespace, on ports the kernel picks."""

import socket
import ssl
import threading


class _Listener(object):
    """Accepts connections on 127.0.0.1:<free port> in a daemon thread; handle(conn) per client."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.clients = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                conn = self.sock.accept()[0]
            except OSError:
                return
            self.accepted += 1
            self.clients.append(conn)
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        """Say nothing: keep the connection open and never answer."""

    def close(self):
        self._stop = True
        for conn in [self.sock] + self.clients:
            try:
                conn.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SilentServer(_Listener):
    """A firewall black hole or a wedged DC: TCP connects, then nothing (no TLS, no LDAP)."""


class SilentAfterTls(_Listener):
    """A DC whose TLS stack answers but whose LDAP service does not: the handshake completes,
    the bind request gets no answer."""

    def __init__(self, certfile, keyfile):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(certfile, keyfile)
        super(SilentAfterTls, self).__init__()

    def handle(self, conn):
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
            self.clients.append(tls)
            while tls.recv(65536):
                pass
        except (OSError, ssl.SSLError):
            pass


class FreezingProxy(_Listener):
    """Forwards to the lab's DC until `freeze_after` bytes came back from it in total, then
    forwards nothing more in either direction while keeping every connection open."""

    def __init__(self, port, freeze_after=None):
        self.target = ("127.0.0.1", port)
        self.freeze_after = freeze_after
        self.from_server = 0
        self.frozen = threading.Event()
        self.lock = threading.Lock()
        super(FreezingProxy, self).__init__()

    def handle(self, conn):
        server = socket.create_connection(self.target)
        self.clients.append(server)
        threading.Thread(target=self._pump, args=(conn, server, False), daemon=True).start()
        self._pump(server, conn, True)

    def _pump(self, src, dst, counted):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.frozen.is_set():
                    _hold()
                if counted:
                    with self.lock:
                        if self.freeze_after is not None and \
                                self.from_server + len(data) > self.freeze_after:
                            data = data[:max(self.freeze_after - self.from_server, 0)]
                            self.frozen.set()
                        self.from_server += len(data)
                if data:
                    dst.sendall(data)
                if self.frozen.is_set():
                    _hold()
        except OSError:
            pass
        if not self.frozen.is_set():
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _hold():
    """Keep this connection open and say nothing, for as long as the test runs."""
    threading.Event().wait()


# LDAP protocolOp tags ([APPLICATION n]) of the writes, and of their responses.
WRITE_REQUESTS = {0x66: "modify", 0x68: "add", 0x4a: "delete"}
WRITE_RESPONSES = {"modify": 0x67, "add": 0x69, "delete": 0x6b}


def _read_message(sock, buffer):
    """One whole BER-encoded LDAPMessage from sock (bytes left over stay in buffer), or None at
    the end of the stream."""
    while True:
        if len(buffer) >= 2:
            first = buffer[1]
            if first < 0x80:
                header, length = 2, first
            else:
                count = first & 0x7f
                header = 2 + count
                length = int.from_bytes(bytes(buffer[2:header]), "big") if \
                    len(buffer) >= header else None
            if length is not None and len(buffer) >= header + length:
                message = bytes(buffer[:header + length])
                del buffer[:header + length]
                return message
        data = sock.recv(65536)
        if not data:
            return None
        buffer.extend(data)


def _operation(message):
    """(messageID, protocolOp tag) of an LDAPMessage: SEQUENCE { INTEGER id, [APPLICATION n] }."""
    first = message[1]
    pos = 2 if first < 0x80 else 2 + (first & 0x7f)
    assert message[pos] == 0x02, "messageID must be an INTEGER"
    size = message[pos + 1]
    message_id = int.from_bytes(message[pos + 2:pos + 2 + size], "big")
    return message_id, message[pos + 2 + size]


class AnswerLosingProxy(_Listener):
    """LDAPS in front of the lab's DC (TLS with the lab's certificate to the client, LDAPS to
    the DC) that loses answers: for the next lose[kind] write requests of a kind ('modify',
    'add', 'delete'), it forwards the request, waits for the DC's answer (so the write has
    landed), drops that answer and closes the client's connection: a write applied on the DC
    whose answer the client never gets; on_lost(kind) runs just before the connection closes
    (another writer at that moment). Everything else is forwarded as it is. lost lists
    (kind, message id) of the answers it dropped, forwarded counts the write requests that
    reached the DC by kind, served the connections forwarded; refuse = True closes every new
    connection at once (a DC that is down)."""

    def __init__(self, certfile, keyfile, ca_cert, port=636, lose=None):
        self.server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_context.load_cert_chain(certfile, keyfile)
        self.client_context = ssl.create_default_context(cafile=ca_cert)
        self.target = ("127.0.0.1", port)
        self.lose = dict(lose or {})
        self.lost = []
        self.on_lost = None
        self.forwarded = dict.fromkeys(WRITE_RESPONSES, 0)
        self.served = 0
        self.refuse = False
        self.lock = threading.Lock()
        super(AnswerLosingProxy, self).__init__()

    def _take(self, kind):
        with self.lock:
            if self.lose.get(kind):
                self.lose[kind] -= 1
                return True
            return False

    def handle(self, conn):
        if self.refuse:
            conn.close()
            return
        self.served += 1
        try:
            client = self.server_context.wrap_socket(conn, server_side=True)
            server = self.client_context.wrap_socket(socket.create_connection(self.target),
                                                     server_hostname="127.0.0.1")
        except (OSError, ssl.SSLError):
            conn.close()
            return
        self.clients += [client, server]
        # one request at a time (ldap3's sync strategy): each request, then its answers
        from_client, from_server = bytearray(), bytearray()
        try:
            while True:
                request = _read_message(client, from_client)
                if request is None:
                    break
                message_id, tag = _operation(request)
                kind = WRITE_REQUESTS.get(tag)
                server.sendall(request)
                if tag == 0x42:  # unbind: no answer
                    break
                if kind is not None:
                    self.forwarded[kind] += 1
                lose = kind is not None and self._take(kind)
                while True:  # a search has entries, then its done message
                    answer = _read_message(server, from_server)
                    if answer is None:
                        raise OSError("the DC closed the connection")
                    answer_id, answer_tag = _operation(answer)
                    # searchResEntry, searchResRef and intermediate responses come first
                    final = answer_tag not in (0x64, 0x73, 0x79)
                    if lose and answer_id == message_id and final:
                        assert answer_tag == WRITE_RESPONSES[kind]
                        self.lost.append((kind, message_id))
                        if self.on_lost is not None:
                            self.on_lost(kind)
                        raise OSError("answer dropped")
                    client.sendall(answer)
                    if answer_id == message_id and final:
                        break
        except (OSError, ssl.SSLError, AssertionError):
            pass
        for sock in (client, server):
            try:
                sock.close()
            except OSError:
                pass
