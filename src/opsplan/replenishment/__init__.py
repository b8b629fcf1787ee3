"""Inventory replenishment and lot sizing (model `replenishment`): a MILP on PuLP."""

from ..core.registry import ModelSpec, register
from .check import check
from .diagnose import precheck
from .formats import read_clsp
from .kpis import kpis
from .prepare import prepare
from .schema import RULES, ReplenishmentInstance, ReplenishmentSolution
from .solver import solve
from .validate import validate
from .views import TABLES

SPEC = register(
    ModelSpec(
        name="replenishment",
        description="Inventory replenishment and lot sizing: what to order or produce, when and "
        "how much (lead times, MOQ, packs, safety stock, shortages, shared space, budget, "
        "trucks, production capacity with setups; PuLP on HiGHS or CBC).",
        instance_type=ReplenishmentInstance,
        solution_type=ReplenishmentSolution,
        validate=validate,
        prepare=prepare,
        precheck=precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        rules=RULES,
        default_backend="highs",
        backends=("highs", "cbc"),
        formats={"clsp": read_clsp},
        tables=TABLES,
    )
)
