"""Solves off the caller's process: a local pool of worker processes, or a Dask cluster.

One task (`SolveTask`: a request and option overrides, plain data), one outcome (`TaskOutcome`:
ok with the result JSON, invalid with every problem, failed, or crashed), one executor interface
(`SolveExecutor`: `submit` a solve, `run` any task, `close`) with two implementations
(`LocalExecutor` on Pebble, `DaskExecutor`), one worker initialiser (worker.py), one fork-server
preload (preload.py) and one oversubscription check. `opsplan batch` and the HTTP service both
run on it: batch submits solves; the service keeps its job store and dispatcher on top and runs
its stored jobs with `run`.
"""

from .cluster import DaskExecutor
from .executor import (
    SolveExecutor,
    SolveFuture,
    available_cores,
    make_executor,
    oversubscription,
)
from .local import LocalExecutor
from .task import (
    CRASHED,
    FAILED,
    INVALID,
    OK,
    SolveTask,
    TaskFailed,
    TaskOutcome,
    run_solve,
    solve_task,
)

__all__ = [
    "CRASHED",
    "FAILED",
    "INVALID",
    "OK",
    "DaskExecutor",
    "LocalExecutor",
    "SolveExecutor",
    "SolveFuture",
    "SolveTask",
    "TaskFailed",
    "TaskOutcome",
    "available_cores",
    "make_executor",
    "oversubscription",
    "run_solve",
    "solve_task",
]
