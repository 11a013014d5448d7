"""report.html from report.json's document: one self-contained page (no scripts, no external
files) with an inline SVG timeline: a lane per node (up/down/paused, and the roles it held:
VRRP master/backup, storage primary/secondary, actor restarts), fault markers across every
lane, and a panel per workload (operations per second, failures in red, p99 latency, the
outages clients noticed). Then the invariants with their evidence, then every event."""
import html
import json

WIDTH, LABEL_W, RIGHT_PAD = 1360, 190, 60
ROLE_COLORS = {"MASTER": "#2e7d32", "BACKUP": "#64b5f6", "INIT": "#bdbdbd", "FAULT": "#ef6c00",
               "primary": "#6a1b9a", "secondary": "#ce93d8", "unknown": "#e0e0e0",
               "peer alive": "#c5e1a5", "peer dead": "#ff8a65", "peer suspected": "#fff176",
               "peer unknown": "#e0e0e0", "disk up_to_date": "#d7ccc8", "disk failed": "#d32f2f",
               "disk inconsistent": "#ffa726", "disk outdated": "#ffe082"}
STATE_COLORS = {"up": "#eceff1", "down": "#37474f", "paused": "#ffb300", "omitted": "#fafafa",
                "slow": "#ffcc80"}
FAULT_COLOR = "#c62828"


def esc(x):
    return html.escape(str(x), quote=True)


class Svg:
    def __init__(self, t_end):
        self.t_end = max(t_end, 1.0)
        self.parts = []
        self.y = 0

    def x(self, t):
        return LABEL_W + max(0.0, min(t, self.t_end)) / self.t_end * (WIDTH - LABEL_W - RIGHT_PAD)

    def rect(self, t0, t1, y, h, fill, title=None, opacity=1.0, stroke=None):
        x0, x1 = self.x(t0), self.x(t1)
        s = f' stroke="{stroke}" stroke-width="0.5"' if stroke else ""
        t = f"<title>{esc(title)}</title>" if title else ""
        self.parts.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(0.8, x1 - x0):.1f}" height="{h:.1f}" '
                          f'fill="{fill}" fill-opacity="{opacity}"{s}>{t}</rect>')
        return x0, x1

    def text(self, x, y, s, size=11, anchor="start", fill="#222", weight="normal"):
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
                          f'fill="{fill}" font-weight="{weight}">{esc(s)}</text>')

    def line(self, x0, y0, x1, y1, stroke="#999", width=1, dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{stroke}" '
                          f'stroke-width="{width}"{d}/>')

    def render(self):
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{self.y + 10:.0f}" '
                f'font-family="Helvetica, Arial, sans-serif">' + "".join(self.parts) + "</svg>")


def _tick_step(t_end):
    for step in (1, 2, 5, 10, 15, 30, 60, 120):
        if t_end / step <= 16:
            return step
    return 300


def _faults(doc):
    return [e for e in doc["events"] if e["kind"] == "fault" and e["t"] >= 0]


def _axis(svg, y_top, y_bottom):
    step = _tick_step(svg.t_end)
    t = 0
    while t <= svg.t_end + 1e-9:
        x = svg.x(t)
        svg.line(x, y_top, x, y_bottom, "#e0e0e0")
        svg.text(x, y_top - 4, f"{t:g}s", 10, "middle", "#666")
        t += step


def _fault_markers(svg, doc, y_top, y_bottom):
    label_y = y_top
    for i, f in enumerate(_faults(doc)):
        x = svg.x(f["t"])
        skipped = bool(f.get("skipped") or f.get("error"))
        color = "#9e9e9e" if skipped else FAULT_COLOR
        svg.line(x, label_y + 4, x, y_bottom, color, 1.5, "4,3")
        what = f["label"] + (" (skipped)" if f.get("skipped") else " (failed)" if f.get("error") else "")
        svg.parts.append(f'<polygon points="{x - 5:.1f},{label_y - 6:.1f} {x + 5:.1f},{label_y - 6:.1f} '
                         f'{x:.1f},{label_y + 3:.1f}" fill="{color}"><title>{esc(json.dumps(f))}</title></polygon>')
        svg.text(x + 6, label_y - 12 - (i % 3) * 12, f"{f['t']:.1f}s {what}", 10, "start", color, "bold")


