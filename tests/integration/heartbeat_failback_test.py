#!/usr/bin/env python3
"""The storage pair of storage_pair.py with both heartbeat links multicast (groups 239.77.0.1
on the bridge, 239.78.0.1 on the direct veth), auto_failback on, a the preferred node, and a
demo ticker whose crash degrades the node:
- multicast: both links report transport multicast and hear the peer; one group's link cut
  (nftables on eth1) is a link failure, not a dead peer;
- auto_failback: a (primary) SIGKILLed under writes -> b fences it and serves; a returns,
  resyncs, and only once its replica is up to date (its can_serve event precedes b's release)
  b hands the resources back, without fencing; every acknowledged write is there;
- node degraded: a's supervision tree escalates (hameshctl kill demo/ticker/fragile) -> a
  releases (service IP, then its replica) and b takes over without fencing, under writes,
  nothing lost; a degraded a is not handed anything back; a restarted a (healthy again) gets
  them back;
- (run second, while the volume file is still sparse) a failed disk: a's volume lives on a 40 MiB tmpfs, filled while a serves writes, so its
  local writes fail (ENOSPC) -> its replica's disk is failed -> a hands over as if degraded
  and b serves, without fencing, nothing acknowledged lost; space freed and a restarted, it
  resyncs and gets them back.
Usage: BIN_DIR (as root; exits 77 otherwise)."""
import os
import sys
import time

from harness import wait_for
from netns import require_root
from storage_pair import Pair, SERVICE_IP


def event_at(node, what):
    """Wall-clock ms of the node's last heartbeat event `what`, or None."""
    times = [e["at_ms"] for e in node.heartbeat().get("events", []) if e["what"] == what]
    return times[-1] if times else None


def check_writes(pair, w, label):
    acks = w.stop()
    assert acks, f"{label}: no write acknowledged"
    result = pair.verify(w.ledger())
    assert result["checked"] == len(acks) and not result["mismatches"], result
    return len(acks)


def multicast_links(pair):
    for host in "ab":
        links = {l["name"]: l for l in pair.nodes[host].heartbeat()["links"]}
        assert [l["transport"] for l in links.values()] == ["multicast", "multicast"], links
        assert links["lan"]["to"] == "239.77.0.1:694" and links["back"]["to"] == "239.78.0.1:694", links
        assert all(l["state"] == "up" and l["first_copies"] + l["later_copies"] > 0 for l in links.values()), links
    a, b = pair.nodes["a"], pair.nodes["b"]
    pair.topo.cut("a", ["eth1"])
    try:
        def back_failed(node):
            links = {l["name"]: l for l in node.heartbeat()["links"]}
            return links["back"]["state"] == "failed" and links["lan"]["state"] == "up"
        wait_for("group link back failed on b", lambda: back_failed(b), timeout=5)
        wait_for("group link back failed on a", lambda: back_failed(a), timeout=5)
        deadline = time.monotonic() + 0.9  # three deadtimes
        while time.monotonic() < deadline:
            hb = b.heartbeat()
            assert hb["peer"]["state"] == "alive" and not hb["holds_any"], hb["peer"]
            time.sleep(0.05)
    finally:
        pair.topo.heal("a")
    wait_for("group link back restored", lambda: all(l["state"] == "up" for l in b.heartbeat()["links"]), timeout=5)
    print("multicast: both links are groups and hear the peer; group back cut -> link failure on "
          "both sides, no takeover; restored when healed")


def crash_and_failback(pair):
    a, b = pair.nodes["a"], pair.nodes["b"]
    fences_by_b, fences_by_a = len(pair.fence_runs("b")), len(pair.fence_runs("a"))
    w = pair.writer("crash")
    wait_for("writes before the crash", lambda: len(w.acks()) >= 30, timeout=10)
    t_kill = time.monotonic()
    a.kill9()
    wait_for("b serving writes", lambda: len(w.acked_after(t_kill)) >= 50, timeout=10)
    last = b.heartbeat()["last_takeover"]
    assert last["result"] == "serving" and last["timeline"][0]["name"] == "fence", last
    assert len(pair.fence_runs("b")) == fences_by_b + 1
    t_restart = time.monotonic()
    pair.start("a")
    # a comes back secondary, resyncs what b wrote meanwhile, then gets everything back.
    wait_for("b released to a", lambda: (b.heartbeat().get("last_release") or {}).get("result") == "released"
             and (b.heartbeat()["last_release"]["started_at_ms"] > last["started_at_ms"]), timeout=20)
    pair.wait_settled("a")
    wait_for("a's writes after the failback", lambda: len(w.acked_after(t_restart)) >= 20, timeout=10)
    release = b.heartbeat()["last_release"]
    assert release["reason"] == "auto_failback: preferred node a is back and up to date", release
    ready_at = event_at(a, "can_serve")
    assert ready_at is not None and ready_at <= release["started_at_ms"], (ready_at, release["started_at_ms"])
    taken = a.heartbeat()["last_takeover"]
    assert taken["reason"] == "peer b released its resources", taken
    assert [e["name"] for e in taken["timeline"]] == ["replica/mail", f"ip/{SERVICE_IP}"], taken
    assert len(pair.fence_runs("a")) == fences_by_a, "the failback fenced"
    assert len(pair.fence_runs("b")) == fences_by_b + 1, "the failback fenced"
    assert a.volume()["resync"]["as_source"] is False  # a was the resync target
    n = check_writes(pair, w, "crash and failback")
    print(f"auto_failback: a killed, b fenced and served; a back: up to date "
          f"{release['started_at_ms'] - ready_at} ms before b released, serving again "
          f"{time.monotonic() - t_restart:.1f} s after its restart, without fencing; "
          f"{n} acknowledged writes all found")


