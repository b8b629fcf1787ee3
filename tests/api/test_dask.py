"""The service with OPSPLAN_DASK_SCHEDULER: jobs and synchronous solves run as tasks on a real Dask
cluster on loopback (a scheduler and two worker processes), writing to a temporary SQLite store
that the workers on this machine share."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import distributed
import pytest
from fastapi.testclient import TestClient

import opsplan
from opsplan.api import Settings, create_app
from opsplan.api.dask_executor import DaskServiceExecutor
from opsplan.api.store import Store
from opsplan.core import registry

from .helpers import jobshop, long_job, settings_for, small, wait_state


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
    ) as c:
        yield c


@pytest.fixture(scope="module")
def executing(cluster) -> Iterator[Any]:
    """Tasks executing on the cluster's workers now."""
    with distributed.Client(cluster.scheduler_address) as client:

        def count() -> int:
            return sum(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())

        yield count


def idle(executing, timeout: float = 60) -> None:
    """Wait until no task executes on the cluster (bounded)."""
    deadline = time.monotonic() + timeout
    while executing() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert executing() == 0, f"a solve is still running on the cluster after {timeout} s"


def dask_client(cluster, data_dir, **kw: Any) -> TestClient:
    app = create_app(settings_for(data_dir, dask_scheduler=cluster.scheduler_address, **kw))
    return TestClient(app)


def checked(req: dict[str, Any], res: opsplan.SolveResult) -> None:
    """The checker, run here apart from the service, accepts the plan and its objective."""
    assert res.solution is not None and res.violations == []
    spec = registry.get(req["model"])
    report = spec.check(spec.instance_type.model_validate(req["instance"]), res.solution)
    assert report.violations == [] and report.objective == res.objective


