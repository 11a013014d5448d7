"""Turns what the watcher saw (role samples) and what the runner did (node state changes)
into segments: per node, per role, [from, to) with a value. A node that is down or paused
holds nothing: its segments end when it goes."""


def node_segments(run):
    """{node: [(from, to, state)]} for up / down / paused / omitted."""
    out = {}
    for name in run.scenario_node_names():
        changes = [(e["t"], e["state"]) for e in sorted(run.events, key=lambda e: e["t"]) if e["kind"] == "node_state" and e["node"] == name]
        segs, cur, since = [], "omitted" if name in run.omitted else "down", 0.0
        for t, state in changes:
            if state != cur:
                if t > since:
                    segs.append((since, t, cur))
                cur, since = state, t
        segs.append((since, run.end_time, cur))
        out[name] = segs
    return out


def role_segments(run):
    """{node: {role: [(from, to, value)]}}."""
    cuts = {}
    for e in run.events:
        if e["kind"] == "node_state" and e["state"] != "up":
            cuts.setdefault(e["node"], []).append(e["t"])
    per_node = {}
    for t, node, roles in sorted(run.role_samples, key=lambda s: s[0]):
        per_node.setdefault(node, []).append(("sample", t, roles))
    for node, times in cuts.items():
        per_node.setdefault(node, []).extend(("cut", t, None) for t in times)
    out = {}
    for node, items in per_node.items():
        items.sort(key=lambda it: (it[1], 0 if it[0] == "cut" else 1))
        open_ = {}   # role -> (since, value)
        segs = {}
        for what, t, roles in items:
            if what == "cut":
                for role, (since, value) in open_.items():
                    segs.setdefault(role, []).append((since, t, value))
                open_ = {}
                continue
            for role in set(open_) | set(roles):
                new = roles.get(role)
                old = open_.get(role)
                if old and old[1] != new:
                    segs.setdefault(role, []).append((old[0], t, old[1]))
                    del open_[role]
                if new is not None and role not in open_:
                    open_[role] = (t, new)
        for role, (since, value) in open_.items():
            segs.setdefault(role, []).append((since, run.end_time, value))
        out[node] = segs
    return out


def holders(segments, role, value):
    """[(from, to, node)] of every node holding `role` with `value`."""
    out = []
    for node, roles in segments.items():
        for f, t, v in roles.get(role, []):
            if v == value:
                out.append((f, t, node))
    return sorted(out)


def overlaps(intervals):
    """Maximal windows where two or more of `intervals` (from, to, who) hold at once:
    [(from, to, {who, ...})]."""
    points = sorted({p for f, t, _ in intervals for p in (f, t)})
    windows = []
    for a, b in zip(points, points[1:]):
        who = {n for f, t, n in intervals if f <= a and t >= b}
        if len(who) > 1:
            if windows and windows[-1][1] == a:
                windows[-1] = (windows[-1][0], b, windows[-1][2] | who)
            else:
                windows.append((a, b, set(who)))
    return windows


def backend_segments(run):
    """{backend: [(from, to, up | down | slow)]} from the timeline's backend faults."""
    out = {}
    for name in run.backends:
        segs, cur, since = [], "up", 0.0
        for e in sorted(run.events, key=lambda e: e["t"]):
            if e["kind"] != "fault" or e.get("args", {}).get("backend") != name or e.get("skipped") or e.get("error"):
                continue
            new = {"backend_down": "down", "backend_up": "up"}.get(e["action"])
            if e["action"] == "backend_slow":
                new = "slow" if e["args"].get("delay") else "up"
            if new and new != cur:
                segs.append((since, e["t"], cur))
                cur, since = new, e["t"]
        segs.append((since, run.end_time, cur))
        out[name] = segs
    return out
