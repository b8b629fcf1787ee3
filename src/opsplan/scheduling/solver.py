"""Production scheduling solve: heuristic start -> CP-SAT (weighted or lexicographic) -> plan.

For the makespan on shops without calendars, setups or pins, a tabu search improves the start
plan first, while CP-SAT searches on the other workers (`_tabu_phase`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..core.backends import cpsat as backend
from ..core.options import SolveOptions
from ..core.run import Interrupted, Outcome, Progress, RunContext
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
# time kept for what follows the search (the plan's tables, the pipeline's check and KPIs),
# as a multiple of the checker's time on the start plan: measured on the generated plants of
# 2,000 and 3,000 orders, that tail took 2.9 to 3.9 times one checker call
TAIL_CHECKS = 4.0


def solve(P: Prepared, opts: SolveOptions, ctx: RunContext) -> Outcome:
    """The strategy over the prepared instance (built once by the pipeline, `ModelSpec.prepare`),
    phase by phase (models/scheduling.md, Search); the answer's plan is the typed
    `SchedulingSolution`."""
    run = _Solve(P, opts, ctx)
    run.start()
    run.tabu_phase()
    run.cheap_bound()
    run.completion_bounds()
    answer = run.search()
    return run.outcome(run.settle(answer))


@dataclass
class _Answer:
    """A phase's answer: the plan (None: none), its status, the objective a user sees, the
    bound, the lexicographic levels and messages."""

    plan: StartPlan | None
    status: SolveStatus
    objective: float | None = None
    bound: float | None = None
    levels: list[dict[str, Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


class _Solve:
    """One solve's state, shared by its phases."""

    def __init__(self, P: Prepared, opts: SolveOptions, ctx: RunContext):
        self.P, self.opts, self.ctx = P, opts, ctx
        self.obj = P.inst.objective
        # several searches report one after the other or side by side: pass on improvements
        # only, always the plan's own objective (the weighted sum, or term 1 in lexicographic)
        self.report = _Improvements(ctx)
        self.small = _small(P)
        self.free_shop = tabu.applicable(P)  # makespan alone on a shop of machines only
        self.params = dict(PARAMS)
        # what the CP-SAT runs report to
        self.run_ctx = RunContext(
            on_progress=self.report, should_stop=ctx.stop_requested, started=ctx.started
        )
        self.run_ctx.cancelled = ctx.cancelled
        self.start_plan = StartPlan([], [], [])
        self.start_ok = False
        self.searched = False  # the tabu phase ran
        self.proven = False
        self.early: backend.CpsatRun | None = None  # CP-SAT beside the tabu search
        self.cheap: float | None = None
        self.bounds: list[int | None] = [None] * len(P.inst.jobs)
        self.use_hint = True
        # seconds kept at the end of the limit for the plan's tables and the final check
        self.reserve = 0.0
        self.skipped: list[str] = []  # phases skipped for want of time (messages)

    def left(self) -> float:
        """Seconds the search phases may still use (the limit less the reserve)."""
        return self.opts.time_limit_s - self.ctx.elapsed() - self.reserve

    def out_of_time(self) -> bool:
        """A cancel was asked for, or the search's share of the limit is spent."""
        return self.ctx.stop_requested() or self.left() <= 0

    def checkpoint(self, phase: str) -> None:
        """Interrupted when a cancel was asked for or the search's share of the limit is spent
        (the model building's checkpoint)."""
        if self.ctx.stop_requested():
            raise Interrupted(phase, cancelled=True)
        if self.left() <= 0:
            raise Interrupted(phase, cancelled=False)

    def on_check(self, seconds: float) -> None:
        """The checker took `seconds` on a start plan: keep TAIL_CHECKS times that."""
        self.reserve = max(self.reserve, TAIL_CHECKS * seconds)

    def start(self) -> None:
        """Step 1: the start plan (constructions, or the published plan when it is no worse)."""
        P, obj, ctx = self.P, self.obj, self.ctx
        share = START_SHARE if self.small else START_SHARE_LARGE
        if self.free_shop:
            share = START_SHARE_TABU  # the tabu search does more with the time than more rules
        plan = _start(P, self.opts, ctx, self.report, share, self.on_check)
        # the published plan is checked too: only when it may be the only plan, or time is left
        prev = _published(P) if plan is None or not self.out_of_time() else None
        if prev is not None and (
            plan is None
            or scalar(obj, evaluate(P, prev, obj)) <= scalar(obj, evaluate(P, plan, obj))
        ):
            # the published plan (repaired if need be) keeps every rule and is no worse
            plan = prev
            self.report(Progress(ctx.elapsed(), 0, _value(P, prev), None, None))
        self.start_ok = plan is not None
        if plan is not None:
            self.start_plan = plan

    def tabu_phase(self) -> None:
        """Step 2: the tabu search with CP-SAT beside it (makespan on free shops)."""
        self.searched = self.start_ok and TABU_SHARE > 0 and self.free_shop
        if not self.searched:
            return
        self.start_plan, self.early, at_bound = _tabu_phase(
            self.P, self.start_plan, self.opts, self.ctx, self.report, self.params, self.left()
        )
        self.proven = at_bound or (
            self.early is not None and self.early.status == SolveStatus.OPTIMAL
        )

    def cheap_bound(self) -> None:
        """A bound that holds at any size (bounds.py), within a tenth of the time limit."""
        if not self.start_ok:
            return
        if self.out_of_time():
            self.skipped.append("the lower bound")
            return
        until = time.monotonic() + min(self.left(), BOUND_SHARE * self.opts.time_limit_s)
        self.cheap = lower_bound(self.P, self.obj, until)
        if self.cheap is None:
            self.skipped.append("the lower bound")

    def completion_bounds(self) -> None:
        """Step 5: the start plan's objective bounds every job's completion in an optimal plan;
        when every job is bounded, so is the horizon (and the calendars are expanded only so
        far). Decides whether CP-SAT gets the start plan as a hint (step 6)."""
        if not self.start_ok:
            return
        P = self.P
        self.bounds = completion_bounds(P, self.start_plan)
        if all(b is not None for b in self.bounds) and not self.out_of_time():
            # interrupted: the old horizon holds too, and the search after it will not start
            with contextlib.suppress(Interrupted):
                P.set_horizon(min(P.horizon, max(b for b in self.bounds if b is not None)))
        # With makespan alone on a classic job shop the start plan is then fully in the model,
        # and it is not also given as a hint: measured on Taillard, the hint kept CP-SAT near it
        # (ta71: 6217 hinted vs 5954 not, 10 s, 2 workers). With machine choices the hint is
        # what lets CP-SAT start at all (mk06: 71 hinted, 83 not; some runs found nothing).
        flexible = any(len(op.modes) > 1 for op in P.ops)
        # A plan improved by the tabu search is worth hinting (ta41: 2174 vs 2326 CP-SAT alone).
        makespan_only = [t.kind for t in self.obj.terms] == ["makespan"]
        self.use_hint = flexible or not makespan_only or self.searched

    def build(self) -> Formulation:
        """The whole model with the completion bounds."""
        F = Formulation(self.P, checkpoint=lambda: self.checkpoint("building the model"))
        F.add_completion_bounds(self.bounds)
        if F.circuits:
            # presolve probing over thousands of setup-arc literals took 8.6 of 10 s on the
            # weekly example and CP-SAT stopped before searching; without it level 1 was
            # proven optimal
            self.params["cp_model_probing_level"] = 0
        return F

    def search(self) -> _Answer:
        """Steps 3-7, one path of: the tabu phase's plan (cancelled, or proven), the LNS (with
        the whole model when small), CP-SAT on the whole model (no valid start plan), the
        start plan (cancelled before the search), nothing."""
        P, stop = self.P, self.out_of_time()
        if self.searched and not self.proven and stop:
            # cancelled during the phase: its plan is the answer, without building the model
            bound = self.early.bound if self.early is not None else None
            return _Answer(self.start_plan, SolveStatus.FEASIBLE, _value(P, self.start_plan), bound)
        if self.proven:  # CP-SAT proved the phase's plan optimal, or it met the lower bound
            value = _value(P, self.start_plan)
            answer = _Answer(self.start_plan, SolveStatus.OPTIMAL, value, value)
            if self.obj.mode == "lexicographic":
                level = {"term": "makespan", "value": value, "bound": value, "status": "optimal"}
                answer.levels.append(level)
            return answer
        try:
            if self.start_ok and not self.searched and not stop:
                return self.large_neighbourhoods()
            if self.obj.mode == "weighted" and not stop:
                return self.weighted()
            if not stop:
                return self.lexicographic()
        except Interrupted as e:
            if not self.start_ok:
                raise  # no plan to keep: the pipeline answers, naming the phase
            answer = _Answer(self.start_plan, SolveStatus.FEASIBLE, _value(P, self.start_plan))
            answer.messages.append(f"{e}; this is the starting heuristic's plan")
            return answer
        if self.start_ok:  # cancelled (or out of time) before the search: the start plan
            answer = _Answer(self.start_plan, SolveStatus.FEASIBLE, _value(P, self.start_plan))
            if not self.ctx.stop_requested():
                answer.messages.append(
                    "no time was left for a search after the start plan; this is the starting "
                    "heuristic's plan"
                )
            return answer
        return _Answer(None, SolveStatus.NO_SOLUTION)

    def large_neighbourhoods(self) -> _Answer:
        """Steps 3-4: the LNS from the checked start plan, the whole model too when small."""
        plan, status, bound, levels, msgs = _search(
            self.P, self.start_plan, self.build if self.small else None, self.opts,
            self.ctx, self.run_ctx, self.report, self.params, self.reserve,
        )  # fmt: skip
        answer = _Answer(plan, status, _value(self.P, plan), bound, levels, msgs)
        if plan is self.start_plan:
            answer.messages.append(
                "no search found a better plan within the time limit; this is the starting "
                "heuristic's plan"
            )
        return answer

    def weighted(self) -> _Answer:
        """Step 7, weighted: CP-SAT on the whole model, hinted with the start plan."""
        P, obj = self.P, self.obj
        F = self.build()
        F.m.minimize(sum(t.weight * F.term(t.kind) for t in obj.terms))
        if self.use_hint and self.start_ok:  # after the terms: their auxiliaries are hinted too
            F.hint(self.start_plan)
        run = backend.run(
            F.m,
            self.opts,
            self.run_ctx,
            time_limit_s=max(0.0, self.left()),
            params=self.params,
            value_of=_own(P, F),
        )
        plan = F.extract(run.solver.value) if run.has_solution else None
        # the objective is the plan's own (the terms' variables are tight, but a plan is what
        # the user gets and what the checker recomputes)
        objective = _value(P, plan) if plan is not None else None
        return _Answer(plan, run.status, objective, run.bound, messages=list(run.log))

    def lexicographic(self) -> _Answer:
        """Step 7, lexicographic: CP-SAT level by level, each level's value kept as a bound of
        the next, the time left shared equally among the levels still to solve."""
        P, obj, opts, ctx = self.P, self.obj, self.opts, self.ctx
        answer = _Answer(None, SolveStatus.NO_SOLUTION)
        F = self.build()
        hint = self.start_plan
        for k, t in enumerate(obj.terms):
            expr = F.term(t.kind)
            F.m.minimize(expr)
            if (self.use_hint and self.start_ok) or k > 0:
                F.hint(hint)
            share = max(0.0, self.left()) / (len(obj.terms) - k)
            level_ctx = self.run_ctx if k == 0 else _quiet(self.run_ctx)
            run = backend.run(
                F.m, opts, level_ctx, time_limit_s=share, params=self.params, value_of=_own(P, F)
            )
            answer.messages += run.log
            if not run.has_solution:
                if k == 0:
                    answer.status, answer.bound = run.status, run.bound
                break
            answer.plan = hint = F.extract(run.solver.value)
            value = term_values(P, hint, [t.kind])[0]
            levels = answer.levels
            levels.append(
                {"term": t.kind, "value": value, "bound": run.bound, "status": run.status.value}
            )
            if k == 0:
                answer.bound = run.bound
            every = all(lv["status"] == "optimal" for lv in levels) and len(levels) == k + 1
            answer.status = SolveStatus.OPTIMAL if every else SolveStatus.FEASIBLE
            if ctx.stop_requested():
                break
            F.m.add(expr <= value)
        if answer.plan is not None:
            if len(answer.levels) < len(obj.terms):
                answer.status = SolveStatus.FEASIBLE
                answer.messages.append(
                    f"lexicographic: {len(answer.levels)} of {len(obj.terms)} levels solved "
                    "within the time limit"
                )
            answer.objective = _value(P, answer.plan)
        return answer

    def settle(self, a: _Answer) -> _Answer:
        """Step 8 and the corrections every path shares: never worse than the tabu phase's
        plan, the start plan when nothing else was found, the best bound (never above the
        plan's value), `optimal` when the plan meets it."""
        P, obj = self.P, self.obj
        if self.searched and not self.proven:
            # the bound of the run beside the tabu search holds too; never answer worse than
            # the plan the phase ended with (CP-SAT keeps a complete hint as a rule, not always)
            early = self.early
            if (
                early is not None
                and early.bound is not None
                and (a.bound is None or early.bound > a.bound)
            ):
                a.bound = early.bound
            value = _value(P, self.start_plan)
            if a.plan is not None and a.objective is not None and value < a.objective:
                a.plan, a.objective = self.start_plan, value
                a.messages.append("CP-SAT did not keep the tabu search's plan; answering that plan")
        if a.plan is None and a.status == SolveStatus.NO_SOLUTION and self.start_ok:
            # CP-SAT found nothing in time, but the start plan keeps every hard rule: answer it
            a.plan, a.status = self.start_plan, SolveStatus.FEASIBLE
            a.objective = _value(P, a.plan)
            a.messages.append(
                "CP-SAT found no plan within the time limit; this is the starting heuristic's plan"
            )
        cheap = self.cheap
        if cheap is not None and a.plan is not None and (a.bound is None or cheap > a.bound):
            a.bound = float(cheap)
        if a.bound is not None and a.objective is not None and a.bound > a.objective:
            # CP-SAT's objective_value can differ from the plan it returns (OR-Tools 9.15, seen
            # on a 30-order plant: 142,625 reported for a plan worth 142,595); no bound exceeds
            # a plan
            a.messages.append(
                f"the solver's bound {a.bound:g} exceeded the plan's own value {a.objective:g}; "
                "the plan's value is answered as the bound"
            )
            a.bound = a.objective
        lex_done = obj.mode == "weighted" or (
            all(lv["status"] == "optimal" for lv in a.levels)
            and len(a.levels) in (0, len(obj.terms))
        )
        if (
            a.plan is not None
            and a.objective is not None
            and a.bound is not None
            and a.objective <= a.bound
            and lex_done
        ):
            a.status = SolveStatus.OPTIMAL
        return a

    def outcome(self, a: _Answer) -> Outcome:
        """The answer as the pipeline's Outcome: the diagnosis when infeasible, the typed plan."""
        info = backend.solver_info(self.opts)
        if self.skipped:
            a.messages.append(f"skipped for want of time: {', '.join(self.skipped)}")
        if a.status == SolveStatus.INFEASIBLE:
            diagnosis = explain(self.P, self.opts, self.ctx)
            return Outcome(status=a.status, diagnosis=diagnosis, solver=info, messages=a.messages)
        if a.plan is None:
            if not self.start_ok and self.ctx.stop_requested():
                a.messages.append("a cancel request came before a first plan was built")
            elif not self.start_ok and self.ctx.elapsed() >= self.opts.time_limit_s:
                a.messages.append("no plan could be built within the time limit")
            return Outcome(status=a.status, bound=a.bound, solver=info, messages=a.messages)
        extra: dict[str, Any] = {"objective_levels": a.levels} if a.levels else {}
        return Outcome(
            status=a.status,
            objective=a.objective,
            bound=a.bound,
            solution=build_solution(self.P, a.plan),
            solver=info,
            messages=a.messages,
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
    P: Prepared,
    opts: SolveOptions,
    ctx: RunContext,
    report: _Improvements,
    share: float,
    on_check: Any = None,
) -> StartPlan | None:
    """The start plan (heuristic.best_start): a first plan within the time limit, more
    constructions within `share` of it; each better checked plan is an incumbent.
    `on_check(seconds)` hears how long each checker call took."""
    return heuristic.best_start(
        P,
        deadline=ctx.started + opts.time_limit_s,
        budget=ctx.started + share * opts.time_limit_s,
        stop=ctx.stop_requested,
        on_plan=lambda plan, value: report(Progress(ctx.elapsed(), 0, float(value), None, None)),
        on_check=on_check,
    )


