"""A reload (SIGHUP) that changes an IPVS service's real servers, weights and scheduler
updates the running service in place: its open connections keep working (also one to a real
server the reload removed), the new pool and scheduler take the next connections, a new real
server's probe is subscribed to, and the service actor is not restarted."""
import os
import signal
import socket
import sys
from collections import Counter

from backends import TcpBackend, ask_name
from harness import Node, find, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])


def config(port, scheduler, reals):
    text = ('[node]\nname = "reload"\n[mesh]\nlisten = "127.0.0.1:0"\n[log]\nfile = "node.log"\n'
            f'[[ipvs.service]]\nname = "web"\nlisten = "127.0.0.1:{port}"\nscheduler = "{scheduler}"\n')
    for address, weight in reals:
        text += f'  [[ipvs.service.real]]\n  address = "{address}"\n  weight = {weight}\n'
    return text + '  [ipvs.service.check]\n  kind = "tcp"\n  interval = "200ms"\n  timeout = "100ms"\n'


def service(node):
    rc, tree = node.ctl("tree")
    assert rc == 0, tree
    return find(tree, "lb/ipvs/web")


def main():
    a, b, c = TcpBackend("A"), TcpBackend("B"), TcpBackend("C")
    port = free_port()
    node = Node(BIN, config(port, "rr", [(a.address, 1), (b.address, 1)]), "reload")
    held = []
    try:
        node.start()
        rc, st = node.ctl("show", "lb/ipvs/web")
        wait_for("both up", lambda: all(r["health"] == "up" for r in node.ctl("show", "lb/ipvs/web")[1]["fields"]["reals"]))
        for _ in range(2):  # one on A, one on B
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            f = s.makefile("rwb")
            held.append((s, f, f.readline().decode().strip()))
        assert sorted(n for _, _, n in held) == ["A", "B"], held

        node.write_config(config(port, "wrr", [(a.address, 3), (c.address, 1)]))
        node.signal(signal.SIGHUP)
        wait_for("the service updated in place", lambda: "updated in place" in node.log_text())
        wait_for("C's probe up", lambda: any(r["address"] == c.address and r["health"] == "up"
                                            for r in node.ctl("show", "lb/ipvs/web")[1]["fields"]["reals"]))
        fields = node.ctl("show", "lb/ipvs/web")[1]["fields"]
        assert fields["scheduler"] == "wrr" and [r["address"] for r in fields["reals"]] == [a.address, c.address], fields
        got = Counter(ask_name(port) for _ in range(40))
        assert got == Counter({"A": 30, "C": 10}), f"the new pool and weights: {got}"
        for s, f, name in held:
            f.write(b"after reload\n")
            f.flush()
            assert f.readline() == b"after reload\n", f"the connection to {name} survived the reload"
        svc = service(node)
        assert svc["restarts"] == 0 and svc["status"] == "running", svc
        print("reload in place: rr A,B -> wrr A:3,C:1; 30/10 after it; open connections to A and to "
              "the removed B kept working; the service was not restarted")
    finally:
        for s, f, _ in held:
            f.close()
            s.close()
        node.cleanup()
        for srv in (a, b, c):
            srv.stop()
    print("PASS ipvs_reload_test")


if __name__ == "__main__":
    main()
