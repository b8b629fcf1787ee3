"""Where solves run: local worker processes, or the workers of a Dask distributed cluster.

One small interface, used by `opsplan batch` and meant for any other caller that needs solves run
off its own process (the HTTP service can share a Dask cluster with it):

    ex = make_executor(scheduler=None or "tcp://host:8786", parallel=N)
    fut = ex.submit(request_dict, {"time_limit_s": 10, "workers": 1})  # concurrent.futures.Future
    fut.result()   # -> the SolveResult as JSON text (SolveResult.from_json reads it back)
    fut.cancel()   # drops a queued solve; a running one is stopped (local: its worker process is
                   # ended and replaced; Dask: the solve is asked to stop and its result dropped)
    ex.close()

`fut.result()` raises InvalidInput (with every problem) for an invalid request, TaskFailed when
the solve raised or its worker process died (`crashed=True`), and CancelledError after a cancel.
The future is a `concurrent.futures.Future`: wait on it with `concurrent.futures.wait`, add
callbacks, or await it from asyncio with `asyncio.wrap_future(fut)`.

The task that runs on a worker is `solve_task(request, options)`: it calls `opsplan.solve` and
returns plain data, so it pickles across processes and machines (the workers must have the same
opsplan installed).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, InvalidStateError
from typing import Any

from ..core.errors import InvalidInput, Problem

log = logging.getLogger("opsplan.batch")

# Outcome of solve_task, as plain picklable data: ("ok", result_json) | ("invalid", [problem
# dicts]) | ("failed", "Type: message\ntraceback")
TaskOutcome = tuple[str, Any]


class TaskFailed(RuntimeError):
    """A solve did not produce a result: it raised, timed out, or its worker process died."""

    def __init__(self, message: str, *, crashed: bool = False):
        super().__init__(message)
        self.crashed = crashed


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def solve_task(
    request: dict[str, Any], options: dict[str, Any] | None, cancel_event: str | None = None
) -> TaskOutcome:
    """One solve, run inside a worker. Never raises for bad input or a failing solve."""
    from ..core.solve import solve

    should_stop = dask_stop_check(cancel_event) if cancel_event else None
    try:
        res = solve(request, options, should_stop=should_stop)
        return ("ok", res.to_json())
    except InvalidInput as e:
        return ("invalid", [p.model_dump() for p in e.problems])
    except Exception as e:
        return ("failed", f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=8)}")


def dask_stop_check(name: str) -> Callable[[], bool]:
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


class SolveFuture(Future[str]):
    """The caller's future: settled from the executor's own future; cancel() reaches the solve."""

    def __init__(self, on_cancel: Callable[[], None]):
        super().__init__()
        self._on_cancel = on_cancel

    def cancel(self) -> bool:
        # mark this future cancelled first: the executor's future, once cancelled, may settle
        # this one from another thread at once
        if not super().cancel():
            return False
        try:
            self._on_cancel()
        except Exception:
            log.debug("cancel failed", exc_info=True)
        return True

    def settle(self, outcome: TaskOutcome | None, error: BaseException | None) -> None:
        if self.done():
            return
        try:
            if error is not None:
                self.set_exception(error)
            elif outcome is None:
                self.set_exception(TaskFailed("the task returned nothing"))
            elif outcome[0] == "ok":
                self.set_result(outcome[1])
            elif outcome[0] == "invalid":
                self.set_exception(InvalidInput([Problem(**p) for p in outcome[1]]))
            else:
                self.set_exception(TaskFailed(str(outcome[1])))
        except InvalidStateError:  # cancelled meanwhile
            pass


class SolveExecutor(ABC):
    """Runs solves off the caller's process. See the module docstring for the contract."""

    #: solves that run at the same time (local processes, or the cluster's worker threads)
    capacity: int

    @abstractmethod
    def submit(self, request: dict[str, Any], options: dict[str, Any] | None = None) -> SolveFuture:
        """Queue one solve; the future resolves to the SolveResult JSON text."""

    @abstractmethod
    def close(self, cancel_pending: bool = False) -> None:
        """Release the workers (local) or the connection (Dask); with cancel_pending, stop all."""

    def cores_by_host(self) -> dict[str, tuple[int, int]]:
        """host -> (solves at a time on it, its cores): to warn about oversubscription."""
        return {"localhost": (self.capacity, available_cores())}

    def __enter__(self) -> SolveExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel_pending=exc[0] is not None)


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; the parent decides what stops, so workers ignore it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # load the solver and the families now, not inside the first task's time
    from ..core import registry

    registry.names()


