"""Production scheduling (model `scheduling`): flexible job shop on CP-SAT."""

from ..core.registry import ModelSpec, register
from .check import RULES, check
from .diagnose import precheck
from .formats import read_fjsp, read_jssp
from .kpis import kpis
from .prepare import Prepared
from .schema import SchedulingInstance, SchedulingSolution
from .solver import solve
from .validate import validate
from .views import TABLES

SPEC = register(
    ModelSpec(
        name="scheduling",
        description="Production scheduling: which machine runs which operation, and when "
        "(flexible job shop with calendars, setups, due dates and pins; CP-SAT).",
        instance_type=SchedulingInstance,
        solution_type=SchedulingSolution,
        rules=RULES,
        validate=validate,
        prepare=Prepared,
        precheck=precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        default_backend="cpsat",
        backends=("cpsat",),
        formats={"jssp": read_jssp, "fjsp": read_fjsp},
        tables=TABLES,
    )
)
