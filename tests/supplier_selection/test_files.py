"""Planner files for supplier selection: template -> workbook -> solve -> result workbook, bad
workbooks named by sheet/row/column, Chinese supplier names unchanged, award-share charts."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core.registry import get
from opsplan.io import templates, write_tables
from opsplan.io.charts import render_png
from opsplan.supplier_selection.schema import SupplierInstance
from opsplan.supplier_selection.tables import example

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
    r = runner.invoke(app, ["template", "supplier_selection", "-o", str(tpl)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tpl)
    assert wb.sheetnames == ["README", *(t.name for t in get("supplier_selection").tables.inputs)]
    for name in ("items", "demand", "suppliers", "offers"):
        header = [c.value for c in wb[name][1]]
        assert all(wb[name].cell(1, i + 1).comment for i in range(len(header))), name
    # one row per price tier: the example's two-tier offers are two rows each
    offers = _rows(tpl, "offers")
    assert len(offers) == sum(len(o.tiers) for o in example().offers)
    req = opsplan.load_request(tpl)
    assert SupplierInstance.model_validate(req["instance"]) == example()

    r = runner.invoke(app, ["solve", str(tpl), "-t", "10", "-o", str(plan)])
    assert r.exit_code == 0, r.output
    res = opsplan.solve(req, OPTS)
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    wb = load_workbook(plan, read_only=True)
    for sheet in ("summary", "awards", "suppliers", "regions", "binding", "kpis", "violations"):
        assert sheet in wb.sheetnames, sheet
    awards = _rows(plan, "awards")
    got = {(a["item"], a["supplier"], a["period"]): a["quantity"] for a in awards}
    assert got == {
        (a["item"], a["supplier"], a["period"]): a["quantity"] for a in res.solution["awards"]
    }
    assert sum(a["cost"] for a in awards) == pytest.approx(res.kpis["purchase_cost"])
    # every item's demand is covered in every period
    for it in example().items:
        for t, d in enumerate(it.demand):
            assert sum(q for (i, _, p), q in got.items() if i == it.id and p == t) >= d
    # one sheet per supplier with an award: its own rows
    for sp in {a["supplier"] for a in awards}:
        mine = _rows(plan, f"supplier {sp}")
        assert len(mine) == sum(1 for a in awards if a["supplier"] == sp)
        assert sum(r["quantity"] for r in mine) == sum(
            a["quantity"] for a in awards if a["supplier"] == sp
        )
    per_sup = {r["supplier"]: r["quantity"] for r in _rows(plan, "suppliers")}
    assert per_sup == {r["supplier"]: r["quantity"] for r in res.kpis["by_supplier"]}
    regions = {r["region"]: r["quantity"] for r in _rows(plan, "regions")}
    assert sum(regions.values()) == res.kpis["units_bought"]
    binding = _rows(plan, "binding")
    assert [b["rule"] for b in binding] == [b["rule"] for b in res.kpis["binding"]]
    assert _rows(plan, "violations") == []


def test_award_share_chart_matches_the_awards(tmp_path):
    inst = example()
    res = opsplan.solve({"model": "supplier_selection", "instance": inst.model_dump()}, OPTS)
    assert res.violations == []
    charts = get("supplier_selection").tables.charts(res, inst)
    shares = next(c for c in charts if c.name == "award_shares")
    for k, item in enumerate(shares.categories):
        assert sum(v[k] for v in shares.series.values()) == pytest.approx(100.0)
        for sp, values in shares.series.items():
            q = sum(
                a["quantity"]
                for a in res.solution["awards"]
                if a["item"] == item and a["supplier"] == sp
            )
            total = sum(a["quantity"] for a in res.solution["awards"] if a["item"] == item)
            assert values[k] == pytest.approx(100.0 * q / total)
    png = render_png(shares, tmp_path / "shares.png")
    assert png.stat().st_size > 1000


def test_bad_workbook_names_sheet_row_and_column(tmp_path):
    tpl = tmp_path / "input.xlsx"
    templates.write_template("supplier_selection", tpl)
    wb = load_workbook(tpl)
    ws = wb["offers"]
    header = [c.value for c in ws[1]]
    ws.delete_cols(header.index("price") + 1)  # a missing column
    ws = wb["demand"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("quantity") + 1, "lots")  # a wrong type
    wb.save(tpl)
    assert _problems(tpl) == [
        "sheet 'demand', row 3, column 'quantity': expected a whole number, got 'lots'",
        "sheet 'offers', row 1, column 'price': missing column",
    ]


def test_unknown_ids_and_bad_values_are_named_by_row(tmp_path):
    tpl = tmp_path / "input.xlsx"
    templates.write_template("supplier_selection", tpl)
    wb = load_workbook(tpl)
    ws = wb["demand"]
    ws.append(["SCREW", 0, 10])  # row after the example rows
    bad_row = ws.max_row
    ws = wb["suppliers"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("defect_rate") + 1, 1.5)  # outside 0..1
    wb.save(tpl)
    probs = _problems(tpl)
    assert (
        f"sheet 'demand', row {bad_row}, column 'item': unknown item 'SCREW' (not in items)"
        in probs
    )
    assert any(p.startswith("sheet 'suppliers', row 2, column 'defect_rate'") for p in probs), probs


def test_chinese_supplier_names_round_trip(tmp_path):
    inst = example().model_dump()
    ren = {"ACME": "华东紧固件", "BOLTCO": "深圳螺栓厂", "FAREAST": "远东零件"}
    for sp in inst["suppliers"]:
        sp["id"] = ren[sp["id"]]
        sp["name"] = sp["id"] + "有限公司"
        sp["region"] = "华东" if sp["region"] == "EU" else "华南"
    for o in inst["offers"]:
        o["supplier"] = ren[o["supplier"]]
    inst["items"][0]["name"] = "螺栓 M8"
    book, folder = tmp_path / "cn.xlsx", tmp_path / "cn"
    templates.write_template("supplier_selection", book, inst)
    templates.write_template_csv("supplier_selection", folder, inst)
    for src in (book, folder):
        req = opsplan.load_request(src)
        assert SupplierInstance.model_validate(req["instance"]) == SupplierInstance.model_validate(
            inst
        )
    res = opsplan.solve(opsplan.load_request(book), OPTS)
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    plan = tmp_path / "plan.xlsx"
    write_tables.write_result_workbook(res, plan, inst)
    awards = _rows(plan, "awards")
    assert {a["supplier"] for a in awards} <= set(ren.values())
    assert {a["supplier_name"] for a in awards} <= {v + "有限公司" for v in ren.values()}
    wb = load_workbook(plan, read_only=True)
    for sp in {a["supplier"] for a in awards}:
        assert f"supplier {sp}" in wb.sheetnames
    out = tmp_path / "plan_csv"
    write_tables.write_result_csv(res, out, inst)
    text = (out / "awards.csv").read_text(encoding="utf-8")
    assert any(v in text for v in ren.values())


def _rich() -> dict:
    inst = example().model_dump()
    inst["need_days"] = [5, 12, 19]
    inst["items"][1]["need_days"] = [6, 13, 20]
    for it in inst["items"]:
        it["spot_price"] = 0.5
    inst["items"][0]["max_suppliers"] = 2
    inst["suppliers"][0]["capacity"] = [900, 800, 700]
    inst["policies"] |= {
        "order_basis": "period",
        "budget": 5000.0,
        "commitments": [
            {"supplier": "ACME", "item": "NUT-M8", "min_quantity": 100},
            {"supplier": "BOLTCO", "min_quantity": 50},
        ],
    }
    inst["scenarios"] = [
        {"id": "strike", "probability": 0.1, "failing": ["FAREAST"], "capacity_loss": {}},
        {
            "id": "floods",
            "probability": 0.05,
            "failing": [],
            "capacity_loss": {"ACME": 0.3, "BOLTCO": 0.5},
        },
    ]
    inst["cvar"] = {"alpha": 0.9, "max_cost": 9000.0}
    inst["objective"] = {
        "mode": "weighted",
        "terms": [{"term": "cost", "weight": 1.0}, {"term": "risk", "weight": 0.5}],
        "lexicographic_tolerance": 0.0,
        "pareto_term": "defects",
        "pareto_points": 4,
    }
    return inst


def test_rich_instance_round_trips_through_workbook_and_csv(tmp_path):
    inst = _rich()
    assert opsplan.validate({"model": "supplier_selection", "instance": inst}) == []
    want = SupplierInstance.model_validate(inst)
    book, folder = tmp_path / "rich.xlsx", tmp_path / "rich"
    templates.write_template("supplier_selection", book, inst)
    templates.write_template_csv("supplier_selection", folder, inst)
    for src in (book, folder):
        assert SupplierInstance.model_validate(opsplan.load_request(src)["instance"]) == want
    # the scenario tables of the result come through as well
    res = opsplan.solve(opsplan.load_request(book), OPTS)
    assert res.violations == [] and res.solution is not None
    tables = write_tables.result_tables(res, inst)
    assert [r["scenario"] for r in tables["scenarios"]] == ["strike", "floods"]


def test_capacity_with_a_missing_period_is_named(tmp_path):
    inst = _rich()
    book = tmp_path / "rich.xlsx"
    templates.write_template("supplier_selection", book, inst)
    wb = load_workbook(book)
    ws = wb["capacity"]
    ws.delete_rows(3)  # ACME's period 1
    wb.save(book)
    assert _problems(book) == [
        "sheet 'capacity', row 2, column 'period': supplier 'ACME' has no capacity row for "
        "period(s) 1"
    ]


def test_report_has_the_award_charts_and_supplier_names():
    from opsplan.io.report import build_report

    inst = example()
    res = opsplan.solve({"model": "supplier_selection", "instance": inst.model_dump()}, OPTS)
    page = build_report(res, inst)
    assert "chart-0-award_shares" in page and "chart-1-spend_by_supplier" in page
    assert 'data-kpi="total_cost"' in page and "Far East Parts" in page
