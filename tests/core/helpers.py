"""A faked family, small enough to read whole, registered only for the test that asks for it.

Instance: `items` (whole numbers) and a `budget`. Plan: the items `picked` and their `total`.
The rules: `known` (every pick is an item) and `budget` (the total is at most the budget). The
objective is the total. Each test swaps the part of the spec it exercises (`fake_spec(...)`).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import Field

from opsplan.core import registry
from opsplan.core.check import Findings
from opsplan.core.options import SolveOptions
from opsplan.core.result import Finding
from opsplan.core.run import Outcome, RunContext
from opsplan.core.schema_types import StrictModel
from opsplan.core.status import SolveStatus

NAME = "fake_family"
RULES = ("known", "budget")


class FakeInstance(StrictModel):
    items: list[int] = Field(description="The values to pick from.")
    budget: int = Field(100, description="The most the picks may add up to.")


class FakePick(StrictModel):
    item: int = Field(description="A value picked.")


class FakeSolution(StrictModel):
    picked: list[FakePick] = Field(description="The values picked.")
    total: int = Field(description="Their sum (the objective).")


def plan(*values: int) -> FakeSolution:
    return FakeSolution(picked=[FakePick(item=v) for v in values], total=sum(values))


def check(inst: FakeInstance, sol: dict[str, Any]) -> registry.CheckReport:
    found = Findings(RULES)
    for k, p in enumerate(sol["picked"]):
        if p["item"] not in inst.items:
            found.add("known", f"pick {k} is {p['item']}, not an item", pick=k)
    total = sum(p["item"] for p in sol["picked"])
    if total > inst.budget:
        found.add("budget", f"the picks add up to {total}, over the budget {inst.budget}")
    if sol["total"] != total:
        found.add("solution", f"total {sol['total']} is not the sum of the picks {total}")
    return registry.CheckReport(violations=found.items, objective=float(total))


def solve(inst: FakeInstance, opts: SolveOptions, ctx: RunContext) -> Outcome:
    best = plan(*[v for v in inst.items if v < 0])  # every negative value: the least sum
    return Outcome(status=SolveStatus.OPTIMAL, objective=float(best.total), solution=best)


def precheck(inst: FakeInstance, opts: SolveOptions) -> list[Finding]:
    return []


def kpis(inst: FakeInstance, sol: dict[str, Any]) -> dict[str, Any]:
    return {"picks": len(sol["picked"])}


def fake_spec(**parts: Any) -> registry.ModelSpec:
    base: dict[str, Any] = dict(
        name=NAME,
        description="a faked family for the pipeline's tests",
        instance_type=FakeInstance,
        validate=lambda inst: [],
        precheck=precheck,
        solve=solve,
        check=check,
        kpis=kpis,
        solution_type=FakeSolution,
        rules=RULES,
    )
    return registry.ModelSpec(**{**base, **parts})


@contextmanager
def registered(spec: registry.ModelSpec) -> Iterator[registry.ModelSpec]:
    """`spec` in the registry for the duration of the block, then gone again."""
    registry.names()  # the built-in families first, so they never replace the fake
    registry._REGISTRY[spec.name] = spec
    try:
        yield spec
    finally:
        registry._REGISTRY.pop(spec.name, None)


def request(items: list[int], budget: int = 100, **options: Any) -> dict[str, Any]:
    return {"model": NAME, "instance": {"items": items, "budget": budget}, "options": options}


# ---------------------------------------------------------------- numeric fuzz (issue #14)

EXAMPLES = Path(__file__).resolve().parents[2] / "api" / "examples"
# what an integrator or an attacker sends in a number's place
BAD_NUMBERS: tuple[Any, ...] = (math.nan, math.inf, -math.inf, 1e300, 2**63, -1)


def example_request(model: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{model}.request.json").read_text())


def numeric_leaves(doc: Any, loc: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The location of every number (not a bool) in a JSON document."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from numeric_leaves(v, (*loc, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from numeric_leaves(v, (*loc, i))
    elif isinstance(doc, int | float) and not isinstance(doc, bool):
        yield loc


def one_per_field(locs: Iterator[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The first location of each field (list positions aside): every field once, in order."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for loc in locs:
        key = tuple("#" if isinstance(p, int) else p for p in loc)
        if key not in seen:
            seen.add(key)
            out.append(loc)
    return out


def replaced(doc: dict[str, Any], loc: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    at = out
    for p in loc[:-1]:
        at = at[p]
    at[loc[-1]] = value
    return out


def fuzz_cases(models: Iterable[str]) -> list[tuple[str, tuple[Any, ...], Any]]:
    """(model, location, bad value): each numeric field of each model's example, each value."""
    return [
        (m, loc, v)
        for m in models
        for loc in one_per_field(numeric_leaves(example_request(m)))
        for v in BAD_NUMBERS
    ]
