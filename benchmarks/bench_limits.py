"""Time limit and cancel at size, every family (issue 14, item 3).

Per family a seeded generated instance at growing sizes (up to the largest realistic one), each
solved three times through `opsplan.solve` in a fresh process (1 worker thread):

- `time_limit_s` 3 and 10: the wall time of the whole call (parsing included) against the limit;
- a cancel sent 1 s after the start (`should_stop` turns true; time limit 10 s): the time from
  the cancel to the answer.

Every run has a hard cap (`--cap`, 120 s): a run still going then is killed and reported as
">cap". Prints one line per run and a Markdown table at the end.

    python benchmarks/bench_limits.py [--family NAME ...] [--quick] [--cap 120]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

# family -> sizes (label, parameter); the last one is the largest realistic instance
SIZES: dict[str, list[tuple[str, int]]] = {
    "scheduling": [("200 orders", 200), ("1000 orders", 1000), ("2000 orders", 2000)],
    "rostering": [("30 nurses", 1), ("90 nurses", 3), ("180 nurses", 6)],
    "staffing_levels": [("100 tours", 100), ("300 tours", 300), ("500 tours", 500)],
    "supplier_selection": [("60x12", 60), ("300x30", 300), ("1000x50", 1000)],
    "replenishment": [("200 items", 200), ("1000 items", 1000), ("3000 items", 3000)],
}


def _scaled_ward(k: int) -> dict[str, Any]:
    """The example ward with its staff and its coverage needs multiplied by k."""
    from make_staffing_examples import ward

    req = ward(3)
    inst = req["instance"]
    staff = []
    for copy in range(k):
        for e in inst["employees"]:
            e2 = json.loads(json.dumps(e))
            if copy:
                e2["id"] = f"{e['id']}-{copy}"
            staff.append(e2)
    inst["employees"] = staff
    for c in inst["coverage"]:
        for key in ("min", "preferred"):
            if key in c:
                c[key] *= k
    return req


def make_request(family: str, n: int) -> dict[str, Any]:
    if family == "scheduling":
        from opsplan.scheduling.generate import make_plant

        return make_plant(n, seed=1)
    if family == "rostering":
        return _scaled_ward(n)
    if family == "staffing_levels":
        from make_staffing_examples import store_week

        return {"model": family, "instance": store_week(7, n_patterns=n)}
    if family == "supplier_selection":
        from make_supplier_instances import generate

        sups = {60: 12, 300: 30, 1000: 50}.get(n, max(12, n // 20))
        return {"model": family, "instance": generate(items=n, suppliers=sups, seed=7)}
    if family == "replenishment":
        from make_replenishment_examples import distributor

        return {"model": family, "instance": distributor(n, 12, 7)}
    raise ValueError(family)


def one(family: str, n: int, mode: str) -> dict[str, Any]:
    """One run in this process: mode 'limit3', 'limit10' or 'cancel1'."""
    import threading

    import opsplan

    req = make_request(family, n)
    req.pop("options", None)
    size_kb = len(json.dumps(req)) / 1024
    from opsplan.core import registry

    registry.names()  # the families and their solver libraries imported before the clock
    limit = 3.0 if mode == "limit3" else 10.0
    flag = threading.Event()
    progress: list[float] = []
    t0 = time.monotonic()
    if mode == "cancel1":
        threading.Timer(1.0, flag.set).start()
    res = opsplan.solve(
        req,
        {"time_limit_s": limit, "workers": 1},
        should_stop=flag.is_set,
        on_progress=lambda p: progress.append(p.elapsed_s),
    )
    wall = time.monotonic() - t0
    return {
        "family": family,
        "n": n,
        "mode": mode,
        "kb": round(size_kb),
        "wall_s": round(wall, 2),
        "after_cancel_s": round(wall - 1.0, 2) if mode == "cancel1" else None,
        "status": str(res.status.value),
        "objective": res.objective,
        "progress_events": len(progress),
        "messages": [m[:160] for m in res.messages][:4],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", action="append", choices=sorted(SIZES))
    ap.add_argument("--quick", action="store_true", help="the largest size only")
    ap.add_argument("--cap", type=float, default=120.0)
    ap.add_argument("--one", nargs=3, metavar=("FAMILY", "N", "MODE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], int(a.one[1]), a.one[2])))
        return
    rows = []
    for family in a.family or sorted(SIZES):
        sizes = SIZES[family][-1:] if a.quick else SIZES[family]
        for label, n in sizes:
            for mode in ("limit3", "limit10", "cancel1"):
                cmd = [sys.executable, __file__, "--one", family, str(n), mode]
                try:
                    out = subprocess.run(
                        cmd, capture_output=True, text=True, timeout=a.cap, check=False
                    )
                    lines = out.stdout.strip().splitlines()
                    row = json.loads(lines[-1]) if lines else {"error": out.stderr[-300:]}
                except subprocess.TimeoutExpired:
                    row = {"wall_s": f">{a.cap:.0f}", "status": "killed at the cap"}
                row.update(family=family, size=label, mode=mode)
                print(json.dumps(row), flush=True)
                rows.append(row)
    print()
    print("| family | size | limit 3 s: wall | limit 10 s: wall | cancel at 1 s: to answer |")
    print("|---|---|---|---|---|")
    by: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        by.setdefault((r["family"], r["size"]), {})[r["mode"]] = r

    def cell(r: dict[str, Any] | None, key: str) -> str:
        if r is None:
            return "-"
        v = r.get(key)
        if v is None:
            v = r.get("wall_s")
        return f"{v} s ({r.get('status', '?')})"

    for (family, size), m in by.items():
        print(
            f"| {family} | {size} | {cell(m.get('limit3'), 'wall_s')} | "
            f"{cell(m.get('limit10'), 'wall_s')} | {cell(m.get('cancel1'), 'after_cancel_s')} |"
        )


if __name__ == "__main__":
    main()
