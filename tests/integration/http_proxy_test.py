"""The HTTP proxy as a node runs it ([[proxy.http]]): Python's http.client through it to real
backends; the static/dynamic split by route, keep-alive on one client connection,
X-Forwarded-For, a request smuggling attempt refused with 400, an oversized head with 431, and
hameshctl's proxies table."""
import http.client
import os
import socket
import sys

from backends import HttpBackend
from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])


def main():
    static, app = HttpBackend("static"), HttpBackend("app")
    port = free_port()
    config = f"""
[node]
name = "proxy1"
[mesh]
listen = "127.0.0.1:0"
[log]
file = "node.log"
[[proxy.http]]
name = "web"
listen = "127.0.0.1:{port}"
default_pool = "dynamic"
max_header_bytes = 2048
  [[proxy.http.pool]]
  name = "static"
  servers = ["{static.address}"]
  [[proxy.http.pool]]
  name = "dynamic"
  servers = ["{app.address}"]
  [[proxy.http.route]]
  pool = "static"
  path_prefix = "/static/"
"""
    node = Node(BIN, config, "proxy")
    try:
        node.start()
        wait_for("the listener", lambda: "HTTP on 127.0.0.1" in node.log_text())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        answers = []
        for path in ("/static/logo.png", "/mail/inbox", "/static/app.css", "/"):
            conn.request("GET", path)
            r = conn.getresponse()
            answers.append((path, r.status, r.read().decode().strip()))
        conn.close()
        assert answers == [("/static/logo.png", 200, "static"), ("/mail/inbox", 200, "app"),
                           ("/static/app.css", 200, "static"), ("/", 200, "app")], answers
        headers = dict(app.requests[-1][1])
        assert headers.get("X-Forwarded-For") == "127.0.0.1", headers
        print("routing ok over one keep-alive connection: /static/* -> static, the rest -> app; "
              "X-Forwarded-For set")

        def raw(request):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(request)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            return data
        before = len(app.requests)
        smuggle = raw(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n")
        assert smuggle.startswith(b"HTTP/1.1 400"), smuggle[:80]
        assert len(app.requests) == before, "nothing of a smuggling attempt reaches a backend"
        big = raw(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 4000 + b"\r\n\r\n")
        assert big.startswith(b"HTTP/1.1 431"), big[:80]
        print("CL+TE smuggling attempt -> 400 and closed, nothing forwarded; 4 KB header -> 431")

        rc, text = node.ctl("proxies", json_output=False)
        assert rc == 0 and "static" in text and static.address in text, text
        print(text)
    finally:
        node.cleanup()
        static.stop()
        app.stop()
    print("PASS http_proxy_test")


if __name__ == "__main__":
    main()
