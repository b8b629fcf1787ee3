"""Solve options shared by every model family and every interface (Python, CLI, files, HTTP)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .schema_types import StrictModel

Backend = Literal["auto", "cpsat", "cbc", "highs"]


class SolveOptions(StrictModel):
    """How to solve. Unknown fields are rejected: a misspelled option is never silently ignored;
    numbers are finite."""

    time_limit_s: float = Field(
        30.0,
        gt=0,
        le=7 * 24 * 3600,
        description="Wall-clock limit, seconds, for reading, building and searching; "
        "checking the plan and computing KPIs afterwards is not counted.",
    )
    workers: int = Field(
        2, ge=1, le=256, description="Solver threads. CP-SAT with 1 worker is deterministic."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Random seed given to the solver.")
    relative_gap: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Stop when (objective - bound) / |objective| is at most this value.",
    )
    backend: Backend = Field(
        "auto", description="Solver backend; 'auto' picks the family's default."
    )
    verify: bool = Field(
        True, description="Check the returned plan with the family's independent checker."
    )
    log: bool = Field(False, description="Capture the solver's log into the result's messages.")
