"""The processes a scenario starts: its nodes (harness.Node / netns.NsNode from the
integration tests) and its backends (backend_server.py processes, real Dovecots). Each one
knows its state (up, down, paused, omitted) and is stopped by the PID it was started with."""
import os
import shutil
import signal
import subprocess
import sys

from .paths import SCENARIO_PACKAGE_DIR, use_integration_modules

use_integration_modules()
import dovecot  # noqa: E402
import harness  # noqa: E402
import netns  # noqa: E402


def runner_sections(topology_kind):
    """What the runner adds to every node config: a control endpoint it can find, a log file."""
    port = "4790" if topology_kind == "netns" else "0"
    return f'\n[mesh]\nlisten = "127.0.0.1:{port}"\n\n[log]\nfile = "node.log"\n'


def check_config(bin_dir, path):
    """hamesh-node --check-config on one generated config: None, or the node's own errors."""
    r = subprocess.run([os.path.join(bin_dir, "hamesh-node"), "--check-config", path],
                       capture_output=True, text=True, timeout=30)
    return None if r.returncode == 0 else (r.stdout + r.stderr).strip()


class ClusterNode:
    def __init__(self, spec, topo, bin_dir, folder):
        self.spec, self.topo = spec, topo
        self.name = spec.name
        self.address = topo.ip(spec.host)
        text = topo.resolve(spec.config) + runner_sections(topo.kind)
        if topo.kind == "netns":
            self.proc_node = netns.NsNode(topo.namespaces, f"h{spec.host}", bin_dir, text, spec.name, parent=folder)
        else:
            self.proc_node = harness.Node(bin_dir, text, spec.name, parent=folder)
        self.dir = self.proc_node.dir
        self.state = "down"
        self.mounted = None

    def mount_disk(self):
        """A tmpfs of spec.disk bytes over the node's config folder (disk_full fills it)."""
        conf = self.proc_node.conf_dir
        keep = {n: open(os.path.join(conf, n)).read() for n in os.listdir(conf)}
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.spec.disk}", "hamesh-scenario", conf],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"mount tmpfs on {conf}: {r.stderr.strip()}")
        self.mounted = conf
        for n, text in keep.items():
            with open(os.path.join(conf, n), "w") as f:
                f.write(text)

    def start(self):
        self.proc_node.start()
        self.state = "up"
        with open(self.topo.pidfile(self.name), "w") as f:
            f.write(f"{self.pid}\n")

    @property
    def pid(self):
        p = self.proc_node.proc
        return p.pid if p else None

    def alive(self):
        p = self.proc_node.proc
        return p is not None and p.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def crash(self):
        self.signal(signal.SIGKILL)
        if self.proc_node.proc:
            self.proc_node.proc.wait()
        self.state = "down"

    def stop(self, timeout=20):
        """SIGTERM (a graceful stop); the exit code, or None when it had to be killed."""
        if not self.alive():
            return None
        if self.state == "paused":
            self.signal(signal.SIGCONT)
        try:
            return self.proc_node.stop(timeout)
        except subprocess.TimeoutExpired:
            self.crash()
            return None
        finally:
            self.state = "down"

    def ctl(self, *args, json_output=True):
        return self.proc_node.ctl("--timeout-ms", "1500", *args, json_output=json_output)

    def log_text(self):
        return self.proc_node.log_text()

    def teardown(self):
        if self.alive():
            self.signal(signal.SIGCONT)  # a paused node dies on SIGKILL too; this lets it flush
        self.proc_node.reap()
        if self.mounted:
            # The logs are the report's: copied out before the tmpfs goes.
            saved = os.path.join(self.dir, "conf-saved")
            shutil.copytree(self.mounted, saved, ignore=shutil.ignore_patterns("*.img", "filler"),
                            dirs_exist_ok=True)
            subprocess.run(["umount", "-l", self.mounted], capture_output=True)
            self.mounted = None


class ClusterBackend:
    """A backend_server.py process (http, tcp) or a Dovecot, restartable on its address."""

    def __init__(self, spec, topo, folder):
        self.spec, self.topo = spec, topo
        self.name = spec.name
        self.address = topo.ip(spec.host)
        self.folder = folder
        self.delay_file = os.path.join(folder, f"backend-{spec.name}.delay")
        self.set_delay(spec.delay)
        self.proc = None
        self.dovecot = None
        self.state = "down"

    def set_delay(self, seconds):
        with open(self.delay_file, "w") as f:
            f.write(f"{seconds}\n" if seconds else "")

    def start(self):
        prefix = self.topo.exec_prefix(self.spec.host)
        if self.spec.kind == "dovecot":
            # In the system's temp folder, not the report's: Dovecot's auth process runs as user
            # dovecot and must traverse every folder above its passwd file.
            self.dovecot = dovecot.Dovecot(self.spec.users, address=self.address, imap_port=self.spec.imap_port,
                                           pop3_port=self.spec.pop3_port, exec_prefix=prefix)
        else:
            self.log = open(os.path.join(self.folder, f"backend-{self.name}.log"), "a")
            self.proc = subprocess.Popen(prefix + [sys.executable, os.path.join(SCENARIO_PACKAGE_DIR, "backend_server.py"),
                                                   self.spec.kind, self.name, self.address, str(self.spec.port),
                                                   self.delay_file],
                                         stdout=subprocess.PIPE, stderr=self.log)
            line = self.proc.stdout.readline().strip()
            if line != b"ready":
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"backend {self.name} did not start on {self.address}:{self.spec.port}"
                                   f" (see backend-{self.name}.log)")
        self.state = "up"

    @property
    def pid(self):
        if self.dovecot:
            return self.dovecot.proc.pid
        return self.proc.pid if self.proc else None

    def crash(self):
        """SIGKILL, as a dead server: connections reset, the port refuses."""
        if self.dovecot:
            with open(os.path.join(self.folder, f"backend-{self.name}-dovecot.log"), "a") as f:
                f.write(self.dovecot.log())
            # Its master SIGKILLed; the login and mail processes notice and exit on their own,
            # and only once its ports refuse is it down (and its address free for backend_up).
            self.dovecot.kill()
            harness.wait_for(f"{self.name}'s ports closed", lambda: not any(
                self.dovecot._open(p) for p in (self.spec.imap_port, self.spec.pop3_port)), timeout=10)
            self.dovecot.stop()
            self.dovecot = None
        elif self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.log.close()
        self.state = "down"

    def teardown(self):
        if self.dovecot:  # a clean stop: nothing of it stays behind
            with open(os.path.join(self.folder, f"backend-{self.name}-dovecot.log"), "a") as f:
                f.write(self.dovecot.log())
            self.dovecot.stop()
            self.dovecot = None
        else:
            self.crash()
