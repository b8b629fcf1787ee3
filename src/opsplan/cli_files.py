"""Planner-file commands: `opsplan template`, `opsplan report`, `opsplan charts`, and the
writers behind `opsplan solve -o` (JSON, .xlsx, a folder of CSV files, an .html report)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .core import registry
from .core.errors import InvalidInput, Problem
from .core.result import SolveResult
from .io.load import load_request, read_json
from .io.text import print_invalid

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

OUTPUT_HELP = (
    "Write the result: x.json (the SolveResult), plan.xlsx (plan, per-machine views, KPIs, "
    "penalties, violations), DIR/ (the same tables as CSV files) or report.html."
)


def _instance(request: dict[str, Any] | None, model: str) -> Any | None:
    if not request or request.get("model") != model:
        return None
    try:
        return registry.get(model).instance_type.model_validate(request["instance"])
    except Exception:  # a request that did not validate has no plan to show anyway
        return None


def output_kind(raw: str) -> str:
    """What `-o` asks for: "xlsx", "html", "json" or "csv" (a folder of CSV files).

    A folder is a name ending in "/" or an existing folder (so `-o plans.v2/` is a folder),
    or a name without a suffix. A single .csv file cannot hold a result's several tables.
    """
    path = Path(raw)
    if raw.endswith(("/", "\\")) or path.is_dir():
        return "csv"
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raise InvalidInput(
            [
                Problem(
                    where="-o",
                    message=f"{raw}: a result has several tables; give a folder for the CSV "
                    f"files ({path.with_suffix('').as_posix()}/) or a workbook (.xlsx)",
                )
            ]
        )
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".html", ".htm"):
        return "html"
    return "json" if suffix else "csv"


def check_writable(raw: str) -> str:
    """What `-o` asks for (output_kind), once it is known that it can be written: before a solve,
    so that a plan is never computed only to be lost. Changes nothing on disk.

    The target must not be a folder where a file is meant (or a file where a folder is), and the
    nearest folder that exists on its way must be one where a file can be created (tried with a
    temporary file, removed at once: permission bits do not tell for root or for /proc).
    """
    kind = output_kind(raw)
    path = Path(raw)

    def refuse(why: str) -> InvalidInput:
        return InvalidInput([Problem(where="-o", message=f"cannot write {raw}: {why}")])

    if kind == "csv" and path.exists() and not path.is_dir():
        raise refuse("it is a file, and CSV results need a folder")
    if path.exists() and not path.is_dir() and not os.access(path, os.W_OK):
        raise refuse("the file is read-only")
    folder = path if kind == "csv" else path.parent
    folder = folder if str(folder) else Path(".")
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise refuse(f"{folder} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise refuse(f"cannot create files in {folder}: {e.strerror or e}") from None
    return kind


def keep_result(res: SolveResult) -> str:
    """The result JSON in a new file of the temporary folder, when -o could not be written;
    answers its path (or "" when even that failed)."""
    try:
        fd, name = tempfile.mkstemp(prefix="opsplan-result-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(res.to_json())
    except OSError:
        return ""
    return name


def write_output(res: SolveResult, raw: str, request: dict[str, Any] | None = None) -> str:
    """Write a result where `raw` (the -o value) says; returns what was written."""
    from .io import write_tables

    instance = _instance(request, res.model)
    path = Path(raw)
    kind = output_kind(raw)
    if kind == "xlsx":
        sheets = write_tables.write_result_workbook(res, path, instance)
        return f"workbook {path} ({len(sheets)} sheets)"
    if kind == "html":
        from .io.report import write_report

        write_report(res, path, instance)
        return f"report {path}"
    if kind == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(res.to_json(), encoding="utf-8")
        return f"result {path}"
    files = write_tables.write_result_csv(res, path, instance)
    return f"{len(files)} CSV files in {path}/"


def _fail(e: InvalidInput) -> None:
    print_invalid(err, e)
    raise typer.Exit(2)


def template(
    model: Annotated[str, typer.Argument(help="Model name, see `opsplan models`.")],
    output: Annotated[
        str, typer.Option("-o", "--output", help="FILE.xlsx, or DIR/ for CSV files.")
    ],
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Fill the tables from this request (JSON, benchmark file, .xlsx) "
            "instead of the example.",
        ),
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="Format of --from.")] = None,
) -> None:
    """Write an input workbook (or CSV folder) for a model, every column described.

    The rows are an example, or those of --from (this converts a JSON instance to Excel).
    """
    from .io import templates

    try:
        instance = None
        if source is not None:
            req = load_request(source, fmt)
            if req.get("model") != model:
                raise InvalidInput(
                    [Problem(where=str(source), message=f"is a {req.get('model')!r} request")]
                )
            instance = req.get("instance")
        kind = output_kind(output)
        if kind == "xlsx":
            sheets = templates.write_template(model, Path(output), instance)
            out.print(f"template {output}: sheets {', '.join(sheets)}", highlight=False)
        elif kind == "csv":
            files = templates.write_template_csv(model, Path(output), instance)
            out.print(f"template: {len(files)} CSV files in {output}/", highlight=False)
        else:
            raise InvalidInput(
                [Problem(where="-o", message=f"{output}: give FILE.xlsx, or DIR/ for CSV files")]
            )
    except InvalidInput as e:
        _fail(e)


def _load_result(path: Path) -> SolveResult:
    doc = read_json(path)
    try:
        return SolveResult.model_validate(doc)
    except Exception as e:
        raise InvalidInput(
            [Problem(where=str(path), message=f"not an opsplan result (SolveResult): {e}")]
        ) from None


InstanceOpt = Annotated[
    Path | None,
    typer.Option(
        "--instance",
        "-i",
        help="The request that was solved (JSON, .xlsx or CSV folder): adds unavailable "
        "periods and names to charts and tables.",
    ),
]


def report(
    result: Annotated[Path, typer.Argument(help="A result JSON written by `opsplan solve -o`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="report.html")] = Path(
        "report.html"
    ),
    instance: InstanceOpt = None,
    title: Annotated[str | None, typer.Option("--title")] = None,
) -> None:
    """Write one self-contained HTML report (KPIs, charts, tables) that works offline."""
    from .io.report import write_report

    try:
        res = _load_result(result)
        req = load_request(instance) if instance is not None else None
        write_report(res, output, _instance(req, res.model), title)
    except InvalidInput as e:
        _fail(e)
    out.print(f"report {output}", highlight=False)


def charts(
    result: Annotated[Path, typer.Argument(help="A result JSON written by `opsplan solve -o`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the charts.")],
    instance: InstanceOpt = None,
) -> None:
    """Write each chart of a result as NAME.png and as interactive NAME.html (offline)."""
    from .io.charts import render_html, render_png

    try:
        res = _load_result(result)
        req = load_request(instance) if instance is not None else None
    except InvalidInput as e:
        _fail(e)
    spec = registry.get(res.model)
    inst = _instance(req, res.model)
    found = spec.tables.charts(res, inst) if spec.tables and res.solution else []
    if not found:
        err.print("this result has no charts (no plan, or the model has none)")
        raise typer.Exit(1)
    for ch in found:
        render_png(ch, output / f"{ch.name}.png")
        render_html(ch, output / f"{ch.name}.html")
        out.print(f"  {output / ch.name}.png, .html", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(template)
    app.command()(report)
    app.command()(charts)
