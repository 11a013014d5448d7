"""The checks a scenario asks for, each with a verdict (pass, fail, skipped) and the evidence
behind it. Roles are known from polling (watcher.POLL_INTERVAL): a takeover time or a
dual-master window is measured to about that resolution, and the evidence says so."""
from .durations import format_seconds
from .timelines import holders, overlaps, role_segments
from .watcher import POLL_INTERVAL

RESOLUTION = f"roles polled every {POLL_INTERVAL * 1000:.0f} ms through hameshctl --json tree"


def verdict(inv, ok, summary, **evidence):
    return {"name": inv.name, "kind": inv.kind, "verdict": "pass" if ok else "fail", "summary": summary,
            "evidence": evidence}


def skipped(inv, why):
    return {"name": inv.name, "kind": inv.kind, "verdict": "skipped", "summary": why, "evidence": {}}


def _single_holder(inv, run, segs, role, value, what):
    grace = inv.args["grace"]
    iv = holders(segs, role, value)
    if not iv:
        return skipped(inv, f"no node was ever {what} for {role} (nothing to check)")
    windows = [{"from": round(f, 3), "to": round(t, 3), "seconds": round(t - f, 3), "nodes": sorted(w)}
               for f, t, w in overlaps(iv)]
    worst = max((w["seconds"] for w in windows), default=0.0)
    bad = [w for w in windows if w["seconds"] > grace]
    holders_seen = sorted({n for _, _, n in iv})
    if bad:
        return verdict(inv, False, f"two {what}s for {role} for {format_seconds(worst)} "
                                   f"(grace {format_seconds(grace)}): {', '.join(bad[0]['nodes'])} "
                                   f"at {bad[0]['from']:.1f}s", windows=windows, grace_s=grace,
                       resolution=RESOLUTION)
    return verdict(inv, True, f"at most one {what} for {role} beyond {format_seconds(grace)} "
                              f"(held by {', '.join(holders_seen)}; longest overlap {format_seconds(worst)})",
                   windows=windows, grace_s=grace, resolution=RESOLUTION)


def single_master(inv, run, segs):
    vrids = sorted({r for roles in segs.values() for r in roles if r.startswith("vrid:")})
    if inv.args.get("vrid"):
        vrids = [f"vrid:{inv.args['vrid']}"]
    if not vrids:
        return skipped(inv, "no VRRP instance ran (left out in this topology?)")
    results = [_single_holder(inv, run, segs, v, "MASTER", "master") for v in vrids]
    failed = [r for r in results if r["verdict"] == "fail"]
    pick = failed[0] if failed else results[0]
    pick["evidence"]["per_vrid"] = {v: r["summary"] for v, r in zip(vrids, results)}
    if not failed and all(r["verdict"] == "skipped" for r in results):
        return results[0]
    return pick


def single_primary(inv, run, segs):
    return _single_holder(inv, run, segs, f"volume:{inv.args['volume']}", "primary", "primary")


def acknowledged_writes(inv, run, segs):
    w = run.workloads.get(inv.args["workload"])
    if w is None:
        return skipped(inv, f"workload {inv.args['workload']} did not run ({run.omitted.get(inv.args['workload'], '')})")
    v = w.verify_result or {"error": "not verified (the run stopped before the verify phase)"}
    if "error" in v:
        return verdict(inv, False, f"could not read the writes back: {v['error']}", acknowledged=len(w.acknowledged))
    ok = v["lost_count"] == 0 and v["checked"] == len(w.acknowledged)
    return verdict(inv, ok, f"{v['checked'] - v['lost_count']} of {len(w.acknowledged)} acknowledged writes "
                            f"read back through {v['target']}" + ("" if ok else f"; {v['lost_count']} LOST"),
                   acknowledged=len(w.acknowledged), read_back_from=v["target"], lost_count=v["lost_count"],
                   lost_blocks_first=v["lost"])


