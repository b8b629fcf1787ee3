"""What runs inside a worker process for the service's jobs: one stored job.

`run_job` takes and returns plain data (the store's URL, the job's id and the attempt that is its
lease), so any runtime executor (the local pool, or Dask) can ship it. It reads the request from
the store, polls the store for a cancel or shutdown request and for its lease (`should_stop`),
writes each new incumbent to it (`on_progress`) and stores the result, every write under its
lease. The solve itself is the runtime's (`run_solve`): the same outcome as a
synchronous solve or a batch's.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..core.run import Progress
from ..core.status import SolveStatus
from ..runtime import FAILED as TASK_FAILED
from ..runtime import INVALID, SolveTask, TaskOutcome, run_solve
from ..runtime.cluster import stop_check
from ..runtime.worker import keeping, owner_gone
from .store import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, Store

log = logging.getLogger("opsplan.api")

_STORES: dict[str, Store] = {}


def _store(url: str) -> Store:
    if url not in _STORES:
        _STORES[url] = Store(url)
    return _STORES[url]


def _plan_of(result_json: str | None) -> tuple[float | None, str | None, bool]:
    """(objective, status, has a checked plan) of a SolveResult JSON."""
    if result_json is None:
        return None, None, False
    try:
        r = json.loads(result_json)
    except ValueError:
        return None, None, False
    ok = (
        r.get("solution") is not None
        and not r.get("violations")
        and r.get("status")
        in (
            "optimal",
            "feasible",
        )
    )
    return r.get("objective"), r.get("status"), ok


def better_of(result_json: str | None, saved_json: str | None) -> tuple[str | None, bool]:
    """The result to report: this attempt's, unless an earlier attempt saved a better plan
    (every family minimises its objective). (result JSON, whether it is the saved plan)."""
    if saved_json is None:
        return result_json, False
    obj, status, has_plan = _plan_of(result_json)
    saved_obj, _, saved_ok = _plan_of(saved_json)
    if not saved_ok:
        return result_json, False
    if status == "optimal" or (
        has_plan and obj is not None and (saved_obj is None or obj <= saved_obj)
    ):
        return result_json, False
    r = json.loads(saved_json)
    found = f"a plan of objective {obj}" if has_plan else "no plan"
    r["messages"] = [
        *r.get("messages", []),
        f"this plan was saved by an earlier attempt of the job (stopped by a service shutdown "
        f"or crash); the last attempt found {found}, not better",
    ]
    return json.dumps(r, separators=(",", ":"), allow_nan=False), True


def run_job(
    url: str,
    job_id: str,
    lease: int,
    cancel_poll_s: float = 0.25,
    progress_interval_s: float = 0.05,
    service_stop_event: str | None = None,
) -> tuple[str, float | None]:
    """Solve attempt `lease` of a job the dispatcher marked running; store its progress and
    result, each write only while this attempt holds the job (see store.py: leases).

    Returns (final state, solve runtime in seconds); (RUNNING, None) when the job was not ended
    here: this attempt lost the job (a later attempt holds it), or the service died (the best plan
    is saved with the job for the next attempt); (QUEUED, None) when a service shutdown asked the
    job to stop (`release_requested` in the store, or on a Dask worker the distributed Event
    `service_stop_event`): its best plan is saved and it is queued again.
    """
    store = _store(url)
    job = store.get(job_id, bodies=True)
    if job is None:
        return FAILED, None
    saved = job.checkpoint
    service_stopping = None
    if service_stop_event:
        service_stopping = stop_check(service_stop_event)
    lock = threading.Lock()
    why: str | None = None  # why the solve was stopped: cancel, release, lost, orphaned
    last_poll = 0.0
    last_write = 0.0
    pending: dict[str, Any] | None = None

    def stop(reason: str) -> bool:
        nonlocal why
        with lock:
            if why is None:
                why = reason
        return True

    def should_stop() -> bool:
        nonlocal last_poll
        if owner_gone():  # the service died: save the plan for the next attempt
            return stop("orphaned")
        if service_stopping is not None and service_stopping():
            return stop("release")
        with lock:
            if why is not None:
                return True
            t = time.monotonic()
            if t - last_poll < cancel_poll_s:
                return False
            last_poll = t
        try:
            held, cancel, release = store.lease_state(job_id, lease)
        except Exception:  # a busy database must not stop the solve
            log.warning("could not read the state of job %s", job_id)
            return False
        if not held:
            return stop("lost")
        if cancel:
            return stop("cancel")
        if release:
            return stop("release")
        return False

    write_lock = threading.Lock()  # progress lands in the order it was found

    def flush() -> None:
        nonlocal pending, last_write
        with write_lock:
            with lock:
                p, pending = pending, None
                last_write = time.monotonic()
            if p is not None:
                try:
                    if not store.progress(job_id, p, lease):
                        stop("lost")
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

    with keeping():  # an orphaned worker waits for this job's plan to be saved
        threading.Thread(target=flusher, daemon=True).start()
        request = json.loads(job.request)
        outcome = run_solve(
            SolveTask(request, indent=None), on_progress=on_progress, should_stop=should_stop
        )
        done.set()
        return _settle(store, job_id, lease, outcome, why, saved, flush)


def _settle(
    store: Store,
    job_id: str,
    lease: int,
    outcome: TaskOutcome,
    why: str | None,
    saved: str | None,
    flush: Callable[[], None],
) -> tuple[str, float | None]:
    """Store the end of attempt `lease` (see run_job)."""
    if why == "lost":  # a later attempt holds the job: write nothing
        log.warning(
            "job %s: attempt %d no longer holds the job; its result is dropped", job_id, lease
        )
        return RUNNING, None
    if outcome.kind in (INVALID, TASK_FAILED):
        flush()
        if outcome.kind == INVALID:
            msg = "invalid input: " + "; ".join(str(p) for p in outcome.problem_list())
        else:
            # the traceback is logged under the incident id by run_solve, in this process
            log.error("job %s failed: incident %s", job_id, outcome.incident)
            msg = outcome.message
        store.finish(job_id, FAILED, lease=lease, error=msg)
        return FAILED, None
    result, from_saved = better_of(outcome.result, saved)
    if why in ("orphaned", "release"):
        flush()
        keep = None
        if not from_saved and _plan_of(result)[2] and result is not None:
            obj, status, _ = _plan_of(result)
            keep = (result, str(status), obj)
        if why == "orphaned":  # nobody to report to: keep the plan for the next attempt
            if keep is not None:
                store.save_checkpoint(job_id, lease, keep[0], keep[1])
            return RUNNING, None
        reason = "the service stopped; the best plan so far is saved"
        store.release(job_id, lease, keep, reason if keep or saved else "the service stopped")
        return QUEUED, None
    flush()
    status = _plan_of(result)[1] if from_saved else outcome.status
    # a cancelled job is `cancelled` whatever its status; otherwise the job succeeded when its
    # result is an answer (SolveStatus.is_answer: a plan, or a proof that there is none), as
    # `opsplan solve` exits 0 and a batch counts the input ok
    answered = status is not None and SolveStatus(status).is_answer
    if why == "cancel":
        state = CANCELLED
    elif answered:
        state = SUCCEEDED
    else:
        state = FAILED
    if not store.finish(
        job_id,
        state,
        lease=lease,
        result_json=result,
        result_status=status,
        runtime_s=outcome.runtime_s,
        error=f"the solve ended with status {status}, not an answer; the result "
        "is stored: see its messages"
        if state == FAILED
        else None,
    ):
        log.warning(
            "job %s: attempt %d no longer holds the job; its result is dropped", job_id, lease
        )
        return RUNNING, None
    return state, outcome.runtime_s
