"""Run a batch: load each input here, solve it on an executor, write its result and the summary.

A failing input never stops the batch: an unreadable or invalid file, a solve that raises, a
worker process that dies or hangs each become a summary row with the error. Ctrl-C cancels what
is queued or running and keeps every result already written.
"""

from __future__ import annotations

import csv
import logging
import math
import os
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..core import incident, registry
from ..core.errors import InvalidInput
from ..core.result import SolveResult
from ..core.status import SolveStatus
from ..io.load import load_request
from ..runtime import SolveExecutor, TaskFailed
from .inputs import BatchInput

log = logging.getLogger("opsplan.batch")

SUMMARY_COLUMNS = ["input", "model", "status", "objective", "bound", "gap", "runtime_s", "error"]
# the statuses that answer (SolveStatus.is_answer, as for `opsplan solve` and service jobs:
# infeasible is an answer, it has a diagnosis)
OK_STATUSES = frozenset(s.value for s in SolveStatus if s.is_answer)
# statuses of inputs that produced no SolveResult
INVALID, FAILED, CRASHED, CANCELLED = "invalid", "failed", "crashed", "cancelled"


@dataclass
class Row:
    input: str
    model: str = ""
    status: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    runtime_s: float | None = None
    error: str = ""
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES

    def csv_row(self) -> dict[str, str]:
        def num(x: float | None) -> str:
            if x is None:
                return ""
            return f"{x:g}" if float(x).is_integer() else repr(float(x))

        return {
            "input": self.input,
            "model": self.model,
            "status": self.status,
            "objective": num(self.objective),
            "bound": num(self.bound),
            "gap": "" if self.gap is None else repr(round(self.gap, 6)),
            "runtime_s": "" if self.runtime_s is None else f"{self.runtime_s:.3f}",
            "error": self.error,
        }


@dataclass
class BatchReport:
    rows: list[Row]
    wall_s: float
    interrupted: bool = False
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def row_from_result(label: str, res: SolveResult) -> Row:
    error = ""
    if not res.status.is_answer:
        notes = [f"{v.rule}: {v.message}" for v in res.violations[:3]]
        notes += [m for m in res.messages if not m.startswith(("#", " "))][:3]
        error = "; ".join(notes) or f"status {res.status.value}"
    return Row(
        input=label,
        model=res.model,
        status=res.status.value,
        objective=res.objective,
        bound=res.bound,
        gap=res.gap,
        runtime_s=res.runtime_s,
        error=error,
    )


def _problems_text(e: InvalidInput, limit: int = 5) -> str:
    text = "; ".join(str(p) for p in e.problems[:limit])
    if len(e.problems) > limit:
        text += f"; ... ({len(e.problems) - limit} more)"
    return text


def _model_of(req: Any, fmt: str | None) -> str:
    if isinstance(req, dict) and isinstance(req.get("model"), str):
        return str(req["model"])
    if fmt and fmt != "json":
        found = registry.find_format(fmt)
        if found is not None:
            return found[0].name
    return ""


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a result file is either whole or absent: --resume can trust it


def write_summary(outdir: Path, rows: list[Row]) -> Path:
    path = outdir / "summary.csv"
    outdir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("summary.csv.partial")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow(r.csv_row())
    os.replace(tmp, path)
    return path


def _counts_text(counts: Counter[str]) -> str:
    colour = {"optimal": "green", "feasible": "yellow", "infeasible": "magenta", "resumed": "cyan"}
    return " ".join(f"[{colour.get(k, 'red')}]{k} {n}[/]" for k, n in sorted(counts.items()))


