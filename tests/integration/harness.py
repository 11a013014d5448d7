"""Shared helpers for integration tests: start hamesh-node processes, talk to them with
hameshctl, wait on conditions with deadlines, and always clean up what was started."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def wait_for(what, probe, timeout=10.0, interval=0.05):
    """Polls probe() until it returns a truthy value; fails with the last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}")


def free_port():
    """A TCP port nothing listens on now (the kernel's pick for an ephemeral bind)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find(tree, path):
    if tree["path"] == path:
        return tree
    for child in tree["children"]:
        hit = find(child, path)
        if hit:
            return hit
    return None


class Node:
    """One hamesh-node process with its config in a folder of its own. The process runs
    from another folder so that relative paths in the config are seen to resolve against
    the config's folder."""

    def __init__(self, bin_dir, config_text, name="node", parent=None):
        """parent: the folder to make this node's folder in (default: the system's temp)."""
        self.bin_dir = bin_dir
        self.dir = tempfile.mkdtemp(prefix=f"hamesh-{name}-", dir=parent)
        self.conf_dir = os.path.join(self.dir, "conf")
        os.makedirs(self.conf_dir)
        self.config = os.path.join(self.conf_dir, "node.toml")
        self.log = os.path.join(self.conf_dir, "node.log")
        self.write_config(config_text)
        self.proc = None
        self.port = None

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def start(self):
        self.stderr = open(os.path.join(self.dir, "stderr"), "w")
        # HAMESH_NODE_WRAPPER="gdb -batch -ex run -ex bt --args" runs each node under a debugger.
        wrapper = os.environ.get("HAMESH_NODE_WRAPPER", "").split()
        self.proc = subprocess.Popen(wrapper + [os.path.join(self.bin_dir, "hamesh-node"), "--config", self.config],
                                     cwd=self.dir, stdout=self.stderr, stderr=subprocess.STDOUT)
        # A restart appends to the same log: only this run's lines count.
        seen = len(self.log_text())
        m = wait_for("the control endpoint in the log",
                     lambda: self.proc.poll() is None and re.search(r"control endpoint listening on 127\.0\.0\.1:(\d+)", self.log_text()[seen:]),
                     timeout=15)
        self.port = int(m.group(1))

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def exec_prefix(self):
        """What runs a command where this node runs (nothing: this host)."""
        return []

    def ctl(self, *args, json_output=True):
        cmd = self.exec_prefix() + [os.path.join(self.bin_dir, "hameshctl"), "-n", f"127.0.0.1:{self.port}"]
        if json_output:
            cmd.append("--json")
        r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=30)
        if json_output and r.returncode == 0:
            return r.returncode, json.loads(r.stdout)
        return r.returncode, r.stdout + r.stderr

    def tree(self):
        rc, out = self.ctl("tree")
        assert rc == 0, f"hameshctl tree failed ({rc}): {out}"
        return out

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM, then wait; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def reap(self):
        """Kills the process if it still runs (only the one this object started, by its PID)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "stderr", None):
            self.stderr.close()

    def cleanup(self):
        """Kills the process if it still runs. Called from a test's `finally`: when the test is
        failing, the node's log tail is printed and its folder kept; otherwise it is removed."""
        self.reap()
        if sys.exc_info()[0] is not None:
            tail = "".join(self.log_text().splitlines(keepends=True)[-30:])
            print(f"--- log of the node in {self.dir} (kept):\n{tail}", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
