"""Leases in the job store: only the attempt that holds a job writes it; a cancelled job never
runs again; a plan saved by a stopped attempt is kept with the job (store level, no solves)."""

from __future__ import annotations

import json

from sqlalchemy import text

from opsplan.api.store import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, Store
from opsplan.api.worker import better_of

from .helpers import small


def _store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'jobs.db'}", create=True)


def _states(store: Store, jid: str) -> list[str]:
    return [json.loads(e.data)["state"] for e in store.events_after(jid, 0) if e.kind == "state"]


def _result(objective: float | None, status: str = "feasible", plan: bool = True) -> str:
    return json.dumps(
        {
            "model": "scheduling",
            "status": status,
            "objective": objective,
            "solution": {"plan": objective} if plan else None,
            "violations": [],
            "messages": [],
        }
    )


PROGRESS = {"solutions": 1, "objective": 9.0, "bound": 6.0, "gap": 0.33, "elapsed_s": 0.1}


def test_a_stale_attempt_cannot_overwrite_a_final_result(tmp_path):
    store = _store(tmp_path)
    jid = store.add_job("scheduling", small()).id
    first = store.claim_next()
    assert first is not None and first.attempts == 1
    # the service dies; the restart queues the job again and a second attempt takes it
    assert store.recover("requeue", max_attempts=3) == [jid]
    assert store.lease_state(jid, 1) == (False, False, False)
    second = store.claim_next()
    assert second is not None and second.attempts == 2
    assert store.lease_state(jid, 2) == (True, False, False)
    assert not store.progress(jid, PROGRESS, lease=1)  # the orphan's incumbent: dropped
    assert store.progress(jid, PROGRESS, lease=2)
    assert store.finish(jid, SUCCEEDED, lease=2, result_json=_result(6), result_status="optimal")
    before = store.get(jid, bodies=True)
    assert before is not None
    # the orphan of attempt 1 ends later: neither its result nor its progress lands
    assert not store.finish(jid, SUCCEEDED, lease=1, result_json=_result(7), result_status="x")
    assert not store.finish(jid, FAILED, lease=2, error="again")  # final is final, even for 2
    assert not store.progress(jid, {**PROGRESS, "objective": 7.0}, lease=1)
    assert not store.save_checkpoint(jid, 1, _result(7), "feasible")
    after = store.get(jid, bodies=True)
    assert after is not None
    assert (after.state, after.result, after.finished_at) == (
        SUCCEEDED,
        before.result,
        before.finished_at,
    )
    assert after.objective == 9.0 and after.checkpoint is None
    assert _states(store, jid) == [QUEUED, RUNNING, QUEUED, RUNNING, SUCCEEDED]
    assert sum(e.kind == "progress" for e in store.events_after(jid, 0)) == 1


def test_a_cancelled_job_is_not_run_again_when_its_worker_dies(tmp_path):
    store = _store(tmp_path)
    jid = store.add_job("scheduling", small()).id
    assert store.claim_next() is not None
    store.request_cancel(jid)  # running: flagged; then the worker dies before it stops
    assert store.retry_or_fail(jid, 1, 3, "the worker died") == CANCELLED
    j = store.get(jid)
    assert j is not None and j.state == CANCELLED and j.attempts == 1
    assert store.claim_next() is None
    # nor after a restart: a running job whose cancel was asked for ends cancelled
    other = store.add_job("scheduling", small()).id
    assert store.claim_next() is not None
    store.request_cancel(other)
    store.recover("requeue", max_attempts=3)
    assert store.get(other).state == CANCELLED  # type: ignore[union-attr]
    assert store.claim_next() is None
    assert _states(store, other) == [QUEUED, RUNNING, CANCELLED]


def test_a_lost_attempt_of_an_older_lease_changes_nothing(tmp_path):
    store = _store(tmp_path)
    jid = store.add_job("scheduling", small()).id
    store.claim_next()
    store.recover("requeue", max_attempts=3)
    store.claim_next()  # attempt 2 runs
    # the dispatcher of attempt 1 learns late that its worker died: attempt 2 is left alone
    assert store.retry_or_fail(jid, 1, 3, "the worker died") == RUNNING
    j = store.get(jid)
    assert j is not None and j.state == RUNNING and j.attempts == 2


def test_a_released_job_keeps_its_plan_and_reports_it_when_cancelled(tmp_path):
    store = _store(tmp_path)
    jid = store.add_job("scheduling", small()).id
    store.claim_next()
    assert store.request_release([jid]) == 1
    assert store.lease_state(jid, 1) == (True, False, True)
    assert store.release(jid, 1, (_result(8), "feasible", 8.0), "the service stopped")
    j = store.get(jid, bodies=True)
    assert j is not None and j.state == QUEUED and j.checkpoint == _result(8)
    events = [json.loads(e.data) for e in store.events_after(jid, 0)]
    assert events[-1] == {"state": QUEUED, "requeued": "the service stopped", "saved_objective": 8}
    # queued again; cancelled before it runs: the saved plan is its result
    store.request_cancel(jid)
    j = store.get(jid, bodies=True)
    assert j is not None and j.state == CANCELLED
    assert j.result == _result(8) and j.result_status == "feasible"
    assert json.loads(store.events_after(jid, 0)[-1].data) == {
        "state": CANCELLED,
        "result": True,
        "status": "feasible",
    }


def test_the_saved_plan_is_reported_when_the_rerun_finds_nothing_better():
    saved = _result(8)
    assert better_of(_result(7), saved) == (_result(7), False)
    assert better_of(_result(8), saved) == (_result(8), False)
    for worse in (_result(9), _result(None, "timeout", plan=False), None):
        chosen, from_saved = better_of(worse, saved)
        assert from_saved and chosen is not None
        r = json.loads(chosen)
        assert r["objective"] == 8 and "saved by an earlier attempt" in r["messages"][-1]
    assert better_of(_result(9), None) == (_result(9), False)
    assert better_of(_result(9), _result(None, "timeout", plan=False)) == (_result(9), False)


def test_a_store_of_an_older_version_gets_the_new_columns(tmp_path):
    store = _store(tmp_path)
    jid = store.add_job("scheduling", small()).id
    with store.engine.begin() as conn:
        for col in ("checkpoint", "checkpoint_status", "release_requested"):
            conn.execute(text(f"ALTER TABLE jobs DROP COLUMN {col}"))
    store.dispose()
    store = _store(tmp_path)
    j = store.claim_next()
    assert j is not None and j.id == jid and j.checkpoint is None and not j.release_requested
