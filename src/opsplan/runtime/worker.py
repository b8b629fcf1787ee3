"""The one worker initialiser, shared by every local pool (the service's and batch's), and the
watchdog that ends a worker whose owner (the process that made the pool) has died.

Why a watchdog thread on a pidfd, not PR_SET_PDEATHSIG: a worker's parent is not its owner. The
pool's workers are forked from the fork server (preload.py), so a parent-death signal would watch
the fork server, and on Linux it fires when the *thread* that forked ends, not the process. The
owner's pid is handed to each worker instead, which opens a pidfd on it (Linux 5.3+; a process
handle that cannot be confused with a later process of the same pid) and waits for it to become
readable, i.e. for the owner to exit, however it exits (kill -9 included). Where there are no
pidfds the thread polls the pid twice a second. A thread, unlike a signal, also lets a worker end
well: a task that has something to save (a job's best plan, see `keeping`) sees `owner_gone()`
through its stop check, stops its solve and saves, for at most ORPHAN_GRACE_S; then the worker
ends with its whole process group (solver child processes such as CBC included).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import threading
import time
from collections.abc import Iterator

log = logging.getLogger("opsplan.runtime")

# how long an orphaned worker lets a task that is saving its work finish before it ends
ORPHAN_GRACE_S = 5.0
POLL_S = 0.5  # where there are no pidfds: how often the owner's pid is looked at

_owner_gone = threading.Event()
_idle = threading.Event()  # no task that keeps its work is running
_idle.set()
_keeping = 0
_keeping_lock = threading.Lock()


def init_worker(owner_pid: int | None = None) -> None:
    """Run once in each worker process before its first task.

    The worker gets its own process group: a Ctrl-C at the terminal (SIGINT to the foreground
    group) or a SIGTERM to the caller's group reaches the caller, which decides what stops and
    ends its workers, but neither the workers nor their solver processes. SIGINT is not ignored
    (an ignored signal stays ignored across exec, and the PuLP backend cancels CBC with SIGINT);
    only where there are no process groups is it ignored instead.

    With `owner_pid` (the pool's owner), the worker ends when that process ends (see the module
    docstring). Its log records (an incident's traceback) go where the caller's do
    (core/incident.py). Then the model families load now, not inside the first task's time (in a
    fork server they are already loaded: see preload.py).
    """
    from ..core.incident import configure_worker

    configure_worker()
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    else:  # pragma: no cover - not POSIX
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if owner_pid is not None:
        watch_owner(owner_pid)
    warm()


def warm() -> int:
    """Import every model family (and its solver libraries); how many there are."""
    from ..core import registry

    return len(registry.names())


def owner_gone() -> bool:
    """True once the process that owns this worker has died (the work has no one to go to)."""
    return _owner_gone.is_set()


@contextlib.contextmanager
def keeping() -> Iterator[None]:
    """Around a task that saves its work when the owner dies (a stored job): an orphaned worker
    waits for it (at most ORPHAN_GRACE_S) before it ends."""
    global _keeping
    with _keeping_lock:
        _keeping += 1
        _idle.clear()
    try:
        yield
    finally:
        with _keeping_lock:
            _keeping -= 1
            if _keeping == 0:
                _idle.set()


def watch_owner(pid: int, grace_s: float = ORPHAN_GRACE_S) -> threading.Thread:
    """Start the watchdog thread: when process `pid` ends, this process ends too."""
    t = threading.Thread(
        target=_watch, args=(pid, grace_s), name="opsplan-owner-watch", daemon=True
    )
    t.start()
    return t


def _wait_exit(pid: int) -> None:
    """Return when process `pid` has ended."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # gone already
    except (AttributeError, OSError):  # no pidfds here (not Linux, old kernel): poll the pid
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass  # alive, another user's (cannot be the owner; keep polling anyway)
            time.sleep(POLL_S)
    try:
        select.select([fd], [], [])  # readable when the process has exited
    finally:
        os.close(fd)


def _watch(pid: int, grace_s: float) -> None:
    _wait_exit(pid)
    _owner_gone.set()
    if not _idle.wait(grace_s):
        log.warning("worker %d: its owner %d died; the task did not end in time", os.getpid(), pid)
    _end()


def _end() -> None:
    """End this process and its group (solver child processes) at once."""
    me = os.getpid()
    if hasattr(os, "getpgrp") and os.getpgrp() == me:
        os.killpg(me, signal.SIGKILL)
    os._exit(1)
