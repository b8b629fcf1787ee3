"""Staffing levels (model `staffing_levels`): people per shift pattern from demand, on PuLP."""

from ..core.options import SolveOptions
from ..core.registry import ModelSpec, register
from ..core.result import Finding
from .check import check
from .convert import to_rostering_coverage
from .kpis import kpis
from .milp import solve
from .schema import StaffingLevelsInstance
from .validate import validate
from .views import TABLES


def _no_precheck(inst: StaffingLevelsInstance, options: SolveOptions) -> list[Finding]:
    return []  # every instance is feasible: under-coverage is priced, never forbidden


SPEC = register(
    ModelSpec(
        name="staffing_levels",
        description="Staffing levels: how many people work each shift pattern to cover demand "
        "per time slot at least cost (under-coverage penalty, part-time share; PuLP, CBC or "
        "HiGHS).",
        instance_type=StaffingLevelsInstance,
        validate=validate,
        precheck=_no_precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        default_backend="highs",
        backends=("highs", "cbc"),
        tables=TABLES,
    )
)

__all__ = ["SPEC", "to_rostering_coverage"]
