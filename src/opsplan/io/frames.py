"""Planner files for every family: templates, Excel/CSV instances in, result tables out.

A family declares its tables once (`core.tables.TablesAdapter` on its ModelSpec); this module
does the rest. Every problem in an input file is reported at once, each naming the sheet (or
CSV file), the row and the column.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import registry
from ..core.errors import InvalidInput, Problem
from ..core.result import SolveResult
from ..core.tables import Built, Column, Located, Origin, Rows, Table, TablesAdapter

SETTING, VALUE = "setting", "value"
# solve options a settings sheet may give (validated as options; the command line wins)
OPTION_ROWS = {
    "time_limit_s": "Solve option: wall-clock limit for the solve, seconds (default 30).",
    "workers": "Solve option: solver threads (default 2).",
    "relative_gap": "Solve option: stop when the gap is at most this, e.g. 0.01 (default 0).",
}
README = "README"
MODEL_KEY = "model"  # a settings row (or README cell) naming the model family


# ---------------------------------------------------------------- the adapter of a model


def adapter(model: str) -> TablesAdapter:
    try:
        spec = registry.get(model)
    except KeyError:
        known = ", ".join(registry.names())
        raise InvalidInput(
            [Problem(where="model", message=f"unknown model {model!r}; known: {known}")]
        ) from None
    if spec.tables is None:
        raise InvalidInput(
            [Problem(where="model", message=f"model {model!r} has no Excel/CSV tables yet")]
        )
    return spec.tables


# ---------------------------------------------------------------- cell values


def _blank(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NaT:
        return True
    return isinstance(v, str) and v.strip() == ""


def _num_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def convert(value: Any, col: Column) -> Any:
    """A cell (from Excel, CSV text or a DataFrame) -> the column's type; ValueError if not."""
    if _blank(value):
        return None
    t = col.type
    if isinstance(value, str):
        value = value.strip()
    if t == "str":
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int | float):
            return _num_text(value)
        if isinstance(value, datetime | date | time):
            return value.isoformat()
        return str(value)
    if t == "int":
        if isinstance(value, bool):
            raise ValueError("expected a whole number, got a true/false value")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.0*)?", value):
            return int(float(value))
        raise ValueError(f"expected a whole number, got {value!r}")
    if t == "time":
        if isinstance(value, datetime | date | pd.Timestamp) or (
            isinstance(value, str) and not re.fullmatch(r"[+-]?\d+(\.0*)?", value)
        ):
            try:
                return convert(value, Column(col.name, "datetime", ""))
            except ValueError:
                raise ValueError(
                    f"expected a whole number or a date and time, got {value!r}"
                ) from None
        return convert(value, Column(col.name, "int", ""))
    if t == "float":
        if isinstance(value, bool):
            raise ValueError("expected a number, got a true/false value")
        if isinstance(value, int | float):
            return float(value)
        try:
            x = float(str(value))
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
        if not math.isfinite(x):
            raise ValueError(f"expected a finite number, got {value!r}")
        return x
    if t == "bool":
        if isinstance(value, bool):
            return value
        s = str(value).strip().lower()
        if s in ("true", "yes", "y", "1", "1.0", "x"):
            return True
        if s in ("false", "no", "n", "0", "0.0"):
            return False
        raise ValueError(f"expected yes or no, got {value!r}")
    if t == "datetime":
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(
                f"expected a date and time such as 2026-11-30 06:00, got {value!r}"
            ) from None
    if t == "list":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [_num_text(value)]
        parts = [p.strip() for p in re.split(r"[,;]", str(value))]
        return [p for p in parts if p]
    raise ValueError(f"unknown column type {t}")  # pragma: no cover - a declaration bug


def export_cell(v: Any, col: Column | None = None) -> Any:
    """A value -> what a cell holds (lists as comma-separated text)."""
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return v


# ---------------------------------------------------------------- raw sheets


class RawTable:
    """A sheet as read: header names and rows (row number, column -> cell)."""

    def __init__(self, header: list[str], rows: list[tuple[int, dict[str, Any]]]):
        self.header = header
        self.rows = rows


class Source:
    """Where tables came from, to name them in problems: a workbook's sheets or CSV files."""

    def __init__(self, kind: str, tables: dict[str, RawTable], label: str = ""):
        self.kind = kind  # "sheet" | "csv" | "frame"
        self.tables = tables
        self.label = label

    def name(self, table: str) -> str:
        if self.kind == "csv":
            return f"file {table}.csv"
        if self.kind == "frame":
            return f"table {table!r}"
        return f"sheet {table!r}"

    def where(self, table: str, row: int | None = None, column: str | None = None) -> str:
        out = self.name(table)
        if row is not None:
            out += f", row {row}"
        if column is not None:
            out += f", column {column!r}"
        return out


