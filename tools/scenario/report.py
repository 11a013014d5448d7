"""The report of a run: report.json (every event with its time, every invariant with its
verdict and evidence, each workload's series) and report.html (report_html.py)."""
import json
import os

from . import report_html
from .timelines import backend_segments, node_segments, role_segments
from .watcher import walk


def document(run):
    sc = run.scenario
    segs = role_segments(run) if run.end_time else {}
    return {
        "scenario": sc.name,
        "description": sc.description,
        "file": sc.path,
        "outcome": run.outcome,
        "passed": run.outcome == "passed",
        "topology": run.topo.kind if run.topo else None,
        "short": run.short,
        "seed": run.seed,
        "started_at": run.started_wall,
        "duration_s": round(run.end_time, 3),
        "time_zero": "the timeline's start (workloads begin); setup events have negative times",
        "omitted": run.omitted,
        "invariants": run.results,
        "nodes": {name: {"address": n.address, "dir": n.dir, "log": n.proc_node.log}
                  for name, n in run.nodes.items()},
        "functions": {name: functions_of(tree) for name, tree in
                      (run.watcher.last_tree.items() if run.watcher else [])},
        "backends": {name: f"{b.spec.kind} {b.address}" + (f":{b.spec.port}" if b.spec.port else "")
                     for name, b in run.backends.items()},
        "backend_states": {n: [[round(f, 3), round(t, 3), s] for f, t, s in v]
                           for n, v in (backend_segments(run).items() if run.end_time else [])},
        "node_states": {n: [[round(f, 3), round(t, 3), s] for f, t, s in v] for n, v in node_segments(run).items()},
        "roles": {n: {r: [[round(f, 3), round(t, 3), v] for f, t, v in s] for r, s in roles.items()
                      if not r.startswith("vrid:")} for n, roles in segs.items()},
        "workloads": {name: {"kind": w.spec.kind, "targets": w.targets, "rate": w.spec.rate,
                             "operations": len(w.snapshot()),
                             "failed": sum(1 for s in w.snapshot() if not s[1]),
                             "acknowledged_writes": len(w.acknowledged) if w.spec.kind == "nbd" else None,
                             "verify": w.verify_result, "outages": w.outages(), "series": w.series()}
                      for name, w in run.workloads.items()},
        "watcher": {"polls": run.watcher.polls if run.watcher else 0,
                    "failed_polls": run.watcher.failed_polls if run.watcher else 0},
        "events": sorted(run.events, key=lambda e: e["t"]),
    }


def functions_of(tree):
    """What a node runs, for a lane without roles: its listeners and services (no probes)."""
    return sorted(a["path"] for a in walk(tree) if a.get("path", "").count("/") == 2
                  and not a.get("children") and "/probe/" not in "/" + a["path"] + "/")


def write(run):
    doc = document(run)
    os.makedirs(run.report_dir, exist_ok=True)
    with open(os.path.join(run.report_dir, "report.json"), "w") as f:
        json.dump(doc, f, indent=1, default=str)
    with open(os.path.join(run.report_dir, "report.html"), "w") as f:
        f.write(report_html.render(doc))
    return doc
