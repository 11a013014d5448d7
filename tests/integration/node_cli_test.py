#!/usr/bin/env python3
"""hamesh-node's command line: --check-config passes every shipped example and refuses
broken files with file:line:column and the key path (exit 1, like keepalived -t and
haproxy -c); --dump-state prints the tree as JSON; a tree that outlives stop_deadline is
killed. Usage: node_cli_test.py BIN_DIR SOURCE_DIR"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import Node, wait_for


def run(*args, timeout=60):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)


def main():
    bin_dir, source_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    node_bin = os.path.join(bin_dir, "hamesh-node")

    # The examples as an operator would use them: in their folder, with the PKI the README
    # tells to create there (generated into a copy: the source tree stays untouched).
    ctl = os.path.join(bin_dir, "hameshctl")
    with tempfile.TemporaryDirectory() as tmp:
        examples_dir = os.path.join(tmp, "examples")
        shutil.copytree(os.path.join(source_dir, "config/examples"), examples_dir,
                        ignore=shutil.ignore_patterns("pki", "*.log"))
        pki = os.path.join(examples_dir, "pki")
        assert run(ctl, "pki", "init", pki).returncode == 0
        examples = sorted(glob.glob(os.path.join(examples_dir, "*.toml")))
        assert examples, "no example configs"
        for path in examples:
            name = os.path.basename(path)[:-5]
            run(ctl, "pki", "issue", pki, name, "--node")
        for path in examples:
            r = run(node_bin, "--check-config", path)
            assert r.returncode == 0 and "config OK" in r.stdout, (path, r.returncode, r.stdout, r.stderr)
            print(f"ok   config/examples/{os.path.basename(path)}: {r.stdout.strip()}")

    with tempfile.TemporaryDirectory() as tmp:
        broken = os.path.join(tmp, "broken.toml")
        with open(broken, "w") as f:
            f.write('[node]\nname = "n1"\nnmae = "typo"\n\n[supervision]\nmax_restarts = 5000\n\n'
                    '[[vrrp.instance]]\nname = "VI_1"\ninterface = "eth0"\nvrid = 51\npriority = 300\n'
                    'vips = ["10.77.0.100"]\n')
        r = run(node_bin, "--check-config", broken)
        print(f"refused {broken} (exit {r.returncode}):\n{r.stderr}")
        assert r.returncode == 1
        assert f"{broken}:3:1: node.nmae: unknown key" in r.stderr
        assert f"{broken}:6:16: supervision.max_restarts: expected an integer in 0..1000, found integer 5000" in r.stderr
        assert f"{broken}:12:12: vrrp.instance[0].priority: expected an integer in 1..255, found integer 300" in r.stderr
        assert "3 error(s)" in r.stderr

        r = run(node_bin, "--config", broken)
        assert r.returncode == 1 and "nothing started" in r.stderr, r

        r = run(node_bin, "--check-config", os.path.join(tmp, "missing.toml"))
        assert r.returncode == 1 and "cannot open the file" in r.stderr, r

    r = run(node_bin, "--config", os.path.join(source_dir, "config/examples/demo.toml"), "--dump-state")
    assert r.returncode == 0, r
    state = json.loads(r.stdout)

    def check(entry):
        for key in ("path", "kind", "status", "restarts"):
            assert key in entry, (key, entry)
        assert entry["status"] == "running", entry
        for child in entry["children"]:
            check(child)
    check(state)
    assert [c["path"] for c in state["children"][0]["children"]] == ["demo/ticker/slow", "demo/ticker/fast"]
    print("ok   --dump-state: every actor has path, kind, status, restarts")

    # Three children that never stop, 1 s each before they are killed, 1.5 s for the whole tree.
    slow = "".join(f'[[demo.ticker]]\nname = "s{i}"\nstop_delay = "1h"\n' for i in range(3))
    node = Node(bin_dir, '[node]\nname = "dl"\n[mesh]\nlisten = "127.0.0.1:0"\n[log]\nfile = "node.log"\n'
                '[supervision]\nshutdown_timeout = "1s"\nstop_deadline = "1500ms"\n' + slow, "deadline")
    try:
        node.start()
        began = time.monotonic()
        rc = node.stop(timeout=20)
        print(f"ok   stop_deadline: exit {rc} after {time.monotonic() - began:.2f}s")
        assert rc == 1, rc
        log = node.log_text()
        assert "the tree did not stop within 1500ms; killing what is left" in log, log
        assert "(forced)" in log
    finally:
        node.cleanup()

    # JSON lines, a default level of warn, and per-component overrides (longest prefix wins).
    node = Node(bin_dir, '[node]\nname = "js"\n[mesh]\nlisten = "127.0.0.1:0"\n'
                '[log]\nfile = "node.log"\nformat = "json"\nlevel = "warn"\n'
                '[log.components]\n"node" = "info"\n"demo" = "error"\n"demo/ticker/fast" = "debug"\n'
                '[[demo.ticker]]\nname = "fast"\ninterval = "10ms"\n'
                '[[demo.ticker]]\nname = "slow"\ninterval = "10ms"\n', "json")
    try:
        node.start()
        wait_for("three ticks of fast", lambda: node.log_text().count('"msg":"tick ') >= 3)
        assert node.stop() == 0
        records = [json.loads(line) for line in node.log_text().splitlines()]
        for rec in records:
            assert set(rec) == {"ts", "level", "component", "msg"}, rec
        components = {rec["component"] for rec in records}
        assert "demo/ticker/fast" in components and "node" in components, components
        assert "demo/ticker/slow" not in components, components  # warn: its debug ticks are dropped
        assert "demo" not in components, components  # error: its info stop lines are dropped
        print(f"ok   JSON log lines: {len(records)}, components {sorted(components)}")
    finally:
        node.cleanup()

    r = run(node_bin, "--version")
    assert r.returncode == 0 and r.stdout.startswith("hamesh-node "), r
    print("PASS node_cli")
    return 0


if __name__ == "__main__":
    sys.exit(main())
