"""IPVS services through the user-space forwarder, with real TCP and UDP backends and real
connections: each scheduler's distribution, persistence, a killed backend removed by its
probe within fall x interval + timeout and never sent a new connection, its return after
rise, drain and undrain (a held connection keeps working), quorum and the sorry server,
UDP, and hameshctl's ipvs table."""
import os
import signal
import socket
import sys
import time
from collections import Counter

from backends import TcpBackend, UdpBackend, ask_name
from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])
INTERVAL, TIMEOUT, FALL, RISE = 0.2, 0.1, 2, 2


def service(name, port, scheduler, reals, extra="", check=True):
    text = (f'[[ipvs.service]]\nname = "{name}"\nlisten = "127.0.0.1:{port}"\n'
            f'scheduler = "{scheduler}"\n{extra}')
    for address, weight in reals:
        text += f'  [[ipvs.service.real]]\n  address = "{address}"\n  weight = {weight}\n'
    if check:
        text += (f'  [ipvs.service.check]\n  kind = "tcp"\n  interval = "{int(INTERVAL * 1000)}ms"\n'
                 f'  timeout = "{int(TIMEOUT * 1000)}ms"\n  rise = {RISE}\n  fall = {FALL}\n')
    return text


def services(node):
    rc, tree = node.ctl("ipvs")
    assert rc == 0, tree
    out = {}

    def walk(t):
        if t["kind"] == "ipvs" and t["status"] == "running":
            out[t["fields"]["service"]] = t["fields"]
        for c in t["children"]:
            walk(c)
    walk(tree)
    return out


def real(node, svc, address):
    return next(r for r in services(node)[svc]["reals"] if r["address"] == address)


def spread(port, n, source=None):
    return Counter(ask_name(port, source) for _ in range(n))