def _by(deadline: float, ctx: RunContext, phase: str) -> None:
    """Interrupted when a cancel was asked for or time.monotonic() passed `deadline`."""
    if ctx.stop_requested():
        raise Interrupted(phase, cancelled=True)
    if time.monotonic() >= deadline:
        raise Interrupted(phase, cancelled=False)


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
    reserve: float = 0.0,
) -> tuple[StartPlan, SolveStatus, float | None, list[dict[str, Any]], list[str]]:
    """Large-neighbourhood search from a checked plan, level by level (one level when the
    objective is weighted). When the whole model is small (`build` given), CP-SAT searches it
    too, hinted with the best plan: first briefly (a small instance is proven at once), then
    the LNS for half of the level's time, then the whole model for the rest. Measured on the
    generated plants of 500 operations (20 s, 2 workers, 4 plants), this order beat the whole
    model alone and the LNS with the whole model beside it on one worker each. Without the
    whole model a level ends at its share of the time or when the LNS stalls; `reserve`
    seconds at the end of the limit are left to what follows the search. Answers the
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
        left = opts.time_limit_s - ctx.elapsed() - reserve
        until = time.monotonic() + left / (len(stages) - k)
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
    left: float,
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
    phase_s = TABU_SHARE * max(0.0, left)
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
    F: Formulation | None = None
    if opts.workers > 1:
        bounds = completion_bounds(P, plan)
        try:  # the deadline or a cancel while it is built: the tabu search alone
            P.set_horizon(min(P.horizon, max(b for b in bounds if b is not None)))
            F = Formulation(P, checkpoint=lambda: _by(deadline, ctx, "building the model"))
            F.add_completion_bounds(bounds)
            F.m.minimize(weight * F.term("makespan"))
        except Interrupted:
            F = None
    if F is not None:
        model = F

        def search() -> None:
            try:
                run = backend.run(
                    model.m,
                    opts,
                    sub,
                    time_limit_s=max(0.0, deadline - time.monotonic()),
                    params=params,
                    workers=opts.workers - 1,
                )
                early.append(run)
                if run.has_solution:
                    early_plan.append(model.extract(run.solver.value))
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