def _mp_context() -> Any:
    """forkserver where there is one (Linux): a clean single-threaded server that has imported
    opsplan and its families once forks each worker in milliseconds; spawn elsewhere. Never a plain
    fork of this (threaded) process."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["opsplan.batch.preload"])
        return ctx
    return multiprocessing.get_context("spawn")


class LocalExecutor(SolveExecutor):
    """`parallel` worker processes on this machine (Pebble's ProcessPool: a worker that dies or
    hangs fails only its own task and is replaced; cancelling a running task ends its process).

    Workers are forked from a forkserver that has loaded opsplan (or spawned where there is none),
    never forked from the threaded parent.
    A task that runs longer than 1.5 times its time limit plus `grace_s` is ended as hung.
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
        import pebble

        self.capacity = max(1, parallel)
        self._task = task
        self._grace = grace_s
        self._default_limit = default_time_limit_s
        self._pool = pebble.ProcessPool(
            max_workers=self.capacity, initializer=_worker_init, context=_mp_context()
        )

    def submit(self, request: dict[str, Any], options: dict[str, Any] | None = None) -> SolveFuture:
        limit = (options or {}).get("time_limit_s")
        if limit is None and isinstance(request.get("options"), dict):
            limit = request["options"].get("time_limit_s")
        try:
            timeout = float(limit if limit is not None else self._default_limit) * 1.5 + self._grace
        except (TypeError, ValueError):  # an invalid limit: the solve reports it as invalid input
            timeout = self._default_limit * 1.5 + self._grace
        inner = self._pool.schedule(self._task, args=(request, options), timeout=timeout)
        outer = SolveFuture(on_cancel=inner.cancel)
        inner.add_done_callback(lambda f: _settle_local(outer, f, timeout))
        return outer

    def close(self, cancel_pending: bool = False) -> None:
        if cancel_pending:
            self._pool.stop()
        else:
            self._pool.close()
        self._pool.join()


def _settle_local(outer: SolveFuture, inner: Future[Any], timeout: float) -> None:
    from pebble import ProcessExpired

    if inner.cancelled():  # by outer.cancel(), or by close(cancel_pending=True)
        outer.cancel()
        return
    err = inner.exception()
    if err is None:
        outer.settle(inner.result(), None)
    elif isinstance(err, ProcessExpired):
        outer.settle(
            None,
            TaskFailed(f"the worker process died (exit code {err.exitcode})", crashed=True),
        )
    elif isinstance(err, TimeoutError):
        outer.settle(
            None, TaskFailed(f"no answer after {timeout:.0f} s: the worker was ended", crashed=True)
        )
    else:
        outer.settle(None, TaskFailed(f"{type(err).__name__}: {err}"))


class DaskExecutor(SolveExecutor):
    """Solves as tasks on a Dask distributed cluster (`dask scheduler` + `dask worker`).

    Each solve is one task; run the workers with `--nthreads 1` so that one worker process runs
    one solve (CP-SAT threads are native threads, and `--nworkers` times the solver workers per
    solve should not exceed the machine's cores). Results come back to the caller.
    A worker that dies is retried by Dask on another worker (the scheduler's
    `distributed.scheduler.allowed-failures`, default 3) and then reported as crashed.
    `address` is a scheduler address or an existing `distributed.Client` (not closed here).
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
        self._events: dict[str, Any] = {}

    def submit(self, request: dict[str, Any], options: dict[str, Any] | None = None) -> SolveFuture:
        from distributed import Event

        self._clear_events(older_than_s=30.0)
        token = uuid.uuid4().hex
        event_name = f"opsplan-cancel-{token}"
        inner = self.client.submit(
            self._task, request, options, event_name, key=f"opsplan-solve-{token}", pure=False
        )

        def cancel() -> None:
            Event(event_name, client=self.client).set()  # a running solve stops at once
            inner.cancel()
            # the event stays on the scheduler until the task has seen it: clear it later
            self._events[event_name] = time.monotonic()

        outer = SolveFuture(on_cancel=cancel)
        inner.add_done_callback(lambda f: _settle_dask(outer, f))
        return outer

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


def _settle_dask(outer: SolveFuture, inner: Any) -> None:
    from distributed import KilledWorker

    status = inner.status
    if status == "cancelled":
        if not outer.done():
            outer.settle(None, CancelledError())
        return
    try:
        outcome = inner.result()
    except KilledWorker as e:
        outer.settle(None, TaskFailed(f"the Dask worker died running it: {e}", crashed=True))
        return
    except Exception as e:
        outer.settle(None, TaskFailed(f"{type(e).__name__}: {e}"))
        return
    outer.settle(outcome, None)


def make_executor(scheduler: str | None, parallel: int | None) -> SolveExecutor:
    """A DaskExecutor when a scheduler address is given, else a LocalExecutor of `parallel`."""
    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(parallel or available_cores())
