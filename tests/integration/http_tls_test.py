"""TLS termination, the http -> https redirect and Upgrade tunnels, as a node runs them:
two certificates chosen by SNI (openssl s_client shows which one the server sent, Python's
ssl verifies it), TLS 1.2 and 1.3 accepted and 1.1 refused, X-Forwarded-Proto: https, a plain
listener answering 301/308 with the https Location, and an Upgrade request tunnelled both ways
after the backend's 101 (a refused upgrade leaves the connection usable)."""
import http.client
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

from backends import HttpBackend
from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])


def make_certificate(folder, stem, names):
    """A self-signed P-256 certificate for `names` (the first is also the CN)."""
    cert, key = os.path.join(folder, stem + ".pem"), os.path.join(folder, stem + ".key")
    san = ",".join("DNS:" + n for n in names)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + names[0],
                    "-addext", "subjectAltName=" + san], check=True, capture_output=True)
    return cert, key


class UpgradeBackend:
    """Answers an Upgrade request with 101 and echoes every byte after it, upper-cased; a
    request without Upgrade gets a plain 200 (so a refused upgrade can be seen)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.heads = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        data = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                head, data = data.split(b"\r\n\r\n", 1)
                self.heads.append(head.decode())
                if b"\nupgrade: echo" in head.lower():
                    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                                 b"Upgrade: echo\r\n\r\n")
                    if data:
                        conn.sendall(data.upper())
                    while True:
                        chunk = conn.recv(4096)
                        if not chunk:
                            return  # the client's end of the tunnel: ours follows
                        conn.sendall(chunk.upper())
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nplain\n")

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.sock.close()


def s_client(port, servername, extra=()):
    """openssl s_client's view of the handshake: the certificate subject and protocol."""
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief"] + list(extra)
    if servername:
        cmd += ["-servername", servername]
    else:
        cmd += ["-noservername"]
    r = subprocess.run(cmd, input=b"", capture_output=True, timeout=10)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace")


