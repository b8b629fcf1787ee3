"""Planner files for staffing levels: template -> workbook -> solve -> result workbook, bad
workbooks named by sheet/row/column, Chinese pattern names unchanged, the coverage chart."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core import registry
from opsplan.core.tables import BarChart, LineChart
from opsplan.io import templates, write_tables
from opsplan.staffing_levels.schema import StaffingLevelsInstance
from opsplan.staffing_levels.tables import example
from opsplan.staffing_levels.views import charts

runner = CliRunner()


def _inst(req: dict) -> StaffingLevelsInstance:
    return StaffingLevelsInstance.model_validate(req["instance"])


def _sheet_rows(path, sheet: str) -> list[dict]:
    ws = load_workbook(path, read_only=True)[sheet]
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return [dict(zip(header, r, strict=False)) for r in it]


def _col(ws, name: str) -> int:
    return next(c.column for c in ws[1] if c.value == name)


def test_template_workbook_solve_result_workbook_round_trip(tmp_path):
    tpl, cli_plan, plan = (tmp_path / n for n in ("input.xlsx", "cli.xlsx", "plan.xlsx"))
    r = runner.invoke(app, ["template", "staffing_levels", "-o", str(tpl)])
    assert r.exit_code == 0, r.output
    assert load_workbook(tpl).sheetnames == ["README", "settings", "demand", "patterns"]
    req = opsplan.load_request(tpl)
    assert _inst(req) == example()

    r = runner.invoke(app, ["solve", str(tpl), "-o", str(cli_plan)])
    assert r.exit_code == 0, r.output
    res = opsplan.solve(req)
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    summary = {r["item"]: r["value"] for r in _sheet_rows(cli_plan, "summary")}
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(res.objective)
    write_tables.write_result_workbook(res, plan, example())
    names = load_workbook(plan, read_only=True).sheetnames
    for sheet in ("headcount", "coverage", "shifts", "cost", "kpis"):
        assert sheet in names, sheet
    head = _sheet_rows(plan, "headcount")
    assert {h["pattern"]: h["count"] for h in head} == {
        h["pattern"]: h["count"] for h in res.solution["headcount"]
    }
    # coverage per slot recomputed from the written headcount and the patterns
    inst = example()
    count = {h["pattern"]: h["count"] for h in head}
    cov = _sheet_rows(plan, "coverage")
    assert len(cov) == 7 * 24 and cov[0]["date"] == "2026-11-30"
    for c in cov:
        hour, working = int(c["time"][:2]), 0
        for p in inst.patterns:
            h0 = int(p.start[:2])
            b0 = h0 + p.break_offset_minutes // 60
            on = c["day"] in p.days and h0 <= hour < h0 + p.length_minutes // 60
            on_break = p.break_minutes and b0 <= hour < b0 + p.break_minutes // 60
            if on and not on_break:
                working += count[p.id]
        assert c["covered"] == working, c
        assert c["short"] == max(0, c["demand"] - working)
        assert c["demand"] == inst.demand[c["slot"]]


def test_coverage_line_chart_and_headcount_bars():
    inst = example()
    res = opsplan.solve({"model": "staffing_levels", "instance": inst.model_dump(mode="json")})
    line, bars = charts(res, inst)
    assert isinstance(line, LineChart) and isinstance(bars, BarChart)
    assert line.x[0] == datetime(2026, 11, 30) and line.x[13] == datetime(2026, 11, 30, 13)
    assert line.series["demand"] == [float(d) for d in inst.demand]
    assert line.series["covered"] == [float(s["covered"]) for s in res.solution["slots"]]
    used = [h for h in res.solution["headcount"] if h["count"]]
    assert bars.categories == [h["pattern"] for h in used]
    assert sum(bars.series["people"]) == res.kpis["headcount"]


@pytest.fixture
def template(tmp_path):
    p = tmp_path / "t.xlsx"
    templates.write_template("staffing_levels", p)
    return p


def _problems(path) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.load_request(path)
    return [str(p) for p in e.value.problems]


def test_bad_workbook_names_sheet_row_and_column(template):
    wb = load_workbook(template)
    ws = wb["patterns"]
    ws.delete_cols(_col(ws, "cost"))
    ws = wb["demand"]
    ws.cell(5, _col(ws, "demand")).value = "many"
    wb.save(template)
    probs = _problems(template)
    assert probs == [
        "sheet 'demand', row 5, column 'demand': expected a whole number, got 'many'",
        "sheet 'patterns', row 1, column 'cost': missing column",
    ]

    templates.write_template("staffing_levels", template)  # a fresh one: the cost column back
    wb = load_workbook(template)
    ws = wb["demand"]
    ws.cell(5, _col(ws, "demand")).value = -2  # the family's validate: negative demand
    ws.cell(6, _col(ws, "time")).value = "07:30"  # off the hourly grid
    ws.cell(7, _col(ws, "time")).value = "03:00"  # row 5 already is day 0, 03:00
    ws = wb["patterns"]
    ws.cell(3, _col(ws, "days")).value = "0, 1, friday"
    ws.cell(4, _col(ws, "start")).value = "11:30"
    wb.save(template)
    probs = _problems(template)
    assert "sheet 'demand', row 6, column 'time': 07:30 is not on the slot grid (60 minutes)" in (
        probs
    )
    assert "sheet 'demand', row 7, column 'time': day 0 03:00 given twice (also row 5)" in probs, (
        probs
    )
    assert (
        "sheet 'patterns', row 3, column 'days': expected day numbers such as 0, 1, 2, "
        "got 'friday'" in probs
    )
    assert any(p.startswith("sheet 'demand', row 5, column 'demand'") for p in probs), probs
    assert any(
        p.startswith("sheet 'patterns', row 4, column 'start'") and "slot" in p for p in probs
    ), probs
    assert len(probs) == 5, probs


def test_a_slot_time_of_24_00_is_refused_like_every_start(template):
    wb = load_workbook(template)
    ws = wb["demand"]
    ws.cell(5, _col(ws, "time")).value = "24:00"
    wb.save(template)
    assert _problems(template) == [
        "sheet 'demand', row 5, column 'time': expected a clock time HH:MM from 00:00 to 23:59, "
        "got '24:00'"
    ]


def test_a_slot_length_that_does_not_divide_a_day_is_the_one_problem(template):
    wb = load_workbook(template)
    ws = wb["settings"]
    row = next(c.row for c in ws["A"] if c.value == "slot_minutes")
    ws.cell(row, 2).value = 7
    wb.save(template)
    assert _problems(template) == [
        f"sheet 'settings', row {row}, column 'value': 7 does not divide a day (1440 minutes)"
    ]


def test_excel_times_read_as_clock_times(template):
    wb = load_workbook(template)
    ws = wb["patterns"]
    ws.cell(2, _col(ws, "start")).value = datetime(1900, 1, 1, 8).time()
    wb.save(template)
    assert _inst(opsplan.load_request(template)) == example()


CN = {
    "model": "staffing_levels",
    "instance": {
        "name": "门店排班",
        "slot_minutes": 240,
        "cyclic": True,
        "demand": [0, 0, 2, 3, 1, 0] * 2,
        "patterns": [
            {"id": "早班", "start": "08:00", "length_minutes": 480, "days": [0, 1], "cost": 10},
            {"id": "晚班", "start": "12:00", "length_minutes": 480, "days": [0, 1], "cost": 10},
            {
                "id": "兼职",
                "start": "16:00",
                "length_minutes": 240,
                "days": [0],
                "cost": 4,
                "part_time": True,
            },
        ],
    },
}


def test_chinese_pattern_names_round_trip_unchanged(tmp_path):
    xlsx, folder, plan, out = (tmp_path / n for n in ("门店.xlsx", "csv", "plan.xlsx", "out"))
    templates.write_template("staffing_levels", xlsx, CN["instance"])
    templates.write_template_csv("staffing_levels", folder, CN["instance"])
    for source in (xlsx, folder):
        req = opsplan.load_request(source)
        assert _inst(req) == _inst(CN)
    res = opsplan.solve(CN)
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    write_tables.write_result_workbook(res, plan, CN["instance"])
    write_tables.write_result_csv(res, out, CN["instance"])
    assert [h["pattern"] for h in _sheet_rows(plan, "headcount")] == ["早班", "晚班", "兼职"]
    csv = pd.read_csv(out / "headcount.csv", encoding="utf-8-sig")
    assert list(csv["pattern"]) == ["早班", "晚班", "兼职"]


@pytest.mark.parametrize("name", ["rostering/ward_4_weeks.json", "staffing_levels/store_week.json"])
def test_shipped_instances_round_trip_through_workbook_and_csv(tmp_path, name):
    root = Path(__file__).resolve().parents[2] / "instances"
    req = json.loads((root / name).read_text(encoding="utf-8"))
    spec = registry.get(req["model"])
    want = spec.instance_type.model_validate(req["instance"])
    templates.write_template(req["model"], tmp_path / "in.xlsx", req["instance"])
    templates.write_template_csv(req["model"], tmp_path / "csv", req["instance"])
    for source in (tmp_path / "in.xlsx", tmp_path / "csv"):
        got = opsplan.load_request(source)
        assert got["model"] == req["model"]
        assert spec.instance_type.model_validate(got["instance"]) == want
