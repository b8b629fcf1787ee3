"""Where the service's solves run: its Executor interface and the store-backed dispatcher.

An Executor owns the worker processes (or a cluster), through an executor of `opsplan.runtime`:
it runs synchronous solves, and it takes queued jobs from the store as capacity frees up.
Cancellation goes through the store (a flag the running job polls), so it crosses processes,
machines and restarts alike.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from ..runtime import LocalExecutor, SolveTask, TaskOutcome, solve_task
from .settings import Settings
from .store import FAILED, FINAL, Store
from .worker import run_job

log = logging.getLogger("opsplan.api")

# a call still running this long after its solve's time limit (x 1.5) counts as hung
HUNG_GRACE_S = 60.0
# at shutdown, after the grace period: how long running jobs get to stop and save their plan (a
# cancel takes well under a second) before their workers are ended
RELEASE_WAIT_S = 10.0

# (final state, runtime_s or None): called in the web process when a job ends
JobDone = Callable[[str, str, float | None], None]


class Executor(Protocol):
    capacity: int

    def start(self) -> None:
        """Start the workers and begin running queued jobs from the store."""

    def shutdown(self) -> None:
        """Stop taking jobs; let running jobs finish within `settings.shutdown_grace_s`, then ask
        them to stop and save their best plan (queued again for the next start); then stop the
        workers (a job that did not stop stays `running` in the store: see recover)."""

    def notify(self) -> None:
        """A job was queued (or capacity may have freed up): look at the queue now."""

    def cancel(self, job_id: str) -> None:
        """The store's cancel flag is set; speed it up if the executor can."""

    def solve(self, request: dict[str, Any], overrides: dict[str, Any]) -> TaskOutcome:
        """One synchronous solve: its outcome (the result as compact JSON, or the problems)."""

    def running(self) -> int:
        """Solves under way now (jobs and synchronous)."""


