"""Every probe kind against a real server, each way it can go: TCP, HTTP (status, digest),
HTTPS (verified chain and name, wrong name), SMTP (banner, EHLO), IMAP and POP3 against a
real Dovecot (greeting, login, wrong password), ICMP, script; and a hung server (accepts,
never answers) that costs its own probe one timeout while the other probes keep their pace."""
import hashlib
import os
import ssl
import subprocess
import sys
import tempfile
import time

import dovecot
from backends import HttpBackend, HungBackend, SmtpBackend, TcpBackend
from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])
INTERVAL_MS, TIMEOUT_MS = 300, 200


def check(name, kind, target=None, interval=INTERVAL_MS, timeout=TIMEOUT_MS, **keys):
    text = f'[[probe.check]]\nname = "{name}"\nkind = "{kind}"\n'
    if target:
        text += f'target = "{target}"\n'
    text += f'interval = "{interval}ms"\ntimeout = "{timeout}ms"\nrise = 1\nfall = 1\n'
    for k, v in keys.items():
        if isinstance(v, list):
            text += f"{k} = [" + ", ".join(f'"{x}"' for x in v) + "]\n"
        elif isinstance(v, bool):
            text += f"{k} = {'true' if v else 'false'}\n"
        else:
            text += f'{k} = "{v}"\n'
    return text


def probes(node):
    rc, tree = node.ctl("probes")
    assert rc == 0, tree
    out = {}

    def walk(t):
        if t["kind"] == "probe" and t["status"] == "running":
            out[t["path"].split("probe/", 1)[1]] = t["fields"]
        for c in t["children"]:
            walk(c)
    walk(tree)
    return out


