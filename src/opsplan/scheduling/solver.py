"""Production scheduling solve: heuristic start -> CP-SAT (weighted or lexicographic) -> plan."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, RunContext
from ..core.status import SolveStatus
from .cpsat import Formulation, StartPlan
from .diagnose import explain
from .heuristic import best_start, completion_bounds, evaluate, respects_hard_rules
from .kpis import job_table, machine_table
from .prepare import Prepared
from .schema import UNIT_MINUTES, SchedulingInstance

# CP-SAT parameters chosen for scheduling models (see benchmarks/RESULTS.md)
PARAMS: dict[str, Any] = {}


def solve(inst: SchedulingInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    P = Prepared(inst)
    obj = inst.objective
    start_plan = best_start(P)
    start_ok = respects_hard_rules(P, start_plan)
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
        use_hint = flexible or [t.kind for t in obj.terms] != ["makespan"]
    F = Formulation(P)
    F.add_completion_bounds(bounds)
    if use_hint:
        F.hint(start_plan)
    params = dict(PARAMS)
    if F.circuits:
        # presolve probing over thousands of setup-arc literals took 8.6 of 10 s on the weekly
        # example and CP-SAT stopped before searching; without it level 1 was proven optimal
        params["cp_model_probing_level"] = 0
    info = backend.solver_info(opts)
    messages: list[str] = []
    levels: list[dict[str, Any]] = []

    if obj.mode == "weighted":
        F.m.minimize(sum(t.weight * F.term(t.kind) for t in obj.terms))
        run = backend.run(F.m, opts, ctx, params=params)
        messages += run.log
        status, plan = run.status, (F.extract(run.solver.value) if run.has_solution else None)
        objective, bound = run.objective, run.bound
    else:
        plan, status, bound, objective = None, SolveStatus.NO_SOLUTION, None, None
        hint = start_plan
        for k, t in enumerate(obj.terms):
            expr = F.term(t.kind)
            F.m.minimize(expr)
            F.hint(hint)
            share = (opts.time_limit_s - ctx.elapsed()) / (len(obj.terms) - k)
            run = backend.run(F.m, opts, ctx, time_limit_s=share, params=params)
            messages += run.log
            if not run.has_solution:
                if k == 0:
                    status, bound = run.status, run.bound
                break
            plan = hint = F.extract(run.solver.value)
            levels.append(
                {
                    "term": t.kind,
                    "value": run.objective,
                    "bound": run.bound,
                    "status": run.status.value,
                }
            )
            if k == 0:
                bound = run.bound
            status = (
                SolveStatus.OPTIMAL
                if all(lv["status"] == "optimal" for lv in levels) and len(levels) == k + 1
                else SolveStatus.FEASIBLE
            )
            if ctx.stop_requested():
                break
            F.m.add(expr <= int(run.objective or 0))
        if plan is not None:
            if len(levels) < len(obj.terms):
                status = SolveStatus.FEASIBLE
                messages.append(
                    f"lexicographic: {len(levels)} of {len(obj.terms)} levels solved "
                    "within the time limit"
                )
            objective = float(evaluate(P, plan, obj)[0])

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
    cancelled = ctx.cancelled.is_set()
    if status == SolveStatus.INFEASIBLE:
        return Outcome(
            status=status, diagnosis=explain(P, opts, ctx), solver=info, messages=messages
        )
    if plan is None:
        return Outcome(
            status=status, bound=bound, solver=info, messages=messages, cancelled=cancelled
        )
    extra: dict[str, Any] = {"objective_levels": levels} if levels else {}
    return Outcome(
        status=status,
        objective=objective,
        bound=bound,
        solution=build_solution(P, plan),
        solver=info,
        messages=messages,
        extra_kpis=extra,
        cancelled=cancelled,
    )


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
