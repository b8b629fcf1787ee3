"""Batch solving (issue 7): which --parallel / --workers-per-solve to pick, and Dask's overhead.

quality: `opsplan batch` on Taillard job shops (../shared/benchmarks/jssp/ta*js.txt) with a time
  limit each, once per setting (N solves at a time x K solver workers); wall time, statuses and the
  mean gap of the checked makespans to the best known (bounds.csv optimum_or_bks).

    python benchmarks/bench_batch.py quality --time-limit 10 --step 2   # ta01, ta03, ... ta79
    python benchmarks/bench_batch.py quality --time-limit 10 --step 2 --offset 1   # ta02 ... ta80
    python benchmarks/bench_batch.py quality --time-limit 10 --names ta01-ta30

overhead: many tiny job shops (solved to optimality in milliseconds) through local worker
  processes and through a Dask cluster on this machine (a scheduler and 2 worker processes on
  loopback), 2 solves at a time x 1 worker each; wall per task after start-up, and the start-up.

    python benchmarks/bench_batch.py overhead --tasks 200
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"


def best_known(jssp: Path) -> dict[str, float]:
    with (jssp / "bounds.csv").open() as fh:
        return {r["file"]: float(r["optimum_or_bks"]) for r in csv.DictReader(fh)}


def taillard(jssp: Path, names: str | None, step: int, offset: int = 0) -> list[Path]:
    files = sorted(jssp.glob("ta*js.txt"))
    if names:
        lo, _, hi = names.partition("-")
        hi = hi or lo
        files = [f for f in files if lo <= f.name[:4] <= hi]
    return files[offset::step]


def quality(args: argparse.Namespace) -> None:
    jssp = args.shared / "jssp"
    files = taillard(jssp, args.names, args.step, args.offset)
    bks = best_known(jssp)
    print(f"{len(files)} instances: {' '.join(f.name[:4] for f in files)}")
    settings = [tuple(int(x) for x in s.split("x")) for s in args.settings]
    by_setting: dict[str, dict[str, float]] = {}
    for n, k in settings:
        with tempfile.TemporaryDirectory() as tmp:
            outdir = Path(tmp) / "out"
            cmd = [
                *(sys.executable, "-m", "opsplan.cli", "batch"),
                *map(str, files),
                *("-o", str(outdir), "--format", "jssp", "--time-limit", str(args.time_limit)),
                *("--parallel", str(n), "--workers-per-solve", str(k), "--seed", "0"),
            ]
            t0 = time.monotonic()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.monotonic() - t0
            with (outdir / "summary.csv").open() as fh:
                rows = list(csv.DictReader(fh))
        statuses: dict[str, int] = {}
        gaps, bound_gaps = [], []
        mine = by_setting[f"-n {n} -k {k}"] = {}
        for r in rows:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
            if r["objective"]:
                best = bks[Path(r["input"]).name]
                gaps.append((float(r["objective"]) - best) / best)
                mine[Path(r["input"]).name] = gaps[-1]
            if r["gap"]:
                bound_gaps.append(float(r["gap"]))
        mean_gap = sum(gaps) / len(gaps) if gaps else float("nan")
        mean_bgap = sum(bound_gaps) / len(bound_gaps) if bound_gaps else float("nan")
        print(
            f"--parallel {n} --workers-per-solve {k}: exit {proc.returncode}, wall {wall:.1f} s, "
            f"{statuses}, mean gap to best known {mean_gap:.2%} over {len(gaps)}, "
            f"mean proven gap (objective vs own bound) {mean_bgap:.2%}"
        )
        if args.detail:
            for r in rows:
                best = bks[Path(r["input"]).name]
                print(f"   {Path(r['input']).name} {r['status']} {r['objective']} bks {best:g}")
    common = sorted(set.intersection(*(set(g) for g in by_setting.values())))
    if len(by_setting) > 1 and common:
        means = ", ".join(
            f"{name}: {sum(g[f] for f in common) / len(common):.2%}"
            for name, g in by_setting.items()
        )
        print(f"mean gap to best known over the {len(common)} solved by every setting: {means}")


def tiny_jobshop(rng: random.Random, n: int, m: int) -> dict[str, object]:
    jobs = []
    for j in range(n):
        order = rng.sample(range(m), m)
        ops = [
            {"id": f"o{i}", "machines": [{"machine": f"M{mc}", "duration": rng.randint(1, 9)}]}
            for i, mc in enumerate(order)
        ]
        jobs.append({"id": f"J{j}", "operations": ops})
    return {
        "model": "scheduling",
        "instance": {"machines": [{"id": f"M{i}"} for i in range(m)], "jobs": jobs},
    }


def overhead(args: argparse.Namespace) -> None:
    from distributed import Client, LocalCluster

    from opsplan.batch import discover, run_batch
    from opsplan.runtime import DaskExecutor, LocalExecutor

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for i in range(args.tasks):
            (src / f"t{i:04d}.json").write_text(json.dumps(tiny_jobshop(rng, 3, 3)))
        inputs, _ = discover([str(src)])
        opts = {"workers": 1, "time_limit_s": 10, "seed": 0}
        results = {}

        t0 = time.monotonic()
        local = LocalExecutor(2)
        warm = run_batch(inputs[:2], Path(tmp) / "warm-local", local, options=opts)
        start_local = time.monotonic() - t0
        rep = run_batch(inputs, Path(tmp) / "local", local, options=opts, max_in_flight=3)
        local.close()
        results["local"] = (start_local, rep)  # 3 in flight, as opsplan batch -n 2

        t0 = time.monotonic()
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        )
        client = Client(cluster)
        dask = DaskExecutor(client)
        warm = run_batch(inputs[:2], Path(tmp) / "warm-dask", dask, options=opts)
        start_dask = time.monotonic() - t0
        rep = run_batch(inputs, Path(tmp) / "dask", dask, options=opts, max_in_flight=2)
        results["dask, 2 in flight (--parallel 2)"] = (start_dask, rep)
        rep = run_batch(inputs, Path(tmp) / "dask4", dask, options=opts, max_in_flight=4)
        results["dask, 4 in flight (default)"] = (start_dask, rep)
        dask.close()
        client.close()
        cluster.close()
        assert all(r.ok for r in warm.rows)

        same = [
            (a.status, a.objective) == (b.status, b.objective)
            for rep in list(results.values())[1:]
            for a, b in zip(results["local"][1].rows, rep[1].rows, strict=True)
        ]
        print(f"{args.tasks} tiny job shops (3 jobs x 3 machines), 2 at a time x 1 worker each")
        for name, (start, rep) in results.items():
            solve_s = sum(r.runtime_s or 0 for r in rep.rows) / len(rep.rows)
            per_task = rep.wall_s / len(rep.rows)
            print(
                f"{name}: start-up {start:.2f} s (incl. 2 warm-up solves), wall {rep.wall_s:.2f} s,"
                f" {per_task * 1000:.1f} ms per task (2 at a time), mean solve {solve_s * 1000:.1f}"
                f" ms, overhead per task {(2 * per_task - solve_s) * 1000:.1f} ms per slot, "
                f"statuses {dict(rep.counts)}"
            )
        print(f"same status and objective local vs dask: {sum(same)}/{len(same)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--time-limit", type=float, default=10)
    q.add_argument("--names", help="a range such as ta01-ta30")
    q.add_argument("--step", type=int, default=1, help="every STEP-th instance")
    q.add_argument("--offset", type=int, default=0, help="starting from this one (0: ta01)")
    q.add_argument("--settings", nargs="+", default=["2x1", "1x2"], help="NxK pairs")
    q.add_argument("--detail", action="store_true")
    q.add_argument("--shared", type=Path, default=SHARED, help="the shared benchmarks folder")
    o = sub.add_parser("overhead")
    o.add_argument("--tasks", type=int, default=200)
    args = ap.parse_args()
    if not re.match(r"^(quality|overhead)$", args.cmd):
        ap.error("unknown command")
    quality(args) if args.cmd == "quality" else overhead(args)


if __name__ == "__main__":
    main()
