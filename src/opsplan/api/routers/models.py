"""GET /v1/models and /v1/models/{name}/schema: every family in the registry, no code per family."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from ...core import registry
from ...core.solve import request_schema, result_schema
from ..schemas import ErrorBody, ModelInfo

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", response_model=list[ModelInfo], summary="The models, one line each")
def list_models() -> list[ModelInfo]:
    return [
        ModelInfo(
            name=s.name,
            description=s.description,
            backends=list(s.backends),
            default_backend=s.default_backend,
            schema_url=f"/v1/models/{s.name}/schema",
        )
        for s in registry.all_specs()
    ]


@router.get(
    "/{name}/schema",
    summary="The JSON Schema of a model's solve request, or of its result",
    responses={404: {"model": ErrorBody}},
)
def model_schema(
    name: str,
    part: Annotated[
        Literal["request", "result"],
        Query(description="request: the solve request; result: the SolveResult with its plan."),
    ] = "request",
) -> dict[str, Any]:
    try:
        spec = registry.get(name)
    except KeyError:
        raise HTTPException(
            404, f"unknown model {name!r}; known: {', '.join(registry.names())}"
        ) from None
    return result_schema(spec) if part == "result" else request_schema(spec)