def run_batch(
    inputs: list[BatchInput],
    outdir: Path,
    executor: SolveExecutor,
    *,
    fmt: str | None = None,
    options: dict[str, Any] | None = None,
    resume: bool = False,
    max_in_flight: int | None = None,
    console: Console | None = None,
    on_row: Callable[[Row], None] | None = None,
) -> BatchReport:
    """Solve every input on `executor`; results to OUTDIR/<result_name>, then summary.csv.

    `options` override each request's own options (time_limit_s, workers, seed, ...).
    Progress goes to `console` when it is a terminal; nothing is printed otherwise.
    """
    t0 = time.monotonic()
    outdir.mkdir(parents=True, exist_ok=True)
    rows: list[Row | None] = [None] * len(inputs)
    counts: Counter[str] = Counter()
    todo: deque[int] = deque()
    for i, inp in enumerate(inputs):
        target = outdir / inp.result_name
        if resume and target.is_file():
            try:
                res = SolveResult.from_json(target.read_text(encoding="utf-8"))
            except Exception:
                todo.append(i)  # damaged: solve again
                continue
            row = row_from_result(inp.label, res)
            row.resumed = True
            rows[i] = row
            counts["resumed"] += 1
        else:
            todo.append(i)

    console = console or Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]batch[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    )
    task = progress.add_task("batch", total=len(todo), counts=_counts_text(counts))
    limit = max(1, max_in_flight or executor.capacity)
    in_flight: dict[Future[str], int] = {}
    interrupted = False
    requests: dict[int, Any] = {}  # the model of each request in flight (for failure rows)

    def record(i: int, row: Row) -> None:
        rows[i] = row
        counts[row.status] += 1
        progress.update(task, advance=1, counts=_counts_text(counts))
        if on_row is not None:
            on_row(row)

    def finish(i: int, fut: Future[str]) -> None:
        inp = inputs[i]
        model = _model_of(requests.pop(i, None), fmt)
        try:
            text = fut.result()
            res = SolveResult.from_json(text)
            _write_atomic(outdir / inp.result_name, text)
            record(i, row_from_result(inp.label, res))
        except InvalidInput as e:
            record(i, Row(inp.label, model, INVALID, error=_problems_text(e)))
        except TaskFailed as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            record(i, Row(inp.label, model, CRASHED if e.crashed else FAILED, error=msg))
        except Exception as e:  # an unexpected answer must not stop the batch either
            iid = incident.record(f"batch input {inp.label}: {type(e).__name__}", e, logger=log)
            record(i, Row(inp.label, model, FAILED, error=incident.message("answering", iid)))

    with progress:
        try:
            while todo or in_flight:
                while todo and len(in_flight) < limit:
                    i = todo.popleft()
                    inp = inputs[i]
                    try:
                        req = load_request(inp.path, fmt)
                    except InvalidInput as e:
                        record(
                            i,
                            Row(inp.label, _model_of(None, fmt), INVALID, error=_problems_text(e)),
                        )
                        continue
                    except Exception as e:  # a format reader's bug: this input fails, not the batch
                        what = f"batch input {inp.label}: loading raised {type(e).__name__}"
                        iid = incident.record(what, e, logger=log)
                        msg = incident.message("loading the input", iid)
                        record(i, Row(inp.label, _model_of(None, fmt), FAILED, error=msg))
                        continue
                    requests[i] = {"model": req.get("model")}
                    try:
                        in_flight[executor.submit(req, options)] = i
                    except Exception as e:  # e.g. the request cannot be sent to the cluster
                        model = _model_of(requests.pop(i), fmt)
                        what = f"batch input {inp.label}: submitting raised {type(e).__name__}"
                        iid = incident.record(what, e, logger=log)
                        msg = incident.message("submitting the solve", iid)
                        record(i, Row(inp.label, model, FAILED, error=msg))
                if not in_flight:
                    continue
                done, _ = wait(list(in_flight), timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    finish(in_flight.pop(fut), fut)
        except KeyboardInterrupt:
            interrupted = True
            for fut, i in list(in_flight.items()):
                if fut.done():
                    finish(i, fut)
                else:
                    fut.cancel()
                    rows[i] = Row(
                        inputs[i].label,
                        _model_of(requests.get(i), fmt),
                        CANCELLED,
                        error="interrupted before it finished",
                    )
            in_flight.clear()
            for i in todo:
                rows[i] = Row(
                    inputs[i].label,
                    _model_of(None, fmt),
                    CANCELLED,
                    error="interrupted before it started",
                )
            todo.clear()
    final = [r for r in rows if r is not None]
    write_summary(outdir, final)
    for r in final:
        if r.status == CANCELLED:
            counts[CANCELLED] += 1
    return BatchReport(final, round(time.monotonic() - t0, 3), interrupted, counts)


def mean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return sum(xs) / len(xs) if xs else None
