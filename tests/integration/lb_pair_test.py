#!/usr/bin/env python3
"""A redundant load-balancer pair in network namespaces (root): two nodes share a VIP by VRRP
and both run the same IPVS service on it with the user-space forwarder, which listens on the
VIP before its node holds it (IP_FREEBIND). A client on the bridge reaches the real servers
through the VIP; SIGKILL of the master moves the VIP and the service keeps answering through
the backup; the old master returns and takes it back. Usage: BIN_DIR (root)"""
import os
import signal
import subprocess
import sys
from collections import Counter

from harness import wait_for
from netns import NsNode, Topology, require_root

VIP = "10.77.0.100"


def lb_config(name, priority):
    return f"""
[node]
name = "{name}"
[mesh]
listen = "127.0.0.1:4790"
[log]
file = "node.log"
[[vrrp.instance]]
name = "VI_WEB"
interface = "eth0"
vrid = 60
priority = {priority}
advert = "100ms"
vips = ["{VIP}/24"]
[[ipvs.service]]
name = "web"
listen = "{VIP}:80"
scheduler = "rr"
  [[ipvs.service.real]]
  address = "10.77.0.11:8080"
  [[ipvs.service.real]]
  address = "10.77.0.12:8080"
  [ipvs.service.check]
  kind = "tcp"
  interval = "200ms"
  timeout = "100ms"
"""


def main():
    require_root("lb_pair_test")
    bin_dir = os.path.abspath(sys.argv[1])
    topo = Topology({"lb1": "10.77.0.1/24", "lb2": "10.77.0.2/24", "c": "10.77.0.3/24",
                     "r1": "10.77.0.11/24", "r2": "10.77.0.12/24"})
    servers, nodes = [], {}
    try:
        code = ("import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                "s.bind(('0.0.0.0',8080));s.listen(64);s.settimeout(300)\n"
                "while True:\n c,_=s.accept();c.sendall(sys.argv[1].encode());c.close()\n")
        for r in ("r1", "r2"):
            servers.append(subprocess.Popen(topo.exec_prefix(r) + [sys.executable, "-c", code, r]))

        def ask():
            r = subprocess.run(topo.exec_prefix("c") + [sys.executable, "-c",
                               f"import socket;print(socket.create_connection(('{VIP}',80),timeout=1).recv(8).decode())"],
                               capture_output=True, text=True, timeout=10)
            return r.stdout.strip() if r.returncode == 0 else None

        def holders():
            return "".join(h[-1] for h in ("lb1", "lb2") if topo.has_address(h, VIP))

        nodes["lb1"] = NsNode(topo, "lb1", bin_dir, lb_config("lb1", 150), "lbpair")
        nodes["lb2"] = NsNode(topo, "lb2", bin_dir, lb_config("lb2", 100), "lbpair")
        for n in nodes.values():
            n.start()
        wait_for("lb1 holds the VIP", lambda: holders() == "1")
        wait_for("the service answers on the VIP", lambda: ask() in ("r1", "r2"))
        got = Counter(ask() for _ in range(10))
        assert got == Counter({"r1": 5, "r2": 5}), f"through lb1: {got}"
        served = nodes["lb1"].ctl("show", "lb/ipvs/web")[1]["fields"]["accepted"]
        assert served >= 10, served
        print(f"lb1 master: the VIP's service spreads 5/5 ({served} connections through lb1)")

        nodes["lb1"].proc.send_signal(signal.SIGKILL)
        nodes["lb1"].proc.wait()
        wait_for("lb2 takes the VIP", lambda: topo.has_address("lb2", VIP))
        wait_for("the service answers through lb2", lambda: ask() in ("r1", "r2"))
        got = Counter(ask() for _ in range(10))
        assert got == Counter({"r1": 5, "r2": 5}), f"through lb2: {got}"
        served = nodes["lb2"].ctl("show", "lb/ipvs/web")[1]["fields"]["accepted"]
        assert served >= 10, served
        print(f"lb1 killed: lb2 holds the VIP, its forwarder (bound before it had the VIP) serves ({served})")

        nodes["lb1"].start()
        wait_for("lb1 takes the VIP back", lambda: holders() == "1")
        wait_for("the service answers through lb1 again", lambda: ask() in ("r1", "r2"))
        print("lb1 back: preempted, serving again")
        for n in nodes.values():
            assert n.stop() == 0
        print("PASS lb_pair_test")
        return 0
    finally:
        for n in nodes.values():
            n.cleanup()
        for p in servers:
            p.kill()
            p.wait()
        topo.close()


if __name__ == "__main__":
    sys.exit(main())
