"""Files -> solve requests. Errors name the file and the line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import registry
from ..core.errors import InvalidInput, Problem


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(
            [Problem(where=str(path), message=f"cannot read the file: {e}")]
        ) from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as e:
        where = f"{path} line {e.lineno} column {e.colno}"
        raise InvalidInput([Problem(where=where, message=f"invalid JSON: {e.msg}")]) from None


Amend = Callable[[dict[str, Any]], None]


def load_request(
    path: str | Path, fmt: str | None = None, amend: Amend | None = None
) -> dict[str, Any]:
    """A request from a file: JSON ({model, instance, options}), a benchmark format, an Excel
    workbook (.xlsx) or a folder of CSV files with a model's tables.

    `amend(request)` changes the request in place before it is validated (planner files are
    validated as they are read): the CLI puts a previous plan in this way."""
    path = Path(path)
    workbook = fmt == "xlsx" or (fmt is None and path.suffix.lower() in (".xlsx", ".xlsm"))
    folder = fmt == "csv" or (fmt is None and path.is_dir())
    if (workbook and path.is_file()) or (folder and path.is_dir()):
        from .read_tables import load_table_request  # planner files: errors by sheet, row, column

        return load_table_request(path, amend=amend)
    if fmt == "csv" and not path.is_dir():
        raise InvalidInput([Problem(where=str(path), message="expected a folder of CSV files")])
    hint = {
        ".csv": "a single CSV file: give the folder that holds one CSV file per table",
        ".xls": "old Excel format: save the workbook as .xlsx",
        ".ods": "OpenDocument spreadsheet: save it as .xlsx",
    }.get(path.suffix.lower())
    if fmt is None and hint is not None:
        raise InvalidInput([Problem(where=str(path), message=hint)])
    if not path.is_file():
        raise InvalidInput([Problem(where=str(path), message="no such file")])
    if fmt is None or fmt == "json":
        doc = read_json(path)
        if not isinstance(doc, dict):
            raise InvalidInput(
                [Problem(where=str(path), message="expected a JSON object with model and instance")]
            )
        if amend is not None:
            amend(doc)
        return doc
    found = registry.find_format(fmt)
    if found is None:
        known = sorted({f for s in registry.all_specs() for f in s.formats} | {"json"})
        raise InvalidInput(
            [
                Problem(
                    where="--format", message=f"unknown format {fmt!r}; known: {', '.join(known)}"
                )
            ]
        )
    spec, reader = found
    req = {"model": spec.name, "instance": reader(read_text(path), path)}
    if amend is not None:
        amend(req)
    return req
