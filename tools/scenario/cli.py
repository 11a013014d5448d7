"""hamesh-scenario's commands: run FILE, list, check FILE."""
import argparse
import glob
import os
import sys
import tempfile
import time

from . import spec
from .paths import REPO_DIR, SCENARIOS_DIR, default_bin_dir


def check_node_configs(sc, bin_dir):
    """Each node's config as the loopback topology generates it, through hamesh-node
    --check-config (when the binary is built): the node's own errors, with the node's name."""
    from .cluster import check_config, runner_sections
    from .topology import Topology
    if not os.access(os.path.join(bin_dir, "hamesh-node"), os.X_OK):
        return []
    topo = Topology(sc, "loopback")
    problems = []
    with tempfile.TemporaryDirectory(prefix="hamesh-scenario-check-") as folder:
        topo.pid_dir = folder
        for i, n in enumerate(sc.nodes):
            path = os.path.join(folder, f"{n.name}.toml")
            with open(path, "w") as f:
                f.write(topo.resolve(n.config) + runner_sections("loopback"))
            err = check_config(bin_dir, path)
            if err:
                problems += [f"node[{i}].config ({n.name}): {line.replace(path, n.name + '.toml')}"
                             for line in err.splitlines()]
    return problems


def cmd_check(args):
    try:
        sc = spec.load(args.file)
    except spec.ScenarioError as e:
        for line in e.errors:
            print(f"{args.file}: {line}", file=sys.stderr)
        print(f"hamesh-scenario: {len(e.errors)} error(s) in {args.file}", file=sys.stderr)
        return 1
    problems = check_node_configs(sc, args.bin_dir or default_bin_dir())
    for line in problems:
        print(f"{args.file}: {line}", file=sys.stderr)
    if problems:
        print(f"hamesh-scenario: {len(problems)} node config(s) refused in {args.file}", file=sys.stderr)
        return 1
    print(f"{args.file}: ok ({sc.name}: {len(sc.nodes)} nodes, {len(sc.backends)} backends, "
          f"{len(sc.workloads)} workloads, {len(sc.timeline)} timeline steps, {len(sc.invariants)} invariants)")
    return 0


def cmd_list(args):
    for path in sorted(glob.glob(os.path.join(SCENARIOS_DIR, "*.toml"))):
        rel = os.path.relpath(path)
        try:
            sc = spec.load(path)
            print(f"{rel:40} {sc.topology:8} {sc.duration:5.0f}s  {sc.description}")
        except spec.ScenarioError as e:
            print(f"{rel:40} INVALID ({len(e.errors)} errors; hamesh-scenario check {rel})")
    return 0


def cmd_run(args):
    from .runner import Run
    try:
        sc = spec.load(args.file)
    except spec.ScenarioError as e:
        for line in e.errors:
            print(f"{args.file}: {line}", file=sys.stderr)
        return 2
    report_dir = args.report or os.path.join(REPO_DIR, "report",
                                             f"{sc.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    if args.topology:
        sc.topology = args.topology
    run = Run(sc, os.path.abspath(report_dir), seed=args.seed, short=args.short, bin_dir=args.bin_dir)
    return run.execute()


def main(argv=None):
    p = argparse.ArgumentParser(prog="hamesh-scenario",
                                description="Run failure scenarios against a hamesh cluster and report.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a scenario, check its invariants, write the report")
    r.add_argument("file")
    r.add_argument("--report", metavar="DIR", help="report folder (default: report/<scenario>-<time>/)")
    r.add_argument("--seed", type=int, default=1, help="seeds the workloads' choices (default 1)")
    r.add_argument("--short", action="store_true", help="the shortened form: timeline scaled by short_factor")
    r.add_argument("--topology", choices=spec.TOPOLOGIES, help="overrides the scenario's [scenario] topology")
    r.add_argument("--bin-dir", help="where hamesh-node and hameshctl are (default: build/bin)")
    r.set_defaults(fn=cmd_run)
    sub.add_parser("list", help="the scenarios in scenarios/").set_defaults(fn=cmd_list)
    c = sub.add_parser("check", help="validate a scenario file only (exit 1 on errors)")
    c.add_argument("file")
    c.add_argument("--bin-dir", help="hamesh-node to --check-config each node's config with (default: build/bin)")
    c.set_defaults(fn=cmd_check)
    args = p.parse_args(argv)
    return args.fn(args)
