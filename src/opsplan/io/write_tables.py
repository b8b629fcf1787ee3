"""Planner tables out: an instance or a result as tables, DataFrames, a workbook or CSV files."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import registry
from ..core.result import SolveResult
from ..core.tables import Table
from .tables import SETTING, VALUE, adapter, blank, export_cell

# ---------------------------------------------------------------- instance -> tables


def instance_tables(model: str, instance: Any) -> dict[str, list[dict[str, Any]]]:
    ad = adapter(model)
    spec = registry.get(model)
    if isinstance(instance, dict):
        instance = spec.instance_type.model_validate(instance)
    return ad.from_instance(instance)


def table_frame(t: Table, rows: list[dict[str, Any]]) -> pd.DataFrame:
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
    return {t.name: table_frame(t, tables.get(t.name, [])) for t in ad.inputs}


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
        write_sheet(wb.create_sheet(sheet), df)
        names.append(sheet)
        if name in views and views[name] in df.columns:
            col = views[name]
            for value, part in df.groupby(col, sort=False):
                sheet = _sheet_name(f"{col} {value}", used)
                write_sheet(wb.create_sheet(sheet), part.drop(columns=[col]))
                names.append(sheet)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return names


def write_sheet(ws: Any, df: pd.DataFrame, comments: Mapping[str, str] | None = None) -> None:
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
        values = [str(c), *(str(v) for v in df.iloc[:200, i - 1] if not blank(v))]
        width = min(60, max(8, *(len(v) + 2 for v in values)))
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"


def _cell(v: Any) -> Any:
    if blank(v):
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
