"""A storage pair in network namespaces, for the heartbeat test and the storage_failover
benchmark: hosts a and b (hamesh nodes) and c (a client) on a bridge ("lan", eth0,
10.77.0.0/24), a and b also on a direct veth ("back", eth1, 10.78.0.0/24). Each node has one
replicated volume (replication on lan, NBD export on 0.0.0.0:10809, reached through the
service IP 10.77.0.100 that the heartbeat moves) and heartbeat over both links. The fence
script kills the peer's process by PID (as a power switch would end the host, it also takes
the service IP off the dead host's interface) unless its mode file says "fail", and records
every run in a log. Everything is removed by close(); processes are killed by PID only."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import netns
from harness import wait_for
from netns import sh

SERVICE_IP = "10.77.0.100"
EXPORT_PORT = 10809
LAN = {"a": "10.77.0.1", "b": "10.77.0.2", "c": "10.77.0.9"}
BACK = {"a": "10.78.0.1", "b": "10.78.0.2"}
KEY = "hamesh-test-pair-key-0123456789"
PAIR = "mailstore"
HB_PATH = f"storage/heartbeat/{PAIR}"
VOLUME_PATH = "storage/replica/mail"
HERE = os.path.dirname(os.path.abspath(__file__))
WRITER = os.path.join(HERE, "nbd_ledger_writer.py")

FENCE_SCRIPT = r"""#!/bin/sh
# fence PIDFILE LOG MODEFILE NETNS SERVICE_IP: kill -9 the peer and wait until it is gone
mode=$(cat "$3" 2>/dev/null)
if [ "$mode" = fail ]; then echo "refused" >> "$2"; exit 1; fi
pid=$(cat "$1")
[ -n "$pid" ] || { echo "no pid" >> "$2"; exit 1; }
kill -9 "$pid" 2>/dev/null
i=0
while :; do
  # gone, or a zombie its parent has not reaped yet: either way it runs no more
  state=$(sed -n 's/^[^)]*) \(.\).*/\1/p' /proc/"$pid"/stat 2>/dev/null)
  [ -z "$state" ] || [ "$state" = Z ] && break
  i=$((i + 1)); [ $i -gt 400 ] && { echo "still running $pid" >> "$2"; exit 1; }
  sleep 0.005
