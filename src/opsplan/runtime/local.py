"""Solves on worker processes of this machine: Pebble's ProcessPool.

Pebble, not the standard library's ProcessPoolExecutor, because a solve off the process must be
stoppable and must not take others down with it: Pebble ends the process of a task that is
cancelled or runs past its timeout (the standard pool cannot stop a running task at all), and a
worker that dies fails only its own task and is replaced (in the standard pool it breaks every
task and the pool). The one case where Pebble gives up a whole pool, a worker dying while no task
runs, is met by starting a new pool at the next submit.

Workers are forked from a fork server that has imported opsplan and its families once
(preload.py), or spawned where there is none (not Linux): never forked from the threaded caller.
Each worker watches the process that made the pool and ends when it ends (worker.py): a killed
service or batch run leaves no worker solving behind it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .executor import SolveExecutor, SolveFuture, relay
from .task import SolveTask, TaskFailed, TaskOutcome, solve_task
from .worker import init_worker, warm

log = logging.getLogger("opsplan.runtime")


def mp_context() -> Any:
    """forkserver where there is one (Linux), preloaded with the solver stack; spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["opsplan.runtime.preload"])
        return ctx
    return multiprocessing.get_context("spawn")


def lost(err: BaseException, timeout: float | None) -> BaseException:
    """What a Pebble future's error means for the caller."""
    from pebble import ProcessExpired

    if isinstance(err, CancelledError):
        return err
    if isinstance(err, ProcessExpired):
        return TaskFailed(f"the worker process died (exit code {err.exitcode})", crashed=True)
    if isinstance(err, TimeoutError):
        return TaskFailed(
            f"no answer after {timeout or 0:.0f} s: the worker was ended", crashed=True
        )
    if isinstance(err, BrokenProcessPool):  # the pool was stopped under the task
        return TaskFailed("the worker pool was stopped", crashed=True)
    return TaskFailed(f"{type(err).__name__}: {err}", crashed=True)


class LocalExecutor(SolveExecutor):
    """`parallel` worker processes on this machine.

    A solve that runs longer than 1.5 times its time limit plus `grace_s` is ended as hung.
    `task` (tests, tools) replaces solve_task; it must be importable in a fresh interpreter.
    """

    def __init__(
        self,
        parallel: int,
        *,
        grace_s: float = 60.0,
        default_time_limit_s: float = 30,
        task: Callable[..., TaskOutcome] = solve_task,
    ):
        self.capacity = max(1, parallel)
        self._task = task
        self._grace = grace_s
        self._default_limit = default_time_limit_s
        self._lock = threading.Lock()
        self._closed = False
        self._pool = self._new_pool()

    def _new_pool(self) -> Any:
        import pebble

        # each worker ends when this process ends, however it ends (runtime/worker.py)
        return pebble.ProcessPool(
            max_workers=self.capacity,
            initializer=init_worker,
            initargs=(os.getpid(),),
            context=mp_context(),
        )

    def _schedule(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float | None):
        with self._lock:
            if self._closed:
                raise RuntimeError("the executor is closed")
            if not self._pool.active:
                # Pebble gives up a pool when a worker dies while no task runs: start a new one
                log.error("a worker process died while idle; starting a new pool")
                self._pool.stop()
                self._pool.join(timeout=5)
                self._pool = self._new_pool()
            return self._pool.schedule(fn, args=args, timeout=timeout)

    def warm(self) -> None:
        """Start the workers now and wait until they are ready, so that the first solves do not
        pay for process start-up."""
        for f in [self._schedule(warm, (), None) for _ in range(self.capacity)]:
            f.result()

    def worker_pids(self) -> list[int]:
        """The worker processes now (for operators and tests)."""
        with self._lock:
            manager = getattr(self._pool, "_pool_manager", None)
            return list(manager.worker_manager.workers) if manager is not None else []

    def timeout_for(self, limit: Any) -> float:
        """Seconds after which a solve with time limit `limit` counts as hung."""
        try:
            return float(limit if limit is not None else self._default_limit) * 1.5 + self._grace
        except (TypeError, ValueError):  # an invalid limit: the solve reports it as invalid input
            return self._default_limit * 1.5 + self._grace

    def submit(
        self, request: dict[str, Any], options: dict[str, Any] | None = None, *, indent: int = 2
    ) -> SolveFuture:
        task = SolveTask(request, options, indent)
        timeout = self.timeout_for(task.time_limit_s())
        inner = self._schedule(self._task, (task,), timeout)
        outer = SolveFuture(on_cancel=inner.cancel)

        def done(f: Any) -> None:
            try:
                outcome = f.result()
            except BaseException as e:
                outer.settle(None, lost(e, timeout))
            else:
                outer.settle(outcome, None)

        inner.add_done_callback(done)
        return outer

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        key: str | None = None,
        timeout: float | None = None,
    ) -> Future[Any]:
        inner = self._schedule(fn, args, timeout)
        outer: Future[Any] = Future()

        def done(f: Any) -> None:
            try:
                value = f.result()
            except BaseException as e:
                relay(outer, None, lost(e, timeout))
            else:
                relay(outer, value, None)

        inner.add_done_callback(done)
        return outer

    def close(self, cancel_pending: bool = False) -> None:
        """Without cancel_pending, queued and running tasks finish first; with it, every worker
        is ended now (running tasks fail with TaskFailed(crashed=True))."""
        with self._lock:
            self._closed = True
            pool = self._pool
        if cancel_pending:
            pool.stop()
        else:
            pool.close()
        pool.join()
