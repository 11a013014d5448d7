#!/usr/bin/env python3
"""Two hamesh nodes in network namespaces on a bridge run one VRRP instance: the higher
priority wins and its namespace answers on the VIP; SIGKILL of the master moves the VIP (a
client on the bridge reaches the backup, so gratuitous ARP worked); the old master returns
and preempts, or not when preempt = false; a graceful stop hands over; a node whose
supervision tree escalates goes FAULT and its peer takes over. Usage: BIN_DIR (root)"""
import os
import signal
import subprocess
import sys

from harness import Node, wait_for
import netns
from netns import Topology, require_root

VIP = "10.77.0.100"


def node_config(name, priority, preempt=True, degradable=False, notify=None, advert="200ms"):
    text = f"""
[node]
name = "{name}"
[mesh]
listen = "127.0.0.1:4790"
[log]
file = "node.log"
[[vrrp.instance]]
name = "VI_1"
interface = "eth0"
vrid = 51
priority = {priority}
advert = "{advert}"
preempt = {"true" if preempt else "false"}
vips = ["{VIP}/24"]
"""
    if notify:
        text += f'notify = "{notify}"\n'
    if degradable:
        text += 'track = [{ path = "demo/ticker/tracked", weight = -60 }]\ntrack_interval = "100ms"\n'
    if degradable:  # one crash of this ticker escalates to the node's top
        text += """
[supervision.demo]
max_restarts = 0
[[demo.ticker]]
name = "fragile"
[[demo.ticker]]
name = "tracked"
restart = "temporary"
"""
    return text


class NsNode(netns.NsNode):
    """A namespaced node with its VRRP instance's state at hand."""

    def __init__(self, topo, host, bin_dir, text):
        super().__init__(topo, host, bin_dir, text, "vrrp")

    def vrrp(self, instance="VI_1"):
        rc, out = self.ctl("show", f"lb/vrrp/{instance}")
        return out["fields"] if rc == 0 else {}


