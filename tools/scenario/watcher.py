"""Watches every running node through `hameshctl --json tree`, a few times per second, one
thread per node: the roles it holds (VRRP state per instance, replica role per volume) and
each actor's status and restarts. Changes become events; the last tree of each node is kept
for custom checks."""
import threading
import time

POLL_INTERVAL = 0.25


def walk(tree):
    yield tree
    for child in tree.get("children", []):
        yield from walk(child)


def roles_of(tree):
    """{"vrrp:VI_WEB": "MASTER", "volume:mail": "primary", "peer:mailstore": "peer alive", ...}
    from one node's tree (the last: what its heartbeat thinks of the peer)."""
    roles = {}
    for actor in walk(tree):
        f = actor.get("fields") or {}
        if actor.get("kind") == "vrrp" and "state" in f:
            roles[f"vrrp:{f.get('instance', actor['name'])}"] = f["state"]
            roles[f"vrid:{f.get('vrid')}"] = f["state"]
        elif actor.get("kind") == "replica" and "role" in f:
            roles[f"volume:{f.get('volume', actor['name'])}"] = f["role"]
            if "disk" in f:
                roles[f"volume:{f.get('volume', actor['name'])}/disk"] = f"disk {f['disk']}"
        elif actor.get("kind") == "heartbeat" and isinstance(f.get("peer"), dict):
            roles[f"peer:{f.get('pair', actor['name'])}"] = f"peer {f['peer'].get('state')}"
    return roles


def actors_of(tree):
    return {a["path"]: (a.get("status"), a.get("restarts", 0)) for a in walk(tree) if a.get("path")}


class Watcher:
    def __init__(self, run):
        self.run = run
        self.last_tree = {}
        self.roles = {}      # node -> last roles seen while it was up
        self.actors = {}     # node -> last actor statuses
        self.polls = 0
        self.failed_polls = 0
        self.stopping = threading.Event()
        self.threads = []

    def start(self):
        for node in self.run.nodes.values():
            t = threading.Thread(target=self._poll_loop, args=(node,), daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=5)

    def forget(self, node_name):
        """The node went down or froze: what it held is no longer known (nor held)."""
        self.roles.pop(node_name, None)
        self.actors.pop(node_name, None)

    def poll_once(self, node):
        rc, tree = node.ctl("tree")
        self.polls += 1
        if rc != 0 or not isinstance(tree, dict):
            self.failed_polls += 1
            return None
        self.last_tree[node.name] = tree
        return tree

    def _poll_loop(self, node):
        while not self.stopping.is_set():
            started = time.monotonic()
            if node.state == "up":
                tree = self.poll_once(node)
                if tree is not None and node.state == "up":
                    self._compare(node.name, tree)
            self.stopping.wait(max(0.0, POLL_INTERVAL - (time.monotonic() - started)))

    def _compare(self, name, tree):
        roles = roles_of(tree)
        before = self.roles.get(name, {})
        for role, value in roles.items():
            if before.get(role) != value and not role.startswith("vrid:"):
                self.run.event("role", node=name, role=role, value=value, was=before.get(role))
        self.run.role_samples.append((self.run.now(), name, roles))
        self.roles[name] = roles
        actors = actors_of(tree)
        seen = self.actors.get(name)
        if seen is not None:
            for path, (status, restarts) in actors.items():
                old = seen.get(path)
                if old is None:
                    self.run.event("actor", node=name, path=path, status=status, restarts=restarts, change="appeared")
                elif old != (status, restarts):
                    self.run.event("actor", node=name, path=path, status=status, restarts=restarts,
                                   was_status=old[0], was_restarts=old[1])
            for path in seen.keys() - actors.keys():
                self.run.event("actor", node=name, path=path, status="gone", change="gone")
        self.actors[name] = actors
