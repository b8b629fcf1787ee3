"""Planner tables shared by reading and writing: the adapter of a model, cell values.

A family declares its tables once (`core.tables.TablesAdapter` on its ModelSpec); `read_tables`,
`write_tables` and `templates` do the rest for every family.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from typing import Any

import pandas as pd

from ..core import registry
from ..core.errors import InvalidInput, Problem
from ..core.tables import Column, TablesAdapter

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


def blank(v: Any) -> bool:
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
    if blank(value):
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