def _node_lanes(svg, doc):
    roles = doc["roles"]
    restarts = {}
    for e in doc["events"]:
        if e["kind"] == "actor" and e.get("was_restarts") is not None and e["restarts"] != e["was_restarts"]:
            restarts.setdefault(e["node"], []).append(e)
    for node, states in doc["node_states"].items():
        node_roles = sorted(roles.get(node, {}).items())
        rows = max(1, len(node_roles))
        h = 10 + rows * 16
        y = svg.y
        svg.text(8, y + 14, node, 12, weight="bold")
        if node in doc["omitted"]:
            svg.text(8, y + 27, "left out", 10, fill="#888")
            svg.rect(0, svg.t_end, y + 2, h - 4, STATE_COLORS["omitted"], doc["omitted"][node], stroke="#ddd")
            svg.text(svg.x(0) + 6, y + h / 2 + 4, "left out: " + doc["omitted"][node], 10, fill="#888")
            svg.y += h + 6
            continue
        address = doc["nodes"].get(node, {}).get("address", "")
        svg.text(8, y + 27, address, 10, fill="#666")
        for f, t, s in states:
            if t <= 0:
                continue
            svg.rect(max(f, 0), t, y + 2, h - 4, STATE_COLORS.get(s, "#eee"), f"{node} {s} {f:.1f}s..{t:.1f}s")
            if s in ("down", "paused") and svg.x(t) - svg.x(max(f, 0)) > 40:
                svg.text(svg.x(max(f, 0)) + 4, y + h - 6, s.upper(), 10, fill="#fff" if s == "down" else "#222",
                         weight="bold")
        if not node_roles and doc.get("functions", {}).get(node):
            svg.text(svg.x(0) + 6, y + h / 2 + 4, ", ".join(doc["functions"][node]), 10, fill="#607d8b")
        for i, (role, segs) in enumerate(node_roles):
            ry = y + 5 + i * 16
            for f, t, v in segs:
                if t <= 0:
                    continue
                x0, x1 = svg.rect(max(f, 0), t, ry, 12, ROLE_COLORS.get(v, "#9e9e9e"),
                                  f"{node} {role} = {v} from {f:.2f}s to {t:.2f}s")
                if x1 - x0 > 70:
                    svg.text(x0 + 4, ry + 10, f"{role.split(':', 1)[1]}: {v}", 9,
                             fill="#fff" if v in ("MASTER", "primary", "FAULT") else "#1a1a1a")
        for e in restarts.get(node, []):
            x = svg.x(e["t"])
            svg.parts.append(f'<polygon points="{x:.1f},{y + 1:.1f} {x - 5:.1f},{y + 10:.1f} {x + 5:.1f},{y + 10:.1f}" '
                             f'fill="#d81b60" stroke="#fff" stroke-width="0.5"><title>{esc(e["path"])} restarted '
                             f'(restarts {e["restarts"]}) at {e["t"]:.2f}s</title></polygon>')
        svg.y += h + 6


def _backend_lanes(svg, doc):
    for name, segs in doc.get("backend_states", {}).items():
        y = svg.y
        svg.text(8, y + 11, f"{name}", 11)
        svg.text(90, y + 11, doc["backends"][name], 9, fill="#888")
        for f, t, s in segs:
            if t <= 0:
                continue
            x0, x1 = svg.rect(max(f, 0), t, y + 1, 12, STATE_COLORS.get(s, "#eee"), f"backend {name} {s} {f:.1f}s..{t:.1f}s")
            if s != "up" and x1 - x0 > 30:
                svg.text(x0 + 4, y + 11, s.upper(), 9, fill="#fff" if s == "down" else "#222", weight="bold")
        svg.y += 16


