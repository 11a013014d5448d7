#!/usr/bin/env python3
"""The example three-node cluster (config/examples/mesh-{a,b,c}.toml) on loopback with
mutual TLS: all see each other up; hameshctl lists a live node's tree and its kill shows in a
later show; a peer killed with SIGKILL is seen down by the others (and they stay up with each
other), and seen up again when it returns; /metrics reports it; clients without a
certificate or from another CA are refused and the refusal is logged with their address.
Usage: mesh_cluster_test.py BIN_DIR SOURCE_DIR"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from harness import Node, wait_for


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def main():
    bin_dir, source_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    ctl_bin = os.path.join(bin_dir, "hameshctl")
    work = tempfile.mkdtemp(prefix="hamesh-mesh-")
    pki = os.path.join(work, "pki")
    other_pki = os.path.join(work, "other-pki")

    def ctl(*args):
        return subprocess.run([ctl_bin, *args], capture_output=True, text=True, timeout=30)

    # The README's PKI commands.
    for args in (["pki", "init", pki], ["pki", "issue", pki, "admin", "--client"],
                 ["pki", "init", other_pki], ["pki", "issue", other_pki, "admin", "--client"]):
        r = ctl(*args)
        assert r.returncode == 0, r
    for n in "abc":
        assert ctl("pki", "issue", pki, f"mesh-{n}", "--node").returncode == 0

    # The example configs, moved to free ports (the example's fixed ones may be in use).
    mesh_ports, metrics_ports = free_ports(3), free_ports(3)
    nodes = {}
    for i, n in enumerate("abc"):
        with open(os.path.join(source_dir, f"config/examples/mesh-{n}.toml")) as f:
            text = f.read()
        for j in range(3):
            text = text.replace(f"127.0.0.1:470{j + 1}", f"127.0.0.1:{mesh_ports[j]}")
            text = text.replace(f"127.0.0.1:910{j + 1}", f"127.0.0.1:{metrics_ports[j]}")
        text = text.replace('"pki/', f'"{pki}/').replace(f'file = "mesh-{n}.log"', 'file = "node.log"')
        nodes[n] = Node(bin_dir, text, f"mesh-{n}")

    def peers(n, client=("--pki", pki)):
        r = ctl("-n", f"127.0.0.1:{nodes[n].port}", *client, "--json", "peers")
        if r.returncode != 0:
            return {}
        return {p["address"]: p for p in json.loads(r.stdout)["fields"]["peers"]}

    def state_of(n, peer):
        return peers(n).get(f"127.0.0.1:{mesh_ports['abc'.index(peer)]}", {}).get("state")

    try:
        for n in "abc":
            nodes[n].start()
            assert nodes[n].port == mesh_ports["abc".index(n)]
        for n in "abc":
            wait_for(f"{n} sees both peers up", lambda: all(p["state"] == "up" for p in peers(n).values()) and len(peers(n)) == 2)
        print("all three nodes see each other up")
        r = ctl("-n", f"127.0.0.1:{nodes['a'].port}", "--pki", pki, "peers")
        print(r.stdout)

        r = ctl("-n", f"127.0.0.1:{nodes['a'].port}", "--pki", pki, "tree")
        assert r.returncode == 0 and "mesh" in r.stdout and "demo/ticker/heartbeat-a" in r.stdout, r
        print("hameshctl tree on mesh-a:\n" + r.stdout)

        b = f"127.0.0.1:{nodes['b'].port}"
        r = ctl("-n", b, "--pki", pki, "kill", "demo/ticker/heartbeat-b")
        assert r.returncode == 0, r
        def restarts():
            r = ctl("-n", b, "--pki", pki, "--json", "show", "demo/ticker/heartbeat-b")
            return r.returncode == 0 and json.loads(r.stdout)["restarts"] == 1
        wait_for("the kill seen by a later show", restarts)
        print("hameshctl kill demo/ticker/heartbeat-b on mesh-b -> restarts 1 in hameshctl show")

        metrics = urllib.request.urlopen(f"http://127.0.0.1:{metrics_ports[1]}/metrics", timeout=10).read().decode()
        assert 'hamesh_actor_restarts_total{node="mesh-b",path="demo/ticker/heartbeat-b",kind="ticker"} 1' in metrics, metrics
        assert re.search(r'hamesh_mesh_peer_up\{node="mesh-b",path="mesh",kind="mesh",peer="127\.0\.0\.1:\d+",peer_name="mesh-a"\} 1', metrics), metrics

        # A stalled peer (SIGSTOP): no connection breaks, so only the missing answers tell;
        # seen down after about down_after (3 s by default), up again after SIGCONT.
        stopped_at = time.monotonic()
        nodes["c"].proc.send_signal(signal.SIGSTOP)
        try:
            wait_for("a sees the stalled c down", lambda: state_of("a", "c") == "down", timeout=15, interval=0.05)
            print(f"SIGSTOP of mesh-c seen down by mesh-a after {time.monotonic() - stopped_at:.2f} s (down_after 3s)")
        finally:
            nodes["c"].proc.send_signal(signal.SIGCONT)
        wait_for("a sees c up again after SIGCONT", lambda: state_of("a", "c") == "up", timeout=20)
        wait_for("b sees c up again after SIGCONT", lambda: state_of("b", "c") == "up", timeout=20)

        # SIGKILL of mesh-c: how long until a and b see it down (polled every 20 ms), and
        # from the log lines' own timestamps.
        killed_wall = time.time()
        killed_at = time.monotonic()
        nodes["c"].proc.send_signal(signal.SIGKILL)
        nodes["c"].proc.wait()
        seen = {}
        def both_down():
            for n in "ab":
                if n not in seen and state_of(n, "c") == "down":
                    seen[n] = time.monotonic() - killed_at
            return len(seen) == 2
        wait_for("a and b see c down", both_down, timeout=15, interval=0.02)
        print(f"SIGKILL of mesh-c seen down by mesh-a after {seen['a'] * 1000:.0f} ms, by mesh-b after {seen['b'] * 1000:.0f} ms "
              f"(down_after 3s, heartbeat 500ms: the defaults; includes hameshctl polling)")
        for n in "ab":
            m = re.findall(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) warning mesh: peer 127\.0\.0\.1:\d+ \(mesh-c\) down: remote_link_unreachable", nodes[n].log_text())
            if m:
                logged = time.mktime(time.strptime(m[-1][:19], "%Y-%m-%dT%H:%M:%S")) + int(m[-1][20:]) / 1000
                print(f"  mesh-{n} logged mesh-c down {max(0.0, logged - killed_wall) * 1000:.0f} ms after the SIGKILL")
        # The others stayed up with each other: no reconnect between a and b.
        pa = peers("a")[f"127.0.0.1:{mesh_ports[1]}"]
        assert pa["state"] == "up" and pa["connects"] == 1, pa
        log_a = nodes["a"].log_text()
        assert re.search(r"peer 127\.0\.0\.1:\d+ \(mesh-c\) down: remote_link_unreachable", log_a), log_a
        assert "(mesh-b) down" not in log_a, log_a

        nodes["c"].reap()
        nodes["c"].start()
        wait_for("a and b see c up again", lambda: state_of("a", "c") == "up" and state_of("b", "c") == "up", timeout=20)
        print("mesh-c restarted: seen up again by mesh-a and mesh-b")

        # Clients the cluster CA did not sign.
        a = f"127.0.0.1:{nodes['a'].port}"
        r = ctl("-n", a, "tree")
        assert r.returncode == 3, r
        r = ctl("-n", a, "--pki", other_pki, "tree")
        assert r.returncode == 3 and "cluster CA" in r.stderr, r
        refusals = wait_for("two refusals in mesh-a's log",
                            lambda: (lambda m: m if len(m) >= 2 else None)(re.findall(r"refused TLS connection from 127\.0\.0\.1:\d+: .*", nodes["a"].log_text())))
        print("refused and logged:\n  " + "\n  ".join(refusals))

        for n in "abc":
            rc = nodes[n].stop()
            assert rc == 0, (n, rc)
        print("PASS mesh_cluster")
        return 0
    finally:
        failing = sys.exc_info()[0] is not None
        for node in nodes.values():
            node.cleanup()
        if not failing:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