def _header(cells: Iterable[Any]) -> list[str]:
    out = []
    for c in cells:
        out.append("" if _blank(c) else str(c).strip())
    while out and out[-1] == "":
        out.pop()
    return out


def _rows_from(header: list[str], data: Iterable[tuple[int, list[Any]]]) -> RawTable:
    rows = []
    for n, cells in data:
        rec = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h}
        if all(_blank(v) for v in rec.values()):
            continue  # empty rows are allowed anywhere
        rows.append((n, rec))
    return RawTable(header, rows)


def read_workbook(path: Path) -> Source:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise InvalidInput(
            [Problem(where=str(path), message=f"cannot read the workbook: {e}")]
        ) from None
    tables: dict[str, RawTable] = {}
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            first = next(it, None)
            header = _header(first or [])
            tables[ws.title.strip()] = _rows_from(
                header, ((n, list(r)) for n, r in enumerate(it, start=2))
            )
    finally:
        wb.close()
    return Source("sheet", tables, str(path))


def read_csv_folder(path: Path) -> Source:
    tables: dict[str, RawTable] = {}
    problems = []
    for f in sorted(path.glob("*.csv")):
        try:
            # utf-8-sig: Excel writes a byte order mark in "CSV UTF-8" files
            with f.open(encoding="utf-8-sig", newline="") as fh:
                lines = list(csv.reader(fh))
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            problems.append(Problem(where=str(f), message=f"cannot read the CSV file: {e}"))
            continue
        header = _header(lines[0] if lines else [])
        tables[f.stem.strip()] = _rows_from(
            header, ((n, list(r)) for n, r in enumerate(lines[1:], start=2))
        )
    if problems:
        raise InvalidInput(problems)
    return Source("csv", tables, str(path))


def source_from_frames(frames: Mapping[str, pd.DataFrame]) -> Source:
    tables = {}
    for name, df in frames.items():
        header = [str(c) for c in df.columns]
        data = ((i + 2, list(r)) for i, r in enumerate(df.itertuples(index=False, name=None)))
        tables[str(name)] = _rows_from(header, data)
    return Source("frame", tables)


# ---------------------------------------------------------------- raw -> typed rows


def _settings_rows(t: Table, raw: RawTable, src: Source, problems: list[Problem]) -> Rows:
    for h in (SETTING, VALUE):
        if h not in raw.header:
            problems.append(Problem(where=src.where(t.name, 1, h), message="missing column"))
    if problems and any(p.where.startswith(src.name(t.name)) for p in problems):
        return []
    rec: dict[str, Any] = {"_row": None, "_rows": {}, "_options": {}}
    for n, cells in raw.rows:
        key = cells.get(SETTING)
        if _blank(key):
            problems.append(Problem(where=src.where(t.name, n, SETTING), message="missing value"))
            continue
        key = str(key).strip()
        if key == MODEL_KEY:
            continue
        col = t.column(key)
        if col is None and key in OPTION_ROWS:  # a solve option (time_limit_s, workers, ...)
            if not _blank(cells.get(VALUE)):
                rec["_options"][key] = (cells.get(VALUE), n)
            continue
        if col is None:
            known = ", ".join([*(c.name for c in t.columns), *OPTION_ROWS])
            problems.append(
                Problem(
                    where=src.where(t.name, n, SETTING),
                    message=f"unknown setting {key!r}; known: {known}",
                )
            )
            continue
        try:
            rec[key] = convert(cells.get(VALUE), col)
        except ValueError as e:
            problems.append(Problem(where=src.where(t.name, n, VALUE), message=str(e)))
            continue
        rec["_rows"][key] = n
    for c in t.columns:
        if c.required and rec.get(c.name) is None:
            problems.append(
                Problem(where=src.where(t.name), message=f"setting {c.name!r} needs a value")
            )
    return [rec]


