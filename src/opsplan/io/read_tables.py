"""Excel/CSV planner files in: raw sheets -> typed rows -> a solve request.

Every problem in an input file is reported at once, each naming the sheet (or CSV file), the row
and the column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import registry
from ..core.errors import InvalidInput, Problem
from ..core.tables import Built, Located, Origin, Rows, Table, TablesAdapter
from .tables import MODEL_KEY, OPTION_ROWS, README, SETTING, VALUE, adapter, blank, convert

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
        out.append("" if blank(c) else str(c).strip())
    while out and out[-1] == "":
        out.pop()
    return out


def _rows_from(header: list[str], data: Iterable[tuple[int, list[Any]]]) -> RawTable:
    rows = []
    for n, cells in data:
        rec = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header) if h}
        if all(blank(v) for v in rec.values()):
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
    problems: list[Problem] = []
    for f in sorted(path.glob("*.csv")):
        try:
            # utf-8-sig: Excel writes a byte order mark in "CSV UTF-8" files
            with f.open(encoding="utf-8-sig", newline="") as fh:
                lines, bad = _csv_records(fh, f.name)
        except (OSError, UnicodeDecodeError) as e:
            problems.append(Problem(where=str(f), message=f"cannot read the CSV file: {e}"))
            continue
        problems += bad
        header = _header(lines[0][1] if lines else [])
        bad = [
            Problem(
                where=f"file {f.name}, line {line}",
                message=f"{_filled(cells)} cells for the {len(header)} columns of the header: "
                "surplus cells (a stray comma or quote?)",
            )
            for line, cells in lines[1:]
            if _filled(cells) > len(header)
        ]
        problems += bad
        tables[f.stem.strip()] = _rows_from(
            header, ((n, cells) for n, (_, cells) in enumerate(lines[1:], start=2))
        )
    if problems:
        raise InvalidInput(problems)
    return Source("csv", tables, str(path))


def _filled(cells: list[str]) -> int:
    """How many cells a CSV record has, not counting empty ones at its end (Excel writes them)."""
    n = len(cells)
    while n and blank(cells[n - 1]):
        n -= 1
    return n


def _csv_records(fh: Iterable[str], name: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """A CSV file's records, each with the line it starts on; a malformed record is a problem
    naming its line (strict: a quote must close its cell), and reading goes on after it."""
    reader = csv.reader(fh, strict=True)
    records: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            if "end of data" in str(e):
                what = 'a quoted cell opened on this line is never closed (a stray ")'
            elif "expected after" in str(e):
                what = 'text follows the closing quote of a cell (inside quotes, write " as "")'
            else:
                what = f"malformed CSV: {e}"
            problems.append(Problem(where=f"file {name}, line {start}", message=what))
            if "end of data" in str(e):
                break
            continue
        records.append((start, cells))
    return records, problems


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
        if blank(key):
            problems.append(Problem(where=src.where(t.name, n, SETTING), message="missing value"))
            continue
        key = str(key).strip()
        if key == MODEL_KEY:
            continue
        col = t.column(key)
        if col is None and key in OPTION_ROWS:  # a solve option (time_limit_s, workers, ...)
            if not blank(cells.get(VALUE)):
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
    out, problems, _ = _typed_tables(ad, src)
    if problems:
        raise InvalidInput(problems)
    return out


def _typed_tables(
    ad: TablesAdapter, src: Source
) -> tuple[dict[str, Rows], list[Problem], list[Problem]]:
    """Every declared table converted: (rows, every problem in table order, those of them that
    are about a single cell). A cell that does not convert is empty in its row, so that the rest
    can still be checked."""
    problems: list[Problem] = []
    cells: list[Problem] = []
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
        for n, row in raw.rows:
            rec: dict[str, Any] = {"_row": n}
            for c in t.columns:
                if c.name not in raw.header:
                    rec[c.name] = None
                    continue
                try:
                    rec[c.name] = convert(row.get(c.name), c)
                except ValueError as e:
                    cells.append(Problem(where=src.where(t.name, n, c.name), message=str(e)))
                    problems.append(cells[-1])
                    rec[c.name] = None
                    continue
                if c.required and rec[c.name] is None and c.name not in missing:
                    cells.append(
                        Problem(where=src.where(t.name, n, c.name), message="missing value")
                    )
                    problems.append(cells[-1])
            rows.append(rec)
        if len(rows) < t.min_rows:
            problems.append(
                Problem(
                    where=src.name(t.name),
                    message=f"needs at least {t.min_rows} row{'s' if t.min_rows > 1 else ''}",
                )
            )
        out[t.name] = rows
    return out, problems, cells


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
            if str(cells.get(SETTING, "")).strip() == MODEL_KEY and not blank(cells.get(VALUE)):
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
    rows, found, cells = _typed_tables(ad, src)
    if len(found) > len(cells):  # the tables' shape is wrong: their rows are not read further
        raise InvalidInput(found)
    # a cell that did not convert is left empty, and everything else is still checked (every
    # problem at once); what is later said about that cell again is left out
    try:
        built = ad.to_instance(rows)
    except Exception:
        if not cells:
            raise
        raise InvalidInput(cells) from None
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
    said = {p.where for p in cells}
    later = [p for p in later if p.where not in said]
    located = [p for p in located if p.where not in said]
    if cells or located or later:
        raise InvalidInput(cells + located + later)
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
