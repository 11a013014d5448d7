"""The POP3/IMAP proxy as a node runs it ([[proxy.mail]]), with two real Dovecot instances as
the storage members and Python's imaplib/poplib as the clients:
- IMAP login, SELECT, APPEND, FETCH and LOGOUT through the proxy; POP3 RETR of that message;
- routing: alice's pair prefers the first Dovecot, bob's the second;
- a wrong password comes back as the backend's own [AUTHENTICATIONFAILED];
- STARTTLS (plaintext login refused before it, LOGINDISABLED advertised) and implicit TLS;
- malformed commands, a huge literal and an over-long line are refused cleanly;
- a reload (SIGHUP) keeps a logged-in session and applies the new directory to the next login;
- the first Dovecot stopped: alice's next login goes to her pair's other member."""
import imaplib
import os
import signal
import poplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from dovecot import Dovecot, available
from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])
USERS = {"alice@example.org": "alice-pw", "bob@example.org": "bob-pw"}


def make_certificate(folder):
    cert, key = os.path.join(folder, "mail.pem"), os.path.join(folder, "mail.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=mail.example.org",
                    "-addext", "subjectAltName=DNS:mail.example.org"], check=True, capture_output=True)
    return cert, key


def member_logins(node, listener, address):
    rc, st = node.ctl("show", f"proxy/mail/{listener}")
    assert rc == 0, st
    # A Dovecot can be a member of several pairs: its logins in all of them.
    return sum(m["logins"] for pair in st["fields"]["pairs"] for m in pair["members"]
               if m["address"] == address)


def raw_exchange(port, lines, read_until_close=True):
    """Sends each line (bytes) after reading what came so far; returns everything read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    got = s.recv(4096)
    for line in lines:
        s.sendall(line)
        time.sleep(0.1)
        try:
            got += s.recv(65536)
        except socket.timeout:
            pass
    if read_until_close:
        s.settimeout(5)
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            got += chunk
    s.close()
    return got


def main():
    if not available():
        print("SKIP: dovecot is not installed (tools/setup.sh installs it)")
        sys.exit(77)
    d1, d2 = Dovecot(USERS), None
    node = None
    try:
        d2 = Dovecot(USERS)
        certs = tempfile.mkdtemp(prefix="hamesh-mail-certs-")
        cert, key = make_certificate(certs)
        imap_port, pop3_port, starttls_port, imaps_port = free_port(), free_port(), free_port(), free_port()
        a1, a2 = f"127.0.0.1:{d1.imap_port}", f"127.0.0.1:{d2.imap_port}"
        p1, p2 = f"127.0.0.1:{d1.pop3_port}", f"127.0.0.1:{d2.pop3_port}"
        def config_text(bob_pair):
            return f"""
[node]
name = "mail1"
[mesh]
listen = "127.0.0.1:0"
[log]
file = "node.log"
[[proxy.mail]]
name = "imap"
protocol = "imap"
listen = "127.0.0.1:{imap_port}"
allow_plaintext_auth = true
failure_delay = "0s"
max_literal_bytes = 1024
max_line_bytes = 2048
  [[proxy.mail.pair]]
  name = "store1"
  members = ["{a1}", "{a2}"]
  [[proxy.mail.pair]]
  name = "store2"
  members = ["{a2}", "{a1}"]
  [proxy.mail.directory]
  hash = ["store1"]
    [proxy.mail.directory.users]
    "alice@example.org" = "store1"
    "bob@EXAMPLE.org" = "{bob_pair}"
[[proxy.mail]]
name = "pop3"
protocol = "pop3"
listen = "127.0.0.1:{pop3_port}"
allow_plaintext_auth = true
failure_delay = "0s"
  [[proxy.mail.pair]]
  name = "store1"
  members = ["{p1}", "{p2}"]
    [proxy.mail.pair.check]
    kind = "pop3"
    interval = "200ms"
    timeout = "150ms"
    rise = 1
    fall = 1
[[proxy.mail]]
name = "imap-starttls"
protocol = "imap"
listen = "127.0.0.1:{starttls_port}"
tls = "starttls"
failure_delay = "0s"
  [[proxy.mail.certificate]]
  cert_file = "{cert}"
  key_file = "{key}"
  [[proxy.mail.pair]]
  name = "store1"
  members = ["{a1}", "{a2}"]
