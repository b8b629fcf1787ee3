"""Kill the service with jobs in flight: orphans, rewritten results, lost jobs.

Starts `opsplan serve` (127.0.0.1, a free port, a temporary data dir, 2 cores), submits LONG long
jobs (15x15 job shops, time_limit_s 20) and SHORT short ones (4x3 shops, time_limit_s 3); once two
long jobs are solving, sends the signal (default KILL, i.e. kill -9) to the server process only,
restarts it at once on the same data dir, and then watches the SQLite store directly:

- orphans: processes of the killed server's tree (workers, fork server, resource tracker) still
  alive 10 s after the signal (and their RSS);
- rewritten: a job seen final whose state, result or finished_at changes afterwards (the store is
  read every 0.1 s until 5 s after the last job ended);
- lost: jobs not final 120 s after the restart, or final without a result;
- per job: attempts, and whether the plan saved by the stopped attempt was kept.

Run: python benchmarks/bench_kill.py [--long 2] [--short 6] [--signal KILL|TERM]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, text


def jobshop(seed: int, n_jobs: int, n_machines: int, limit_s: float) -> dict[str, Any]:
    rng = random.Random(seed)
    jobs = []
    for j in range(n_jobs):
        order = list(range(n_machines))
        rng.shuffle(order)
        ops = [
            {"id": f"o{k}", "machines": [{"machine": f"M{m}", "duration": rng.randint(1, 99)}]}
            for k, m in enumerate(order)
        ]
        jobs.append({"id": f"J{j}", "operations": ops})
    return {
        "model": "scheduling",
        "instance": {"machines": [{"id": f"M{m}"} for m in range(n_machines)], "jobs": jobs},
        "options": {"time_limit_s": limit_s, "workers": 1},
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, data: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSPLAN_CORES": "2", "OPSPLAN_WORKERS_PER_SOLVE": "1"}
    cmd = [sys.executable, "-m", "opsplan.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--data-dir", str(data)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the server did not start: see {log}")
        time.sleep(0.1)


def alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def snapshot(engine: Any) -> dict[str, tuple[str, str | None, str | None, int, bool]]:
    """job id -> (state, sha of result, finished_at, attempts, has a saved plan)."""
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT id, state, result, finished_at, attempts, checkpoint FROM jobs")
        ).all()
    return {
        r[0]: (
            r[1],
            hashlib.sha1(r[2].encode()).hexdigest()[:12] if r[2] else None,
            str(r[3]) if r[3] else None,
            int(r[4]),
            r[5] is not None,
        )
        for r in rows
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--long", type=int, default=2)
    ap.add_argument("--short", type=int, default=6)
    ap.add_argument("--signal", choices=("KILL", "TERM"), default="KILL")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="opsplan-kill-"))
    data, log = tmp / "data", tmp / "serve.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(port, data, log)
    ids: list[str] = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for k in range(args.long):
            ids.append(c.post("/v1/jobs", json=jobshop(9 + k, 15, 15, 20)).json()["id"])
        for k in range(args.short):
            ids.append(c.post("/v1/jobs", json=jobshop(100 + k, 4, 3, 3)).json()["id"])
        deadline = time.monotonic() + 60
        while True:  # both long jobs solving
            js = [c.get(f"/v1/jobs/{j}").json() for j in ids[: args.long]]
            if all((j["progress"] or {}).get("solutions") for j in js[:2]):
                break
            assert time.monotonic() < deadline, js
            time.sleep(0.1)
        states = [c.get(f"/v1/jobs/{j}").json()["state"] for j in ids]
    tree = psutil.Process(server.pid).children(recursive=True)
    print(f"at the signal: {', '.join(f'{states.count(s)} {s}' for s in sorted(set(states)))}")
    print(f"server tree: {len(tree)} processes besides the server")
    t_kill = time.monotonic()
    os.kill(server.pid, getattr(signal, f"SIG{args.signal}"))
    server.wait(timeout=120)
    print(f"server ended {time.monotonic() - t_kill:.1f} s after SIG{args.signal}")
    engine = create_engine(f"sqlite:///{data / 'opsplan.db'}")
    server = serve(free_port(), data, log)  # restarted at once, same store
    t_restart = time.monotonic()
    first_final: dict[str, tuple[Any, ...]] = {}
    rewritten: set[str] = set()
    orphans: list[psutil.Process] | None = None
    last_end = None
    while True:
        now = time.monotonic()
        snap = snapshot(engine)
        for jid, (state, sha, fin, _, _) in snap.items():
            if state in ("succeeded", "failed", "cancelled"):
                if jid not in first_final:
                    first_final[jid] = (state, sha, fin)
                elif first_final[jid] != (state, sha, fin):
                    rewritten.add(jid)
        if orphans is None and now - t_kill >= 10:
            orphans = [p for p in tree if alive(p)]
        if len(first_final) == len(ids) and last_end is None:
            last_end = now
        if orphans is not None and last_end is not None and now - last_end >= 5:
            break
        if now - t_restart > 120:
            break
        time.sleep(0.1)
    snap = snapshot(engine)
    rss = sum(p.memory_info().rss for p in (orphans or []) if alive(p)) / 2**20
    lost = [j for j in ids if snap[j][0] not in ("succeeded", "cancelled") or snap[j][1] is None]
    print(f"orphans 10 s after the signal: {len(orphans or [])} ({rss:.0f} MB RSS)")
    print(f"results rewritten after being final: {len(rewritten)}")
    print(f"jobs lost (not final, failed or without a result): {len(lost)} of {len(ids)}")
    if last_end is not None:
        print(f"all final {last_end - t_restart:.1f} s after the restart")
    with engine.connect() as c:
        kept = {
            r[0]
            for r in c.execute(
                text("SELECT id FROM jobs WHERE result LIKE '%saved by an earlier%'")
            )
        }
    for j in ids[: args.long]:
        st, _, _, attempts, has_saved = snap[j]
        print(
            f"long job {j[:8]}: {st}, attempts {attempts}, plan saved by the stopped attempt: "
            f"{has_saved}, reported result is that saved plan: {j in kept}"
        )
    for p in orphans or []:  # never leave them behind
        if alive(p):
            p.kill()
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    engine.dispose()
    print(f"data and log: {tmp}")


if __name__ == "__main__":
    main()
