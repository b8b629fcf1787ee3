"""Nothing accepted is lost: after a restart queued jobs run; running ones rerun or fail."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from opsplan.api import create_app

from .helpers import held_client, long_job, parse_sse, settings_for, small, wait_state


def test_restart_runs_the_queued_job_and_fails_the_interrupted_one(tmp_path):
    """A store as a crashed service leaves it: one job claimed (running), one queued; restarted
    with on_restart_running=fail, the running job is failed and the queued one finishes."""
    with held_client(tmp_path) as c:
        long_id = c.post("/v1/jobs", json=long_job(0, limit_s=30)).json()["id"]
        short_id = c.post("/v1/jobs", json=small()).json()["id"]
        claimed = c.app.state.service.store.claim_next()  # type: ignore[attr-defined]
        assert claimed is not None and claimed.id == long_id
    with TestClient(create_app(settings_for(tmp_path, on_restart_running="fail"))) as c:
        failed = c.get(f"/v1/jobs/{long_id}").json()
        assert failed["state"] == "failed" and "stopped" in failed["error"]
        assert c.get(f"/v1/jobs/{long_id}/result").status_code == 409
        done = wait_state(c, short_id)
        assert done["state"] == "succeeded"
        assert c.get(f"/v1/jobs/{short_id}/result").json()["objective"] == 6


def test_restart_requeues_the_interrupted_job(tmp_path):
    # a store as a crashed service leaves it: one job claimed (running), one queued
    with held_client(tmp_path) as c:
        a = c.post("/v1/jobs", json=small()).json()["id"]
        b = c.post("/v1/jobs", json=small()).json()["id"]
        claimed = c.app.state.service.store.claim_next()  # type: ignore[attr-defined]
        assert claimed is not None and claimed.id == a
        assert c.get(f"/v1/jobs/{a}").json()["state"] == "running"
    with TestClient(create_app(settings_for(tmp_path, on_restart_running="requeue"))) as c:
        for jid in (a, b):
            done = wait_state(c, jid)
            assert done["state"] == "succeeded", done
            assert c.get(f"/v1/jobs/{jid}/result").json()["violations"] == []
        assert c.get(f"/v1/jobs/{a}").json()["attempts"] == 2


@pytest.mark.parametrize("bad", [{"concurrent_solves": 3}, {"workers_per_solve": 3}])
def test_settings_keep_solves_within_the_cores(tmp_path, bad):
    with pytest.raises(ValueError, match="cores"):
        settings_for(tmp_path, **bad)
    s = settings_for(tmp_path, workers_per_solve=2)
    assert s.solves == 1


def test_restart_does_not_requeue_a_job_past_max_attempts(tmp_path):
    with held_client(tmp_path) as c:
        store = c.app.state.service.store  # type: ignore[attr-defined]
        jid = c.post("/v1/jobs", json=small()).json()["id"]
        assert store.claim_next().id == jid
        assert store.retry_or_fail(jid, 1, 2, "worker died") == "queued"
        assert store.claim_next().attempts == 2
    with held_client(tmp_path, on_restart_running="requeue", max_attempts=2) as c:
        j = c.get(f"/v1/jobs/{jid}").json()
        assert j["state"] == "failed" and "started 2 times" in j["error"]
        with c.stream("GET", f"/v1/jobs/{jid}/events") as st:
            events = parse_sse(st.read().decode())
        states = [json.loads(d)["state"] for _, e, d in events if e == "state"]
        assert states == ["queued", "running", "queued", "running", "failed"]
