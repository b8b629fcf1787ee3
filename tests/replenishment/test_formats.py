"""The Trigeiro `clsp` reader, on a tiny file typed here, and the CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import opsplan
from opsplan import InvalidInput
from opsplan.cli import app

# 2 items, 3 periods, capacity 70; item 0: b=1 h=1 st=5 sc=100; item 1: b=2 h=2 st=0 sc=30
TINY = """    2    3
    1
   70
 1.00 1.00  5. 100.
 2.00 2.00  0. 30.
   10    5
   10    5
   10    5
  Bi   hi   su   su
           time cost
"""


def test_clsp_reads_ids_periods_and_costs(tmp_path):
    p = tmp_path / "T1.DAT"
    p.write_text(TINY)
    doc = opsplan.load_request(p, "clsp")
    inst = doc["instance"]
    assert doc["model"] == "replenishment"
    assert [it["id"] for it in inst["items"]] == ["0", "1"]
    assert inst["items"][0]["demand"] == [10, 10, 10]
    assert inst["items"][1]["demand"] == [5, 5, 5]
    assert inst["resources"] == [{"id": "capacity", "capacity": 70}]
    assert (inst["items"][1]["time_per_unit"], inst["items"][0]["setup_time"]) == (2, 5)


def test_clsp_objective_is_setup_plus_holding(tmp_path):
    p = tmp_path / "T1.DAT"
    p.write_text(TINY)
    res = opsplan.solve(opsplan.load_request(p, "clsp"))
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
    # item 0: one setup (100) at period 0, holds 20 then 10 (30); item 1: setups 30 each
    # period (90) vs one setup + holding 2*(10+5)=30 -> 60. Period 0 uses 35 + 30 <= 70.
    assert res.objective == pytest.approx(100 + 30 + 30 + 30)


def test_clsp_errors_name_the_line(tmp_path):
    p = tmp_path / "bad.DAT"
    p.write_text(TINY.replace(" 2.00 2.00  0. 30.", " 2.00 x  0. 30."))
    with pytest.raises(InvalidInput) as e:
        opsplan.load_request(p, "clsp")
    assert e.value.problems[0].where == "bad.DAT line 5"
    p.write_text("2 3\n1\n50\n1 1 5 100\n")
    with pytest.raises(InvalidInput) as e:
        opsplan.load_request(p, "clsp")
    assert "ends before" in e.value.problems[0].message


def test_cli_solves_clsp_and_writes_json(tmp_path):
    p = tmp_path / "T1.DAT"
    p.write_text(TINY)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(app, ["solve", str(p), "--format", "clsp", "-o", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["model"] == "replenishment" and doc["status"] == "optimal"
