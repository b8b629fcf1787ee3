"""Numbers are finite and bounded in every family, and invalid input is reported whole (issue #14,
items 1 and 7): NaN, infinities, huge and negative numbers in every numeric field of every
model's example are refused naming the field; type, range and cross-reference problems come
together; the size a solver cannot serve is refused before solving."""

from __future__ import annotations

import copy
import json
import math
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.core import registry
from opsplan.core.errors import Problem, path_str
from opsplan.core.options import SolveOptions

from .helpers import example_request, fuzz_cases, replaced

MODELS = registry.names()
_ID_NOTE = re.compile(r" \([^)]*\)")  # "items[0] (A).demand": an id a family adds to a path
DUPLICATE = object()  # a change that appends a copy of the list's first element


def _numbers_without_bound(cls: type[BaseModel], seen: set[type]) -> list[str]:
    """Every int or float of a model (in lists, maps and nested models too) without an upper
    bound."""
    if cls in seen:
        return []
    seen.add(cls)
    out: list[str] = []

    def walk(tp: Any, where: str, bounded: bool) -> None:
        origin = get_origin(tp)
        if origin is Annotated:
            base, *meta = get_args(tp)
            walk(base, where, bounded or any(_upper(m) for m in meta))
        elif origin in (Union, types.UnionType):
            for a in get_args(tp):
                walk(a, where, bounded)
        elif origin in (list, tuple):
            for a in get_args(tp):
                walk(a, where + "[]", False)
        elif origin is dict:
            walk(get_args(tp)[1], where + "{}", False)
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            out.extend(_numbers_without_bound(tp, seen))
        elif tp in (int, float) and not bounded:
            out.append(where)

    for name, f in cls.model_fields.items():
        walk(f.annotation, f"{cls.__name__}.{name}", any(_upper(m) for m in f.metadata))
    return out


def _upper(meta: Any) -> bool:
    if isinstance(meta, annotated_types.Le | annotated_types.Lt):
        return True
    return any(_upper(m) for m in getattr(meta, "metadata", []))


@pytest.mark.parametrize("model", MODELS)
def test_every_numeric_field_has_an_upper_bound(model):
    assert _numbers_without_bound(registry.get(model).instance_type, set()) == []


def test_solve_options_are_bounded_and_finite():
    assert _numbers_without_bound(SolveOptions, set()) == []
    problems = opsplan.validate({**example_request("scheduling"), "options": {"seed": math.nan}})
    assert [p.where for p in problems] == ["options.seed"]


def test_the_bound_is_in_the_description():
    schema = registry.get("scheduling").instance_type.model_json_schema()
    release = schema["$defs"]["Job"]["properties"]["release"]
    assert release["maximum"] == 10**8
    assert release["description"].endswith("At most 100,000,000.")


def _names(problems: list[Problem], loc: tuple[Any, ...]) -> bool:
    """A problem is located at the field or at the object holding it (a model's own check)."""
    path = path_str(loc)
    wheres = [_ID_NOTE.sub("", p.where) for p in problems]
    return any(path == w or path.startswith((w + ".", w + "[")) for w in wheres)


@pytest.mark.parametrize("model", MODELS)
def test_bad_numbers_are_refused_naming_their_field(model):
    """NaN, +-Infinity, 1e300, 2^63 and -1 in any numeric field of the example are refused,
    each naming the field."""
    allowed = []
    for _, loc, value in fuzz_cases([model]):
        req = replaced(example_request(model), loc, value)
        problems = opsplan.validate(req)
        if not problems:
            assert value == -1, (loc, value)
            allowed.append(loc)
            continue
        assert _names(problems, loc), (loc, value, problems)
    assert allowed == []  # no field of the examples takes a negative number


def test_nan_and_huge_numbers_never_reach_a_solver():
    """A refused number raises InvalidInput from solve(): no result, no internal error."""
    for model in MODELS:
        for loc, value in (((0,), math.nan), ((0,), 2**63)):
            req = example_request(model)
            field = next(loc for _, loc, _ in fuzz_cases([model]))
            with pytest.raises(opsplan.InvalidInput) as e:
                opsplan.solve(replaced(req, field, value), {"time_limit_s": 1, "workers": 1})
            assert _names(e.value.problems, field)


