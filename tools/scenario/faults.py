"""The timeline's actions, each applied to the live cluster. An action returns what it did
(recorded in the fault's event), or raises Skipped with the reason it cannot run here (a
partition on loopback, a node left out)."""
import os
import signal


class Skipped(Exception):
    pass


def _node(run, name):
    node = run.nodes.get(name)
    if node is None:
        raise Skipped(f"node {name} is left out here ({run.omitted.get(name, 'not started')})")
    return node


def _ctl(node, *args):
    rc, out = node.ctl(*args, json_output=False)
    if rc != 0:
        raise RuntimeError(f"hameshctl {' '.join(args)} on {node.name}: exit {rc}: {out.strip()}")
    return out.strip()


def crash(run, a):
    node = _node(run, a["node"])
    pid = node.pid
    node.crash()
    run.node_state(node, "down", "SIGKILL")
    return {"pid": pid, "signal": "SIGKILL"}


def stop(run, a):
    node = _node(run, a["node"])
    code = node.stop()
    run.node_state(node, "down", "SIGTERM")
    return {"exit_code": code}


def start(run, a):
    node = _node(run, a["node"])
    if node.alive():
        raise Skipped(f"{node.name} is already running")
    node.start()
    run.node_state(node, "up", "started")
    return {"pid": node.pid}


def pause(run, a):
    node = _node(run, a["node"])
    node.signal(signal.SIGSTOP)
    run.node_state(node, "paused", "SIGSTOP")
    return {"pid": node.pid, "signal": "SIGSTOP"}


def resume(run, a):
    node = _node(run, a["node"])
    node.signal(signal.SIGCONT)
    run.node_state(node, "up", "SIGCONT")
    return {"pid": node.pid, "signal": "SIGCONT"}


def kill_actor(run, a):
    node = _node(run, a["node"])
    return {"answer": _ctl(node, "kill", a["path"])}


def promote(run, a):
    node = _node(run, a["node"])
    args = ["replica", "promote", a["volume"]] + (["--force"] if a.get("force") else [])
    return {"answer": _ctl(node, *args)}


def demote(run, a):
    node = _node(run, a["node"])
    return {"answer": _ctl(node, "replica", "demote", a["volume"])}


def _network(run):
    if run.topo.kind != "netns":
        raise Skipped("partitions and cut links need the netns topology (on loopback every node shares one network stack)")


def partition(run, a):
    _network(run)
    hosts_a = [run.scenario.node(n).host for n in a["a"]]
    hosts_b = [run.scenario.node(n).host for n in a["b"]]
    run.topo.drop_between(hosts_a, hosts_b)
    return {"side_a": a["a"], "side_b": a["b"], "how": "nftables drop in each namespace"}


def cut_link(run, a):
    _network(run)
    partition(run, a)
    return {"link": f"{'+'.join(a['a'])}<->{'+'.join(a['b'])}"}


def heal(run, a):
    _network(run)
    run.topo.heal()
    return {"how": "nftables rules removed"}


def _backend(run, name):
    b = run.backends.get(name)
    if b is None:
        raise Skipped(f"backend {name} is left out here ({run.omitted.get(name, 'not started')})")
    return b


def backend_down(run, a):
    b = _backend(run, a["backend"])
    pid = b.pid
    b.crash()
    return {"pid": pid, "signal": "SIGKILL"}


def backend_up(run, a):
    b = _backend(run, a["backend"])
    b.start()
    return {"pid": b.pid}


def backend_slow(run, a):
    b = _backend(run, a["backend"])
    if b.spec.kind == "dovecot":
        raise Skipped("a slow Dovecot is not supported (only http and tcp backends)")
    b.set_delay(a["delay"])
    return {"delay_s": a["delay"]}


def disk_full(run, a):
    node = _node(run, a["node"])
    if not node.mounted:
        raise Skipped(f"{node.name} has no disk of its own (node.disk, a tmpfs: needs root)")
    filler = os.path.join(node.mounted, "filler")
    written = 0
    chunk = b"\0" * (1 << 20)
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
                written += len(chunk)
        except OSError:
            pass
    # What is left is below one chunk: fill it byte-exact with small writes.
    try:
        with open(filler, "ab") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
                written += 4096
    except OSError:
        pass
    st = os.statvfs(node.mounted)
    return {"filled_bytes": written, "free_bytes": st.f_bavail * st.f_frsize}


def disk_free(run, a):
    node = _node(run, a["node"])
    if not node.mounted:
        raise Skipped(f"{node.name} has no disk of its own")
    os.remove(os.path.join(node.mounted, "filler"))
    return {"freed": True}


ACTIONS = {"crash": crash, "stop": stop, "start": start, "pause": pause, "resume": resume,
           "kill_actor": kill_actor, "promote": promote, "demote": demote, "partition": partition,
           "cut_link": cut_link, "heal": heal, "backend_down": backend_down, "backend_up": backend_up,
           "backend_slow": backend_slow, "disk_full": disk_full, "disk_free": disk_free}
