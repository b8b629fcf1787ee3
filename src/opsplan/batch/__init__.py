"""Batch solving: many instance files, on local worker processes or a Dask distributed cluster.

`opsplan batch` is the command (batch/cli.py); `run_batch` the loop (batch/runner.py). The solves
run on an executor of `opsplan.runtime` (`make_executor`: local processes or Dask).
"""

from .inputs import BatchInput, discover
from .runner import SUMMARY_COLUMNS, BatchReport, Row, run_batch

__all__ = [
    "SUMMARY_COLUMNS",
    "BatchInput",
    "BatchReport",
    "Row",
    "discover",
    "run_batch",
]
