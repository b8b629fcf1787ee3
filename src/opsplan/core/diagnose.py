"""Which rules make an instance infeasible: one helper per backend kind.

A formulation has one keyword for a relaxable build, `relax: frozenset[str]`: the names of the
rules (of models/<model>.md) that may be relaxed.

- CP-SAT (`Guards`, `conflicting_rules`): each rule group of a relaxed rule is enforced only
  under an assumption literal; after an infeasible solve CP-SAT names a set of literals that
  cannot hold together, and those groups' findings are the diagnosis.
- MILP (`drop_one`): the relaxed rules are left out of the model; each rule is left out in
  turn, and the rules whose removal alone gives a plan are named.

Both run under a time budget of their own and stop at the caller's cancel flag. When no rule
can be named (none is relaxable, no single one is to blame, or the time ran out) the diagnosis
is one finding of the fallback rule `conflict`, with a message that says which case it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .options import SolveOptions
from .result import Finding
from .run import RunContext
from .status import SolveStatus

CONFLICT = "conflict"  # the one fallback rule name of every diagnosis


def _quiet(ctx: RunContext) -> RunContext:
    """A context for a diagnosis run: the caller's cancel flag, no progress events (a relaxed
    model's incumbents are not the caller's plans), and a clock of its own."""
    return RunContext(should_stop=ctx.stop_requested)


class Guards:
    """The assumption literals of a CP-SAT formulation built with `relax`.

    `guards(rule, message, **entities)` gives the enforcement literals of one group of `rule`:
    one new literal when `rule` is relaxed, none otherwise (the constraint then always holds).
    """

    def __init__(self, model: Any, relax: frozenset[str]) -> None:
        self.model = model
        self.relax = relax
        self.items: list[tuple[Any, Finding]] = []  # literal -> the finding naming its group

    def __call__(self, rule: str, message: str, /, **entities: Any) -> list[Any]:
        if rule not in self.relax:
            return []
        lit = self.model.new_bool_var(f"guard_{rule}_{len(self.items)}")
        self.items.append((lit, Finding(rule=rule, message=message, entities=entities)))
        return [lit]

    def __len__(self) -> int:
        return len(self.items)


def conflicting_rules(
    model: Any,
    guards: Guards,
    options: SolveOptions,
    ctx: RunContext,
    *,
    max_s: float = 10.0,
    nothing_relaxed: str = "the rules that cannot be relaxed do not hold together",
    head: str = "these rules cannot all hold together; relaxing any one of them may make a "
    "plan possible",
) -> list[Finding]:
    """The guarded groups CP-SAT finds in conflict: a `conflict` head finding, then one
    finding per group of the infeasible core (the model's objective is cleared: feasibility
    only). The budget is what remains of the solve's limit, at most `max_s`."""
    from .backends import cpsat as backend

    if not guards.items:
        return [Finding(rule=CONFLICT, message=nothing_relaxed)]
    unknown = Finding(
        rule=CONFLICT,
        message="the instance is infeasible, but the conflicting rules could not be named "
        "within the time available",
    )
    left = options.time_limit_s - ctx.elapsed()
    if ctx.stop_requested() or left < 0.05:  # the limit holds for the diagnosis too
        return [unknown]
    model.clear_objective()
    model.add_assumptions([lit for lit, _ in guards.items])
    budget = min(max_s, left)
    run = backend.run(model, options, _quiet(ctx), time_limit_s=budget, workers=1)
    if run.status != SolveStatus.INFEASIBLE:
        return [unknown]
    core = set(run.solver.sufficient_assumptions_for_infeasibility())
    return [
        Finding(rule=CONFLICT, message=head),
        *(f for lit, f in guards.items if lit.index in core),
    ]


def drop_one(
    relaxable: Mapping[str, str],
    build_without: Callable[[str], Any],
    options: SolveOptions,
    ctx: RunContext,
    *,
    max_s: float = 10.0,
    hint: str = "",
) -> list[Finding]:
    """Leave each relaxable rule out in turn (`build_without(rule)`: the PuLP problem without
    it, an objective or none) and name those whose removal alone gives a plan.

    `relaxable`: the rules present in the instance that may be left out -> their words in a
    message ("the budget"). Each run gets at most `max_s` and an even share of what remains of
    the solve's limit; the search stops at the cancel flag or when a run proves nothing.
    `hint` ends the fallback message (what the planner may do when no single rule is named).
    """
    from .backends import pulp as backend

    rules: Sequence[str] = list(relaxable)
    found: list[Finding] = []
    complete = True
    for k, rule in enumerate(rules):
        left = options.time_limit_s - ctx.elapsed()
        if left < 0.5 or ctx.stop_requested():
            complete = False
            break
        prob = build_without(rule)
        run = backend.run(
            prob, options, _quiet(ctx), time_limit_s=min(max_s, left / (len(rules) - k))
        )
        if run.has_solution:
            words = relaxable[rule]
            message = f"no plan meets every rule; without {words} there is one"
            found.append(Finding(rule=rule, message=message))
        elif run.status != SolveStatus.INFEASIBLE:  # the time ran out: nothing proven
            complete = False
            break
    if found:
        return found
    if not complete:
        why = "the time ran out before the rules to blame were found"
    elif rules:
        why = "leaving out any single one of these does not give one: " + ", ".join(
            relaxable.values()
        )
    else:
        why = "none of its rules may be left out to find which ones conflict"
    message = f"no plan meets every rule together; {why}" + (f". {hint}" if hint else "")
    return [Finding(rule=CONFLICT, message=message)]