def first_incumbent(c: TestClient, jid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        j = c.get(f"/v1/jobs/{jid}").json()
        if j["progress"] and j["progress"]["solutions"] >= 1:
            return j
        time.sleep(0.05)
    raise AssertionError(f"no incumbent in 20 s: {j}")


def test_jobs_and_sync_solves_run_on_the_cluster(cluster, executing, tmp_path):
    with dask_client(cluster, tmp_path) as c:
        svc = c.app.state.service  # type: ignore[attr-defined]
        assert isinstance(svc.executor, DaskServiceExecutor)
        assert c.get("/healthz").json()["workers"] == 2  # the cluster's worker threads
        req = small()
        jid = c.post("/v1/jobs", json=req).json()["id"]
        done = wait_state(c, jid, timeout=30)
        assert done["state"] == "succeeded" and done["result_status"] == "optimal"
        assert done["attempts"] == 1 and done["progress"]["objective"] == 6
        res = opsplan.SolveResult.model_validate(c.get(f"/v1/jobs/{jid}/result").json())
        assert res.objective == 6
        checked(req, res)
        r = c.post("/v1/solve", json=jobshop(4, 3, seed=2, limit_s=10))
        assert r.status_code == 200, r.text
        sync = opsplan.SolveResult.model_validate(r.json())
        assert sync.status == opsplan.SolveStatus.OPTIMAL
        checked(jobshop(4, 3, seed=2), sync)
        bad = c.post("/v1/solve", json={"model": "scheduling", "instance": {"machines": []}})
        assert bad.status_code == 422 and bad.json()["problems"]
        from prometheus_client.parser import text_string_to_metric_families

        fams = {f.name: f for f in text_string_to_metric_families(c.get("/metrics").text)}
        counts = {
            s.labels["kind"]: s.value
            for s in fams["opsplan_solve_duration_seconds"].samples
            if s.name.endswith("_count")
        }
        assert counts == {"job": 1, "sync": 1}
        assert fams["opsplan_solves_running"].samples[0].value == 0
        by_state = {s.labels["state"]: s.value for s in fams["opsplan_jobs"].samples}
        assert by_state["succeeded"] == 1


def test_cancel_stops_the_task_and_keeps_the_best_plan(cluster, executing, tmp_path):
    idle(executing)
    req = long_job(0, limit_s=600)  # far beyond the waits below: only the cancel ends it
    with dask_client(cluster, tmp_path, max_time_limit_s=600) as c:
        jid = c.post("/v1/jobs", json=req).json()["id"]
        j = first_incumbent(c, jid)
        assert j["state"] == "running" and executing() == 1  # the solve runs on a Dask worker
        assert c.delete(f"/v1/jobs/{jid}").status_code == 202
        done = wait_state(c, jid, timeout=60)  # final once the solve on the worker has ended
        assert done["state"] == "cancelled"
        res = opsplan.SolveResult.model_validate(c.get(f"/v1/jobs/{jid}/result").json())
        assert res.status == opsplan.SolveStatus.FEASIBLE
        assert res.objective is not None and res.objective <= j["progress"]["objective"]
        assert any("cancel" in m for m in res.messages)
        checked(req, res)
        idle(executing)  # the worker is free again: the task ended with the solve
        r = c.post("/v1/solve", json=small())  # and it takes the next one
        assert r.status_code == 200 and r.json()["status"] == "optimal"


def test_replicas_share_the_cluster_and_a_stopped_service_queues_its_jobs_with_their_plans(
    cluster, executing, tmp_path
):
    """Replica A fills both worker threads; replica B (its own store) waits for a free thread.
    A shuts down (no grace period in these settings): its tasks stop, save their best plans and
    queue their jobs again for A's next start; B's job then runs."""
    idle(executing)
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    with dask_client(cluster, a_dir) as a, dask_client(cluster, b_dir) as b:
        long = [a.post("/v1/jobs", json=long_job(k, limit_s=30)).json()["id"] for k in (1, 2)]
        for jid in long:
            first_incumbent(a, jid)
        assert executing() == 2
        bid = b.post("/v1/jobs", json=small()).json()["id"]
        time.sleep(1.5)  # B's dispatcher looks at least once a second
        assert b.get(f"/v1/jobs/{bid}").json()["state"] == "queued"
        a.__exit__(None, None, None)  # replica A stops: its tasks end (no grace period)
        idle(executing)
        done = wait_state(b, bid, timeout=20)
        assert done["state"] == "succeeded" and done["result_status"] == "optimal"
    store = Store(settings_for(a_dir).db_url())
    try:
        for jid in long:
            j = store.get(jid, bodies=True)
            assert j is not None and j.state == "queued" and j.result is None
            assert j.checkpoint is not None and j.checkpoint_status == "feasible"
    finally:
        store.dispose()


def test_a_job_whose_dask_worker_dies_runs_again_on_another(cluster, executing, tmp_path):
    """Last in this module: it kills a worker process (its nanny starts a new one)."""
    idle(executing)
    req = long_job(3, limit_s=4)
    with dask_client(cluster, tmp_path) as c, distributed.Client(cluster.scheduler_address) as cl:
        jid = c.post("/v1/jobs", json=req).json()["id"]
        first_incumbent(c, jid)
        busy = cl.run(lambda dask_worker: (len(dask_worker.state.executing), os.getpid()))
        pids = [pid for n, pid in busy.values() if n == 1]
        assert len(pids) == 1, busy
        os.kill(pids[0], signal.SIGKILL)  # the worker process this test's job runs in
        done = wait_state(c, jid, timeout=40)
        assert done["state"] == "succeeded", done
        assert done["attempts"] == 1  # Dask ran the task again itself
        res = opsplan.SolveResult.model_validate(c.get(f"/v1/jobs/{jid}/result").json())
        checked(req, res)


def test_no_scheduler_at_the_address_stops_the_start_with_a_clear_error(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(
        settings_for(tmp_path, dask_scheduler=f"tcp://127.0.0.1:{port}", dask_timeout_s=1)
    )
    with pytest.raises(RuntimeError, match=f"no Dask cluster .* at tcp://127.0.0.1:{port}"):
        TestClient(app).__enter__()


def test_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("OPSPLAN_DASK_SCHEDULER", "tcp://solvers:8786")
    monkeypatch.setenv("OPSPLAN_CORES", "2")
    monkeypatch.setenv("OPSPLAN_SYNC_RESERVED", "3")  # threads of the cluster, not local cores
    s = Settings()
    assert s.dask_scheduler == "tcp://solvers:8786" and s.sync_reserved == 3
    monkeypatch.delenv("OPSPLAN_DASK_SCHEDULER")
    with pytest.raises(ValueError, match="sync_reserved"):
        Settings()
