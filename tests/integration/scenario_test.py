"""The scenario runner (tools/hamesh-scenario) end to end: `check` refuses a broken scenario
and names the key path; every shipped focused scenario and the email-platform demo pass in
their shortened form (--short); the scenario built to fail is reported failed, exit 1, with
its evidence in report.json. Scenarios that need network namespaces (vrrp, storage-degraded) run only as root;
without root the demo runs on loopback. Usage: BIN_DIR SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
RUNNER = os.path.join(SRC, "tools", "hamesh-scenario")
FOCUSED = ["http", "ipvs", "mail", "replica", "heartbeat", "vrrp", "storage-degraded"]
NEEDS_NETNS = {"vrrp", "storage-degraded"}


def hamesh_scenario(*args, timeout=240):
    return subprocess.run([sys.executable, RUNNER, *args], capture_output=True, text=True, timeout=timeout)


def run_scenario(name, reports, short=True):
    report_dir = os.path.join(reports, name)
    started = time.monotonic()
    args = ["run", os.path.join(SRC, "scenarios", f"{name}.toml"), "--report", report_dir, "--bin-dir", BIN]
    r = hamesh_scenario(*(args + (["--short"] if short else [])))
    with open(os.path.join(report_dir, "report.json")) as f:
        doc = json.load(f)
    return r, doc, time.monotonic() - started


def summary_of(r):
    return r.stdout[r.stdout.rfind("== "):]


def check_refuses_broken_scenario(folder):
    broken = os.path.join(folder, "broken.toml")
    with open(broken, "w") as f:
        f.write('[scenario]\nname = "broken"\nduration = "5s"\nspeed = 3\n'
                '[[node]]\nname = "n1"\nhost = 1\nconfig = "[node]\\nname = \\"n1\\"\\n"\n'
                '[[timeline]]\nat = "1s"\naction = "crsh"\nnode = "n1"\n'
                '[[invariant]]\nkind = "error_budget"\nworkload = "nobody"\nmax_errors = 0\n')
    r = hamesh_scenario("check", broken)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "scenario.speed: unknown key" in r.stderr, r.stderr
    assert "timeline[0].action: expected one of crash" in r.stderr, r.stderr
    print(f"check refuses a broken scenario, naming each key path:\n{r.stderr.strip()}")
    bad_node = os.path.join(folder, "bad-node.toml")
    with open(bad_node, "w") as f:
        f.write('[scenario]\nname = "bad-node"\nduration = "5s"\n'
                '[[node]]\nname = "n1"\nhost = 1\nconfig = "[node]\\nname = \\"n1\\"\\nnmae = 1\\n"\n')
    r = hamesh_scenario("check", bad_node, "--bin-dir", BIN)
    assert r.returncode == 1 and "node[0].config (n1)" in r.stderr and "node.nmae: unknown key" in r.stderr, r.stderr
    print(f"check runs hamesh-node --check-config on each node's config:\n{r.stderr.strip()}")
    for name in FOCUSED + ["email-platform", "built-to-fail"]:
        r = hamesh_scenario("check", os.path.join(SRC, "scenarios", f"{name}.toml"))
        assert r.returncode == 0, r.stderr
    r = hamesh_scenario("list")
    assert r.returncode == 0 and "email-platform" in r.stdout, r.stdout
    print("check accepts every shipped scenario; list shows them")


def main():
    root = os.geteuid() == 0 and subprocess.run(["ip", "netns", "list"], capture_output=True).returncode == 0
    reports = tempfile.mkdtemp(prefix="hamesh-scenario-test-")
    check_refuses_broken_scenario(reports)

    for name in FOCUSED:
        if name in NEEDS_NETNS and not root:
            print(f"skipped {name}: it needs network namespaces (root)")
            continue
        r, doc, took = run_scenario(name, reports)
        assert r.returncode == 0 and doc["passed"], f"{name} failed:\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"
        print(f"{name} ({doc['topology']}, {took:.0f} s): {summary_of(r).splitlines()[0]}")

    r, doc, took = run_scenario("email-platform", reports)
    assert r.returncode == 0 and doc["passed"], f"the demo failed:\n{r.stdout[-6000:]}\n{r.stderr[-2000:]}"
    passed = sum(1 for i in doc["invariants"] if i["verdict"] == "pass")
    print(f"email-platform --short ({doc['topology']}, {took:.0f} s): {passed} invariants held\n{summary_of(r)}")
    html = open(os.path.join(reports, "email-platform", "report.html")).read()
    assert "<svg" in html and "storage primary crash" in html, "the report has no timeline"

    r, doc, took = run_scenario("built-to-fail", reports, short=False)
    assert r.returncode == 1, f"built-to-fail exited {r.returncode}:\n{r.stdout[-3000:]}"
    assert doc["outcome"] == "failed" and not doc["passed"], doc["outcome"]
    failed = [i for i in doc["invariants"] if i["verdict"] == "fail"]
    assert [i["name"] for i in failed] == ["no client ever sees an error"], failed
    evidence = failed[0]["evidence"]
    assert evidence["failed"] > 0 and evidence["outages"] and evidence["budget"] == {"max_errors": 0, "min_requests": 1}, evidence
    assert "FAIL  no client ever sees an error" in r.stdout, r.stdout
    print(f"built-to-fail reported FAILED (exit 1) with evidence: {failed[0]['summary']}")
    shutil.rmtree(reports, ignore_errors=True)  # kept when anything failed: the reports explain it
    print("PASS scenario_test")


if __name__ == "__main__":
    main()
