"""Scheduling quality benchmark against ../shared/benchmarks (jssp, fjsp) and their bounds.csv.

Per instance: objective, bound, best known value, gap to it, status, time, for opsplan and
(with --pyjobshop) PyJobShop side by side in the same run, same time limit and workers.
Both read the same parsed instance, and both solvers' plans are verified by opsplan's checker:
an unchecked or rejected plan counts as no result.

    python benchmarks/bench_scheduling.py jssp --time-limit 10 --workers 2 --pyjobshop
    python benchmarks/bench_scheduling.py fjsp --only mk01,mk02 --time-limit 10 --pyjobshop
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import opsplan
from opsplan.scheduling.check import check
from opsplan.scheduling.schema import SchedulingInstance

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"


def run_opsplan(req: dict[str, Any], tl: float, workers: int, seed: int) -> dict[str, Any]:
    res = opsplan.solve(req, {"time_limit_s": tl, "workers": workers, "seed": seed})
    ok = res.status.has_solution and not res.violations
    why = (
        ""
        if ok
        else " | ".join([*res.messages, *(f"{v.rule}: {v.message}" for v in res.violations[:5])])
    )
    return {
        "status": res.status.value,
        "objective": res.objective if ok else None,
        "bound": res.bound,
        "time": res.runtime_s,
        "why": why,
    }


def run_pyjobshop(inst: SchedulingInstance, tl: float, workers: int) -> dict[str, Any]:
    import pyjobshop

    t0 = time.monotonic()
    m = pyjobshop.Model()
    machines = {mc.id: m.add_machine(name=mc.id) for mc in inst.machines}
    keys = []
    for job in inst.jobs:
        pj = m.add_job(name=job.id)
        prev = None
        for op in job.operations:
            task = m.add_task(job=pj, name=op.id)
            for md in op.machines:
                m.add_mode(task, machines[md.machine], md.duration)
            if prev is not None:
                m.add_end_before_start(prev, task)
            prev = task
            keys.append((job.id, op.id))
    res = m.solve("ortools", time_limit=tl, display=False, num_workers=workers)
    wall = time.monotonic() - t0
    status = str(res.status.value if hasattr(res.status, "value") else res.status).lower()
    obj = None
    if res.best is not None and status in ("optimal", "feasible"):
        rows = []
        for (jid, oid), st in zip(keys, res.best.tasks, strict=True):
            mode = m.data().modes[st.mode]
            res_idx = mode.resources[0]
            rows.append(
                {
                    "job": jid,
                    "operation": oid,
                    "machine": inst.machines[res_idx].id,
                    "start": st.start,
                    "end": st.end,
                }
            )
        rep = check(inst, {"operations": rows})
        obj = rep.objective if not rep.violations else None
        if rep.violations:
            status = "rejected"
    bound = getattr(res, "lower_bound", None)
    return {"status": status, "objective": obj, "bound": bound, "time": round(wall, 3), "why": ""}


def gap(obj: float | None, bks: float) -> float | None:
    return None if obj is None else (obj - bks) / bks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("family", choices=["jssp", "fjsp"])
    ap.add_argument("--only", default="", help="comma-separated instance names or globs")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pyjobshop", action="store_true", help="run PyJobShop side by side")
    ap.add_argument("--csv", type=Path, help="write per-instance rows here")
    ap.add_argument("--shared", type=Path, default=SHARED)
    a = ap.parse_args()

    folder = a.shared / a.family
    rows = list(csv.DictReader((folder / "bounds.csv").open()))
    pats = [p for p in a.only.split(",") if p]
    if pats:
        rows = [r for r in rows if any(fnmatch.fnmatch(r["instance"], p) for p in pats)]
    solvers = ["opsplan"] + (["pyjobshop"] if a.pyjobshop else [])
    out: list[dict[str, Any]] = []
    hdr = f"{'instance':<12}{'bks':>7}{'opt':>5}"
    for s in solvers:
        hdr += f" | {s[:8]:>8} {'bound':>7} {'gap%':>6} {'status':>9} {'s':>5}"
    print(hdr, flush=True)
    for r in rows:
        path = folder / r["file"]
        req = opsplan.load_request(path, a.family)
        inst = SchedulingInstance.model_validate(req["instance"])
        bks = float(r["optimum_or_bks"])
        line = f"{r['instance']:<12}{bks:>7g}{'y' if r['is_optimal'] == 'true' else 'n':>5}"
        rec: dict[str, Any] = {
            "instance": r["instance"],
            "bks": bks,
            "bks_optimal": r["is_optimal"] == "true",
        }
        for s in solvers:
            x = (
                run_opsplan(req, a.time_limit, a.workers, a.seed)
                if s == "opsplan"
                else run_pyjobshop(inst, a.time_limit, a.workers)
            )
            g = gap(x["objective"], bks)
            rec.update({f"{s}_{k}": v for k, v in x.items()})
            rec[f"{s}_gap"] = g
            obj = "-" if x["objective"] is None else f"{x['objective']:g}"
            b = "-" if x["bound"] is None else f"{x['bound']:g}"
            gs = "-" if g is None else f"{100 * g:.2f}"
            line += f" | {obj:>8} {b:>7} {gs:>6} {x['status']:>9} {x['time']:>5.1f}"
        print(line, flush=True)
        if rec.get("opsplan_why"):
            print(f"    opsplan {rec['opsplan_status']}: {rec['opsplan_why'][:500]}", flush=True)
        out.append(rec)
    print()
    for s in solvers:
        gaps = [x[f"{s}_gap"] for x in out if x[f"{s}_gap"] is not None]
        proven = sum(1 for x in out if x[f"{s}_status"] == "optimal")
        missing = len(out) - len(gaps)
        mean = 100 * statistics.fmean(gaps) if gaps else float("nan")
        print(
            f"{s}: {len(out)} instances, mean gap to best known {mean:.2f}%, proven optimal "
            f"{proven}, without a checked plan {missing}"
        )
    if a.pyjobshop and out:
        both = [x for x in out if x["opsplan_gap"] is not None and x["pyjobshop_gap"] is not None]
        if both:
            mo = statistics.fmean(x["opsplan_gap"] for x in both)
            mp = statistics.fmean(x["pyjobshop_gap"] for x in both)
            ratio = f"{mo / mp:.2f}" if mp > 0 else "n/a"
            print(
                f"on the {len(both)} instances both solved: opsplan mean gap {100 * mo:.2f}% vs "
                f"PyJobShop {100 * mp:.2f}% (ratio {ratio})"
            )
    if a.csv:
        with a.csv.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(out[0]))
            w.writeheader()
            w.writerows(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
