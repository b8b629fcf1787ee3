"""The example instances are valid requests (solving them is measured in benchmarks/)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import opsplan

EXAMPLES = Path(__file__).resolve().parents[2] / "instances" / "replenishment"


@pytest.mark.parametrize("name", ["distributor_200x12.json", "plant_8_items.json"])
def test_example_is_valid(name):
    doc = json.loads((EXAMPLES / name).read_text())
    assert opsplan.validate(doc) == []