def _workload_panels(svg, doc):
    for name, w in doc["workloads"].items():
        series = [b for b in w["series"] if b["t"] >= 0]
        h = 74
        y = svg.y
        ops, failed = w["operations"], w["failed"]
        svg.text(8, y + 14, name, 12, weight="bold")
        svg.text(8, y + 28, f"{w['kind']}, {ops} ops", 10, fill="#666")
        svg.text(8, y + 41, f"{failed} failed ({(failed / ops if ops else 0):.1%})", 10,
                 fill=FAULT_COLOR if failed else "#2e7d32")
        svg.rect(0, svg.t_end, y, h, "#fafafa", stroke="#e0e0e0")
        max_ops = max((b["ops"] for b in series), default=1) or 1
        max_lat = max((b["p99_ms"] for b in series), default=1.0) or 1.0
        for o in w["outages"]:
            f, t = max(o["from"], 0), o["to"]
            x0, x1 = svg.rect(f, t, y, h, "#ffcdd2", f"clients noticed {o['seconds']:.2f}s: {o['failed']} failed, "
                                                      f"{json.dumps(o['errors'])}", 0.8)
            svg.text((x0 + x1) / 2, y + 11, f"{o['seconds']:.1f}s", 10, "middle", FAULT_COLOR, "bold")
        for b in series:
            okh = (b["ops"] - b["failed"]) / max_ops * (h - 16)
            fh = b["failed"] / max_ops * (h - 16)
            svg.rect(b["t"] + 0.1, b["t"] + 0.9, y + h - okh, okh, "#66bb6a",
                     f"{b['t']:.0f}s: {b['ops']} ops, {b['failed']} failed, p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms")
            if b["failed"]:
                svg.rect(b["t"] + 0.1, b["t"] + 0.9, y + h - okh - fh, fh, "#e53935")
        pts = " ".join(f"{svg.x(b['t'] + 0.5):.1f},{y + h - 2 - b['p99_ms'] / max_lat * (h - 18):.1f}" for b in series)
        if pts:
            svg.parts.append(f'<polyline points="{pts}" fill="none" stroke="#1565c0" stroke-width="1.5"/>')
        svg.text(WIDTH - RIGHT_PAD + 4, y + 12, f"p99 {max_lat:.0f}ms", 9, fill="#1565c0")
        svg.text(WIDTH - RIGHT_PAD + 4, y + 24, f"{max_ops}/s", 9, fill="#2e7d32")
        svg.y += h + 8


def timeline_svg(doc):
    svg = Svg(doc["duration_s"])
    svg.y = 78
    top = svg.y
    svg.text(8, top - 8, "nodes", 11, fill="#666", weight="bold")
    _node_lanes(svg, doc)
    if doc.get("backend_states"):
        svg.y += 4
        svg.text(8, svg.y + 4, "backends", 11, fill="#666", weight="bold")
        svg.y += 10
        _backend_lanes(svg, doc)
    svg.y += 6
    svg.text(8, svg.y + 4, "workloads", 11, fill="#666", weight="bold")
    svg.y += 12
    _workload_panels(svg, doc)
    bottom = svg.y
    # The grid goes under the lanes, the fault markers over them.
    grid, markers = Svg(doc["duration_s"]), Svg(doc["duration_s"])
    _axis(grid, top - 4, bottom)
    _fault_markers(markers, doc, top - 16, bottom)
    svg.parts = grid.parts + svg.parts + markers.parts
    svg.y = bottom
    return svg.render()


def legend():
    items = [("MASTER", ROLE_COLORS["MASTER"]), ("BACKUP", ROLE_COLORS["BACKUP"]), ("FAULT", ROLE_COLORS["FAULT"]),
             ("primary", ROLE_COLORS["primary"]), ("secondary", ROLE_COLORS["secondary"]),
             ("node down", STATE_COLORS["down"]), ("paused", STATE_COLORS["paused"]),
             ("ok ops/s", "#66bb6a"), ("failed", "#e53935"), ("clients noticed", "#ffcdd2")]
    spans = "".join(f'<span class="sw" style="background:{c}"></span>{esc(n)} ' for n, c in items)
    return (f'<p class="legend">{spans}<span style="color:{FAULT_COLOR}">&#9660; fault</span> '
            f'<span style="color:#d81b60">&#9650; actor restarted</span> '
            f'<span style="color:#1565c0">&#8212; p99 latency</span></p>')


