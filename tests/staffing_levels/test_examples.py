"""The example instance is a valid request and the generator reproduces it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import opsplan

ROOT = Path(__file__).resolve().parents[2]


def test_example_file_is_valid_and_reproducible():
    sys.path.insert(0, str(ROOT / "tools"))
    from make_staffing_examples import store_week

    store_file = json.loads((ROOT / "instances/staffing_levels/store_week.json").read_text())
    assert opsplan.validate(store_file) == []
    assert store_file["instance"] == json.loads(json.dumps(store_week()))
    assert len(store_file["instance"]["demand"]) == 7 * 96
