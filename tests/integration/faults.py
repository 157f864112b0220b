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
