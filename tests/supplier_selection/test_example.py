"""The example instance is valid, and it is exactly what the seeded generator makes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import opsplan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "instances/supplier_selection/manufacturer_60x12.json"


def test_example_is_valid_and_has_the_promised_shape():
    req = json.loads(EXAMPLE.read_text())
    assert opsplan.validate(req) == []
    inst = req["instance"]
    assert (len(inst["items"]), len(inst["suppliers"]), inst["periods"]) == (60, 12, 4)
    assert len(inst["scenarios"]) == 2
    assert max(len(o["tiers"]) for o in inst["offers"]) == 3
    assert {o["break_type"] for o in inst["offers"]} == {"all_units", "incremental"}


def test_generator_is_seeded():
    sys.path.insert(0, str(ROOT / "tools"))
    from make_supplier_instances import generate, request

    assert request(generate(seed=7)) == json.loads(EXAMPLE.read_text())
    assert generate(items=20, suppliers=6, seed=3) == generate(items=20, suppliers=6, seed=3)
    assert generate(items=20, suppliers=6, seed=3) != generate(items=20, suppliers=6, seed=4)


def test_a_small_generated_instance_solves_to_a_checked_plan():
    sys.path.insert(0, str(ROOT / "tools"))
    from make_supplier_instances import generate

    inst = generate(items=5, suppliers=4, periods=2, seed=1)
    res = opsplan.solve(
        {"model": "supplier_selection", "instance": inst},
        {"time_limit_s": 20, "relative_gap": 0.001},
    )
    assert res.violations == []
    assert res.status == opsplan.SolveStatus.OPTIMAL, (res.status, res.diagnosis)
    assert res.gap is not None and res.gap <= 0.001


def test_fix_and_optimise_keeps_a_checked_plan_and_never_worsens_it():
    sys.path.insert(0, str(ROOT / "tools"))
    from make_supplier_instances import generate

    from opsplan.core.run import RunContext
    from opsplan.supplier_selection import solution, solver
    from opsplan.supplier_selection.check import check
    from opsplan.supplier_selection.milp import Formulation
    from opsplan.supplier_selection.prepare import Prepared
    from opsplan.supplier_selection.schema import SupplierInstance

    inst = SupplierInstance.model_validate(generate(items=12, suppliers=4, periods=1, seed=2))
    P = Prepared(inst)
    F = Formulation(P)
    F.set_objective(F.terms["cost"])
    opts = opsplan.SolveOptions(backend="highs", time_limit_s=20)
    ctx = RunContext()
    assert solver._flat_start(P, F, opts, ctx, 8.0, [])
    before = solution.evaluate(P, F.extract())["cost"]
    solver._improve(P, F, opts, ctx, ctx.elapsed() + 4.0, [])
    plan = F.extract()
    after = solution.evaluate(P, plan)["cost"]
    assert after <= before + 1e-6
    report = check(inst, solution.build_solution(P, plan).model_dump(mode="json"))
    assert report.violations == [] and abs(report.objective - after) < 1e-6 * max(1.0, after)
