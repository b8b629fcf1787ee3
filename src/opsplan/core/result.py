"""The result envelope: one contract for every family and every interface."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .jsonsafe import finite_or_none, sanitize
from .options import SolveOptions
from .status import SolveStatus

SCHEMA_VERSION = "1"


class Finding(BaseModel):
    """A rule that a plan breaks (violation) or that makes the input infeasible (diagnosis)."""

    rule: str = Field(description="The rule's name, as in models/<family>.md.")
    message: str = Field(description="What is wrong, in the planner's words.")
    entities: dict[str, str | int | float | list[str]] = Field(
        default_factory=dict, description="The ids involved: job, operation, machine, ..."
    )


class SolverInfo(BaseModel):
    name: str = ""
    version: str = ""
    workers: int | None = None
    seed: int | None = None


class SolveResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    model: str
    status: SolveStatus
    objective: float | None = Field(None, description="Objective of the returned plan.")
    bound: float | None = Field(None, description="Best proven bound on the objective.")
    gap: float | None = Field(None, description="(objective - bound) / |objective|.")
    runtime_s: float = Field(0.0, description="Wall seconds of the whole solve.")
    solver: SolverInfo = Field(default_factory=SolverInfo)
    options: SolveOptions = Field(default_factory=SolveOptions)
    kpis: dict[str, Any] = Field(default_factory=dict)
    penalties: dict[str, Any] = Field(default_factory=dict)
    solution: dict[str, Any] | None = None
    diagnosis: list[Finding] = Field(default_factory=list)
    violations: list[Finding] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)

    @field_validator("objective", "bound", "gap", mode="before")
    @classmethod
    def _finite(cls, v: Any) -> Any:
        return finite_or_none(v)

    @field_validator("kpis", "penalties", "solution", mode="before")
    @classmethod
    def _sanitize(cls, v: Any) -> Any:
        return sanitize(v)

    def to_json(self, indent: int | None = 2) -> str:
        # allow_nan=False: a non-finite number anywhere is a bug, never silent invalid JSON
        return json.dumps(
            self.model_dump(mode="json"), indent=indent, allow_nan=False, ensure_ascii=False
        )

    @classmethod
    def from_json(cls, text: str) -> SolveResult:
        return cls.model_validate_json(text)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective - bound) / |objective| for minimisation; 0 when both are 0; None if unknown."""
    if objective is None or bound is None:
        return None
    diff = max(0.0, float(objective) - float(bound))
    if abs(objective) < 1e-9:
        return 0.0 if diff < 1e-9 else None
    return diff / abs(float(objective))
