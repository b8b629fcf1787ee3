"""A probe family that answers the status it is asked for, and tasks for worker processes (every
function here is importable by a fresh worker)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from opsplan.core import registry
from opsplan.core.registry import CheckReport, ModelSpec
from opsplan.core.result import Finding
from opsplan.core.run import Outcome
from opsplan.core.status import SolveStatus
from opsplan.runtime import SolveTask, TaskOutcome, solve_task

PROBE = "status_probe"


class ProbeInstance(BaseModel):
    status: SolveStatus


def _solve(inst: ProbeInstance, opts: Any, ctx: Any) -> Outcome:
    if inst.status.has_solution:
        return Outcome(status=inst.status, objective=1.0, bound=1.0, solution={"value": 1})
    if inst.status == SolveStatus.INFEASIBLE:
        return Outcome(status=inst.status, diagnosis=[Finding(rule="probe", message="asked to be")])
    return Outcome(status=inst.status, messages=[f"asked for {inst.status.value}"])


SPEC = ModelSpec(
    name=PROBE,
    description="answers the status its instance asks for (tests only)",
    instance_type=ProbeInstance,
    validate=lambda inst: [],
    precheck=lambda prepared, opts: [],
    solve=_solve,
    check=lambda inst, plan: CheckReport([], 1.0),
    kpis=lambda inst, plan: {},
    rules=("probe",),
)


@contextmanager
def probe_registered() -> Iterator[None]:
    """The probe family is a model while inside (never left registered for other tests)."""
    registry.names()  # the built-in families first, so that nothing reloads over the probe
    registry.register(SPEC)
    try:
        yield
    finally:
        registry._REGISTRY.pop(PROBE, None)


def probe_request(status: SolveStatus | str) -> dict[str, Any]:
    return {"model": PROBE, "instance": {"status": str(status)}}


def probe_task(task: SolveTask, cancel_event: str | None = None) -> TaskOutcome:
    """solve_task in a worker process where the probe family is registered."""
    if PROBE not in registry.names():
        registry.register(SPEC)
    return solve_task(task, cancel_event)


def hanging_task(task: SolveTask, cancel_event: str | None = None) -> TaskOutcome:
    """Writes its pid to the file the request names, then sleeps far beyond any limit."""
    Path(task.request["started"]).write_text(str(os.getpid()))
    time.sleep(600)
    return solve_task(task, cancel_event)


def pid() -> int:
    return os.getpid()


def die(code: int) -> None:
    os._exit(code)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def tiny() -> dict[str, Any]:
    """Two jobs on two machines: optimum 6."""
    return {
        "model": "scheduling",
        "instance": {
            "machines": [{"id": "M1"}, {"id": "M2"}],
            "jobs": [
                {
                    "id": "A",
                    "operations": [
                        {"id": "a1", "machines": [{"machine": "M1", "duration": 3}]},
                        {"id": "a2", "machines": [{"machine": "M2", "duration": 2}]},
                    ],
                },
                {
                    "id": "B",
                    "operations": [{"id": "b1", "machines": [{"machine": "M2", "duration": 4}]}],
                },
            ],
        },
        "options": {"time_limit_s": 5, "workers": 1},
    }
