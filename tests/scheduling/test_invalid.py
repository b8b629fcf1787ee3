"""Invalid input: one case per rule; every problem is named with its path, nothing is solved."""

from __future__ import annotations

import pytest

import opsplan

from .helpers import job, op, sched


def problems(req) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.solve(req)
    return [str(p) for p in e.value.problems]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda r: r["instance"]["jobs"][0]["operations"][0]["machines"][0].update(machine="ZZ"),
            "instance.jobs[0].operations[0].machines[0].machine: unknown machine 'ZZ'",
        ),
        (
            lambda r: r["instance"]["jobs"].append(job("A", op("x", ("M1", 1)))),
            "instance.jobs[1].id: duplicate job id 'A'",
        ),
        (
            lambda r: r["instance"]["machines"].append({"id": "M1"}),
            "instance.machines[1].id: duplicate machine id 'M1'",
        ),
        (
            lambda r: r["instance"]["jobs"][0]["operations"][0].update(predecessors=["nope"]),
            "instance.jobs[0].operations[0].predecessors[0]: unknown operation 'nope' in job 'A'",
        ),
        (
            lambda r: r["instance"]["jobs"][0]["operations"][0].update(pin={"machine": "M9"}),
            "instance.jobs[0].operations[0].pin.machine: operation 'a' is pinned to 'M9', which is "
            "not one of its eligible machines",
        ),
        (
            lambda r: r["instance"]["jobs"][0]["operations"][0]["machines"][0].update(duration=-3),
            "instance.jobs[0].operations[0].machines[0].duration: Input should be greater than or "
            "equal to 0",
        ),
        (
            lambda r: r["instance"]["machines"][0].update(unavailable=[{"start": 5, "end": 5}]),
            "instance.machines[0].unavailable[0]: Value error, end (5) must be after start (5)",
        ),
        (
            lambda r: r["instance"]["machines"][0].update(calendar="cal"),
            "instance.machines[0].calendar: unknown calendar 'cal'",
        ),
        (
            lambda r: r["instance"].update(objective={"terms": [{"kind": "late_jobs"}]}),
            "instance.objective.terms[0].kind: 'late_jobs' needs due dates, and no job has one",
        ),
        (
            lambda r: r["instance"]["jobs"][0].update(colour="red"),
            "instance.jobs[0].colour: unknown field",
        ),
        (
            lambda r: r["options"].update(time_limit_s=0),
            "options.time_limit_s: Input should be greater than 0",
        ),
        (lambda r: r.update(model="nope"), "model: unknown model 'nope'"),
        (
            lambda r: r["options"].update(backend="cbc"),
            "options.backend: scheduling runs on cpsat, not cbc",
        ),
    ],
)
def test_each_invalid_input_is_named(mutate, expected):
    req = sched([job("A", op("a", ("M1", 2)), op("b", ("M1", 2)))])
    mutate(req)
    found = problems(req)
    assert any(p.startswith(expected) for p in found), found


def test_precedence_cycle_is_named():
    req = sched(
        [job("A", op("a", ("M1", 1), predecessors=["b"]), op("b", ("M1", 1), predecessors=["a"]))]
    )
    assert any("precedence cycle in job 'A'" in p for p in problems(req))


def test_all_problems_are_reported_at_once():
    req = sched([job("A", op("a", ("M9", 1)), op("a", ("M8", 1)))], ["M1"])
    found = problems(req)
    assert len(found) == 3, found  # two unknown machines and a duplicate operation id
