"""A local pool's workers end with the process that made the pool, however it ends: a kill -9
of a service or a batch run leaves no worker solving behind it (events and polling, no timing)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]

# the owner: a pool of two workers, one busy in a task that never returns (as a long solve that
# reads no pipe), the other idle
OWNER = textwrap.dedent(
    """
    import sys, time
    from opsplan.runtime import LocalExecutor
    from tests.runtime.helpers import hanging_task

    if __name__ == "__main__":
        ex = LocalExecutor(2, task=hanging_task)
        ex.warm()
        ex.submit({"started": sys.argv[1]})
        time.sleep(600)
    """
)


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_workers_end_when_their_owner_is_killed(tmp_path):
    started = tmp_path / "started"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(started)], cwd=ROOT, env=env, start_new_session=True
    )
    procs: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while not (started.exists() and started.read_text()):  # the task runs in a worker
            assert owner.poll() is None, "the owner ended early"
            assert time.monotonic() < deadline, "the task did not start in 60 s"
            time.sleep(0.05)
        busy = int(started.read_text())
        procs = psutil.Process(owner.pid).children(recursive=True)
        assert busy in [p.pid for p in procs]  # the busy worker, an idle one, the fork server
        assert len(procs) >= 3
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in procs):
            assert time.monotonic() < deadline, [
                (p.pid, p.cmdline()[-1][:60]) for p in procs if _alive(p)
            ]
            time.sleep(0.1)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=30)
        for p in procs:  # never leave a process of this test behind, even when it fails
            if _alive(p):
                p.kill()
