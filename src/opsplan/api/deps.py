"""Dependencies shared by the routers: the running service, API keys, request limits."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CollectorRegistry, Counter, Histogram

from ..core.errors import Problem
from ..core.options import SolveOptions
from .executor import Executor
from .ratelimit import RateLimiter, retry_after
from .settings import Settings, get_settings
from .store import Job, Store


@dataclass
class Metrics:
    registry: CollectorRegistry
    durations: Histogram
    finished: Counter


@dataclass
class Service:
    settings: Settings
    store: Store
    executor: Executor
    metrics: Metrics
    sync_slots: threading.BoundedSemaphore


def get_service(request: Request) -> Service:
    svc: Service = request.app.state.service
    return svc


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[Service, Depends(get_service)]

_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_bearer = HTTPBearer(auto_error=False, description="An API key as a bearer token.")


def owner_of(key: str) -> str:
    """The owner id stored with a key's jobs: a digest, so the store never holds a key."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Client:
    """Who is asking: the owner id of their key, and whether it sees every job.

    With no keys configured there is no identity: everyone is admin (every job is seen by all),
    as the service was before keys scoped jobs."""

    owner: str | None
    admin: bool

    @property
    def scope(self) -> str | None:
        """The owner whose jobs this client sees, or None for all."""
        return None if self.admin else self.owner

    def sees(self, job: Job) -> bool:
        return self.admin or job.owner == self.owner


OPEN = Client(owner=None, admin=True)


def _matches(given: str, keys: list[str]) -> bool:
    # compare with every key (no early exit), in constant time for each
    found = False
    for k in keys:
        found |= secrets.compare_digest(given.encode(), k.encode())
    return found


def require_key(
    request: Request,
    settings: SettingsDep,
    key: Annotated[str | None, Depends(_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Client:
    """When API keys are configured, a request needs one of them (else 401 and no data) and is
    within its key's rate (else 429 with Retry-After); answers who is asking."""
    if not settings.keys_on:
        return OPEN
    given = key or (bearer.credentials if bearer else None) or None
    admin = given is not None and _matches(given, settings.admin_keys)
    if given is None or not (admin or _matches(given, settings.api_keys)):
        raise HTTPException(
            status_code=401,
            detail="a valid API key is needed (header X-API-Key or Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    client = Client(owner=owner_of(given), admin=admin)
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    wait = limiter.take(client.owner or "") if limiter is not None else 0.0
    if wait > 0:
        raise HTTPException(
            status_code=429,
            detail=f"this key made more than {settings.rate_limit_per_minute} requests a minute; "
            "try again later",
            headers={"Retry-After": retry_after(wait)},
        )
    return client


ClientDep = Annotated[Client, Depends(require_key)]


_DEFAULTS = SolveOptions()


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def limit_options(
    options: dict[str, Any], settings: Settings, cap_s: float | None
) -> tuple[dict[str, Any], list[Problem]]:
    """The service's limits on a request's options: (overrides to apply, problems).

    A time limit above max_time_limit_s is a problem; `cap_s` (synchronous solves) lowers the
    time limit silently; solver threads are lowered to workers_per_solve so that concurrent
    solves x threads stay within the cores. Values of the wrong type are left for validation.
    """
    overrides: dict[str, Any] = {}
    problems: list[Problem] = []
    tl = options.get("time_limit_s", _DEFAULTS.time_limit_s)
    if _number(tl):
        if tl > settings.max_time_limit_s:
            problems.append(
                Problem(
                    where="options.time_limit_s",
                    message=f"at most {settings.max_time_limit_s:g} seconds on this service, "
                    f"got {tl:g}",
                )
            )
        elif cap_s is not None and tl > cap_s:
            overrides["time_limit_s"] = cap_s
    w = options.get("workers", _DEFAULTS.workers)
    if isinstance(w, int) and not isinstance(w, bool) and w > settings.workers_per_solve:
        overrides["workers"] = settings.workers_per_solve
    return overrides, problems


class InvalidRequest(Exception):
    """Answered 422 with every problem (see the handler in app.py)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the input")
        self.problems = problems


def json_content(request: Request) -> None:
    """415 for a body not declared as JSON: the answer names the Content-Type header, where a
    body of another type would otherwise get a puzzling 'Input should be a valid dictionary'."""
    given = request.headers.get("content-type")
    kind = (given or "").split(";")[0].strip().lower()
    if kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return
    got = f"not {given!r}" if given else "and none was given"
    raise HTTPException(
        415,
        f"the body must be JSON sent with the header Content-Type: application/json, {got}",
        headers={"Accept-Post": "application/json"},
    )


JsonBody = [Depends(json_content)]
