"""A scenario file (scenarios/*.toml) read into plain objects, every value validated with its
key path. scenarios/README.md documents the format; `hamesh-scenario check FILE` runs only
this module."""
import os
import re
import tomllib
from dataclasses import dataclass, field

from .table_reader import TableReader

TOPOLOGIES = ("auto", "loopback", "netns")
BACKEND_KINDS = ("http", "tcp", "smtp", "dovecot")
WORKLOAD_KINDS = ("http", "smtp", "imap", "pop3", "nbd")
ACTIONS = {
    # action: (keys it needs, keys it may have)
    "crash": (("node",), ()),
    "start": (("node",), ()),
    "stop": (("node",), ()),
    "pause": (("node",), ()),
    "resume": (("node",), ()),
    "kill_actor": (("node", "path"), ()),
    "promote": (("node", "volume"), ("force",)),
    "demote": (("node", "volume"), ()),
    "partition": (("a", "b"), ()),
    "heal": ((), ()),
    "cut_link": (("a", "b"), ()),
    "backend_down": (("backend",), ()),
    "backend_up": (("backend",), ()),
    "backend_slow": (("backend", "delay"), ()),
    "disk_full": (("node",), ()),
    "disk_free": (("node",), ()),
}
INVARIANT_KINDS = ("single_master", "single_primary", "acknowledged_writes", "error_budget",
                   "failover", "state")
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_-]+)(?:\.([a-z0-9_]+))?\}")
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")


class ScenarioError(Exception):
    def __init__(self, path, errors):
        self.path, self.errors = path, errors
        super().__init__("\n".join(f"{path}: {e}" for e in errors))


@dataclass
class NodeSpec:
    name: str
    host: int
    config: str             # the node's TOML with ${...} placeholders
    disk: int = 0           # bytes of a tmpfs for its files (disk_full faults); 0: none
    requires: list = field(default_factory=list)  # "netns", "dovecot", "root"


@dataclass
class BackendSpec:
    name: str
    kind: str
    host: int
    port: int = 0
    imap_port: int = 0
    pop3_port: int = 0
    users: dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class WorkloadSpec:
    name: str
    kind: str
    targets: list
    loopback_targets: list
    rate: float
    timeout: float
    start: float
    paths: list = field(default_factory=list)
    users: dict = field(default_factory=dict)
    export: str = ""
    block_size: int = 4096
    blocks: int = 0
    requires: list = field(default_factory=list)


@dataclass
class StepSpec:
    at: float
    action: str
    label: str
    args: dict


@dataclass
class InvariantSpec:
    name: str
    kind: str
    args: dict


@dataclass
class Scenario:
    path: str
    name: str
    description: str
    topology: str
    duration: float
    short_factor: float
    ready_timeout: float
    netns_prefix: str
    loopback_prefix: str
    client_host: int
    vips: dict
    nodes: list
    backends: list
    workloads: list
    timeline: list
    invariants: list
    ready: list

    def node(self, name):
        return next((n for n in self.nodes if n.name == name), None)

    def backend(self, name):
        return next((b for b in self.backends if b.name == name), None)

    def workload(self, name):
        return next((w for w in self.workloads if w.name == name), None)

    def step(self, label):
        return next((s for s in self.timeline if s.label == label), None)

    def shortened(self):
        """The --short form: every time in the timeline and the duration scaled down."""
        f = self.short_factor
        self.duration *= f
        for s in self.timeline:
            s.at *= f
        for w in self.workloads:
            w.start *= f
        return self


def _size_bytes(reader, key):
    v = reader.string(key)
    if v is None:
        return 0
    m = re.match(r"^(\d+)(KiB|MiB|GiB)$", v)
    if not m:
        reader.error(key, f'expected a size like "16MiB", found {v!r}')
        return 0
    return int(m.group(1)) << {"KiB": 10, "MiB": 20, "GiB": 30}[m.group(2)]