[[proxy.mail]]
name = "imaps"
protocol = "imap"
listen = "127.0.0.1:{imaps_port}"
tls = "implicit"
failure_delay = "0s"
  [[proxy.mail.certificate]]
  cert_file = "{cert}"
  key_file = "{key}"
  [[proxy.mail.pair]]
  name = "store1"
  members = ["{a1}", "{a2}"]
"""
        node = Node(BIN, config_text("store2"), "mail")
        node.start()
        wait_for("the listeners", lambda: node.log_text().count("on 127.0.0.1:") >= 4)

        # IMAP through the proxy: the whole round.
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        typ, data = m.login("alice@example.org", "alice-pw")
        assert typ == "OK", data
        assert "IDLE" in m.capabilities or "IMAP4REV1" in m.capabilities, m.capabilities
        typ, data = m.select("INBOX")
        assert typ == "OK", data
        message = b"From: bob@example.org\r\nSubject: through hamesh\r\n\r\nhello alice\r\n"
        typ, data = m.append("INBOX", None, None, message)
        assert typ == "OK", data
        m.select("INBOX")
        typ, data = m.fetch("1", "(RFC822)")
        assert typ == "OK" and data[0][1] == message, data
        m.logout()
        assert os.path.isdir(os.path.join(d1.dir, "home", "alice@example.org", "Maildir")), \
            "alice's mail lives on the first member of store1"
        assert member_logins(node, "imap", a1) == 1 and member_logins(node, "imap", a2) == 0
        print("IMAP: LOGIN, SELECT, APPEND, FETCH (same bytes back), LOGOUT through the proxy; "
              "alice's Maildir is on store1's first member")

        # bob goes to store2, whose first member is the other Dovecot (his name matched
        # case-insensitively in the domain).
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        m.login("bob@example.org", "bob-pw")
        m.select("INBOX")
        m.logout()
        assert member_logins(node, "imap", a2) == 1
        assert os.path.isdir(os.path.join(d2.dir, "home", "bob@example.org"))
        print("routing: alice -> store1 (first Dovecot), bob -> store2 (second Dovecot)")

        # POP3: the message alice appended.
        p = poplib.POP3("127.0.0.1", pop3_port, timeout=10)
        p.user("alice@example.org")
        p.pass_("alice-pw")
        count, _ = p.stat()
        assert count == 1, count
        resp, lines, _ = p.retr(1)
        assert b"hello alice" in b"\r\n".join(lines), lines
        p.quit()
        print("POP3: USER/PASS, STAT 1, RETR of the message appended over IMAP, QUIT")

        # A wrong password: the backend's refusal, response code and all.
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        try:
            m.login("alice@example.org", "wrong")
            raise AssertionError("a wrong password logged in")
        except imaplib.IMAP4.error as e:
            assert "AUTHENTICATIONFAILED" in str(e), e
        m.logout()
        p = poplib.POP3("127.0.0.1", pop3_port, timeout=10)
        p.user("alice@example.org")
        try:
            p.pass_("wrong")
            raise AssertionError("a wrong POP3 password logged in")
        except poplib.error_proto as e:
            assert b"-ERR" in e.args[0], e
        p.quit()
        print("wrong password: the backend's own NO [AUTHENTICATIONFAILED] / -ERR reaches the client")
        # The third failure on one connection (max_failed_logins = 3) ends it.
        got = raw_exchange(imap_port, [b"a%d LOGIN alice@example.org wrong%d\r\n" % (i, i) for i in range(3)])
        text = got.decode(errors="replace")
        assert text.count("NO [AUTHENTICATIONFAILED]") == 3 and "* BYE" in text, text
        print("three failed logins on one connection: three NOs, then * BYE and the close")

        # STARTTLS: no password before it, then a verified TLS session and a login.
        m = imaplib.IMAP4("127.0.0.1", starttls_port, timeout=10)
        assert "LOGINDISABLED" in m.capabilities and "STARTTLS" in m.capabilities, m.capabilities
        try:
            m.login("alice@example.org", "alice-pw")
            raise AssertionError("a plaintext login was accepted")
        except imaplib.IMAP4.error as e:
            assert "PRIVACYREQUIRED" in str(e), e
        ctx = ssl.create_default_context(cafile=cert)
        ctx.check_hostname = False
        m.starttls(ssl_context=ctx)
        typ, _ = m.login("alice@example.org", "alice-pw")
        assert typ == "OK"
        m.select("INBOX")
        m.logout()
        m = imaplib.IMAP4_SSL("127.0.0.1", imaps_port, ssl_context=ctx, timeout=10)
        typ, _ = m.login("alice@example.org", "alice-pw")
        assert typ == "OK"
        m.select("INBOX")
        m.logout()
        print("STARTTLS: LOGINDISABLED before it, LOGIN -> NO [PRIVACYREQUIRED], then TLS and a login; "
              "implicit TLS (993-style) login too")

        # Malformed input before login.
        got = raw_exchange(imap_port, [b"a1 FROB\r\n", b"a2 SELECT INBOX\r\n", b"lonely-tag\r\n", b"(bad NOOP\r\n",
                                       b"a3 LOGIN {99999}\r\n", b"a4 LOGOUT\r\n"])
        text = got.decode(errors="replace")
        assert "a1 BAD" in text and "a2 BAD" in text and "lonely-tag BAD" in text, text
        assert "\r\n* BAD" in text, text  # no valid tag: an untagged BAD
        assert "\r\n+ " not in text, text  # no continuation for a literal over the limit
        assert "a4 OK" in text, text
        got = raw_exchange(imap_port, [b"a1 NOOP " + b"x" * 5000 + b"\r\n"])
        assert b"BYE" in got or b"BAD" in got, got[-200:]
        print("malformed: unknown command, SELECT before login and a tag alone -> tagged BAD, no valid tag -> * BAD, "
              "a 99999-byte literal refused without a continuation, a 5000-byte line -> refused and closed")

        # A reload (SIGHUP) that moves bob to store1: a session logged in before it goes on,
        # his next login follows the new directory, and the listener was not restarted.
        held = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        held.login("alice@example.org", "alice-pw")
        held.select("INBOX")
        node.write_config(config_text("store1"))
        node.signal(signal.SIGHUP)
        wait_for("the reload", lambda: "reloaded: 2 pair(s)" in node.log_text())
        typ, data = held.fetch("1", "(RFC822)")
        assert typ == "OK" and data[0][1] == message, data
        held.logout()
        before = member_logins(node, "imap", a1)
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        m.login("bob@example.org", "bob-pw")
        m.logout()
        assert member_logins(node, "imap", a1) == before + 1, "bob's login went to store1"
        rc, shown = node.ctl("show", "proxy/mail/imap")
        assert shown["fields"]["reloads"] == 1 and shown["restarts"] == 0, shown
        print("reload: a session logged in before SIGHUP fetched after it; bob's next login "
              "followed the new directory (store1); the listener was not restarted")

        # The first Dovecot goes away: alice's next login lands on store1's other member.
        d1.stop()
        d1 = None
        before = member_logins(node, "imap", a2)
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        typ, _ = m.login("alice@example.org", "alice-pw")
        assert typ == "OK"
        m.select("INBOX")
        m.logout()
        assert member_logins(node, "imap", a2) == before + 1, \
            "alice's login went to the pair's other member"
        # The POP3 listener's probes see it too; its logins go to the second member as well.
        wait_for("the POP3 probe", lambda: f"127.0.0.1_{p1.split(':')[1]} is down" in node.log_text())
        p = poplib.POP3("127.0.0.1", pop3_port, timeout=10)
        p.user("alice@example.org")
        p.pass_("alice-pw")
        p.quit()
        assert member_logins(node, "pop3", p2) == 1
        print("first Dovecot stopped: alice's next IMAP login went to store1's second member "
              "(connect refused), her POP3 login too (its probe said down)")
        # Nobody left: a clean temporary failure, not a hang and not an authentication error.
        d2.stop()
        d2 = None
        m = imaplib.IMAP4("127.0.0.1", imap_port, timeout=10)
        try:
            m.login("alice@example.org", "alice-pw")
            raise AssertionError("logged in with no backend")
        except imaplib.IMAP4.error as e:
            assert "UNAVAILABLE" in str(e), e
        m.logout()
        p = poplib.POP3("127.0.0.1", pop3_port, timeout=10)
        p.user("alice@example.org")
        try:
            p.pass_("alice-pw")
            raise AssertionError("logged in with no backend")
        except poplib.error_proto as e:
            assert b"[SYS/TEMP]" in e.args[0], e
        p.quit()
        print("both Dovecots stopped: IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP]")

        rc, text = node.ctl("proxies", json_output=False)
        assert rc == 0 and "imap-starttls" in text and "PROXYING" in text, text
        print(text)
    finally:
        if node:
            node.cleanup()
        for d in (d1, d2):
            if d:
                d.stop()


if __name__ == "__main__":
    main()
