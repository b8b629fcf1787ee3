"""Trigeiro CLSP: the textbook formulation against the strong one, in the same run.

    python benchmarks/bench_clsp.py G51 G52 ... [--time 30] [--threads 2] [--only strong]
    python benchmarks/bench_clsp.py --range G 51 75 --time 30
    python benchmarks/bench_clsp.py --range G 51 58 --variants textbook,rf

Variants (--variants, comma-separated, in this order per instance): textbook, strong (the
(l, S) cuts), rf (textbook with the relax-and-fix / fix-and-optimise starting plan in 25% of
the time, relax_fix.py), rf30 and rf10 (the same at 30% and 10%), rf_strong (the starting
plan and the cuts), rf_noheur (rf, HiGHS's own primal heuristics off once the start is in).

Each instance is read with the `clsp` reader, solved on HiGHS by both formulations and every
plan is verified by the family's checker (objective recomputed). Writes one JSON line per run
to --out (appends) and prints a table and a summary.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

from opsplan.core.options import SolveOptions
from opsplan.core.result import relative_gap
from opsplan.core.run import RunContext
from opsplan.replenishment.check import check
from opsplan.replenishment.formats import read_clsp
from opsplan.replenishment.prepare import prepare
from opsplan.replenishment.schema import ReplenishmentInstance, ReplenishmentSolution
from opsplan.replenishment.solver import solve_prepared

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent.parent / "shared" / "benchmarks" / "clsp"
if not DATA.is_dir():
    DATA = ROOT / ".." / "shared" / "benchmarks" / "clsp"


def literature() -> dict[str, tuple[str, str]]:
    out = {}
    with open(DATA / "bounds.csv") as f:
        for r in csv.DictReader(f):
            out[r["instance"]] = (r["optimum_or_bks"], r["lower_bound"])
    return out


VARIANTS: dict[str, dict[str, Any]] = {
    "textbook": {"strong": False},
    "strong": {"strong": True},
    "rf": {"strong": False, "heuristic_share": 0.25},
    "rf30": {"strong": False, "heuristic_share": 0.3},
    "rf10": {"strong": False, "heuristic_share": 0.1},
    "rf_strong": {"strong": True, "heuristic_share": 0.25},
    "rf_noheur": {
        "strong": False,
        "heuristic_share": 0.25,
        "params": {"mip_heuristic_effort": 0.0},
    },
}


def run_one(name: str, variant: str, limit: float, threads: int) -> dict[str, object]:
    path = DATA / f"{name}.DAT"
    inst = ReplenishmentInstance.model_validate(read_clsp(path.read_text(), path))
    opts = SolveOptions(time_limit_s=limit, workers=threads, backend="highs")
    t0 = time.monotonic()
    out, _ = solve_prepared(prepare(inst), opts, RunContext(), **VARIANTS[variant])
    wall = time.monotonic() - t0
    checked = None
    violations = 0
    if isinstance(out.solution, ReplenishmentSolution):
        rep = check(inst, out.solution.model_dump(mode="json"))
        violations = len(rep.violations)
        checked = rep.objective
    return {
        "instance": name,
        "formulation": variant,
        "status": out.status.value,
        "objective": out.objective,
        "checked_objective": checked,
        "violations": violations,
        "bound": out.bound,
        "gap": relative_gap(out.objective, out.bound),
        "time_s": round(wall, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--range", nargs=3, metavar=("PREFIX", "FIRST", "LAST"))
    ap.add_argument("--time", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=sorted(VARIANTS))
    ap.add_argument("--variants", default="textbook,strong")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "clsp_runs.jsonl")
    a = ap.parse_args()
    names = list(a.names)
    if a.range:
        p, lo, hi = a.range
        names += [f"{p}{k}" for k in range(int(lo), int(hi) + 1)]
    lit = literature()
    forms = a.variants.split(",") if a.only is None else [a.only]
    rows = []
    for name in names:
        for form in forms:
            r = run_one(name, form, a.time, a.threads)
            ub, lb = lit.get(name, ("", ""))
            r["literature"] = ub or None
            r["literature_lb"] = lb or None
            rows.append(r)
            with open(a.out, "a") as f:
                f.write(json.dumps(r) + "\n")
            print(
                f"{name:5} {r['formulation']:9} {r['status']:9} obj={r['objective']} "
                f"checked={r['checked_objective']} viol={r['violations']} bound={r['bound']} "
                f"gap={r['gap']} lit={r['literature']} t={r['time_s']}",
                flush=True,
            )
    for form in forms:
        rs = [r for r in rows if r["formulation"] == form]
        if not rs:
            continue
        opt = sum(r["status"] == "optimal" for r in rs)
        gaps = [float(r["gap"]) for r in rs if r["status"] != "optimal" and r["gap"] is not None]
        mg = sum(gaps) / len(gaps) if gaps else 0.0
        print(
            f"{form}: {opt}/{len(rs)} proven optimal, mean gap of the rest {100 * mg:.3f}%, "
            f"total time {sum(float(r['time_s']) for r in rs):.0f}s",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
