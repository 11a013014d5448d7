"""Small real servers for the probe and IPVS tests, each on a loopback port of its own,
each on daemon threads, each closed (listener and every accepted connection) by stop():
- TcpBackend: says its name on connect ("A\\n"), then echoes lines (a held connection can
  be shown to keep working)
- HungBackend: accepts and never answers
- HttpBackend: GET /health -> status and body set by the test, any other path -> its name
- SmtpBackend: a 220 banner (or another code), answers EHLO with 250, QUIT with 221
- UdpBackend: answers every datagram with its name
- HttpBackendProcess: an HTTP/1.1 keep-alive server in a process of its own, answering its
  name, so a test can SIGKILL it (by its PID) and start it again on the same port
"""
import http.server
import os
import socket
import subprocess
import sys
import threading

from harness import free_port


class _Server:
    def __init__(self, name, port=None, kind=socket.SOCK_STREAM, host="127.0.0.1"):
        self.name = name
        self.host = host
        self.port = port or free_port()
        self.conns = []
        self.lock = threading.Lock()
        self.accepted = 0
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, self.port))
        if kind == socket.SOCK_STREAM:
            self.sock.listen(128)
        self.running = True
        threading.Thread(target=self._loop, daemon=True).start()

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    def _loop(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        pass

    def stop(self):
        """Closes the listener and every connection: to clients it is a dead server."""
        self.running = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []


class TcpBackend(_Server):
    def _serve(self, conn):
        try:
            conn.sendall(f"{self.name}\n".encode())
            f = conn.makefile("rb")
            for line in f:
                conn.sendall(line)
            conn.close()  # the client closed: so do we
        except OSError:
            pass


class HungBackend(_Server):
    def _serve(self, conn):
        pass  # keeps the connection open, says nothing


class SmtpBackend(_Server):
    def __init__(self, name, banner_code=220, **kw):
        self.banner_code = banner_code
        super().__init__(name, **kw)

    def _serve(self, conn):
        try:
            conn.sendall(f"{self.banner_code} {self.name} ESMTP test\r\n".encode())
            f = conn.makefile("rb")
            for line in f:
                verb = line.split(b" ")[0].strip().upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(f"250-{self.name} hello\r\n250 8BITMIME\r\n".encode())
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not implemented\r\n")
        except OSError:
            pass


class UdpBackend(_Server):
    def __init__(self, name, **kw):
        super().__init__(name, kind=socket.SOCK_DGRAM, **kw)

    def _loop(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(65536)
                if peer is None:  # shut down
                    return
                with self.lock:
                    self.accepted += 1
                self.sock.sendto(self.name.encode(), peer)
            except OSError:
                return


class HttpBackend:
    def __init__(self, name, port=None, ssl_context=None):
        self.name = name
        self.port = port or free_port()
        self.health_status = 200
        self.health_body = b"ok\n"
        self.requests = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                backend.requests.append((self.path, dict(self.headers)))
                if self.path == "/health":
                    status, body = backend.health_status, backend.health_body
                else:
                    status, body = 200, f"{backend.name}\n".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def ask_name(port, source=None, host="127.0.0.1", timeout=5):
    """Connects to host:port (from `source` when given), returns the first line's text."""
    s = socket.socket()
    s.settimeout(timeout)
    try:
        if source:
            s.bind((source, 0))
        s.connect((host, port))
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
        return data.decode().strip()
    finally:
        s.close()


_HTTP_PROCESS = r"""
import http.server, sys
name, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = (name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
s.daemon_threads = True
print("ready", flush=True)
s.serve_forever()
"""


class HttpBackendProcess:
    def __init__(self, name, port=None):
        self.name = name
        self.port = port or free_port()
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([sys.executable, "-c", _HTTP_PROCESS, self.name, str(self.port)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self.proc.stdout.readline().strip() == b"ready", f"backend {self.name} did not start"

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def kill(self):
        """SIGKILL, as a crash: open connections are reset, the port refuses."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, 9)
            self.proc.wait()
            self.proc.stdout.close()

    stop = kill
