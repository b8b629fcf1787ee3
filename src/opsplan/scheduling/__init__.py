"""Production scheduling (model `scheduling`): flexible job shop on CP-SAT."""

from ..core.registry import ModelSpec, register
from .check import check
from .diagnose import precheck
from .formats import read_fjsp, read_jssp
from .frames import TABLES
from .kpis import kpis
from .schema import SchedulingInstance
from .solver import solve
from .validate import validate

SPEC = register(
    ModelSpec(
        name="scheduling",
        description="Production scheduling: which machine runs which operation, and when "
        "(flexible job shop with calendars, setups, due dates and pins; CP-SAT).",
        instance_type=SchedulingInstance,
        validate=validate,
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
