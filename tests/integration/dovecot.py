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
    def __init__(self, users):
        """users: {"alice": "secret", ...}"""
        self.dir = tempfile.mkdtemp(prefix="hamesh-dovecot-")
        os.chmod(self.dir, 0o755)  # dovecot's auth process runs as user dovecot
        self.imap_port, self.pop3_port = free_port(), free_port()
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
listen = 127.0.0.1
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
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""")
        self.out = open(os.path.join(d, "stdout"), "w")
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", self.conf], stdout=self.out,
                                     stderr=subprocess.STDOUT)
        try:
            wait_for("dovecot listening", lambda: self.proc.poll() is None and all(
                self._open(p) for p in (self.imap_port, self.pop3_port)), timeout=15)
        except Exception:
            self.stop()
            raise

    @staticmethod
    def _open(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)
