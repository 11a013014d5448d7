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
    static, app, app2 = HttpBackend("static"), HttpBackend("app"), HttpBackend("app2")
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
access_log = "json"
access_log_file = "access.log"
  [[proxy.http.pool]]
  name = "static"
  servers = ["{static.address}"]
  [[proxy.http.pool]]
  name = "dynamic"
  servers = ["{app.address}", "{app2.address}"]
  affinity = "cookie"
  cookie = "WEBMAIL_SRV"
    [proxy.http.pool.check]
    kind = "http"
    path = "/health"
    interval = "200ms"
    timeout = "100ms"
    rise = 1
    fall = 1
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
        app_names = [a[2] for a in answers if a[0] in ("/mail/inbox", "/")]
        assert [a[:2] for a in answers] == [("/static/logo.png", 200), ("/mail/inbox", 200),
                                            ("/static/app.css", 200), ("/", 200)], answers
        assert answers[0][2] == answers[2][2] == "static" and sorted(app_names) == ["app", "app2"], answers
        headers = dict((app.requests + app2.requests)[-1][1])
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
        # Cookie affinity: the first answer pins the client, the next ones follow the cookie.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/mail/inbox")
        r = c.getresponse()
        first = r.read().decode().strip()
        cookie = r.getheader("Set-Cookie")
        assert cookie and cookie.startswith("WEBMAIL_SRV=h") and "HttpOnly" in cookie, cookie
        pin = cookie.split(";")[0]
        seen = set()
        for _ in range(6):
            c.request("GET", "/mail/inbox", headers={"Cookie": "lang=en; " + pin})
            r = c.getresponse()
            seen.add(r.read().decode().strip())
            assert r.getheader("Set-Cookie") is None, "a pinned client gets no new cookie"
        c.close()
        assert seen == {first}, f"cookie affinity: pinned to {first}, served by {seen}"
        print(f"cookie affinity: {pin} pins the client to {first} for 6 of 6 requests")

        # An active check fails app2 (its /health answers 503): no request goes there.
        app2.health_status = 503
        wait_for("app2 down", lambda: "pool dynamic: 127.0.0.1_" + str(app2.port) + " is down" in node.log_text())
        served = len(app2.requests)
        for _ in range(6):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/mail/inbox")
            r = c.getresponse()
            assert r.status == 200 and r.read().decode().strip() == "app"
            c.close()
        assert [p for p, _ in app2.requests[served:] if p != "/health"] == [], "a failed server gets no request"
        print("active HTTP check: app2's /health -> 503, app2 taken out, 6 of 6 requests to app")
        before = len(app.requests)
        smuggle = raw(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n")
        assert smuggle.startswith(b"HTTP/1.1 400"), smuggle[:80]
        assert len(app.requests) == before, "nothing of a smuggling attempt reaches a backend"
        big = raw(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 4000 + b"\r\n\r\n")
        assert big.startswith(b"HTTP/1.1 431"), big[:80]
        print("CL+TE smuggling attempt -> 400 and closed, nothing forwarded; 4 KB header -> 431")

        import json
        access = os.path.join(node.conf_dir, "access.log")  # relative to the config's folder
        lines = wait_for("the access log", lambda: (lambda t: t if t.count("\n") >= 19 else None)(
            open(access).read() if os.path.exists(access) else ""))
        records = [json.loads(line) for line in lines.splitlines()]
        first = records[0]
        assert (first["method"], first["target"], first["status"], first["pool"]) == \
            ("GET", "/static/logo.png", 200, "static"), first
        assert first["server"] == static.address and first["bytes"] > 0, first
        statuses = [r["status"] for r in records]
        assert 400 in statuses and 431 in statuses, statuses
        print(f"access log: {len(records)} JSON lines, e.g. {json.dumps(first)}")

        rc, text = node.ctl("proxies", json_output=False)
        assert rc == 0 and "static" in text and static.address in text, text
        print(text)
    finally:
        node.cleanup()
        static.stop()
        app.stop()
        app2.stop()
    print("PASS http_proxy_test")


if __name__ == "__main__":
    main()
