"""What runs inside a worker process: a synchronous solve, or one stored job.

Everything here takes and returns plain data (JSON text, dicts, tuples), so any executor (the
local process pool, or a distributed one) can ship it. A job's worker polls the store for a cancel
request (`should_stop`) and writes each new incumbent to it (`on_progress`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

from ..core.errors import InvalidInput
from ..core.registry import names
from ..core.run import Progress
from ..core.solve import solve
from ..core.status import SolveStatus
from .store import CANCELLED, FAILED, RUNNING, SUCCEEDED, Store

log = logging.getLogger("opsplan.api")

_STORES: dict[str, Store] = {}

names()  # import every model family now (in a fork server: once for all workers)


def init_worker() -> None:
    """Process initializer: its own process group, so that a Ctrl-C at the terminal reaches the
    service (which then ends its workers) but neither the workers nor their solver processes
    (CBC stops on SIGINT and would answer a truncated plan as if the job were done); the model
    families loaded once, before the first request."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    names()


def warm() -> int:
    return len(names())


def _store(url: str) -> Store:
    if url not in _STORES:
        _STORES[url] = Store(url)
    return _STORES[url]


def solve_sync(request: dict[str, Any], overrides: dict[str, Any]) -> tuple[str, Any]:
    """('ok', (SolveResult JSON, runtime_s)) or ('invalid', [problems as dicts])."""
    try:
        res = solve(request, overrides)
    except InvalidInput as e:
        return "invalid", [p.model_dump() for p in e.problems]
    return "ok", (res.to_json(indent=None), res.runtime_s)


def run_job(
    url: str,
    job_id: str,
    cancel_poll_s: float = 0.25,
    progress_interval_s: float = 0.05,
    service_stop_event: str | None = None,
) -> tuple[str, float | None]:
    """Solve a job the dispatcher marked running; store its progress and result.

    Returns (final state, solve runtime in seconds). On a Dask worker, `service_stop_event` names
    the distributed Event the service sets when it shuts down: the solve then stops and nothing
    is stored, so the job stays `running` for the next start's recovery (as when the local pool
    ends its processes); the answer is then (RUNNING, None).
    """
    store = _store(url)
    job = store.get(job_id, bodies=True)
    if job is None:
        return FAILED, None
    service_stopping = None
    if service_stop_event:
        from ..batch.executors import dask_stop_check

        service_stopping = dask_stop_check(service_stop_event)
    lock = threading.Lock()
    stopped = False
    abandoned = False
    last_poll = 0.0
    last_write = 0.0
    pending: dict[str, Any] | None = None

    def should_stop() -> bool:
        nonlocal stopped, abandoned, last_poll
        if service_stopping is not None and service_stopping():
            with lock:
                abandoned = True
            return True
        with lock:
            if stopped:
                return True
            t = time.monotonic()
            if t - last_poll < cancel_poll_s:
                return False
            last_poll = t
        try:
            flag = store.cancel_requested(job_id)
        except Exception:  # a busy database must not stop the solve
            log.warning("could not read the cancel flag of job %s", job_id)
            return False
        if flag:
            with lock:
                stopped = True
        return flag

    write_lock = threading.Lock()  # progress lands in the order it was found

    def flush() -> None:
        nonlocal pending, last_write
        with write_lock:
            with lock:
                p, pending = pending, None
                last_write = time.monotonic()
            if p is not None:
                try:
                    store.progress(job_id, p)
                except Exception:
                    log.warning("could not store progress of job %s", job_id)

    def on_progress(p: Progress) -> None:
        nonlocal pending
        with lock:
            pending = {
                "solutions": p.solutions,
                "objective": p.objective,
                "bound": p.bound,
                "gap": p.gap,
                "elapsed_s": round(p.elapsed_s, 4),
            }
            due = time.monotonic() - last_write >= progress_interval_s
        if due:
            flush()

    done = threading.Event()

    def flusher() -> None:  # an incumbent held back by the interval lands soon after anyway
        while not done.wait(max(progress_interval_s, 0.01)):
            with lock:
                due = pending is not None
            if due:
                flush()

    threading.Thread(target=flusher, daemon=True).start()
    try:
        request = json.loads(job.request)
        res = solve(request, on_progress=on_progress, should_stop=should_stop)
    except InvalidInput as e:
        done.set()
        flush()
        msg = "invalid input: " + "; ".join(str(p) for p in e.problems)
        store.finish(job_id, FAILED, error=msg)
        return FAILED, None
    except Exception as e:
        log.exception("job %s failed", job_id)
        done.set()
        flush()
        store.finish(job_id, FAILED, error=f"internal error while solving ({type(e).__name__})")
        return FAILED, None
    done.set()
    if abandoned and not stopped:  # the service shut down: recovery runs the job again
        return RUNNING, None
    flush()
    if stopped:
        state = CANCELLED
    elif res.status == SolveStatus.ERROR:
        state = FAILED
    else:
        state = SUCCEEDED
    store.finish(
        job_id,
        state,
        result_json=res.to_json(indent=None),
        result_status=res.status.value,
        runtime_s=res.runtime_s,
        error="the solve ended with status error; see the result's messages"
        if state == FAILED
        else None,
    )
    return state, res.runtime_s
