"""PuLP backend (CBC, HiGHS): one place that runs an LpProblem honestly.

- CBC or HiGHS, from options.backend;
- status from the solver's own answer: a time-limited run that PuLP calls "Optimal" is
  `feasible` (PuLP's sol_status for CBC, HiGHS's model status for HiGHS);
- every solve works in its own temporary directory, removed afterwards, so parallel solves
  never share files;
- the time limit is enforced even when CBC overruns it: a watcher sends SIGKILL to this solve's
  CBC process (found by its private directory) a grace period after the limit;
- cancellation: SIGINT to CBC (it stops and writes its incumbent), the interrupt callback for
  HiGHS; HiGHS also reports each improving solution as Progress.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pulp

from ..options import SolveOptions
from ..result import SolverInfo
from ..run import RunContext
from ..status import SolveStatus
from . import highs

# PuLP's sol_status (CBC) -> SolveStatus
PULP_SOL_STATUS: dict[int, SolveStatus] = {
    pulp.LpSolutionOptimal: SolveStatus.OPTIMAL,
    pulp.LpSolutionIntegerFeasible: SolveStatus.FEASIBLE,
    pulp.LpSolutionInfeasible: SolveStatus.INFEASIBLE,
    pulp.LpSolutionUnbounded: SolveStatus.UNBOUNDED,
    pulp.LpSolutionNoSolutionFound: SolveStatus.NO_SOLUTION,
}

KILL_GRACE_S = 3.0  # CBC may take this long past its limit before it is killed


@dataclass
class MilpRun:
    status: SolveStatus
    objective: float | None
    bound: float | None
    wall_s: float
    backend: str
    log: list[str] = field(default_factory=list)
    killed: bool = False
    # what ended the run early: "limit" (the solver's own time limit), "cancel" (a cancel
    # request the solver honoured), "kill" (CBC overran its limit and was killed), None (it
    # finished by itself)
    stopped_by: str | None = None
    # CBC processes this run signalled (SIGINT for a cancel, SIGKILL past the limit)
    signalled: list[int] = field(default_factory=list)

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution


def solver_info(options: SolveOptions) -> SolverInfo:
    if options.backend == "highs":
        return SolverInfo(
            name="highs", version=version("highspy"), workers=options.workers, seed=options.seed
        )
    return SolverInfo(
        name="cbc", version=f"pulp {version('pulp')}", workers=options.workers, seed=options.seed
    )


def value(x: Any) -> float:
    """A PuLP variable's or expression's value, 0.0 when the solver left it unset."""
    v = pulp.value(x)
    return 0.0 if v is None else float(v)


def run(
    prob: pulp.LpProblem,
    options: SolveOptions,
    ctx: RunContext,
    *,
    time_limit_s: float | None = None,
    params: dict[str, Any] | None = None,
    warm_start: bool = False,
    objective_scale: float = 1.0,
) -> MilpRun:
    """Solve `prob`. `params` are extra HiGHS options (name -> value), ignored by CBC. With
    warm_start (HiGHS only), the variables' current values (a plan from an earlier run) are
    handed to HiGHS as a first incumbent. CBC ignores it: the bundled CBC 2.10.3 exits with an
    error on PuLP's MIP start for some tiny models. `objective_scale`: the problem's objective
    is the user's objective times this factor (a model scaled to whole numbers); the run's
    objective, bound and progress are reported divided by it, in the user's units."""
    remaining = options.time_limit_s - ctx.elapsed()
    if time_limit_s is not None:
        remaining = min(remaining, time_limit_s)
    remaining = max(0.05, remaining)
    tmp = tempfile.mkdtemp(prefix="opsplan-milp-")
    try:
        if options.backend == "highs":
            out = _run_highs(prob, options, ctx, remaining, params, warm_start, objective_scale)
        else:
            out = _run_cbc(prob, options, ctx, remaining, tmp)
        if objective_scale != 1.0:
            out.objective = None if out.objective is None else out.objective / objective_scale
            out.bound = None if out.bound is None else out.bound / objective_scale
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _objective_and_bound(
    prob: pulp.LpProblem, status: SolveStatus, bound: float | None
) -> tuple[float | None, float | None]:
    if not status.has_solution:
        return None, bound
    obj = value(prob.objective) if prob.objective is not None else 0.0
    if status == SolveStatus.OPTIMAL and (bound is None or not math.isfinite(bound)):
        bound = obj
    if bound is not None and not math.isfinite(bound):
        bound = None
    return obj, bound


