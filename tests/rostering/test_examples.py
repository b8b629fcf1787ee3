"""The example instances are valid requests and the generator reproduces them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import opsplan

ROOT = Path(__file__).resolve().parents[2]


def test_example_files_are_valid_and_reproducible():
    sys.path.insert(0, str(ROOT / "tools"))
    from make_staffing_examples import ward

    ward_file = json.loads((ROOT / "instances/rostering/ward_4_weeks.json").read_text())
    assert opsplan.validate(ward_file) == []
    assert ward_file == json.loads(json.dumps(ward()))
    inst = ward_file["instance"]
    assert len(inst["employees"]) == 30 and inst["days"] == 28
    assert len(inst["shift_types"]) == 3 and len(inst["skills"]) == 2
