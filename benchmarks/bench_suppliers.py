"""Supplier selection: speed and gap on seeded generated instances (no public set with known
optima exists). Every figure is from a plan the independent checker accepted; a rejected plan
is reported as `error`.

    python benchmarks/bench_suppliers.py --items 500 --suppliers 40 --tiers 3 --periods 4 \\
        --seeds 1 2 3 --time-limit 30 --gap 0.001 --backends highs cbc
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from make_supplier_instances import generate  # noqa: E402

import opsplan  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--suppliers", type=int, default=40)
    ap.add_argument("--periods", type=int, default=4)
    ap.add_argument("--tiers", type=int, default=3)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--gap", type=float, default=0.001)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backends", nargs="+", default=["highs", "cbc"])
    ap.add_argument("--no-scenarios", action="store_true")
    ap.add_argument("--jsonl", type=Path, help="Append one JSON line per run here.")
    a = ap.parse_args()
    print(
        f"{'seed':>4} {'backend':>7} {'offers':>6} {'status':>11} {'objective':>14} "
        f"{'bound':>14} {'gap%':>7} {'wall_s':>7}"
    )
    for seed in a.seeds:
        inst = generate(a.items, a.suppliers, a.periods, a.tiers, seed, not a.no_scenarios)
        for be in a.backends:
            req = {"model": "supplier_selection", "instance": inst}
            opts = {
                "backend": be,
                "time_limit_s": a.time_limit,
                "relative_gap": a.gap,
                "workers": a.workers,
                "seed": 0,
            }
            t0 = time.monotonic()
            res = opsplan.solve(req, opts)
            wall = time.monotonic() - t0
            gap = f"{100 * res.gap:.3f}" if res.gap is not None else "-"
            obj = f"{res.objective:,.0f}" if res.objective is not None else "-"
            bnd = f"{res.bound:,.0f}" if res.bound is not None else "-"
            print(
                f"{seed:>4} {be:>7} {len(inst['offers']):>6} {res.status.value:>11} {obj:>14} "
                f"{bnd:>14} {gap:>7} {wall:>7.1f}",
                flush=True,
            )
            if res.violations:
                print("     checker:", "; ".join(f.message for f in res.violations[:3]))
            if a.jsonl:
                with a.jsonl.open("a") as f:
                    row = {
                        "seed": seed,
                        "backend": be,
                        "items": a.items,
                        "suppliers": a.suppliers,
                        "periods": a.periods,
                        "tiers": a.tiers,
                        "offers": len(inst["offers"]),
                        "status": res.status.value,
                        "objective": res.objective,
                        "bound": res.bound,
                        "gap": res.gap,
                        "wall_s": round(wall, 2),
                        "time_limit_s": a.time_limit,
                    }
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
