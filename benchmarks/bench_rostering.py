"""Rostering and staffing-levels benchmarks.

Curtois & Qu shift scheduling (Instance1-24, ../shared/benchmarks/shift): each instance is read
with `--format nrp`, solved through opsplan.solve (checker on), and compared with the best known
value in bounds.csv. Only checker-verified objectives are reported.

    python benchmarks/bench_rostering.py --instances 1-8 --time 60 --workers 2
    python benchmarks/bench_rostering.py --levels        # staffing levels, CBC and HiGHS
    python benchmarks/bench_rostering.py --levels --compare   # and the plain model beside it

The staffing-levels benchmark solves one generated week in 15-minute slots (672 slots) with 200
shift patterns (tools/make_staffing_examples.py, seed 7) on CBC and on HiGHS: once with a smooth
forecast curve as demand and once with +-1 noise added to every slot. With --compare, each
solve is preceded by the plain model (every pattern, objective in the user's units, the solvers'
default gaps: the model before the objective scaling) on the same instance and backend, and the
ratio of wall times is printed.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import opsplan
from opsplan.io.load import load_request

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "benchmarks"


def parse_range(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def curtois(root: Path, ids: list[int], limit: float, workers: int) -> None:
    shift = root / "shift"
    best = {
        r["instance"]: float(r["optimum_or_bks"])
        for r in csv.DictReader((shift / "bounds.csv").open())
    }
    print(
        f"{'instance':<11}{'status':<10}{'objective':>10}{'bound':>10}{'best':>8}"
        f"{'gap_to_best':>12}{'time_s':>8}  checked"
    )
    gaps = []
    for i in ids:
        name = f"Instance{i}"
        req = load_request(shift / f"{name}.txt", "nrp")
        t0 = time.monotonic()
        res = opsplan.solve(req, {"time_limit_s": limit, "workers": workers, "seed": 0})
        wall = time.monotonic() - t0
        ok = res.status.has_solution and not res.violations
        obj = res.objective if ok else None
        bks = best[name]
        gap = (obj - bks) / bks if obj is not None else None
        if gap is not None:
            gaps.append(gap)
        print(
            f"{name:<11}{res.status.value:<10}{obj if obj is not None else '-':>10}"
            f"{res.bound if res.bound is not None else '-':>10}{bks:>8.0f}"
            f"{(f'{100 * gap:.2f}%') if gap is not None else '-':>12}{wall:>8.1f}  "
            f"{'yes' if ok else 'NO: ' + ', '.join(v.rule for v in res.violations)}",
            flush=True,
        )
    if gaps:
        print(
            f"mean gap to best known over {len(gaps)} instances: {100 * sum(gaps) / len(gaps):.2f}%"
        )


def plain_levels(inst: dict, backend: str, limit: float) -> tuple[str, float | None, float]:
    """The plain model (no dominance reduction, no objective scaling, default gaps) through the
    same PuLP backend; returns status, objective and wall time."""
    from opsplan.core.backends import pulp as milp_backend
    from opsplan.core.options import SolveOptions
    from opsplan.core.run import RunContext
    from opsplan.staffing_levels.milp import Formulation
    from opsplan.staffing_levels.prepare import prepare
    from opsplan.staffing_levels.schema import StaffingLevelsInstance

    t0 = time.monotonic()
    F = Formulation(prepare(StaffingLevelsInstance.model_validate(inst)), reduce=False, scale=False)
    opts = SolveOptions(time_limit_s=limit, backend=backend, workers=2)  # type: ignore[arg-type]
    run = milp_backend.run(F.prob, opts, RunContext())
    return run.status.value, run.objective, time.monotonic() - t0


def levels(limit: float, compare: bool = False) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from make_staffing_examples import store_week

    for noise in (False, True):
        inst = store_week(seed=7, n_patterns=200, slot_noise=noise)
        print(
            f"staffing levels: {len(inst['demand'])} slots, {len(inst['patterns'])} patterns, "
            f"demand {'with +-1 noise on every slot' if noise else 'a smooth forecast'}"
        )
        for backend in ("cbc", "highs"):
            before = None
            if compare:
                st, ob, before = plain_levels(inst, backend, limit)
                print(f"  {backend:<6} plain    {st:<9} objective {ob} time {before:.2f} s")
            t0 = time.monotonic()
            res = opsplan.solve(
                {"model": "staffing_levels", "instance": inst},
                {"time_limit_s": limit, "backend": backend, "workers": 2},
            )
            wall = time.monotonic() - t0
            print(
                f"  {backend:<6} {res.status.value:<9} objective {res.objective} "
                f"bound {res.bound} time {wall:.2f} s  violations {len(res.violations)}"
                + (f"  time ratio new/plain {wall / before:.2f}" if before else ""),
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--instances", default="1-8")
    ap.add_argument("--time", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--levels", action="store_true", help="run the staffing-levels benchmark")
    ap.add_argument("--compare", action="store_true", help="with --levels: the plain model too")
    a = ap.parse_args()
    if a.levels:
        levels(min(a.time, 60.0), a.compare)
        return
    curtois(a.root, parse_range(a.instances), a.time, a.workers)


if __name__ == "__main__":
    main()
