"""Planner files for replenishment: template -> workbook -> solve -> result workbook, bad
workbooks named by sheet/row/column, Chinese item names unchanged, stock charts with orders."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core.registry import get
from opsplan.core.tables import LineChart
from opsplan.io import templates, write_tables
from opsplan.io.charts import render_png
from opsplan.replenishment.check import check
from opsplan.replenishment.schema import ReplenishmentInstance
from opsplan.replenishment.tables import example

runner = CliRunner()
OPTS = {"time_limit_s": 10, "workers": 1}


def _rows(path, sheet: str) -> list[dict]:
    ws = load_workbook(path, read_only=True)[sheet]
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return [dict(zip(header, r, strict=False)) for r in it]


def _problems(path) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.load_request(path)
    return [str(p) for p in e.value.problems]


def test_template_workbook_solve_result_workbook_round_trip(tmp_path):
    tpl, plan = tmp_path / "input.xlsx", tmp_path / "plan.xlsx"
    r = runner.invoke(app, ["template", "replenishment", "-o", str(tpl)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tpl)
    assert wb.sheetnames == ["README", *(t.name for t in get("replenishment").tables.inputs)]
    for name in ("items", "demand", "open_orders"):
        header = [c.value for c in wb[name][1]]
        assert all(wb[name].cell(1, i + 1).comment for i in range(len(header))), name
    req = opsplan.load_request(tpl)
    assert ReplenishmentInstance.model_validate(req["instance"]) == example()

    r = runner.invoke(app, ["solve", str(tpl), "-t", "10", "-o", str(plan)])
    assert r.exit_code == 0, r.output
    res = opsplan.solve(req, OPTS)
    assert res.status in (opsplan.SolveStatus.OPTIMAL, opsplan.SolveStatus.FEASIBLE)
    assert res.violations == []
    wb = load_workbook(plan, read_only=True)
    for sheet in ("summary", "orders", "projected_stock", "kpis", "violations"):
        assert sheet in wb.sheetnames, sheet
    assert _rows(plan, "violations") == []
    # the plan written by the CLI passes the checker on its own
    orders = _rows(plan, "orders")
    stock = _rows(plan, "projected_stock")
    sol = {
        "orders": orders,
        "stock": stock,
        "forecasts": _rows(plan, "forecasts"),
        "policies": _rows(plan, "policies"),
    }
    rep = check(example(), sol)
    assert rep.violations == []
    summary = {r["item"]: r["value"] for r in _rows(plan, "summary")}
    assert rep.objective == pytest.approx(summary["objective"], rel=1e-6)
    # projected stock is the balance: previous stock + arrivals - demand (no shortages here)
    inst = example()
    for it in inst.items:
        mine = [r for r in stock if r["item"] == it.id]
        assert [r["period"] for r in mine] == list(range(inst.periods))
        prev = it.initial_stock
        for r in mine:
            assert r["stock"] - r["backorder"] == pytest.approx(prev + r["arrivals"] - r["demand"])
            prev = r["stock"] - r["backorder"]
        # arrivals are the open orders plus the plan's orders arriving then
        for t, r in enumerate(mine):
            due = sum(o.quantity for o in it.on_order if o.period == t) + sum(
                x["quantity"] for x in orders if x["item"] == it.id and x["arrival_period"] == t
            )
            assert r["arrivals"] == pytest.approx(due)
        # one sheet per item: its own periods, with the orders placed each period
        view = _rows(plan, f"item {it.id}")
        assert len(view) == inst.periods
        assert [v["ordered"] for v in view] == [
            sum(o["quantity"] for o in orders if o["item"] == it.id and o["order_period"] == t)
            for t in range(inst.periods)
        ]


def test_stock_chart_shows_stock_safety_stock_and_orders(tmp_path):
    inst = example()
    res = opsplan.solve({"model": "replenishment", "instance": inst.model_dump()}, OPTS)
    assert res.violations == []
    charts = get("replenishment").tables.charts(res, inst)
    assert [c.title for c in charts] == [f"Projected stock of {it.id}" for it in inst.items]
    for c, it in zip(charts, inst.items, strict=True):
        assert isinstance(c, LineChart)
        mine = [r for r in res.solution["stock"] if r["item"] == it.id]
        assert c.series["projected stock"] == [r["stock"] for r in mine]
        assert c.series["safety stock"] == [r["safety_stock"] for r in mine]
        orders = [o for o in res.solution["orders"] if o["item"] == it.id]
        assert sorted(m.x for m in c.markers) == sorted(o["arrival_period"] for o in orders)
    flour = charts[0]
    assert max(flour.series["safety stock"]) == 20  # the example's fixed safety stock
    png = render_png(flour, tmp_path / "stock.png")
    assert png.stat().st_size > 1000


def test_bad_workbook_names_sheet_row_and_column(tmp_path):
    tpl = tmp_path / "input.xlsx"
    templates.write_template("replenishment", tpl)
    wb = load_workbook(tpl)
    ws = wb["open_orders"]
    header = [c.value for c in ws[1]]
    ws.delete_cols(header.index("quantity") + 1)  # a missing column
    ws = wb["items"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("lead_time") + 1, "two weeks")  # a wrong type
    wb.save(tpl)
    assert _problems(tpl) == [
        "sheet 'items', row 3, column 'lead_time': expected a whole number, got 'two weeks'",
        "sheet 'open_orders', row 1, column 'quantity': missing column",
    ]


def test_unknown_items_and_bad_values_are_named_by_row(tmp_path):
    tpl = tmp_path / "input.xlsx"
    templates.write_template("replenishment", tpl)
    wb = load_workbook(tpl)
    ws = wb["demand"]
    ws.append(["SALT", 0, 10])
    bad_row = ws.max_row
    ws = wb["items"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("safety_kind") + 1, "plenty")
    wb.save(tpl)
    probs = _problems(tpl)
    assert f"sheet 'demand', row {bad_row}, column 'item': unknown item 'SALT' (not in items)" in (
        probs
    )
    assert any(p.startswith("sheet 'items', row 2, column 'safety_kind'") for p in probs), probs


def test_chinese_item_names_round_trip(tmp_path):
    inst = example().model_dump()
    ren = {"FLOUR-25KG": "面粉25公斤", "SUGAR-10KG": "白糖10公斤", "YEAST-1KG": "酵母1公斤"}
    for it in inst["items"]:
        it["id"] = ren[it["id"]]
        if it["supplier"]:
            it["supplier"] = "中粮面粉厂"
    inst["suppliers"][0]["id"] = "中粮面粉厂"
    book, folder = tmp_path / "cn.xlsx", tmp_path / "cn"
    templates.write_template("replenishment", book, inst)
    templates.write_template_csv("replenishment", folder, inst)
    want = ReplenishmentInstance.model_validate(inst)
    for src in (book, folder):
        req = opsplan.load_request(src)
        assert ReplenishmentInstance.model_validate(req["instance"]) == want
    res = opsplan.solve(opsplan.load_request(book), OPTS)
    assert res.violations == [] and res.solution is not None
    plan = tmp_path / "plan.xlsx"
    write_tables.write_result_workbook(res, plan, inst)
    assert {r["item"] for r in _rows(plan, "projected_stock")} == set(ren.values())
    wb = load_workbook(plan, read_only=True)
    for name in ren.values():
        assert f"item {name}" in wb.sheetnames
    out = tmp_path / "plan_csv"
    write_tables.write_result_csv(res, out, inst)
    text = (out / "orders.csv").read_text(encoding="utf-8")
    assert any(v in text for v in ren.values())


def _rich() -> dict:
    inst = example().model_dump()
    inst["period_days"] = 5.0
    inst["warehouse_space"] = [150.0] * 4 + [120.0] * 4
    inst["budget"] = [3000.0] * 8
    inst["suppliers"][0] |= {"truck_capacity": 80.0, "truck_cost": 50.0, "max_trucks": 3}
    yeast = inst["items"][2]
    yeast["demand"] = None  # forecast from history
    yeast["history"] = [5.0, 6.0, 7.0, 5.0, 6.0, 8.0, 6.0, 7.0]
    yeast["safety_stock"] = {"kind": "service_level", "level": 0.9, "penalty": 2.0}
    yeast["shortage"] = {"mode": "lost_sales", "penalty": 20.0}
    yeast["resource"] = "OVEN"
    yeast["time_per_unit"] = 0.5
    yeast["setup_time"] = 2.0
    inst["items"][0]["resource"] = "PACK"
    inst["items"][0]["time_per_unit"] = 0.1
    inst["resources"] = [
        {"id": "OVEN", "capacity": [40.0] * 8},
        {"id": "PACK", "capacity": 100.0},
    ]
    return inst


def test_rich_instance_round_trips_through_workbook_and_csv(tmp_path):
    inst = _rich()
    assert opsplan.validate({"model": "replenishment", "instance": inst}) == []
    want = ReplenishmentInstance.model_validate(inst)
    book, folder = tmp_path / "rich.xlsx", tmp_path / "rich"
    templates.write_template("replenishment", book, inst)
    templates.write_template_csv("replenishment", folder, inst)
    for src in (book, folder):
        assert ReplenishmentInstance.model_validate(opsplan.load_request(src)["instance"]) == want
    assert len(_rows(book, "limits")) == 8 and len(_rows(book, "history")) == 8


def test_a_limit_given_twice_and_a_gap_in_history_are_named(tmp_path):
    inst = _rich()
    book = tmp_path / "rich.xlsx"
    templates.write_template("replenishment", book, inst)
    wb = load_workbook(book)
    ws = wb["settings"]
    ws.append(["budget", 2000])
    ws = wb["history"]
    ws.delete_rows(4)  # YEAST-1KG's history position 2
    wb.save(book)
    assert _problems(book) == [
        "sheet 'limits', row 2, column 'budget': budget is also given on sheet settings; give "
        "it in one place",
        "sheet 'history', row 2, column 'quantity': the history of 'YEAST-1KG' has no value for "
        "period(s) 2",
    ]


def test_report_has_one_stock_chart_per_item():
    from opsplan.io.report import build_report

    inst = example()
    res = opsplan.solve({"model": "replenishment", "instance": inst.model_dump()}, OPTS)
    page = build_report(res, inst)
    for k in range(len(inst.items)):
        assert f"chart-{k}-stock_{k + 1}" in page
    assert 'data-kpi="fill_rate"' in page and "Projected stock of SUGAR-10KG" in page
