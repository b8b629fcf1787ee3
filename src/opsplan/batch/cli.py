"""`opsplan batch INPUTS... -o OUTDIR`: solve folders of instance files, locally or on Dask."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from ..core import registry
from ..core.errors import problems_from_validation
from ..core.options import SolveOptions
from ..io.text import fmt_value
from ..runtime import (
    SolveExecutor,
    TaskFailed,
    available_cores,
    make_executor,
    oversubscription,
)
from .inputs import discover
from .runner import CANCELLED, BatchReport, mean, run_batch

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
MAX_TABLE_ROWS = 40


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def choose_parallelism(
    cores: int, n_inputs: int, parallel: int | None, per_solve: int | None
) -> tuple[int, int]:
    """(solves at a time, solver workers per solve): fill `cores` without oversubscribing.

    Neither given: as many solves as cores (at most one per input), the cores shared out among
    them. One given: the other fills the cores. Both given: taken as they are.
    """
    cores = max(1, cores)
    if parallel is None and per_solve is None:
        parallel = max(1, min(cores, n_inputs))
    if parallel is None:
        assert per_solve is not None
        parallel = max(1, min(cores // per_solve, max(1, n_inputs)))
    if per_solve is None:
        per_solve = max(1, cores // parallel)
    return parallel, per_solve


def print_report(out: Console, report: BatchReport, outdir: Path) -> None:
    rows = report.rows
    shown = rows if len(rows) <= MAX_TABLE_ROWS else [r for r in rows if not r.ok]
    if shown:
        t = Table()
        t.add_column("input", overflow="fold")
        for name in ("model", "status", "objective", "bound", "gap", "time s"):
            t.add_column(name)
        t.add_column("error", overflow="fold")
        colour = {"optimal": "green", "feasible": "yellow", "infeasible": "magenta"}
        for r in shown[:MAX_TABLE_ROWS]:
            t.add_row(
                r.input,
                r.model or "-",
                f"[{colour.get(r.status, 'red')}]{r.status}[/]"
                + (" (resumed)" if r.resumed else ""),
                fmt_value(r.objective),
                fmt_value(r.bound),
                "-" if r.gap is None else f"{r.gap:.2%}",
                "-" if r.runtime_s is None else f"{r.runtime_s:.2f}",
                r.error[:120],
            )
        out.print(t)
        if len(shown) < len(rows) or len(shown) > MAX_TABLE_ROWS:
            out.print(
                f"(the table shows {min(len(shown), MAX_TABLE_ROWS)} of {len(rows)} inputs; "
                f"all are in {outdir / 'summary.csv'})",
                highlight=False,
            )
    by_status: dict[str, int] = {}
    for r in rows:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    gaps = mean([r.gap for r in rows if r.gap is not None])
    out.print(
        f"{len(rows)} inputs: "
        + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        + (f"; mean gap {gaps:.2%}" if gaps is not None else "")
        + f"; {sum(r.resumed for r in rows)} resumed; wall {report.wall_s:.1f} s",
        highlight=False,
    )
    out.print(f"results in {outdir}, summary in {outdir / 'summary.csv'}", highlight=False)


def batch(
    inputs: Annotated[
        list[str], typer.Argument(help="Instance files, folders or globs (any mix of models).")
    ],
    outdir: Annotated[Path, typer.Option("-o", "--outdir", help="Folder for the results.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Format of every input: json (default) or jssp, fjsp, ..."
        ),
    ] = None,
    parallel: Annotated[
        int | None,
        typer.Option("--parallel", "-n", min=1, help="Solves at a time (default: fill the cores)."),
    ] = None,
    per_solve: Annotated[
        int | None,
        typer.Option("--workers-per-solve", "-k", min=1, help="Solver workers of each solve."),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", "-t", help="Seconds per solve.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Skip inputs whose result is already in OUTDIR.")
    ] = False,
) -> None:
    """Solve many instance files: results to OUTDIR, a summary.csv, exit 1 if any failed."""
    out = Console(soft_wrap=True)
    if not out.is_terminal:  # a log file or a pipe: room for the paths and errors
        out = Console(soft_wrap=True, width=160)
    err = Console(stderr=True, soft_wrap=True)
    if fmt is not None and fmt != "json" and registry.find_format(fmt) is None:
        known = sorted({f for s in registry.all_specs() for f in s.formats} | {"json"})
        err.print(f"unknown format {fmt!r}; known: {', '.join(known)}", highlight=False)
        raise typer.Exit(EXIT_USAGE)
    overrides: dict[str, Any] = {"time_limit_s": time_limit, "seed": seed, "workers": per_solve}
    try:  # a bad option is one usage error, not one invalid row per input
        SolveOptions.model_validate({k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        for p in problems_from_validation(e, "options"):
            err.print(f"invalid option: {p}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    found, warnings = discover(inputs, fmt, outdir)
    for w in warnings:
        err.print(f"[yellow]warning[/]: {w}", highlight=False)
    if not found:
        err.print("no inputs to solve", highlight=False)
        raise typer.Exit(EXIT_USAGE)

    executor: SolveExecutor
    if scheduler:
        try:
            executor = make_executor(scheduler, None)
        except ImportError:
            err.print('--scheduler needs Dask distributed: pip install "opsplan[dask]"')
            raise typer.Exit(EXIT_USAGE) from None
        except (TaskFailed, OSError) as e:
            err.print(f"cannot use the Dask scheduler {scheduler}: {e}", highlight=False)
            raise typer.Exit(EXIT_USAGE) from None
        by_host = executor.cores_by_host()
        cores_per_thread = min(c // max(1, t) for t, c in by_host.values())
        n = parallel or executor.capacity
        k = per_solve or max(1, cores_per_thread)
        # --parallel caps the solves at a time exactly; by default the cluster's threads do, and
        # as many again wait on the scheduler so that no worker waits for a round trip
        max_in_flight = n if parallel else 2 * n
    else:
        n, k = choose_parallelism(available_cores(), len(found), parallel, per_solve)
        by_host = {"this machine": (n, available_cores())}
        executor = make_executor(None, n)
        max_in_flight = n + 1  # one queued, so a worker never waits for the next file to load
    for w in oversubscription(by_host, k):
        err.print(f"[yellow]warning[/]: {w}", highlight=False)

    options: dict[str, Any] = {"workers": k}
    if time_limit is not None:
        options["time_limit_s"] = time_limit
    if seed is not None:
        options["seed"] = seed
    where = f"Dask scheduler {scheduler}" if scheduler else "local processes"
    err.print(
        f"{len(found)} inputs, {n} solves at a time x {k} solver workers each, on {where}",
        highlight=False,
    )
    report = None
    # SIGTERM (a scheduler or service manager stopping the batch) stops it as Ctrl-C does
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = run_batch(
            found,
            outdir,
            executor,
            fmt=fmt,
            options=options,
            resume=resume,
            max_in_flight=max_in_flight,
            console=err,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
        executor.close(cancel_pending=report is None or report.interrupted)
    print_report(out, report, outdir)
    if report.interrupted:
        n_cancelled = sum(r.status == CANCELLED for r in report.rows)
        err.print(
            f"interrupted: {n_cancelled} inputs not solved; finished results kept "
            f"(run again with --resume)",
            highlight=False,
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    raise typer.Exit(EXIT_FAIL if report.failed else EXIT_OK)
