"""Replanning benchmark: how much a replan moves, with and without the published plan.

A plant from plant_gen.py (two-shift calendars, setups, pins) is solved once; its plan is the
published plan. Then it is disrupted two ways and replanned:

- machine-down: the machine with the most operations starting in the first two days is down
  for a shift (8 h), from the freeze time or the end of its last frozen operation;
- rush-order: a new order (saw, mill, drill, assembly; 60 pieces) released at the freeze
  time, due 16 h later, weight 10 (the plant's weights are 1-3).

Each disruption is replanned four ways, all with the same time limit:

- scratch: the plant's own objective (10 x weighted tardiness + makespan), no previous plan:
  nothing is frozen, anything may move;
- frozen: the same objective, with the previous plan frozen until --freeze (what starts
  before it keeps its machine and start), no stability term;
- lexicographic: previous and freeze, objective weighted tardiness, then makespan, then
  stability, as lexicographic levels (time shared among them);
- weighted: previous and freeze, 10 x weighted tardiness + makespan + --stability-weight x
  stability.

With a previous plan (frozen, lexicographic, weighted) the solver may start from it, repaired
by right shifts, when that is no worse by the run's objective than the dispatching plan.

Short limits say little on 100 orders: at 5 s, CP-SAT barely leaves the start plan, and a
lexicographic level of 5/3 s can stop in presolve (then the start plan is answered).

Columns: the run's own objective (lexicographic: level 1, weighted tardiness); then the same
measures for every run: opsplan's checker checks the plan against the disrupted instance
*with* the previous plan and the freeze (so `scratch` shows how many started operations it
would move: "frozen moved") and recomputes its tardiness, makespan and stability; moves are
counted against the published plan: operations whose start or machine changed, those on
another machine, start shifts in all and at most (minutes), new operations (the rush
order's).

    python benchmarks/bench_replan.py                                   # 100 orders, 20 s each
    python benchmarks/bench_replan.py --orders 300 --time-limit 60 --base-time-limit 60
    python benchmarks/bench_replan.py --orders 30 --time-limit 2 --base-time-limit 2   # smoke
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from typing import Any

import opsplan
from opsplan.scheduling.check import check
from opsplan.scheduling.kpis import moves
from opsplan.scheduling.schema import SchedulingInstance
from plant_gen import GROUPS, make_plant  # beside this script

SHIFT = 480


def machine_down(inst: dict[str, Any], published: list[dict[str, Any]], freeze: int) -> str:
    """The busiest machine of the first two days is down for a shift, from the freeze time or
    the end of its last frozen operation (a frozen operation keeps running)."""
    busy: dict[str, int] = {}
    for r in published:
        if r["start"] < 2 * 1440:
            busy[r["machine"]] = busy.get(r["machine"], 0) + 1
    mid = max(sorted(busy), key=lambda m: busy[m])
    start = max(
        [freeze, *(r["end"] for r in published if r["machine"] == mid and r["start"] < freeze)]
    )
    m = next(m for m in inst["machines"] if m["id"] == mid)
    m.setdefault("unavailable", []).append(
        {"start": start, "end": start + SHIFT, "reason": "breakdown"}
    )
    return f"{mid} down {start}-{start + SHIFT}"


def rush_order(inst: dict[str, Any], published: list[dict[str, Any]], freeze: int) -> str:
    ops = []
    for k, group in enumerate(["saw", "mill", "drill", "assy"]):
        base = {"saw": 50, "mill": 70, "drill": 45, "assy": 60}[group]
        ids = GROUPS[group]
        modes = [
            {"machine": mid, "duration": round(base * (1.25 if x == len(ids) - 1 else 1) / 5) * 5}
            for x, mid in enumerate(ids)
        ]
        op: dict[str, Any] = {"id": f"{k + 1}0-{group}", "machines": modes}
        if group == "saw":
            op["family"] = "steel"
        ops.append(op)
    inst["jobs"].append(
        {
            "id": "RUSH-1",
            "name": "rush order, 60 pcs steel",
            "release": freeze,
            "due": freeze + 2 * SHIFT,
            "weight": 10,
            "operations": ops,
        }
    )
    return f"RUSH-1 released {freeze}, due {freeze + 2 * SHIFT}"


DISRUPTIONS = {"machine-down": machine_down, "rush-order": rush_order}


def measure(inst_prev: dict[str, Any], res: opsplan.SolveResult, seconds: float) -> dict[str, Any]:
    """Status, the checker's verdict on the plan against the instance with previous and freeze,
    the terms and the moves."""
    row: dict[str, Any] = {"status": res.status.value, "objective": res.objective, "time": seconds}
    if res.solution is None:
        return row
    plan = res.solution["operations"]
    doc = copy.deepcopy(inst_prev)
    doc["objective"] = {
        "terms": [{"kind": k} for k in ("weighted_tardiness", "makespan", "stability")]
    }
    inst = SchedulingInstance.model_validate(doc)
    report = check(inst, {"operations": plan})
    frozen = [v for v in report.violations if v.rule == "freeze"]
    other = [v for v in report.violations if v.rule != "freeze"]
    row["checker"] = (
        "ok" if not res.violations and not other else f"{len(res.violations + other)} violations"
    )
    row["frozen_moved"] = len(frozen)
    row.update(report.penalties)
    row.update(moves(inst, plan))
    return row


def replan(
    disrupted: dict[str, Any],
    published: list[dict[str, Any]],
    args: argparse.Namespace,
) -> list[tuple[str, dict[str, Any]]]:
    base_terms = disrupted["instance"]["objective"]["terms"]
    prev = {"operations": published, "freeze_until": args.freeze}
    inst_prev = {**disrupted["instance"], "previous": prev}
    runs = {
        "scratch": {**disrupted["instance"]},
        "frozen": {**inst_prev},
        "lexicographic": {
            **inst_prev,
            "objective": {
                "mode": "lexicographic",
                "terms": [
                    {"kind": "weighted_tardiness"},
                    {"kind": "makespan"},
                    {"kind": "stability"},
                ],
            },
        },
        "weighted": {
            **inst_prev,
            "objective": {
                "mode": "weighted",
                "terms": [*base_terms, {"kind": "stability", "weight": args.stability_weight}],
            },
        },
    }
    out = []
    for name, inst in runs.items():
        if args.only_runs and name not in args.only_runs:
            continue
        t0 = time.monotonic()
        res = opsplan.solve(
            {"model": "scheduling", "instance": inst},
            {"time_limit_s": args.time_limit, "workers": args.workers, "seed": args.seed},
        )
        out.append((name, measure(inst_prev, res, time.monotonic() - t0)))
        print(
            f"  {name}: {res.status.value} {res.objective} ({time.monotonic() - t0:.1f} s)",
            file=sys.stderr,
        )
    return out


def _f(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--orders", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1, help="plant generator and CP-SAT seed")
    ap.add_argument("--base-time-limit", type=float, default=20, help="the published plan's solve")
    ap.add_argument("--time-limit", type=float, default=20, help="each replan")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--freeze", type=int, default=SHIFT, help="freeze_until (minutes)")
    ap.add_argument(
        "--stability-weight",
        type=int,
        default=10,
        help="weight of stability in the weighted run (10: a minute moved costs like a minute "
        "of lateness of a weight-1 order)",
    )
    ap.add_argument("--only", nargs="+", choices=list(DISRUPTIONS), help="disruptions to run")
    ap.add_argument(
        "--only-runs", nargs="+", choices=["scratch", "frozen", "lexicographic", "weighted"]
    )
    args = ap.parse_args()

    req = make_plant(args.orders, seed=args.seed, calendars=True)
    n_ops = sum(len(j["operations"]) for j in req["instance"]["jobs"])
    t0 = time.monotonic()
    base = opsplan.solve(
        req, {"time_limit_s": args.base_time_limit, "workers": args.workers, "seed": args.seed}
    )
    base_s = time.monotonic() - t0
    if base.solution is None or base.violations:
        sys.exit(f"the published plan could not be made: {base.status.value} {base.messages[-3:]}")
    published = base.solution["operations"]
    print(
        f"plant {args.orders} orders ({n_ops} operations, seed {args.seed}): published plan "
        f"{base.status.value}, objective {_f(base.objective)} (bound {_f(base.bound)}), "
        f"{base_s:.1f} s; freeze until {args.freeze}; replans {args.time_limit:g} s each, "
        f"{args.workers} workers; weighted stability weight {args.stability_weight}\n"
    )
    cols = [
        ("run", "run"),
        ("status", "status"),
        ("checker", "checker"),
        ("objective", "objective"),
        ("weighted_tardiness", "w. tardiness"),
        ("makespan", "makespan"),
        ("stability", "stability"),
        ("moved_operations", "moved"),
        ("moved_machine", "other machine"),
        ("total_shift", "total shift"),
        ("max_shift", "max shift"),
        ("frozen_moved", "frozen moved"),
        ("new_operations", "new ops"),
        ("time", "time s"),
    ]
    for name, disrupt in DISRUPTIONS.items():
        if args.only and name not in args.only:
            continue
        disrupted = copy.deepcopy(req)
        what = disrupt(disrupted["instance"], published, args.freeze)
        print(f"### {name}: {what}\n", flush=True)
        print("| " + " | ".join(h for _, h in cols) + " |")
        print("|" + "---|" * len(cols))
        for run, row in replan(disrupted, published, args):
            row = {**row, "run": run, "time": round(row["time"], 1)}
            print("| " + " | ".join(_f(row.get(k)) for k, _ in cols) + " |", flush=True)
        print()


if __name__ == "__main__":
    main()