def main():
    require_root("vrrp_netns_test")
    bin_dir = os.path.abspath(sys.argv[1])
    topo = Topology({"a": "10.77.0.1/24", "b": "10.77.0.2/24", "c": "10.77.0.3/24"})
    responders, nodes = [], {}
    try:
        # Who answers on the VIP: each host serves its own name on port 7000.
        for host in "ab":
            code = ("import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                    "s.bind(('0.0.0.0',7000));s.listen(16);s.settimeout(300)\n"
                    f"while True:\n c,_=s.accept();c.sendall(b'{host}');c.close()\n")
            responders.append(subprocess.Popen(topo.exec_prefix(host) + [sys.executable, "-c", code]))

        def answering():
            r = subprocess.run(topo.exec_prefix("c") + [sys.executable, "-c",
                               f"import socket;print(socket.create_connection(('{VIP}',7000),timeout=0.5).recv(8).decode())"],
                               capture_output=True, text=True, timeout=10)
            return r.stdout.strip() if r.returncode == 0 else None

        def holders():
            return "".join(h for h in "ab" if topo.has_address(h, VIP))

        nodes["a"] = NsNode(topo, "a", bin_dir, node_config("a", 150, degradable=True))
        nodes["b"] = NsNode(topo, "b", bin_dir, node_config("b", 100))
        for n in "ab":
            nodes[n].start()
        wait_for("a (150) master with the VIP", lambda: holders() == "a" and nodes["a"].vrrp().get("state") == "MASTER")
        assert nodes["b"].vrrp()["state"] == "BACKUP"
        assert wait_for("the client reaches a on the VIP", lambda: answering() == "a")
        print("elected: a (priority 150) is master and answers on the VIP; b is backup")
        rc, table = nodes["a"].ctl("vrrp", json_output=False)
        assert rc == 0 and "MASTER" in table and "150/150" in table, table
        print(table)

        nodes["a"].proc.send_signal(signal.SIGKILL)
        nodes["a"].proc.wait()
        wait_for("b takes the VIP", lambda: topo.has_address("b", VIP) and nodes["b"].vrrp().get("state") == "MASTER")
        wait_for("the client reaches b (gratuitous ARP)", lambda: answering() == "b")
        print("SIGKILL of a: b is master and answers on the VIP")

        nodes["a"].restart_with(node_config("a", 150, degradable=True))
        wait_for("a preempts", lambda: holders() == "a" and nodes["b"].vrrp().get("state") == "BACKUP")
        wait_for("the client reaches a again", lambda: answering() == "a")
        assert "removing 10.77.0.100 left on eth0 by an earlier run" in nodes["a"].log_text()
        print("a returned and preempted (stale VIP from the killed run removed first)")

        assert nodes["a"].stop() == 0
        wait_for("b takes over after a's priority-0 advert", lambda: holders() == "b")
        assert "left (priority 0); waited skew time" in nodes["b"].log_text()
        print("SIGTERM of a: priority 0 sent, b took over after skew time, a removed its VIP")

        nodes["a"].restart_with(node_config("a", 150, preempt=False))
        received = nodes["a"].vrrp().get("adverts_received", 0)
        wait_for("a hears 10 adverts from b", lambda: nodes["a"].vrrp().get("adverts_received", 0) >= received + 10)
        assert nodes["a"].vrrp()["state"] == "BACKUP" and holders() == "b"
        print("preempt = false: a (150) stays backup behind b (100)")

        assert nodes["a"].stop() == 0
        notify_log = os.path.join(nodes["a"].dir, "notify.log")
        script = os.path.join(nodes["a"].dir, "notify.sh")
        with open(script, "w") as f:
            f.write(f'#!/bin/sh\necho "$1 $2 $3" >> {notify_log}\n')
        os.chmod(script, 0o755)
        nodes["a"].restart_with(node_config("a", 150, degradable=True, notify=script))
        wait_for("a master again", lambda: holders() == "a")

        # Tracking: a tracked actor that stops lowers a to 90, below b's 100: b preempts.
        rc, out = nodes["a"].ctl("kill", "demo/ticker/tracked")
        assert rc == 0, out
        wait_for("b preempts a at 90", lambda: holders() == "b" and nodes["a"].vrrp().get("priority") == 90)
        assert nodes["a"].vrrp()["state"] == "BACKUP"
        rc, out = nodes["a"].ctl("restart", "demo/ticker/tracked")
        assert rc == 0, out
        wait_for("a back at 150 preempts b", lambda: holders() == "a" and nodes["a"].vrrp().get("priority") == 150)
        print("tracking: demo/ticker/tracked stopped -> a at 90 lost the VIP; running again -> a at 150 took it back")
        notes = wait_for("notify lines", lambda: (lambda t: t if "VI_1 BACKUP 90" in t and t.count("VI_1 MASTER 150") >= 2 else None)(
            open(notify_log).read() if os.path.exists(notify_log) else ""))
        print("notify hook saw: " + " | ".join(notes.strip().splitlines()))

        # Tracking a probe: a's health check of its local service (127.0.0.1:7100 in a's
        # namespace) fails -> a at 90 -> b master; the service returns -> a takes it back.
        probe_text = ('[[probe.check]]\nname = "app"\nkind = "tcp"\ntarget = "127.0.0.1:7100"\n'
                      'interval = "100ms"\ntimeout = "50ms"\nrise = 2\nfall = 2\n')
        app_code = ("import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                    "s.bind(('127.0.0.1',7100));s.listen(16);s.settimeout(300)\n"
                    "while True:\n c,_=s.accept();c.close()\n")
        app = subprocess.Popen(topo.exec_prefix("a") + [sys.executable, "-c", app_code])
        responders.append(app)
        config = node_config("a", 150).replace(
            'vips = ["10.77.0.100/24"]\n',
            'vips = ["10.77.0.100/24"]\ntrack = [{ path = "lb/probe/app", weight = -60 }]\n'
            'track_interval = "100ms"\n') + probe_text
        assert nodes["a"].stop() == 0
        nodes["a"].restart_with(config)
        wait_for("a master, tracking its probe", lambda: holders() == "a" and nodes["a"].vrrp().get("priority") == 150)
        app.kill()
        app.wait()
        wait_for("b preempts a whose probe failed", lambda: holders() == "b" and nodes["a"].vrrp().get("priority") == 90)
        app = subprocess.Popen(topo.exec_prefix("a") + [sys.executable, "-c", app_code])
        responders.append(app)
        wait_for("a's probe up again, a preempts", lambda: holders() == "a" and nodes["a"].vrrp().get("priority") == 150)
        print("tracking a probe: lb/probe/app down -> a at 90 lost the VIP; up -> a at 150 took it back")
        assert nodes["a"].stop() == 0
        nodes["a"].restart_with(node_config("a", 150, degradable=True))
        wait_for("a master again", lambda: holders() == "a")
        rc, out = nodes["a"].ctl("kill", "demo/ticker/fragile")
        assert rc == 0, out
        wait_for("a degraded and FAULT, b master", lambda: nodes["a"].vrrp().get("state") == "FAULT" and holders() == "b")
        assert nodes["a"].vrrp()["node_degraded"] is True
        print("supervision escalation on a: node degraded -> VRRP FAULT -> b took the VIP")

        for n in "ab":
            assert nodes[n].stop() == 0
        assert holders() == "", holders()
        print("PASS vrrp_netns")
        return 0
    finally:
        for node in nodes.values():
            node.cleanup()
        for r in responders:
            r.kill()
            r.wait()
        topo.close()


if __name__ == "__main__":
    sys.exit(main())
