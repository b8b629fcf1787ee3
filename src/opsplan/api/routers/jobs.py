"""Asynchronous jobs: submit, look, list, result, server-sent events, cancel."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...core.result import SolveResult
from ...core.solve import SolveRequest, validate
from ..deps import Client, ClientDep, InvalidRequest, JsonBody, Service, ServiceDep, limit_options
from ..schemas import (
    JSON_ONLY,
    TOO_LARGE,
    ErrorBody,
    InvalidBody,
    JobPage,
    JobState,
    JobView,
    links,
)
from ..store import FINAL, Job, job_view

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such job (or another key's job)."}
}


def _view(j: Job) -> dict[str, Any]:
    return {**job_view(j), "links": links(j.id)}


def _get(svc: Service, client: Client, job_id: str) -> Job:
    """The job, when it exists and `client` may see it; else 404 (another key's job looks like
    no job at all, so ids do not leak)."""
    j = svc.store.get(job_id)
    if j is None or not client.sees(j):
        raise HTTPException(404, f"no job {job_id!r}")
    return j


@router.post(
    "",
    dependencies=JsonBody,
    status_code=202,
    response_model=JobView,
    summary="Validate and queue a solve; answers its id and links",
    responses={
        422: {"model": InvalidBody},
        **TOO_LARGE,
        **JSON_ONLY,
        429: {
            "model": ErrorBody,
            "description": "The queue is full, this key has max_jobs_per_key unfinished jobs, "
            "or its request rate is exceeded; see Retry-After.",
        },
    },
)
def submit(
    body: SolveRequest, svc: ServiceDep, client: ClientDep, response: Response
) -> dict[str, Any]:
    s = svc.settings
    if svc.store.queued_count() >= s.max_queue:
        raise HTTPException(
            429,
            f"the queue is full ({s.max_queue} jobs waiting); try again later",
            headers={"Retry-After": str(s.retry_after_s)},
        )
    if (
        client.owner is not None
        and s.max_jobs_per_key
        and svc.store.unfinished_count(client.owner) >= s.max_jobs_per_key
    ):
        raise HTTPException(
            429,
            f"this key has {s.max_jobs_per_key} unfinished jobs, the most it may have; wait for "
            "one to finish (or cancel one) and try again",
            headers={"Retry-After": str(s.retry_after_s)},
        )
    overrides, problems = limit_options(body.options, s, None)
    req = body.model_dump()
    problems += validate(req)
    if problems:
        raise InvalidRequest(problems)
    req["options"] = {**req["options"], **overrides}
    j = svc.store.add_job(body.model, req, owner=client.owner)
    svc.executor.notify()
    response.headers["Location"] = f"/v1/jobs/{j.id}"
    return _view(j)


@router.get(
    "",
    response_model=JobPage,
    summary="A page of jobs, oldest first (a key's own jobs; an admin key's: all)",
)
def list_jobs(
    svc: ServiceDep,
    client: ClientDep,
    state: JobState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> dict[str, Any]:
    rows, total = svc.store.page(state, limit, offset, owner=client.scope)
    nxt = None
    if offset + len(rows) < total:
        q = f"limit={limit}&offset={offset + limit}" + (f"&state={state}" if state else "")
        nxt = f"/v1/jobs?{q}"
    return {
        "items": [_view(j) for j in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": nxt,
    }


@router.get(
    "/{job_id}",
    response_model=JobView,
    summary="State, timestamps and progress of a job",
    responses=NOT_FOUND,
)
def get_job(job_id: str, svc: ServiceDep, client: ClientDep) -> dict[str, Any]:
    return _view(_get(svc, client, job_id))


@router.get(
    "/{job_id}/result",
    summary="The SolveResult of a finished job",
    response_class=Response,
    responses={
        200: {
            "model": SolveResult,
            "description": "The result (for a cancelled job: the best plan found before the "
            "cancel; for a failed job whose solve ran: its result, whose status is not an "
            "answer).",
        },
        409: {"model": ErrorBody, "description": "Not finished, or ended without a result."},
        **NOT_FOUND,
    },
)
def get_result(job_id: str, svc: ServiceDep, client: ClientDep) -> Response:
    j = _get(svc, client, job_id)
    if j.state not in FINAL:
        raise HTTPException(409, f"job {job_id} is {j.state}; the result comes when it finishes")
    result = svc.store.result_of(job_id)
    if result is None:
        why = j.error or "it was cancelled before it started"
        raise HTTPException(409, f"job {job_id} is {j.state} without a result: {why}")
    return Response(content=result, media_type="application/json")


@router.delete(
    "/{job_id}",
    status_code=202,
    response_model=JobView,
    summary="Cancel a job; a running solve stops and keeps its best plan",
    responses={409: {"model": ErrorBody, "description": "Already finished."}, **NOT_FOUND},
)
def cancel_job(job_id: str, svc: ServiceDep, client: ClientDep) -> dict[str, Any]:
    j = _get(svc, client, job_id)
    if j.state in FINAL:
        raise HTTPException(409, f"job {job_id} already finished ({j.state})")
    j2 = svc.store.request_cancel(job_id)
    svc.executor.cancel(job_id)
    return _view(j2 or j)


def _sse(event_id: int, kind: str, data: str) -> str:
    return f"id: {event_id}\nevent: {kind}\ndata: {data}\n\n"


@router.get(
    "/{job_id}/events",
    summary="Server-sent events: state changes and each new incumbent, then the final state",
    description="Events `state` (data: {state, ...}) and `progress` (data: solutions, objective, "
    "bound, gap, elapsed_s). The stream ends after the final state. Send Last-Event-ID to "
    "resume.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **NOT_FOUND},
)
async def job_events(
    job_id: str,
    request: Request,
    svc: ServiceDep,
    client: ClientDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> Response:
    j = await run_in_threadpool(svc.store.get, job_id)
    if j is None or not client.sees(j):
        return JSONResponse({"detail": f"no job {job_id!r}"}, status_code=404)
    try:
        after = int(last_event_id) if last_event_id else 0
    except ValueError:
        after = 0
    poll, max_s = svc.settings.events_poll_s, svc.settings.events_max_s

    async def stream() -> AsyncIterator[str]:
        nonlocal after
        t0 = time.monotonic()
        last_sent = t0
        while time.monotonic() - t0 < max_s:
            events = await run_in_threadpool(svc.store.events_after, job_id, after)
            for e in events:
                after = e.id
                yield _sse(e.id, e.kind, e.data)
                last_sent = time.monotonic()
                if e.kind == "state" and json.loads(e.data).get("state") in FINAL:
                    return
            if not events:
                # a final state and its event are written in one transaction: once the job is
                # final, every event has been sent (e.g. a resume after the last one)
                now = await run_in_threadpool(svc.store.get, job_id)
                if now is None or now.state in FINAL:
                    return
            if await request.is_disconnected():
                return
            if time.monotonic() - last_sent > 15:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
            await asyncio.sleep(poll)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
