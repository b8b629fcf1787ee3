"""The one worker initialiser, shared by every local pool (the service's and batch's)."""

from __future__ import annotations

import os
import signal


def init_worker() -> None:
    """Run once in each worker process before its first task.

    The worker gets its own process group: a Ctrl-C at the terminal (SIGINT to the foreground
    group) or a SIGTERM to the caller's group reaches the caller, which decides what stops and
    ends its workers, but neither the workers nor their solver processes. SIGINT is not ignored
    (an ignored signal stays ignored across exec, and the PuLP backend cancels CBC with SIGINT);
    only where there are no process groups is it ignored instead.

    Its log records (an incident's traceback) go where the caller's do (core/incident.py).
    Then the model families load now, not inside the first task's time (in a fork server they
    are already loaded: see preload.py).
    """
    from ..core.incident import configure_worker

    configure_worker()
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    else:  # pragma: no cover - not POSIX
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm()


def warm() -> int:
    """Import every model family (and its solver libraries); how many there are."""
    from ..core import registry

    return len(registry.names())