# ---------------------------------------------------------------------- HiGHS
_HIGHS_STOPPED_BY = {"kTimeLimit": "limit", "kInterrupt": "cancel"}


class _HiGHSTimed(pulp.HiGHS):
    """PuLP's highspy interface whose time limit counts from `deadline` (a monotonic time):
    building HiGHS's model from PuLP's takes seconds on large models, which HiGHS's own limit
    would not count."""

    deadline: float | None = None

    def callSolver(self, lp: pulp.LpProblem) -> None:
        if self.deadline is not None:
            left = max(0.05, self.deadline - time.monotonic())
            lp.solverModel.setOptionValue("time_limit", float(left))
        lp.solverModel.run()


class _HiGHSWithStart(_HiGHSTimed):
    """The same, handing the variables' current values to HiGHS as a start."""

    def callSolver(self, lp: pulp.LpProblem) -> None:
        import highspy

        sol = highspy.HighsSolution()
        sol.col_value = [float(v.varValue or 0.0) for v in lp.variables()]
        sol.value_valid = True
        lp.solverModel.setSolution(sol)
        super().callSolver(lp)


def _run_highs(
    prob: pulp.LpProblem,
    options: SolveOptions,
    ctx: RunContext,
    limit: float,
    extra: dict[str, Any] | None = None,
    warm_start: bool = False,
    scale: float = 1.0,
) -> MilpRun:
    import highspy

    cb = highspy.cb
    # PuLP hands HiGHS the objective without its constant, negated when maximising: map HiGHS's
    # numbers back to the problem's own objective
    sign = -1.0 if prob.sense == pulp.LpMaximize else 1.0
    offset = float(prob.objective.constant) if prob.objective is not None else 0.0
    callback = highs.mip_callback(ctx, lambda v: (sign * v + offset) / scale)
    highs.use_threads(options.workers)
    params: dict[str, Any] = {**highs.HIGHS_DEFAULTS, **(extra or {}), "random_seed": options.seed}
    solver = (_HiGHSWithStart if warm_start else _HiGHSTimed)(
        msg=False,
        timeLimit=limit,
        threads=options.workers,
        gapRel=options.relative_gap if options.relative_gap > 0 else None,
        callbackTuple=(callback, None),
        callbacksToActivate=[
            cb.HighsCallbackType.kCallbackMipImprovingSolution,
            cb.HighsCallbackType.kCallbackMipInterrupt,
        ],
        **params,
    )
    t0 = time.monotonic()
    solver.deadline = t0 + limit
    try:
        prob.solve(solver)
    except pulp.PulpSolverError as e:
        return MilpRun(
            SolveStatus.ERROR, None, None, time.monotonic() - t0, "highs", [f"HiGHS failed: {e}"]
        )
    h = prob.solverModel
    info = h.getInfo()
    status, log = highs.fold_status(h)
    bound = None
    if prob.isMIP():
        b = float(info.mip_dual_bound)
        bound = sign * b + offset if math.isfinite(b) else None
    obj, bound = _objective_and_bound(prob, status, bound)
    if options.log:
        model_status = h.modelStatusToString(h.getModelStatus())
        log.append(f"HiGHS: {model_status}, mip gap {info.mip_gap}, nodes {info.mip_node_count}")
    stopped_by = _HIGHS_STOPPED_BY.get(str(h.getModelStatus()).split(".")[-1])
    return MilpRun(status, obj, bound, time.monotonic() - t0, "highs", log, stopped_by=stopped_by)


