"""Large replenishment plan: N items x T weeks with shared warehouse space and budget.

    python benchmarks/bench_replenishment.py --items 2000 --periods 52 --time 60

The instance comes from tools/make_replenishment_examples.py::distributor (seeded; no trucks,
no joint costs, forecasts given). Reports the time to build the model, the status, the checked
objective, the bound and the gap of one solve through opsplan.solve (HiGHS, 2 threads). At
this size, with only space and budget shared, the solve goes item by item
(src/opsplan/replenishment/decompose.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import opsplan

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from make_replenishment_examples import distributor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--periods", type=int, default=52)
    ap.add_argument("--time", type=float, default=60)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    inst = distributor(a.items, a.periods, a.seed, trucks=False, histories=False)
    for s in inst["suppliers"]:
        s["joint_order_cost"] = 0
    req = {
        "model": "replenishment",
        "instance": inst,
        "options": {"time_limit_s": a.time, "workers": 2, "backend": "highs"},
    }
    t0 = time.monotonic()
    res = opsplan.solve(req)
    wall = time.monotonic() - t0
    print(
        f"{a.items} items x {a.periods} periods: status={res.status.value} "
        f"objective={res.objective} bound={res.bound} gap={res.gap} "
        f"violations={len(res.violations)} wall={wall:.1f}s"
    )
    for m in res.messages:
        print("  ", m)
    print("   cost split:", {k: round(v) for k, v in (res.penalties or {}).items()})
    print("   load average:", os.getloadavg())


if __name__ == "__main__":
    main()
