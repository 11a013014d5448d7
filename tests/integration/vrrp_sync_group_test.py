#!/usr/bin/env python3
"""VRRP sync groups in network namespaces: two instances (two VIPs) in one group on each of
two nodes. When a tracked actor fails, that instance on a goes FAULT (in a sync group a track is a
FAULT whatever its weight, as in keepalived), the group takes the other down with it and
both VIPs move to b, with no flapping while a stays lower; when it recovers, both
come back to a together. Usage: BIN_DIR (root)"""
import os
import sys

from harness import wait_for
from netns import Topology, require_root
from vrrp_netns_test import NsNode

VIPS = {"VI_1": "10.77.0.100", "VI_2": "10.77.0.101"}


def config(name, priority, tracked):
    text = f'[node]\nname = "{name}"\n[mesh]\nlisten = "127.0.0.1:4790"\n[log]\nfile = "node.log"\n'
    for i, (instance, vip) in enumerate(VIPS.items()):
        text += (f'[[vrrp.instance]]\nname = "{instance}"\ninterface = "eth0"\nvrid = {51 + i}\n'
                 f'priority = {priority}\nadvert = "200ms"\nsync_group = "G"\nvips = ["{vip}/24"]\n')
        if tracked and instance == "VI_1":
            text += 'track = [{ path = "demo/ticker/tracked", weight = -60 }]\ntrack_interval = "100ms"\n'
    if tracked:
        text += '[[demo.ticker]]\nname = "tracked"\nrestart = "temporary"\n'
    return text


def main():
    require_root("vrrp_sync_group_test")
    bin_dir = os.path.abspath(sys.argv[1])
    topo = Topology({"a": "10.77.0.1/24", "b": "10.77.0.2/24"})
    nodes = {}
    try:
        def holds(host):
            return "".join(i[-1] for i, vip in VIPS.items() if topo.has_address(host, vip))

        nodes["a"] = NsNode(topo, "a", bin_dir, config("a", 150, tracked=True))
        nodes["b"] = NsNode(topo, "b", bin_dir, config("b", 100, tracked=False))
        for n in "ab":
            nodes[n].start()
        wait_for("a holds both VIPs", lambda: holds("a") == "12" and holds("b") == "")
        print("a (150) holds both VIPs of the group")

        rc, out = nodes["a"].ctl("kill", "demo/ticker/tracked")
        assert rc == 0, out
        wait_for("both VIPs move to b", lambda: holds("b") == "12" and holds("a") == "")
        # VI_2 on a would win its own election (150 > 100): the group holds it back. Proof that
        # it is held and not flapping: it became ready, heard 10 more adverts, and stayed.
        wait_for("a's VI_2 ready but held", lambda: nodes["a"].vrrp("VI_2").get("ready_for_master") is True)
        v2 = nodes["a"].vrrp("VI_2")
        wait_for("10 more adverts", lambda: nodes["a"].vrrp("VI_2").get("adverts_received", 0) >= v2["adverts_received"] + 10)
        after = nodes["a"].vrrp("VI_2")
        assert after["state"] == "BACKUP" and len(after["transitions"]) == len(v2["transitions"]), after
        assert holds("b") == "12"
        assert "sync group: another member left MASTER" in nodes["a"].log_text()
        assert nodes["a"].vrrp("VI_1")["state"] == "FAULT"
        print("a's VI_1 went FAULT: the group took VI_2 down too; both VIPs on b, no flapping")

        rc, out = nodes["a"].ctl("restart", "demo/ticker/tracked")
        assert rc == 0, out
        wait_for("both VIPs back on a", lambda: holds("a") == "12" and holds("b") == "")
        assert "sync group: every member ready" in nodes["a"].log_text()
        print("tracked actor back: both instances returned to a together")

        for n in "ab":
            assert nodes[n].stop() == 0
        assert holds("a") == "" and holds("b") == ""
        print("PASS vrrp_sync_group")
        return 0
    finally:
        for node in nodes.values():
            node.cleanup()
        topo.close()


if __name__ == "__main__":
    sys.exit(main())