# ---------------------------------------------------------------------- CBC
_LOWER = re.compile(r"^Lower bound:\s*([-+0-9.eE]+)", re.M)
_STOPPED = re.compile(r"^Result - (Stopped|User ctrl-c)", re.M)
_STOPPED_BY = {"Stopped": "limit", "User ctrl-c": "cancel"}


def _cbc_pids(tmp: str) -> list[int]:
    """Processes whose command line names this solve's private directory (Linux /proc)."""
    pids = []
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                if tmp.encode() in f.read():
                    pids.append(int(d))
        except OSError:
            continue
    return pids


def _run_cbc(
    prob: pulp.LpProblem, options: SolveOptions, ctx: RunContext, limit: float, tmp: str
) -> MilpRun:
    log_path = Path(tmp) / "cbc.log"
    solver = pulp.PULP_CBC_CMD(
        msg=False,
        timeLimit=limit,
        # one worker: CBC's serial search (`threads 1` takes its threaded branch and bound,
        # which now and then never returns on a tiny model)
        threads=options.workers if options.workers > 1 else None,
        gapRel=options.relative_gap if options.relative_gap > 0 else None,
        logPath=str(log_path),
        keepFiles=False,
        options=[f"randomSeed {options.seed + 1}"],
    )
    solver.tmpDir = tmp
    done = threading.Event()
    killed = interrupted = False
    signalled: list[int] = []
    t0 = time.monotonic()

    def watch() -> None:
        # a signal counts only once it reached a CBC process: before CBC has started (PuLP
        # writes the model first) there is none yet, and the next look tries again
        nonlocal killed, interrupted
        while not done.wait(0.1):
            over = time.monotonic() - t0 > limit + KILL_GRACE_S
            if over or (ctx.stop_requested() and not interrupted):
                sent = False
                for pid in _cbc_pids(tmp):
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL if over else signal.SIGINT)
                        signalled.append(pid)
                        sent = True
                if sent:
                    killed, interrupted = killed or over, True
                    if over:
                        return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    error = None
    try:
        prob.solve(solver)
    except pulp.PulpSolverError as e:
        error = str(e)
    finally:
        done.set()
        watcher.join()
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    log = text.splitlines() if options.log else []
    wall = time.monotonic() - t0
    if killed:
        return MilpRun(
            SolveStatus.NO_SOLUTION,
            None,
            None,
            wall,
            "cbc",
            [*log, f"CBC overran its time limit of {limit:.1f}s and was stopped"],
            killed=True,
            stopped_by="kill",
            signalled=signalled,
        )
    if error is not None:
        return MilpRun(
            SolveStatus.ERROR,
            None,
            None,
            wall,
            "cbc",
            [*log, f"CBC failed: {error}"],
            signalled=signalled,
        )
    status = PULP_SOL_STATUS.get(prob.sol_status, SolveStatus.ERROR)
    if (
        status == SolveStatus.NO_SOLUTION
        and prob.status == pulp.LpStatusInfeasible
        and not _STOPPED.search(text)
    ):
        status = SolveStatus.INFEASIBLE  # "Integer infeasible": PuLP leaves sol_status unset
    if status == SolveStatus.OPTIMAL and _STOPPED.search(text):
        status = SolveStatus.FEASIBLE  # stopped by a limit: not proven optimal
    m = _LOWER.search(text)
    bound = float(m.group(1)) if m and prob.sense == pulp.LpMinimize else None
    obj, bound = _objective_and_bound(prob, status, bound)
    stopped = _STOPPED.search(text)
    stopped_by = _STOPPED_BY[stopped.group(1)] if stopped else None
    return MilpRun(status, obj, bound, wall, "cbc", log, stopped_by=stopped_by, signalled=signalled)
