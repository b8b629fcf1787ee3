"""Rostering (model `rostering`): who works which shift on which day, on CP-SAT."""

from ..core.registry import register_family
from .formats import read_nrp
from .schema import RosteringInstance, RosteringSolution

SPEC = register_family(
    __name__,
    description="Rostering: who works which shift on which day (contract rules hard or "
    "soft with weights, skills, coverage, requests, history, pins, fairness; CP-SAT).",
    instance_type=RosteringInstance,
    solution_type=RosteringSolution,
    formats={"nrp": read_nrp},
)
