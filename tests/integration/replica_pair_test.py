"""A replicated volume on two nodes ([[storage.volume]], protocol C) on loopback, driven as an
operator would, with real NBD clients (qemu-io) and a raw client that keeps a ledger:
- a new pair: the initial primary's data reaches the secondary (full sync by checksums);
- patterns written through the primary's export are byte for byte in both backing files;
- the secondary's promotion is refused while the primary is connected;
- the secondary SIGKILLed during writes: writes go on (degraded, every one acknowledged), it
  returns and the resync sends only the dirty regions (bytes counted: <= 1.05x the bytes the
  client dirtied), and both files are identical again;
- online verify finds a byte corrupted on purpose in the secondary's backing file;
- a split brain (both promoted while disconnected, both written) is refused by default, then
  resolved by discard-younger-primary after a reload: the younger primary's changes are gone;
- a forced promotion of the secondary while the primary runs: its export reads back every
  byte the primary wrote.
Member a's volume has direct = true (O_DIRECT), b's the page cache: both paths carry the same
bytes."""
import filecmp
import os
import random
import signal
import subprocess
import sys
import threading
import time

from harness import Node, free_port, wait_for
from nbd_client import RawClient

BIN = os.path.abspath(sys.argv[1])
SIZE = 32 << 20
BLOCK = 4096  # the region size: one dirty bit per 4 KiB write


def config(name, listen, peer, export, mesh, initial, policy="disconnect"):
    return f"""
[node]
name = "{name}"
[mesh]
listen = "127.0.0.1:{mesh}"
[log]
file = "node.log"
[[storage.volume]]
name = "mail"
file = "mail.img"
size = "{SIZE >> 20}MiB"
region_size = "4KiB"
protocol = "C"
listen = "127.0.0.1:{listen}"
peer = "127.0.0.1:{peer}"
export = "127.0.0.1:{export}"
initial_primary = {"true" if initial else "false"}
after_split_brain = "{policy}"
direct = {"true" if name == "store-a" else "false"}
ping_interval = "50ms"
peer_timeout = "400ms"
"""


def volume(node):
    rc, st = node.ctl("show", "storage/replica/mail")
    assert rc == 0, st
    return st["fields"]


def state(node):
    f = volume(node)
    return f"{f['role']}/{f['connection']}/{f['disk']}"


def backing(node):
    return os.path.join(node.conf_dir, "mail.img")


def qemu_io(port, *commands):
    cmd = ["qemu-io", "-f", "raw", f"nbd://127.0.0.1:{port}/mail"]
    for c in commands:
        cmd += ["-c", c]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "error" not in r.stdout.lower() and "fail" not in r.stdout.lower(), \
        f"{cmd}: {r.stdout}{r.stderr}"
    return r.stdout


def same_files(a, b):
    return filecmp.cmp(backing(a), backing(b), shallow=False)


class Writer(threading.Thread):
    """Writes 4 KiB blocks with FUA through one NBD connection until stopped, and records each
    acknowledged write (block -> its pattern byte) with the time it was acknowledged."""

    def __init__(self, port, blocks):
        super().__init__(daemon=True)
        self.client = RawClient(port, "mail")
        self.blocks = blocks
        self.acked = []  # (monotonic time, block, byte)
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        i = 0
        while not self.stop.is_set() and i < len(self.blocks):
            block = self.blocks[i]
            byte = (i % 250) + 1
            error = self.client.write(block * BLOCK, bytes([byte]) * BLOCK)
            if error:
                self.errors.append((block, error))
            else:
                self.acked.append((time.monotonic(), block, byte))
            i += 1


