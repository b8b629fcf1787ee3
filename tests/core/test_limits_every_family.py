"""The deadline and the cancel flag hold in every phase, and progress speaks the result's units.

Tested by events, never by the clock (issue 14, items 3 and 6):

- a cancel already set when the solve starts, or a deadline already past, answers `no_solution`
  with a message naming the phase, before any search (no progress event);
- a cancel set between two phases (`should_stop` counting its calls) stops the next one: the
  replenishment forecast, which runs in `prepare`, stops before forecasting any more items;
- progress: after a cancel once an incumbent was reported, the last progress event's objective
  is the result's objective, and no reported bound exceeds its objective (every family
  minimises).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import opsplan
from opsplan.core.run import Progress
from opsplan.replenishment import prepare as rep_prepare

ROOT = Path(__file__).resolve().parents[2] / "instances"
EXAMPLES = {
    "scheduling": "scheduling/weekly_plant.json",
    "rostering": "rostering/ward_4_weeks.json",
    "staffing_levels": "staffing_levels/store_week.json",
    "supplier_selection": "supplier_selection/manufacturer_60x12.json",
    "replenishment": "replenishment/distributor_200x12.json",
}


@pytest.mark.parametrize("model", sorted(EXAMPLES))
def test_a_cancel_set_before_the_start_answers_no_solution_without_searching(model):
    req = opsplan.load_request(ROOT / EXAMPLES[model])
    events: list[Progress] = []
    res = opsplan.solve(
        req, {"time_limit_s": 30}, on_progress=events.append, should_stop=lambda: True
    )
    assert res.status == opsplan.SolveStatus.NO_SOLUTION, res.messages
    assert events == []
    assert res.solution is None
    assert any("cancel request stopped the solve while" in m for m in res.messages), res.messages


@pytest.mark.parametrize("model", sorted(EXAMPLES))
def test_a_deadline_already_past_answers_no_solution_naming_the_time_limit(model):
    req = opsplan.load_request(ROOT / EXAMPLES[model])
    events: list[Progress] = []
    res = opsplan.solve(req, {"time_limit_s": 1e-9}, on_progress=events.append)
    assert res.status == opsplan.SolveStatus.NO_SOLUTION, res.messages
    assert events == []
    assert any("time limit stopped the solve while" in m for m in res.messages), res.messages


def test_a_cancel_between_phases_stops_the_replenishment_forecast_before_the_next_item(
    monkeypatch,
):
    inst = {
        "periods": 4,
        "items": [
            {
                "id": f"I{k}",
                "unit_cost": 2.0,
                "holding_cost": 0.1,
                "history": [5.0, 6.0, 4.0, 5.0, 7.0, 5.0, 6.0, 4.0],
            }
            for k in range(5)
        ],
    }
    forecasts: list[str] = []
    real = rep_prepare.item_demand

    def counted(item, T):
        forecasts.append(item.id)
        return real(item, T)

    monkeypatch.setattr(rep_prepare, "item_demand", counted)
    calls: list[int] = []

    def stop() -> bool:  # the first check passes; the cancel arrives before the forecasts
        calls.append(1)
        return len(calls) >= 2

    res = opsplan.solve({"model": "replenishment", "instance": inst}, should_stop=stop)
    assert forecasts == []
    assert res.status == opsplan.SolveStatus.NO_SOLUTION
    assert any("while forecasting demand" in m for m in res.messages), res.messages
    # without the cancel, every item is forecast
    res = opsplan.solve({"model": "replenishment", "instance": inst}, {"time_limit_s": 5})
    assert forecasts == [f"I{k}" for k in range(5)] and res.solution is not None


@pytest.mark.parametrize("model", sorted(EXAMPLES))
def test_progress_reports_the_result_objective_in_its_units(model):
    req = opsplan.load_request(ROOT / EXAMPLES[model])
    events: list[Progress] = []

    def stop() -> bool:
        return any(p.objective is not None for p in events)

    res = opsplan.solve(
        req, {"time_limit_s": 45, "workers": 2}, on_progress=events.append, should_stop=stop
    )
    incumbents = [p for p in events if p.objective is not None]
    assert incumbents, "no incumbent was reported"
    assert res.objective is not None and res.solution is not None, res.messages
    assert incumbents[-1].objective == pytest.approx(res.objective, rel=1e-6, abs=1e-6)
    for p in incumbents:
        assert p.bound is None or p.bound <= p.objective + 1e-6 * max(1.0, abs(p.objective))
    # one count of incumbents over every phase
    assert [p.solutions for p in incumbents] == list(range(1, len(incumbents) + 1))
