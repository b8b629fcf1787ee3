"""Solves as tasks on a Dask distributed cluster (`dask scheduler` + `dask worker`).

Each solve is one task; run the workers with `--nthreads 1` so that one worker process runs one
solve (CP-SAT threads are native threads, and `--nworkers` times the solver workers per solve
should not exceed the machine's cores). The workers must have the same opsplan installed.
A running task cannot be killed on Dask: it is asked to stop through a distributed Event that its
solve polls (`stop_check`), and stops within about a second, keeping its best plan.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import Any

from .executor import SolveExecutor, SolveFuture, available_cores, relay
from .task import SolveTask, TaskFailed, TaskOutcome, solve_task

log = logging.getLogger("opsplan.runtime")

TASK_PREFIX = "opsplan-"  # every opsplan task key starts so (a service counts them as busy)


def stop_check(name: str) -> Callable[[], bool]:
    """A should_stop() for a solve on a Dask worker: reads a distributed Event, at most twice a
    second (the CP-SAT backend polls should_stop every 50 ms from its watcher thread)."""
    from distributed import Event

    event = Event(name)
    state = {"checked": 0.0, "set": False}

    def should_stop() -> bool:
        now = time.monotonic()
        if not state["set"] and now - state["checked"] >= 0.5:
            state["checked"] = now
            # the scheduler gone: keep solving, the time limit still holds
            with contextlib.suppress(Exception):
                state["set"] = bool(event.is_set())
        return bool(state["set"])

    try:  # bind the worker's client now, from the task's thread (the watcher thread cannot)
        event.is_set()
    except Exception:
        return lambda: False
    return should_stop


def _done(inner: Any) -> tuple[Any, BaseException | None]:
    """(value, error) of a finished Dask future, its errors as the caller sees them."""
    from distributed import KilledWorker

    if inner.status == "cancelled":
        return None, CancelledError()
    try:
        return inner.result(), None
    except KilledWorker as e:
        return None, TaskFailed(f"the Dask worker died running it: {e}", crashed=True)
    except Exception as e:
        return None, TaskFailed(f"{type(e).__name__}: {e}", crashed=True)


class DaskExecutor(SolveExecutor):
    """Solves on the Dask cluster at `address` (a scheduler address, or an existing
    `distributed.Client`, which is not closed here).

    A worker that dies is retried by Dask on another worker (the scheduler's
    `distributed.scheduler.allowed-failures`, default 3) and then reported as crashed.
    `task` (tests, tools) replaces solve_task; it must be importable on the workers.
    """

    def __init__(
        self,
        address: str | Any,
        *,
        connect_timeout_s: float = 30.0,
        task: Callable[..., TaskOutcome] = solve_task,
    ):
        from distributed import Client

        self._task = task
        self._own_client = isinstance(address, str)
        self.client: Client = (
            Client(address, timeout=connect_timeout_s) if isinstance(address, str) else address
        )
        try:
            self.client.wait_for_workers(1, timeout=connect_timeout_s)
        except Exception:
            if self._own_client:
                self.client.close()
            raise TaskFailed(
                f"no Dask worker joined {address} within {connect_timeout_s:g} s"
            ) from None
        self.capacity = max(1, sum(self.client.nthreads().values()))
        self._events: dict[str, float] = {}

    def submit(
        self, request: dict[str, Any], options: dict[str, Any] | None = None, *, indent: int = 2
    ) -> SolveFuture:
        from distributed import Event

        self._clear_events(older_than_s=30.0)
        token = uuid.uuid4().hex
        event_name = f"{TASK_PREFIX}cancel-{token}"
        inner = self.client.submit(
            self._task,
            SolveTask(request, options, indent),
            event_name,
            key=f"{TASK_PREFIX}solve-{token}",
            pure=False,
        )

        def cancel() -> None:
            Event(event_name, client=self.client).set()  # a running solve stops at once
            inner.cancel()
            # the event stays on the scheduler until the task has seen it: clear it later
            self._events[event_name] = time.monotonic()

        outer = SolveFuture(on_cancel=cancel)
        inner.add_done_callback(lambda f: outer.settle(*_done(f)))
        return outer

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        key: str | None = None,
        timeout: float | None = None,
    ) -> Future[Any]:
        inner = self.client.submit(
            fn, *args, key=key or f"{TASK_PREFIX}task-{uuid.uuid4().hex}", pure=False
        )
        outer: Future[Any] = Future()
        inner.add_done_callback(lambda f: relay(outer, *_done(f)))
        return outer

    def run_everywhere(self, fn: Callable[[], Any]) -> dict[str, Any]:
        """fn() on every worker now (e.g. warm: import the model families)."""
        return dict(self.client.run(fn))

    def threads(self) -> int:
        """Worker threads in the cluster now."""
        return int(sum(self.client.nthreads().values()))

    def running_keys(self) -> list[str]:
        """Keys of the tasks every client has running on the cluster now."""
        return [str(k) for keys in self.client.processing().values() for k in keys]

    def cores_by_host(self) -> dict[str, tuple[int, int]]:
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        cores = self.client.run(available_cores)
        out: dict[str, tuple[int, int]] = {}
        for addr, w in info.items():
            host = w.get("host", addr)
            threads, c = out.get(host, (0, 0))
            out[host] = (threads + int(w.get("nthreads", 1)), max(c, int(cores.get(addr, 1))))
        return out

    def _clear_events(self, older_than_s: float = 0.0) -> None:
        from distributed import Event

        now = time.monotonic()
        for name, since in list(self._events.items()):
            if now - since >= older_than_s:
                del self._events[name]
                try:
                    Event(name, client=self.client).clear()
                except Exception:
                    log.debug("could not clear %s", name, exc_info=True)

    def close(self, cancel_pending: bool = False) -> None:
        if self._events:  # let running solves see their cancel event (read twice a second)
            youngest = max(self._events.values())
            time.sleep(max(0.0, youngest + 1.5 - time.monotonic()))
        self._clear_events()
        if self._own_client:
            self.client.close()