done
ip -n "$4" addr del "$5/24" dev eth0 2>/dev/null
echo "killed $pid" >> "$2"
exit 0
"""


class Topology:
    """The three namespaces, the bridge and the direct veth; close() deletes them."""

    def __init__(self):
        tag = str(os.getpid() % 100000)
        self.hub = f"hs{tag}hub"
        self.ns = {h: f"hs{tag}{h}" for h in "abc"}
        self.created = []
        try:
            sh("ip", "netns", "add", self.hub)
            self.created.append(self.hub)
            sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
            sh("ip", "-n", self.hub, "link", "set", "br0", "up")
            for h in "abc":
                ns = self.ns[h]
                sh("ip", "netns", "add", ns)
                self.created.append(ns)
                sh("ip", "-n", ns, "link", "set", "lo", "up")
                host_end, hub_end = f"hv{tag}{h}", f"hp{tag}{h}"
                sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", hub_end)
                sh("ip", "link", "set", host_end, "netns", ns)
                sh("ip", "link", "set", hub_end, "netns", self.hub)
                sh("ip", "-n", self.hub, "link", "set", hub_end, "master", "br0")
                sh("ip", "-n", self.hub, "link", "set", hub_end, "up")
                sh("ip", "-n", ns, "link", "set", host_end, "name", "eth0")
                sh("ip", "-n", ns, "addr", "add", LAN[h] + "/24", "dev", "eth0")
                sh("ip", "-n", ns, "link", "set", "eth0", "up")
            a_end, b_end = f"hb{tag}a", f"hb{tag}b"
            sh("ip", "link", "add", a_end, "type", "veth", "peer", "name", b_end)
            for h, end in (("a", a_end), ("b", b_end)):
                sh("ip", "link", "set", end, "netns", self.ns[h])
                sh("ip", "-n", self.ns[h], "link", "set", end, "name", "eth1")
                sh("ip", "-n", self.ns[h], "addr", "add", BACK[h] + "/24", "dev", "eth1")
                sh("ip", "-n", self.ns[h], "link", "set", "eth1", "up")
            # The client takes the new owner's gratuitous ARP at once (Linux ignores updates
            # within locktime, 1 s by default, of the last one).
            sh("ip", "netns", "exec", self.ns["c"], "sysctl", "-qw", "net.ipv4.neigh.eth0.locktime=0")
        except Exception:
            self.close()
            raise

    def exec_prefix(self, host):
        return ["ip", "netns", "exec", self.ns[host]]

    def has_address(self, host, address=SERVICE_IP):
        r = sh("ip", "-n", self.ns[host], "-4", "-o", "addr", "show", "dev", "eth0", check=False)
        return f" {address}/" in r.stdout

    def cut(self, host, interfaces):
        """Drops everything in and out of `interfaces` in `host` (nftables, in its namespace)."""
        rules = "table inet hbcut {\n chain in { type filter hook input priority -10; }\n" \
                " chain out { type filter hook output priority -10; }\n}\n"
        for i in interfaces:
            rules += f'add rule inet hbcut in iifname "{i}" drop\nadd rule inet hbcut out oifname "{i}" drop\n'
        subprocess.run(self.exec_prefix(host) + ["nft", "-f", "-"], input=rules, text=True, check=True)

    def heal(self, host):
        subprocess.run(self.exec_prefix(host) + ["nft", "delete", "table", "inet", "hbcut"],
                       capture_output=True)

    def close(self):
        for h in "ab":
            if self.ns[h] in self.created:
                self.heal(h)
        for ns in reversed(self.created):
            sh("ip", "netns", "del", ns, check=False)
        self.created = []


MULTICAST = {"lan": "239.77.0.1:694", "back": "239.78.0.1:694"}

# A demo ticker whose one crash escalates to the node's top: the node is then degraded.
DEGRADABLE = """
[supervision.demo]
max_restarts = 0
[[demo.ticker]]
name = "fragile"
"""


def link_config(name, host, listen, peer_address, interface, multicast):
    if multicast:
        return f"""[[heartbeat.link]]
name = "{name}"
listen = "{listen}:694"
group = "{MULTICAST[name]}"
interface = "{interface}"
"""
    return f"""[[heartbeat.link]]
name = "{name}"
listen = "{listen}:694"
peer = "{peer_address}:694"
"""


def node_config(host, fence_args, timing, key=KEY, initial=False, preferred="a",
                multicast=False, auto_failback=False, degradable=False, disk_mib=None):
    """multicast: both links are multicast groups (MULTICAST) instead of unicast to the peer;
    degradable: with DEGRADABLE's ticker (hameshctl kill demo/ticker/fragile degrades the node);
    disk_mib: the volume's files on a tmpfs of that size in the node's folder (Pair mounts it),
    so that a test can fill it and make the node's local writes fail."""
    peer = "b" if host == "a" else "a"
    keepalive, warntime, deadtime, initdead = timing
    fence = ", ".join(json.dumps(a) for a in fence_args)
    links = (link_config("lan", host, LAN[host], LAN[peer], "eth0", multicast)
             + link_config("back", host, BACK[host], BACK[peer], "eth1", multicast))
    return f"""
[node]
name = "{host}"
[mesh]
listen = "127.0.0.1:4790"
[log]
file = "node.log"
[[storage.volume]]
name = "mail"
file = "{"disk/" if disk_mib else ""}mail.img"
size = "32MiB"
protocol = "C"
listen = "{LAN[host]}:7789"
peer = "{LAN[peer]}:7789"
export = "0.0.0.0:{EXPORT_PORT}"
initial_primary = {"true" if initial else "false"}
ping_interval = "50ms"
peer_timeout = "400ms"

[heartbeat]
pair = "{PAIR}"
peer = "{peer}"
key = "{key}"
keepalive = "{keepalive}"
warntime = "{warntime}"
deadtime = "{deadtime}"
initdead = "{initdead}"
preferred = "{preferred}"
auto_failback = {"true" if auto_failback else "false"}
{links}[heartbeat.fence]
command = [{fence}]
timeout = "3s"
policy = "required"
[[heartbeat.resource]]
kind = "replica"
volume = "mail"
[[heartbeat.resource]]
kind = "ip"
address = "{SERVICE_IP}/24"
interface = "eth0"
""" + (DEGRADABLE if degradable else "")


