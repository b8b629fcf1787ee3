"""The service's solves on a Dask distributed cluster (setting OPSPLAN_DASK_SCHEDULER).

The same dispatcher as the local pool (DispatchingExecutor): jobs are claimed from the store, and
each runs `worker.run_job` as one Dask task, which reads its request from the store and writes
progress, events and the result there; synchronous solves run the runtime's `solve_task` as a
task. Both go through the runtime's DaskExecutor (connection, worker checks, tasks). So
the workers must reach the database (a shared URL such as PostgreSQL when they are on other
machines) and have the same opsplan installed.

Several service replicas (each with its own executor) can point at one cluster: before claiming a
job, the dispatcher counts the cluster's worker threads and the opsplan tasks every client has
running there (service jobs, synchronous solves, `opsplan batch` solves), and claims only while
some thread is free.

Cancellation is the store's flag, polled by the running task as on the local pool. On shutdown
the executor sets a distributed Event (the runtime's stop check) that its running tasks
read: they stop without storing anything, so their jobs stay `running` and the next start's
recovery runs them again, as when the local pool ends its processes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..runtime import DaskExecutor, oversubscription
from ..runtime.cluster import TASK_PREFIX
from ..runtime.worker import warm
from .executor import DispatchingExecutor, JobDone
from .settings import Settings
from .store import Store

log = logging.getLogger("opsplan.api")


class DaskServiceExecutor(DispatchingExecutor):
    """Solves as tasks on the Dask cluster at `settings.dask_scheduler`."""

    def __init__(self, settings: Settings, store: Store, on_done: JobDone | None = None) -> None:
        super().__init__(settings, store, on_done)
        if not settings.dask_scheduler:
            raise ValueError("DaskServiceExecutor needs settings.dask_scheduler")
        self.address = settings.dask_scheduler
        self._dask: DaskExecutor | None = None
        self._own: dict[str, Any] = {}  # key -> future of this executor's tasks under way
        self._own_lock = threading.Lock()
        self._stop_event = f"opsplan-service-stop-{uuid.uuid4().hex}"

    def _open(self) -> None:
        try:  # connects and waits for a first worker
            dask = DaskExecutor(self.address, connect_timeout_s=self.settings.dask_timeout_s)
        except Exception as e:
            raise RuntimeError(
                f"no Dask cluster to run solves on at {self.address} (OPSPLAN_DASK_SCHEDULER): {e}"
            ) from None
        self._dask = dask
        dask.run_everywhere(warm)  # every worker imports the model families now
        try:
            threads = self._cluster()[0]
            for w in oversubscription(dask.cores_by_host(), self.settings.workers_per_solve):
                log.warning(
                    "Dask workers on %s; start them with --nthreads 1 and fewer --nworkers", w
                )
        except Exception:
            log.warning("could not read the Dask cluster's workers", exc_info=True)
            threads = 1
        self.capacity = threads
        log.info("solves run on the Dask cluster at %s (%d worker threads)", self.address, threads)

    def _close(self) -> None:
        dask, self._dask = self._dask, None
        if dask is None:
            return
        from distributed import Event

        client = dask.client
        with self._own_lock:
            running = list(self._own.values())
        if running:
            try:
                Event(self._stop_event, client=client).set()
            except Exception:
                log.warning("could not tell the running solves to stop", exc_info=True)
            # each task reads the event twice a second; its solve then stops within a second
            deadline = time.monotonic() + 5.0
            while not all(f.done() for f in running) and time.monotonic() < deadline:
                time.sleep(0.05)
        with contextlib.suppress(Exception):
            Event(self._stop_event, client=client).clear()
        dask.close()

    def _cluster(self) -> tuple[int, int]:
        """(worker threads in the cluster, opsplan tasks of other clients running on them)."""
        dask = self._dask
        if dask is None:
            raise RuntimeError("the executor is not running")
        threads = dask.threads()
        with self._own_lock:
            own = set(self._own)
        others = sum(1 for k in dask.running_keys() if k.startswith(TASK_PREFIX) and k not in own)
        return threads, others

    def _room(self) -> int:
        if self._dask is None:
            return 0
        try:
            threads, others = self._cluster()
        except Exception:
            log.warning("could not read the Dask cluster's load", exc_info=True)
            return 0
        self.capacity = max(1, threads)
        free = threads - others
        return min(free - self._inflight, free - self.settings.sync_reserved - self._jobs)

    def _job_args(self, job_id: str) -> tuple[Any, ...]:
        return (
            self.settings.cancel_poll_s,
            self.settings.progress_interval_s,
            self._stop_event,
        )

    def _submit(
        self, fn: Callable[..., Any], *args: Any, label: str = "sync", timeout: float | None = None
    ) -> Future[Any]:
        dask = self._dask
        if dask is None:
            raise RuntimeError("the executor is not running")
        key = f"{TASK_PREFIX}service-{label}-{uuid.uuid4().hex[:12]}"
        with self._own_lock:  # counted as this executor's before the scheduler sees it
            fut = dask.run(fn, *args, key=key)
            self._own[key] = fut
        fut.add_done_callback(lambda _f: self._forget(key))
        return fut

    def _forget(self, key: str) -> None:
        with self._own_lock:
            self._own.pop(key, None)
