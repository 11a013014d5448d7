"""The client side of the storage failover test and benchmark, run inside the client's
namespace. `write HOST PORT TAG LEDGER`: writes 4 KiB FUA blocks to the export named "mail"
through HOST:PORT until stdin closes, reconnecting at once after any failure, and appends
"ack MONOTONIC SEQ OFFSET" to LEDGER for every write the server acknowledged (block SEQ holds
TAG:SEQ: repeated), and "conn MONOTONIC" for every connection made. `verify HOST PORT LEDGER.json`: reads every acknowledged block back and
prints {"checked": N, "blocks": distinct blocks, "mismatches": [the first 20], "mismatched": M}
(a block written twice must hold the later write)."""
import json
import os
import select
import sys
import time
import zlib

from nbd_client import RawClient

BLOCK = 4096
BLOCKS = (32 << 20) // BLOCK


def pattern(tag, seq):
    unit = f"{tag}:{seq}:".encode()
    return (unit * (BLOCK // len(unit) + 1))[:BLOCK]


def offset_of(tag, seq):
    # Each round starts elsewhere, so blocks of an earlier round are never taken for this one's.
    return ((zlib.crc32(str(tag).encode()) + seq) % BLOCKS) * BLOCK


def stdin_closed():
    r, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(r) and os.read(sys.stdin.fileno(), 1) == b""


def write(host, port, tag, ledger_path):
    seq = 0
    client = None
    with open(ledger_path, "a", buffering=1) as ledger:
        while not stdin_closed():
            try:
                if client is None:
                    # A short connect timeout: a SYN sent while the service IP is between
                    # owners is lost, and the kernel would retransmit only after 1 s.
                    client = RawClient(port, "mail", host=host, timeout=0.05)
                    client.s.settimeout(1.0)
                    ledger.write(f"conn {time.monotonic():.6f}\n")
                offset = offset_of(tag, seq)
                error = client.write(offset, pattern(tag, seq), fua=True)
                if error == 0:
                    ledger.write(f"ack {time.monotonic():.6f} {seq} {offset}\n")
                    seq += 1
                    continue
                ledger.write(f"err nbd {error}\n")  # EPERM: a read-only (secondary) export
            except (OSError, AssertionError, ConnectionError) as e:
                ledger.write(f"err {type(e).__name__}\n")
            if client is not None:
                try:
                    client.s.close()
                except OSError:
                    pass
                client = None
            time.sleep(0.002)


def verify(host, port, path):
    with open(path) as f:
        ledger = json.load(f)
    client = RawClient(port, "mail", host=host, timeout=5)
    # A writer that went round the whole volume wrote some blocks twice: the later
    # acknowledgement (the ledger is in acknowledgement order) is what the block must hold.
    latest = {}
    for tag, seq, offset in ledger:
        latest[offset] = (tag, seq)
    mismatches = []
    for offset, (tag, seq) in latest.items():
        got = client.read_at(offset, BLOCK)
        if got != pattern(tag, seq):
            mismatches.append({"tag": tag, "seq": seq, "offset": offset, "found": got[:24].decode("latin-1")})
    print(json.dumps({"checked": len(ledger), "blocks": len(latest), "mismatches": mismatches[:20],
                      "mismatched": len(mismatches)}))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        verify(sys.argv[2], int(sys.argv[3]), sys.argv[4])