def main():
    certs = tempfile.mkdtemp(prefix="hamesh-certs-")
    mail_cert, mail_key = make_certificate(certs, "mail", ["mail.example.org", "webmail.example.org"])
    static_cert, static_key = make_certificate(certs, "static", ["*.static.example.org"])
    app = HttpBackend("app")
    upgrade = UpgradeBackend()
    tls_port, plain_port, ws_port = free_port(), free_port(), free_port()
    config = f"""
[node]
name = "tls1"
[mesh]
listen = "127.0.0.1:0"
[log]
file = "node.log"
[[proxy.http]]
name = "https"
listen = "127.0.0.1:{tls_port}"
tls_min_version = "1.2"
request_head_timeout = "1s"
  [[proxy.http.certificate]]
  cert_file = "{mail_cert}"
  key_file = "{mail_key}"
  [[proxy.http.certificate]]
  cert_file = "{static_cert}"
  key_file = "{static_key}"
  [[proxy.http.pool]]
  name = "app"
  servers = ["{app.address}"]
[[proxy.http]]
name = "redirect"
listen = "127.0.0.1:{plain_port}"
redirect_https = true
https_port = {tls_port}
[[proxy.http]]
name = "ws"
listen = "127.0.0.1:{ws_port}"
tunnel_idle_timeout = "5s"
  [[proxy.http.pool]]
  name = "ws"
  servers = ["{upgrade.address}"]
"""
    node = Node(BIN, config, "tls")
    try:
        node.start()
        wait_for("the listeners", lambda: node.log_text().count("HTTP on 127.0.0.1") == 3)

        # SNI picks the certificate; no SNI or an unknown name gets the first (the default).
        cases = [("mail.example.org", "mail.example.org"), ("webmail.example.org", "mail.example.org"),
                 ("img.static.example.org", "*.static.example.org"),
                 ("a.b.static.example.org", "mail.example.org"), ("other.example.net", "mail.example.org"),
                 (None, "mail.example.org")]
        for sni, expected in cases:
            rc, out = s_client(tls_port, sni)
            assert rc == 0 and f"CN = {expected}" in out, (sni, out)
        print("SNI: " + ", ".join(f"{s or '(none)'} -> {e}" for s, e in cases) + " (openssl s_client)")
        rc12, out12 = s_client(tls_port, "mail.example.org", ["-tls1_2"])
        rc13, out13 = s_client(tls_port, "mail.example.org", ["-tls1_3"])
        rc11, out11 = s_client(tls_port, "mail.example.org", ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        assert rc12 == 0 and "Protocol version: TLSv1.2" in out12, out12
        assert "ECDHE" in out12, out12
        assert rc13 == 0 and "Protocol version: TLSv1.3" in out13, out13
        assert rc11 != 0, out11
        print("versions: TLS 1.2 (ECDHE, AEAD) and 1.3 accepted, TLS 1.1 refused")

        # A verifying client: the chain (the self-signed certificate as its own anchor) and
        # the name both check out; the request reaches the backend as https.
        ctx = ssl.create_default_context(cafile=static_cert)
        conn = http.client.HTTPSConnection("127.0.0.1", tls_port, context=ctx, timeout=5)
        conn.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", tls_port), timeout=5),
                                    server_hostname="img.static.example.org")
        for _ in range(3):  # keep-alive over one TLS connection
            conn.request("GET", "/pic.png", headers={"Host": "img.static.example.org"})
            r = conn.getresponse()
            assert r.status == 200 and r.read() == b"app\n"
        conn.close()
        headers = app.requests[-1][1]
        assert headers.get("X-Forwarded-Proto") == "https", headers
        print("verified TLS client: 3 requests on one connection, the backend sees X-Forwarded-Proto: https")

        # A client that opens a connection and never finishes a handshake is closed.
        s = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
        s.sendall(b"\x16\x03\x01")  # the start of a ClientHello, then nothing
        assert s.recv(100) == b"", "a stalled handshake is closed"
        s.close()
        garbage = socket.create_connection(("127.0.0.1", tls_port), timeout=5)
        garbage.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")  # plain HTTP to the TLS port
        try:
            reply = garbage.recv(100)  # an alert, a close or a reset: never an HTTP answer
        except ConnectionResetError:
            reply = b""
        garbage.close()
        assert not reply.startswith(b"HTTP/"), reply
        rc, state = node.ctl("show", "proxy/http/https")
        failures = state["fields"]["tls"]["failures"]
        assert failures >= 2, state["fields"]["tls"]
        print(f"a stalled handshake closed after request_head_timeout, plain HTTP on the TLS port "
              f"refused: {failures} TLS failures counted")

        # The plain listener redirects: 301 for GET/HEAD, 308 (method and body kept) otherwise.
        c = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=5)
        c.request("GET", "/mail/inbox?x=1", headers={"Host": "webmail.example.org:8080"})
        r = c.getresponse()
        r.read()
        assert r.status == 301, r.status
        assert r.getheader("Location") == f"https://webmail.example.org:{tls_port}/mail/inbox?x=1", \
            r.getheader("Location")
        c = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=5)
        c.request("POST", "/login", body=b"user=a", headers={"Host": "webmail.example.org"})
        r = c.getresponse()
        r.read()
        assert r.status == 308 and r.getheader("Location").endswith("/login"), (r.status, r.getheader("Location"))
        print(f"redirect: GET -> 301 {'https://webmail.example.org:' + str(tls_port) + '/mail/inbox?x=1'}, POST -> 308")

        # Upgrade: the backend's 101 turns the connection into a tunnel both ways.
        t = socket.create_connection(("127.0.0.1", ws_port), timeout=5)
        t.sendall(b"GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly")
        got = b""
        while b"EARLY" not in got:
            chunk = t.recv(4096)
            assert chunk, got
            got += chunk
        assert got.startswith(b"HTTP/1.1 101"), got
        for word in (b"hello", b"tunnel" * 5000):
            t.sendall(word)
            echoed = b""
            while len(echoed) < len(word):
                chunk = t.recv(65536)
                assert chunk, echoed
                echoed += chunk
            assert echoed == word.upper()
        t.shutdown(socket.SHUT_WR)  # our end; the backend ends its side, the proxy closes
        assert t.recv(10) == b""
        t.close()
        assert "Upgrade: echo" in upgrade.heads[-1] and "onnection: upgrade" in upgrade.heads[-1], upgrade.heads[-1]
        # An upgrade the backend does not take: a plain answer, then the connection goes on.
        c = http.client.HTTPConnection("127.0.0.1", ws_port, timeout=5)
        c.request("GET", "/page", headers={"Connection": "Upgrade", "Upgrade": "other"})
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"plain\n"
        c.request("GET", "/again")
        r = c.getresponse()
        assert r.status == 200 and r.read() == b"plain\n"
        c.close()
        rc, state = node.ctl("show", "proxy/http/ws")
        assert state["fields"]["tunnels"] == 1, state["fields"]
        print("Upgrade tunnel: 101, early bytes and 30 KB echoed both ways, half-close passed on; "
              "a declined upgrade keeps the connection")

        rc, text = node.ctl("proxies", json_output=False)
        assert rc == 0 and "https (2 certs, 1.2+)" in text and f"http -> https:{tls_port}" in text, text
        print(text)
    finally:
        node.cleanup()
        app.stop()
        upgrade.stop()


if __name__ == "__main__":
    main()
