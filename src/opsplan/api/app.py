"""The FastAPI application: create_app(settings) wires store, executor, routers and limits."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..core import incident, registry
from ..core.errors import Problem, path_str
from ..core.incident import InternalError
from .dask_executor import DaskServiceExecutor
from .deps import InvalidRequest, Metrics, Service, require_key
from .executor import Executor, LocalProcessExecutor
from .openapi import typed_solutions
from .ratelimit import RateLimiter
from .routers import jobs, models, ops, solve
from .schemas import ErrorBody, InvalidBody
from .settings import Settings, get_settings
from .store import Store

log = logging.getLogger("opsplan.api")

ExecutorFactory = Callable[[Settings, Store, Any], Executor]

DESCRIPTION = """\
Optimal plans for operations over HTTP. A solve request is the same document as an instance
file: `{"model": ..., "instance": ..., "options": ...}`; `GET /v1/models` lists the models and
`GET /v1/models/{name}/schema` gives each request's JSON Schema. Every answer of a solve is a
SolveResult whose plan was verified by the model's independent checker.

Errors are JSON: `{"detail": ...}`, and for invalid input (422) also `problems`, every problem
found, each with `where` (a field path naming ids) and `message`.
"""


class BodyLimit:
    """413 for request bodies larger than `max_bytes` (Content-Length or counted)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._reject(send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(body)
            if not msg.get("more_body", False):
                break
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        resp = JSONResponse(
            {"detail": f"the request body is larger than {self.max_bytes} bytes"}, status_code=413
        )
        await resp({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _problems_of(exc: RequestValidationError) -> list[Problem]:
    out = []
    for e in exc.errors():
        loc = list(e.get("loc", ()))
        if loc and loc[0] == "body":
            loc = loc[1:]
        where = path_str([p for p in loc if not str(p).startswith("function-")]) or "body"
        msg = str(e.get("msg", "invalid"))
        if e.get("type") == "extra_forbidden":
            msg = "unknown field (check the spelling; see GET /v1/models/{name}/schema)"
        out.append(Problem(where=where, message=msg))
    return out


def _invalid(problems: list[Problem]) -> JSONResponse:
    n = len(problems)
    return JSONResponse(
        {
            "detail": f"{n} problem{'s' if n != 1 else ''} in the input",
            "problems": [p.model_dump() for p in problems],
        },
        status_code=422,
    )


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) reaches this machine only."""
    name = host.strip().strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        found = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(str(a)).is_loopback for a in found)


def exposure_warning(host: str | None, settings: Settings) -> str | None:
    """The start-up warning for a service reachable beyond this machine with no keys."""
    if host is None or settings.keys_on or is_loopback(host):
        return None
    return (
        f"serving on {host} without API keys: anyone who reaches this address can submit, "
        "read and cancel every job; set OPSPLAN_API_KEYS (see api/README.md, Keys)"
    )


def _make_metrics() -> Metrics:
    reg = CollectorRegistry()
    durations = Histogram(
        "opsplan_solve_duration_seconds",
        "Solve runtime (SolveResult.runtime_s) by kind (job or sync).",
        ["kind"],
        buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600),
        registry=reg,
    )
    finished = Counter(
        "opsplan_jobs_finished",
        "Jobs finished by this process, by final state.",
        ["state"],
        registry=reg,
    )
    return Metrics(reg, durations, finished)


def create_app(
    settings: Settings | None = None,
    executor_factory: ExecutorFactory | None = None,
    host: str | None = None,
) -> FastAPI:
    """The application. `settings` default to the environment (OPSPLAN_*); `host` is the address
    it will be served on, when known (start-up warns if it is not loopback and keys are off)."""
    settings = settings or get_settings()
    factory: ExecutorFactory = executor_factory or (
        DaskServiceExecutor if settings.dask_scheduler else LocalProcessExecutor
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warning = exposure_warning(host, settings)
        if warning:
            log.warning(warning)
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(settings.db_url(), create=True)
        recovered = store.recover(settings.on_restart_running, settings.max_attempts)
        if recovered:
            log.warning(
                "%d job(s) were running when the service stopped: %s",
                len(recovered),
                "queued again (within max_attempts)"
                if settings.on_restart_running == "requeue"
                else "marked failed",
            )
        metrics = _make_metrics()

        def done(job_id: str, state: str, runtime: float | None) -> None:
            metrics.finished.labels(state).inc()
            if runtime is not None:
                metrics.durations.labels("job").observe(runtime)

        executor = factory(settings, store, done)
        executor.start()
        waiting = threading.BoundedSemaphore(settings.max_sync_waiting)
        svc = Service(settings, store, executor, metrics, waiting)
        metrics.registry.register(ops.StoreCollector(store, executor.running))
        app.state.service = svc
        try:
            yield
        finally:  # jobs get their grace period; the event loop is not held meanwhile
            await anyio.to_thread.run_sync(executor.shutdown)
            store.dispose()

    app = FastAPI(
        title="opsplan",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.dependency_overrides[get_settings] = lambda: settings
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:  # the plans typed per model (api/openapi.py)
        if app.openapi_schema is None:
            app.openapi_schema = typed_solutions(plain_openapi(), registry.all_specs())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    keyed = [Depends(require_key)]
    unauthorised: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorBody, "description": "API keys are configured and none was valid."},
        422: {"model": InvalidBody, "description": "Invalid input: every problem found."},
        429: {
            "model": ErrorBody,
            "description": "Too many requests (this key's rate, or a queue or job limit); "
            "see Retry-After.",
        },
    }
    app.include_router(models.router, dependencies=keyed, responses=unauthorised)
    app.include_router(solve.router, dependencies=keyed, responses=unauthorised)
    app.include_router(jobs.router, dependencies=keyed, responses=unauthorised)
    app.include_router(ops.router)

    @app.exception_handler(RequestValidationError)
    async def _on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid(_problems_of(exc))

    @app.exception_handler(InvalidRequest)
    async def _on_invalid(_: Request, exc: InvalidRequest) -> JSONResponse:
        return _invalid(exc.problems)

    @app.exception_handler(HTTPException)
    async def _on_http(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not decode the body: invalid input too
            return _invalid([Problem(where="body", message="not a JSON document (UTF-8)")])
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _on_error(request: Request, exc: Exception) -> JSONResponse:
        # a short answer with an incident id; the log has the id with the traceback
        if isinstance(exc, InternalError):  # logged already (by the worker) under its id
            return JSONResponse(incident.answer(exc.incident, "solving"), status_code=500)
        what = f"{request.method} {request.url.path} raised {type(exc).__name__}"
        iid = incident.record(what, exc, logger=log)
        return JSONResponse(incident.answer(iid), status_code=500)

    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Last-Event-ID"],
        )
    return app