class DispatchingExecutor:
    """What every executor of the service shares: solve() and a dispatcher thread that claims
    queued jobs from the store while there is room, runs `run_job` on the executor's workers and
    settles each job's end (a lost worker re-queues its job within `max_attempts`).

    A subclass says where work runs: `_open` and `_close` the workers, `_submit(fn, *args)` one
    call on a runtime executor (a future with `result()` and `add_done_callback`), `_room()`
    how many more jobs may start now, and `_job_args(job_id)` the arguments of `run_job` after
    the store URL and id. A call whose worker is still busy `timeout` seconds after it started
    is ended where the runtime can end it (a local worker: a hung solve).
    """

    def __init__(self, settings: Settings, store: Store, on_done: JobDone | None = None) -> None:
        self.settings = settings
        self.store = store
        self.capacity = settings.solves
        self.on_done = on_done
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._inflight = 0  # solves under way: jobs and synchronous
        self._jobs = 0  # jobs under way
        self._running: dict[str, int] = {}  # job id -> attempt (lease) of the jobs under way
        self._ended_cond = threading.Condition(self._lock)  # notified when a job ends
        self._thread: threading.Thread | None = None

    # --- what a subclass provides ------------------------------------------------------
    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _submit(
        self, fn: Callable[..., Any], *args: Any, label: str = "sync", timeout: float | None = None
    ) -> Future[Any]:
        """Run fn(*args) on a worker; `label` names the work ("sync" or "job-ID")."""
        raise NotImplementedError

    def _hung_after(self, time_limit_s: float) -> float:
        """Seconds after which a call whose solve has this time limit counts as hung."""
        return time_limit_s * 1.5 + HUNG_GRACE_S

    def _room(self) -> int:
        """Jobs that may start now."""
        raise NotImplementedError

    def _job_args(self, job_id: str) -> tuple[Any, ...]:
        return (self.settings.cancel_poll_s, self.settings.progress_interval_s)

    # --- the Executor interface --------------------------------------------------------
    def start(self) -> None:
        self._open()
        self._thread = threading.Thread(target=self._dispatch, name="opsplan-dispatch", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()  # the dispatcher claims no more jobs
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        grace = self.settings.shutdown_grace_s
        if not self._wait_jobs(grace):
            with self._lock:
                ids = list(self._running)
            try:
                n = self.store.request_release(ids)
            except Exception:
                log.exception("could not ask the running jobs to stop")
                n = 0
            log.warning(
                "shutting down: %d job(s) still running after %.0f s; stopped, their best plans "
                "saved, queued again",
                n,
                grace,
            )
            if not self._wait_jobs(RELEASE_WAIT_S):
                log.error("shutting down: jobs %s did not stop; their workers are ended", ids)
        self._close()

    def _wait_jobs(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) until no job is under way; whether none is."""
        with self._ended_cond:
            return self._ended_cond.wait_for(lambda: self._jobs == 0, timeout=timeout)

    def _job_started(self, job_id: str, lease: int) -> None:
        with self._lock:
            self._inflight += 1
            self._jobs += 1
            self._running[job_id] = lease

    def _job_ended(self, job_id: str) -> None:
        with self._lock:
            self._inflight -= 1
            self._jobs -= 1
            self._running.pop(job_id, None)
            self._ended_cond.notify_all()

    def notify(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        self._wake.set()  # the flag is in the store; the worker polls it

    def running(self) -> int:
        return self._inflight

    def solve(self, request: dict[str, Any], overrides: dict[str, Any]) -> TaskOutcome:
        """Raises TaskFailed when the worker was lost (the route answers 500)."""
        with self._lock:
            self._inflight += 1
        try:
            task = SolveTask(request, overrides, indent=None)
            fut = self._submit(
                solve_task,
                task,
                label="sync",
                timeout=self._hung_after(self.settings.sync_time_limit_s),
            )
            outcome: TaskOutcome = fut.result()
            return outcome
        finally:
            with self._lock:
                self._inflight -= 1
            self._wake.set()

    # --- jobs --------------------------------------------------------------------------
    def _dispatch(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            while not self._stop.is_set() and self._room() > 0:
                try:
                    job = self.store.claim_next()
                except Exception:
                    log.exception("could not read the queue")
                    break
                if job is None:
                    break
                self._job_started(job.id, job.attempts)
                try:
                    fut = self._submit(
                        run_job,
                        self.store.url,
                        job.id,
                        job.attempts,  # the lease: only this attempt writes the job
                        *self._job_args(job.id),
                        label=f"job-{job.id}",
                        timeout=self._hung_after(self.settings.max_time_limit_s),
                    )
                except Exception:
                    log.exception("could not start job %s", job.id)
                    self._ended(job.id, job.attempts, FAILED, "the job could not be started")
                    continue
                fut.add_done_callback(functools.partial(self._job_done, job.id, job.attempts))

    def _job_done(self, job_id: str, lease: int, fut: Any) -> None:
        try:
            state, runtime = fut.result()
        except Exception as e:
            if self._stop.is_set():  # shutting down: the job stays running for recover()
                self._job_ended(job_id)
                return
            log.error("job %s: worker failed: %s", job_id, e)
            # the worker died (or hung and was ended) under the job: perhaps not the job's fault
            # (memory, a killed process), so run it again while it has attempts left (a job
            # that kills its worker each time ends failed; a job whose cancel was asked for ends
            # cancelled, never runs again)
            state = FAILED
            try:
                state = self.store.retry_or_fail(
                    job_id,
                    lease,
                    self.settings.max_attempts,
                    "the worker process running this job stopped",
                )
            except Exception:
                log.exception("could not store the end of job %s", job_id)
            self._job_ended(job_id)
            if state in FINAL and self.on_done is not None:
                self.on_done(job_id, state, None)
            self._wake.set()
            return
        self._job_ended(job_id)
        # RUNNING: left to the attempt that holds the job, or to recover(); QUEUED: released
        if state in FINAL and self.on_done is not None:
            self.on_done(job_id, state, runtime)
        self._wake.set()

    def _ended(self, job_id: str, lease: int, state: str, error: str) -> None:
        try:
            self.store.finish(job_id, state, lease=lease, error=error)
        except Exception:
            log.exception("could not store the end of job %s", job_id)
        self._job_ended(job_id)
        if self.on_done is not None:
            self.on_done(job_id, state, None)
        self._wake.set()


class LocalProcessExecutor(DispatchingExecutor):
    """A pool of `settings.solves` worker processes on this machine (runtime.LocalExecutor)."""

    def __init__(self, settings: Settings, store: Store, on_done: JobDone | None = None) -> None:
        super().__init__(settings, store, on_done)
        self._job_slots = settings.solves - settings.sync_reserved
        self._pool: LocalExecutor | None = None

    def _open(self) -> None:
        self._pool = LocalExecutor(self.capacity)
        self._pool.warm()

    def _close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:  # running solves are ended too: a restart recovers their jobs
            pool.close(cancel_pending=True)

    def _room(self) -> int:
        return min(self.capacity - self._inflight, self._job_slots - self._jobs)

    def _submit(
        self, fn: Callable[..., Any], *args: Any, label: str = "sync", timeout: float | None = None
    ) -> Future[Any]:
        pool = self._pool
        if pool is None:
            raise RuntimeError("the executor is not running")
        return pool.run(fn, *args, timeout=timeout)

    def worker_pids(self) -> list[int]:
        return self._pool.worker_pids() if self._pool is not None else []
