"""A stopping service (the lifespan's end, as on SIGTERM): running jobs finish within the grace
period; past it they stop and keep their best plan, queued again for the next start."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from opsplan.api import create_app
from opsplan.api.store import Store

from .helpers import long_job, settings_for, small, wait_state


def _solving(c: TestClient, jid: str) -> None:
    deadline = time.monotonic() + 30
    while not (c.get(f"/v1/jobs/{jid}").json()["progress"] or {}).get("solutions"):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_running_job_finishes_within_the_grace_period(tmp_path):
    # a generous grace period: the job (far from proven in its 2 s) runs to its time limit
    settings = settings_for(tmp_path, concurrent_solves=1, shutdown_grace_s=120)
    with TestClient(create_app(settings)) as c:
        jid = c.post("/v1/jobs", json=long_job(0, limit_s=2)).json()["id"]
        queued = c.post("/v1/jobs", json=small()).json()["id"]
        _solving(c, jid)
    store = Store(settings.db_url())
    j, q = store.get(jid, bodies=True), store.get(queued)
    store.dispose()
    assert j is not None and j.state == "succeeded" and j.result_status == "feasible"
    assert j.result is not None and "cancel" not in j.result and j.checkpoint is None
    assert q is not None and q.state == "queued" and q.attempts == 0  # not taken while stopping


def test_past_the_grace_period_a_job_is_stopped_with_its_plan_saved(tmp_path):
    settings = settings_for(tmp_path, concurrent_solves=1, shutdown_grace_s=0)
    with TestClient(create_app(settings)) as c:
        jid = c.post("/v1/jobs", json=long_job(1)).json()["id"]
        _solving(c, jid)
    store = Store(settings.db_url())
    j = store.get(jid, bodies=True)
    store.dispose()
    assert j is not None and j.state == "queued" and j.attempts == 1
    assert j.checkpoint is not None and j.checkpoint_status == "feasible"
    # the next start cancels it at once: the saved plan is the result
    with TestClient(create_app(settings_for(tmp_path, concurrent_solves=1))) as c:
        c.delete(f"/v1/jobs/{jid}")
        done = wait_state(c, jid, timeout=30)
        assert done["state"] == "cancelled"
        res = c.get(f"/v1/jobs/{jid}/result").json()
        assert res["violations"] == [] and res["solution"] is not None
