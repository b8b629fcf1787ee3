"""Invalid input: every problem named with its path and ids, all at once, nothing solved."""

from __future__ import annotations

import pytest

import opsplan

from .helpers import offer, request


def base() -> dict:
    return request(
        [{"id": "A", "demand": [5, 5]}],
        ["S", "T"],
        [offer("A", "S", (0, 2), (10, 1)), offer("A", "T", (0, 3))],
    )


def problems(req) -> list[str]:
    with pytest.raises(opsplan.InvalidInput) as e:
        opsplan.solve(req)
    return [str(p) for p in e.value.problems]


def I(r):  # noqa: E743
    return r["instance"]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda r: I(r)["items"].append({"id": "A", "demand": [1, 1]}),
            "instance.items[1].id: duplicate item id 'A'",
        ),
        (
            lambda r: I(r)["suppliers"].append({"id": "S"}),
            "instance.suppliers[2].id: duplicate supplier id 'S'",
        ),
        (
            lambda r: I(r)["items"][0].update(demand=[5]),
            "instance.items[0] (A).demand: has 1 numbers for 2 periods",
        ),
        (
            lambda r: I(r)["items"][0].update(demand=[5, -1]),
            "instance.items[0].demand[1]: Input should be greater than or equal to 0",
        ),
        (
            lambda r: I(r)["items"][0].update(need_days=[3]),
            "instance.items[0] (A).need_days: has 1 dates for 2 periods",
        ),
        (
            lambda r: I(r).update(need_days=[1, 2, 3]),
            "instance.need_days: has 3 dates for 2 periods",
        ),
        (
            lambda r: I(r)["suppliers"][0].update(capacity=[1]),
            "instance.suppliers[0] (S).capacity: has 1 numbers for 2 periods",
        ),
        (
            lambda r: I(r)["offers"][0].update(item="Z"),
            "instance.offers[0] (Z/S).item: unknown item 'Z'",
        ),
        (
            lambda r: I(r)["offers"][0].update(supplier="Z"),
            "instance.offers[0] (A/Z).supplier: unknown supplier 'Z'",
        ),
        (
            lambda r: I(r)["offers"].append(offer("A", "S", (0, 1))),
            "instance.offers[2] (A/S): a second offer of item 'A' by supplier 'S'",
        ),
        (
            lambda r: I(r)["offers"][0]["tiers"][0].update(min_quantity=1),
            "instance.offers[0] (A/S).tiers[0].min_quantity: the first tier must start at 0",
        ),
        (
            lambda r: I(r)["offers"][0]["tiers"][1].update(min_quantity=0),
            "instance.offers[0] (A/S).tiers[1].min_quantity: 0 is not above the previous tier's 0",
        ),
        (
            lambda r: I(r)["offers"][0].update(moq=50, max_quantity=10),
            "instance.offers[0] (A/S).moq: MOQ 50 is above 2 periods x 10",
        ),
        (
            lambda r: I(r)["offers"][0].update(break_type="volume"),
            "instance.offers[0].break_type: Input should be 'all_units' or 'incremental'",
        ),
        (
            lambda r: I(r).update(policies={"min_suppliers": 3, "max_suppliers": 2}),
            "instance.policies.min_suppliers: at least 3 suppliers but at most 2",
        ),
        (
            lambda r: I(r)["items"][0].update(min_suppliers=2, max_suppliers=1),
            "instance.items[0] (A).min_suppliers: at least 2 suppliers but at most 1",
        ),
        (
            lambda r: I(r).update(policies={"max_share_supplier": 1.5}),
            "instance.policies.max_share_supplier: Input should be less than or equal to 1",
        ),
        (
            lambda r: I(r).update(policies={"commitments": [{"supplier": "Q", "min_quantity": 1}]}),
            "instance.policies.commitments[0].supplier: unknown supplier 'Q'",
        ),
        (
            lambda r: I(r).update(
                policies={"commitments": [{"supplier": "T", "item": "B", "min_quantity": 1}]}
            ),
            "instance.policies.commitments[0].item: unknown item 'B'",
        ),
        (
            lambda r: I(r).update(scenarios=[{"id": "w", "probability": 0.5, "failing": ["Q"]}]),
            "instance.scenarios[0] (w).failing[0]: unknown supplier 'Q'",
        ),
        (
            lambda r: I(r).update(scenarios=[{"id": "w", "probability": 0.5}]),
            "instance.items[0] (A).spot_price: needed when disruption scenarios are given",
        ),
        (
            lambda r: I(r).update(
                scenarios=[{"id": "w", "probability": 0.7}, {"id": "v", "probability": 0.7}]
            ),
            "instance.scenarios: probabilities add up to 1.4, more than 1",
        ),
        (
            lambda r: I(r).update(
                scenarios=[{"id": "w", "probability": 0.1, "capacity_loss": {"S": 2}}]
            ),
            "instance.scenarios[0].capacity_loss.S: Input should be less than or equal to 1",
        ),
        (
            lambda r: I(r).update(cvar={"alpha": 0.9, "max_cost": 10}),
            "instance.cvar: a tail bound needs disruption scenarios",
        ),
        (
            lambda r: I(r).update(objective={"mode": "weighted"}),
            "instance.objective.terms: mode weighted needs at least one term",
        ),
        (
            lambda r: I(r).update(objective={"mode": "pareto", "pareto_term": "cost"}),
            "instance.objective.pareto_term: pareto mode trades cost against another term, "
            "not cost",
        ),
        (
            lambda r: I(r).update(colour="red"),
            "instance.colour: unknown field (check the spelling; see `opsplan schema MODEL`)",
        ),
        (
            lambda r: r["options"].update(backend="cpsat"),
            "options.backend: supplier_selection runs on highs, cbc, not cpsat",
        ),
    ],
)
def test_invalid_input_names_the_problem(mutate, expected):
    req = base()
    mutate(req)
    assert expected in problems(req)


def test_every_problem_is_reported_at_once():
    req = base()
    I(req)["offers"][0].update(item="Z")
    I(req)["offers"][1].update(supplier="Q")
    I(req)["items"][0].update(demand=[1])
    got = problems(req)
    assert len(got) == 3, got
