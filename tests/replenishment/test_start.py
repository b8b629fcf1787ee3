"""The starting plans are valid plans (the checker finds nothing) when no shared limit binds."""

from __future__ import annotations

import pytest

from opsplan.replenishment.check import check
from opsplan.replenishment.heuristic import cover_periods, lot_for_lot
from opsplan.replenishment.milp import Formulation
from opsplan.replenishment.prepare import prepare
from opsplan.replenishment.schema import ReplenishmentInstance

from .helpers import item, plan_of, req


@pytest.mark.parametrize("eoq", [False, True])
def test_starting_plan_meets_every_item_rule(eoq):
    r = req(
        [
            item("A", [10, 0, 25, 5, 30], order_cost=50, holding_cost=1, moq=12, pack_size=4),
            item(
                "B",
                [5, 5, 5, 5, 5],
                lead_time=1,
                initial_stock=6,
                shelf_life=2,
                order_cost=9,
                holding_cost=1,
                safety_stock={"kind": "fixed", "quantity": 2},
            ),
            item(
                "C",
                [8, 8, 8, 8, 8],
                lead_time=2,
                shortage={"mode": "lost_sales", "penalty": 1},
                max_stock=10,
                order_cost=100,
                holding_cost=0.1,
            ),
        ]
    )
    inst = ReplenishmentInstance.model_validate(r["instance"])
    F = Formulation(prepare(inst))
    F.complete_start(lot_for_lot(F, cover_periods(F) if eoq else None))
    rep = check(inst, plan_of(F))
    assert rep.violations == []
    # A: EOQ sqrt(2*14*50/1) = 37.4 covers 2.7 -> 3 periods of mean 14; B: shelf life 2 -> 1;
    # C: 126.5 / 8 -> 16 (its maximum stock caps each order instead)
    assert cover_periods(F) == [3, 1, 16]