def _name(reader, key, seen, what):
    n = reader.string(key, required=True)
    if n is None:
        return None
    if not NAME.match(n):
        reader.error(key, f"expected a {what} name of lowercase letters, digits, '-' or '_' "
                          f"(1..16, a letter first), found {n!r}")
    elif n in seen:
        reader.error(key, f"{what} {n!r} is defined twice")
    seen.add(n)
    return n


def _node(r, folder, names):
    name = _name(r, "name", names, "node")
    host = r.integer("host", 1, 254, required=True)
    text = r.string("config")
    path = r.string("config_file")
    if (text is None) == (path is None):
        r.error("config", "expected either config (the node's TOML inline) or config_file (a path)")
    if path is not None:
        full = os.path.join(folder, path)
        try:
            with open(full) as f:
                text = f.read()
        except OSError as e:
            r.error("config_file", f"cannot read {full}: {e.strerror}")
    text = text or ""
    for section in ("[mesh]", "[log]"):
        if re.search(r"^\s*" + re.escape(section), text, re.M):
            r.error("config", f"{section} is the runner's (the control endpoint and the log file); leave it out")
    requires = r.strings("requires", default=[])
    for req in requires:
        if req not in ("netns", "dovecot", "root"):
            r.error("requires", f"expected netns, dovecot or root, found {req!r}")
    disk = _size_bytes(r, "disk")
    r.finish()
    return NodeSpec(name or "?", host or 0, text, disk, requires)


def _backend(r, names):
    name = _name(r, "name", names, "backend")
    kind = r.choice("kind", BACKEND_KINDS, required=True)
    b = BackendSpec(name or "?", kind or "http", r.integer("host", 1, 254, required=True) or 0)
    if kind in ("http", "tcp", "smtp"):
        b.port = r.integer("port", 1, 65535, required=True) or 0
        b.delay = r.duration("delay", default=0.0)
    elif kind == "dovecot":
        b.imap_port = r.integer("imap_port", 1, 65535, required=True) or 0
        b.pop3_port = r.integer("pop3_port", 1, 65535, required=True) or 0
        b.users = r.string_table("users", default={})
        if not b.users:
            r.error("users", 'expected at least one user: users = { "alice@example.org" = "pw" }')
    r.finish()
    return b


def _workload(r, names):
    name = _name(r, "name", names, "workload")
    kind = r.choice("kind", WORKLOAD_KINDS, required=True) or "http"
    targets = r.strings("targets", required=True, default=[])
    if not targets and r.has("targets"):
        r.error("targets", "expected at least one HOST:PORT")
    w = WorkloadSpec(name or "?", kind, targets, r.strings("loopback_targets", default=[]) or targets,
                     r.number("rate", 0.1, 2000, default=20.0), r.duration("timeout", default=2.0),
                     r.duration("start", default=0.0))
    w.requires = r.strings("requires", default=[])
    if kind == "http":
        w.paths = r.strings("paths", default=["/"])
    elif kind in ("imap", "pop3"):
        w.users = r.string_table("users", default={})
        if not w.users:
            r.error("users", "expected the users that log in: users = { user = password }")
    elif kind == "nbd":
        w.export = r.string("export", required=True) or ""
        w.block_size = r.integer("block_size", 512, 1 << 20, default=4096)
        w.blocks = r.integer("blocks", 1, 1 << 24, required=True) or 0
    r.finish()
    return w


def _step(r, i, labels):
    at = r.duration("at", required=True)
    action = r.choice("action", tuple(ACTIONS), required=True)
    label = r.string("label") or f"{action or 'step'}#{i}"
    if label in labels:
        r.error("label", f"label {label!r} is used twice")
    labels.add(label)
    args = {}
    if action:
        needed, optional = ACTIONS[action]
        for key in needed + optional:
            if key in ("a", "b"):
                v = r.raw(key, key in needed)
                if v is not None:
                    if isinstance(v, str):
                        v = [v]
                    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
                        r.error(key, f"expected a node name or an array of node names, found {v!r}")
                    else:
                        args[key] = v
            elif key == "delay":
                args[key] = r.duration(key, required=True)
            elif key == "force":
                args[key] = r.boolean(key)
            else:
                args[key] = r.string(key, required=key in needed)
    r.finish()
    return StepSpec(at or 0.0, action or "?", label, args)


