"""Invalid input: every problem named at once, with its path and the item's id."""

from __future__ import annotations

import pytest

import opsplan
from opsplan import InvalidInput

from .helpers import item, req


def problems(r):
    with pytest.raises(InvalidInput) as e:
        opsplan.solve(r)
    return {p.where: p.message for p in e.value.problems}


def test_every_problem_is_named_at_once():
    r = req(
        [
            item("A", [1, 2], on_order=[{"period": 5, "quantity": 1}], supplier="nobody"),
            item("A", [1, -2, 3], resource="R", initial_backorder=2),
            {"id": "C", "safety_stock": {"kind": "service_level", "level": 0.9}},
            item("D", [1, 1], time_per_unit=1, pack_size=10, max_order=5),
        ],
        periods=2,
        warehouse_space=[10, 10, 10],
        budget=-1,
    )
    got = problems(r)
    assert "instance.items[0].on_order[0].period" in got
    assert "item 'A'" in got["instance.items[0].supplier"]
    assert "duplicate item id" in got["instance.items[1].id"]
    assert "instance.items[1].demand" in got and "instance.items[1].demand[1]" in got
    assert "unknown resource" in got["instance.items[1].resource"]
    assert "instance.items[1].initial_backorder" in got
    assert "demand" in got["instance.items[2]"]
    assert "forecast_error" in got["instance.items[2].safety_stock"]
    assert "instance.items[3].resource" in got and "instance.items[3].max_order" in got
    assert "instance.warehouse_space" in got and "instance.budget" in got


def test_schema_errors_name_the_field():
    r = req([item("A", [1], lead_time=-1, colour="red")])
    r["instance"]["items"][0]["safety_stock"] = {"kind": "fixed"}
    got = problems(r)
    assert "instance.items[0].lead_time" in got
    assert "unknown field" in got["instance.items[0].colour"]
    assert "quantity" in got["instance.items[0].safety_stock"]


def test_unknown_backend_for_this_model():
    r = req([item("A", [1])], options={"backend": "cpsat"})
    assert "options.backend" in problems(r)
