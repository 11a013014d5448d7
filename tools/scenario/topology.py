"""Where a scenario's hosts live and how to reach them.
- loopback: host N is 127.<prefix>.N on this machine's loopback (no privileges; every process
  shares one network stack, so VRRP and partitions cannot be shown: nodes that need them are
  left out, with the reason in the progress and the report);
- netns: host N is a network namespace with eth0 = <netns_prefix>.N/24 on a bridge
  (tests/integration/netns.py, root), VIPs move for real, partitions are nftables rules.
Placeholders in node configs and workload targets (${name}, ${name.port}) resolve here."""
import os
import subprocess

from .paths import SCENARIO_PACKAGE_DIR, use_integration_modules
from .spec import PLACEHOLDER

use_integration_modules()
import netns  # noqa: E402  (tests/integration/netns.py)

FENCE_SCRIPT = os.path.join(SCENARIO_PACKAGE_DIR, "fence_by_pidfile.sh")


def netns_usable():
    """(True, "") when namespaces can be made here, else (False, the reason)."""
    if os.geteuid() != 0:
        return False, "not root (network namespaces need root)"
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        return False, "'ip netns' does not work here"
    return True, ""


def choose_kind(requested):
    """The topology to run: `requested`, or for "auto" netns when it works, else loopback."""
    if requested != "auto":
        return requested, ""
    ok, why = netns_usable()
    return ("netns", "") if ok else ("loopback", why)


class Topology:
    def __init__(self, scenario, kind):
        self.scenario, self.kind = scenario, kind
        self.prefix = scenario.netns_prefix if kind == "netns" else scenario.loopback_prefix
        self.namespaces = None
        self.dropped = {}  # host -> set of addresses it drops (partitions, cut links)
        self.pid_dir = "/nonexistent"  # where the runner writes <node>.pid (fence scripts read it)

    # -- addresses -------------------------------------------------------------------------
    def ip(self, host):
        return f"{self.prefix}.{host}"

    def host_of(self, name):
        sc = self.scenario
        for item in sc.nodes + sc.backends:
            if item.name == name:
                return item.host
        if name in sc.vips:
            return sc.vips[name]
        raise KeyError(name)

    def pidfile(self, node_name):
        return os.path.join(self.pid_dir, f"{node_name}.pid")

    def resolve(self, text):
        """Replaces ${name} by its address, ${name.port} (.imap, .pop3) by address:port,
        ${node.pidfile} by the file holding that node's PID, ${fence_script} by
        tools/scenario/fence_by_pidfile.sh."""
        def one(m):
            name, attr = m.group(1), m.group(2)
            if name == "fence_script":
                return FENCE_SCRIPT
            if attr == "pidfile":
                return self.pidfile(name)
            address = self.ip(self.host_of(name))
            if not attr:
                return address
            b = self.scenario.backend(name)
            port = {"port": b.port, "imap": b.imap_port, "pop3": b.pop3_port}.get(attr) if b else None
            if not port:
                raise ValueError(f"${{{name}.{attr}}}: {name} has no {attr}")
            return f"{address}:{port}"
        return PLACEHOLDER.sub(one, text)

    # -- namespaces ------------------------------------------------------------------------
    def hosts(self):
        sc = self.scenario
        return sorted({n.host for n in sc.nodes} | {b.host for b in sc.backends} | {sc.client_host})

    def create(self, hosts):
        if self.kind == "netns":
            self.namespaces = netns.Topology({f"h{h}": f"{self.ip(h)}/24" for h in hosts})

    def exec_prefix(self, host):
        if self.kind == "netns":
            return self.namespaces.exec_prefix(f"h{host}")
        return []

    def has_address(self, host, address):
        if self.kind != "netns":
            return False
        return self.namespaces.has_address(f"h{host}", address)

    # -- faults on the network (netns only) -------------------------------------------------
    def drop_between(self, hosts_a, hosts_b):
        for a in hosts_a:
            self.dropped.setdefault(a, set()).update(self.ip(b) for b in hosts_b)
        for b in hosts_b:
            self.dropped.setdefault(b, set()).update(self.ip(a) for a in hosts_a)
        for h in set(hosts_a) | set(hosts_b):
            self.namespaces.drop_traffic(f"h{h}", self.dropped[h])

    def heal(self):
        for h in list(self.dropped):
            self.namespaces.drop_traffic(f"h{h}", [])
        self.dropped = {}

    def close(self):
        if self.namespaces is not None:
            self.namespaces.close()
            self.namespaces = None
