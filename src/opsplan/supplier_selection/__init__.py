"""Supplier selection (model `supplier_selection`): awards with price breaks on PuLP."""

from ..core.registry import register_family
from .schema import SupplierInstance, SupplierSolution

SPEC = register_family(
    __name__,
    description="Supplier selection: which suppliers get which share of each item's demand "
    "(price breaks, MOQ, capacities, quality, disruption scenarios; PuLP with CBC or HiGHS).",
    instance_type=SupplierInstance,
    solution_type=SupplierSolution,
    backends=("highs", "cbc"),
)