def _invariant(r, i):
    kind = r.choice("kind", INVARIANT_KINDS, required=True)
    name = r.string("name") or f"{kind}#{i}"
    a = {}
    if kind == "single_master":
        a["vrid"] = r.integer("vrid", 1, 255)
        a["grace"] = r.duration("grace", default=1.0)
    elif kind == "single_primary":
        a["volume"] = r.string("volume", required=True)
        a["grace"] = r.duration("grace", default=1.0)
    elif kind == "acknowledged_writes":
        a["workload"] = r.string("workload", required=True)
    elif kind == "error_budget":
        a["workload"] = r.string("workload", required=True)
        a["max_error_rate"] = r.number("max_error_rate", 0.0, 1.0)
        a["max_errors"] = r.integer("max_errors", 0, 1 << 30)
        a["max_outage"] = r.duration("max_outage")
        a["min_requests"] = r.integer("min_requests", 0, 1 << 30, default=1)
        if a["max_error_rate"] is None and a["max_errors"] is None and a["max_outage"] is None:
            r.error("max_error_rate", "expected at least one of max_error_rate, max_errors, max_outage")
    elif kind == "failover":
        role = r.string("role", required=True)
        if role is not None and not re.match(r"^(vrrp|volume):[A-Za-z0-9_-]+$", role):
            r.error("role", f'expected "vrrp:INSTANCE" or "volume:NAME", found {role!r}')
        a["role"] = role
        a["after"] = r.string("after", required=True)
        a["within"] = r.duration("within", required=True)
    elif kind == "state":
        a["node"] = r.string("node", required=True)
        a["path"] = r.string("path", required=True)
        a["field"] = r.string("field", required=True)
        ops = [k for k in ("equals", "not_equals", "at_least", "at_most") if r.has(k)]
        if len(ops) != 1:
            r.error("equals", "expected exactly one of equals, not_equals, at_least, at_most")
        for k in ops:
            a["op"], a["value"] = k, r.raw(k)
    r.finish()
    return InvariantSpec(name, kind or "?", a)


def _ready(r):
    cond = {"node": r.string("node", required=True), "path": r.string("path", required=True),
            "field": r.string("field", required=True), "equals": r.raw("equals", True)}
    r.finish()
    return cond


def _check_references(sc, errors):
    nodes = {n.name for n in sc.nodes}
    backends = {b.name for b in sc.backends}
    hosts = {}
    for what, items in (("node", sc.nodes), ("backend", sc.backends)):
        for it in items:
            if it.host == sc.client_host:
                errors.append(f"{what} {it.name}: host {it.host} is the client's (scenario.client_host)")
    for n in sc.nodes:
        if n.host in hosts:
            errors.append(f"node {n.name}: host {n.host} is also node {hosts[n.host]}'s (one node per host)")
        hosts[n.host] = n.name
    known = nodes | backends | set(sc.vips) | {"fence_script"}
    sections = [(f"node[{i}].config", n.config) for i, n in enumerate(sc.nodes)]
    sections += [(f"workload[{i}].targets", " ".join(w.targets + w.loopback_targets))
                 for i, w in enumerate(sc.workloads)]
    for where, text in sections:
        for m in PLACEHOLDER.finditer(text):
            if m.group(1) not in known:
                errors.append(f"{where}: ${{{m.group(1)}}} names no node, backend or vip "
                              f"(known: {', '.join(sorted(known))})")
    for i, s in enumerate(sc.timeline):
        for key in ("node",):
            if key in s.args and s.args[key] not in nodes:
                errors.append(f"timeline[{i}].{key}: no node named {s.args[key]!r}")
        for key in ("a", "b"):
            for n in s.args.get(key, []):
                if n not in nodes:
                    errors.append(f"timeline[{i}].{key}: no node named {n!r}")
        if "backend" in s.args and s.args["backend"] not in backends:
            errors.append(f"timeline[{i}].backend: no backend named {s.args['backend']!r}")
        if s.at > sc.duration:
            errors.append(f"timeline[{i}].at: {s.at}s is past scenario.duration ({sc.duration}s)")
    for i, inv in enumerate(sc.invariants):
        a = inv.args
        if "workload" in a and a["workload"] and not sc.workload(a["workload"]):
            errors.append(f"invariant[{i}].workload: no workload named {a['workload']!r}")
        if inv.kind == "acknowledged_writes" and sc.workload(a.get("workload") or ""):
            if sc.workload(a["workload"]).kind != "nbd":
                errors.append(f"invariant[{i}].workload: acknowledged_writes needs an nbd workload")
        if inv.kind == "failover" and a.get("after") and not sc.step(a["after"]):
            errors.append(f"invariant[{i}].after: no timeline step labelled {a['after']!r}")
        if inv.kind == "state" and a.get("node") and a["node"] not in nodes:
            errors.append(f"invariant[{i}].node: no node named {a['node']!r}")


