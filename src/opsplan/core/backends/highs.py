"""What every HiGHS run shares, whoever built the model (PuLP in backends/pulp.py, arrays in
backends/highs_arrays.py, a live LP in backends/highs_lp.py): the process-wide thread pool, the
status table, and the MIP callback that reports progress and honours cancellation.

highspy is imported inside the functions: importing it beside ortools is order-sensitive
(google/or-tools#5246), so no module imports it just by importing this one.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from ..result import relative_gap
from ..run import Progress, RunContext
from ..status import SolveStatus

# HiGHS model status name -> status when a primal solution exists / when none does
HIGHS_STATUS: dict[str, tuple[SolveStatus, SolveStatus]] = {
    "kOptimal": (SolveStatus.OPTIMAL, SolveStatus.ERROR),
    "kInfeasible": (SolveStatus.INFEASIBLE, SolveStatus.INFEASIBLE),
    "kUnboundedOrInfeasible": (SolveStatus.INFEASIBLE, SolveStatus.INFEASIBLE),
    "kUnbounded": (SolveStatus.UNBOUNDED, SolveStatus.UNBOUNDED),
    "kTimeLimit": (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION),
    "kIterationLimit": (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION),
    "kSolutionLimit": (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION),
    "kInterrupt": (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION),
    "kObjectiveBound": (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION),
    "kObjectiveTarget": (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION),
}

# HiGHS options for every solve (callers may override through `params`). Empty: HiGHS's own
# defaults. See benchmarks/highs_presolve_check.py for the presolve question (HiGHS#3043).
HIGHS_DEFAULTS: dict[str, Any] = {}

_lock = threading.Lock()
_threads: int | None = None  # thread count of the last HiGHS run in this process


def use_threads(workers: int) -> None:
    """Call before a HiGHS run with `workers` threads. HiGHS keeps one global thread pool per
    process; a later run asking for another thread count fails ("Not Set") unless the pool is
    reset first (highspy 1.13)."""
    import highspy

    global _threads
    with _lock:
        if _threads is not None and _threads != workers:
            highspy.Highs.resetGlobalScheduler(True)
        _threads = workers


def fold_status(h: Any) -> tuple[SolveStatus, list[str]]:
    """The status of a finished run of highspy.Highs `h`, and a log line when it is an error."""
    info = h.getInfo()
    name = str(h.getModelStatus()).split(".")[-1]
    has_primal = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    with_sol, without = HIGHS_STATUS.get(name, (SolveStatus.ERROR, SolveStatus.ERROR))
    status = with_sol if has_primal else without
    log = []
    if status == SolveStatus.ERROR:
        log.append(f"HiGHS ended with model status {h.modelStatusToString(h.getModelStatus())!r}")
    return status, log


def mip_callback(
    ctx: RunContext, to_user: Callable[[float], float] = float
) -> Callable[[Any, str, Any, Any, Any], None]:
    """A HiGHS callback: each improving solution goes to ctx as Progress (objective and bound
    mapped by `to_user` into the user's objective), and a cancelled run is interrupted."""
    import highspy

    cb = highspy.cb
    solutions = 0

    def callback(kind: Any, message: str, data_out: Any, data_in: Any, user: Any) -> None:
        nonlocal solutions
        if kind == cb.HighsCallbackType.kCallbackMipImprovingSolution:
            solutions += 1
            obj = to_user(float(data_out.objective_function_value))
            bnd = to_user(float(data_out.mip_dual_bound))
            bnd_f = bnd if math.isfinite(bnd) else None
            ctx.report(Progress(ctx.elapsed(), solutions, obj, bnd_f, relative_gap(obj, bnd_f)))
        elif kind == cb.HighsCallbackType.kCallbackMipInterrupt and ctx.stop_requested():
            data_in.user_interrupt = True

    return callback
