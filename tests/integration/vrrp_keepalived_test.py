#!/usr/bin/env python3
"""VRRPv3 interoperability with Debian's keepalived, each in its own network namespace on one
bridge: whichever has the higher priority wins; each takes over when the other is SIGKILLed;
and while both run, the VIP is never held by both for longer than one advert interval.
Usage: BIN_DIR (root, keepalived installed)"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from harness import wait_for
from netns import Topology, require_root
from vrrp_netns_test import VIP, NsNode, node_config

ADVERT_S = 0.2


def hamesh_config(priority):
    return node_config("hamesh-a", priority, advert=f"{int(ADVERT_S * 1000)}ms")


class Keepalived:
    def __init__(self, topo, host):
        self.topo, self.host = topo, host
        self.dir = tempfile.mkdtemp(prefix="hamesh-keepalived-")
        self.proc = None

    def start(self, priority):
        conf = os.path.join(self.dir, "keepalived.conf")
        with open(conf, "w") as f:
            f.write(f"""global_defs {{
  router_id keepalived-b
  vrrp_version 3
  script_user root
  enable_script_security
}}
vrrp_instance VI_1 {{
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority {priority}
  advert_int {ADVERT_S}
  virtual_ipaddress {{
    {VIP}/24
  }}
}}
""")
        self.log = open(os.path.join(self.dir, "keepalived.log"), "a")
        self.proc = subprocess.Popen(self.topo.exec_prefix(self.host) + [
            "keepalived", "--dont-fork", "--log-console", "--log-detail", "--no-syslog", "--vrrp",
            "-f", conf, "-p", os.path.join(self.dir, "k.pid"), "-r", os.path.join(self.dir, "kv.pid"),
            "-c", os.path.join(self.dir, "kc.pid")], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("keepalived's VRRP process", lambda: self.vrrp_pid() is not None)

    def vrrp_pid(self):
        try:
            with open(os.path.join(self.dir, "kv.pid")) as f:
                return int(f.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def kill9(self):
        """A crash: the VRRP process and its parent, both SIGKILLed (no priority-0 advert)."""
        pid = self.vrrp_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        os.remove(os.path.join(self.dir, "kv.pid"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()


class BothWatcher:
    """Samples who holds the VIP every 5 ms while both sides run; keeps the longest overlap."""

    def __init__(self, topo):
        self.topo = topo
        self.longest = 0.0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        since = None
        while self.running:
            both = self.topo.has_address("a", VIP) and self.topo.has_address("b", VIP)
            now = time.monotonic()
            if both and since is None:
                since = now
            if not both:
                since = None
            if since is not None:
                self.longest = max(self.longest, now - since)
            time.sleep(0.005)

    def close(self):
        self.running = False
        self.thread.join()
        return self.longest


def main():
    require_root("vrrp_keepalived_test")
    if not shutil.which("keepalived"):
        print("SKIP vrrp_keepalived_test: keepalived is not installed (tools/setup.sh installs it)")
        return 77
    bin_dir = os.path.abspath(sys.argv[1])
    topo = Topology({"a": "10.77.0.1/24", "b": "10.77.0.2/24"})
    hamesh = NsNode(topo, "a", bin_dir, hamesh_config(150))
    keep = Keepalived(topo, "b")
    try:
        def holder():
            return "".join(h for h in "ab" if topo.has_address(h, VIP))

        keep.start(100)
        hamesh.start()
        watcher = BothWatcher(topo)
        wait_for("hamesh (150) master over keepalived (100)", lambda: holder() == "a" and hamesh.vrrp().get("state") == "MASTER")
        overlap = watcher.close()
        assert overlap <= ADVERT_S, f"both held the VIP for {overlap:.3f}s"
        print(f"hamesh 150 vs keepalived 100: hamesh is master (longest overlap {overlap * 1000:.0f} ms)")

        hamesh.proc.send_signal(signal.SIGKILL)
        hamesh.proc.wait()
        wait_for("keepalived takes over", lambda: topo.has_address("b", VIP))
        print("SIGKILL of hamesh: keepalived took the VIP")

        watcher = BothWatcher(topo)
        hamesh.restart_with(hamesh_config(150))
        wait_for("hamesh preempts keepalived", lambda: holder() == "a")
        overlap = watcher.close()
        assert overlap <= ADVERT_S, f"both held the VIP for {overlap:.3f}s"
        assert hamesh.vrrp()["dropped"] == {}, hamesh.vrrp()["dropped"]  # keepalived's adverts all accepted
        print(f"hamesh returned and preempted keepalived (longest overlap {overlap * 1000:.0f} ms)")

        # Now keepalived has the higher priority.
        keep.stop()
        watcher = BothWatcher(topo)
        keep.start(200)
        wait_for("keepalived (200) master over hamesh (150)", lambda: holder() == "b" and hamesh.vrrp().get("state") == "BACKUP")
        overlap = watcher.close()
        assert overlap <= ADVERT_S, f"both held the VIP for {overlap:.3f}s"
        assert hamesh.vrrp()["master"] == "10.77.0.2"
        print(f"keepalived 200 vs hamesh 150: keepalived is master (longest overlap {overlap * 1000:.0f} ms)")

        keep.kill9()
        wait_for("hamesh takes over from the killed keepalived", lambda: hamesh.vrrp().get("state") == "MASTER" and topo.has_address("a", VIP))
        print("SIGKILL of keepalived: hamesh took the VIP")

        assert hamesh.stop() == 0
        print("PASS vrrp_keepalived")
        return 0
    finally:
        failing = sys.exc_info()[0] is not None
        hamesh.cleanup()
        keep.stop()
        if failing:
            print(f"--- keepalived's log is kept in {keep.dir}", file=sys.stderr)
        else:
            shutil.rmtree(keep.dir, ignore_errors=True)
        topo.close()


if __name__ == "__main__":
    sys.exit(main())
