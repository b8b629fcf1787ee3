"""Inventory replenishment and lot sizing (model `replenishment`): a MILP on PuLP."""

from ..core.registry import register_family
from .formats import read_clsp
from .schema import ReplenishmentInstance, ReplenishmentSolution

SPEC = register_family(
    __name__,
    description="Inventory replenishment and lot sizing: what to order or produce, when and "
    "how much (lead times, MOQ, packs, safety stock, shortages, shared space, budget, "
    "trucks, production capacity with setups; PuLP on HiGHS or CBC).",
    instance_type=ReplenishmentInstance,
    solution_type=ReplenishmentSolution,
    backends=("highs", "cbc"),
    formats={"clsp": read_clsp},
)
