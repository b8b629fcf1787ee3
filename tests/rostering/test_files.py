"""Planner files for rostering: template -> workbook -> solve -> result workbook, bad workbooks
named by sheet/row/column, Chinese employee names unchanged, the roster and coverage charts."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core import registry
from opsplan.core.tables import Heatmap, LineChart
from opsplan.io import templates, write_tables
from opsplan.io.report import build_report, write_report
from opsplan.rostering import tables as roster_tables
from opsplan.rostering import views
from opsplan.rostering.schema import RosteringInstance
from tests.io import test_charts_report

runner = CliRunner()
browser = test_charts_report.browser  # one headless Chromium for this module's reports
render_in_chromium = test_charts_report.render_in_chromium
OPTS = {"time_limit_s": 10, "workers": 2}


def _inst(req: dict) -> RosteringInstance:
    return RosteringInstance.model_validate(req["instance"])


def _sheet_rows(path, sheet: str) -> list[dict]:
    ws = load_workbook(path, read_only=True)[sheet]
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return [dict(zip(header, r, strict=False)) for r in it]


def _col(ws, name: str) -> int:
    return next(c.column for c in ws[1] if c.value == name)


def test_template_workbook_solve_result_workbook_round_trip(tmp_path):
    tpl, cli_plan, plan = (tmp_path / n for n in ("input.xlsx", "cli.xlsx", "roster.xlsx"))
    r = runner.invoke(app, ["template", "rostering", "-o", str(tpl)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tpl)
    assert wb.sheetnames == ["README", *(t.name for t in roster_tables.INPUTS)]
    header = [c.value for c in wb["employees"][1]]
    assert all(wb["employees"].cell(1, i + 1).comment for i in range(len(header)))
    req = opsplan.load_request(tpl)
    assert _inst(req) == roster_tables.example()  # every sheet reads back as the example exactly

    r = runner.invoke(app, ["solve", str(tpl), "-t", "10", "-w", "2", "-o", str(cli_plan)])
    assert r.exit_code == 0, r.output
    res = opsplan.solve(req, OPTS)
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    summary = {r["item"]: r["value"] for r in _sheet_rows(cli_plan, "summary")}
    assert summary["status"] == "optimal" and summary["objective"] == res.objective
    assert summary["violations"] == 0
    write_tables.write_result_workbook(res, plan, roster_tables.example())
    names = load_workbook(plan, read_only=True).sheetnames
    for sheet in ("assignments", "roster", "coverage", "employees", "penalties_by_rule"):
        assert sheet in names, sheet
    assert {f"employee {e.id}" for e in roster_tables.example().employees} <= set(names)

    # the written plan is the solved one: same assignments, and the grid says the same thing
    got = _sheet_rows(plan, "assignments")
    want = {(a["employee"], a["day"], a["shift"]) for a in res.solution["assignments"]}
    assert {(r["employee"], r["day"], r["shift"]) for r in got} == want
    grid = _sheet_rows(plan, "roster")
    assert [g["employee"] for g in grid] == [e.id for e in roster_tables.example().employees]
    days = [h for h in grid[0] if h not in ("employee", "name")]
    assert days[0] == "2026-11-30 Mon" and len(days) == 7
    cells = {(g["employee"], k, g[h]) for g in grid for k, h in enumerate(days) if g[h]}
    assert cells == want
    # coverage rows: shortfall and excess follow from required, preferred and assigned
    for c in _sheet_rows(plan, "coverage"):
        assert c["shortfall"] == max(0, c["required"] - c["assigned"])
        assert c["excess"] == max(0, c["assigned"] - c["preferred"])
    # per employee: minutes within the contract (a hard rule here), nights counted
    for e in _sheet_rows(plan, "employees"):
        mine = [a for a in got if a["employee"] == e["employee"]]
        assert e["worked_minutes"] == 480 * len(mine)
        assert e["nights"] == sum(a["shift"] == "N" for a in mine)
        assert e["worked_minutes"] <= e["max_total_minutes"]
    # penalties by rule add up to the objective
    pen = _sheet_rows(plan, "penalties_by_rule")
    assert sum(p["penalty"] for p in pen) == res.objective


def test_roster_heatmap_and_coverage_line_chart():
    inst = roster_tables.example()
    res = opsplan.solve({"model": "rostering", "instance": inst.model_dump(mode="json")}, OPTS)
    heat, line = views.charts(res, inst)
    assert isinstance(heat, Heatmap) and isinstance(line, LineChart)
    assert heat.rows[0] == "ana (Ana)" and heat.columns[0] == "11-30 Mon"
    assert heat.text is not None
    for i, e in enumerate(inst.employees):
        for a in (a for a in res.solution["assignments"] if a["employee"] == e.id):
            assert heat.text[i][a["day"]] == a["shift"]
            assert heat.values[i][a["day"]] is not None
    assert sum(v is None for row in heat.values for v in row) == 35 - len(
        res.solution["assignments"]
    )
    # one point per day and shift; assigned counts the people on that shift
    assert len(line.x) == 21 and line.x[0] == "11-30 E"
    per_cell = pd.DataFrame(res.solution["assignments"]).groupby(["day", "shift"]).size()
    assert line.series["assigned"][0] == per_cell[(0, "E")]
    assert line.series["required"] == [1.0] * 21
    assert line.series["preferred"][:3] == [2.0, 2.0, 1.0]  # E and L on weekdays want two
    page = build_report(res, inst)
    assert "Roster" in page and "Coverage against demand" in page


@pytest.fixture
def template(tmp_path):
    p = tmp_path / "t.xlsx"
    templates.write_template("rostering", p)
    return p


def _problems(path) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.load_request(path)
    return [str(p) for p in e.value.problems]


def test_bad_workbook_names_sheet_row_and_column(template):
    wb = load_workbook(template)
    ws = wb["employees"]
    ws.delete_cols(_col(ws, "contract"))
    ws = wb["coverage"]
    ws.cell(3, _col(ws, "min")).value = "two"
    ws = wb["requests"]
    ws.append(["zoe", "on", 1])  # nobody called zoe
    wb.save(template)
    probs = _problems(template)
    assert "sheet 'employees', row 1, column 'contract': missing column" in probs
    assert "sheet 'coverage', row 3, column 'min': expected a whole number, got 'two'" in probs
    assert len(probs) == 2, probs  # table problems first; joins are checked once those are fixed

    wb = load_workbook(template)
    wb["employees"].insert_cols(3)
    wb["employees"].cell(1, 3).value = "contract"
    for n in range(2, wb["employees"].max_row + 1):
        wb["employees"].cell(n, 3).value = "full"
    wb["employees"].cell(4, 3).value = "weekend"  # no such contract: the family's validate
    wb["coverage"].cell(3, _col(wb["coverage"], "min")).value = 1
    ws = wb["rules"]
    ws.append(["coverage_max", True])
    wb.save(template)
    probs = _problems(template)
    last_req, last_rule = wb["requests"].max_row, wb["rules"].max_row
    assert (
        f"sheet 'requests', row {last_req}, column 'employee': unknown employee 'zoe' "
        "(not in sheet employees)" in probs
    )
    assert any(
        p.startswith(f"sheet 'rules', row {last_rule}, column 'rule': unknown rule") for p in probs
    ), probs
    assert any(
        p.startswith("sheet 'employees', row 4, column 'contract'") and "weekend" in p
        for p in probs
    ), probs
    assert len(probs) == 3, probs


def test_pairs_and_request_kinds_are_checked_by_cell(template):
    wb = load_workbook(template)
    ws = wb["contracts"]
    ws.cell(2, _col(ws, "max_shifts_per_type")).value = "N=3"
    ws = wb["requests"]
    ws.cell(2, _col(ws, "kind")).value = "maybe"
    wb.save(template)
    assert sorted(_problems(template)) == [
        "sheet 'contracts', row 2, column 'max_shifts_per_type': expected shift:number such as "
        "N:4, got 'N=3'",
        "sheet 'requests', row 2, column 'kind': expected on or off, got 'maybe'",
    ]


def test_days_may_be_dates(template):
    wb = load_workbook(template)
    ws = wb["unavailable"]
    ws.cell(2, _col(ws, "day")).value = datetime(2026, 12, 3)  # day 3
    wb.save(template)
    inst = _inst(opsplan.load_request(template))
    assert inst.employees[1].unavailable_days == [3]


CN = {
    "model": "rostering",
    "instance": {
        "name": "病房排班",
        "start_date": "2026-11-30",
        "days": 3,
        "shift_types": [
            {"id": "早班", "start": "07:00", "length_minutes": 480},
            {
                "id": "夜班",
                "start": "23:00",
                "length_minutes": 480,
                "night": True,
                "forbidden_next": ["早班"],
            },
        ],
        "skills": ["护士长"],
        "contracts": [{"id": "全职", "max_total_minutes": 1440}],
        "employees": [
            {"id": "张伟", "name": "张伟", "contract": "全职", "skills": ["护士长"]},
            {
                "id": "李娜",
                "name": "李娜",
                "contract": "全职",
                "shift_off_requests": [{"day": 1, "shift": "夜班"}],
            },
            {"id": "王芳", "name": "王芳", "contract": "全职", "unavailable_days": [2]},
        ],
        "coverage": [{"day": d, "shift": s, "min": 1} for d in range(3) for s in ("早班", "夜班")]
        + [{"day": 0, "shift": "早班", "skill": "护士长", "min": 1}],
    },
}


def test_chinese_employee_names_round_trip_unchanged(tmp_path):
    xlsx, folder, plan, out = (tmp_path / n for n in ("排班.xlsx", "csv", "plan.xlsx", "out"))
    templates.write_template("rostering", xlsx, CN["instance"])
    templates.write_template_csv("rostering", folder, CN["instance"])
    for source in (xlsx, folder):
        req = opsplan.load_request(source)
        assert _inst(req) == _inst(CN)
        assert [e["id"] for e in req["instance"]["employees"]] == ["张伟", "李娜", "王芳"]
    res = opsplan.solve(CN, OPTS)
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    write_tables.write_result_workbook(res, plan, CN["instance"])
    write_tables.write_result_csv(res, out, CN["instance"])
    assert {r["employee"] for r in _sheet_rows(plan, "roster")} == {"张伟", "李娜", "王芳"}
    assert {r["shift"] for r in _sheet_rows(plan, "assignments")} <= {"早班", "夜班"}
    assert "employee 张伟" in load_workbook(plan, read_only=True).sheetnames
    csv = pd.read_csv(out / "assignments.csv", encoding="utf-8-sig")
    assert set(csv["employee"]) <= {"张伟", "李娜", "王芳"} and len(csv) > 0


@pytest.mark.parametrize("family", ["rostering", "staffing_levels"])
def test_reports_draw_their_charts_in_chromium(tmp_path, browser, family):
    spec = registry.get(family)
    inst = spec.tables.example()
    res = opsplan.solve({"model": family, "instance": inst.model_dump(mode="json")}, OPTS)
    report = tmp_path / "report.html"
    write_report(res, report, inst)
    dom, errors = render_in_chromium(browser, report)
    assert 'data-script-errors="0"' in dom and errors == [], errors
    assert 'data-charts-drawn="2"' in dom  # both plotly charts drew their SVG
    assert "Coverage against demand" in dom
