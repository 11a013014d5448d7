"""Heartbeats over the CAF mesh (mesh = true), on loopback, no privileges: two storage nodes
whose only working heartbeat path is the mesh (their UDP link is aimed at ports nobody listens
on). The peer stays alive on the mesh link alone, the UDP link is the one that never hears,
and nobody takes over; a SIGKILL of the primary then silences the mesh too, and the secondary
fences (a script that records the call), promotes its replica and starts a resource agent
(a command that records start/stop/status). b's graceful stop then releases in reverse: the
agent's stop runs before the replica is demoted."""
import os
import sys
import tempfile

from harness import Node, free_port, wait_for

BIN = os.path.abspath(sys.argv[1])
KEY = "mesh-test-key-0123456789abcdef"


def config(name, peer, ports, mine, theirs, initial, fence_log, agent_log):
    return f"""
[node]
name = "{name}"
[mesh]
listen = "127.0.0.1:{ports[mine + '_mesh']}"
peers = ["127.0.0.1:{ports[theirs + '_mesh']}"]
heartbeat = "100ms"
[log]
file = "node.log"
[[storage.volume]]
name = "mail"
file = "mail.img"
size = "8MiB"
listen = "127.0.0.1:{ports[mine + '_repl']}"
peer = "127.0.0.1:{ports[theirs + '_repl']}"
export = "127.0.0.1:{ports[mine + '_nbd']}"
initial_primary = {"true" if initial else "false"}
[heartbeat]
pair = "store"
peer = "{peer}"
key = "{KEY}"
keepalive = "50ms"
warntime = "150ms"
deadtime = "400ms"
initdead = "5s"
preferred = "store-a"
mesh = true
[[heartbeat.link]]
name = "udp"
listen = "127.0.0.1:{ports[mine + '_udp']}"
peer = "127.0.0.1:{ports[mine + '_nowhere']}"
[heartbeat.fence]
command = ["sh", "-c", "echo fenced >> {fence_log}"]
timeout = "2s"
policy = "required"
[[heartbeat.resource]]
kind = "replica"
volume = "mail"
[[heartbeat.resource]]
kind = "agent"
name = "mail-service"
start = ["sh", "-c", "echo start {name} >> {agent_log}"]
stop = ["sh", "-c", "echo stop {name} >> {agent_log}"]
status = ["sh", "-c", "echo status {name} >> {agent_log}"]
timeout = "2s"
"""


def hb(node):
    rc, st = node.ctl("show", "storage/heartbeat/store")
    assert rc == 0, st
    return st["fields"]


def link(fields, name):
    return next(l for l in fields["links"] if l["name"] == name)


def role(node):
    rc, st = node.ctl("show", "storage/replica/mail")
    assert rc == 0, st
    return st["fields"]["role"]


def agent_text(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def role_in_log(node):
    """Whether the replica's demotion came after the agent's stop, from b's log order."""
    text = node.log_text()
    stop = text.rfind("agent/mail-service")
    demote = text.rfind("-> secondary/")
    return "demoted after the agent stopped" if 0 <= stop < demote else (stop, demote)


def main():
    names = [f"{n}_{k}" for n in "ab" for k in ("mesh", "repl", "nbd", "udp", "nowhere")]
    ports = {k: free_port() for k in names}
    work = tempfile.mkdtemp(prefix="hamesh-hb-mesh-")
    fence_log = os.path.join(work, "fence.log")
    agent_log = os.path.join(work, "agent.log")
    a = Node(BIN, config("store-a", "store-b", ports, "a", "b", True, fence_log, agent_log), "hb-mesh-a")
    b = Node(BIN, config("store-b", "store-a", ports, "b", "a", False, fence_log, agent_log), "hb-mesh-b")
    try:
        a.start()
        b.start()
        wait_for("the peers alive over the mesh", lambda: hb(a)["peer"]["state"] == "alive"
                 and hb(b)["peer"]["state"] == "alive", timeout=20)
        wait_for("a primary", lambda: role(a) == "primary", timeout=20)
        wait_for("a's agent started", lambda: "start store-a" in agent_text(agent_log))
        before = link(hb(b), "mesh")["first_copies"]
        wait_for("more heartbeats over the mesh", lambda: link(hb(b), "mesh")["first_copies"] > before + 10)
        fa = hb(a)
        assert link(fa, "udp")["first_copies"] == 0, link(fa, "udp")
        assert role(b) == "secondary" and not os.path.exists(fence_log)
        print(f"mesh link: b heard {link(hb(b), 'mesh')['first_copies']} heartbeats over the mesh, none over "
              f"UDP (aimed nowhere: {link(fa, 'udp')['state']}); the peer stays alive, nobody took over")

        a.proc.kill()
        a.proc.wait()
        wait_for("b's takeover", lambda: role(b) == "primary", timeout=10)
        with open(fence_log) as f:
            assert f.read().count("fenced") == 1
        wait_for("b's agent started", lambda: "start store-b" in agent_text(agent_log))
        print(f"a SIGKILLed: the mesh went silent too; b fenced once, promoted and started its agent "
              f"({hb(b)['peer']['state']})")
        assert b.stop() == 0
        lines = agent_text(agent_log).splitlines()
        assert lines[-1] == "stop store-b", lines
        assert role_in_log(b) == "demoted after the agent stopped", lines
        print("b stopped gracefully: its agent stopped, then the replica was demoted (reverse order)")
    finally:
        for n in (a, b):
            n.cleanup()


if __name__ == "__main__":
    main()
