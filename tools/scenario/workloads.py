"""The runner's side of a workload: starts workload_worker.py where the clients are, reads its
JSON lines into samples (time since the run's start, ok, latency, error), keeps the NBD
ledger, and answers rates for the progress line and series for the report."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

from .paths import SCENARIO_PACKAGE_DIR


class WorkloadRun:
    def __init__(self, spec, targets, exec_prefix, folder, t0, seed):
        self.spec, self.targets = spec, targets
        self.name = spec.name
        self.exec_prefix, self.folder, self.t0, self.seed = exec_prefix, folder, t0, seed
        self.samples = []          # (t, ok, ms, error)
        self.acknowledged = []     # nbd: (block, seq) of each acknowledged write
        self.lock = threading.Lock()
        self.proc = None
        self.verify_result = None

    def worker_spec(self):
        s = self.spec
        return {"kind": s.kind, "targets": self.targets, "rate": s.rate, "timeout": s.timeout,
                "paths": s.paths, "users": s.users, "export": s.export, "block_size": s.block_size,
                "blocks": s.blocks, "seed": self.seed}

    def _run_worker(self, spec, name):
        path = os.path.join(self.folder, f"workload-{self.name}-{name}.json")
        with open(path, "w") as f:
            json.dump(spec, f)
        err = open(os.path.join(self.folder, f"workload-{self.name}.stderr"), "a")
        return subprocess.Popen(self.exec_prefix + [sys.executable, os.path.join(SCENARIO_PACKAGE_DIR, "workload_worker.py"), path],
                                stdout=subprocess.PIPE, stderr=err, text=True)

    def start(self):
        self.proc = self._run_worker(self.worker_spec(), "spec")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.samples.append((r["t"] - self.t0, r["ok"], r["ms"], r.get("error")))
                if self.spec.kind == "nbd" and r["ok"]:
                    self.acknowledged.append((r["block"], r["seq"]))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.spec.timeout + 5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def teardown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def verify(self, targets):
        """nbd: reads back every acknowledged write through `targets` (the current primary's
        export first); the worker's verdict ({checked, lost_count, lost} or {error})."""
        ledger = os.path.join(self.folder, f"workload-{self.name}-ledger.json")
        with open(ledger, "w") as f:
            json.dump(self.acknowledged, f)
        spec = dict(self.worker_spec(), mode="nbd-verify", ledger=ledger, targets=targets)
        p = self._run_worker(spec, "verify")
        out, _ = p.communicate(timeout=120)
        try:
            self.verify_result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.verify_result = {"error": f"the verify worker printed {out!r}"}
        return self.verify_result

    # -- numbers --------------------------------------------------------------------------
    def snapshot(self):
        with self.lock:
            return list(self.samples)

    def recent(self, now, window=2.0):
        """(operations per second, success fraction, p99 ms) over the last `window` seconds."""
        recent = [s for s in self.snapshot() if s[0] >= now - window]
        if not recent:
            return 0.0, None, None
        ok = sum(1 for s in recent if s[1])
        lat = sorted(s[2] for s in recent)
        return len(recent) / window, ok / len(recent), lat[min(len(lat) - 1, int(len(lat) * 0.99))]

    def series(self, bucket=1.0):
        """Per bucket: start time, operations, failures, p50 and p99 latency (ms)."""
        buckets = {}
        for t, ok, ms, _ in self.snapshot():
            buckets.setdefault(int(t // bucket), []).append((ok, ms))
        out = []
        for k in sorted(buckets):
            items = buckets[k]
            lat = sorted(ms for _, ms in items)
            out.append({"t": k * bucket, "ops": len(items), "failed": sum(1 for ok, _ in items if not ok),
                        "p50_ms": lat[len(lat) // 2], "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))]})
        return out

    def outages(self):
        """Runs of failed operations: from the last success before to the first success after
        (or the last failure when none followed) - how long a client noticed."""
        runs, start, last_ok, first_fail, count, errors = [], None, None, None, 0, {}
        for t, ok, ms, error in sorted(self.snapshot()):
            if ok:
                if first_fail is not None:
                    runs.append({"from": start, "to": t, "seconds": t - start, "failed": count,
                                 "errors": errors})
                    first_fail, count, errors = None, 0, {}
                last_ok = t + ms / 1000
            else:
                if first_fail is None:
                    first_fail = t
                    start = last_ok if last_ok is not None else t
                count += 1
                errors[error] = errors.get(error, 0) + 1
        if first_fail is not None:
            samples = self.snapshot()
            end = max(s[0] + s[2] / 1000 for s in samples)
            runs.append({"from": start, "to": end, "seconds": end - start, "failed": count, "errors": errors,
                         "open": True})
        for r in runs:
            r["errors"] = dict(sorted(r["errors"].items(), key=lambda kv: -kv[1])[:3])
        return runs