def typed_tables(ad: TablesAdapter, src: Source) -> dict[str, Rows]:
    """Check and convert every declared table; raise InvalidInput with every problem found."""
    problems: list[Problem] = []
    out: dict[str, Rows] = {}
    by_lower = {k.lower(): k for k in src.tables}
    for t in ad.inputs:
        key = t.name if t.name in src.tables else by_lower.get(t.name.lower())
        if key is None:
            if t.required:
                what = "CSV file" if src.kind == "csv" else "sheet"
                expected = ", ".join(x.name for x in ad.inputs)
                problems.append(
                    Problem(
                        where=src.name(t.name),
                        message=f"missing {what} (expected: {expected})",
                    )
                )
            out[t.name] = []
            continue
        raw = src.tables[key]
        # headers match whatever their case and surrounding spaces ("Duration " is duration)
        canon = {c.name.lower(): c.name for c in t.columns}
        if any(canon.get(h.lower(), h) != h for h in raw.header):
            ren = {h: canon.get(h.lower(), h) for h in raw.header}
            raw = RawTable(
                [ren[h] for h in raw.header],
                [(n, {ren.get(h, h): v for h, v in cells.items()}) for n, cells in raw.rows],
            )
        if t.layout == "settings":
            out[t.name] = _settings_rows(t, raw, src, problems)
            continue
        known = {c.name for c in t.columns}
        for h in sorted({h for h in raw.header if h and raw.header.count(h) > 1}):
            problems.append(Problem(where=src.where(t.name, 1, h), message="column given twice"))
        missing = [c.name for c in t.columns if c.required and c.name not in raw.header]
        for name in missing:
            problems.append(Problem(where=src.where(t.name, 1, name), message="missing column"))
        for h in raw.header:
            if h and h not in known and not h.startswith("#"):
                problems.append(
                    Problem(
                        where=src.where(t.name, 1, h),
                        message=f"unknown column; known: {', '.join(c.name for c in t.columns)} "
                        "(start a header with # for a note column)",
                    )
                )
        rows: Rows = []
        for n, cells in raw.rows:
            rec: dict[str, Any] = {"_row": n}
            for c in t.columns:
                if c.name not in raw.header:
                    rec[c.name] = None
                    continue
                try:
                    rec[c.name] = convert(cells.get(c.name), c)
                except ValueError as e:
                    problems.append(Problem(where=src.where(t.name, n, c.name), message=str(e)))
                    rec[c.name] = None
                    continue
                if c.required and rec[c.name] is None and c.name not in missing:
                    problems.append(
                        Problem(where=src.where(t.name, n, c.name), message="missing value")
                    )
            rows.append(rec)
        if len(rows) < t.min_rows:
            problems.append(
                Problem(
                    where=src.name(t.name),
                    message=f"needs at least {t.min_rows} row{'s' if t.min_rows > 1 else ''}",
                )
            )
        out[t.name] = rows
    if problems:
        raise InvalidInput(problems)
    return out


def _locate(p: Located, src: Source) -> Problem:
    return Problem(where=src.where(p.table, p.row, p.column), message=p.message)


_SEG = re.compile(r"\[\d+\]$")


def remap(problems: Iterable[Problem], built: Built, src: Source) -> list[Problem]:
    """Problems with instance paths (from pydantic and the family's validate) -> sheet/row/col."""
    out = []
    for p in problems:
        path = p.where.removeprefix("instance.").removeprefix("instance")
        if path.startswith("options.") and path not in built.origins:
            out.append(p)
            continue
        best = None
        for prefix, origin in built.origins.items():
            if (
                path == prefix
                or path.startswith(prefix + ".")
                or path.startswith(prefix + "[")
                or prefix == ""
            ) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, origin)
        if best is None:
            out.append(p)
            continue
        prefix, origin = best
        rest = path[len(prefix) :].lstrip(".")
        column = origin.columns.get("") if not rest else None
        if rest:
            parts = rest.split(".")
            for k in range(len(parts), 0, -1):
                key = ".".join(_SEG.sub("", x) for x in parts[:k])
                if key in origin.columns:
                    column = origin.columns[key]
                    break
        where = src.where(origin.table, origin.row, column)
        if rest and column is None:
            where += f" ({rest})"
        out.append(Problem(where=where, message=p.message))
    return out


def _model_of(src: Source, model: str | None) -> str:
    if model:
        return model
    for name in ("settings", README):
        raw = src.tables.get(name)
        if raw is None:
            continue
        for _, cells in raw.rows:
            if str(cells.get(SETTING, "")).strip() == MODEL_KEY and not _blank(cells.get(VALUE)):
                return str(cells[VALUE]).strip()
    names = [s.name for s in registry.all_specs() if s.tables is not None]
    if len(names) == 1:
        return names[0]
    raise InvalidInput(
        [
            Problem(
                where=src.name("settings"),
                message=f"which model? add a row `model` with one of: {', '.join(names)}",
            )
        ]
    )


