"""Staffing levels (model `staffing_levels`): people per shift pattern from demand, on PuLP."""

from ..core.registry import ModelSpec, register
from .check import check
from .convert import to_rostering_coverage  # public: opsplan.staffing_levels.to_rostering_coverage
from .diagnose import precheck
from .kpis import kpis
from .prepare import prepare
from .schema import RULES, StaffingLevelsInstance, StaffingLevelsSolution
from .solver import solve
from .validate import validate
from .views import TABLES

SPEC = register(
    ModelSpec(
        name="staffing_levels",
        description="Staffing levels: how many people work each shift pattern to cover demand "
        "per time slot at least cost (under-coverage penalty, part-time share; PuLP, CBC or "
        "HiGHS).",
        instance_type=StaffingLevelsInstance,
        solution_type=StaffingLevelsSolution,
        validate=validate,
        prepare=prepare,
        precheck=precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        rules=RULES,
        default_backend="highs",
        backends=("highs", "cbc"),
        tables=TABLES,
    )
)

__all__ = ["SPEC", "to_rostering_coverage"]