def main():
    ports = {k: free_port() for k in ("la", "lb", "ea", "eb", "ma", "mb")}
    a = Node(BIN, config("store-a", ports["la"], ports["lb"], ports["ea"], ports["ma"], True), "replica-a")
    b = Node(BIN, config("store-b", ports["lb"], ports["la"], ports["eb"], ports["mb"], False), "replica-b")
    try:
        a.start()
        b.start()
        wait_for("the pair in sync", lambda: state(a) == "primary/connected/up_to_date"
                 and state(b) == "secondary/connected/up_to_date", timeout=30)
        f = volume(a)
        assert f["direct"] is True and f["direct_active"] is True and volume(b)["direct"] is False
        assert f["resync"]["full"] and f["resync"]["regions_total"] == SIZE // BLOCK, f["resync"]
        print(f"new pair: a primary, b synced in full ({f['resync']['regions_in_sync']} regions found "
              f"equal by checksum, {f['resync']['data_bytes_sent']} data bytes sent)")

        # Patterns through the primary's export (qemu-io, a real NBD client).
        qemu_io(ports["ea"], "write -P 0xab 0 1M", "write -P 0xcd 8M 256k", "write -z 12M 64k",
                "write -f -P 0x11 16M 4k", "flush", "read -P 0xab 0 1M", "read -P 0xcd 8M 256k")
        wait_for("b's copy", lambda: same_files(a, b))
        print("qemu-io: patterns, write-zeroes, FUA and flush through a's export; both backing files identical")

        rc, out = b.ctl("replica", "promote", "mail", json_output=False)
        assert rc == 1 and "peer" in out, (rc, out)
        assert state(b) == "secondary/connected/up_to_date"
        print(f"b's promotion refused while a is primary: {out.strip()}")

        # The secondary dies during writes; writes go on; it returns and resyncs the dirty part.
        blocks = random.Random(7).sample(range(SIZE // BLOCK), 1200)
        w = Writer(ports["ea"], blocks)
        w.start()
        wait_for("writes replicated", lambda: len(w.acked) >= 100)
        killed_at = time.monotonic()
        b.proc.kill()
        b.proc.wait()
        wait_for("a degraded", lambda: volume(a)["connection"] == "connecting")
        degraded_at = time.monotonic()
        wait_for("more writes", lambda: len(w.acked) >= 700, timeout=30)
        w.stop.set()
        w.join(timeout=20)
        assert not w.errors, f"writes failed while degraded: {w.errors[:5]}"
        after = {blk for t, blk, _ in w.acked if t >= killed_at}
        surely = {blk for t, blk, _ in w.acked if t >= degraded_at}
        dirty = volume(a)["dirty_bytes"]
        # Dirty: every block written once a knew b was gone, at most those written since the
        # kill plus the one in flight at it (protocol C acknowledged the others on both).
        assert len(surely) * BLOCK <= dirty <= (len(after) + 1) * BLOCK, (len(surely), len(after), dirty)
        b.start()
        wait_for("the pair in sync again", lambda: state(b) == "secondary/connected/up_to_date"
                 and volume(a)["dirty_bytes"] == 0, timeout=30)
        r = volume(a)["resync"]
        assert not r["full"] and r["as_source"], r
        assert r["data_bytes_sent"] <= 1.05 * dirty, (r, dirty)
        assert r["wire_bytes_sent"] <= 1.05 * dirty + 4096, (r, dirty)
        wait_for("b's copy", lambda: same_files(a, b))
        ledger = RawClient(ports["ea"], "mail")
        last = {}
        for _, blk, byte in w.acked:
            last[blk] = byte
        for blk, byte in last.items():
            assert ledger.read_at(blk * BLOCK, BLOCK) == bytes([byte]) * BLOCK, blk
        ledger.close()
        print(f"b SIGKILLed during writes: {len(w.acked)} writes acknowledged, 0 failed; "
              f"{len(after)} blocks written degraded ({dirty} bytes dirty); b returned and the resync "
              f"sent {r['data_bytes_sent']} data bytes ({r['wire_bytes_sent']} on the wire, ratio "
              f"{r['wire_bytes_sent'] / dirty:.3f}); files identical, every acknowledged write read back")

        # Online verify finds a byte corrupted on purpose in b's backing file.
        corrupt_at = 20 * (1 << 20) + 12345
        fd = os.open(backing(b), os.O_WRONLY)
        os.pwrite(fd, b"\x5a", corrupt_at)
        os.fsync(fd)
        os.close(fd)
        rc, out = a.ctl("replica", "verify", "mail", json_output=False)
        assert rc == 0, out
        wait_for("the verify", lambda: not volume(a)["verify"]["running"]
                 and volume(a)["verify"]["regions_checked"] > 0, timeout=60)
        v = volume(a)["verify"]
        assert v["mismatches"] == 1 and v["mismatched_regions"] == [corrupt_at // BLOCK], v
        print(f"verify: {v['regions_checked']} regions checked, the corrupted one found "
              f"(region {corrupt_at // BLOCK}), nothing changed")
        # Put the byte back so the copies agree again.
        fd = os.open(backing(b), os.O_WRONLY)
        os.pwrite(fd, open(backing(a), "rb").read()[corrupt_at:corrupt_at + 1], corrupt_at)
        os.fsync(fd)
        os.close(fd)

        # Split brain: both primary while apart, both written.
        for n in (a, b):
            rc, out = n.ctl("replica", "disconnect", "mail", json_output=False)
            assert rc == 0, out
        rc, out = b.ctl("replica", "promote", "mail", json_output=False)
        assert rc == 0, out
        qemu_io(ports["ea"], "write -P 0x77 2M 64k")
        qemu_io(ports["eb"], "write -P 0x99 3M 64k")
        # A policy never rolls back a primary's data under its clients: b steps down first.
        rc, out = b.ctl("replica", "demote", "mail", json_output=False)
        assert rc == 0, out
        for n in (a, b):
            rc, out = n.ctl("replica", "connect", "mail", json_output=False)
            assert rc == 0, out
        wait_for("the split brain refused", lambda: volume(a)["connection"] == "refused_split_brain"
                 and volume(b)["connection"] == "refused_split_brain", timeout=15)
        print("split brain (both promoted while apart, both written): both refuse to connect "
              f"({volume(a)['last_change']})")
        # The operator picks a policy: b, the younger primary, loses its changes.
        for n, name, listen, peer, export, mesh, initial in (
                (a, "store-a", "la", "lb", "ea", "ma", True), (b, "store-b", "lb", "la", "eb", "mb", False)):
            n.write_config(config(name, ports[listen], ports[peer], ports[export], ports[mesh], initial,
                                  "discard-younger-primary"))
            n.signal(signal.SIGHUP)
        # The reload restarts each volume (its policy changed); a graceful stop steps down, so
        # both come back secondary, resolve the split brain, and the operator promotes a.
        wait_for("the split brain resolved", lambda: state(b) == "secondary/connected/up_to_date"
                 and state(a) == "secondary/connected/up_to_date", timeout=30)
        assert "discarding the younger primary store-b" in b.log_text()
        rc, out = a.ctl("replica", "promote", "mail", json_output=False)
        assert rc == 0, out
        wait_for("b's copy", lambda: same_files(a, b))
        qemu_io(ports["ea"], "read -P 0x77 2M 64k")
        reader = RawClient(ports["ea"], "mail")
        assert reader.read_at(3 << 20, 65536) != b"\x99" * 65536, "b's split-brain write survived"
        reader.close()
        print("discard-younger-primary: b's changes discarded (its 0x99 at 3M is gone), a's 0x77 "
              "at 2M kept; files identical")

        # A forced promotion of b while a is primary: b's export serves every pattern.
        rc, out = b.ctl("replica", "promote", "mail", "--force", json_output=False)
        assert rc == 0, out
        wait_for("b primary", lambda: volume(b)["role"] == "primary")
        reader = RawClient(ports["eb"], "mail")
        with open(backing(a), "rb") as f:
            for at in range(0, SIZE, 1 << 20):
                f.seek(at)
                assert reader.read_at(at, 1 << 20) == f.read(1 << 20), f"b's export differs at {at}"
        reader.close()
        print("b promoted by force while a was primary: its export reads back all 32 MiB as a "
              "wrote them")

        rc, out = a.ctl("replicas", json_output=False)
        print(out)
        for n in (a, b):
            assert n.stop() == 0
    finally:
        for n in (a, b):
            n.cleanup()


if __name__ == "__main__":
    main()
