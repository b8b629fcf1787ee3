"""GET /healthz (no key needed) and GET /metrics (Prometheus text format)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ...core import registry
from ..deps import ServiceDep, require_key
from ..schemas import Health
from ..store import Store

router = APIRouter(tags=["operations"])


class StoreCollector(Collector):
    """Jobs by state, queue length and running solves, read at scrape time."""

    def __init__(self, store: Store, running: object) -> None:
        self.store = store
        self.running = running

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.store.counts()
        jobs = GaugeMetricFamily("opsplan_jobs", "Jobs in the store by state.", labels=["state"])
        for st, n in counts.items():
            jobs.add_metric([st], n)
        yield jobs
        yield GaugeMetricFamily(
            "opsplan_queue_length", "Jobs waiting for a worker.", value=counts["queued"]
        )
        running = self.running() if callable(self.running) else 0
        yield GaugeMetricFamily(
            "opsplan_solves_running", "Solves running now (jobs and synchronous).", value=running
        )


@router.get("/healthz", response_model=Health, summary="Liveness and readiness")
def healthz(svc: ServiceDep) -> Response:
    try:
        db = svc.store.ping()
    except Exception:
        db = False
    body = Health(
        status="ok" if db else "degraded",
        database=db,
        workers=svc.executor.capacity,
        running=svc.executor.running(),
        models=registry.names(),
    )
    return JSONResponse(body.model_dump(), status_code=200 if db else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics: jobs by state, queue length, solve durations",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    dependencies=[Depends(require_key)],
)
def metrics(svc: ServiceDep) -> Response:
    return Response(generate_latest(svc.metrics.registry), media_type=CONTENT_TYPE_LATEST)
