"""Staffing levels (model `staffing_levels`): people per shift pattern from demand, on PuLP."""

from ..core.registry import register_family
from .convert import to_rostering_coverage  # public: opsplan.staffing_levels.to_rostering_coverage
from .schema import StaffingLevelsInstance, StaffingLevelsSolution

SPEC = register_family(
    __name__,
    description="Staffing levels: how many people work each shift pattern to cover demand "
    "per time slot at least cost (under-coverage penalty, part-time share; PuLP, CBC or "
    "HiGHS).",
    instance_type=StaffingLevelsInstance,
    solution_type=StaffingLevelsSolution,
    backends=("highs", "cbc"),
)

__all__ = ["SPEC", "to_rostering_coverage"]
