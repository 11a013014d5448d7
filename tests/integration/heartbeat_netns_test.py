#!/usr/bin/env python3
"""A storage pair's heartbeat in network namespaces (storage_pair.py: nodes a and b on two
links, a client c, the service IP 10.77.0.100, the replicated volume "mail" exported over NBD,
keepalive 50ms / warntime 150ms / deadtime 300ms):
- start: a (initial primary) holds the volume and the service IP, b is its secondary;
- 20 rounds: a client writes 4 KiB FUA blocks through the service IP, recording every
  acknowledged write; the primary is SIGKILLed; the secondary fences it (the fence script's log
  names the PID), promotes, takes the service IP and serves writes; every acknowledged write is
  read back from the new primary; the killed node returns as secondary and resyncs;
- one link cut (nftables drop on eth1 of the primary): link "back" reported failed on both
  sides, no takeover; healed, restored;
- every link cut, fencing required and failing: the secondary's takeover is refused, its replica
  stays secondary and it never takes the service IP;
- a graceful stop (SIGTERM) of the primary: it releases and the peer takes over at once,
  without fencing;
- a bad HMAC key on the secondary: neither side ever trusts the other (bad_signature counted),
  and the secondary (whose fencing fails) never promotes.
Usage: BIN_DIR (as root; exits 77 otherwise)."""
import os
import statistics
import sys
import time

from harness import wait_for
from netns import require_root
from storage_pair import Pair, SERVICE_IP

ROUNDS = int(os.environ.get("HEARTBEAT_ROUNDS", "20"))


def other(host):
    return "b" if host == "a" else "a"


def failover_round(pair, primary, n):
    """SIGKILL `primary` under writes; returns the ms from the kill to the first write the
    new primary acknowledged."""
    survivor = other(primary)
    s = pair.nodes[survivor]
    takeovers_before = s.heartbeat()["counters"]["takeovers"]
    fences_before = len(pair.fence_runs(survivor))
    w = pair.writer(n)
    wait_for("writes acknowledged before the crash", lambda: len(w.acks()) >= 30, timeout=10)
    killed_pid = pair.nodes[primary].proc.pid
    t_kill, wall_kill = time.monotonic(), time.time() * 1000
    pair.nodes[primary].kill9()
    wait_for("writes acknowledged by the new primary", lambda: len(w.acked_after(t_kill)) >= 20, timeout=10)
    first = w.acked_after(t_kill)[0][0]
    acks = w.stop()
    hb = s.heartbeat()
    assert hb["counters"]["takeovers"] == takeovers_before + 1, hb["counters"]
    last = hb["last_takeover"]
    assert last["result"] == "serving", last
    steps = [(e["name"], e["status"]) for e in last["timeline"]]
    assert steps == [("fence", "ok"), ("replica/mail", "ok"), (f"ip/{SERVICE_IP}", "ok")], steps
    runs = pair.fence_runs(survivor)[fences_before:]
    assert runs == [f"killed {killed_pid}"], runs
    assert pair.state(survivor).startswith("primary/"), pair.state(survivor)
    assert pair.topo.has_address(survivor) and not pair.topo.has_address(primary)
    result = pair.verify(w.ledger())
    assert result["checked"] == len(acks) and not result["mismatches"], result
    ms = (first - t_kill) * 1000
    steps = ", ".join(f"{e['name']} {e['took_ms']}" for e in last["timeline"])
    print(f"round {n}: {primary} killed; {survivor} declared it dead after "
          f"{last['started_at_ms'] - wall_kill:.0f} ms, took over in {last['took_ms']} ms ({steps}); "
          f"first write acknowledged after {ms:.0f} ms; {len(acks)} acknowledged writes all found")
    # The killed node returns: secondary, resynced from the survivor.
    pair.start(primary)
    pair.wait_settled(survivor)
    return ms


def link_cut(pair, primary):
    secondary = other(primary)
    p, s = pair.nodes[primary], pair.nodes[secondary]
    takeovers = s.heartbeat()["counters"]["takeovers"]
    pair.topo.cut(primary, ["eth1"])
    try:
        def failed(node):
            links = {l["name"]: l for l in node.heartbeat()["links"]}
            return links["back"]["state"] == "failed" and links["lan"]["state"] == "up"
        wait_for("link back failed on the secondary", lambda: failed(s), timeout=5)
        wait_for("link back failed on the primary", lambda: failed(p), timeout=5)
        # Nothing else happens: for 3 more deadtimes the peer stays alive, nobody takes over.
        deadline = time.monotonic() + 0.9
        while time.monotonic() < deadline:
            hb = s.heartbeat()
            assert hb["peer"]["state"] == "alive", hb["peer"]
            assert hb["counters"]["takeovers"] == takeovers, hb["counters"]
            assert not hb["holds_any"]
            time.sleep(0.05)
        assert "link back failed" in s.log_text()
    finally:
        pair.topo.heal(primary)
    wait_for("link back restored", lambda: all(l["state"] == "up" for l in s.heartbeat()["links"]), timeout=5)
    print("link cut: link back reported failed on both sides, no takeover; restored when healed")


