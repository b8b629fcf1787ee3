"""POST /v1/solve (synchronous, capped time limit) and POST /v1/validate."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from ...core.incident import InternalError
from ...core.result import SolveResult
from ...core.solve import SolveRequest, validate
from ...runtime import FAILED, INVALID, OK
from ..deps import InvalidRequest, JsonBody, ServiceDep, limit_options
from ..schemas import JSON_ONLY, TOO_LARGE, ErrorBody, InvalidBody, ValidateAnswer

router = APIRouter(prefix="/v1", tags=["solve"])


@router.post(
    "/solve",
    dependencies=JsonBody,
    summary="Solve now and answer the SolveResult",
    description="The time limit is capped at the service's sync_time_limit_s (the result's "
    "options show the limit used) and solver threads at workers_per_solve. Use /v1/jobs for "
    "long solves.",
    response_class=Response,
    responses={
        200: {"model": SolveResult, "description": "The result (any status)."},
        422: {"model": InvalidBody},
        429: {"model": ErrorBody, "description": "Too many synchronous solves waiting."},
        **TOO_LARGE,
        **JSON_ONLY,
    },
)
def solve_now(body: SolveRequest, svc: ServiceDep) -> Response:
    req = body.model_dump()
    overrides, problems = limit_options(body.options, svc.settings, svc.settings.sync_time_limit_s)
    if problems:
        raise InvalidRequest(problems + validate(req))
    if not svc.sync_slots.acquire(blocking=False):
        raise HTTPException(
            429,
            f"{svc.settings.max_sync_waiting} synchronous solves are already waiting; try again "
            "later or use /v1/jobs",
            headers={"Retry-After": str(svc.settings.retry_after_s)},
        )
    try:
        outcome = svc.executor.solve(req, overrides)
    finally:
        svc.sync_slots.release()
    if outcome.kind == INVALID:
        raise InvalidRequest(outcome.problem_list())
    if outcome.kind == FAILED and outcome.incident:  # the worker logged it under this id
        raise InternalError(outcome.incident, "solving")
    if outcome.kind != OK or outcome.result is None:  # logged under a new id, answered 500
        raise RuntimeError(f"synchronous solve {outcome.kind}: {outcome.message}")
    if outcome.runtime_s is not None:
        svc.metrics.durations.labels("sync").observe(outcome.runtime_s)
    return Response(content=outcome.result, media_type="application/json")


@router.post(
    "/validate",
    dependencies=JsonBody,
    response_model=ValidateAnswer,
    summary="Every problem in a request, or that it is valid",
    responses={
        422: {"model": InvalidBody, "description": "The body is not a solve request."},
        **TOO_LARGE,
        **JSON_ONLY,
    },
)
def validate_request(body: SolveRequest, svc: ServiceDep) -> ValidateAnswer:
    _, problems = limit_options(body.options, svc.settings, None)
    problems = problems + validate(body.model_dump())
    return ValidateAnswer(valid=not problems, problems=problems)
