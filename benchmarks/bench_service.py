"""Load on the HTTP service over loopback: jobs from concurrent clients; POST /v1/solve overhead.

Starts `opsplan serve` on 127.0.0.1 (a free port, a temporary data dir), then
1. N small scheduling jobs (random 4x3 job shops) from C concurrent clients via POST /v1/jobs
   (a 429 is retried after its Retry-After); every result is fetched, re-checked here with the
   model's independent checker, and its objective compared with an in-process solve of the same
   instance; the store must list every job as succeeded (none lost). Throughput = jobs / wall time
   from the first submission to the last result.
2. S sequential POST /v1/solve on a small instance: overhead = answer time seen by the client minus
   the result's own runtime_s; p50 and p99.

With --dask, the service runs its solves on a Dask LocalCluster started here (2 worker processes x
1 thread on loopback; OPSPLAN_DASK_SCHEDULER), the workers sharing the SQLite store.

Run: python benchmarks/bench_service.py [--jobs 200] [--clients 20] [--sync 200] [--dask]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

import opsplan
from opsplan.core import registry


def jobshop(seed: int, n_jobs: int = 4, n_machines: int = 3) -> dict[str, Any]:
    rng = random.Random(seed)
    jobs = []
    for j in range(n_jobs):
        order = list(range(n_machines))
        rng.shuffle(order)
        ops = [
            {"id": f"o{k}", "machines": [{"machine": f"M{m}", "duration": rng.randint(1, 20)}]}
            for k, m in enumerate(order)
        ]
        jobs.append({"id": f"J{j}", "operations": ops})
    return {
        "model": "scheduling",
        "instance": {"machines": [{"id": f"M{m}"} for m in range(n_machines)], "jobs": jobs},
        "options": {"time_limit_s": 10, "workers": 1},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--sync", type=int, default=200)
    ap.add_argument("--dask", action="store_true", help="solves on a local Dask cluster")
    args = ap.parse_args()
    if not args.dask:
        return run(args, {})
    import distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as cluster:
        print(f"Dask cluster at {cluster.scheduler_address}")
        return run(args, {"OPSPLAN_DASK_SCHEDULER": cluster.scheduler_address})


def run(args: argparse.Namespace, env: dict[str, str]) -> int:

    reqs = [jobshop(seed) for seed in range(args.jobs)]
    t = time.perf_counter()
    expected = [opsplan.solve(r).objective for r in reqs]
    print(f"reference: {len(reqs)} in-process solves in {time.perf_counter() - t:.1f} s")
    spec = registry.get("scheduling")

    port = free_port()
    data = tempfile.mkdtemp(prefix="opsplan-bench-")
    proc = subprocess.Popen(
        [sys.executable, "-m", "opsplan.cli", "serve", "--port", str(port), "--data-dir", data],
        env={**os.environ, "OPSPLAN_CORES": str(os.cpu_count() or 1), **env},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print("the service did not start", file=sys.stderr)
                return 1
            time.sleep(0.1)
        health = httpx.get(f"{base}/healthz").json()
        print(f"service on {base}: {health['workers']} worker processes (or Dask threads)")

        # 1. jobs from concurrent clients
        lock = threading.Lock()
        too_many = 0
        ids: dict[int, str] = {}
        results: dict[int, dict[str, Any]] = {}

        def client(mine: list[int]) -> None:
            nonlocal too_many
            with httpx.Client(base_url=base, timeout=60) as c:
                for i in mine:
                    for _ in range(1000):
                        r = c.post("/v1/jobs", json=reqs[i])
                        if r.status_code == 429:
                            with lock:
                                too_many += 1
                            time.sleep(float(r.headers["Retry-After"]))
                            continue
                        r.raise_for_status()
                        ids[i] = r.json()["id"]
                        break
                for i in mine:
                    end = time.monotonic() + 300
                    while time.monotonic() < end:
                        j = c.get(f"/v1/jobs/{ids[i]}").json()
                        if j["state"] in ("succeeded", "failed", "cancelled"):
                            break
                        time.sleep(0.05)
                    results[i] = c.get(f"/v1/jobs/{ids[i]}/result").json()

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            futs = [
                pool.submit(client, list(range(k, args.jobs, args.clients)))
                for k in range(args.clients)
            ]
            for f in futs:
                f.result()
        wall = time.perf_counter() - t0

        bad = 0
        for i, req in enumerate(reqs):
            res = results.get(i)
            if res is None or res["status"] != "optimal" or res["violations"]:
                bad += 1
                continue
            inst = spec.instance_type.model_validate(req["instance"])
            rep = spec.check(inst, res["solution"])
            if (
                rep.violations
                or rep.objective != res["objective"]
                or res["objective"] != expected[i]
            ):
                bad += 1
        listed = httpx.get(f"{base}/v1/jobs", params={"state": "succeeded", "limit": 500}).json()
        lost = len(set(ids.values()) - {j["id"] for j in listed["items"]})
        print(
            f"jobs: {args.jobs} from {args.clients} clients in {wall:.2f} s = "
            f"{args.jobs / wall:.1f} jobs/s; checked optimal and equal to in-process: "
            f"{args.jobs - bad}/{args.jobs}; lost: {lost}; 429 answers retried: {too_many}"
        )

        # 2. synchronous solve overhead
        small = jobshop(10_000, 3, 2)
        over, answer = [], []
        with httpx.Client(base_url=base, timeout=60) as c:
            for _ in range(10):  # warm-up
                c.post("/v1/solve", json=small)
            for _ in range(args.sync):
                t1 = time.perf_counter()
                r = c.post("/v1/solve", json=small)
                dt = time.perf_counter() - t1
                res = r.json()
                assert r.status_code == 200 and res["status"] == "optimal", r.text
                answer.append(dt * 1000)
                over.append((dt - res["runtime_s"]) * 1000)
        print(
            f"POST /v1/solve x{args.sync} sequential: answer p50 {pct(answer, 0.5):.1f} ms, "
            f"overhead (answer - runtime_s) p50 {pct(over, 0.5):.1f} ms, "
            f"p99 {pct(over, 0.99):.1f} ms, mean {statistics.mean(over):.1f} ms"
        )
        ok = bad == 0 and lost == 0
        return 0 if ok else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    raise SystemExit(main())
