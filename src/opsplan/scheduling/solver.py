"""Production scheduling solve: heuristic start -> CP-SAT (weighted or lexicographic) -> plan.

For the makespan on shops without calendars, setups or pins, a tabu search improves the start
plan first, while CP-SAT searches on the other workers (`_tabu_phase`).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, Progress, RunContext
from ..core.status import SolveStatus
from . import tabu
from .cpsat import Formulation, StartPlan
from .diagnose import explain
from .heuristic import best_start, completion_bounds, evaluate, respects_hard_rules, scalar
from .kpis import job_table, machine_table
from .prepare import Prepared
from .replan import previous_plan, repaired_plan
from .schema import UNIT_MINUTES, SchedulingInstance

# CP-SAT parameters chosen for scheduling models (see benchmarks/RESULTS.md)
PARAMS: dict[str, Any] = {}
# share of the time limit given to the tabu search (with CP-SAT beside it on the other workers)
TABU_SHARE = 0.75


def solve(inst: SchedulingInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    P = Prepared(inst)
    obj = inst.objective
    start_plan = best_start(P)
    start_ok = respects_hard_rules(P, start_plan)
    prev = previous_plan(P)
    prev_ok = prev is not None and respects_hard_rules(P, prev)
    if not prev_ok:  # None too: it lacks a new order's operations (no previous plan: None)
        # the published plan breaks a rule of the new instance (a breakdown, a new order):
        # pushed later where it must, it usually moves far less than the dispatching plan
        prev = repaired_plan(P)
        prev_ok = prev is not None and respects_hard_rules(P, prev)
    if (
        prev is not None
        and prev_ok
        and (
            not start_ok
            or scalar(obj, evaluate(P, prev, obj)) <= scalar(obj, evaluate(P, start_plan, obj))
        )
    ):
        # the published plan (repaired if need be) keeps every rule and is no worse
        start_plan, start_ok = prev, True
    early: backend.CpsatRun | None = None  # CP-SAT beside the tabu search
    params = dict(PARAMS)
    run_ctx = ctx  # what the CP-SAT runs report to
    searched = start_ok and TABU_SHARE > 0 and tabu.applicable(P)  # the tabu phase runs
    if searched:
        # several searches report one after the other or side by side: pass on improvements only
        report = _Improvements(ctx)
        run_ctx = RunContext(
            on_progress=report,
            should_stop=ctx.stop_requested,
            started=ctx.started,
            cancelled=ctx.cancelled,
        )
        start_plan, early, at_bound = _tabu_phase(P, start_plan, opts, ctx, report, params)
        proven = at_bound or (early is not None and early.status == SolveStatus.OPTIMAL)
    else:
        proven = False
    bounds: list[int | None] = [None] * len(inst.jobs)
    use_hint = True
    if start_ok:
        # the start plan's objective bounds every job's completion in an optimal plan; when
        # every job is bounded, so is the horizon (and the calendars are expanded only so far)
        bounds = completion_bounds(P, start_plan)
        if all(b is not None for b in bounds):
            P.set_horizon(min(P.horizon, max(b for b in bounds if b is not None)))
        # With makespan alone on a classic job shop the start plan is then fully in the model,
        # and it is not also given as a hint: measured on Taillard, the hint kept CP-SAT near it
        # (ta71: 6217 hinted vs 5954 not, 10 s, 2 workers). With machine choices the hint is
        # what lets CP-SAT start at all (mk06: 71 hinted, 83 not; some runs found nothing).
        flexible = any(len(op.modes) > 1 for op in P.ops)
        # A plan improved by the tabu search is worth hinting (ta41: 2174 vs 2326 CP-SAT alone).
        use_hint = flexible or [t.kind for t in obj.terms] != ["makespan"] or searched

    def build() -> Formulation:
        F = Formulation(P)
        F.add_completion_bounds(bounds)
        if F.circuits:
            # presolve probing over thousands of setup-arc literals took 8.6 of 10 s on the
            # weekly example and CP-SAT stopped before searching; without it level 1 was
            # proven optimal
            params["cp_model_probing_level"] = 0
        return F

    info = backend.solver_info(opts)
    messages: list[str] = []
    levels: list[dict[str, Any]] = []

    plan: StartPlan | None
    objective: float | None
    bound: float | None
    if searched and not proven and ctx.stop_requested():
        # cancelled during the phase: its plan is the answer, without building the model again
        plan, status = start_plan, SolveStatus.FEASIBLE
        objective = float(scalar(obj, evaluate(P, start_plan, obj))[0])
        bound = early.bound if early is not None else None
    elif proven:  # the phase's plan is optimal: CP-SAT proved it, or it reached the lower bound
        value = float(scalar(obj, evaluate(P, start_plan, obj))[0])
        plan, status, objective, bound = start_plan, SolveStatus.OPTIMAL, value, value
        if obj.mode == "lexicographic":
            levels.append(
                {"term": "makespan", "value": objective, "bound": bound, "status": "optimal"}
            )
    elif obj.mode == "weighted":
        F = build()
        F.m.minimize(sum(t.weight * F.term(t.kind) for t in obj.terms))
        if use_hint:  # after the terms: their auxiliary variables are hinted too
            F.hint(start_plan)
        run = backend.run(F.m, opts, run_ctx, params=params)
        messages += run.log
        status, plan = run.status, (F.extract(run.solver.value) if run.has_solution else None)
        objective, bound = run.objective, run.bound
        if plan is not None:
            objective, bound = _own_value(
                float(scalar(obj, evaluate(P, plan, obj))[0]), run, messages
            )
    else:
        plan, status, bound, objective = None, SolveStatus.NO_SOLUTION, None, None
        F = build()
        hint = start_plan
        for k, t in enumerate(obj.terms):
            expr = F.term(t.kind)
            F.m.minimize(expr)
            F.hint(hint)
            share = (opts.time_limit_s - ctx.elapsed()) / (len(obj.terms) - k)
            run = backend.run(F.m, opts, run_ctx, time_limit_s=share, params=params)
            messages += run.log
            if not run.has_solution:
                if k == 0:
                    status, bound = run.status, run.bound
                break
            plan = hint = F.extract(run.solver.value)
            value, level_bound = _own_value(float(evaluate(P, plan, obj)[k]), run, messages)
            levels.append(
                {"term": t.kind, "value": value, "bound": level_bound, "status": run.status.value}
            )
            if k == 0:
                bound = level_bound
            status = (
                SolveStatus.OPTIMAL
                if all(lv["status"] == "optimal" for lv in levels) and len(levels) == k + 1
                else SolveStatus.FEASIBLE
            )
            if ctx.stop_requested():
                break
            F.m.add(expr <= int(value))
        if plan is not None:
            if len(levels) < len(obj.terms):
                status = SolveStatus.FEASIBLE
                messages.append(
                    f"lexicographic: {len(levels)} of {len(obj.terms)} levels solved "
                    "within the time limit"
                )
            objective = float(evaluate(P, plan, obj)[0])

    if searched and not proven:
        # the bound of the run beside the tabu search holds too; never answer worse than the
        # plan the phase ended with (CP-SAT keeps a complete hint as a rule, but not always)
        if early is not None and early.bound is not None and (bound is None or early.bound > bound):
            bound = early.bound
        value = float(scalar(obj, evaluate(P, start_plan, obj))[0])
        if plan is not None and objective is not None and value < objective:
            plan, objective = start_plan, value
            messages.append("CP-SAT did not keep the tabu search's plan; answering that plan")
        if plan is not None and objective is not None and bound is not None and objective <= bound:
            status = SolveStatus.OPTIMAL
    if plan is None and status == SolveStatus.NO_SOLUTION and start_ok:
        # CP-SAT found nothing in time, but the start plan keeps every hard rule: answer it
        plan, status = start_plan, SolveStatus.FEASIBLE
        objective = (
            float(evaluate(P, plan, obj)[0])
            if obj.mode == "lexicographic"
            else float(
                sum(t.weight * v for t, v in zip(obj.terms, evaluate(P, plan, obj), strict=True))
            )
        )
        messages.append(
            "CP-SAT found no plan within the time limit; this is the starting heuristic's plan"
        )
    if status == SolveStatus.INFEASIBLE:
        return Outcome(
            status=status, diagnosis=explain(P, opts, ctx), solver=info, messages=messages
        )
    if plan is None:
        return Outcome(status=status, bound=bound, solver=info, messages=messages)
    extra: dict[str, Any] = {"objective_levels": levels} if levels else {}
    return Outcome(
        status=status,
        objective=objective,
        bound=bound,
        solution=build_solution(P, plan),
        solver=info,
        messages=messages,
        extra_kpis=extra,
    )


def _own_value(
    value: float, run: backend.CpsatRun, messages: list[str]
) -> tuple[float, float | None]:
    """The plan's own objective value (the answer), and CP-SAT's bound, never above it.

    CP-SAT's objective_value can differ from the objective of the very solution it returns:
    measured with OR-Tools 9.15 on a 30-order plant (2 s, 2 workers), an LNS solution
    reported 142,625 while its variables (every auxiliary variable consistent) gave 142,595.
    """
    bound = run.bound
    if run.objective is not None and abs(run.objective - value) > 1e-6:
        messages.append(
            f"CP-SAT reported objective {run.objective:g} for a plan worth {value:g}; "
            "the plan's own value is answered"
        )
    if bound is not None and bound > value:
        bound = value
    return value, bound


class _Improvements:
    """A progress listener that passes on strictly better incumbents only, numbered on."""

    def __init__(self, ctx: RunContext):
        self.ctx = ctx
        self.best = float("inf")
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, p: Progress) -> None:
        with self.lock:
            if p.objective is None or p.objective >= self.best:
                return
            self.best, self.count = p.objective, self.count + 1
            self.ctx.report(Progress(p.elapsed_s, self.count, p.objective, p.bound, p.gap))


def _tabu_phase(
    P: Prepared,
    plan: StartPlan,
    opts: SolveOptions,
    ctx: RunContext,
    report: _Improvements,
    params: dict[str, Any],
) -> tuple[StartPlan, backend.CpsatRun | None, bool]:
    """Tabu search from `plan` for TABU_SHARE of the time left, while CP-SAT (without a hint,
    on the other workers) searches the same model. Answers the better plan, CP-SAT's run, and
    whether the plan reached the trivial lower bound (then it is optimal).

    Either side can end the phase early: CP-SAT when it proves its plan optimal, the tabu
    search when its plan reaches the trivial lower bound or at its first stall. The starting
    plan is the first incumbent reported.
    """
    obj = P.inst.objective
    weight = obj.terms[0].weight if obj.mode == "weighted" else 1
    phase_s = TABU_SHARE * (opts.time_limit_s - ctx.elapsed())
    deadline = time.monotonic() + phase_s
    report(Progress(ctx.elapsed(), 0, float(weight * max(plan.end, default=0)), None, None))
    cp_done, tabu_done = threading.Event(), threading.Event()
    sub = RunContext(
        on_progress=report,
        should_stop=lambda: tabu_done.is_set() or ctx.stop_requested(),
        started=ctx.started,
    )
    early: list[backend.CpsatRun] = []
    early_plan: list[StartPlan] = []
    thread = None
    if opts.workers > 1:
        bounds = completion_bounds(P, plan)
        P.set_horizon(min(P.horizon, max(b for b in bounds if b is not None)))
        F = Formulation(P)
        F.add_completion_bounds(bounds)
        F.m.minimize(weight * F.term("makespan"))

        def search() -> None:
            try:
                run = backend.run(
                    F.m, opts, sub, time_limit_s=phase_s, params=params, workers=opts.workers - 1
                )
                early.append(run)
                if run.has_solution:
                    early_plan.append(F.extract(run.solver.value))
            finally:
                cp_done.set()

        thread = threading.Thread(target=search, daemon=True)
        thread.start()
    improved = tabu.improve(
        P,
        plan,
        deadline,
        seed=opts.seed,
        stop=lambda: cp_done.is_set() or ctx.stop_requested(),
        on_improve=lambda v: report(Progress(ctx.elapsed(), 0, float(weight * v), None, None)),
    )
    tabu_done.set()
    if thread is not None:
        thread.join()
    run = early[0] if early else None
    plans = [improved, *early_plan]
    if run is not None and run.status == SolveStatus.OPTIMAL:
        plans = early_plan
    best = min(plans, key=lambda p: max(p.end, default=0))
    return best, run, max(best.end, default=0) <= tabu.lower_bound(P)


def build_solution(P: Prepared, plan: StartPlan) -> dict[str, Any]:
    inst = P.inst
    rows: list[dict[str, Any]] = []
    for o, op in enumerate(P.ops):
        rows.append(
            {
                "job": inst.jobs[op.job].id,
                "index": op.k,
                "operation": op.id,
                "machine": P.machines[plan.machine[o]],
                "start": plan.start[o],
                "end": plan.end[o],
                "setup_before": 0,
                "_o": o,
            }
        )
    # setup time actually needed before each operation, from its machine sequence
    by_m: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_m.setdefault(r["machine"], []).append(r)
    for mid, lst in by_m.items():
        mi = P.m_index[mid]
        lst.sort(key=lambda r: (r["start"], r["end"]))
        prev = P.initial_family[mi]
        for r in lst:
            if r["end"] == r["start"]:
                continue  # zero-length: no machine time, no setup
            fam = P.ops[r["_o"]].family
            r["setup_before"] = P.setup(mi, prev, fam)
            prev = fam
    for r in rows:
        del r["_o"]
    if inst.start is not None:
        unit = timedelta(minutes=UNIT_MINUTES[inst.time_unit])
        for r in rows:
            r["start_time"] = (inst.start + r["start"] * unit).isoformat()
            r["end_time"] = (inst.start + r["end"] * unit).isoformat()
    rows.sort(key=lambda r: (r["start"], r["machine"], r["job"]))
    makespan = max(r["end"] for r in rows)
    return {
        "operations": rows,
        "jobs": job_table(inst, rows),
        "machines": machine_table(P, rows, makespan),
    }
