#!/usr/bin/env python3
"""A real hamesh-node: a child crashed through the demo actor is restarted; exceeding the
restart intensity escalates to the node's top, which marks the node degraded; SIGHUP
reloads only what changed and refuses a broken config; SIGTERM stops the tree in reverse
order and exits 0. Usage: node_supervision_test.py BIN_DIR"""
import os
import re
import signal
import sys

from harness import Node, find, wait_for

CONFIG = """
[node]
name = "it1"

[mesh]
listen = "127.0.0.1:0"

[log]
level = "info"
file = "node.log"          # relative: must land beside this config, not in the cwd

[supervision]
max_restarts = 5
period = "60s"
shutdown_timeout = "2s"
stop_deadline = "15s"

[supervision.demo]
strategy = "one_for_one"
max_restarts = 2
period = "60s"

[[demo.ticker]]
name = "a"
interval = "100ms"

[[demo.ticker]]
name = "b"
interval = "1s"

[[demo.ticker]]
name = "slow"
interval = "1s"
stop_delay = "1h"          # never stops on its own: shutdown_timeout must kill it

[[demo.ticker]]
name = "flap"
interval = "20ms"
fail_after = 5
restart = "temporary"
"""


def step(text):
    print(f"--- {text}", flush=True)


def main():
    node = Node(os.path.abspath(sys.argv[1]), CONFIG, "supervision")
    try:
        node.start()
        step(f"node started, control endpoint 127.0.0.1:{node.port}; log beside the config: {node.log}")
        assert "node it1 starting" in node.log_text()

        tree = node.tree()
        for path in ["/", "demo", "demo/ticker/a", "demo/ticker/b"]:
            entry = find(tree, path)
            assert entry and entry["restarts"] == 0, f"{path}: {entry}"
            assert entry["status"] in ("running",), f"{path}: {entry}"
        assert find(tree, "/")["kind"] == "node" and find(tree, "demo")["kind"] == "supervisor"
        assert find(tree, "demo/ticker/a")["kind"] == "ticker"
        print(node.ctl("tree", json_output=False)[1])

        step("a temporary ticker fails on its 5th tick and is not restarted")
        flap = wait_for("flap to fail", lambda: (lambda e: e if e["status"] == "stopped" else None)(find(node.tree(), "demo/ticker/flap")))
        assert flap["last_failure"] == "fail_after reached (5 ticks)", flap
        assert flap["restarts"] == 0

        step("kill demo/ticker/a: its supervisor restarts it, and only it")
        rc, out = node.ctl("kill", "demo/ticker/a")
        assert rc == 0, out
        a = wait_for("a restarted", lambda: (lambda e: e if e["restarts"] == 1 and e["status"] == "running" else None)(find(node.tree(), "demo/ticker/a")))
        assert a["last_failure"] == "killed by operator", a
        tree = node.tree()
        assert find(tree, "demo/ticker/b")["restarts"] == 0
        assert find(tree, "demo")["restarts"] == 0
        assert find(tree, "/")["fields"]["degraded"] is False
        print(node.ctl("tree", json_output=False)[1])

        step("an unknown path is refused with exit code 1")
        rc, out = node.ctl("show", "demo/ticker/nope")
        assert rc == 1 and 'no actor at path "demo/ticker/nope"' in out, (rc, out)
        rc, out = node.ctl("show", "demo/ticker/a/below")  # under a leaf: nothing there either
        assert rc == 1 and 'no actor at path "demo/ticker/a/below"' in out, (rc, out)

        step("two more kills exceed demo's intensity (2 in 60s): demo escalates, the node degrades")
        node.ctl("kill", "demo/ticker/a")
        wait_for("a restarted again", lambda: find(node.tree(), "demo/ticker/a")["restarts"] == 2)
        node.ctl("kill", "demo/ticker/a")
        root = wait_for("node degraded", lambda: (lambda t: t if t["fields"]["degraded"] else None)(node.tree()))
        assert root["status"] == "degraded"
        assert "escalated: 'ticker/a' needed 3 restarts within 1m (max_restarts 2)" in root["fields"]["degraded_reason"], root["fields"]
        demo = wait_for("demo restarted by the node", lambda: (lambda e: e if e["status"] == "running" and e["restarts"] == 1 else None)(find(node.tree(), "demo")))
        assert demo["last_failure"].startswith("escalated:"), demo
        # The restarted subtree starts afresh.
        assert find(node.tree(), "demo/ticker/a")["restarts"] == 0
        print(node.ctl("tree", json_output=False)[1])
        print(node.ctl("status", json_output=False)[1])
        log = node.log_text()
        assert "restart intensity exceeded" in log and "node degraded: demo: escalated" in log

        step("SIGHUP with ticker b changed and ticker c added: only those start")
        before = node.tree()
        a_uptime = find(before, "demo/ticker/a")["uptime_ms"]
        node.write_config(CONFIG.replace('name = "b"\ninterval = "1s"', 'name = "b"\ninterval = "300ms"')
                          + '\n[[demo.ticker]]\nname = "c"\ninterval = "500ms"\n')
        node.signal(signal.SIGHUP)
        after = wait_for("b reconfigured and c started", lambda: (lambda t: t if find(t, "demo/ticker/c") and find(t, "demo/ticker/c")["status"] == "running" and find(t, "demo/ticker/b")["fields"]["interval"] == "300ms" else None)(node.tree()))
        a_after = find(after, "demo/ticker/a")
        assert a_after["uptime_ms"] >= a_uptime and a_after["restarts"] == 0, a_after  # untouched
        assert find(after, "demo")["restarts"] == 1  # the subtree itself was not restarted
        assert "reload accepted" in node.log_text()
        print(node.ctl("tree", json_output=False)[1])

        step("SIGHUP with a broken config: refused with file:line:column, the running tree stays")
        node.write_config(CONFIG.replace("max_restarts = 5\n", "max_restarts = 5000\n"))
        node.signal(signal.SIGHUP)
        m = wait_for("the refusal in the log", lambda: re.search(r"node\.toml:(\d+):(\d+): supervision\.max_restarts: expected an integer in 0\.\.1000, found integer 5000", node.log_text()))
        print(f"refused: {m.group(0)}")
        assert "reload refused" in node.log_text()
        still = node.tree()
        assert find(still, "demo/ticker/c")["status"] == "running"

        step("SIGTERM: children stop in reverse order, exit code 0")
        rc = node.stop()
        assert rc == 0, f"exit code {rc}"
        log = node.log_text()
        order = [m.group(1) for m in re.finditer(r"stopping (demo/ticker/\w+)", log)]
        assert order[-4:] == ["demo/ticker/c", "demo/ticker/slow", "demo/ticker/b", "demo/ticker/a"], order
        assert "demo/ticker/slow did not stop within 2s; killing it" in log
        assert log.rfind("stopped demo ") > log.rfind("stopped demo/ticker/a")
        assert "demo did not stop" not in log  # a subtree is never cut short by its parent
        assert "node it1 stopped" in log
        print("\n".join(l for l in log.splitlines() if "SIGTERM" in l or "stopp" in l)[-800:])
        print("PASS node_supervision")
        return 0
    finally:
        node.cleanup()


if __name__ == "__main__":
    sys.exit(main())