def headline(doc):
    """The sentence a person reads first: what failed, who took over, how long clients noticed."""
    bits = []
    for f in _faults(doc):
        if not f.get("skipped") and not f.get("error"):
            bits.append(f"{f['t']:.1f}s {f['label']}")
    takeovers = [e for e in doc["events"] if e["kind"] == "role" and e["value"] in ("MASTER", "primary")
                 and e.get("was") and e["t"] > 0]
    who = [f"{e['node']} became {e['value']} ({e['role']}) at {e['t']:.1f}s" for e in takeovers]
    noticed = []
    for name, w in doc["workloads"].items():
        longest = max((o["seconds"] for o in w["outages"]), default=0)
        noticed.append(f"{name}: {w['failed']}/{w['operations']} failed, longest {longest:.1f}s")
    return bits, who, noticed


CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:18px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 6px} h2{font-size:16px;margin:22px 0 8px}
.badge{display:inline-block;padding:3px 10px;border-radius:4px;color:#fff;font-weight:bold;margin-left:8px}
.pass{background:#2e7d32}.fail{background:#c62828}.skipped{background:#9e9e9e}
table{border-collapse:collapse;font-size:13px;width:100%} td,th{border-bottom:1px solid #eee;padding:4px 6px;
text-align:left;vertical-align:top} th{background:#f5f5f5}
.meta{color:#555;font-size:13px} .legend{font-size:12px;color:#444} .sw{display:inline-block;width:12px;
height:12px;margin:0 3px 0 10px;vertical-align:middle;border:1px solid #ccc}
pre{font-size:11px;background:#f7f7f7;padding:6px;overflow:auto;max-height:260px;margin:4px 0}
.summary li{margin:2px 0;font-size:13px} details summary{cursor:pointer;color:#1565c0;font-size:12px}
.verdict{font-weight:bold;width:48px}
"""


def render(doc):
    passed = doc["passed"]
    badge = f'<span class="badge {"pass" if passed else "fail"}">{esc(doc["outcome"].upper())}</span>'
    failed = [r for r in doc["invariants"] if r["verdict"] == "fail"]
    bits, who, noticed = headline(doc)
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(doc['scenario'])}: {esc(doc['outcome'])}</title>"
           f"<style>{CSS}</style></head><body>",
           f"<h1>{esc(doc['scenario'])}{badge}</h1>",
           f"<div class='meta'>{esc(doc['description'])}<br>topology <b>{esc(doc['topology'])}</b>"
           f"{' (short)' if doc['short'] else ''}, {doc['duration_s']:.1f} s, seed {doc['seed']}, "
           f"{len(doc['invariants'])} invariants ({len(failed)} failed)</div>",
           "<ul class='summary'>",
           f"<li><b>Faults and steps</b>: {esc('; '.join(bits) or 'nothing was injected')}</li>",
           f"<li><b>Who took over</b>: {esc('; '.join(who) or 'no role changed hands')}</li>",
           f"<li><b>What clients noticed</b>: {esc('; '.join(noticed) or 'no workload')}</li>"]
    if failed:
        out.append("<li style='color:#c62828'><b>Failed invariants</b>: " +
                   esc("; ".join(f"{r['name']}: {r['summary']}" for r in failed)) + "</li>")
    for name, why in doc["omitted"].items():
        out.append(f"<li style='color:#777'>left out {esc(name)}: {esc(why)}</li>")
    out.append("</ul>")
    out.append("<h2>Timeline</h2>" + legend() + timeline_svg(doc))
    out.append("<h2>Invariants</h2><table><tr><th>verdict</th><th>invariant</th><th>what was seen</th></tr>")
    for r in doc["invariants"]:
        ev = json.dumps(r["evidence"], indent=1, default=str)
        out.append(f"<tr><td class='verdict'><span class='badge {r['verdict']}'>{esc(r['verdict'])}</span></td>"
                   f"<td>{esc(r['name'])}<br><span class='meta'>{esc(r['kind'])}</span></td>"
                   f"<td>{esc(r['summary'])}<details><summary>evidence</summary><pre>{esc(ev)}</pre></details></td></tr>")
    out.append("</table><h2>Events</h2><table><tr><th>t</th><th>kind</th><th>what</th></tr>")
    for e in doc["events"]:
        if e["kind"] == "actor" and e.get("was_restarts") is None and e.get("change") != "gone":
            continue
        rest = {k: v for k, v in e.items() if k not in ("t", "kind", "traceback")}
        out.append(f"<tr><td>{e['t']:.2f}s</td><td>{esc(e['kind'])}</td><td>{esc(json.dumps(rest, default=str))}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out)