def degraded_hand_over(pair):
    a, b = pair.nodes["a"], pair.nodes["b"]
    fences = len(pair.fence_runs("a")) + len(pair.fence_runs("b"))
    w = pair.writer("degraded")
    wait_for("writes before the escalation", lambda: len(w.acks()) >= 30, timeout=10)
    rc, out = a.ctl("kill", "demo/ticker/fragile")
    assert rc == 0, out
    t0 = time.monotonic()
    wait_for("b serving after a's hand-over", lambda: b.heartbeat()["holds_all"]
             and pair.state("b") == "primary/connected/up_to_date", timeout=10)
    took = time.monotonic() - t0
    wait_for("writes through b", lambda: len(w.acked_after(t0)) >= 30, timeout=10)
    ha, hb = a.heartbeat(), b.heartbeat()
    assert ha["degraded"] is True and not ha["holds_any"], ha
    assert any(e["what"] == "node_degraded" for e in ha["events"]), ha["events"]
    assert ha["last_release"]["reason"] == "node degraded: handing over", ha["last_release"]
    assert [e["name"] for e in ha["last_release"]["timeline"]] == [f"ip/{SERVICE_IP}", "replica/mail"], ha["last_release"]
    assert hb["last_takeover"]["reason"] == "peer a released its resources", hb["last_takeover"]
    assert len(pair.fence_runs("a")) + len(pair.fence_runs("b")) == fences, "the hand-over fenced"
    assert pair.state("a") == "secondary/connected/up_to_date"
    assert hb["peer"]["degraded"] is True and hb["peer"]["can_serve"] is False, hb["peer"]
    rc, text = b.ctl("heartbeat", json_output=False)
    assert rc == 0 and "can serve: this node yes, peer no; degraded: this node no, peer yes; " \
        "auto_failback on, preferred a" in text, text
    # auto_failback does not give them back to a degraded node.
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert b.heartbeat()["holds_all"] and not pair.topo.has_address("a")
        time.sleep(0.05)
    n = check_writes(pair, w, "degraded hand-over")
    print(f"node degraded: a released (IP, then replica), b serving {took * 1000:.0f} ms after the "
          f"escalation, without fencing; {n} acknowledged writes all found; a degraded keeps nothing")
    # A restart clears the degradation: a is healthy and preferred, it gets them back.
    assert a.stop() == 0
    pair.start("a")
    pair.wait_settled("a")
    assert a.heartbeat()["degraded"] is False
    print("a restarted healthy: auto_failback handed the resources back to it")


def disk_failure(pair):
    a, b = pair.nodes["a"], pair.nodes["b"]
    fences = len(pair.fence_runs("a")) + len(pair.fence_runs("b"))
    w = pair.writer("disk")
    wait_for("writes before the disk fills", lambda: len(w.acks()) >= 30, timeout=10)
    t0 = time.monotonic()
    pair.fill_disk("a")
    wait_for("b serving after a's disk failed", lambda: b.heartbeat()["holds_all"]
             and pair.state("b").startswith("primary/"), timeout=10)
    took = time.monotonic() - t0
    wait_for("writes through b", lambda: len(w.acked_after(t0)) >= 30, timeout=10)
    ha = a.heartbeat()
    assert a.volume()["disk"] == "failed" and ha["failed_disk"] == "mail", ha.get("failed_disk")
    assert not ha["holds_any"] and not ha["can_serve"], ha
    assert b.heartbeat()["peer"]["degraded"] is True  # announced unfit: b takes nothing back
    assert any(e["what"] == "disk_failed" and e["detail"] == "mail" for e in ha["events"]), ha["events"]
    assert b.heartbeat()["last_takeover"]["reason"] == "peer a released its resources"
    assert len(pair.fence_runs("a")) + len(pair.fence_runs("b")) == fences, "the hand-over fenced"
    assert "the local disk failed: handing the pair's resources to b" in a.log_text()
    n = check_writes(pair, w, "disk failure")
    print(f"disk failure: a's writes failed (ENOSPC), b serving {took * 1000:.0f} ms after the disk "
          f"filled, without fencing; {n} acknowledged writes all found")
    pair.free_disk("a")
    assert a.stop() == 0
    pair.start("a")
    pair.wait_settled("a")
    # Read through a now: its resync from b brought back what its full disk refused.
    result = pair.verify(w.ledger())
    assert result["checked"] == n and not result["mismatches"], result
    rs = b.volume()["resync"]
    assert rs["as_source"] and rs["data_bytes_sent"] > 0, rs  # a missed writes: they came from b
    print(f"a's space freed and a restarted: resynced from b ({rs['regions_done']} regions, "
          f"{rs['data_bytes_sent']} bytes{', full' if rs['full'] else ''}), auto_failback handed "
          f"everything back; the {n} writes read back through a")


def main():
    require_root("heartbeat_failback_test")
    bin_dir = os.path.abspath(sys.argv[1])
    pair = Pair(bin_dir, multicast=True, auto_failback=True, degradable=True, disk_mib=40)
    failing = True
    try:
        pair.start("a", initial=True)
        pair.start("b")
        pair.wait_settled("a")
        print("start: a holds the volume and the service IP, b is its up-to-date secondary")
        multicast_links(pair)
        disk_failure(pair)  # first: later writers allocate the whole volume file
        crash_and_failback(pair)
        degraded_hand_over(pair)
        failing = False
        print("PASS heartbeat_failback_test")
    finally:
        pair.close(failing)


if __name__ == "__main__":
    main()
