"""opsplan batch on a real Dask cluster on loopback: a scheduler and two worker processes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import distributed
import pytest
from typer.testing import CliRunner

import opsplan
from opsplan.batch import discover, run_batch
from opsplan.cli import app
from opsplan.runtime import DaskExecutor

from .helpers import crashing_task, infeasible, jobshop, summary

runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    import dask

    # one failure is enough to call a task crashed (the default retries it on 3 workers)
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as c,
    ):
        yield c


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for i, (n, m) in enumerate([(3, 3), (4, 3), (3, 4), (5, 2)]):
        (d / f"j{i}.json").write_text(json.dumps(jobshop(n, m, seed=100 + i)))
    (d / "k_infeasible.json").write_text(json.dumps(infeasible()))
    (d / "l_invalid.json").write_text('{"model": "scheduling", "instance": {"machines": []}}')
    return d


def _comparable(path: Path) -> dict:
    doc = json.loads(path.read_text())
    doc.pop("runtime_s")  # wall time is the only field that may differ between two runs
    return doc


def test_batch_on_dask_equals_the_local_run(cluster, folder, tmp_path):
    common = ["-t", "20", "--seed", "7", "--workers-per-solve", "1"]
    local, remote = tmp_path / "local", tmp_path / "dask"
    r1 = runner.invoke(app, ["batch", str(folder), "-o", str(local), "-n", "2", *common])
    address = cluster.scheduler_address
    r2 = runner.invoke(
        app, ["batch", str(folder), "-o", str(remote), "--scheduler", address, *common]
    )
    assert r1.exit_code == r2.exit_code == 1, (r1.output, r2.output)  # l_invalid fails in both
    assert "on Dask scheduler tcp://127.0.0.1" in r2.stderr
    results = sorted(p.name for p in local.glob("*.json"))
    assert results == ["j0.json", "j1.json", "j2.json", "j3.json", "k_infeasible.json"]
    assert sorted(p.name for p in remote.glob("*.json")) == results
    for name in results:
        assert _comparable(local / name) == _comparable(remote / name), name
    for name in results[:4]:
        res = opsplan.SolveResult.from_json((remote / name).read_text())
        assert res.status == "optimal" and res.violations == [] and res.solver.seed == 7
        assert res.options.workers == 1
    s1, s2 = summary(local), summary(remote)
    for rows in (s1, s2):
        assert rows["l_invalid.json"]["status"] == "invalid"
        assert "instance.machines" in rows["l_invalid.json"]["error"]
    for name in s1:
        a = {k: v for k, v in s1[name].items() if k != "runtime_s"}
        b = {k: v for k, v in s2[name].items() if k != "runtime_s"}
        assert a == b


def test_dask_resume_and_a_dying_worker(cluster, folder, tmp_path):
    import cloudpickle

    from tests.batch import helpers as batch_helpers

    cloudpickle.register_pickle_by_value(batch_helpers)  # the workers cannot import tests/
    client = distributed.Client(cluster.scheduler_address)
    ex = DaskExecutor(client, task=crashing_task)
    try:
        crash = jobshop(2, 2, seed=1)
        crash["instance"]["name"] = "crash"
        (folder / "m_crash.json").write_text(json.dumps(crash))
        inputs, _ = discover([str(folder)])
        out = tmp_path / "out"
        report = run_batch(inputs, out, ex, options={"workers": 1, "time_limit_s": 20})
        rows = {Path(r.input).name: r for r in report.rows}
        assert rows["m_crash.json"].status == "crashed"
        assert "worker died" in rows["m_crash.json"].error
        assert [rows[f"j{i}.json"].status for i in range(4)] == ["optimal"] * 4
        # --resume: inputs with a result are not solved again; the failed ones are
        stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
        assert len(stamps) == 5
        report2 = run_batch(inputs, out, ex, options={"workers": 1}, resume=True)
        assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps
        rows2 = {Path(r.input).name: r for r in report2.rows}
        assert sum(r.resumed for r in report2.rows) == 5
        assert rows2["m_crash.json"].status == "crashed" and not rows2["m_crash.json"].resumed
        assert rows2["j2.json"].objective == rows["j2.json"].objective
    finally:
        ex.close()
        client.close()


def wait_until_idle(executing) -> None:
    """The cluster is shared by the module's tests: an earlier test's last task may still be
    winding down on a loaded machine. Nothing may stay running for long."""
    deadline = time.monotonic() + 30
    while executing() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert executing() == 0, "a solve from an earlier test is still running"


def test_cancel_stops_a_running_solve_on_its_worker(cluster):
    client = distributed.Client(cluster.scheduler_address)
    ex = DaskExecutor(client)
    try:

        def executing() -> int:
            return sum(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())

        wait_until_idle(executing)
        # a limit far beyond the wait below: only the cancel can free the worker in time
        fut = ex.submit(jobshop(15, 15, seed=9), {"time_limit_s": 600, "workers": 1})

        deadline = time.monotonic() + 60
        while executing() == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert executing() == 1
        assert fut.cancel()
        deadline = time.monotonic() + 60
        while executing() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert executing() == 0  # the solve stopped: the worker is free again, not in 600 s
        ok = ex.submit(jobshop(3, 3, seed=1), {"workers": 1})
        assert opsplan.SolveResult.from_json(ok.result(timeout=30)).status == "optimal"
    finally:
        ex.close()
        client.close()


def test_interrupt_cancels_the_running_solves_on_the_workers(cluster, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.json").write_text(json.dumps(jobshop(3, 3, seed=1)))
    for i in range(3):
        (d / f"b{i}.json").write_text(json.dumps(jobshop(15, 15, seed=9 + i)))
    inputs, _ = discover([str(d)])
    client = distributed.Client(cluster.scheduler_address)

    def executing() -> int:
        return sum(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())

    wait_until_idle(executing)
    rows_seen = []

    def ctrl_c_after_the_first_result(row):
        rows_seen.append(row)
        if len(rows_seen) > 1:
            return
        deadline = time.monotonic() + 20
        while executing() < 2 and time.monotonic() < deadline:  # both workers busy
            time.sleep(0.1)
        raise KeyboardInterrupt

    ex = DaskExecutor(client)
    try:
        report = run_batch(
            inputs,
            tmp_path / "out",
            ex,
            options={"workers": 1, "time_limit_s": 600},  # only the interrupt ends them in time
            max_in_flight=3,  # when a is done, b0 and b1 run on the two workers
            on_row=ctrl_c_after_the_first_result,
        )
    finally:
        ex.close(cancel_pending=True)
    try:
        assert report.interrupted
        assert [r.status for r in report.rows] == ["optimal"] + ["cancelled"] * 3
        deadline = time.monotonic() + 60
        while executing() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert executing() == 0  # the solves stopped on the workers, not after their 600 s
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.json", "summary.csv"]
    finally:
        client.close()
