"""Production scheduling (model `scheduling`): flexible job shop on CP-SAT."""

from ..core.registry import register_family
from .formats import read_fjsp, read_jssp
from .schema import SchedulingInstance, SchedulingSolution

SPEC = register_family(
    __name__,
    description="Production scheduling: which machine runs which operation, and when "
    "(flexible job shop with calendars, setups, due dates and pins; CP-SAT).",
    instance_type=SchedulingInstance,
    solution_type=SchedulingSolution,
    formats={"jssp": read_jssp, "fjsp": read_fjsp},
)
