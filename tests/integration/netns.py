"""Network namespaces for tests: a hub namespace with a bridge and one namespace per host,
each with eth0 on the bridge. Names carry the test's PID so runs never collide; everything
is deleted on close(), also when the test fails. Needs root (ip netns)."""
import os
import subprocess
import sys

from harness import Node, wait_for


def require_root(test_name):
    """Exits 77 (ctest's skip code) with the reason when namespaces cannot be made here."""
    if os.geteuid() != 0:
        print(f"SKIP {test_name}: needs root for network namespaces (ip netns); run it as root")
        sys.exit(77)
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        print(f"SKIP {test_name}: 'ip netns' does not work here (iproute2 missing or no permission)")
        sys.exit(77)


def sh(*args, check=True):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r


class Topology:
    def __init__(self, hosts):
        """hosts: {"a": "10.77.0.1/24", ...}"""
        tag = str(os.getpid() % 100000)
        self.hub = f"hm{tag}hub"
        self.ns = {name: f"hm{tag}{name}" for name in hosts}
        self.created = []
        try:
            sh("ip", "netns", "add", self.hub)
            self.created.append(self.hub)
            sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
            sh("ip", "-n", self.hub, "link", "set", "br0", "up")
            for name, cidr in hosts.items():
                ns = self.ns[name]
                sh("ip", "netns", "add", ns)
                self.created.append(ns)
                host_end, hub_end = f"hv{tag}{name}", f"hp{tag}{name}"
                sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", hub_end)
                sh("ip", "link", "set", host_end, "netns", ns)
                sh("ip", "link", "set", hub_end, "netns", self.hub)
                sh("ip", "-n", self.hub, "link", "set", hub_end, "master", "br0")
                sh("ip", "-n", self.hub, "link", "set", hub_end, "up")
                sh("ip", "-n", ns, "link", "set", "lo", "up")
                sh("ip", "-n", ns, "link", "set", host_end, "name", "eth0")
                sh("ip", "-n", ns, "addr", "add", cidr, "dev", "eth0")
                sh("ip", "-n", ns, "link", "set", "eth0", "up")
        except Exception:
            self.close()
            raise

    def exec_prefix(self, host):
        return ["ip", "netns", "exec", self.ns[host]]

    def has_address(self, host, address):
        r = sh("ip", "-n", self.ns[host], "-4", "-o", "addr", "show", "dev", "eth0", check=False)
        return f" {address}/" in r.stdout

    def drop_traffic(self, host, addresses):
        """From now on `host` drops every packet to and from `addresses` (a partition or a cut
        link, nftables in its namespace); an empty list lets everything through again."""
        ns = self.ns[host]
        sh("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "hamesh_fault", check=False)
        if not addresses:
            return
        peers = ", ".join(sorted(addresses))
        ruleset = (f"table inet hamesh_fault {{\n"
                   f"  chain input {{ type filter hook input priority -10; ip saddr {{ {peers} }} drop; }}\n"
                   f"  chain output {{ type filter hook output priority -10; ip daddr {{ {peers} }} drop; }}\n"
                   f"}}\n")
        r = subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=ruleset,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"nft in {ns}: {r.stderr.strip()}")

    def close(self):
        # Processes inside are the tests' to stop; a namespace goes once its last one does.
        for ns in reversed(self.created):
            sh("ip", "netns", "del", ns, check=False)
        self.created = []


class NsNode(Node):
    """A Node whose process runs inside a namespace of a Topology (its control endpoint is
    that namespace's loopback, port 4790)."""

    def __init__(self, topo, host, bin_dir, text, label="ns", parent=None):
        super().__init__(bin_dir, text, f"{label}-{host}", parent)
        self.topo, self.host = topo, host

    def start(self):
        self.stderr = open(os.path.join(self.dir, "stderr"), "a")
        # A restart appends to the same log: only this run's lines count.
        seen = len(self.log_text())
        self.proc = subprocess.Popen(self.exec_prefix() + [os.path.join(self.bin_dir, "hamesh-node"), "--config", self.config],
                                     cwd=self.dir, stdout=self.stderr, stderr=subprocess.STDOUT)
        wait_for(f"{self.host} up", lambda: self.proc.poll() is None and "control endpoint listening" in self.log_text()[seen:], timeout=15)
        self.port = 4790

    def exec_prefix(self):
        return self.topo.exec_prefix(self.host)

    def restart_with(self, text):
        """Starts it again with `text` as its config (the log goes on, marked)."""
        self.write_config(text)
        with open(self.log, "a") as f:
            f.write("--- restart ---\n")
        self.start()
