"""The runtime: the one task and outcome, and the local pool surviving dead, hung and cancelled
workers (events, not wall-clock times, decide when to look)."""

from __future__ import annotations

import os
import re
import signal
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

import opsplan
from opsplan.core.errors import InvalidInput
from opsplan.runtime import (
    CRASHED,
    FAILED,
    INVALID,
    OK,
    LocalExecutor,
    SolveTask,
    TaskFailed,
    TaskOutcome,
    oversubscription,
    run_solve,
)

from . import helpers
from .helpers import tiny


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # a zombie not yet reaped still answers signal 0: read its state
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def _wait(cond, what: str, limit_s: float = 30) -> None:
    """Poll until cond() (a generous bound only against a hang, never the assertion itself)."""
    deadline = time.monotonic() + limit_s
    while not cond():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def test_one_outcome_for_a_result_invalid_input_and_a_failing_solve(monkeypatch, caplog):
    ok = run_solve(SolveTask(tiny(), {"workers": 1}, indent=None))
    assert ok.kind == OK and ok.status == "optimal" and ok.answered
    assert ok.result is not None and "\n" not in ok.result  # indent=None: compact
    res = opsplan.SolveResult.from_json(ok.unwrap())
    assert res.objective == 6 and ok.runtime_s == res.runtime_s

    bad = run_solve(SolveTask({"model": "scheduling", "instance": {"machines": []}}))
    assert bad.kind == INVALID and not bad.answered
    assert {p.where for p in bad.problem_list()} >= {"instance.machines", "instance.jobs"}
    with pytest.raises(InvalidInput):
        bad.unwrap()

    def broken(*a, **k):
        raise KeyError("a bug")

    monkeypatch.setattr("opsplan.core.solve.solve", broken)
    failed = run_solve(SolveTask(tiny()))
    assert failed.kind == FAILED and re.fullmatch("[0-9a-f]{12}", failed.incident)
    # the caller gets the incident, not the exception's text (this process logged it)
    assert failed.message == (
        f"internal error while solving (incident {failed.incident}; the log has the details)"
    )
    assert "a bug" not in failed.message + failed.detail
    (rec,) = [r for r in caplog.records if getattr(r, "incident", None) == failed.incident]
    assert rec.exc_info is not None and "a bug" in str(rec.exc_info[1])
    with pytest.raises(TaskFailed) as e:
        failed.unwrap()
    assert not e.value.crashed and e.value.incident == failed.incident
    crashed = TaskOutcome(CRASHED, message="the worker process died (exit code 9)")
    with pytest.raises(TaskFailed) as e:
        crashed.unwrap()
    assert e.value.crashed and "exit code 9" in str(e.value)


def test_local_pool_survives_dead_hung_and_idle_dying_workers(caplog):
    with LocalExecutor(1) as ex:
        ex.warm()
        (first,) = ex.worker_pids()
        # a worker that dies under its task fails that task only
        with pytest.raises(TaskFailed, match="exit code 7") as e:
            ex.run(helpers.die, 7).result(timeout=60)
        assert e.value.crashed
        assert ex.run(helpers.pid).result(timeout=60) != first  # replaced
        # a task past its timeout is ended as hung
        with pytest.raises(TaskFailed, match="no answer after") as e:
            ex.run(helpers.sleep, 600, timeout=0.5).result(timeout=60)
        assert e.value.crashed
        # a worker that dies while idle: Pebble gives the pool up; the next task gets a new one
        idle = ex.run(helpers.pid).result(timeout=60)
        assert ex.worker_pids() == [idle]
        os.kill(idle, signal.SIGKILL)
        _wait(lambda: idle not in ex.worker_pids(), "the pool noticed the dead worker")
        res = ex.submit(tiny(), {"workers": 1}).result(timeout=60)
        assert opsplan.SolveResult.from_json(res).status == "optimal"
        assert "died while idle; starting a new pool" in caplog.text


def test_cancel_ends_the_running_worker_and_the_pool_goes_on(tmp_path):
    started = tmp_path / "started"
    ex = LocalExecutor(1, task=helpers.hanging_task)
    try:
        fut = ex.submit({"started": str(started)}, None)
        _wait(started.exists, "the task started")
        _wait(lambda: started.read_text() != "", "the task wrote its pid")
        pid = int(started.read_text())
        assert fut.cancel()
        with pytest.raises(CancelledError):
            fut.result()
        _wait(lambda: _gone(pid), "the cancelled task's worker ended")
        # the pool goes on: a new worker answers
        assert ex.run(helpers.pid).result(timeout=60) != pid
    finally:
        ex.close(cancel_pending=True)


def test_oversubscription_names_each_host_over_its_cores():
    assert oversubscription({"a": (2, 4), "b": (4, 4)}, 1) == []
    (w,) = oversubscription({"a": (2, 4), "b": (4, 4)}, 2)
    assert w.startswith("b: 4 solves at a time x 2 solver workers each = 8 threads on 4 cores")