def all_links_cut_fencing_fails(pair, primary):
    secondary = other(primary)
    s = pair.nodes[secondary]
    pair.fence_mode(secondary, "fail")
    refused_before = len(pair.fence_runs(secondary))
    pair.topo.cut(primary, ["eth0", "eth1"])
    try:
        wait_for("the takeover refused", lambda: (s.heartbeat().get("last_takeover") or {}).get("result")
                 == "refused_fencing_failed", timeout=5)
        assert pair.fence_runs(secondary)[refused_before:] == ["refused"]
        # And it stays that way: no retry loop, never promoted, never the service IP.
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            assert pair.state(secondary).startswith("secondary/"), pair.state(secondary)
            assert not pair.topo.has_address(secondary)
            assert not s.heartbeat()["holds_any"]
            time.sleep(0.05)
        assert len(pair.fence_runs(secondary)) == refused_before + 1
    finally:
        pair.topo.heal(primary)
        pair.fence_mode(secondary, "ok")
    pair.wait_settled(primary)
    print("all links cut, fencing failing: takeover refused, no promotion; settled again when healed")


def graceful_stop(pair, primary):
    """SIGTERM of the primary: it releases (IP, then demote) and says so; the peer takes over
    at once, without fencing. Returns the new primary."""
    survivor = other(primary)
    s = pair.nodes[survivor]
    fences = len(pair.fence_runs(survivor))
    t0 = time.monotonic()
    assert pair.nodes[primary].stop() == 0
    wait_for("the peer serving after the hand-over", lambda: (s.heartbeat().get("last_takeover") or {}).get("reason", "")
             .endswith("released its resources") and s.heartbeat()["holds_all"], timeout=15)
    took = (time.monotonic() - t0) * 1000
    last = s.heartbeat()["last_takeover"]
    assert last["result"] == "serving" and [e["name"] for e in last["timeline"]] == ["replica/mail", f"ip/{SERVICE_IP}"], last
    assert len(pair.fence_runs(survivor)) == fences, "a graceful hand-over fenced"
    assert "released in" in pair.nodes[primary].log_text()
    pair.start(primary)
    pair.wait_settled(survivor)
    print(f"graceful stop: {primary} released, {survivor} took over without fencing "
          f"({took:.0f} ms from SIGTERM to serving)")
    return survivor


def bad_key(pair, primary):
    secondary = other(primary)
    p = pair.nodes[primary]
    pair.fence_mode(secondary, "fail")  # at initdead it would fence: make that fail
    assert pair.nodes[secondary].stop() == 0
    wait_for("the primary sees its peer dead", lambda: p.heartbeat()["peer"]["state"] == "dead", timeout=5)
    before = p.heartbeat()["dropped"]["bad_signature"]
    s = pair.start(secondary, key="another-key-for-the-same-pair!")
    wait_for("bad signatures counted on the primary",
             lambda: p.heartbeat()["dropped"]["bad_signature"] >= before + 20, timeout=5)
    wait_for("bad signatures counted on the secondary",
             lambda: s.heartbeat()["dropped"]["bad_signature"] >= 20, timeout=5)
    wait_for("the secondary's takeover refused at initdead",
             lambda: (s.heartbeat().get("last_takeover") or {}).get("result") == "refused_fencing_failed",
             timeout=10)
    hp, hs = p.heartbeat(), s.heartbeat()
    assert hp["peer"]["state"] == "dead" and hp["accepted"] > 0, hp["peer"]  # accepted: before
    assert hs["peer"]["state"] == "dead" and hs["accepted"] == 0 and hs["peer"]["generation"] == 0, hs["peer"]
    assert pair.state(secondary).startswith("secondary/") and not pair.topo.has_address(secondary)
    assert hp["holds_all"] and pair.topo.has_address(primary)
    print(f"bad key: {hs['dropped']['bad_signature']} bad signatures on {secondary}, "
          f"{hp['dropped']['bad_signature'] - before} on {primary}; never trusted, never promoted")


def main():
    require_root("heartbeat_netns_test")
    bin_dir = os.path.abspath(sys.argv[1])
    pair = Pair(bin_dir)
    failing = True
    try:
        pair.start("a", initial=True)
        pair.start("b")
        pair.wait_settled("a")
        print("start: a holds the volume and the service IP, b is its up-to-date secondary")
        primary, times = "a", []
        for n in range(1, ROUNDS + 1):
            times.append(failover_round(pair, primary, n))
            primary = other(primary)
        print(f"{ROUNDS} crash failovers, zero acknowledged writes lost; first write after the crash: "
              f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
        link_cut(pair, primary)
        all_links_cut_fencing_fails(pair, primary)
        primary = graceful_stop(pair, primary)
        bad_key(pair, primary)
        failing = False
        print("PASS heartbeat_netns_test")
    finally:
        pair.close(failing)


if __name__ == "__main__":
    main()
