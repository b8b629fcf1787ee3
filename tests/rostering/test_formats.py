"""The Curtois & Qu reader (--format nrp) on tiny texts typed here, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import opsplan
from opsplan import InvalidInput, SolveStatus
from opsplan.cli import app
from opsplan.rostering.formats import read_nrp

TINY = """# two nurses, three days, an early and a late shift
SECTION_HORIZON
3

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=3|L=3,1440,480,3,1,1,1
B,E=3|L=0,960,0,3,1,1,1

SECTION_DAYS_OFF
B,2

SECTION_SHIFT_ON_REQUESTS
A,0,L,2

SECTION_SHIFT_OFF_REQUESTS
A,1,E,5

SECTION_COVER
0,E,1,100,1
0,L,1,100,1
1,E,1,100,1
1,L,0,100,1
2,E,1,100,1
2,L,1,100,1
"""


def test_reader_maps_the_file_onto_the_schema():
    i = read_nrp(TINY, Path("tiny.txt"))
    assert i["days"] == 3 and [s["id"] for s in i["shift_types"]] == ["E", "L"]
    assert i["shift_types"][1]["forbidden_next"] == ["E"]
    a = next(c for c in i["contracts"] if c["id"] == "A")
    assert a["max_shifts_per_type"] == {"E": 3, "L": 3} and a["max_total_minutes"] == 1440
    b = next(e for e in i["employees"] if e["id"] == "B")
    assert b["unavailable_days"] == [2]
    assert i["employees"][0]["shift_off_requests"] == [{"day": 1, "shift": "E", "weight": 5}]


def test_tiny_nrp_solves_to_the_optimum_found_by_hand():
    # day 2 needs E and L: B is off, so A can cover only one (100 short). Day 0: A on L (its
    # request), B on E. Day 1: E needed; A must not work E (off request 5) and L->E is
    # forbidden for A anyway, so B works E. Total 100.
    res = opsplan.solve(
        {
            "model": "rostering",
            "instance": read_nrp(TINY, Path("tiny.txt")),
            "options": {"time_limit_s": 10},
        }
    )
    assert res.violations == [] and res.status == SolveStatus.OPTIMAL
    assert res.objective == 100


def test_reader_errors_name_file_lines():
    bad = TINY.replace("A,0,L,2", "A,x,L,2").replace("0,L,1,100,1", "0,Q,1,100,1")
    bad = bad.replace("B,2\n", "Z,2\n")
    with pytest.raises(InvalidInput) as e:
        read_nrp(bad, Path("bad.txt"))
    where = {p.where for p in e.value.problems}
    assert {"bad.txt line 14", "bad.txt line 17", "bad.txt line 24"} <= where, where


def test_cli_solves_an_nrp_file(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text(TINY.replace("\n", "\r\n"))
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["solve", str(f), "--format", "nrp", "-t", "10", "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = json.loads(out.read_text())
    assert res["objective"] == 100 and res["violations"] == []
    assert {a["employee"] for a in res["solution"]["assignments"]} == {"A", "B"}
