"""The executor interface: solves (or any plain-data task) run off the caller's process.

    ex = make_executor(scheduler=None or "tcp://host:8786", parallel=N)
    fut = ex.submit(request_dict, {"time_limit_s": 10, "workers": 1})  # concurrent.futures.Future
    fut.result()   # -> the SolveResult as JSON text (SolveResult.from_json reads it back)
    fut.cancel()   # drops a queued solve; a running one is stopped (local: its worker process is
                   # ended and replaced; Dask: the solve is asked to stop and its result dropped)
    ex.close()

`fut.result()` raises InvalidInput (with every problem) for an invalid request, TaskFailed when
the solve raised or its worker process died or hung (`crashed=True`), and CancelledError after a
cancel. `ex.run(fn, *args)` runs any importable function on a worker (the service runs its stored
jobs so); its future raises TaskFailed(crashed=True) when the worker was lost.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, InvalidStateError
from typing import Any

from .task import TaskFailed, TaskOutcome

log = logging.getLogger("opsplan.runtime")


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def oversubscription(by_host: dict[str, tuple[int, int]], per_solve: int) -> list[str]:
    """A warning per host where solves at a time times solver workers per solve exceed its
    cores (`by_host`: host -> (solves at a time, cores), as SolveExecutor.cores_by_host)."""
    return [
        f"{host}: {solves} solves at a time x {per_solve} solver workers each = "
        f"{solves * per_solve} threads on {cores} cores; solves will slow each other down"
        for host, (solves, cores) in sorted(by_host.items())
        if solves * per_solve > cores
    ]


class SolveFuture(Future[str]):
    """The caller's future of one solve: settled from the executor's own future; cancel()
    reaches the running solve."""

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
        """From the task's outcome, or from the error that stopped it."""
        if self.done():
            return
        try:
            if isinstance(error, CancelledError):
                Future.cancel(self)  # the executor's side is cancelled already: no on_cancel
            elif error is not None:
                self.set_exception(error)
            elif outcome is None:
                self.set_exception(TaskFailed("the task returned nothing"))
            else:
                try:
                    self.set_result(outcome.unwrap())
                except Exception as e:
                    self.set_exception(e)
        except InvalidStateError:  # cancelled meanwhile
            pass


def relay(outer: Future[Any], value: Any, error: BaseException | None) -> None:
    """Settle a plain future from what a worker gave (a cancel is passed on as a cancel)."""
    if outer.done():
        return
    try:
        if isinstance(error, CancelledError):
            outer.cancel()
        elif error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(value)
    except InvalidStateError:
        pass


class SolveExecutor(ABC):
    """Runs solves off the caller's process. See the module docstring for the contract."""

    #: solves that run at the same time (local processes, or the cluster's worker threads)
    capacity: int

    @abstractmethod
    def submit(
        self, request: dict[str, Any], options: dict[str, Any] | None = None, *, indent: int = 2
    ) -> SolveFuture:
        """Queue one solve; the future resolves to the SolveResult JSON text."""

    @abstractmethod
    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        key: str | None = None,
        timeout: float | None = None,
    ) -> Future[Any]:
        """Run fn(*args) on a worker: its return value, or TaskFailed(crashed=True) when the
        worker was lost. `key` names the task where the executor shows names (Dask); a local
        worker still running after `timeout` seconds is ended (Dask has no such kill)."""

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


def make_executor(scheduler: str | None, parallel: int | None) -> SolveExecutor:
    """A DaskExecutor when a scheduler address is given, else a LocalExecutor of `parallel`."""
    if scheduler:
        from .cluster import DaskExecutor

        return DaskExecutor(scheduler)
    from .local import LocalExecutor

    return LocalExecutor(parallel or available_cores())
