"""Response bodies of the service (they make the OpenAPI document)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ..core.errors import Problem

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class ErrorBody(BaseModel):
    detail: str = Field(description="What went wrong, in plain words.")


class InvalidBody(BaseModel):
    detail: str
    problems: list[Problem] = Field(description="Every problem found, each with where and what.")


class ValidateAnswer(BaseModel):
    valid: bool
    problems: list[Problem]


class ModelInfo(BaseModel):
    name: str
    description: str
    backends: list[str]
    default_backend: str
    schema_url: str


class JobProgress(BaseModel):
    solutions: int = Field(description="Solutions (incumbents) found so far.")
    objective: float | None = Field(description="Objective of the incumbent.")
    bound: float | None = Field(description="Best proven bound.")
    gap: float | None = Field(description="(objective - bound) / |objective|.")
    elapsed_s: float | None = Field(description="Seconds since the solve started.")


class JobLinks(BaseModel):
    self: str
    result: str
    events: str


class JobView(BaseModel):
    id: str
    model: str
    state: JobState = Field(
        description="queued, running, then succeeded (the solve answered: optimal, feasible or "
        "infeasible), failed (no answer, see error; a result the solve gave, with status "
        "no_solution, unbounded or error, is kept) or cancelled."
    )
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    cancel_requested: bool
    attempts: int = Field(description="How many times a worker started this job.")
    progress: JobProgress | None
    result_status: str | None = Field(description="The SolveResult's status once finished.")
    runtime_s: float | None
    error: str | None
    links: JobLinks


class JobPage(BaseModel):
    items: list[JobView]
    total: int
    limit: int
    offset: int
    next: str | None = Field(description="The next page, if any.")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool
    workers: int
    running: int
    models: list[str]


def links(job_id: str) -> dict[str, Any]:
    base = f"/v1/jobs/{job_id}"
    return {"self": base, "result": f"{base}/result", "events": f"{base}/events"}


TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "The body is larger than max_request_bytes."}
}

JSON_ONLY: dict[int | str, dict[str, Any]] = {
    415: {
        "model": ErrorBody,
        "description": "The body was not sent as Content-Type: application/json.",
    }
}