def request_from_source(
    src: Source,
    model: str | None = None,
    amend: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Tables -> a solve request, validated whole; InvalidInput names sheet, row and column.

    `amend(request)` changes the request before it is validated; problems in the instance
    fields it sets are reported by their field paths (they come from no sheet)."""
    from ..core.solve import validate

    name = _model_of(src, model)
    ad = adapter(name)
    rows = typed_tables(ad, src)
    built = ad.to_instance(rows)
    located = [_locate(p, src) for p in built.problems]
    request: dict[str, Any] = {"model": name, "instance": built.instance}
    for t in ad.inputs:  # solve options given on a settings sheet
        for rec in rows[t.name] if t.layout == "settings" else []:
            for key, (value, n) in rec.get("_options", {}).items():
                request.setdefault("options", {})[key] = value
                built.origins[f"options.{key}"] = Origin(t.name, n, {"": VALUE})
    # rows that could not be joined were left out; the rest is still checked, so that every
    # problem is reported at once (pydantic's field problems hide cross-reference checks)
    amended: set[str] = set()
    if amend is not None:
        before = dict(request["instance"])
        amend(request)
        after = request["instance"]
        amended = {k for k in after if k not in before or after[k] is not before[k]}

    def own(p: Problem) -> bool:
        path = p.where.removeprefix("instance.")
        return any(path == k or path.startswith((k + ".", k + "[")) for k in amended)

    problems = validate(request)
    later = remap([p for p in problems if not own(p)], built, src)
    later += [p for p in problems if own(p)]
    if located or later:
        raise InvalidInput(located + later)
    return request


def load_table_request(
    path: Path,
    model: str | None = None,
    amend: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """An .xlsx workbook or a folder of CSV files -> a validated solve request (`amend`: see
    request_from_source)."""
    src = read_csv_folder(path) if path.is_dir() else read_workbook(path)
    return request_from_source(src, model, amend)


def from_frames(model: str, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """DataFrames per table (as in a template) -> a validated solve request for `model`."""
    return request_from_source(source_from_frames(frames), model)


# ---------------------------------------------------------------- instance -> tables


def instance_tables(model: str, instance: Any) -> dict[str, list[dict[str, Any]]]:
    ad = adapter(model)
    spec = registry.get(model)
    if isinstance(instance, dict):
        instance = spec.instance_type.model_validate(instance)
    return ad.from_instance(instance)


def _frame(t: Table, rows: list[dict[str, Any]]) -> pd.DataFrame:
    if t.layout == "settings":
        rec = rows[0] if rows else {}
        data = [{SETTING: c.name, VALUE: export_cell(rec.get(c.name))} for c in t.columns]
        return pd.DataFrame(data, columns=[SETTING, VALUE])
    cols = [c.name for c in t.columns]
    return pd.DataFrame(
        [{c: export_cell(r.get(c)) for c in cols} for r in rows], columns=cols, dtype=object
    )


def instance_frames(model: str, instance: Any) -> dict[str, pd.DataFrame]:
    """An instance -> DataFrames per input table (the inverse of from_frames)."""
    ad = adapter(model)
    tables = instance_tables(model, instance)
    return {t.name: _frame(t, tables.get(t.name, [])) for t in ad.inputs}


# ---------------------------------------------------------------- results -> tables


def _flat(v: Any) -> Any:
    if isinstance(v, list) and all(isinstance(x, str | int | float) for x in v):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return v


def summary_rows(res: SolveResult) -> list[dict[str, Any]]:
    rows = [
        ("model", res.model, "Model family."),
        ("status", res.status.value, "optimal: proven best; feasible: a limit stopped the search."),
        ("objective", res.objective, "Objective value of the plan (lower is better)."),
        ("bound", res.bound, "Best proven bound: no plan can be better than this."),
        ("gap", res.gap, "(objective - bound) / objective; 0 means proven optimal."),
        ("runtime_s", res.runtime_s, "Wall seconds of the whole solve."),
        ("solver", f"{res.solver.name} {res.solver.version}".strip(), "Solver used."),
        ("violations", len(res.violations), "Rules the checker found broken (0: plan checked)."),
    ]
    return [{"item": k, "value": v, "meaning": m} for k, v, m in rows]


def penalty_rows(penalties: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for rule, v in penalties.items():
        if isinstance(v, dict):
            total = v.get("total")
            detail = {k: x for k, x in v.items() if k != "total"}
            if total is not None or not detail:
                out.append({"rule": rule, "entity": "", "value": _flat(total)})
            for k, x in detail.items():
                if isinstance(x, dict):
                    for e, y in x.items():
                        out.append({"rule": rule, "entity": f"{k} {e}", "value": _flat(y)})
                else:
                    out.append({"rule": rule, "entity": str(k), "value": _flat(x)})
        else:
            out.append({"rule": rule, "entity": "", "value": _flat(v)})
    return out


def finding_rows(findings: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {
            "rule": f.rule,
            "message": f.message,
            "entities": "; ".join(f"{k}={_flat(v)}" for k, v in f.entities.items()),
        }
        for f in findings
    ]


def result_tables(res: SolveResult, instance: Any | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every table of a result, in order: summary, the family's plan tables, KPIs, penalties,
    violations, diagnosis. Generic tables come for every family, with or without an adapter."""
    tables: dict[str, list[dict[str, Any]]] = {"summary": summary_rows(res)}
    spec = None
    with contextlib.suppress(KeyError):
        spec = registry.get(res.model)
    if instance is not None and isinstance(instance, dict) and spec is not None:
        instance = spec.instance_type.model_validate(instance)
    if res.solution is not None and spec is not None and spec.tables is not None:
        tables.update(spec.tables.results(res, instance))
    tables["kpis"] = [{"kpi": k, "value": _flat(v)} for k, v in res.kpis.items()]
    tables["penalties"] = penalty_rows(res.penalties)
    tables["violations"] = finding_rows(res.violations)
    tables["diagnosis"] = finding_rows(res.diagnosis)
    return tables


_COLUMNS = {
    "summary": ["item", "value", "meaning"],
    "kpis": ["kpi", "value"],
    "penalties": ["rule", "entity", "value"],
    "violations": ["rule", "message", "entities"],
    "diagnosis": ["rule", "message", "entities"],
}


def to_frames(res: SolveResult, instance: Any | None = None) -> dict[str, pd.DataFrame]:
    """A result -> pandas DataFrames per table (plan, per-resource views, KPIs, penalties ...).

    `instance` (optional) lets tables show what only the instance knows (unavailable periods).
    """
    out = {}
    for name, rows in result_tables(res, instance).items():
        cols = _COLUMNS.get(name)
        df = pd.DataFrame(rows, columns=cols) if cols else pd.DataFrame(rows)
        out[name] = df
    return out


def _views(res: SolveResult) -> dict[str, str]:
    try:
        spec = registry.get(res.model)
    except KeyError:
        return {}
    return dict(spec.tables.views) if spec.tables is not None else {}


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _BAD_SHEET.sub("_", name).strip("'") or "sheet"
    base = base[:31]
    cand, k = base, 2
    while cand.lower() in used:
        suffix = f" ({k})"
        cand = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(cand.lower())
    return cand


def _safe_file(name: str) -> str:
    return re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip(". ") or "_"


def write_result_workbook(res: SolveResult, path: Path, instance: Any | None = None) -> list[str]:
    """Write the result tables and one sheet per resource view; returns the sheet names."""
    from openpyxl import Workbook

    frames = to_frames(res, instance)
    views = _views(res)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    names = []
    for name, df in frames.items():
        sheet = _sheet_name(name, used)
        _write_sheet(wb.create_sheet(sheet), df)
        names.append(sheet)
        if name in views and views[name] in df.columns:
            col = views[name]
            for value, part in df.groupby(col, sort=False):
                sheet = _sheet_name(f"{col} {value}", used)
                _write_sheet(wb.create_sheet(sheet), part.drop(columns=[col]))
                names.append(sheet)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return names


def _write_sheet(ws: Any, df: pd.DataFrame, comments: Mapping[str, str] | None = None) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        if comments and cell.value in comments:
            cell.comment = Comment(comments[cell.value], "opsplan", width=320, height=120)
    for rec in df.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in rec])
    for i, c in enumerate(df.columns, start=1):
        values = [str(c), *(str(v) for v in df.iloc[:200, i - 1] if not _blank(v))]
        width = min(60, max(8, *(len(v) + 2 for v in values)))
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"


