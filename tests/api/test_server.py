"""The real server: `opsplan serve` under uvicorn on a loopback port, driven over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import opsplan
from opsplan.api import create_app
from opsplan.api.store import Store

from .helpers import jobshop, long_job, parse_sse, settings_for, wait_state

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    port = free_port()
    data = tmp_path_factory.mktemp("served")
    env = {
        **os.environ,
        "OPSPLAN_CORES": "2",
        "OPSPLAN_WORKERS_PER_SOLVE": "1",
        "OPSPLAN_SHUTDOWN_GRACE_S": "1",  # a running long job outlives it
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "opsplan.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(data),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as a terminal would give it
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start in 60 s"
            time.sleep(0.1)
        yield base, data, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    assert (data / "opsplan.db").exists()


@pytest.fixture(scope="module")
def server(served: tuple[str, Path, subprocess.Popen]) -> str:
    return served[0]


def test_job_through_progress_events_to_result(server):
    req = jobshop(10, 8, seed=11, limit_s=3)
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post("/v1/jobs", json=req)
        assert r.status_code == 202
        job = r.json()
        events = []
        deadline = time.monotonic() + 60  # a 3 s job: a stream still open then never ends
        with c.stream("GET", job["links"]["events"], timeout=60) as st:
            assert st.headers["content-type"].startswith("text/event-stream")
            buf = ""
            for chunk in st.iter_text():
                buf += chunk
                assert time.monotonic() < deadline, f"the event stream never ended: {buf[-300:]}"
        events = parse_sse(buf)
        states = [json.loads(d)["state"] for _, e, d in events if e == "state"]
        assert states == ["queued", "running", "succeeded"]
        progress = [json.loads(d) for _, e, d in events if e == "progress"]
        assert len(progress) >= 2, progress  # several incumbents on a 10x8 job shop
        objs = [p["objective"] for p in progress]
        assert objs == sorted(objs, reverse=True) and len(set(objs)) == len(objs)
        assert [p["solutions"] for p in progress] == sorted(p["solutions"] for p in progress)
        res = opsplan.SolveResult.model_validate(c.get(job["links"]["result"]).json())
        assert res.status in (opsplan.SolveStatus.OPTIMAL, opsplan.SolveStatus.FEASIBLE)
        assert res.violations == [] and res.objective == objs[-1]
        final = c.get(job["links"]["self"]).json()
        assert final["state"] == "succeeded" and final["progress"]["objective"] == res.objective


def test_sync_solve_and_the_curl_example(server):
    ex = ROOT / "api" / "examples"
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post(
            "/v1/solve",
            content=(ex / "scheduling.request.json").read_bytes(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 200
        assert r.json()["status"] == "optimal" and r.json()["violations"] == []
    out = subprocess.run(
        ["sh", str(ex / "scheduling.sh")],
        env={**os.environ, "BASE": server},
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    ).stdout
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert json.loads(lines[0]) == {"valid": True, "problems": []}
    sync, result = json.loads(lines[1]), json.loads(lines[-1])
    for res in (sync, result):
        assert res["status"] == "optimal" and res["violations"] == []
    assert result["objective"] == sync["objective"]
    assert '"state": "succeeded"' in out  # the end of the event stream


def test_sigterm_keeps_the_best_plan_of_a_running_job_for_the_restart(served):
    """Last in this module: it stops the server. SIGTERM: the service takes no more jobs, gives
    the running job its grace period (1 s here; the job has 20 s), then stops it: its best plan
    is saved with the job, which is queued again. The restarted service runs it again (attempt
    2) and never reports a plan worse than the saved one."""
    base, data, proc = served
    with httpx.Client(base_url=base, timeout=30) as c:
        jid = c.post("/v1/jobs", json=long_job(2)).json()["id"]
        deadline = time.monotonic() + 30
        while not (c.get(f"/v1/jobs/{jid}").json()["progress"] or {}).get("solutions"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=60)
    store = Store(f"sqlite:///{data / 'opsplan.db'}")
    j = store.get(jid, bodies=True)
    events = [json.loads(e.data) for e in store.events_after(jid, 0) if e.kind == "state"]
    store.dispose()
    assert j is not None and j.state == "queued" and j.attempts == 1
    assert j.checkpoint is not None and j.checkpoint_status == "feasible"
    saved = opsplan.SolveResult.model_validate_json(j.checkpoint)
    assert saved.solution is not None and saved.violations == [] and saved.objective is not None
    assert "stopped by a cancel request" in " ".join(saved.messages)
    assert [e["state"] for e in events] == ["queued", "running", "queued"]
    assert events[-1]["saved_objective"] == saved.objective
    with TestClient(create_app(settings_for(data, on_restart_running="requeue"))) as c:
        deadline = time.monotonic() + 30
        while True:  # running again, with an incumbent
            j2 = c.get(f"/v1/jobs/{jid}").json()
            if j2["state"] == "running" and (j2["progress"] or {}).get("solutions"):
                break
            assert time.monotonic() < deadline, j2
            time.sleep(0.05)
        assert j2["attempts"] == 2
        c.delete(f"/v1/jobs/{jid}")  # no need to wait 20 s: keep the best plan
        done = wait_state(c, jid, timeout=10)
        assert done["state"] == "cancelled"
        res = opsplan.SolveResult.model_validate(c.get(f"/v1/jobs/{jid}/result").json())
        assert res.violations == [] and res.objective is not None
        assert res.objective <= saved.objective
