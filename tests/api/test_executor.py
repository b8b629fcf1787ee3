"""The worker pool: a slot kept for synchronous solves, a worker that dies, settings from env."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from fastapi.testclient import TestClient

from opsplan.api import Settings, create_app

from .helpers import long_job, parse_sse, settings_for, small, wait_state


def test_reserved_slot_answers_sync_solves_while_jobs_run(tmp_path):
    app = create_app(settings_for(tmp_path, concurrent_solves=2, sync_reserved=1))
    with TestClient(app) as c:
        a = c.post("/v1/jobs", json=long_job(0)).json()["id"]
        b = c.post("/v1/jobs", json=long_job(1)).json()["id"]
        wait_state(c, a, ("running",))
        assert c.get(f"/v1/jobs/{b}").json()["state"] == "queued"  # one slot is for sync
        r = c.post("/v1/solve", json=small())
        assert r.status_code == 200 and r.json()["status"] == "optimal"
        # answered beside the running job, not after it: a still runs (its limit is 20 s) and b
        # still waits for a's slot
        assert c.get(f"/v1/jobs/{a}").json()["state"] == "running"
        assert c.get(f"/v1/jobs/{b}").json()["state"] == "queued"
        for jid in (b, a):
            c.delete(f"/v1/jobs/{jid}")
        assert wait_state(c, a, timeout=10)["state"] == "cancelled"
        assert wait_state(c, b, timeout=10)["state"] == "cancelled"
        assert c.get(f"/v1/jobs/{a}/result").json()["violations"] == []


def _kill_workers(app) -> None:
    pids = app.state.service.executor.worker_pids()
    assert pids
    for pid in pids:  # the worker processes this test's service started
        os.kill(pid, signal.SIGKILL)


def test_a_dead_worker_reruns_then_fails_its_job_and_the_pool_recovers(tmp_path):
    app = create_app(settings_for(tmp_path, concurrent_solves=1, max_attempts=2))
    with TestClient(app) as c:
        jid = c.post("/v1/jobs", json=long_job(2)).json()["id"]
        for attempt in (1, 2):
            deadline = time.monotonic() + 20
            while True:  # solving in this attempt: its worker is in the current pool
                j = c.get(f"/v1/jobs/{jid}").json()
                p = j["progress"] or {}
                if j["attempts"] == attempt and j["state"] == "running" and p.get("solutions"):
                    break
                assert time.monotonic() < deadline, j
                time.sleep(0.05)
            _kill_workers(app)
        failed = wait_state(c, jid, timeout=15)
        assert failed["state"] == "failed" and "worker" in failed["error"]
        assert "2 times" in failed["error"]
        nxt = c.post("/v1/jobs", json=small()).json()["id"]
        assert wait_state(c, nxt, timeout=30)["state"] == "succeeded"
        assert c.post("/v1/solve", json=small()).status_code == 200


def test_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OPSPLAN_API_KEYS", '["alpha", "beta"]')
    monkeypatch.setenv("OPSPLAN_MAX_QUEUE", "7")
    monkeypatch.setenv("OPSPLAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPSPLAN_CORES", "4")
    monkeypatch.setenv("OPSPLAN_WORKERS_PER_SOLVE", "2")
    monkeypatch.setenv("OPSPLAN_ON_RESTART_RUNNING", "fail")
    s = Settings()
    assert s.api_keys == ["alpha", "beta"] and s.max_queue == 7
    assert s.solves == 2 and s.on_restart_running == "fail"
    assert s.db_url() == f"sqlite:///{(tmp_path / 'opsplan.db').resolve()}"
    monkeypatch.setenv("OPSPLAN_DATABASE_URL", "postgresql+psycopg://u@db/opsplan")
    assert Settings().db_url() == "postgresql+psycopg://u@db/opsplan"
    monkeypatch.setenv("OPSPLAN_CONCURRENT_SOLVES", "3")
    with pytest.raises(ValueError, match="cores"):
        Settings()


def test_a_cancelled_job_whose_worker_dies_is_not_run_again(tmp_path):
    """A cancel is asked for while the worker does not answer (frozen, as a phase that ignores
    the cancel flag), then the worker is killed: the job ends cancelled, attempt 1 only."""
    # after its first progress write a worker writes nothing for 600 s, so none is frozen inside
    # a write (its reads do not lock the store: WAL)
    settings = settings_for(tmp_path, concurrent_solves=1, max_attempts=3, progress_interval_s=600)
    app = create_app(settings)
    with TestClient(app) as c:
        jid = c.post("/v1/jobs", json=long_job(3)).json()["id"]
        deadline = time.monotonic() + 30
        while not (c.get(f"/v1/jobs/{jid}").json()["progress"] or {}).get("solutions"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        pids = app.state.service.executor.worker_pids()
        for pid in pids:  # this test's own workers: frozen, so none can see the cancel
            os.kill(pid, signal.SIGSTOP)
        assert c.delete(f"/v1/jobs/{jid}").status_code == 202
        _kill_workers(app)
        done = wait_state(c, jid, timeout=30)
        assert done["state"] == "cancelled" and done["attempts"] == 1, done
        with c.stream("GET", f"/v1/jobs/{jid}/events") as st:
            events = parse_sse(st.read().decode())
        states = [json.loads(d)["state"] for _, e, d in events if e == "state"]
        assert states == ["queued", "running", "cancelled"]
        nxt = c.post("/v1/jobs", json=small()).json()["id"]  # the pool runs on
        assert wait_state(c, nxt, timeout=30)["state"] == "succeeded"
