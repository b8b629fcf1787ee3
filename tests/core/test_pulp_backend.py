"""The PuLP backend layer: honest status at limits, cancellation, the hard kill, private dirs."""

from __future__ import annotations

import random
import threading

import pulp
import pytest

from opsplan.core.backends import pulp as B
from opsplan.core.options import SolveOptions
from opsplan.core.run import RunContext
from opsplan.core.status import SolveStatus


def hard_cover(n: int = 300, seed: int = 1) -> pulp.LpProblem:
    """A random set-cover-like MILP that neither solver proves optimal in a second."""
    r = random.Random(seed)
    p = pulp.LpProblem("cover", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(n)]
    for _ in range(30):
        w = [r.randint(1, 60) for _ in range(n)]
        p += pulp.lpSum(w[i] * x[i] for i in range(n)) >= sum(w) // 3
    p += pulp.lpSum(r.randint(10, 100) * x[i] for i in range(n))
    return p


def tiny(rhs: float) -> pulp.LpProblem:
    p = pulp.LpProblem("tiny", pulp.LpMinimize)
    a = pulp.LpVariable("a", 0, 10, cat="Integer")
    p += a
    p += a >= rhs
    return p


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_optimal_and_infeasible(backend):
    run = B.run(tiny(3.5), SolveOptions(backend=backend), RunContext())
    assert (run.status, run.objective, run.bound) == (SolveStatus.OPTIMAL, 4.0, 4.0)
    run = B.run(tiny(11), SolveOptions(backend=backend), RunContext())
    assert run.status == SolveStatus.INFEASIBLE and run.objective is None


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_time_limit_gives_feasible_not_optimal(backend):
    run = B.run(hard_cover(), SolveOptions(backend=backend, time_limit_s=1.0), RunContext())
    assert run.status == SolveStatus.FEASIBLE
    assert run.bound is not None and run.bound < run.objective
    # the solver's own limit stopped it, not the watcher's kill
    assert run.stopped_by == "limit" and not run.killed and run.signalled == []


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_cancel_keeps_the_incumbent(backend):
    ctx = RunContext()
    threading.Timer(1.0, ctx.cancelled.set).start()
    run = B.run(hard_cover(), SolveOptions(backend=backend, time_limit_s=30), ctx)
    assert run.status == SolveStatus.FEASIBLE and run.objective is not None
    # the cancel stopped it (a 30 s limit did not), with no kill
    assert run.stopped_by == "cancel" and not run.killed
    if backend == "cbc":
        assert run.signalled  # CBC was sent SIGINT


def test_cbc_overrunning_its_limit_is_killed(monkeypatch):
    # pretend CBC's grace is already used up: the watcher must kill it and say so
    monkeypatch.setattr(B, "KILL_GRACE_S", -9.5)
    opts = SolveOptions(backend="cbc", time_limit_s=10, log=True)
    run = B.run(hard_cover(), opts, RunContext())
    assert run.killed and run.stopped_by == "kill" and run.status == SolveStatus.NO_SOLUTION
    assert "overran its time limit" in run.log[-1]
    # the CBC process got SIGKILL and is gone (PuLP reaped it): its log never reached the end of
    # a search ("Result - ...", which CBC writes when its own limit stops it)
    assert run.signalled
    assert not any(line.startswith("Result -") for line in run.log), run.log[-5:]
    for pid in run.signalled:
        assert not alive_cbc(pid), pid


