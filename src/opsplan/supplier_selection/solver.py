"""Supplier selection solve: one MILP, solved once (cost, weighted), per level (lexicographic)
or per epsilon (pareto), and the plan in the buyer's terms."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import Interrupted, Outcome, RunContext
from ..core.status import SolveStatus
from .check import check, objective_value
from .decompose import Decomposer, greedy, repass
from .diagnose import explain
from .milp import Formulation
from .prepare import Prepared
from .schema import Objective, ParetoPoint, WeightedTerm
from .solution import Plan, build_solution, evaluate, pareto_point

FEASIBILITY_SHARE = 0.3
START_SHARE = 0.3
LNS_SHARE = 0.5
DECOMPOSE_SHARE = 0.35  # greedy start and fix-and-optimise over items: at most this share
GREEDY_SHARE = 0.6  # of the decomposition's time, for the greedy's rounds
IMPROVE_MIN_GAIN = 0.2  # stop when 20 neighbourhoods gained less than this x the requested gap
IMPROVE_ITEMS = 1  # items freed at a time by fix-and-optimise over items


def _tol(v: float) -> float:
    return 1e-6 * max(1.0, abs(v))


def solve(P: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome:
    """The strategy on the data prepared once per solve (`ModelSpec.prepare`)."""
    inst = P.inst
    info = backend.solver_info(opts)
    ob = inst.objective
    messages: list[str] = []
    extra: dict[str, Any] = {}
    # what the first run minimises (the only one that builds a starting plan)
    if ob.mode == "weighted":
        first_objective = ob
    elif ob.mode == "lexicographic":
        first_objective = Objective(mode="weighted", terms=[WeightedTerm(term=ob.terms[0].term)])
    else:
        first_objective = Objective()
    # the greedy start needs no model: it comes first, so that a plan is kept when the full
    # model cannot be built (or solved) before the deadline or a cancel
    start_plan: Plan | None = None
    if inst.cvar is None:
        runs = len(ob.terms) if ob.mode == "lexicographic" else 1
        if ob.mode == "pareto":
            runs = ob.pareto_points + 1
        share = max(0.0, ctx.left()) / runs
        start_plan = _decomposed_start(
            P, first_objective, opts, ctx.quiet(), ctx.elapsed() + share * DECOMPOSE_SHARE, messages
        )
        if start_plan is not None and ob.mode in ("cost", "weighted"):
            ctx.report_plan(objective_value(inst, evaluate(P, start_plan)))
    try:
        F = Formulation(P, ctx=ctx)
    except Interrupted as e:
        if start_plan is None:  # the start's messages say why it has no plan
            messages.append(f"{e}; no plan was found before it")
            return Outcome(status=SolveStatus.NO_SOLUTION, solver=info, messages=messages)
        messages.append(f"{e}: the plan is the greedy start (the full model was not solved)")
        return _plan_outcome(P, start_plan, SolveStatus.FEASIBLE, None, info, messages, extra)

    started = False  # the variables hold a plan that a later run may start from
    # progress in the result's units: only the full model's runs of the plan's own objective
    # report; the starting phases (other models, sub-problems) run quiet and report their plan
    comparable = ob.mode in ("cost", "weighted")
    quiet = ctx.quiet()
    first = True

    def run(share: float) -> backend.MilpRun:
        """Run the current objective from a first plan: with price tiers the solvers' own
        heuristics often find none before the root cut loop ends. The first plan comes from
        the flat-price model (up to START_SHARE of the time), else (HiGHS) from a search for
        any plan (objective 0, FEASIBILITY_SHARE of what is left). On HiGHS, fix-and-optimise
        then improves it (up to LNS_SHARE of what is left) and the full run starts from it;
        CBC cannot take a start here, so the first plan is kept when CBC's own plan is worse
        or missing. Only the first run of a solve does this. The variables hold the plan
        returned."""
        nonlocal started, first
        snapshot: dict[str, float | None] | None = None
        decomposed = False
        if first and not started and start_plan is not None:
            t0 = ctx.elapsed()
            started = decomposed = F.load(start_plan) or (
                not ctx.should_end()
                and _complete(P, F, start_plan, opts, quiet, max(1.0, 0.2 * opts.time_limit_s))
            )
            if started:
                messages.append(
                    f"starting plan loaded into the full model (at {ctx.elapsed():.1f} s)"
                )
            share = max(0.05, share - (ctx.elapsed() - t0))
        if first and not started and not ctx.should_end():
            t0 = ctx.elapsed()
            started = _flat_start(P, F, opts, quiet, share * START_SHARE, messages)
            share = max(0.05, share - (ctx.elapsed() - t0))
        if first and not started and opts.backend == "highs" and not ctx.should_end():
            objective = F.prob.objective
            F.set_objective(pulp.LpAffineExpression())
            r0 = backend.run(F.prob, opts, quiet, time_limit_s=share * FEASIBILITY_SHARE)
            messages.extend(r0.log)
            F.set_objective(objective)
            if r0.status == SolveStatus.INFEASIBLE:
                return r0
            started = r0.has_solution
            share = max(0.05, share - r0.wall_s)
        if first and started and opts.backend == "highs" and not decomposed:
            t0 = ctx.elapsed()
            _improve(P, F, opts, quiet, t0 + share * LNS_SHARE, messages)
            share = max(0.05, share - (ctx.elapsed() - t0))
        if first and started:
            snapshot = {v.name: v.varValue for v in F.prob.variables()}
            start_value = backend.value(F.prob.objective)
            if comparable and not decomposed:  # (the greedy start reported its own)
                ctx.report_plan(objective_value(inst, evaluate(P, F.extract())))
        first = False
        if ctx.should_end():  # no time for the run (handing HiGHS the model alone takes seconds)
            why = "a cancel request" if ctx.stop_requested() else "the time limit"
            messages.append(f"{why} came before the full model's run")
            r = backend.MilpRun(SolveStatus.NO_SOLUTION, None, None, 0.0, opts.backend)
        else:
            r = backend.run(
                F.prob,
                opts,
                ctx if comparable else quiet,
                time_limit_s=share,
                warm_start=started and opts.backend == "highs",
            )
        messages.extend(r.log)
        if snapshot is not None and (
            not r.has_solution or (r.objective or 0.0) > start_value + _tol(start_value)
        ):
            for v in F.prob.variables():
                v.varValue = snapshot[v.name]
            status = r.status if r.status == SolveStatus.OPTIMAL else SolveStatus.FEASIBLE
            r = replace(r, status=status, objective=start_value)
            messages.append("the plan is the starting plan: the solver found no better one")
        started = started or r.has_solution
        return r

    def value(name: str) -> float:
        return backend.value(F.terms[name])

    plan: Plan | None = None
    pareto: list[ParetoPoint] = []
    if ob.mode in ("cost", "weighted"):
        if ob.mode == "cost":
            F.set_objective(F.terms["cost"])
        else:
            F.set_objective(sum(t.weight * F.terms[t.term] for t in ob.terms))
        r = run(opts.time_limit_s)
        status, bound = r.status, r.bound

        if r.has_solution:
            plan = F.extract()
    elif ob.mode == "lexicographic":
        levels: list[dict[str, Any]] = []
        status, bound = SolveStatus.NO_SOLUTION, None
        for k, t in enumerate(ob.terms):
            F.set_objective(F.terms[t.term])
            r = run((opts.time_limit_s - ctx.elapsed()) / (len(ob.terms) - k))
            if not r.has_solution:
                if k == 0:
                    status, bound = r.status, r.bound
                break
            plan = F.extract()
            val = value(t.term)  # the MILP's value: the level's limit, which this plan meets
            exact = evaluate(P, plan)[t.term]
            levels.append(
                {"term": t.term, "value": exact, "bound": r.bound, "status": r.status.value}
            )
            if k == 0:
                bound = r.bound
            if ctx.stop_requested():
                break
            F.limit(
                f"lex_{k}",
                F.terms[t.term],
                val + max(ob.lexicographic_tolerance * abs(val), _tol(val)),
            )
        if plan is not None:
            all_opt = all(lv["status"] == "optimal" for lv in levels)
            status = (
                SolveStatus.OPTIMAL
                if all_opt and len(levels) == len(ob.terms)
                else (SolveStatus.FEASIBLE)
            )
            if len(levels) < len(ob.terms):
                messages.append(
                    f"lexicographic: {len(levels)} of {len(ob.terms)} levels solved within "
                    "the time limit"
                )

        extra["objective_levels"] = levels
    else:
        status, bound, _, plan, pareto = _pareto(P, F, opts, ctx, run)

    if status == SolveStatus.INFEASIBLE:
        return Outcome(
            status=status, diagnosis=explain(P, opts, ctx), solver=info, messages=messages
        )
    if plan is None and start_plan is not None:  # the full model's runs found none in time
        messages.append("the plan is the greedy start (the full model found none in time)")
        plan, status = start_plan, SolveStatus.FEASIBLE
    if plan is None:
        return Outcome(
            status=status,
            bound=bound,
            solver=info,
            messages=messages,
        )
    if comparable:  # the plan's own value (the search reported the model's, within tolerance)
        ctx.report_plan(objective_value(inst, evaluate(P, plan)), bound)
    return _plan_outcome(P, plan, status, bound, info, messages, extra, pareto)


def _plan_outcome(
    P: Prepared,
    plan: Plan,
    status: SolveStatus,
    bound: float | None,
    info: Any,
    messages: list[str],
    extra: dict[str, Any],
    pareto: list[ParetoPoint] | None = None,
) -> Outcome:
    return Outcome(
        status=status,
        objective=objective_value(P.inst, evaluate(P, plan)),
        bound=bound,
        solution=build_solution(P, plan, pareto or []),
        solver=info,
        messages=messages,
        extra_kpis=extra,
    )


def _improve(
    P: Prepared,
    F: Formulation,
    opts: SolveOptions,
    ctx: RunContext,
    deadline: float,
    messages: list[str],
) -> int:
    """Fix-and-optimise around the plan held in F's variables: free the quantities of a few
    items at a time (the others fixed at their values), re-solve that small MILP from the
    current plan, keep improvements. Items interact only through capacities, fixed costs,
    commitments, budget and the tail bound, so small neighbourhoods solve fast. Leaves the best
    plan in the variables; returns the number of improvements."""
    rnd = random.Random(opts.seed)
    n_items = len(P.by_item)
    k = max(1, min(n_items, 8))
    best = backend.value(F.prob.objective)
    snapshot = {v.name: v.varValue for v in F.prob.variables()}
    found = idle = 0
    if n_items <= k:
        return 0  # the neighbourhood would be the whole model: the full run does that
    while ctx.elapsed() < deadline - 0.2 and not ctx.should_end():
        if idle >= 2 * n_items // k:
            break  # about every item was freed twice without a gain
        free = set(rnd.sample(range(n_items), k))
        saved = {}
        for key, var in F.n.items():
            if P.o_item[key[0]] not in free:
                saved[key] = (var.lowBound, var.upBound)
                var.lowBound = var.upBound = round(float(snapshot[var.name] or 0.0))
        try:
            left = min(5.0, deadline - ctx.elapsed())
            r = backend.run(F.prob, opts, ctx, time_limit_s=left, warm_start=True)
        finally:
            for key, (lo, hi) in saved.items():
                F.n[key].lowBound, F.n[key].upBound = lo, hi
        if r.has_solution and r.objective is not None and r.objective < best - _tol(best):
            best, found, idle = r.objective, found + 1, 0
            snapshot = {v.name: v.varValue for v in F.prob.variables()}
        else:
            idle += 1
            for v in F.prob.variables():
                v.varValue = snapshot[v.name]
    if found:
        messages.append(f"fix-and-optimise improved the starting plan {found} time(s)")
    return found


def _decomposed_start(
    P: Prepared,
    objective: Objective,
    opts: SolveOptions,
    ctx: RunContext,
    deadline: float,
    messages: list[str],
) -> Plan | None:
    """The greedy plan (decompose.greedy), accepted only when the independent checker finds
    no violation, improved by fix-and-optimise over items (decompose.Decomposer.improve) until
    the deadline (the caller completes it in the full model with the quantities fixed: tiers,
    awards, shortfalls follow). None when there is none. Every step stops at the solve's
    deadline or a cancel (`ctx.should_end`); a step begun after it is skipped."""
    if ctx.should_end():
        messages.append("greedy start skipped: no time left")
        return None

    def value(Q: Prepared, p: Plan) -> float:
        terms = evaluate(Q, p)
        if objective.mode == "weighted":
            return sum(t.weight * terms[t.term] for t in objective.terms)
        return terms["cost"]

    messages.append(f"greedy start begins (at {ctx.elapsed():.1f} s)")
    found_greedy = greedy(
        P,
        value,
        budget_s=max(0.5, GREEDY_SHARE * (deadline - ctx.elapsed())),
        stop=ctx.should_end,
    )
    dec = Decomposer(P, objective, opts, ctx, messages)
    plan: Plan | None = None
    if found_greedy is not None:
        plan, unplaced = found_greedy
        if unplaced:
            messages.append(f"greedy start: {len(unplaced)} item(s) left to repair")
            plan = dec.repair(plan, unplaced, deadline)
    if plan is None:
        messages.append("greedy start: no plan (the flat-price start follows)")
        return None
    for _ in range(3):  # the greedy's choice again per item, knowing the others
        if ctx.should_end():
            break
        again, changed = repass(P, plan, ctx.should_end)
        if not changed or value(P, again) >= value(P, plan):
            break  # (its score is the cost: in weighted mode it may not help)
        plan = again
    report = check(P.inst, build_solution(P, plan).model_dump(mode="json"))
    if report.violations:
        messages.append(
            "greedy start rejected by the checker: "
            + "; ".join(f.message for f in report.violations[:3])
        )
        return None

    first_value = value(P, plan)
    t_greedy = ctx.elapsed()
    plan, found = dec.improve(
        plan,
        value,
        deadline,
        k=IMPROVE_ITEMS,
        seed=opts.seed,
        min_gain=IMPROVE_MIN_GAIN * max(opts.relative_gap, 1e-4),
    )
    messages.append(
        f"greedy start {first_value:,.2f} (at {t_greedy:.1f} s); fix-and-optimise over items "
        f"improved it {found} time(s) to {value(P, plan):,.2f} (at {ctx.elapsed():.1f} s)"
    )
    return plan


def _complete(
    P: Prepared, F: Formulation, plan: Plan, opts: SolveOptions, ctx: RunContext, limit: float
) -> bool:
    """Fix the quantities at `plan` and solve F for the rest of its variables."""
    saved = {}
    for key, var in F.n.items():
        saved[key] = (var.lowBound, var.upBound)
        val = plan.get(key, 0) // P.offers[key[0]].multiple
        var.lowBound = var.upBound = val
    try:
        r = backend.run(F.prob, opts, ctx, time_limit_s=limit)
    finally:
        for key, (lo, hi) in saved.items():
            F.n[key].lowBound, F.n[key].upBound = lo, hi
    return r.has_solution


def _flat_start(
    P: Prepared,
    F: Formulation,
    opts: SolveOptions,
    ctx: RunContext,
    share: float,
    messages: list[str],
) -> bool:
    """Solve the model with every order at its highest tier price (no tier binaries: the
    solvers find plans of that model at once), then complete that plan in the real model with
    the quantities fixed. True when a plan was found: it is left in F's variables."""
    t0 = ctx.elapsed()
    try:
        G = Formulation(P, flat_prices=True, ctx=ctx)
    except Interrupted as e:
        messages.append(f"flat-price start: {e}")
        return False
    G.set_objective(G.terms["cost"])
    r = backend.run(G.prob, opts, ctx, time_limit_s=share * 0.7)
    messages.extend(r.log)
    if not r.has_solution or ctx.stop_requested():
        return False
    saved = {}
    for key, var in F.n.items():
        saved[key] = (var.lowBound, var.upBound)
        val = round(float(G.n[key].varValue or 0.0))
        var.lowBound = var.upBound = val
    try:
        left = max(0.05, share - (ctx.elapsed() - t0))
        r = backend.run(F.prob, opts, ctx, time_limit_s=left)
    finally:
        for key, (lo, hi) in saved.items():
            F.n[key].lowBound, F.n[key].upBound = lo, hi
    messages.extend(r.log)
    return r.has_solution


