"""Tiny requests and replacement tasks for the batch tests (importable by worker processes)."""

from __future__ import annotations

import csv
import os
import random
import time
from pathlib import Path
from typing import Any

from opsplan.runtime import SolveTask, TaskOutcome, solve_task


def jobshop(n: int, m: int, seed: int, **options: Any) -> dict[str, Any]:
    """A random job shop request: n jobs visit m machines in a random order."""
    rng = random.Random(seed)
    jobs = []
    for j in range(n):
        ops = [
            {"id": f"o{i}", "machines": [{"machine": f"M{mc}", "duration": rng.randint(1, 9)}]}
            for i, mc in enumerate(rng.sample(range(m), m))
        ]
        jobs.append({"id": f"J{j}", "operations": ops})
    return {
        "model": "scheduling",
        "instance": {"machines": [{"id": f"M{i}"} for i in range(m)], "jobs": jobs},
        "options": options,
    }


def infeasible() -> dict[str, Any]:
    """One 5-hour operation with a deadline at 3: infeasible, with a diagnosis."""
    return {
        "model": "scheduling",
        "instance": {
            "machines": [{"id": "M1"}],
            "jobs": [
                {
                    "id": "A",
                    "deadline": 3,
                    "operations": [{"id": "a", "machines": [{"machine": "M1", "duration": 5}]}],
                }
            ],
        },
    }


def crashing_task(task: SolveTask, cancel_event: str | None = None) -> TaskOutcome:
    """solve_task, except that a request marked "crash" kills its worker process and one marked
    "hang" sleeps far beyond any limit: the executor must survive both."""
    marker = task.request.get("instance", {}).get("name")
    if marker == "crash":
        os._exit(3)
    if marker == "hang":
        time.sleep(120)
    return solve_task(task, cancel_event)


def summary(outdir: Path) -> dict[str, dict[str, str]]:
    """summary.csv as rows by input file name; checks the columns."""
    with (outdir / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "input", "model", "status", "objective", "bound", "gap", "runtime_s", "error"
    ]  # fmt: skip
    return {Path(r["input"]).name: r for r in rows}


SECRET = "ortools.sat.python.cp_model_helper.LinearExpr cov_under_0/E(0..1)"


def raising_task(task: SolveTask, cancel_event: str | None = None) -> TaskOutcome:
    """solve_task on a pipeline that raises an exception full of internals (a bug)."""
    from unittest import mock

    with mock.patch("opsplan.core.solve.solve", side_effect=TypeError(SECRET)):
        return solve_task(task, cancel_event)
