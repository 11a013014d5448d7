"""One run of a scenario: setup (topology, backends, nodes), ready, workloads and the
timeline of faults with the watcher polling, verify, invariants, and always the teardown
(every process by its PID, namespaces, mounts), also on Ctrl-C, SIGTERM or a failure."""
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

from . import faults, invariants, report
from .cluster import ClusterBackend, ClusterNode, check_config
from .durations import format_seconds
from .paths import default_bin_dir
from .topology import Topology, choose_kind, netns_usable
from .watcher import Watcher, roles_of, walk
from .workloads import WorkloadRun

import dovecot  # noqa: E402  (tests/integration/dovecot.py, on the path through .cluster)

PROGRESS_EVERY = 2.0


class SetupFailed(Exception):
    pass


class Run:
    def __init__(self, scenario, report_dir, seed=1, short=False, bin_dir=None, out=sys.stdout):
        self.scenario = scenario.shortened() if short else scenario
        self.short, self.seed = short, seed
        self.report_dir = report_dir
        self.bin_dir = bin_dir or default_bin_dir()
        self.out = out
        self.events, self.role_samples = [], []
        self.lock = threading.Lock()
        self.print_lock = threading.Lock()
        self.started_wall = time.time()
        self.zero = None          # wall time of the timeline's 0 (workloads start)
        self.end_time = 0.0
        self.phase_name = "setup"
        self.nodes, self.backends, self.workloads = {}, {}, {}
        self.omitted = {}         # name -> why it does not run here
        self.final_trees = {}
        self.results = []
        self.topo = None
        self.watcher = None
        self.outcome = "not run"
        self.faults_applied = 0
        self.private_bin = None

    # -- time and events --------------------------------------------------------------------
    def now(self):
        return time.time() - (self.zero if self.zero is not None else self.started_wall)

    def event(self, kind, at=None, **fields):
        """Records one event at `at` (default: now), seconds from the timeline's start."""
        e = {"t": round(self.now() if at is None else at, 3), "kind": kind, **fields}
        with self.lock:
            self.events.append(e)
        self._print_event(e)
        return e

    def say(self, text):
        with self.print_lock:  # the watcher's threads print too
            print(f"[{self.now():7.1f}s] {text}", file=self.out, flush=True)

    def _print_event(self, e):
        k = e["kind"]
        if k == "role":
            self.say(f"  {e['node']}: {e['role']} {e.get('was') or '-'} -> {e['value']}")
        elif k == "actor" and (e.get("was_restarts") is not None and e["restarts"] != e.get("was_restarts")):
            self.say(f"  {e['node']}: actor {e['path']} restarted ({e['restarts']} restarts, {e['status']})")
        elif k == "node_state":
            self.say(f"  {e['node']}: {e['state']} ({e['why']})")
        elif k == "note":
            self.say(f"  note: {e['text']}")

    def phase(self, name):
        self.phase_name = name
        self.event("phase", phase=name)
        self.say(f"== {name}")

    def note(self, text):
        self.event("note", text=text)

    def node_state(self, node, state, why):
        node.state = state
        if state != "up" and self.watcher:
            self.watcher.forget(node.name)
        self.event("node_state", node=node.name, state=state, why=why)

    def scenario_node_names(self):
        return [n.name for n in self.scenario.nodes]

    # -- setup ------------------------------------------------------------------------------
    @staticmethod
    def _dovecot_missing():
        """Why a Dovecot cannot run here, or None (it switches to user dovecot: root only)."""
        if not dovecot.available():
            return "Dovecot is not installed (tools/setup.sh installs it)"
        if os.geteuid() != 0:
            return "Dovecot needs root here (its processes switch to user dovecot)"
        return None

    def _choose_what_runs(self, kind):
        sc = self.scenario
        no_dovecot = self._dovecot_missing()
        for n in sc.nodes:
            why = None
            if "netns" in n.requires and kind != "netns":
                why = "needs the netns topology"
            elif "root" in n.requires and os.geteuid() != 0:
                why = "needs root"
            elif "dovecot" in n.requires and no_dovecot:
                why = no_dovecot
            elif kind == "loopback" and "[[vrrp.instance]]" in n.config:
                why = ("runs VRRP: on loopback every node shares one network stack, so a VIP cannot "
                       "move between them (the netns topology, as root, runs it)")
            if why:
                self.omitted[n.name] = why
        for b in sc.backends:
            if b.kind == "dovecot" and no_dovecot:
                self.omitted[b.name] = no_dovecot
        for w in sc.workloads:
            targets = w.loopback_targets if kind == "loopback" else w.targets
            names = {m.group(1) for t in targets for m in re.finditer(r"\$\{([A-Za-z0-9_-]+)", t)}
            gone = sorted(n for n in names if n in self.omitted)
            if gone:
                self.omitted[w.name] = f"its targets ({', '.join(gone)}) do not run here"
            elif "dovecot" in w.requires and no_dovecot:
                self.omitted[w.name] = no_dovecot
        for name, why in self.omitted.items():
            self.note(f"left out {name}: {why}")

    def private_binaries(self):
        """Copies hamesh-node and hameshctl to a folder of the run's own: a rebuild of build/
        during the run (the binaries replaced under it) must not stop a node's restart."""
        self.private_bin = tempfile.mkdtemp(prefix="hamesh-scenario-bin-")
        for name in ("hamesh-node", "hameshctl"):
            src = os.path.join(self.bin_dir, name)
            if not os.access(src, os.X_OK):
                raise SetupFailed(f"{src} is missing: build first (tools/build.sh)")
            shutil.copy2(src, os.path.join(self.private_bin, name))
        self.bin_dir = self.private_bin

    def setup(self):
        sc = self.scenario
        self.private_binaries()
        kind, why = choose_kind(sc.topology)
        if kind == "netns":
            ok, reason = netns_usable()
            if not ok:
                raise SetupFailed(f"the scenario needs the netns topology: {reason}")
        self.topo = Topology(sc, kind)
        self.topo.pid_dir = self.report_dir
        self.event("topology", topology=kind, why_not_netns=why or None,
                   prefix=self.topo.prefix)
        self.say(f"topology {kind}" + (f" ({why})" if why else "") + f", hosts {self.topo.prefix}.N")
        self._choose_what_runs(kind)
        self.topo.create(self.topo.hosts())
        folder = os.path.join(self.report_dir, "nodes")
        os.makedirs(folder, exist_ok=True)
        for b in sc.backends:
            if b.name in self.omitted:
                continue
            cb = ClusterBackend(b, self.topo, folder)
            self.backends[b.name] = cb
            cb.start()
            self.event("backend", backend=b.name, backend_kind=b.kind, address=cb.address, pid=cb.pid)
        for n in sc.nodes:
            if n.name in self.omitted:
                continue
            node = ClusterNode(n, self.topo, self.bin_dir, folder)
            self.nodes[n.name] = node
            if n.disk:
                if os.geteuid() == 0:
                    node.mount_disk()
                else:
                    self.note(f"{n.name}: no disk of its own (a tmpfs needs root); disk_full faults are skipped")
        refused = [f"{name}: {err}" for name, node in self.nodes.items()
                   if (err := check_config(self.bin_dir, node.proc_node.config))]
        if refused:
            raise SetupFailed("hamesh-node --check-config refused a node config:\n" + "\n".join(refused))
        for node in self.nodes.values():
            node.start()
            self.node_state(node, "up", f"started, pid {node.pid}, {node.address}")

    def wait_ready(self):
        deadline = time.monotonic() + self.scenario.ready_timeout
        pending = None
        while time.monotonic() < deadline:
            pending = self._not_ready()
            if not pending:
                return
            time.sleep(0.2)
        raise SetupFailed(f"not ready within {format_seconds(self.scenario.ready_timeout)}: {pending}")

    def _not_ready(self):
        trees = {}
        for node in self.nodes.values():
            if not node.alive():
                raise SetupFailed(f"node {node.name} exited during setup (log: {node.proc_node.log})")
            rc, tree = node.ctl("tree")
            if rc != 0:
                return f"{node.name} does not answer hameshctl"
            trees[node.name] = tree
            down = [a["path"] for a in walk(tree) if a.get("path") and a.get("status") != "running"]
            if down:
                return f"{node.name}: {', '.join(down[:3])} not running"
        for cond in self.scenario.ready:
            if cond["node"] not in trees:
                continue
            found, v = invariants._field(trees[cond["node"]], cond["path"], cond["field"])
            if not found or v != cond["equals"]:
                return f"{cond['node']} {cond['path']} {cond['field']} = {v!r}, waiting for {cond['equals']!r}"
        return None

    # -- the run ------------------------------------------------------------------------------
    def start_timeline(self):
        offset = time.time() - self.started_wall
        self.zero = time.time()
        with self.lock:
            for e in self.events:
                e["t"] = round(e["t"] - offset, 3)

    def start_workload(self, w):
        kind = self.topo.kind
        targets = [self.topo.resolve(t) for t in (w.loopback_targets if kind == "loopback" else w.targets)]
        run = WorkloadRun(w, targets, self.topo.exec_prefix(self.scenario.client_host), self.report_dir,
                          self.zero, self.seed)
        self.workloads[w.name] = run
        run.start()
        self.event("workload_start", workload=w.name, workload_kind=w.kind, targets=targets, rate=w.rate)
        self.say(f"  workload {w.name} ({w.kind}, {w.rate:g}/s) -> {', '.join(targets)}")

    def apply(self, step):
        began = self.now()  # the fault's time is when it began (a Dovecot takes a while to stop)
        try:
            details = faults.ACTIONS[step.action](self, step.args)
            self.faults_applied += 1
            self.event("fault", at=began, label=step.label, action=step.action, args=step.args, details=details)
            took = self.now() - began
            self.say(f"  FAULT {step.label}: {step.action} {self._describe(step.args)} -> {self._describe(details)}"
                     + (f" (from {began:.1f}s, took {took:.1f}s)" if took >= 0.5 else ""))
        except faults.Skipped as e:
            self.event("fault", at=began, label=step.label, action=step.action, args=step.args, skipped=str(e))
            self.say(f"  skipped {step.label}: {e}")
        except Exception as e:
            self.event("fault", at=began, label=step.label, action=step.action, args=step.args, error=str(e))
            self.say(f"  FAILED to apply {step.label}: {e}")

    @staticmethod
    def _describe(d):
        return " ".join(f"{k}={v}" for k, v in d.items() if v is not None and v != "")

    def progress(self):
        t = self.now()
        parts = [f"{self.phase_name}", f"faults {self.faults_applied}/{len(self.scenario.timeline)}"]
        for w in self.workloads.values():
            rate, ok, p99 = w.recent(t)
            if ok is None:
                parts.append(f"{w.name}: -")
            else:
                parts.append(f"{w.name}: {rate:.1f}/s {ok:.0%} ok p99 {p99:.0f}ms")
        self.say("  ".join(parts))

    def run_timeline(self):
        sc = self.scenario
        pending_w = sorted((w for w in sc.workloads if w.name not in self.omitted), key=lambda w: w.start)
        pending_s = list(sc.timeline)
        next_progress = 0.0
        while True:
            t = self.now()
            while pending_w and pending_w[0].start <= t:
                self.start_workload(pending_w.pop(0))
            while pending_s and pending_s[0].at <= t:
                self.apply(pending_s.pop(0))
            if t >= next_progress:
                self.progress()
                next_progress = t + PROGRESS_EVERY
            if t >= sc.duration and not pending_s:
                break
            wakeups = [sc.duration, next_progress] + [s.at for s in pending_s[:1]] + [w.start for w in pending_w[:1]]
            time.sleep(max(0.01, min(wakeups) - self.now()))

    def verify(self):
        for w in self.workloads.values():
            w.stop()
        for node in self.nodes.values():
            if node.state == "up" and node.alive():
                tree = self.watcher.poll_once(node)
                if tree is not None:
                    self.final_trees[node.name] = tree
        for w in self.workloads.values():
            if w.spec.kind == "nbd":
                targets = self._primary_first(w)
                r = w.verify(targets)
                self.event("verify", workload=w.name, result=r)
                self.say(f"  {w.name}: {len(w.acknowledged)} acknowledged writes; read back: {r}")

    def _primary_first(self, w):
        primaries = {node.address for name, node in self.nodes.items()
                     if any(v == "primary" for r, v in roles_of(self.final_trees.get(name, {})).items()
                            if r.startswith("volume:"))}
        return sorted(w.targets, key=lambda t: t.rsplit(":", 1)[0] not in primaries)

    def execute(self):
        """The whole run; the exit code (0: every invariant held)."""
        os.makedirs(self.report_dir, exist_ok=True)
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}

        def interrupted(signum, frame):
            raise KeyboardInterrupt(signal.Signals(signum).name)
        for s in previous:
            signal.signal(s, interrupted)
        code = 1
        try:
            self.say(f"scenario {self.scenario.name}{' (short)' if self.short else ''}: "
                     f"{self.scenario.description}")
            self.phase("setup")
            self.setup()
            self.phase("ready")
            self.wait_ready()
            self.start_timeline()
            self.watcher = Watcher(self)
            self.watcher.start()
            self.phase("timeline")
            self.run_timeline()
            self.phase("verify")
            self.verify()
            self.end_time = self.now()
            self.results = invariants.evaluate(self)
            failed = [r for r in self.results if r["verdict"] == "fail"]
            self.outcome = "failed" if failed else "passed"
            code = 1 if failed else 0
        except SetupFailed as e:
            self.outcome = "setup failed"
            self.event("error", text=str(e))
            self.say(f"SETUP FAILED: {e}")
        except KeyboardInterrupt as e:
            self.outcome = f"interrupted ({e or 'SIGINT'})"
            self.event("error", text=self.outcome)
            self.say(f"INTERRUPTED ({e or 'SIGINT'}): tearing down")
            code = 130
        except Exception as e:
            self.outcome = "runner error"
            self.event("error", text=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
            self.say(f"RUNNER ERROR: {type(e).__name__}: {e}")
            traceback.print_exc(file=self.out)
        finally:
            for s in previous:  # nothing stops the teardown half-way
                signal.signal(s, signal.SIG_IGN)
            if not self.end_time:
                self.end_time = self.now()
            self.teardown()
            for s, h in previous.items():
                signal.signal(s, h)
        report.write(self)
        self.print_summary()
        return code

    def teardown(self):
        self.phase_name = "teardown"
        self.say("== teardown")
        steps = [("workloads", lambda: [w.teardown() for w in self.workloads.values()]),
                 ("watcher", lambda: self.watcher and self.watcher.stop()),
                 ("nodes", self._stop_nodes),
                 ("backends", lambda: [b.teardown() for b in self.backends.values()]),
                 ("namespaces", lambda: self.topo and self.topo.close()),
                 ("binaries", lambda: self.private_bin and shutil.rmtree(self.private_bin, ignore_errors=True))]
        for what, fn in steps:
            try:
                fn()
            except Exception as e:
                self.say(f"  teardown of {what}: {type(e).__name__}: {e}")

    def _stop_nodes(self):
        for node in self.nodes.values():
            if node.alive():
                try:
                    node.stop(timeout=5)
                except Exception:
                    pass
            node.teardown()

    def print_summary(self):
        w = self.out
        print("", file=w)
        print(f"== {self.scenario.name}: {self.outcome.upper()} "
              f"({self.topo.kind if self.topo else '-'} topology, {self.end_time:.1f} s, "
              f"{self.faults_applied} faults applied)", file=w)
        for r in self.results:
            mark = {"pass": "PASS", "fail": "FAIL", "skipped": "SKIP"}[r["verdict"]]
            print(f"  {mark}  {r['name']}: {r['summary']}", file=w)
        for name, why in self.omitted.items():
            print(f"  left out {name}: {why}", file=w)
        print(f"report: {os.path.join(self.report_dir, 'report.html')}", file=w, flush=True)
