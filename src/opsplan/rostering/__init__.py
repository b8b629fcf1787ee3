"""Rostering (model `rostering`): who works which shift on which day, on CP-SAT."""

from ..core.registry import ModelSpec, register
from .check import check
from .diagnose import precheck
from .formats import read_nrp
from .kpis import kpis
from .schema import RULES, RosteringInstance, RosteringSolution
from .solver import solve
from .validate import validate
from .views import TABLES

SPEC = register(
    ModelSpec(
        name="rostering",
        description="Rostering: who works which shift on which day (contract rules hard or "
        "soft with weights, skills, coverage, requests, history, pins, fairness; CP-SAT).",
        instance_type=RosteringInstance,
        solution_type=RosteringSolution,
        rules=RULES,
        validate=validate,
        precheck=precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        default_backend="cpsat",
        backends=("cpsat",),
        formats={"nrp": read_nrp},
        tables=TABLES,
    )
)
