"""The HTTP proxy under load while things go wrong, as a node runs it. Six keep-alive clients
(Python's http.client) send GETs all along, and none of their requests may fail:
- a reload (SIGHUP) that adds a backend: the new engine takes the listening socket over, the
  old one finishes what it has; the new backend starts serving;
- a backend SIGKILLed mid-run: its requests are retried on another server (GET is
  idempotent), its active check takes it out, and it gets no request after that; restarted,
  it comes back;
- a slowloris client trickling a head gets 408 and is closed after request_head_timeout,
  while the others go on."""
import http.client
import os
import signal
import socket
import sys
import threading
import time

from backends import HttpBackendProcess
from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])


class Load:
    """Clients sending GETs on kept-alive connections until stopped; every answer recorded."""

    def __init__(self, port, clients=6):
        self.port = port
        self.served = {}  # backend name -> answers
        self.errors = []
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(clients)]
        for t in self.threads:
            t.start()

    def client(self, i):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        n = 0
        while self.running:
            n += 1
            try:
                conn.request("GET", f"/mail/{i}/{n}")
                r = conn.getresponse()
                body = r.read().decode().strip()
                with self.lock:
                    if r.status == 200:
                        self.served[body] = self.served.get(body, 0) + 1
                    else:
                        self.errors.append(f"status {r.status} {body}")
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.errors.append(f"{type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.close()

    def total(self):
        with self.lock:
            return sum(self.served.values())

    def count(self, name):
        with self.lock:
            return self.served.get(name, 0)

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=15)


def config_text(port, servers):
    return f"""
[node]
name = "web1"
[mesh]
listen = "127.0.0.1:0"
[log]
file = "node.log"
[[proxy.http]]
name = "web"
listen = "127.0.0.1:{port}"
request_head_timeout = "1s"
  [[proxy.http.pool]]
  name = "app"
  servers = [{", ".join(f'"{s}"' for s in servers)}]
    [proxy.http.pool.check]
    kind = "http"
    path = "/health"
    interval = "200ms"
    timeout = "150ms"
    rise = 1
    fall = 1
"""


def server_requests(node, address):
    rc, st = node.ctl("show", "proxy/http/web")
    assert rc == 0, st
    for pool in st["fields"]["pools"]:
        for s in pool["servers"]:
            if s["address"] == address:
                return s["requests"], s["up"]
    raise AssertionError(f"{address} not in {st['fields']['pools']}")


def main():
    a, b, c = HttpBackendProcess("A"), HttpBackendProcess("B"), HttpBackendProcess("C")
    port = free_port()
    node = Node(BIN, config_text(port, [a.address, b.address]), "resilience")
    load = None
    try:
        node.start()
        wait_for("the listener", lambda: "HTTP on 127.0.0.1" in node.log_text())
        load = Load(port)
        wait_for("traffic on A and B", lambda: load.count("A") > 50 and load.count("B") > 50)

        # 1. Reload under load: C joins the pool.
        node.write_config(config_text(port, [a.address, b.address, c.address]))
        node.signal(signal.SIGHUP)
        wait_for("the reload", lambda: "reloaded: 1 pool(s)" in node.log_text())
        wait_for("C serving", lambda: load.count("C") > 50, timeout=15)
        assert load.errors == [], load.errors[:5]
        rc, tree = node.ctl("show", "proxy/http/web")
        assert tree["fields"]["reloads"] == 1, tree["fields"]
        assert "restarting" not in node.log_text(), "the listener was not restarted"
        print(f"reload under load: C joined, served {load.count('C')} so far; "
              f"{load.total()} requests, 0 failed, listener not restarted")

        # 2. A backend killed mid-run.
        before_kill = load.total()
        b.kill()
        wait_for("B marked down", lambda: f"127.0.0.1_{b.port} is down" in node.log_text())
        detected = load.total()
        b_at_detection, up = server_requests(node, b.address)
        assert not up
        wait_for("more traffic", lambda: load.total() > detected + 300, timeout=20)
        b_later, _ = server_requests(node, b.address)
        assert b_later == b_at_detection, f"B got {b_later - b_at_detection} requests after detection"
        assert load.errors == [], load.errors[:5]
        print(f"B SIGKILLed: detected after {detected - before_kill} more requests, all answered "
              f"(retries); {load.total() - detected} requests since, none to B, 0 failed")
        b.start()
        wait_for("B back", lambda: f"127.0.0.1_{b.port} is up" in node.log_text())
        b_back = load.count("B")
        wait_for("B serving again", lambda: load.count("B") > b_back + 50, timeout=15)
        print("B restarted: up again and serving")

        # 3. Slowloris: a head trickled a line every 300 ms.
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        started = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\n")
        answer = b""
        s.settimeout(0.3)
        while time.monotonic() - started < 8:
            try:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            except socket.timeout:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass
            except ConnectionResetError:
                break
        elapsed = time.monotonic() - started
        s.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:60]
        assert elapsed < 4, f"closed after {elapsed:.1f}s"
        assert load.errors == [], load.errors[:5]
        print(f"slowloris: 408 and closed after {elapsed:.2f}s (request_head_timeout 1s), "
              f"the other clients unaffected")
        load.stop()
        print(f"in all: {load.total()} requests, {len(load.errors)} failed; per backend {load.served}")
        assert load.errors == []
    finally:
        if load:
            load.stop()
        node.cleanup()
        for backend in (a, b, c):
            backend.kill()


if __name__ == "__main__":
    main()
