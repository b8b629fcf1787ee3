"""The one task every runtime runs off the process, and its one outcome.

A task is plain data (a request, option overrides, the JSON indentation of the result), so it
pickles to a local worker process or a Dask worker alike. Running it never raises: the outcome
says whether it gave a SolveResult (`ok`), was invalid input (`invalid`, every problem), raised
(`failed`), or lost its worker (`crashed`, set by the executor, never by the task itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ..core import incident as incidents
from ..core.errors import InvalidInput, Problem
from ..core.run import Progress
from ..core.status import SolveStatus

Kind = Literal["ok", "invalid", "failed", "crashed"]
OK: Final = "ok"  # a SolveResult (of any status)
INVALID: Final = "invalid"  # invalid input: every problem
FAILED: Final = "failed"  # the solve raised
CRASHED: Final = "crashed"  # the worker died or hung (the executor says so, never the task)


class TaskFailed(RuntimeError):
    """A solve did not produce a result: it raised, timed out, or its worker process died
    (`crashed`). A solve that raised names the `incident` its worker logged the traceback under;
    `detail` is more for the log."""

    def __init__(
        self, message: str, *, crashed: bool = False, detail: str = "", incident: str = ""
    ):
        super().__init__(message)
        self.crashed = crashed
        self.detail = detail
        self.incident = incident


@dataclass(frozen=True)
class SolveTask:
    """One solve to run elsewhere: `options` override the request's own options."""

    request: dict[str, Any]
    options: dict[str, Any] | None = None
    indent: int | None = 2  # of the result's JSON text; None: compact (the service's answers)

    def time_limit_s(self) -> Any:
        """The time limit the solve will use, as given (None: the default; may be invalid)."""
        limit = (self.options or {}).get("time_limit_s")
        if limit is None and isinstance(self.request.get("options"), dict):
            limit = self.request["options"].get("time_limit_s")
        return limit


@dataclass(frozen=True)
class TaskOutcome:
    """What one task gave: plain data, so it travels back from any worker."""

    kind: Kind
    result: str | None = None  # ok: the SolveResult as JSON text
    status: str | None = None  # ok: the result's status (a SolveStatus value)
    runtime_s: float | None = None  # ok: the solve's runtime
    problems: list[dict[str, str]] = field(default_factory=list)  # invalid: each Problem
    message: str = ""  # failed: the short message naming the incident; crashed: what happened
    detail: str = ""  # crashed: more for the log (never sent to a user)
    incident: str = ""  # failed: the id under which the worker logged the traceback

    @property
    def answered(self) -> bool:
        """A result whose status is an answer (SolveStatus.is_answer)."""
        return self.kind == OK and self.status is not None and SolveStatus(self.status).is_answer

    def problem_list(self) -> list[Problem]:
        return [Problem.model_validate(p) for p in self.problems]

    def unwrap(self) -> str:
        """The result JSON text; InvalidInput for invalid input; TaskFailed otherwise."""
        if self.kind == OK and self.result is not None:
            return self.result
        if self.kind == INVALID:
            raise InvalidInput(self.problem_list())
        if self.kind == OK:
            raise TaskFailed("the task returned no result")
        raise TaskFailed(
            self.message, crashed=self.kind == CRASHED, detail=self.detail, incident=self.incident
        )


def run_solve(
    task: SolveTask,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TaskOutcome:
    """Solve `task` in this process; never raises for bad input or a failing solve."""
    from ..core.solve import solve

    try:
        res = solve(task.request, task.options, on_progress=on_progress, should_stop=should_stop)
    except InvalidInput as e:
        return TaskOutcome(INVALID, problems=[p.model_dump() for p in e.problems])
    except Exception as e:  # logged here, in the process that saw it; the caller gets the id
        iid = incidents.record(f"the solve raised {type(e).__name__}", e)
        return TaskOutcome(FAILED, message=incidents.message("solving", iid), incident=iid)
    return TaskOutcome(
        OK, result=res.to_json(indent=task.indent), status=res.status.value, runtime_s=res.runtime_s
    )


def solve_task(task: SolveTask, cancel_event: str | None = None) -> TaskOutcome:
    """The task a worker runs. On Dask, `cancel_event` names the distributed Event that stops it
    (a local worker is simply ended instead)."""
    should_stop = None
    if cancel_event:
        from .cluster import stop_check

        should_stop = stop_check(cancel_event)
    return run_solve(task, should_stop=should_stop)