def make_certificate(folder):
    """A self-signed certificate for localhost and 127.0.0.1, made by the openssl tool."""
    key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def main():
    work = tempfile.mkdtemp(prefix="hamesh-probe-test-")
    cert, key = make_certificate(work)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    servers = []
    mail = None
    node = None
    try:
        tcp = TcpBackend("T")
        web = HttpBackend("W")
        sick = HttpBackend("S")
        sick.health_status = 503
        secure = HttpBackend("H", ssl_context=tls)
        smtp, smtp_refusing = SmtpBackend("mx"), SmtpBackend("mx2", banner_code=554)
        hung = HungBackend("hung")
        servers = [tcp, web, sick, secure, smtp, smtp_refusing, hung]
        have_dovecot = dovecot.available()
        if have_dovecot:
            mail = dovecot.Dovecot({"alice": "secret"})
        else:
            print("NOTE: dovecot is not installed (tools/setup.sh installs it): IMAP/POP3 cases skipped")
        digest = hashlib.md5(b"ok\n").hexdigest()
        expect = {  # probe name -> expected verdict
            "tcp_ok": "up", "tcp_refused": "down",
            "http_ok": "up", "http_digest": "up", "http_503": "down", "http_bad_digest": "down",
            "https_verified": "up", "https_wrong_name": "down",
            "smtp_ok": "up", "smtp_554": "down",
            "icmp_loopback": "up", "script_true": "up", "script_false": "down",
            "hung_http": "down",
        }
        config = ('[node]\nname = "probes"\n[mesh]\nlisten = "127.0.0.1:0"\n'
                  '[log]\nlevel = "info"\nfile = "node.log"\n'
                  + check("tcp_ok", "tcp", tcp.address)
                  + check("tcp_refused", "tcp", f"127.0.0.1:{free_port()}")
                  + check("http_ok", "http", web.address, path="/health", host="www.example.net")
                  + check("http_digest", "http", web.address, path="/health", digest=digest)
                  + check("http_503", "http", sick.address, path="/health")
                  + check("http_bad_digest", "http", web.address, path="/health", digest="0" * 32)
                  + check("https_verified", "https", secure.address, path="/health",
                          tls_verify=True, ca_file=cert)
                  + check("https_wrong_name", "https", secure.address, path="/health",
                          tls_verify=True, ca_file=cert, sni="other.example.net")
                  + check("smtp_ok", "smtp", smtp.address, helo="probe.example.net")
                  + check("smtp_554", "smtp", smtp_refusing.address)
                  + check("icmp_loopback", "icmp", "127.0.0.1")
                  + check("script_true", "script", command=["true"])
                  + check("script_false", "script", command=["sh", "-c", "exit 3"])
                  + check("hung_http", "http", hung.address))
        if mail:
            imap, pop3 = f"127.0.0.1:{mail.imap_port}", f"127.0.0.1:{mail.pop3_port}"
            # Dovecot starts a process per login: give it a second.
            slow = {"interval": 3500, "timeout": 3000}
            config += (check("imap_greeting", "imap", imap, **slow)
                       + check("imap_login", "imap", imap, user="alice", password="secret", **slow)
                       + check("imap_bad_password", "imap", imap, user="alice", password="wrong", **slow)
                       + check("pop3_login", "pop3", pop3, user="alice", password="secret", **slow)
                       + check("pop3_bad_password", "pop3", pop3, user="alice", password="wrong", **slow))
            expect.update({"imap_greeting": "up", "imap_login": "up", "imap_bad_password": "down",
                           "pop3_login": "up", "pop3_bad_password": "down"})
        node = Node(BIN, config, "probes")
        node.start()
        # Each probe reaches its expected verdict (a loaded machine may first time out a
        # Dovecot login; the next attempt decides again).
        last = {}

        def settled():
            last.update(probes(node))
            return all(last.get(n, {}).get("state") == expect[n] for n in expect)
        try:
            wait_for("every probe at its expected verdict", settled, timeout=30)
        except AssertionError:
            pass  # reported below, with each probe's detail
        state = last
        wrong = {n: (state[n]["state"], state[n]["last"]["detail"]) for n in expect
                 if state[n]["state"] != expect[n]}
        for n in sorted(expect):
            print(f"{n:20} {state[n]['state']:5} {state[n]['last']['detail']}")
        assert not wrong, f"unexpected verdicts: {wrong}"
        assert "timeout" in state["hung_http"]["last"]["detail"], state["hung_http"]
        assert "503" in state["http_503"]["last"]["detail"], state["http_503"]
        if mail:  # refused by the server, not timed out (the first refusal: Dovecot delays later
            # ones from the same address, its auth penalty)
            for n in ("imap_bad_password", "pop3_bad_password"):
                detail = state[n]["transitions"][0]["detail"]
                assert "refused" in detail and "timeout" not in detail, state[n]
        host_headers = [h.get("Host") for p, h in web.requests]
        assert "www.example.net" in host_headers, f"the Host header is sent: {host_headers}"

        # The hung server holds its probe for a whole timeout at each attempt; the others
        # keep their interval. Over 3 s at 300 ms a probe makes about 10 attempts.
        before = probes(node)
        time.sleep(3.0)  # a measurement window, not a wait for a condition
        after = probes(node)
        made = {n: after[n]["attempts"] - before[n]["attempts"] for n in ("tcp_ok", "http_ok", "hung_http")}
        print(f"attempts in 3 s with a hung server present: {made}")
        assert made["tcp_ok"] >= 7 and made["http_ok"] >= 7, f"probes stalled: {made}"
        assert made["hung_http"] >= 7, f"the hung probe itself keeps its pace: {made}"

        rc, text = node.ctl("probes", json_output=False)
        print(text)
        assert rc == 0 and "hung_http" in text and "timeout" in text
    finally:
        if node:
            node.cleanup()
        for s in servers:
            s.stop()
        if mail:
            if sys.exc_info()[0] is not None:
                print(mail.log()[-3000:], file=sys.stderr)
            mail.stop()
    print("PASS probe_kinds_test")


if __name__ == "__main__":
    main()
