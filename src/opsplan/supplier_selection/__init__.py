"""Supplier selection (model `supplier_selection`): awards with price breaks on PuLP."""

from ..core.registry import ModelSpec, register
from .check import check
from .diagnose import precheck
from .kpis import kpis
from .prepare import Prepared
from .schema import RULES, SupplierInstance, SupplierSolution
from .solver import solve
from .validate import validate
from .views import TABLES

SPEC = register(
    ModelSpec(
        name="supplier_selection",
        description="Supplier selection: which suppliers get which share of each item's demand "
        "(price breaks, MOQ, capacities, quality, disruption scenarios; PuLP with CBC or HiGHS).",
        instance_type=SupplierInstance,
        solution_type=SupplierSolution,
        rules=RULES,
        validate=validate,
        prepare=Prepared,
        precheck=precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        default_backend="highs",
        backends=("highs", "cbc"),
        tables=TABLES,
    )
)
