"""What runs inside a worker process for the service's jobs: one stored job.

`run_job` takes and returns plain data (the store's URL and the job's id), so any runtime
executor (the local pool, or Dask) can ship it. It reads the request from the store, polls the
store for a cancel request (`should_stop`), writes each new incumbent to it (`on_progress`) and
stores the result. The solve itself is the runtime's (`run_solve`): the same outcome as a
synchronous solve or a batch's.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from ..core.run import Progress
from ..runtime import FAILED as TASK_FAILED
from ..runtime import INVALID, SolveTask, run_solve
from ..runtime.cluster import stop_check
from .store import CANCELLED, FAILED, RUNNING, SUCCEEDED, Store

log = logging.getLogger("opsplan.api")

_STORES: dict[str, Store] = {}


def _store(url: str) -> Store:
    if url not in _STORES:
        _STORES[url] = Store(url)
    return _STORES[url]


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
        service_stopping = stop_check(service_stop_event)
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
    request = json.loads(job.request)
    outcome = run_solve(
        SolveTask(request, indent=None), on_progress=on_progress, should_stop=should_stop
    )
    done.set()
    if outcome.kind in (INVALID, TASK_FAILED):
        flush()
        if outcome.kind == INVALID:
            msg = "invalid input: " + "; ".join(str(p) for p in outcome.problem_list())
        else:
            # the traceback is logged under the incident id by run_solve, in this process
            log.error("job %s failed: incident %s", job_id, outcome.incident)
            msg = outcome.message
        store.finish(job_id, FAILED, error=msg)
        return FAILED, None
    if abandoned and not stopped:  # the service shut down: recovery runs the job again
        return RUNNING, None
    flush()
    # a cancelled job is `cancelled` whatever its status; otherwise the job succeeded when its
    # result is an answer (SolveStatus.is_answer: a plan, or a proof that there is none), as
    # `opsplan solve` exits 0 and a batch counts the input ok
    if stopped:
        state = CANCELLED
    elif outcome.answered:
        state = SUCCEEDED
    else:
        state = FAILED
    store.finish(
        job_id,
        state,
        result_json=outcome.result,
        result_status=outcome.status,
        runtime_s=outcome.runtime_s,
        error=f"the solve ended with status {outcome.status}, not an answer; the result "
        "is stored: see its messages"
        if state == FAILED
        else None,
    )
    return state, outcome.runtime_s