def error_budget(inv, run, segs):
    w = run.workloads.get(inv.args["workload"])
    if w is None:
        return skipped(inv, f"workload {inv.args['workload']} did not run ({run.omitted.get(inv.args['workload'], '')})")
    samples = w.snapshot()
    total, failed = len(samples), sum(1 for s in samples if not s[1])
    outages = w.outages()
    longest = max((o["seconds"] for o in outages), default=0.0)
    a = inv.args
    problems = []
    if total < a["min_requests"]:
        problems.append(f"only {total} operations (at least {a['min_requests']} expected)")
    rate = failed / total if total else 0.0
    if a["max_error_rate"] is not None and rate > a["max_error_rate"]:
        problems.append(f"error rate {rate:.1%} > {a['max_error_rate']:.1%}")
    if a["max_errors"] is not None and failed > a["max_errors"]:
        problems.append(f"{failed} errors > {a['max_errors']}")
    if a["max_outage"] is not None and longest > a["max_outage"]:
        problems.append(f"clients noticed for {format_seconds(longest)} > {format_seconds(a['max_outage'])}")
    summary = (f"{total} operations, {failed} failed ({rate:.1%}); longest outage {format_seconds(longest)}")
    if problems:
        summary = "; ".join(problems) + f" ({summary})"
    return verdict(inv, not problems, summary, operations=total, failed=failed, error_rate=round(rate, 4),
                   outages=[{k: (round(v, 3) if isinstance(v, float) else v) for k, v in o.items()} for o in outages],
                   budget={k: v for k, v in a.items() if k != "workload" and v is not None})


def failover(inv, run, segs):
    a = inv.args
    fault = next((e for e in run.events if e["kind"] == "fault" and e["label"] == a["after"]), None)
    if fault is None or fault.get("skipped"):
        return skipped(inv, f"step {a['after']} did not run" + (f": {fault['skipped']}" if fault else ""))
    kind, name = a["role"].split(":", 1)
    role, value = (f"vrrp:{name}", "MASTER") if kind == "vrrp" else (f"volume:{name}", "primary")
    t0 = fault["t"]
    iv = holders(segs, role, value)
    before = {n for f, t, n in iv if f <= t0 < t or (t == t0)}
    after = [(f, n) for f, t, n in iv if t > t0 and n not in before]
    if not after:
        return verdict(inv, False, f"nobody took over {role} after {a['after']} (at {t0:.1f}s)",
                       fault_at=round(t0, 3), held_before=sorted(before), resolution=RESOLUTION)
    f, n = min(after)
    took = max(0.0, f - t0)
    ok = took <= a["within"]
    return verdict(inv, ok, f"{n} became {value} for {role} {format_seconds(took)} after {a['after']} "
                            f"({'within' if ok else 'past'} the bound of {format_seconds(a['within'])})",
                   fault_at=round(t0, 3), old_holder=sorted(before), new_holder=n, took_s=round(took, 3),
                   bound_s=a["within"], resolution=RESOLUTION)


def _field(tree, path, field):
    from .watcher import walk
    actor = next((x for x in walk(tree) if x.get("path") == path), None)
    if actor is None:
        return False, f"no actor {path}"
    v = actor if field in ("status", "restarts") else actor.get("fields") or {}
    for part in field.split("."):
        if not isinstance(v, dict) or part not in v:
            return False, f"{path} has no field {field}"
        v = v[part]
    return True, v


def state(inv, run, segs):
    a = inv.args
    node = run.nodes.get(a["node"])
    if node is None:
        return skipped(inv, f"node {a['node']} did not run")
    tree = run.final_trees.get(a["node"])
    if tree is None:
        return verdict(inv, False, f"{a['node']} did not answer at the end", node=a["node"])
    found, v = _field(tree, a["path"], a["field"])
    if not found:
        return verdict(inv, False, v, node=a["node"], path=a["path"], field=a["field"])
    op, want = a["op"], a["value"]
    ok = {"equals": lambda: v == want, "not_equals": lambda: v != want,
          "at_least": lambda: isinstance(v, (int, float)) and v >= want,
          "at_most": lambda: isinstance(v, (int, float)) and v <= want}[op]()
    return verdict(inv, ok, f"{a['node']} {a['path']} {a['field']} = {v!r} ({op.replace('_', ' ')} {want!r})",
                   node=a["node"], path=a["path"], field=a["field"], value=v, op=op, expected=want)


CHECKS = {"single_master": single_master, "single_primary": single_primary,
          "acknowledged_writes": acknowledged_writes, "error_budget": error_budget,
          "failover": failover, "state": state}


def evaluate(run):
    segs = role_segments(run)
    out = []
    for inv in run.scenario.invariants:
        try:
            out.append(CHECKS[inv.kind](inv, run, segs))
        except Exception as e:  # a check that cannot be computed is a failed check, shown
            out.append(verdict(inv, False, f"the check itself failed: {type(e).__name__}: {e}"))
    return out