def test_a_schedule_too_large_for_cp_sat_is_refused_by_name():
    """Every field within its bound, but weights times the horizon overflow what CP-SAT sums."""
    jobs = [
        {
            "id": f"J{j}",
            "weight": 10**6,
            "operations": [{"id": "o", "machines": [{"machine": "M", "duration": 10**8}]}],
        }
        for j in range(20)
    ]
    req = {
        "model": "scheduling",
        "instance": {
            "machines": [{"id": "M"}],
            "jobs": jobs,
            "objective": {"terms": [{"kind": "weighted_completion", "weight": 10**6}]},
        },
    }
    problems = opsplan.validate(req)
    assert [p.where for p in problems] == ["instance"]
    assert "too large for the solver" in problems[0].message
    req["instance"]["objective"] = {"terms": [{"kind": "makespan"}]}
    assert opsplan.validate(req) == []


def test_cli_refuses_nan_in_json_naming_the_field(tmp_path):
    req = example_request("replenishment")
    req["instance"]["items"][0]["demand"] = [math.nan] * req["instance"]["periods"]
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(req))  # writes the NaN literal Python's json reads back
    out = CliRunner().invoke(app, ["validate", str(path)])
    assert out.exit_code == 2, out.output
    assert "instance.items[0].demand[0]" in out.output
    assert "Traceback" not in out.output


# ---------------------------------------------------------------- every problem at once

SCHEDULING = [
    (("jobs", 0, "operations", 0, "machines", 0, "duration"), -5),
    (("jobs", 1, "release"), math.nan),
    (("jobs", 1, "operations", 0, "machines", 0, "machine"), "M9"),
    (("jobs",), DUPLICATE),
]
ROSTERING = [
    (("employees", 0, "cost_per_hour"), math.inf),
    (("coverage", 0, "min"), "two"),
    (("employees", 1, "contract"), "nope"),
    (("employees",), DUPLICATE),
    (("coverage", 1, "shift"), "Z"),
]
STAFFING = [
    (("patterns", 0, "cost"), math.inf),
    (("demand", 3), -2),
    (("patterns", 0, "days", 0), 999),
    (("patterns",), DUPLICATE),
]
SUPPLIERS = [
    (("items", 0, "demand", 0), -1),
    (("suppliers", 0, "fixed_cost"), 1e300),
    (("offers", 0, "supplier"), "nope"),
    (("suppliers",), DUPLICATE),
]
REPLENISHMENT = [
    (("items", 0, "unit_cost"), math.nan),
    (("items", 0, "resource"), "nope"),
    (("items",), DUPLICATE),
    (("resources", 0, "capacity"), -1),
]


@pytest.mark.parametrize(
    ("model", "changes"),
    [
        ("scheduling", SCHEDULING),
        ("rostering", ROSTERING),
        ("staffing_levels", STAFFING),
        ("supplier_selection", SUPPLIERS),
        ("replenishment", REPLENISHMENT),
    ],
)
def test_type_range_and_cross_reference_problems_come_together(model, changes):
    req = example_request(model)
    named = []
    for loc, value in sorted(changes, key=lambda c: c[1] is not DUPLICATE):
        if value is DUPLICATE:  # a copy of the first element, before any other change
            lst = req["instance"][loc[0]]
            lst.append(copy.deepcopy(lst[0]))
            loc = (loc[0], len(lst) - 1, "id")
            duplicate = path_str(("instance", *loc))
        else:
            req = replaced(req, ("instance", *loc), value)
        named.append(("instance", *loc))
    problems = opsplan.validate(req)
    for loc in named:
        assert _names(problems, loc), (loc, problems)
    assert "duplicate" in next(p.message for p in problems if p.where == duplicate)
    assert len(problems) == len(changes), problems


def test_a_cross_reference_about_a_value_already_refused_is_not_said_twice():
    req = example_request("rostering")
    req = replaced(req, ("instance", "coverage", 0, "shift"), 7)  # not a string: pydantic
    problems = opsplan.validate(req)
    assert [p.where for p in problems] == ["instance.coverage[0].shift"]
