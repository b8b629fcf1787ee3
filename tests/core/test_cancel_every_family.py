"""A cancel request stops every family's solve, and the plan found before it is kept.

The HTTP service's DELETE /v1/jobs/{id} and the batch's Ctrl-C both end in `should_stop`.
Tested by events, not by the clock: the cancel is requested once the solve has reported an
incumbent (a progress event with an objective); the result must then be `feasible` with a
checked plan and a message that a cancel stopped it. The example instance of each family needs
far longer than its first incumbent to finish on its own. The time limit only sets the phases'
shares (rostering reports its first incumbent from CP-SAT, after column generation's share);
it is never what stops these solves.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import opsplan
from opsplan.core.run import Progress

ROOT = Path(__file__).resolve().parents[2] / "instances"
EXAMPLES = {
    "scheduling": "scheduling/weekly_plant.json",
    "rostering": "rostering/ward_4_weeks.json",
    "staffing_levels": "staffing_levels/store_week.json",
    "supplier_selection": "supplier_selection/manufacturer_60x12.json",
    "replenishment": "replenishment/distributor_200x12.json",
}


@pytest.mark.parametrize("model", sorted(EXAMPLES))
def test_cancel_after_an_incumbent_keeps_it_and_answers_feasible(model):
    req = opsplan.load_request(ROOT / EXAMPLES[model])
    assert req["model"] == model
    incumbents: list[Progress] = []
    asked: list[bool] = []

    def on_progress(p: Progress) -> None:
        if p.objective is not None:
            incumbents.append(p)

    def stop() -> bool:
        if incumbents:
            asked.append(True)
        return bool(incumbents)

    res = opsplan.solve(
        req, {"time_limit_s": 45, "workers": 2}, on_progress=on_progress, should_stop=stop
    )
    assert incumbents, "no incumbent was reported before the solve ended"
    assert asked, "the solve ended before it was asked to stop: pick a longer instance"
    assert any("cancel" in m for m in res.messages), res.messages
    assert res.status == opsplan.SolveStatus.FEASIBLE, (res.status, res.messages)
    assert res.solution is not None and res.violations == []
    assert res.objective is not None
