"""A real Dovecot (IMAP and POP3, plaintext on loopback) for tests, with users from a
passwd-file, in a folder of its own; stop() ends it and waits, and removes the folder."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile

from harness import free_port, wait_for


def available():
    return shutil.which("dovecot") is not None


class Dovecot:
    def __init__(self, users, address="127.0.0.1", imap_port=None, pop3_port=None, exec_prefix=(),
                 parent=None):
        """users: {"alice": "secret", ...}. exec_prefix runs it elsewhere (a network namespace:
        then `address` is that namespace's and the readiness check runs there too)."""
        self.dir = tempfile.mkdtemp(prefix="hamesh-dovecot-", dir=parent)
        os.chmod(self.dir, 0o755)  # dovecot's auth process runs as user dovecot
        self.address, self.exec_prefix = address, list(exec_prefix)
        self.imap_port, self.pop3_port = imap_port or free_port(), pop3_port or free_port()
        for sub in ("run", "state", "home"):
            os.makedirs(os.path.join(self.dir, sub))
        shutil.chown(os.path.join(self.dir, "home"), "dovecot")
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            for user, password in users.items():
                f.write(f"{user}:{{PLAIN}}{password}::::::\n")
        d = self.dir
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(f"""base_dir = {d}/run
state_dir = {d}/state
instance_name = hamesh-test-{os.getpid()}-{self.imap_port}
listen = {address}
protocols = imap pop3
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {d}/dovecot.log
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/home/%u
}}
mail_location = maildir:~/Maildir
# Tests fail logins on purpose: no growing delay for them (anvil's auth penalty).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {address}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {address}
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")
        self.out = open(os.path.join(d, "stdout"), "w")
        self.proc = subprocess.Popen(self.exec_prefix + ["dovecot", "-F", "-c", self.conf], stdout=self.out,
                                     stderr=subprocess.STDOUT)
        try:
            wait_for("dovecot listening", lambda: self.proc.poll() is None and all(
                self._open(p) for p in (self.imap_port, self.pop3_port)), timeout=15)
        except Exception:
            self.stop()
            raise

    def _open(self, port):
        if self.exec_prefix:
            code = f"import socket; socket.create_connection(({self.address!r}, {port}), timeout=0.2)"
            return subprocess.run(self.exec_prefix + ["python3", "-c", code], capture_output=True).returncode == 0
        try:
            socket.create_connection((self.address, port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def kill(self):
        """SIGKILL of the master process, as a crash (its children exit when it goes)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, keep_folder=False):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        if not keep_folder:
            shutil.rmtree(self.dir, ignore_errors=True)
