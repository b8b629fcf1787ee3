"""Planner files for scheduling: template -> workbook -> solve -> result workbook, CSV folders,
bad workbooks named by sheet/row/column, Chinese names unchanged, the pandas API."""

from __future__ import annotations

import shutil
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.io import tables, templates, write_tables
from opsplan.scheduling.schema import SchedulingInstance
from opsplan.scheduling.tables import example

from .helpers import job, op, sched

runner = CliRunner()


def _inst(req: dict) -> SchedulingInstance:
    return SchedulingInstance.model_validate(req["instance"])


def _sheet_rows(path, sheet: str) -> list[dict]:
    ws = load_workbook(path, read_only=True)[sheet]
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return [dict(zip(header, r, strict=False)) for r in it]


def test_template_workbook_solve_result_workbook_round_trip(tmp_path):
    tpl, plan = tmp_path / "input.xlsx", tmp_path / "plan.xlsx"
    r = runner.invoke(app, ["template", "scheduling", "-o", str(tpl)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tpl)
    assert wb.sheetnames == [
        "README",
        "settings",
        "machines",
        "calendars",
        "unavailable",
        "jobs",
        "operations",
        "setups",
        "objective",
    ]
    # every column is described: a header comment on each sheet and a README row
    readme = [r for r in wb["README"].iter_rows(values_only=True) if r and r[1]]
    for name in ("machines", "jobs", "operations", "setups", "unavailable"):
        header = [c.value for c in wb[name][1]]
        assert all(wb[name].cell(1, i + 1).comment for i in range(len(header))), name
        assert {r[1] for r in readme if r[0] == name} >= set(header)
    # the example rows read back as exactly the family's example instance
    req = opsplan.load_request(tpl)
    assert _inst(req) == example()

    r = runner.invoke(app, ["solve", str(tpl), "-t", "10", "-w", "2", "-o", str(plan)])
    assert r.exit_code == 0, r.output
    res = opsplan.solve(req, {"time_limit_s": 10, "workers": 2})
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    wb = load_workbook(plan, read_only=True)
    for sheet in (
        "summary",
        "plan",
        "jobs",
        "machines",
        "machine_sequence",
        "kpis",
        "penalties",
        "violations",
        "unavailable",
        "machine CUT-1",
        "machine MILL-1",
    ):
        assert sheet in wb.sheetnames, sheet
    rows = _sheet_rows(plan, "plan")
    ops = res.solution["operations"]
    assert len(rows) == len(ops)
    assert {(r["job"], r["operation"], r["machine"]) for r in rows} == {
        (o["job"], o["operation"], o["machine"]) for o in ops
    }
    kpis = {r["kpi"]: r["value"] for r in _sheet_rows(plan, "kpis")}
    assert kpis["makespan"] == res.kpis["makespan"] and kpis["late_jobs"] == res.kpis["late_jobs"]
    summary = {r["item"]: r["value"] for r in _sheet_rows(plan, "summary")}
    assert summary["status"] == "optimal" and summary["objective"] == res.objective
    assert _sheet_rows(plan, "violations") == []
    # a machine's own sheet is its sequence, in start order, setups included
    mill = _sheet_rows(plan, "machine MILL-1")
    assert [r["position"] for r in mill] == list(range(1, len(mill) + 1))
    assert [r["start"] for r in mill] == sorted(r["start"] for r in mill)
    assert {(r["job"], r["start"]) for r in mill} == {
        (o["job"], o["start"]) for o in ops if o["machine"] == "MILL-1"
    }
    # the example's maintenance stop and its late rush order are shown
    assert _sheet_rows(plan, "unavailable")[0]["reason"] == "maintenance"
    late = {r["job"] for r in _sheet_rows(plan, "jobs") if r["late"]}
    assert late == set(res.kpis["late_job_ids"]) and late


def test_rich_instance_round_trips_through_workbook_and_csv(tmp_path):
    req = sched(
        [
            job(
                "J1",
                op("a", ("M1", 3), ("M2", 4), family="x", pin={"machine": "M1"}),
                op("b", ("M2", 2), predecessors=["a"]),
                op("c", ("M1", 1), predecessors=["a"]),
                due=9,
                weight=3,
                release=1,
                deadline=40,
                name="first",
            ),
            job("J2", op("a", ("M2", 5), family="y")),
        ],
        machines=[
            {
                "id": "M1",
                "calendar": "day",
                "initial_family": "x",
                "unavailable": [{"start": 5, "end": 7, "reason": "service"}],
            },
            {"id": "M2", "name": "second"},
        ],
        calendars=[
            {"id": "day", "working": [{"days": ["mon", "sat"], "start": "22:00", "end": "06:00"}]}
        ],
        start="2026-11-30T22:00:00",
        time_unit="hour",
        horizon=200,
        setups=[
            {"machine": "M1", "from_family": "x", "to_family": "y", "time": 2},
            {"from_family": "y", "to_family": "x", "time": 1},
        ],
        objective={
            "mode": "lexicographic",
            "terms": [{"kind": "weighted_tardiness"}, {"kind": "makespan", "weight": 2}],
        },
    )
    want = _inst(req)
    xlsx, folder = tmp_path / "in.xlsx", tmp_path / "csv"
    templates.write_template("scheduling", xlsx, req["instance"])
    templates.write_template_csv("scheduling", folder, req["instance"])
    assert _inst(opsplan.load_request(xlsx)) == want
    assert _inst(opsplan.load_request(folder)) == want
    # and through pandas: instance -> DataFrames -> request
    dfs = opsplan.instance_frames("scheduling", req["instance"])
    assert set(dfs) == {t.name for t in tables.adapter("scheduling").inputs}
    assert _inst(opsplan.from_frames("scheduling", dfs)) == want


def test_csv_folder_round_trip_through_the_cli(tmp_path):
    src, out, js = tmp_path / "in", tmp_path / "out", tmp_path / "r.json"
    r = runner.invoke(app, ["template", "scheduling", "-o", str(src)])
    assert r.exit_code == 0, r.output
    assert (src / "operations.csv").is_file() and (src / "jobs.csv").is_file()
    r = runner.invoke(app, ["solve", str(src), "-t", "10", "-w", "2", "-o", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["solve", str(src), "-t", "10", "-w", "2", "-o", str(js)])
    res = opsplan.SolveResult.from_json(js.read_text())
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", dtype={"job": str})
    got = sorted(zip(plan["job"], plan["operation"], plan["start"], plan["end"], strict=True))
    want = sorted(
        (o["job"], o["operation"], o["start"], o["end"]) for o in res.solution["operations"]
    )
    assert got == want
    assert (out / "machine" / "MILL-1.csv").is_file()
    kpis = pd.read_csv(out / "kpis.csv", encoding="utf-8-sig")
    assert int(kpis.set_index("kpi").loc["makespan", "value"]) == res.kpis["makespan"]
    # the result JSON stays the system format
    assert res.model == "scheduling" and res.violations == []


def test_output_kind_follows_the_name_given_to_o(tmp_path):
    from opsplan.cli_files import output_kind

    assert output_kind(str(tmp_path / "plans.v2") + "/") == "csv"  # a dotted folder name
    assert output_kind(str(tmp_path)) == "csv"  # an existing folder
    assert output_kind("plan") == "csv"
    assert output_kind("plan.XLSX") == "xlsx" and output_kind("r.htm") == "html"
    assert output_kind("r.json") == "json"
    src = tmp_path / "in"
    assert runner.invoke(app, ["template", "scheduling", "-o", str(src)]).exit_code == 0
    dotted = tmp_path / "plans.v2"
    r = runner.invoke(app, ["solve", str(src), "-t", "5", "-o", str(dotted) + "/"])
    assert r.exit_code == 0, r.output
    assert (dotted / "plan.csv").is_file()
    # one CSV file cannot hold a result's tables: exit 2 before any solve, nothing written
    r = runner.invoke(app, ["solve", str(src), "-t", "5", "-o", str(tmp_path / "out.csv")])
    assert r.exit_code == 2 and "give a folder" in r.output, r.output
    assert not (tmp_path / "out.csv").exists()
    r = runner.invoke(app, ["template", "scheduling", "-o", str(tmp_path / "t.json")])
    assert r.exit_code == 2 and not (tmp_path / "t.json").exists()


CN = sched(
    [
        job(
            "订单-甲",
            op("切割", ("切割机-1", 6), family="钢"),
            op("铣削", ("铣床", 5)),
            due=8,
            name="法兰盘",
        ),
        job("订单-乙", op("切割", ("切割机-1", 4), family="铜"), op("铣削", ("铣床", 3))),
    ],
    machines=[{"id": "切割机-1", "name": "一号切割机"}, {"id": "铣床", "name": "数控铣床"}],
    setups=[{"from_family": "钢", "to_family": "铜", "time": 2}],
    name="华东工厂 周计划",
)


def test_chinese_names_round_trip_unchanged(tmp_path):
    xlsx, folder, plan, out = (tmp_path / n for n in ("中文.xlsx", "csv", "plan.xlsx", "out"))
    templates.write_template("scheduling", xlsx, CN["instance"])
    templates.write_template_csv("scheduling", folder, CN["instance"])
    for source in (xlsx, folder):
        req = opsplan.load_request(source)
        assert _inst(req) == _inst(CN)
        assert [j["id"] for j in req["instance"]["jobs"]] == ["订单-甲", "订单-乙"]
    res = opsplan.solve(CN)
    assert res.violations == []
    write_tables.write_result_workbook(res, plan, CN["instance"])
    write_tables.write_result_csv(res, out, CN["instance"])
    rows = _sheet_rows(plan, "plan")
    assert {r["job"] for r in rows} == {"订单-甲", "订单-乙"}
    assert {r["machine_name"] for r in rows} == {"一号切割机", "数控铣床"}
    assert "machine 切割机-1" in load_workbook(plan, read_only=True).sheetnames
    csv_plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig")
    assert set(csv_plan["operation"]) == {"切割", "铣削"}
    assert (out / "machine" / "铣床.csv").is_file()


# ------------------------------------------------------------------ bad workbooks


@pytest.fixture
def template(tmp_path):
    p = tmp_path / "t.xlsx"
    templates.write_template("scheduling", p)
    return p


def _problems(path) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.load_request(path)
    return [str(p) for p in e.value.problems]


def _col(ws, name: str) -> int:
    return next(c.column for c in ws[1] if c.value == name)


def test_missing_sheet_is_named(template):
    wb = load_workbook(template)
    del wb["jobs"]
    wb.save(template)
    probs = _problems(template)
    assert any(p.startswith("sheet 'jobs': missing sheet") for p in probs), probs


@pytest.mark.parametrize(
    "model", ["scheduling", "rostering", "staffing_levels", "supplier_selection", "replenishment"]
)
def test_every_family_names_each_missing_sheet(model, tmp_path):
    from opsplan.core import registry
    from opsplan.io.templates import write_template

    path = tmp_path / f"{model}.xlsx"
    write_template(model, path)
    # every required sheet but `settings`, whose `model` row says which model the workbook is
    needed = [
        t.name for t in registry.get(model).tables.inputs if t.required and t.name != "settings"
    ]
    assert needed
    wb = load_workbook(path)
    for name in needed:
        del wb[name]
    wb.save(path)
    probs = _problems(path)
    for name in needed:
        assert any(p.startswith(f"sheet '{name}': missing sheet") for p in probs), (name, probs)


def test_missing_column_is_named_with_sheet_row_and_column(template):
    wb = load_workbook(template)
    ws = wb["operations"]
    ws.delete_cols(_col(ws, "duration"))
    wb.save(template)
    assert _problems(template) == ["sheet 'operations', row 1, column 'duration': missing column"]


def test_wrong_type_in_a_cell_is_named_with_sheet_row_and_column(template):
    wb = load_workbook(template)
    ws = wb["operations"]
    ws.cell(3, _col(ws, "duration")).value = "two hours"
    ws = wb["jobs"]
    ws.cell(4, _col(ws, "due")).value = 12.5
    ws = wb["settings"]
    start_row = next(c.row for c in ws["A"] if c.value == "start")
    ws.cell(start_row, 2).value = "next monday"
    wb.save(template)
    probs = _problems(template)
    assert (
        "sheet 'operations', row 3, column 'duration': expected a whole number, got 'two hours'"
        in probs
    )
    assert "sheet 'jobs', row 4, column 'due': expected a whole number, got 12.5" in probs
    assert any(
        p.startswith(f"sheet 'settings', row {start_row}, column 'value': expected a date")
        for p in probs
    ), probs
    assert len(probs) == 3, probs  # every problem at once


def test_unknown_ids_and_bad_values_are_named_by_sheet_row_and_column(template):
    wb = load_workbook(template)
    ws = wb["operations"]
    ws.cell(4, _col(ws, "machine")).value = "M9"  # the family's validate finds it
    ws.append(["Z-999", "cut", "CUT-1", 10])  # a job not in sheet jobs
    ws = wb["unavailable"]
    ws.cell(2, _col(ws, "end")).value = 100  # before its start (240): pydantic finds it
    ws = wb["machines"]
    ws.cell(3, _col(ws, "calendar")).value = "night-shift"
    wb.save(template)
    probs = _problems(template)
    last = wb["operations"].max_row
    assert (
        f"sheet 'operations', row {last}, column 'job': unknown job 'Z-999' (not in sheet jobs)"
        in probs
    )
    assert any(p.startswith("sheet 'unavailable', row 2: ") and "end (100)" in p for p in probs), (
        probs
    )
    # the value pydantic refuses hides none of the family's cross-references (issue #14)
    assert any(
        p.startswith("sheet 'operations', row 4, column 'machine': unknown machine 'M9'")
        for p in probs
    ), probs
    assert "sheet 'machines', row 3, column 'calendar': unknown calendar 'night-shift'" in probs
    assert len(probs) == 4, probs
    # with the value fixed, the cross-references are still named the same way
    wb = load_workbook(template)
    wb["unavailable"].cell(2, _col(wb["unavailable"], "end")).value = 300
    wb.save(template)
    probs = _problems(template)
    assert any(
        p.startswith("sheet 'operations', row 4, column 'machine': unknown machine 'M9'")
        for p in probs
    ), probs
    assert "sheet 'machines', row 3, column 'calendar': unknown calendar 'night-shift'" in probs
    assert len(probs) == 3, probs  # and the unknown job again


def test_bad_csv_folder_names_file_row_and_column(tmp_path):
    folder = tmp_path / "csv"
    templates.write_template_csv("scheduling", folder)
    (folder / "setups.csv").unlink()  # optional table: fine
    text = (folder / "jobs.csv").read_text(encoding="utf-8-sig").splitlines()
    text[0] = text[0].replace("weight", "wieght")
    (folder / "jobs.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    (folder / "machines.csv").unlink()
    probs = _problems(folder)
    assert any(p.startswith("file machines.csv: missing CSV file") for p in probs), probs
    assert any(p.startswith("file jobs.csv, row 1, column 'wieght': unknown column") for p in probs)
    r = runner.invoke(app, ["validate", str(folder)])
    assert r.exit_code == 2 and "file machines.csv" in r.output and "Traceback" not in r.output


def test_from_frames_names_table_row_and_column():
    dfs = opsplan.instance_frames("scheduling", example())
    dfs["operations"].loc[1, "duration"] = "abc"
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.from_frames("scheduling", dfs)
    assert [str(p) for p in e.value.problems] == [
        "table 'operations', row 3, column 'duration': expected a whole number, got 'abc'"
    ]


def test_to_frames_gives_every_table_for_python_callers():
    res = opsplan.solve(CN)
    dfs = opsplan.to_frames(res, CN["instance"])
    assert {
        "summary",
        "plan",
        "jobs",
        "machines",
        "machine_sequence",
        "kpis",
        "penalties",
        "violations",
        "diagnosis",
    } <= set(dfs)
    assert all(isinstance(d, pd.DataFrame) for d in dfs.values())
    assert len(dfs["plan"]) == 4 and set(dfs["plan"]["job"]) == {"订单-甲", "订单-乙"}
    assert list(dfs["violations"].columns) == ["rule", "message", "entities"]
    assert dfs["violations"].empty


def test_infeasible_result_still_writes_diagnosis(tmp_path):
    req = sched([job("J", op("a", ("M", 5)), deadline=3)])
    res = opsplan.solve(req)
    assert res.status == opsplan.SolveStatus.INFEASIBLE
    out = tmp_path / "inf.xlsx"
    write_tables.write_result_workbook(res, out)
    rows = _sheet_rows(out, "diagnosis")
    assert rows and all(r["message"] for r in rows)
    assert "plan" not in load_workbook(out, read_only=True).sheetnames


def test_unknown_model_has_no_tables(tmp_path):
    with pytest.raises(opsplan.InvalidInput):
        tables.adapter("no-such-model")
    shutil.rmtree(tmp_path)


def test_times_may_be_dates_after_the_start(template):
    wb = load_workbook(template)
    ws = wb["jobs"]
    ws.cell(2, _col(ws, "due")).value = datetime(2026, 11, 30, 16, 0)  # start 06:00 + 600 min
    ws.cell(3, _col(ws, "release")).value = "2026-11-30 06:45"
    ws.cell(4, _col(ws, "due")).value = datetime(2026, 11, 30, 16, 0, 30)  # not whole minutes
    wb.save(template)
    assert _problems(template) == [
        "sheet 'jobs', row 4, column 'due': 2026-11-30 16:00:30 is not a whole number of "
        "minutes after the start"
    ]
    ws.cell(4, _col(ws, "due")).value = 900
    ws.cell(4, _col(ws, "due")).number_format = "General"  # else Excel reads 900 as a date
    wb.save(template)
    jobs = opsplan.load_request(template)["instance"]["jobs"]
    assert (jobs[0]["due"], jobs[1]["release"]) == (600, 45)
    wb["settings"].delete_rows(next(c.row for c in wb["settings"]["A"] if c.value == "start"))
    wb.save(template)
    probs = _problems(template)
    assert "sheet 'jobs', row 2, column 'due': a date needs the start setting" in probs


def test_unreadable_spreadsheet_kinds_get_a_plain_answer(tmp_path):
    one = tmp_path / "jobs.csv"
    one.write_text("job\nJ1\n", encoding="utf-8")
    old = tmp_path / "plan.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a zip", encoding="utf-8")
    assert _problems(one) == [
        f"{one}: a single CSV file: give the folder that holds one CSV file per table"
    ]
    assert _problems(old) == [f"{old}: old Excel format: save the workbook as .xlsx"]
    assert _problems(broken)[0].startswith(f"{broken}: cannot read the workbook")
    r = runner.invoke(app, ["solve", str(broken)])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_a_column_given_twice_is_named(template):
    wb = load_workbook(template)
    ws = wb["jobs"]
    ws.cell(1, ws.max_column + 1).value = "due"
    wb.save(template)
    assert "sheet 'jobs', row 1, column 'due': column given twice" in _problems(template)


def test_headers_match_whatever_their_case_and_table_level_problems_name_the_sheet(template):
    wb = load_workbook(template)
    ws = wb["operations"]
    ws.cell(1, _col(ws, "duration")).value = " Duration "
    ws = wb["objective"]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, _col(ws, "weight")).value = 0
    wb.save(template)
    assert _problems(template) == ["sheet 'objective': every weight is 0: nothing to optimise"]


def test_solve_options_on_the_settings_sheet(template):
    wb = load_workbook(template)
    ws = wb["settings"]
    row = next(c.row for c in ws["A"] if c.value == "time_limit_s")
    ws.cell(row, 2).value = 7
    wb.save(template)
    res = opsplan.solve(opsplan.load_request(template))
    assert res.options.time_limit_s == 7
    assert (
        opsplan.solve(opsplan.load_request(template), {"time_limit_s": 9}).options.time_limit_s == 9
    )
    ws.cell(row, 2).value = "soon"
    wb.save(template)
    probs = _problems(template)
    assert len(probs) == 1 and probs[0].startswith(f"sheet 'settings', row {row}, column 'value': ")


def test_every_problem_of_a_workbook_at_once(template):
    """A cell that does not convert, a value out of range, an unknown machine and a duplicate
    job id: all four named, each at its sheet, row and column (issue #14: one hid the rest)."""
    wb = load_workbook(template)
    ops, jobs = wb["operations"], wb["jobs"]
    ops.cell(3, _col(ops, "machine")).value = "M9"
    ops.cell(4, _col(ops, "duration")).value = -5
    ops.cell(5, _col(ops, "duration")).value = "x"
    jobs.cell(3, _col(jobs, "job")).value = jobs.cell(2, _col(jobs, "job")).value
    wb.save(template)
    probs = _problems(template)
    first = jobs.cell(2, _col(jobs, "job")).value
    assert "sheet 'operations', row 5, column 'duration': expected a whole number, got 'x'" in probs
    assert any(
        p.startswith("sheet 'operations', row 4, column 'duration': Input should be greater")
        for p in probs
    ), probs
    assert any(
        p.startswith("sheet 'operations', row 3, column 'machine': unknown machine 'M9'")
        for p in probs
    ), probs
    assert f"sheet 'jobs', row 3, column 'job': duplicate job id {first!r}" in probs, probs
    # the cell already named is not named again as a missing value
    assert sum("row 5, column 'duration'" in p for p in probs) == 1, probs
