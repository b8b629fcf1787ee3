"""A cancel request stops every family's solve within 2 seconds, and what it found is kept.

The HTTP service's DELETE /v1/jobs/{id} and the batch's Ctrl-C both end in `should_stop`;
this checks the promise on the example instance of each family, each of which needs longer
than the moment of the cancel to finish on its own.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import opsplan

ROOT = Path(__file__).resolve().parents[2] / "instances"
EXAMPLES = {
    "scheduling": "scheduling/weekly_plant.json",
    "rostering": "rostering/ward_4_weeks.json",
    "staffing_levels": "staffing_levels/store_week.json",
    "supplier_selection": "supplier_selection/manufacturer_60x12.json",
    "replenishment": "replenishment/distributor_200x12.json",
}
CANCEL_AT = 1.5


@pytest.mark.parametrize("model", sorted(EXAMPLES))
def test_cancel_stops_within_two_seconds_and_keeps_the_incumbent(model):
    req = opsplan.load_request(ROOT / EXAMPLES[model])
    assert req["model"] == model
    t0 = time.monotonic()
    cancelled_at: list[float] = []

    def stop() -> bool:
        if time.monotonic() - t0 >= CANCEL_AT:
            cancelled_at.append(time.monotonic())
            return True
        return False

    res = opsplan.solve(req, {"time_limit_s": 120, "workers": 2}, should_stop=stop)
    ended = time.monotonic()
    assert cancelled_at, "the solve ended before the cancel: pick a longer instance"
    late = ended - (t0 + CANCEL_AT)  # from the request, polling delay included
    assert late < 2.0, f"{late:.2f} s after the cancel request"
    assert any("cancel" in m for m in res.messages), res.messages
    assert res.status in (opsplan.SolveStatus.FEASIBLE, opsplan.SolveStatus.NO_SOLUTION)
    if res.solution is not None:
        assert res.violations == []
