#!/usr/bin/env python3
"""The nftables data plane in network namespaces (root): a client, a load balancer and two
real servers on one bridge, LVS-NAT style (the real servers route the client's address back
through the load balancer). The kernel forwards: rr, wrr and sh maps spread the client's
connections; a real server that fails its probe leaves the map; conntrack feeds hameshctl's
connection counts; a stopped node leaves no table behind. Also: dataplane = "kernel" on a
kernel without ip_vs refuses to start with a clear reason. Usage: BIN_DIR (root)"""
import os
import shutil
import subprocess
import sys
from collections import Counter

from harness import wait_for
from netns import NsNode, Topology, require_root, sh

VIP = "10.77.0.100"


def service(name, port, scheduler, reals, dataplane="nftables"):
    text = (f'[[ipvs.service]]\nname = "{name}"\nlisten = "{VIP}:{port}"\nscheduler = "{scheduler}"\n'
            f'dataplane = "{dataplane}"\n')
    for address, weight in reals:
        text += f'  [[ipvs.service.real]]\n  address = "{address}"\n  weight = {weight}\n'
    return text + ('  [ipvs.service.check]\n  kind = "tcp"\n  interval = "200ms"\n  timeout = "100ms"\n'
                   '  rise = 1\n  fall = 1\n')


def main():
    require_root("ipvs_nftables_test")
    if not shutil.which("nft"):
        print("SKIP ipvs_nftables_test: nft (nftables) is not installed; tools/setup.sh installs it")
        return 77
    bin_dir = os.path.abspath(sys.argv[1])
    topo = Topology({"lb": "10.77.0.1/24", "c": "10.77.0.3/24", "r1": "10.77.0.11/24", "r2": "10.77.0.12/24"})
    servers, node = {}, None
    try:
        lb = topo.ns["lb"]
        sh("ip", "-n", lb, "addr", "add", f"{VIP}/24", "dev", "eth0")
        for key in ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0",
                    "net.ipv4.conf.eth0.send_redirects=0"):
            sh("ip", "netns", "exec", lb, "sysctl", "-q", "-w", key)
        code = ("import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                "s.bind(('0.0.0.0',8080));s.listen(64);s.settimeout(300)\n"
                "while True:\n c,_=s.accept();c.sendall(sys.argv[1].encode());c.close()\n")
        for r in ("r1", "r2"):
            # LVS-NAT: replies to the client go back through the load balancer.
            sh("ip", "-n", topo.ns[r], "route", "add", "10.77.0.3/32", "via", "10.77.0.1")
            servers[r] = subprocess.Popen(topo.exec_prefix(r) + [sys.executable, "-c", code, r])

        def ask(port):
            r = subprocess.run(topo.exec_prefix("c") + [sys.executable, "-c",
                               f"import socket;print(socket.create_connection(('{VIP}',{port}),timeout=2).recv(8).decode())"],
                               capture_output=True, text=True, timeout=10)
            return r.stdout.strip() if r.returncode == 0 else f"error: {r.stderr.strip()[-200:]}"

        def ask_many(port, n):
            return Counter(ask(port) for _ in range(n))

        r1, r2 = "10.77.0.11:8080", "10.77.0.12:8080"
        config = ('[node]\nname = "lb"\n[mesh]\nlisten = "127.0.0.1:4790"\n[log]\nfile = "node.log"\n'
                  + service("rr", 80, "rr", [(r1, 1), (r2, 1)])
                  + service("wrr", 81, "wrr", [(r1, 2), (r2, 1)])
                  + service("sh", 82, "sh", [(r1, 1), (r2, 1)]))
        node = NsNode(topo, "lb", bin_dir, config, "nft")
        node.start()

        def ipvs():
            rc, tree = node.ctl("ipvs")
            out = {}

            def walk(t):
                if t["kind"] == "ipvs" and t["status"] == "running":
                    out[t["fields"]["service"]] = t["fields"]
                for ch in t["children"]:
                    walk(ch)
            if rc == 0:
                walk(tree)
            return out

        wait_for("both real servers up", lambda: all(r.get("health") == "up" for r in ipvs().get("rr", {}).get("reals", [{}])))
        tables = sh("ip", "netns", "exec", lb, "nft", "list", "tables").stdout
        assert "hamesh_rr" in tables and "hamesh_wrr" in tables, tables
        got = ask_many(80, 10)
        assert got == Counter({"r1": 5, "r2": 5}), f"rr in the kernel: {got}"
        got = ask_many(81, 30)
        assert got == Counter({"r1": 20, "r2": 10}), f"wrr 2:1 in the kernel: {got}"
        got = ask_many(82, 10)
        assert len(got) == 1 and "error" not in "".join(got), f"sh: one client, one server: {got}"
        print("kernel DNAT: rr 5/5, wrr 20/10, sh sticky")
        counts = ipvs()["rr"]["reals"]
        assert sum(r["active"] + r["inactive"] for r in counts) >= 10, f"conntrack counts: {counts}"
        rc, text = node.ctl("ipvs", json_output=False)
        assert rc == 0 and "Masq" in text, text
        print(text)

        servers["r2"].kill()
        servers["r2"].wait()
        wait_for("r2 out of the map", lambda: next(r for r in ipvs()["rr"]["reals"] if r["address"] == r2)["health"] == "down")
        got = ask_many(80, 6)
        assert got == Counter({"r1": 6}), f"a failed real server leaves the kernel map: {got}"
        print("r2 failed its probe: the nftables map now holds r1 only")

        assert node.stop() == 0
        tables = sh("ip", "netns", "exec", lb, "nft", "list", "tables").stdout
        assert "hamesh_" not in tables, f"tables left behind: {tables}"
        print("node stopped: its nftables tables are gone")

        # Kernel IPVS where the module is missing: a clear refusal, nothing half-done.
        if not os.path.exists("/proc/net/ip_vs"):
            node.restart_text = config
            node.write_config('[node]\nname = "lb"\n[mesh]\nlisten = "127.0.0.1:4790"\n[log]\nfile = "node.log"\n'
                              '[supervision.lb]\nmax_restarts = 0\n'
                              + service("kern", 90, "rr", [(r1, 1)], dataplane="kernel"))
            node.start()
            wait_for("the kernel data plane's refusal", lambda: "/proc/net/ip_vs does not exist" in node.log_text())
            print("dataplane = \"kernel\": refused: " + next(l for l in node.log_text().splitlines() if "ip_vs does not exist" in l))
            print("NOTE: kernel IPVS itself not exercised: this kernel has no ip_vs module")
        print("PASS ipvs_nftables_test")
        return 0
    finally:
        if node:
            node.cleanup()
        for p in servers.values():
            if p.poll() is None:
                p.kill()
                p.wait()
        topo.close()


if __name__ == "__main__":
    sys.exit(main())
