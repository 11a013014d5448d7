#!/usr/bin/env python3
"""One scenario workload in a process of its own, so that it runs where the clients are (this
host, or the client's network namespace): `workload_worker.py SPEC.json`. It prints one JSON
line per operation ({"t": wall time, "ok": bool, "ms": latency, "error": why}) until SIGTERM.
Kinds: http (a GET per connection, paths in turn), smtp (greeting, EHLO, QUIT), imap (LOGIN, SELECT INBOX, LOGOUT), pop3
(USER, PASS, STAT, QUIT), nbd (4 KiB FUA writes, each to a block never written before, so the
ledger of acknowledged writes is exact; on an error it moves to the next export). Mode
"nbd-verify" reads back every acknowledged write of a ledger and prints what is missing."""
import http.client
import imaplib
import smtplib
import json
import os
import poplib
import random
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from nbd_client import RawClient  # noqa: E402

stopping = False


def on_term(*_):
    global stopping
    stopping = True


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def split(target):
    host, port = target.rsplit(":", 1)
    return host, int(port)


def block_pattern(seed, seq, size):
    return (struct.pack(">QQ", seed, seq) * (size // 16 + 1))[:size]


def http_once(spec, i):
    host, port = split(spec["targets"][i % len(spec["targets"])])
    path = spec["paths"][i % len(spec["paths"])]
    conn = http.client.HTTPConnection(host, port, timeout=spec["timeout"])
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            return False, f"HTTP {r.status}", None
        return True, None, body.decode(errors="replace").split(" ")[0].strip()
    finally:
        conn.close()


def smtp_once(spec, i):
    host, port = split(spec["targets"][i % len(spec["targets"])])
    s = smtplib.SMTP(host, port, timeout=spec["timeout"])
    try:
        code, banner = s.ehlo("client.example.org")
        if code != 250:
            return False, f"EHLO {code}", None
        s.quit()
        return True, None, banner.decode(errors="replace").split("\n")[0].strip()
    finally:
        s.close()


def imap_once(spec, i):
    host, port = split(spec["targets"][i % len(spec["targets"])])
    users = sorted(spec["users"].items())
    user, password = users[i % len(users)]
    m = imaplib.IMAP4(host, port, timeout=spec["timeout"])
    try:
        m.login(user, password)
        typ, data = m.select("INBOX")
        if typ != "OK":
            return False, f"SELECT {typ} {data}", None
        m.logout()
        return True, None, None
    finally:
        try:
            m.shutdown()
        except OSError:
            pass


def pop3_once(spec, i):
    host, port = split(spec["targets"][i % len(spec["targets"])])
    users = sorted(spec["users"].items())
    user, password = users[i % len(users)]
    p = poplib.POP3(host, port, timeout=spec["timeout"])
    try:
        p.user(user)
        p.pass_(password)
        p.stat()
        p.quit()
        return True, None, None
    finally:
        p.close()


def run_requests(spec, once):
    interval = 1.0 / spec["rate"]
    next_at = time.monotonic()
    i = 0
    while not stopping:
        started = time.time()
        t0 = time.monotonic()
        try:
            ok, error, served_by = once(spec, i)
        except Exception as e:  # every failure a client can see is a sample, not a crash
            ok, error, served_by = False, f"{type(e).__name__}: {e}"[:160], None
        record = {"t": started, "ok": ok, "ms": (time.monotonic() - t0) * 1000}
        if error:
            record["error"] = error
        if served_by:
            record["by"] = served_by
        emit(record)
        i += 1
        next_at = max(next_at + interval, time.monotonic() - interval)
        time.sleep(max(0.0, next_at - time.monotonic()))


def run_nbd(spec):
    order = random.Random(spec["seed"]).sample(range(spec["blocks"]), spec["blocks"])
    size, seed = spec["block_size"], spec["seed"]
    targets = spec["targets"]
    interval = 1.0 / spec["rate"]
    client, which, seq = None, 0, 0
    next_at = time.monotonic()
    while not stopping and seq < len(order):
        started, t0 = time.time(), time.monotonic()
        block = order[seq]
        try:
            if client is None:
                host, port = split(targets[which % len(targets)])
                client = RawClient(port, spec["export"], host=host, timeout=spec["timeout"])
            error = client.write(block * size, block_pattern(seed, seq, size))
            ok = error == 0
            why = None if ok else f"NBD error {error}"
        except Exception as e:
            ok, why = False, f"{type(e).__name__}: {e}"[:160]
        record = {"t": started, "ok": ok, "ms": (time.monotonic() - t0) * 1000, "block": block, "seq": seq,
                  "target": targets[which % len(targets)]}
        if not ok:
            record["error"] = why
            # This export is gone or read-only (a secondary): the next one, on a new connection.
            try:
                if client is not None:
                    client.s.close()
            except OSError:
                pass
            client, which = None, which + 1
        emit(record)
        seq += 1  # a block is never written twice: a failed write's block may hold anything
        next_at = max(next_at + interval, time.monotonic() - interval)
        time.sleep(max(0.0, next_at - time.monotonic()))


def verify_nbd(spec):
    with open(spec["ledger"]) as f:
        ledger = json.load(f)
    size, seed = spec["block_size"], spec["seed"]
    errors = []
    for target in spec["targets"]:
        try:
            host, port = split(target)
            client = RawClient(port, spec["export"], host=host, timeout=spec["timeout"])
        except Exception as e:
            errors.append(f"{target}: {e}")
            continue
        lost = [block for block, seq in ledger if client.read_at(block * size, size) != block_pattern(seed, seq, size)]
        client.close()
        emit({"target": target, "checked": len(ledger), "lost_count": len(lost), "lost": lost[:20]})
        return
    emit({"error": "no export answered: " + "; ".join(errors)})


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    signal.signal(signal.SIGTERM, on_term)
    if spec.get("mode") == "nbd-verify":
        verify_nbd(spec)
    elif spec["kind"] == "nbd":
        run_nbd(spec)
    else:
        run_requests(spec, {"http": http_once, "smtp": smtp_once, "imap": imap_once, "pop3": pop3_once}[spec["kind"]])


if __name__ == "__main__":
    main()
