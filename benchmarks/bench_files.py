"""Planner files: how long templates, reading, result workbooks, CSV, charts and the report take.

Per instance: solve once (short time limit; any checked plan will do), then time each step.
Instances: the repo's weekly plant example, and public JSSP files from ../shared/benchmarks
(ta71js is 100 jobs x 20 machines = 2000 operations); OPSPLAN_BENCHMARKS overrides the folder.

    python benchmarks/bench_files.py                       # weekly plant, ft10, ta51, ta71
    python benchmarks/bench_files.py --only ta71js --time-limit 20
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import opsplan
from opsplan.core import registry
from opsplan.io import templates, write_tables
from opsplan.io.charts import render_html, render_png
from opsplan.io.report import write_report

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OPSPLAN_BENCHMARKS", ROOT.parent / "shared" / "benchmarks"))
DEFAULT = ["weekly_plant", "ft10", "ta51js", "ta71js"]


def _load(name: str) -> dict[str, Any]:
    if name == "weekly_plant":
        return opsplan.load_request(ROOT / "instances" / "scheduling" / "weekly_plant.json")
    return opsplan.load_request(SHARED / "jssp" / f"{name}.txt", "jssp")


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run(name: str, time_limit: float, workers: int) -> dict[str, Any]:
    req = _load(name)
    res = opsplan.solve(req, {"time_limit_s": time_limit, "workers": workers})
    if res.solution is None or res.violations:
        return {"instance": name, "status": res.status.value, "note": "no checked plan"}
    inst = registry.get("scheduling").instance_type.model_validate(req["instance"])
    ops = len(res.solution["operations"])
    row: dict[str, Any] = {"instance": name, "operations": ops, "status": res.status.value}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        row["template_xlsx"], _ = _timed(
            lambda: templates.write_template("scheduling", tmp / "in.xlsx", inst)
        )
        row["read_xlsx"], back = _timed(lambda: opsplan.load_request(tmp / "in.xlsx"))
        assert registry.get("scheduling").instance_type.model_validate(back["instance"]) == inst
        templates.write_template_csv("scheduling", tmp / "in_csv", inst)
        row["read_csv"], _ = _timed(lambda: opsplan.load_request(tmp / "in_csv"))
        row["result_xlsx"], _ = _timed(
            lambda: write_tables.write_result_workbook(res, tmp / "plan.xlsx", inst)
        )
        row["result_csv"], _ = _timed(
            lambda: write_tables.write_result_csv(res, tmp / "plan", inst)
        )
        charts = registry.get("scheduling").tables.charts(res, inst)  # type: ignore[union-attr]
        row["gantt_png"], _ = _timed(lambda: render_png(charts[0], tmp / "g.png"))
        row["gantt_html"], _ = _timed(lambda: render_html(charts[0], tmp / "g.html"))
        row["report"], _ = _timed(lambda: write_report(res, tmp / "r.html", inst))
        row["report_mb"] = (tmp / "r.html").stat().st_size / 1e6
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(DEFAULT))
    ap.add_argument("--time-limit", type=float, default=10)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    cols = ["instance", "operations", "status", "template_xlsx", "read_xlsx", "read_csv"]
    cols += ["result_xlsx", "result_csv", "gantt_png", "gantt_html", "report", "report_mb"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for name in a.only.split(","):
        r = run(name.strip(), a.time_limit, a.workers)
        cells = [
            f"{r[c]:.2f}" if isinstance(r.get(c), float) else str(r.get(c, r.get("note", "")))
            for c in cols
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
