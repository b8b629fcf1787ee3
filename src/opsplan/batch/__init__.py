"""Batch solving: many instance files, on local worker processes or a Dask distributed cluster.

`opsplan batch` is the command (batch/cli.py); `run_batch` the loop (batch/runner.py);
`SolveExecutor` (batch/executors.py) the small interface that runs solves off the caller's
process, locally (`LocalExecutor`) or on Dask (`DaskExecutor`), for any caller.
"""

from .executors import (
    DaskExecutor,
    LocalExecutor,
    SolveExecutor,
    TaskFailed,
    available_cores,
    make_executor,
    solve_task,
)
from .inputs import BatchInput, discover
from .runner import SUMMARY_COLUMNS, BatchReport, Row, run_batch

__all__ = [
    "SUMMARY_COLUMNS",
    "BatchInput",
    "BatchReport",
    "DaskExecutor",
    "LocalExecutor",
    "Row",
    "SolveExecutor",
    "TaskFailed",
    "available_cores",
    "discover",
    "make_executor",
    "run_batch",
    "solve_task",
]