def load(path):
    """The scenario in `path`, or ScenarioError with every problem found."""
    errors = []
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:
        raise ScenarioError(path, [f"cannot read: {e.strerror}"])
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(path, [f"not valid TOML: {e}"])
    top = TableReader(doc, "", errors)
    s = top.sub("scenario")
    name = s.string("name", required=True) or os.path.splitext(os.path.basename(path))[0]
    sc = Scenario(
        path=os.path.abspath(path), name=name, description=s.string("description", default=""),
        topology=s.choice("topology", TOPOLOGIES, default="auto"),
        duration=s.duration("duration", required=True, default=10.0),
        short_factor=s.number("short_factor", 0.05, 1.0, default=0.5),
        ready_timeout=s.duration("ready_timeout", default=30.0),
        netns_prefix=s.string("netns_prefix", default="10.79.0"),
        loopback_prefix=s.string("loopback_prefix", default="127.0.79"),
        client_host=s.integer("client_host", 1, 254, default=250),
        vips={}, nodes=[], backends=[], workloads=[], timeline=[], invariants=[], ready=[])
    for key, prefix in (("netns_prefix", sc.netns_prefix), ("loopback_prefix", sc.loopback_prefix)):
        if not re.match(r"^\d{1,3}\.\d{1,3}\.\d{1,3}$", prefix):
            s.error(key, f'expected the first three octets of a /24, like "10.79.0", found {prefix!r}')
    if not sc.loopback_prefix.startswith("127."):
        s.error("loopback_prefix", f"expected a 127.x.y prefix (loopback), found {sc.loopback_prefix!r}")
    s.finish()
    v = top.sub("vips")
    for key in list(v.table):
        host = v.integer(key, 1, 254)
        if host is not None:
            sc.vips[key] = host
    v.finish()
    folder = os.path.dirname(os.path.abspath(path))
    names = set()
    sc.nodes = [_node(r, folder, names) for r in top.tables("node")]
    sc.backends = [_backend(r, names) for r in top.tables("backend")]
    wnames = set()
    sc.workloads = [_workload(r, wnames) for r in top.tables("workload")]
    labels = set()
    sc.timeline = sorted((_step(r, i, labels) for i, r in enumerate(top.tables("timeline"))),
                         key=lambda st: st.at)
    sc.invariants = [_invariant(r, i) for i, r in enumerate(top.tables("invariant"))]
    sc.ready = [_ready(r) for r in top.tables("ready")]
    top.finish()
    if not sc.nodes:
        errors.append("node: expected at least one [[node]]")
    if not errors:
        _check_references(sc, errors)
    if errors:
        raise ScenarioError(path, errors)
    return sc
