"""The `opsplan` command: a thin shell over opsplan.solve().

Exit codes: 0 an answer was produced (infeasible included), 2 invalid input (each problem
named), 1 otherwise (the checker rejected the plan, an internal error, no solution in time).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import __version__, cli_files
from .api.serve import serve
from .batch.cli import batch
from .core import registry
from .core.errors import InvalidInput
from .core.result import SolveResult
from .core.solve import request_schema
from .core.solve import solve as solve_request
from .core.solve import validate as validate_request
from .core.status import SolveStatus
from .io.load import load_request

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="opsplan: optimal plans for operations, with checked results.",
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

EXIT_OK, EXIT_FAIL, EXIT_INVALID = 0, 1, 2

FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="Input format: json (default) or a benchmark format (jssp, fjsp)."
    ),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"opsplan {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    pass


def _report_invalid(e: InvalidInput) -> None:
    err.print(f"[bold red]invalid input[/]: {len(e.problems)} problem(s)", highlight=False)
    for p in e.problems:
        err.print(f"  - {p}", highlight=False, markup=False)


def _fmt(x: float | str | None, digits: int = 4) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:.{digits}g}" if isinstance(x, float) and not x.is_integer() else f"{x:g}"


def print_summary(res: SolveResult, source: str = "") -> None:
    colour = {"optimal": "green", "feasible": "yellow", "infeasible": "magenta"}.get(
        res.status.value, "red"
    )
    gap = f"{res.gap:.2%}" if res.gap is not None else "-"
    out.print(
        f"[bold]{source}[/] model={res.model} status=[{colour}]{res.status.value}[/] "
        f"objective={_fmt(res.objective)} bound={_fmt(res.bound)} gap={gap} "
        f"time={res.runtime_s:.2f}s",
        highlight=False,
    )
    scalars = {
        k: v
        for k, v in res.kpis.items()
        if isinstance(v, int | float | str)
        or (isinstance(v, list) and len(v) <= 8 and all(isinstance(x, str | int) for x in v))
    }
    if scalars:
        t = Table(show_header=False, box=None, pad_edge=False)
        for k, v in list(scalars.items())[:12]:
            t.add_row(f"  {k}", ", ".join(map(str, v)) if isinstance(v, list) else _fmt(v))
        out.print(t)
    for f in res.diagnosis:
        out.print(f"  [magenta]diagnosis[/] {f.rule}: {f.message}", highlight=False)
    for f in res.violations[:20]:
        out.print(f"  [red]violation[/] {f.rule}: {f.message}", highlight=False)
    for m in res.messages:
        if not m.startswith(("#", " ")):  # solver log lines stay in the JSON only
            out.print(f"  {m}", highlight=False, markup=False)


@app.command()
def solve(
    path: Annotated[
        Path,
        typer.Argument(
            help="Instance: a JSON solve request, an Excel workbook (.xlsx), a folder of CSV "
            "files, or a benchmark file with --format."
        ),
    ],
    fmt: FormatOpt = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", "-t", help="Seconds.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w")] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    backend: Annotated[str | None, typer.Option("--backend")] = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Skip the independent checker.")
    ] = False,
    log: Annotated[bool, typer.Option("--log", help="Capture the solver log.")] = False,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help=cli_files.OUTPUT_HELP)
    ] = None,
) -> None:
    """Solve an instance and print a summary."""
    overrides: dict[str, Any] = {
        "time_limit_s": time_limit,
        "workers": workers,
        "seed": seed,
        "backend": backend,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if no_verify:
        overrides["verify"] = False
    if log:
        overrides["log"] = True
    try:
        if output is not None:
            cli_files.output_kind(output)  # a bad -o is reported before the solve
        req = load_request(path, fmt)
        res = solve_request(req, overrides)
    except InvalidInput as e:
        _report_invalid(e)
        raise typer.Exit(EXIT_INVALID) from None
    print_summary(res, path.name)
    if output is not None:
        written = cli_files.write_output(res, output, req)
        out.print(f"  {written} written", highlight=False)
    ok = res.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAIL)


@app.command()
def validate(path: Annotated[Path, typer.Argument()], fmt: FormatOpt = None) -> None:
    """Report every problem in an instance file, or that it is valid."""
    try:
        problems = validate_request(load_request(path, fmt))
    except InvalidInput as e:
        problems = e.problems
    if problems:
        _report_invalid(InvalidInput(problems))
        raise typer.Exit(EXIT_INVALID)
    out.print(f"{path.name}: valid", highlight=False)


@app.command()
def schema(model: Annotated[str, typer.Argument(help="Model name, see `opsplan models`.")]) -> None:
    """Print the JSON Schema of a model's solve request."""
    try:
        spec = registry.get(model)
    except KeyError:
        err.print(f"unknown model {model!r}; known: {', '.join(registry.names())}")
        raise typer.Exit(EXIT_INVALID) from None
    doc = request_schema(spec)
    sys.stdout.write(json.dumps(doc, indent=2) + "\n")


@app.command()
def models() -> None:
    """List the model families."""
    t = Table("model", "backends", "formats", "description")
    for s in registry.all_specs():
        t.add_row(s.name, ", ".join(s.backends), ", ".join(s.formats) or "-", s.description)
    out.print(t)


cli_files.register(app)  # template, report, charts (planner files)
app.command()(serve)  # the HTTP service; FastAPI is imported only when it runs
app.command("batch")(batch)  # batch runs, locally or on a Dask cluster


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