def _pareto(P: Prepared, F: Formulation, opts: SolveOptions, ctx: RunContext, run: Any) -> Any:
    """Epsilon constraint: min cost, min the other term, then min cost with the other term
    bounded at evenly spaced levels between. The cheapest plan is the main plan."""
    ob = P.inst.objective
    other = ob.pareto_term
    n = ob.pareto_points
    solves = n + 1
    points: list[ParetoPoint] = []

    def share(done: int) -> float:
        return max(0.05, (opts.time_limit_s - ctx.elapsed()) / max(1, solves - done))

    F.set_objective(F.terms["cost"])
    r = run(share(0))
    if not r.has_solution:
        return r.status, r.bound, None, None, []
    main_plan = F.extract()
    main = (r.status, r.bound, r.objective)
    hi = backend.value(F.terms[other])
    points.append(pareto_point(P, main_plan, r.status, other, bound=r.bound))
    F.set_objective(F.terms[other])
    r2 = run(share(1))
    if r2.has_solution and not ctx.stop_requested():
        lo = backend.value(F.terms[other])
        levels = [hi - (hi - lo) * k / (n - 1) for k in range(1, n)]
        F.set_objective(F.terms["cost"])
        for k, eps in enumerate(levels):
            if ctx.stop_requested():
                break
            F.limit("pareto_eps", F.terms[other], eps + _tol(eps))
            r3 = run(share(2 + k))
            plan = F.extract() if r3.has_solution else None
            points.append(pareto_point(P, plan, r3.status, other, eps, r3.bound))
    status = main[0]
    return status, main[1], main[2], main_plan, points