def alive_cbc(pid: int) -> bool:
    """Whether `pid` is still a CBC process (a reused pid is another program)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"cbc" in f.read().lower()
    except OSError:
        return False


def test_parallel_solves_do_not_share_files():
    results = {}

    def go(k: int) -> None:
        results[k] = B.run(tiny(k + 0.5), SolveOptions(backend="cbc"), RunContext()).objective

    threads = [threading.Thread(target=go, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: float(k + 1) for k in range(4)}


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_integer_infeasible_is_infeasible(backend):
    # the LP relaxation is feasible (a = 1.5), no integer point is: CBC answers "Integer
    # infeasible", which PuLP reports with sol_status "no solution found"
    p = pulp.LpProblem("int_infeasible", pulp.LpMinimize)
    a = pulp.LpVariable("a", 0, 10, cat="Integer")
    p += a
    p += 2 * a == 3
    run = B.run(p, SolveOptions(backend=backend), RunContext())
    assert run.status == SolveStatus.INFEASIBLE


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_presolve_does_not_return_a_wrong_optimum(backend):
    # HiGHS 1.14.0's MIP presolve answers 15 (x=0, z=5) here and calls it optimal
    # (ERGO-Code/HiGHS#3043); the optimum is 9 (x=4.5, z=0). Hence highspy<1.14 in pyproject.
    p = pulp.LpProblem("presolve", pulp.LpMinimize)
    x = pulp.LpVariable("x", 0, 10)
    z = pulp.LpVariable("z", 0, 10, cat="Integer")
    p += 2 * x + 3 * z
    p += x + z >= 4.5
    run = B.run(p, SolveOptions(backend=backend), RunContext())
    assert run.status == SolveStatus.OPTIMAL
    assert run.objective == pytest.approx(9.0)


def test_highs_warm_start_is_the_first_incumbent():
    # every x = 1 covers everything: a plan HiGHS must keep (or better) even when a 0.05 s
    # limit stops it before its own heuristics run
    p = hard_cover()
    for v in p.variables():
        v.varValue = 1.0
    start = B.value(p.objective)
    run = B.run(p, SolveOptions(backend="highs", time_limit_s=0.05), RunContext(), warm_start=True)
    assert run.has_solution and run.objective is not None and run.objective <= start + 1e-6


def test_highs_solves_with_a_different_number_of_threads_in_one_process():
    for workers in (1, 2, 1):
        run = B.run(tiny(3.5), SolveOptions(backend="highs", workers=workers), RunContext())
        assert run.status == SolveStatus.OPTIMAL, workers


def test_highs_does_not_call_a_suboptimal_plan_optimal():
    # a 3-period lot-sizing model where HiGHS 1.14's presolve answers 360 (three orders);
    # the optimum is 261 (order 20 in period 0 and 10 in period 2); CBC agrees
    p = pulp.LpProblem("lot", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{t}", 0) for t in range(3)]
    s = [pulp.LpVariable(f"s{t}", 0) for t in range(3)]
    y = [pulp.LpVariable(f"y{t}", cat="Binary") for t in range(3)]
    for t in range(3):
        p += (s[t - 1] if t else 0) + x[t] - 10 == s[t]
        p += x[t] <= (30 - 10 * t) * y[t]
        p += 2 * x[t] <= 40
    p += pulp.lpSum(0.1 * s[t] + 2 * x[t] + 100 * y[t] for t in range(3))
    for backend in ("highs", "cbc"):
        run = B.run(p, SolveOptions(backend=backend), RunContext())
        assert run.status == SolveStatus.OPTIMAL and run.objective == pytest.approx(261), backend


@pytest.mark.parametrize("backend", ["cbc", "highs"])
@pytest.mark.parametrize("maximise", [False, True])
def test_bound_includes_the_objective_constant_and_sense(backend, maximise):
    # PuLP gives HiGHS the objective without its constant (and negated when maximising): the
    # reported bound must still be in the problem's own terms
    import pulp as pl

    from opsplan.core.backends import pulp as pulp_backend
    from opsplan.core.options import SolveOptions
    from opsplan.core.run import RunContext

    prob = pl.LpProblem("c", pl.LpMaximize if maximise else pl.LpMinimize)
    x = pl.LpVariable("x", 0, 10, cat="Integer")
    y = pl.LpVariable("y", 0, 10, cat="Integer")
    prob += (100 - 3 * x - 2 * y + (1 - x)) if maximise else (100 + 3 * x + 2 * y - (1 - x))
    prob += 2 * x + 3 * y >= 7.5
    run = pulp_backend.run(prob, SolveOptions(backend=backend), RunContext())
    expected = 95.0 if maximise else 105.0
    assert run.objective == pytest.approx(expected) and run.bound == pytest.approx(expected)