def _cell(v: Any) -> Any:
    if _blank(v):
        return None
    if isinstance(v, list | tuple | dict):
        return export_cell(v)
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


def write_result_csv(res: SolveResult, folder: Path, instance: Any | None = None) -> list[Path]:
    """The same tables as CSV files (UTF-8 with a byte order mark, so Excel reads CJK)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = to_frames(res, instance)
    views = _views(res)
    written = []
    for name, df in frames.items():
        p = folder / f"{_safe_file(name)}.csv"
        df.to_csv(p, index=False, encoding="utf-8-sig")
        written.append(p)
        if name in views and views[name] in df.columns:
            col = views[name]
            sub = folder / _safe_file(col)
            sub.mkdir(exist_ok=True)
            for stale in sub.glob("*.csv"):  # a resource of an earlier plan in this folder
                stale.unlink()
            for value, part in df.groupby(col, sort=False):
                q = sub / f"{_safe_file(str(value))}.csv"
                part.drop(columns=[col]).to_csv(q, index=False, encoding="utf-8-sig")
                written.append(q)
    return written


# ---------------------------------------------------------------- templates


def _type_text(c: Column) -> str:
    return {
        "str": "text",
        "int": "whole number",
        "float": "number",
        "bool": "yes/no",
        "datetime": "date and time (2026-11-30 06:00)",
        "time": "whole number of time units, or a date and time",
        "list": "list, comma-separated",
    }[c.type]


def write_template(model: str, path: Path, instance: Any | None = None) -> list[str]:
    """An input workbook: a README sheet describing every column, then one sheet per table
    with rows (the family's example, or `instance`) and a comment on each header.
    Returns the sheet names."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    ad = adapter(model)
    tables = instance_tables(model, ad.example() if instance is None else instance)
    wb = Workbook()
    ws = wb.active
    ws.title = README
    ws.append([f"opsplan input workbook for model {model!r}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(
        [
            "Fill in one sheet per table (the rows shown are an example: replace them). "
            "Row 1 of each sheet holds the column names: keep them. Empty rows are ignored; "
            "a column whose name starts with # is a note and is ignored. "
            f"Solve with: opsplan solve {path.name} -o plan.xlsx"
        ]
    )
    ws.append([])
    ws.append(["sheet", "column", "type", "required", "description"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for t in ad.inputs:
        ws.append([t.name, "", "", "sheet required" if t.required else "optional", t.description])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        if t.layout == "settings":
            ws.append(
                [t.name, f"{SETTING} / {VALUE}", "", "", "one row per setting: name, then value"]
            )
            for k, d in OPTION_ROWS.items():
                ws.append([t.name, k, "number", "", d + " The command line's options win."])
        for c in t.columns:
            ws.append(
                [
                    t.name,
                    c.name,
                    _type_text(c),
                    "yes" if c.required else "",
                    c.description,
                ]
            )
    for col, width in zip("ABCDE", (16, 18, 26, 14, 90), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    names = [README]
    for t in ad.inputs:
        sheet = wb.create_sheet(t.name)
        frame = _frame(t, tables.get(t.name, []))
        if t.layout == "settings":
            frame = frame.assign(description=[c.description for c in t.columns])
            frame = pd.concat(
                [
                    frame,
                    pd.DataFrame(
                        [
                            {SETTING: k, VALUE: None, "description": d}
                            for k, d in OPTION_ROWS.items()
                        ]
                    ),
                ],
                ignore_index=True,
            )
            frame = pd.concat(
                [
                    pd.DataFrame(
                        [{SETTING: MODEL_KEY, VALUE: model, "description": "Model family."}]
                    ),
                    frame,
                ],
                ignore_index=True,
            )
            frame = frame.rename(columns={"description": "# description"})
            comments = {
                SETTING: "The setting's name (do not change).",
                VALUE: "Its value; leave empty for the default.",
            }
        else:
            comments = {
                c.name: f"{c.description}\n({_type_text(c)}{', required' if c.required else ''})"
                for c in t.columns
            }
        _write_sheet(sheet, frame, comments)
        names.append(t.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return names


def write_template_csv(model: str, folder: Path, instance: Any | None = None) -> list[Path]:
    ad = adapter(model)
    frames = instance_frames(model, ad.example() if instance is None else instance)
    for t in ad.inputs:
        if t.layout == "settings":
            frames[t.name] = pd.concat(
                [pd.DataFrame([{SETTING: MODEL_KEY, VALUE: model}]), frames[t.name]],
                ignore_index=True,
            )
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, df in frames.items():
        p = folder / f"{name}.csv"
        df.to_csv(p, index=False, encoding="utf-8-sig")
        out.append(p)
    return out
