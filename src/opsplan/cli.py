"""The `opsplan` command: a thin shell over opsplan.solve().

Exit codes: 0 an answer was produced (infeasible included), 2 invalid input (each problem
named), 1 otherwise (the checker rejected the plan, an internal error, no solution in time).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import __version__, cli_files
from .api.serve import serve
from .batch.cli import batch
from .cli_progress import SolveProgress
from .core import registry
from .core.errors import InvalidInput, Problem
from .core.incident import configure_cli as configure_cli_logging
from .core.result import SolveResult
from .core.solve import request_schema, result_schema
from .core.solve import solve as solve_request
from .core.solve import validate as validate_request
from .io.load import load_request, read_json
from .io.text import fmt_value, print_invalid
from .scheduling.replan import previous_from_result

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


# scheduling against a previous plan: one line of its own in the summary
_MOVES = ("moved_operations", "moved_machine", "total_shift", "max_shift", "new_operations")


def print_summary(res: SolveResult, source: str = "") -> None:
    colour = {"optimal": "green", "feasible": "yellow", "infeasible": "magenta"}.get(
        res.status.value, "red"
    )
    gap = f"{res.gap:.2%}" if res.gap is not None else "-"
    out.print(
        f"[bold]{source}[/] model={res.model} status=[{colour}]{res.status.value}[/] "
        f"objective={fmt_value(res.objective)} bound={fmt_value(res.bound)} gap={gap} "
        f"time={res.runtime_s:.2f}s",
        highlight=False,
    )
    scalars = {
        k: v
        for k, v in res.kpis.items()
        if k not in _MOVES
        and (
            isinstance(v, int | float | str)
            or (isinstance(v, list) and len(v) <= 8 and all(isinstance(x, str | int) for x in v))
        )
    }
    if scalars:
        t = Table(show_header=False, box=None, pad_edge=False)
        for k, v in list(scalars.items())[:12]:
            t.add_row(f"  {k}", fmt_value(v))
        out.print(t)
    if all(k in res.kpis for k in _MOVES):
        mv = res.kpis
        out.print(
            f"  against the previous plan: {mv['moved_operations']} operation(s) moved "
            f"({mv['moved_machine']} to another machine), start shifts {mv['total_shift']} in "
            f"all and {mv['max_shift']} at most; {mv['new_operations']} new operation(s)",
            highlight=False,
        )
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
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            help="Replanning (scheduling): a former result JSON (`opsplan solve -o r.json`); "
            "its plan becomes the instance's `previous` (replacing one the instance has). Add "
            "the `stability` objective term to move as little as possible from it.",
        ),
    ] = None,
    freeze_until: Annotated[
        int | None,
        typer.Option(
            "--freeze-until",
            min=0,
            help="With a previous plan: operations it starts before this time (time units "
            "from time 0) keep their machine and start.",
        ),
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
            cli_files.check_writable(output)  # a bad -o is reported before the solve
        positions: list[int] = []  # of the previous plan's rows in the --previous file

        def amend(r: dict[str, Any]) -> None:
            positions.extend(_attach_previous(r, previous, freeze_until))

        try:
            req = load_request(path, fmt, amend)
            with SolveProgress(err) as shown:  # on a terminal, after a second
                res = solve_request(req, overrides, on_progress=shown.on_progress)
        except InvalidInput as e:
            raise InvalidInput(_name_previous(e.problems, previous, positions)) from None
    except InvalidInput as e:
        print_invalid(err, e)
        raise typer.Exit(EXIT_INVALID) from None
    print_summary(res, path.name)
    code = EXIT_OK if res.status.is_answer else EXIT_FAIL
    if output is not None:
        try:
            written = cli_files.write_output(res, output, req)
        except Exception as e:  # checked before the solve, yet it failed: keep the plan anyway
            code = EXIT_FAIL
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            err.print(f"cannot write {output}: {reason}", highlight=False, markup=False)
            kept = cli_files.keep_result(res)
            if kept:
                err.print(f"the result is kept in {kept}", highlight=False, markup=False)
            else:
                err.print("the result follows on stdout", highlight=False)
                sys.stdout.write(res.to_json() + "\n")
        else:
            out.print(f"  {written} written", highlight=False)
    # an answer (a plan, or a proof that there is none) exits 0, as a batch counts it ok and
    # a service job succeeds; no_solution, unbounded and error exit 1 (and an output that
    # could not be written)
    raise typer.Exit(code)


def _attach_previous(
    req: dict[str, Any], previous: Path | None, freeze_until: int | None
) -> list[int]:
    """Put --previous (a former result's plan) and --freeze-until into the request's instance,
    saying what changes. Answers each previous row's position in the result file."""
    if previous is None and freeze_until is None:
        return []
    opt = "--previous" if previous is not None else "--freeze-until"
    if req.get("model") != "scheduling":
        raise InvalidInput(
            [
                Problem(
                    where=opt,
                    message=f"replanning is for model scheduling, not {req.get('model')!r}",
                )
            ]
        )
    inst = req.get("instance")
    if not isinstance(inst, dict):
        return []  # the pipeline names the problem
    positions: list[int] = []
    notes: list[str] = []
    if previous is not None:
        rows, positions, notes = previous_from_result(
            read_json(previous), inst, f"--previous {previous}"
        )
        if inst.get("previous") is not None:
            notes.insert(0, f"--previous {previous.name} replaces the instance's own previous plan")
        inst["previous"] = {"operations": rows}
        kinds = [
            t.get("kind")
            for t in (inst.get("objective") or {}).get("terms") or []
            if isinstance(t, dict)
        ]
        if "stability" not in kinds:
            notes.append(
                "the objective has no `stability` term: the frozen part is kept, the rest may "
                'move freely (add {"kind": "stability"} to the objective terms to move little)'
            )
    if freeze_until is not None:
        prev = inst.get("previous")
        if not isinstance(prev, dict):
            raise InvalidInput(
                [
                    Problem(
                        where="--freeze-until",
                        message="needs a previous plan: give --previous result.json, or "
                        "`previous` in the instance",
                    )
                ]
            )
        if previous is None and prev.get("freeze_until") is not None:
            notes.append(
                f"--freeze-until {freeze_until} replaces the instance's freeze_until "
                f"{prev['freeze_until']}"
            )
        prev["freeze_until"] = freeze_until
    for n in notes:
        out.print(f"  {n}", highlight=False, markup=False)
    return positions


def _name_previous(
    problems: list[Problem], previous: Path | None, positions: list[int]
) -> list[Problem]:
    """Problems of rows that came from --previous, named by the row of the result file."""
    if previous is None:
        return problems
    head = "instance.previous.operations["
    named = []
    for p in problems:
        k, _, rest = p.where.removeprefix(head).partition("]")
        if p.where.startswith(head) and k.isdigit() and int(k) < len(positions):
            where = f"--previous {previous}: solution.operations[{positions[int(k)]}]{rest}"
            p = Problem(where=where, message=p.message)
        named.append(p)
    return named


@app.command()
def validate(path: Annotated[Path, typer.Argument()], fmt: FormatOpt = None) -> None:
    """Report every problem in an instance file, or that it is valid."""
    try:
        problems = validate_request(load_request(path, fmt))
    except InvalidInput as e:
        problems = e.problems
    if problems:
        print_invalid(err, InvalidInput(problems))
        raise typer.Exit(EXIT_INVALID)
    out.print(f"{path.name}: valid", highlight=False)


@app.command()
def schema(
    model: Annotated[str, typer.Argument(help="Model name, see `opsplan models`.")],
    result: Annotated[
        bool,
        typer.Option(
            "--result", help="The schema of the solve result (with the model's plan) instead."
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of a model's solve request, or with --result of its result."""
    try:
        spec = registry.get(model)
    except KeyError:
        err.print(f"unknown model {model!r}; known: {', '.join(registry.names())}")
        raise typer.Exit(EXIT_INVALID) from None
    doc = result_schema(spec) if result else request_schema(spec)
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
    configure_cli_logging()  # one line on stderr; an incident's traceback in the log file
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