class StorageNode(netns.NsNode):
    """A namespaced storage node; start() only trusts log lines written by this start."""

    def __init__(self, topo, host, bin_dir, text):
        super().__init__(topo, host, bin_dir, text, "hb")

    def start(self):
        seen = len(self.log_text())
        self.stderr = open(os.path.join(self.dir, "stderr"), "a")
        self.proc = subprocess.Popen(self.exec_prefix() + [os.path.join(self.bin_dir, "hamesh-node"), "--config", self.config],
                                     cwd=self.dir, stdout=self.stderr, stderr=subprocess.STDOUT)
        wait_for(f"{self.host} up", lambda: self.proc.poll() is None and "control endpoint listening" in self.log_text()[seen:],
                 timeout=15)
        self.port = 4790

    def show(self, path):
        rc, out = self.ctl("show", path)
        return out["fields"] if rc == 0 else {}

    def heartbeat(self):
        return self.show(HB_PATH)

    def volume(self):
        return self.show(VOLUME_PATH)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Pair:
    """Both nodes, their fence scripts (each fences the other) and a client namespace."""

    def __init__(self, bin_dir, timing=("50ms", "150ms", "300ms", "2s"), **options):
        """options: node_config's multicast, auto_failback, degradable and disk_mib, for both
        nodes."""
        self.bin_dir = bin_dir
        self.timing = timing
        self.options = options
        self.work = tempfile.mkdtemp(prefix="hamesh-hb-pair-")
        self.fence = os.path.join(self.work, "fence.sh")
        with open(self.fence, "w") as f:
            f.write(FENCE_SCRIPT)
        os.chmod(self.fence, 0o755)
        self.topo = Topology()
        self.nodes = {}
        self.writers = []
        self.mounted = []

    def pidfile(self, host):
        return os.path.join(self.work, f"{host}.pid")

    def fence_log(self, host):
        """Runs of the fence script on `host` (fencing its peer)."""
        return os.path.join(self.work, f"fence-by-{host}.log")

    def fence_mode(self, host, mode):
        with open(os.path.join(self.work, f"fence-mode-{host}"), "w") as f:
            f.write(mode)

    def fence_runs(self, host):
        try:
            with open(self.fence_log(host)) as f:
                return f.read().split("\n")[:-1]
        except FileNotFoundError:
            return []

    def config(self, host, key=KEY, initial=False):
        peer = "b" if host == "a" else "a"
        args = [self.fence, self.pidfile(peer), self.fence_log(host),
                os.path.join(self.work, f"fence-mode-{host}"), self.topo.ns[peer], SERVICE_IP]
        return node_config(host, args, self.timing, key=key, initial=initial, **self.options)

    def start(self, host, key=KEY, initial=False):
        node = self.nodes.get(host)
        if node is None:
            node = self.nodes[host] = StorageNode(self.topo, host, self.bin_dir, self.config(host, key, initial))
            if self.options.get("disk_mib"):
                os.makedirs(self.disk(host))
                sh("mount", "-t", "tmpfs", "-o", f"size={self.options['disk_mib']}m", "tmpfs", self.disk(host))
                self.mounted.append(self.disk(host))
        else:
            node.write_config(self.config(host, key, initial))
        node.start()
        with open(self.pidfile(host), "w") as f:
            f.write(str(node.proc.pid))
        return node

    def disk(self, host):
        """The node's tmpfs (disk_mib): its volume's files."""
        return os.path.join(self.nodes[host].conf_dir, "disk")

    def fill_disk(self, host):
        """Fills the node's tmpfs: its next write to an unallocated block fails with ENOSPC."""
        subprocess.run(["dd", "if=/dev/zero", f"of={self.disk(host)}/filler", "bs=1M"],
                       capture_output=True)

    def free_disk(self, host):
        os.unlink(os.path.join(self.disk(host), "filler"))

    def state(self, host):
        v = self.nodes[host].volume()
        return f"{v.get('role')}/{v.get('connection')}/{v.get('disk')}" if v else "unknown"

    def wait_settled(self, primary, timeout=30):
        """`primary` serves, the other is its up-to-date secondary, both hear each other."""
        secondary = "b" if primary == "a" else "a"

        def settled():
            p, s = self.nodes[primary], self.nodes[secondary]
            hp, hs = p.heartbeat(), s.heartbeat()
            ok = (self.state(primary) == "primary/connected/up_to_date"
                  and self.state(secondary) == "secondary/connected/up_to_date"
                  and hp.get("holds_all") and not hs.get("holds_any")
                  and hp.get("peer", {}).get("state") == "alive"
                  and hs.get("peer", {}).get("state") == "alive"
                  and self.topo.has_address(primary) and not self.topo.has_address(secondary))
            if not ok:
                seen[0] = (self.state(primary), self.state(secondary), hp.get("role"), hs.get("role"))
            return ok
        seen = [None]
        try:
            wait_for(f"{primary} primary, {secondary} secondary, in sync", settled, timeout=timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}; last: {seen[0]}")

    def writer(self, round_tag):
        """A client in c writing 4 KiB FUA blocks through the service IP, reconnecting on any
        failure, printing every acknowledged write (see nbd_ledger_writer.py)."""
        w = LedgerWriter(self.topo, round_tag, self.work)
        self.writers.append(w)
        return w

    def verify(self, ledger):
        """Reads every acknowledged block back through the service IP: the mismatches."""
        path = os.path.join(self.work, "ledger.json")
        with open(path, "w") as f:
            json.dump(ledger, f)
        r = subprocess.run(self.topo.exec_prefix("c") + [sys.executable, WRITER, "verify", SERVICE_IP,
                           str(EXPORT_PORT), path], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"verify failed: {r.stdout}{r.stderr}"
        return json.loads(r.stdout)

    def close(self, failing=False):
        for w in self.writers:
            w.stop()
        for n in self.nodes.values():
            n.reap()
        for path in self.mounted:
            sh("umount", path, check=False)
        for n in self.nodes.values():
            n.cleanup()
        self.topo.close()
        if not failing:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            print(f"--- pair folder kept: {self.work}", file=sys.stderr)


class LedgerWriter:
    """nbd_ledger_writer.py in the client namespace; its ledger is a file (never a pipe that
    could fill up and stall the writer while the test waits on something else)."""

    def __init__(self, topo, round_tag, work):
        self.tag = str(round_tag)
        self.path = os.path.join(work, f"ledger-{round_tag}.txt")
        self.proc = subprocess.Popen(topo.exec_prefix("c") + [sys.executable, WRITER, "write", SERVICE_IP,
                                     str(EXPORT_PORT), self.tag, self.path],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def acks(self):
        """(monotonic time, seq, offset) of every acknowledged write so far."""
        out = []
        try:
            with open(self.path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 4 and parts[0] == "ack":
                        out.append((float(parts[1]), int(parts[2]), int(parts[3])))
        except FileNotFoundError:
            pass
        return out

    def errors(self):
        try:
            with open(self.path) as f:
                return sum(1 for line in f if line.startswith("err"))
        except FileNotFoundError:
            return 0

    def connects(self):
        try:
            with open(self.path) as f:
                return [float(line.split()[1]) for line in f if line.startswith("conn ")]
        except FileNotFoundError:
            return []

    def acked_after(self, t):
        """Acknowledgements on connections made after `t` (an ack already in flight from the old
        primary when it was killed is not the new primary's)."""
        later = [c for c in self.connects() if c > t]
        return [a for a in self.acks() if later and a[0] > later[0]]

    def ledger(self):
        return [[self.tag, seq, offset] for _, seq, offset in self.acks()]

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.acks()