def main():
    a, b, c = TcpBackend("A"), TcpBackend("B"), TcpBackend("C")
    sorry = TcpBackend("SORRY")
    ua, ub = UdpBackend("UA"), UdpBackend("UB")
    started = [a, b, c, sorry, ua, ub]
    ports = {k: free_port() for k in ("rr", "wrr", "sh", "lc", "persist", "quorum", "udp")}
    three = [(a.address, 1), (b.address, 1), (c.address, 1)]
    config = ('[node]\nname = "ipvs1"\n[mesh]\nlisten = "127.0.0.1:0"\n'
              '[log]\nlevel = "info"\nfile = "node.log"\n'
              + service("rr", ports["rr"], "rr", three, 'drain_timeout = "4s"\n')
              + service("wrr", ports["wrr"], "wrr", [(a.address, 3), (b.address, 2), (c.address, 1)],
                        check=False)
              + service("sh", ports["sh"], "sh", three, check=False)
              + service("lc", ports["lc"], "lc", three, check=False)
              + service("persist", ports["persist"], "rr", three, 'persistence = "30s"\n', check=False)
              + service("quorum", ports["quorum"], "rr", [(a.address, 1), (b.address, 1)],
                        f'quorum = 2\nsorry_server = "{sorry.address}"\n')
              + service("udp", ports["udp"], "rr", [(ua.address, 1), (ub.address, 1)],
                        'protocol = "udp"\n', check=False))
    node = Node(BIN, config, "ipvs")
    held = []
    try:
        node.start()
        wait_for("every probe up", lambda: all(
            r["health"] == "up" for name in ("rr", "quorum") for r in services(node)[name]["reals"]))

        # Distributions: rr even, wrr by weight, sh one server per client, lc by load.
        got = spread(ports["rr"], 30)
        assert got == Counter({"A": 10, "B": 10, "C": 10}), f"rr: {got}"
        got = spread(ports["wrr"], 60)
        assert got == Counter({"A": 30, "B": 20, "C": 10}), f"wrr 3:2:1: {got}"
        got = spread(ports["sh"], 20)
        assert len(got) == 1, f"sh sends one client to one server: {got}"
        mapping = {f"127.0.1.{i}": ask_name(ports["sh"], f"127.0.1.{i}") for i in range(1, 61)}
        assert set(mapping.values()) == {"A", "B", "C"}, f"sh spreads clients: {Counter(mapping.values())}"
        again = {src: ask_name(ports["sh"], src) for src in list(mapping)[:20]}
        assert all(mapping[s] == again[s] for s in again), "sh: a client keeps its server"
        for _ in range(6):
            s = socket.create_connection(("127.0.0.1", ports["lc"]), timeout=5)
            s.makefile("r").readline()
            held.append(s)
        wait_for("lc counts 6 active connections",
                 lambda: sum(r["active"] for r in services(node)["lc"]["reals"]) == 6)
        loads = sorted(r["active"] for r in services(node)["lc"]["reals"])
        assert loads == [2, 2, 2], f"lc spreads held connections by load: {loads}"
        got = spread(ports["persist"], 10)
        assert len(got) == 1, f"persistence keeps a client on one server: {got}"
        print("distributions ok: rr 10/10/10, wrr 30/20/10, sh and persistence sticky, lc 2/2/2")

        # A killed backend leaves within fall x interval + timeout (+ 1s for this machine's
        # scheduling), and gets no new connection after that.
        c.stop()
        t0 = time.monotonic()
        wait_for("C marked down", lambda: real(node, "rr", c.address)["health"] == "down",
                 timeout=FALL * INTERVAL + TIMEOUT + 1.0)
        print(f"C removed {1000 * (time.monotonic() - t0):.0f} ms after it died "
              f"(fall x interval + timeout = {1000 * (FALL * INTERVAL + TIMEOUT):.0f} ms)")
        got = spread(ports["rr"], 20)
        assert got == Counter({"A": 10, "B": 10}), f"no new connection to a removed server: {got}"
        c = TcpBackend("C", port=c.port)
        started.append(c)
        t0 = time.monotonic()
        wait_for("C back after rise", lambda: real(node, "rr", c.address)["health"] == "up",
                 timeout=RISE * INTERVAL + TIMEOUT + 2.0)
        print(f"C back {1000 * (time.monotonic() - t0):.0f} ms after it restarted")
        got = spread(ports["rr"], 30)
        assert got == Counter({"A": 10, "B": 10, "C": 10}), f"C back in rotation: {got}"

        # Drain: no new connections; one already open keeps working.
        s = socket.create_connection(("127.0.0.1", ports["rr"]), timeout=5)
        f = s.makefile("rwb")
        name = f.readline().decode().strip()
        target = {"A": a, "B": b, "C": c}[name]
        rc, out = node.ctl("drain", "rr", target.address)
        assert rc == 0, out
        got = spread(ports["rr"], 20)
        assert name not in got and sum(got.values()) == 20, f"drained {name} got new connections: {got}"
        f.write(b"still here\n")
        f.flush()
        assert f.readline() == b"still here\n", "a connection to a drained server keeps working"
        s.close()
        assert real(node, "rr", target.address)["drained"]
        rc, out = node.ctl("undrain", "rr", target.address)
        assert rc == 0, out
        got = spread(ports["rr"], 30)
        assert got[name] == 10, f"undrained {name} is back: {got}"
        rc, out = node.ctl("drain", "rr", "10.9.9.9:1")
        assert rc == 1 and "no real server" in out, out
        print(f"drain ok ({name}): no new connections, the open one kept working; undrain ok")

        # Quorum 2 over two servers: one down, and the sorry server takes the new ones.
        b.stop()
        wait_for("quorum lost", lambda: not services(node)["quorum"]["in_quorum"],
                 timeout=FALL * INTERVAL + TIMEOUT + 1.0)
        got = spread(ports["quorum"], 5)
        assert got == Counter({"SORRY": 5}), f"below quorum only the sorry server: {got}"
        b = TcpBackend("B", port=b.port)
        started.append(b)
        wait_for("quorum back", lambda: services(node)["quorum"]["in_quorum"], timeout=5)
        got = spread(ports["quorum"], 4)
        assert got == Counter({"A": 2, "B": 2}), f"quorum back: {got}"
        print("quorum ok: sorry server below quorum, real servers again above it")

        # UDP: each client (address and port) a session of its own, rr over two.
        replies = Counter()
        for _ in range(10):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(5)
            u.sendto(b"hello", ("127.0.0.1", ports["udp"]))
            replies[u.recvfrom(100)[0].decode()] += 1
            u.close()
        assert replies == Counter({"UA": 5, "UB": 5}), f"udp rr: {replies}"
        print("udp ok: 5/5")

        rc, text = node.ctl("ipvs", json_output=False)
        assert rc == 0, text
        print(text)
        assert f"TCP  127.0.0.1:{ports['rr']} rr" in text and f"-> {a.address}" in text, text
        assert f"UDP  127.0.0.1:{ports['udp']} rr" in text, text
        rc, text = node.ctl("probes", json_output=False)
        assert rc == 0 and "rr/" in text, text
        print(text)

        # A graceful stop drains: the listener closes, an open connection keeps working
        # until it ends, then the node exits.
        s = socket.create_connection(("127.0.0.1", ports["rr"]), timeout=5)
        f = s.makefile("rwb")
        f.readline()
        node.signal(signal.SIGTERM)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", ports["rr"]), timeout=1).close()
                return False
            except OSError:
                return True
        wait_for("the listener closed", refused)
        f.write(b"draining\n")
        f.flush()
        assert f.readline() == b"draining\n", "an open connection works while the service drains"
        assert node.proc.poll() is None, "the node waits for the open connection"
        f.close()
        s.close()
        t0 = time.monotonic()
        assert node.proc.wait(timeout=10) == 0
        print(f"graceful stop: listener closed, the open connection kept working; node exited "
              f"{1000 * (time.monotonic() - t0):.0f} ms after it closed")
        assert "draining 1 open connection(s)" in node.log_text()
    finally:
        for s in held:
            s.close()
        node.cleanup()
        for srv in started:
            srv.stop()
    print("PASS ipvs_forwarder_test")


if __name__ == "__main__":
    main()
