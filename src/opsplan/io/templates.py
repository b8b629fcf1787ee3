"""Templates: the workbook (or CSV folder) a planner fills in, with an example, types and help."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..core.tables import Column
from .tables import MODEL_KEY, OPTION_ROWS, README, SETTING, VALUE, adapter
from .write_tables import instance_frames, instance_tables, table_frame, write_sheet

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
        frame = table_frame(t, tables.get(t.name, []))
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
        write_sheet(sheet, frame, comments)
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
