"""The anchor of tools/bench/storage_failover: Linux-HA heartbeat 3.0.6 (Debian 12's
`heartbeat` package, v1 mode: `crm no`, haresources) on the same namespaces, links and
service IP as hamesh's pair (tests/integration/storage_pair.py). Its resource group is
`nbdserve` (an NBD export of a local file: nbd_export_runner) then `IPaddr2` (the service IP
and send_arp), the same order as hamesh's replica then IP. heartbeat does not replicate, so
the anchor's writes are timed, not checked; no STONITH (it would only add time).

Each node runs in a mount and UTS namespace of its own inside its network namespace:
heartbeat's paths (/etc/ha.d, /var/lib/heartbeat, /run) are fixed at build time and its node
name is uname -n. A node "crashes" like hamesh's: every process in its network namespace is
SIGKILLed (listed by `ip netns pids`: only processes this benchmark started live there) and
the service IP leaves its interface, as the host's death would take it."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from harness import wait_for
from storage_pair import BACK, EXPORT_PORT, LAN, SERVICE_IP, LedgerWriter, Topology

HEARTBEAT = "/usr/libexec/heartbeat/heartbeat"

NBDSERVE = """#!/bin/sh
# nbdserve {start|stop|status}: an NBD export of this node's file (a heartbeat v1 resource)
PIDFILE=%(dir)s/nbdserve.pid
case "$1" in
start)
  (sleep 1000000 | %(runner)s --file %(dir)s/mail.img --size 33554432 --listen 0.0.0.0:%(port)d \
     --name mail > %(dir)s/nbdserve.log 2>&1 & echo $! > $PIDFILE)
  i=0; until grep -q listening %(dir)s/nbdserve.log 2>/dev/null; do
    i=$((i+1)); [ $i -gt 500 ] && exit 1; sleep 0.002; done
  exit 0;;
stop)
  [ -f $PIDFILE ] && kill $(cat $PIDFILE) 2>/dev/null; rm -f $PIDFILE; exit 0;;
status)
  if [ -f $PIDFILE ] && kill -0 $(cat $PIDFILE) 2>/dev/null; then echo running; else echo stopped; fi;;
esac
"""


def available():
    return os.path.exists(HEARTBEAT)


class HeartbeatPair:
    def __init__(self, bin_dir, timing):
        self.bin_dir = bin_dir
        self.keepalive, self.warntime, self.deadtime, self.initdead = timing
        self.work = tempfile.mkdtemp(prefix="bench-heartbeat-")
        self.topo = Topology()
        self.writers = []

    def dir(self, host):
        return os.path.join(self.work, host)

    def log_text(self, host):
        try:
            with open(os.path.join(self.dir(host), "ha-log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def _prepare(self, host):
        d = self.dir(host)
        peer = "b" if host == "a" else "a"
        if os.path.exists(os.path.join(d, "etc")):
            return
        for sub in ("etc", "lib", "lib/cores"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        subprocess.run(["cp", "-a", "/etc/ha.d/.", os.path.join(d, "etc")], check=True)
        # ha.cf takes "ms" units; initdead in seconds (heartbeat wants >= 10 s and says so).
        with open(os.path.join(d, "etc", "ha.cf"), "w") as f:
            f.write(f"logfile {d}/ha-log\nkeepalive {self.keepalive}\nwarntime {self.warntime}\n"
                    f"deadtime {self.deadtime}\ninitdead {self.initdead}\nudpport 694\n"
                    f"ucast eth0 {LAN[peer]}\nucast eth1 {BACK[peer]}\nauto_failback off\n"
                    f"node a\nnode b\ncrm no\nuse_logd no\n")
        with open(os.path.join(d, "etc", "authkeys"), "w") as f:
            f.write("auth 1\n1 sha1 hamesh-bench-key-0123456789\n")
        os.chmod(os.path.join(d, "etc", "authkeys"), 0o600)
        with open(os.path.join(d, "etc", "haresources"), "w") as f:
            f.write(f"a nbdserve IPaddr2::{SERVICE_IP}/24/eth0\n")
        script = os.path.join(d, "etc", "resource.d", "nbdserve")
        with open(script, "w") as f:
            f.write(NBDSERVE % {"dir": d, "runner": os.path.join(self.bin_dir, "nbd_export_runner"),
                                "port": EXPORT_PORT})
        os.chmod(script, 0o755)
        with open(os.path.join(d, "mail.img"), "wb") as f:
            f.truncate(32 << 20)
        pw = subprocess.run(["id", "-u", "hacluster"], capture_output=True, text=True).stdout.strip()
        gr = subprocess.run(["getent", "group", "haclient"], capture_output=True, text=True).stdout.split(":")
        for sub in ("lib", "lib/cores"):
            os.chown(os.path.join(d, sub), int(pw), int(gr[2]))

    def start(self, host):
        self._prepare(host)
        d = self.dir(host)
        inner = (f"hostname {host}; mount --make-rprivate /; mount --bind {d}/etc /etc/ha.d; "
                 f"mount --bind {d}/lib /var/lib/heartbeat; mount -t tmpfs tmpfs /run; "
                 f"mkdir -p /run/heartbeat/ccm /run/heartbeat/dopd /run/resource-agents; "
                 f"chown -R hacluster:haclient /run/heartbeat; exec {HEARTBEAT}")
        with open(os.path.join(d, "out"), "a") as out:
            subprocess.run(self.topo.exec_prefix(host) + ["unshare", "-mu", "sh", "-c", inner],
                           stdout=out, stderr=subprocess.STDOUT, timeout=30)

    def crash(self, host):
        pids = subprocess.run(["ip", "netns", "pids", self.topo.ns[host]], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_for(f"{host}'s processes gone", lambda: not subprocess.run(
            ["ip", "netns", "pids", self.topo.ns[host]], capture_output=True, text=True).stdout.split(),
            timeout=10)
        subprocess.run(["ip", "-n", self.topo.ns[host], "addr", "del", f"{SERVICE_IP}/24", "dev", "eth0"],
                       capture_output=True)

    def serving(self, host):
        return self.topo.has_address(host)

    def writer(self, tag):
        w = LedgerWriter(self.topo, tag, self.work)
        self.writers.append(w)
        return w

    def close(self):
        for w in self.writers:
            w.stop()
        for h in "ab":
            if h in self.topo.ns and self.topo.created:
                self.crash(h)
        self.topo.close()
        shutil.rmtree(self.work, ignore_errors=True)


def trial(pair, primary, n, deadtime_s):
    """SIGKILL of `primary`'s node -> the first write acknowledged by the peer, in ms."""
    survivor = "b" if primary == "a" else "a"
    w = pair.writer(f"hb{n}")
    wait_for("writes before the crash", lambda: len(w.acks()) >= 20, timeout=10)
    t_kill = time.monotonic()
    pair.crash(primary)
    wait_for("a write acknowledged by heartbeat's new primary", lambda: w.acked_after(t_kill),
             timeout=deadtime_s * 3 + 30, interval=0.01)
    first = w.acked_after(t_kill)[0][0]
    w.stop()
    assert pair.serving(survivor)
    # The crashed node returns (auto_failback off: it stays standby) and is heard again.
    ups = pair.log_text(survivor).count("Status update for node " + primary + ": status active")
    pair.start(primary)
    wait_for(f"{survivor} hears {primary} again", lambda: pair.log_text(survivor).count(
        "Status update for node " + primary + ": status active") > ups, timeout=deadtime_s * 4 + 60)
    return (first - t_kill) * 1000
