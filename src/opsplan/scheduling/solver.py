"""Production scheduling solve: heuristic start -> CP-SAT (weighted or lexicographic) -> plan.

For the makespan on shops without calendars, setups or pins, a tabu search improves the start
plan first, while CP-SAT searches on the other workers (`_tabu_phase`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import Outcome, Progress, RunContext
from ..core.status import SolveStatus
from . import heuristic, lns, tabu
from .bounds import lower_bound
from .cpsat import Formulation, StartPlan
from .diagnose import explain
from .heuristic import completion_bounds, evaluate, respects_hard_rules, scalar, term_values
from .prepare import Prepared
from .replan import previous_plan, repaired_plan
from .solution import build_solution

# CP-SAT parameters chosen for scheduling models (see benchmarks/RESULTS.md)
PARAMS: dict[str, Any] = {}
# share of the time limit given to the tabu search (with CP-SAT beside it on the other workers)
TABU_SHARE = 0.75
# share of the time limit the start constructions may use beyond the first plan
START_SHARE = 0.25
# ... and when the whole model is too large to search beside the LNS: on plants of thousands
# of operations another construction gains more than LNS steps (benchmarks/RESULTS.md)
START_SHARE_LARGE = 0.6
# ... and before the tabu search (makespan on free shops)
START_SHARE_TABU = 0.05
# the whole model (setup circuits included) is searched beside the LNS up to this size
SMALL_ARCS = 60_000
SMALL_OPS = 1_500
PROBE_S = 1.0  # the whole model's first, short run (small instances are proven in it)
BOUND_SHARE = 0.1  # time for the bounds that hold at any size (bounds.py)


def solve(P: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome:
    """The strategy over the prepared instance (built once by the pipeline, `ModelSpec.prepare`);
    the answer's plan is the typed `SchedulingSolution`."""
    obj = P.inst.objective
    # several searches report one after the other or side by side: pass on improvements only,
    # always the plan's own objective (the weighted sum, or term 1 in lexicographic mode)
    report = _Improvements(ctx)
    small = _small(P)
    share = START_SHARE if small else START_SHARE_LARGE
    free_shop = tabu.applicable(P)  # makespan alone on a shop of machines only
    if free_shop:
        share = START_SHARE_TABU  # the tabu search does more with the time than more rules
    start_plan = _start(P, opts, ctx, report, share)
    prev = _published(P) if not ctx.stop_requested() else None
    if prev is not None and (
        start_plan is None
        or scalar(obj, evaluate(P, prev, obj)) <= scalar(obj, evaluate(P, start_plan, obj))
    ):
        # the published plan (repaired if need be) keeps every rule and is no worse
        start_plan = prev
        report(Progress(ctx.elapsed(), 0, _value(P, prev), None, None))
    start_ok = start_plan is not None
    if start_plan is None:
        start_plan = StartPlan([], [], [])
    early: backend.CpsatRun | None = None  # CP-SAT beside the tabu search
    params = dict(PARAMS)
    run_ctx = RunContext(
        on_progress=report, should_stop=ctx.stop_requested, started=ctx.started
    )  # what the CP-SAT runs report to
    run_ctx.cancelled = ctx.cancelled
    searched = start_ok and TABU_SHARE > 0 and free_shop  # the tabu phase runs
    proven = False
    if searched:
        start_plan, early, at_bound = _tabu_phase(P, start_plan, opts, ctx, report, params)
        proven = at_bound or (early is not None and early.status == SolveStatus.OPTIMAL)
    # a bound that holds at any size, within a tenth of the time limit
    cheap = None
    if start_ok and not ctx.stop_requested():
        left = opts.time_limit_s - ctx.elapsed()
        cheap = lower_bound(P, obj, time.monotonic() + min(left, BOUND_SHARE * opts.time_limit_s))
    bounds: list[int | None] = [None] * len(P.inst.jobs)
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
        objective = _value(P, start_plan)
        bound = early.bound if early is not None else None
    elif proven:  # the phase's plan is optimal: CP-SAT proved it, or it reached the lower bound
        value = _value(P, start_plan)
        plan, status, objective, bound = start_plan, SolveStatus.OPTIMAL, value, value
        if obj.mode == "lexicographic":
            levels.append(
                {"term": "makespan", "value": objective, "bound": bound, "status": "optimal"}
            )
    elif start_ok and not searched and not ctx.stop_requested():
        plan, status, bound, levels, msgs = _search(
            P, start_plan, build if small else None, opts, ctx, run_ctx, report, params
        )
        messages += msgs
        objective = _value(P, plan)
        if plan is start_plan:
            messages.append(
                "no search found a better plan within the time limit; this is the starting "
                "heuristic's plan"
            )
    elif obj.mode == "weighted" and not ctx.stop_requested():
        F = build()
        F.m.minimize(sum(t.weight * F.term(t.kind) for t in obj.terms))
        if use_hint and start_ok:  # after the terms: their auxiliary variables are hinted too
            F.hint(start_plan)
        run = backend.run(F.m, opts, run_ctx, params=params, value_of=_own(P, F))
        messages += run.log
        status, plan = run.status, (F.extract(run.solver.value) if run.has_solution else None)
        # the objective is the plan's own (the terms' variables are tight, but a plan is what
        # the user gets and what the checker recomputes)
        objective = _value(P, plan) if plan is not None else None
        bound = run.bound
    elif not ctx.stop_requested():
        plan, status, bound, objective = None, SolveStatus.NO_SOLUTION, None, None
        F = build()
        hint = start_plan
        for k, t in enumerate(obj.terms):
            expr = F.term(t.kind)
            F.m.minimize(expr)
            if (use_hint and start_ok) or k > 0:
                F.hint(hint)
            share = (opts.time_limit_s - ctx.elapsed()) / (len(obj.terms) - k)
            level_ctx = run_ctx if k == 0 else _quiet(run_ctx)
            run = backend.run(
                F.m, opts, level_ctx, time_limit_s=share, params=params, value_of=_own(P, F)
            )
            messages += run.log
            if not run.has_solution:
                if k == 0:
                    status, bound = run.status, run.bound
                break
            plan = hint = F.extract(run.solver.value)
            value = term_values(P, plan, [t.kind])[0]
            levels.append(
                {"term": t.kind, "value": value, "bound": run.bound, "status": run.status.value}
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
            F.m.add(expr <= value)
        if plan is not None:
            if len(levels) < len(obj.terms):
                status = SolveStatus.FEASIBLE
                messages.append(
                    f"lexicographic: {len(levels)} of {len(obj.terms)} levels solved "
                    "within the time limit"
                )
            objective = _value(P, plan)
    elif start_ok:  # cancelled before the search: the start plan is the answer
        plan, status, bound = start_plan, SolveStatus.FEASIBLE, None
        objective = _value(P, start_plan)
    else:
        plan, status, objective, bound = None, SolveStatus.NO_SOLUTION, None, None

    if searched and not proven:
        # the bound of the run beside the tabu search holds too; never answer worse than the
        # plan the phase ended with (CP-SAT keeps a complete hint as a rule, but not always)
        if early is not None and early.bound is not None and (bound is None or early.bound > bound):
            bound = early.bound
        value = _value(P, start_plan)
        if plan is not None and objective is not None and value < objective:
            plan, objective = start_plan, value
            messages.append("CP-SAT did not keep the tabu search's plan; answering that plan")
    if plan is None and status == SolveStatus.NO_SOLUTION and start_ok:
        # CP-SAT found nothing in time, but the start plan keeps every hard rule: answer it
        plan, status = start_plan, SolveStatus.FEASIBLE
        objective = _value(P, plan)
        messages.append(
            "CP-SAT found no plan within the time limit; this is the starting heuristic's plan"
        )
    if cheap is not None and plan is not None and (bound is None or cheap > bound):
        bound = float(cheap)
    if bound is not None and objective is not None and bound > objective:
        # CP-SAT's objective_value can differ from the plan it returns (OR-Tools 9.15, seen on
        # a 30-order plant: 142,625 reported for a plan worth 142,595); no bound exceeds a plan
        messages.append(
            f"the solver's bound {bound:g} exceeded the plan's own value {objective:g}; "
            "the plan's value is answered as the bound"
        )
        bound = objective
    if (
        plan is not None
        and objective is not None
        and bound is not None
        and objective <= bound
        and (obj.mode == "weighted" or all(lv["status"] == "optimal" for lv in levels))
        and (obj.mode == "weighted" or len(levels) in (0, len(obj.terms)))
    ):
        status = SolveStatus.OPTIMAL
    if status == SolveStatus.INFEASIBLE:
        return Outcome(
            status=status, diagnosis=explain(P, opts, ctx), solver=info, messages=messages
        )
    if plan is None:
        if not start_ok and ctx.elapsed() >= opts.time_limit_s:
            messages.append("no plan could be built within the time limit")
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


def _value(P: Prepared, plan: StartPlan) -> float:
    """The objective a user sees for a plan: the weighted sum, or term 1 (lexicographic)."""
    obj = P.inst.objective
    return float(scalar(obj, evaluate(P, plan, obj))[0])


def _own(P: Prepared, F: Formulation) -> Any:
    """The objective a user sees of the plan in a CP-SAT solution (for progress events)."""
    return lambda value: _value(P, F.extract(value))


def _quiet(ctx: RunContext) -> RunContext:
    """The same stop rules, no progress events (a later lexicographic level's values are not
    the objective the user sees)."""
    quiet = RunContext(should_stop=ctx.should_stop, started=ctx.started)
    quiet.cancelled = ctx.cancelled
    return quiet


def _start(
    P: Prepared, opts: SolveOptions, ctx: RunContext, report: _Improvements, share: float
) -> StartPlan | None:
    """The start plan (heuristic.best_start): a first plan within the time limit, more
    constructions within `share` of it; each better checked plan is an incumbent."""
    return heuristic.best_start(
        P,
        deadline=ctx.started + opts.time_limit_s,
        budget=ctx.started + share * opts.time_limit_s,
        stop=ctx.stop_requested,
        on_plan=lambda plan, value: report(Progress(ctx.elapsed(), 0, float(value), None, None)),
    )


def _published(P: Prepared) -> StartPlan | None:
    """The previous plan when the checker accepts it in the new instance, else the previous
    plan repaired by moving operations later when the checker accepts that (replan.py)."""
    for make in (previous_plan, repaired_plan):
        plan = make(P)
        if plan is not None and respects_hard_rules(P, plan):
            return plan
    return None


def _small(P: Prepared) -> bool:
    """Whether the whole model is small enough to build and search beside the LNS: its setup
    circuits have at most SMALL_ARCS arcs (the weekly example: 7,900; 500 operations of the
    generated plant: 45,000, built in 0.3 s; 1,500: 430,000, built in 3.8 s)."""
    arcs = 0
    for m in range(len(P.machines)):
        if P.machine_has_setups(m):
            k = len(P.ops_on(m))
            arcs += k * k
    return arcs <= SMALL_ARCS and len(P.ops) <= SMALL_OPS


def _search(
    P: Prepared,
    plan: StartPlan,
    build: Any,
    opts: SolveOptions,
    ctx: RunContext,
    run_ctx: RunContext,
    report: _Improvements,
    params: dict[str, Any],
) -> tuple[StartPlan, SolveStatus, float | None, list[dict[str, Any]], list[str]]:
    """Large-neighbourhood search from a checked plan, level by level (one level when the
    objective is weighted). When the whole model is small (`build` given), CP-SAT searches it
    too, hinted with the best plan: first briefly (a small instance is proven at once), then
    the LNS for half of the level's time, then the whole model for the rest. Measured on the
    generated plants of 500 operations (20 s, 2 workers, 4 plants), this order beat the whole
    model alone and the LNS with the whole model beside it on one worker each. Without the
    whole model a level ends at its share of the time or when the LNS stalls. Answers the
    plan, its status, the bound of the reported objective, the levels (lexicographic) and
    messages."""
    obj = P.inst.objective
    lex = obj.mode == "lexicographic"
    stages = (
        [([t.kind], [1]) for t in obj.terms]
        if lex
        else [([t.kind for t in obj.terms], [t.weight for t in obj.terms])]
    )
    F = build() if build is not None else None
    caps: list[tuple[Any, int]] = []
    levels: list[dict[str, Any]] = []
    bound: float | None = None
    statuses: list[bool] = []
    messages: list[str] = []
    for k, (kinds, weights) in enumerate(stages):
        if ctx.stop_requested():
            break
        until = time.monotonic() + (opts.time_limit_s - ctx.elapsed()) / (len(stages) - k)
        shown = k == 0  # the reported objective: the weighted sum or term 1

        def improved(p: StartPlan, v: int, shown: bool = shown) -> None:
            if shown:
                report(Progress(ctx.elapsed(), 0, float(v), None, None))

        proven = False
        level_bound: float | None = None
        expr = None
        if F is not None:
            expr = sum(w * F.term(kind) for kind, w in zip(kinds, weights, strict=True))
            F.m.minimize(expr)
        for phase in ("probe", "lns", "full"):
            left = until - time.monotonic()
            if proven or left <= 0.05 or ctx.stop_requested():
                break
            if phase == "lns":
                end = until if F is None else time.monotonic() + left / 2
                plan = lns.improve(
                    P, plan, kinds, weights, caps, opts, ctx, end,
                    workers=opts.workers, on_improve=improved,
                )  # fmt: skip
                continue
            if F is None:
                continue
            F.hint(plan)
            run = backend.run(
                F.m,
                opts,
                run_ctx if shown else _quiet(run_ctx),
                time_limit_s=min(left, PROBE_S) if phase == "probe" else left,
                params=params,
                value_of=_own(P, F),
            )
            proven = run.status == SolveStatus.OPTIMAL
            if run.bound is not None and (level_bound is None or run.bound > level_bound):
                level_bound = run.bound
            if run.has_solution:  # never worse than the plan it was hinted with
                cand = F.extract(run.solver.value)
                v, v0 = (_level_value(P, x, kinds, weights) for x in (cand, plan))
                if v < v0:
                    improved(cand, v)
                if v <= v0:
                    plan = cand
        value = _level_value(P, plan, kinds, weights)
        if proven:
            level_bound = float(value)
        if k == 0:
            bound = level_bound
        statuses.append(proven)
        if lex:
            levels.append(
                {
                    "term": kinds[0],
                    "value": value,
                    "bound": level_bound,
                    "status": "optimal" if proven else "feasible",
                }
            )
        caps.append((kinds[0], value))
        if F is not None and expr is not None:
            F.m.add(expr <= value)
    status = (
        SolveStatus.OPTIMAL
        if len(statuses) == len(stages) and all(statuses)
        else SolveStatus.FEASIBLE
    )
    if lex and len(levels) < len(stages):
        messages.append(
            f"lexicographic: {len(levels)} of {len(stages)} levels solved within the time limit"
        )
    return plan, status, bound, levels, messages


def _level_value(P: Prepared, plan: StartPlan, kinds: list[Any], weights: list[int]) -> int:
    return sum(w * v for w, v in zip(weights, term_values(P, plan, kinds), strict=True))


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
