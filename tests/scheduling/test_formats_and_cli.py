"""Benchmark readers, ft06 to proven optimality, the CLI's exit codes, the JSON round trip."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import opsplan
from opsplan.cli import app
from opsplan.scheduling.formats import read_fjsp

from .helpers import job, op, sched

runner = CliRunner()


def test_ft06_is_solved_to_proven_optimality(ft06_path):
    res = opsplan.solve(opsplan.load_request(ft06_path, "jssp"), {"time_limit_s": 60})
    assert res.status == opsplan.SolveStatus.OPTIMAL
    assert res.objective == 55 and res.bound == 55 and res.gap == 0
    assert res.violations == []
    assert {r["job"] for r in res.solution["operations"]} == {str(i) for i in range(6)}


def test_fjsp_reader_keeps_file_ids_and_alternatives(tmp_path):
    p = tmp_path / "tiny.fjs"
    p.write_text("2 3 1.5\n2 2 1 4 3 2 1 2 5\n1 1 3 3\n")
    inst = read_fjsp(p.read_text(), p)
    assert [m["id"] for m in inst["machines"]] == ["1", "2", "3"]
    assert inst["jobs"][0]["operations"][0]["machines"] == [
        {"machine": "1", "duration": 4},
        {"machine": "3", "duration": 2},
    ]
    res = opsplan.solve({"model": "scheduling", "instance": inst})
    assert res.status == opsplan.SolveStatus.OPTIMAL and res.objective == 7


def test_benchmark_file_errors_name_the_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("2 2\n0 3 1 2\n0 3 1\n")
    r = runner.invoke(app, ["validate", str(p), "--format", "jssp"])
    assert r.exit_code == 2
    assert "bad.txt line 3: expected 4 numbers" in r.output
    assert "Traceback" not in r.output


def test_cli_solve_writes_result_and_exits_0(ft06_path, tmp_path):
    out = tmp_path / "r.json"
    r = runner.invoke(
        app, ["solve", str(ft06_path), "--format", "jssp", "-t", "30", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "status=optimal" in r.output and "objective=55" in r.output
    res = opsplan.SolveResult.from_json(out.read_text())
    assert res.objective == 55 and res.options.time_limit_s == 30


def test_cli_exit_code_0_for_infeasible(tmp_path):
    p = tmp_path / "inf.json"
    p.write_text(json.dumps(sched([job("A", op("a", ("M1", 5)), deadline=3)])))
    r = runner.invoke(app, ["solve", str(p)])
    assert r.exit_code == 0 and "infeasible" in r.output and "deadline" in r.output


@pytest.mark.parametrize(
    "content, needle",
    [
        ("{not json", "line 1 column 2: invalid JSON"),
        (
            '{"model": "scheduling", "instance": {"machines": [], "jobs": []}}',
            "instance.machines: List should have at least 1 item",
        ),
    ],
)
def test_cli_exit_code_2_for_invalid_input(tmp_path, content, needle):
    p = tmp_path / "bad.json"
    p.write_text(content)
    r = runner.invoke(app, ["solve", str(p)])
    assert r.exit_code == 2 and needle in r.output and "Traceback" not in r.output


def test_cli_exit_code_1_when_no_plan_in_time(tmp_path, monkeypatch):
    p = tmp_path / "x.json"
    p.write_text(json.dumps(sched([job("A", op("a", ("M1", 5)))])))
    from opsplan.core import solve as core_solve
    from opsplan.core.run import Outcome

    spec = core_solve.registry.get("scheduling")
    fake = type(spec)(
        **{
            **spec.__dict__,
            "solve": lambda i, o, c: Outcome(status=opsplan.SolveStatus.NO_SOLUTION),
        }
    )
    monkeypatch.setattr(core_solve.registry, "get", lambda name: fake)
    r = runner.invoke(app, ["solve", str(p)])
    assert r.exit_code == 1 and "no_solution" in r.output


def test_cli_unknown_option_in_file_is_exit_2(tmp_path):
    p = tmp_path / "x.json"
    req = sched([job("A", op("a", ("M1", 5)))])
    req["options"]["timelimit"] = 3
    p.write_text(json.dumps(req))
    r = runner.invoke(app, ["validate", str(p)])
    assert r.exit_code == 2 and "options.timelimit: unknown field" in r.output


def test_cli_schema_models_version():
    r = runner.invoke(app, ["schema", "scheduling"])
    doc = json.loads(r.output)
    assert "jobs" in doc["properties"]["instance"]["properties"]
    assert "scheduling" in runner.invoke(app, ["models"]).output
    assert opsplan.__version__ in runner.invoke(app, ["--version"]).output


def test_result_json_round_trip_is_valid_and_finite(ft06_path):
    res = opsplan.solve(opsplan.load_request(ft06_path, "jssp"), {"time_limit_s": 10})
    text = res.to_json()
    assert "Infinity" not in text and "NaN" not in text
    again = opsplan.SolveResult.from_json(text)
    assert again == res


def test_non_finite_numbers_never_reach_json():
    res = opsplan.SolveResult(
        model="scheduling",
        status=opsplan.SolveStatus.NO_SOLUTION,
        objective=float("inf"),
        bound=float("nan"),
        kpis={"x": float("-inf"), "y": [1.0, float("nan")]},
    )
    doc = json.loads(res.to_json())
    assert doc["objective"] is None and doc["bound"] is None
    assert doc["kpis"] == {"x": None, "y": [1.0, None]}


def test_example_instance_is_valid():
    from pathlib import Path

    p = Path(__file__).resolve().parents[2] / "instances" / "scheduling" / "weekly_plant.json"
    assert opsplan.validate(opsplan.load_request(p)) == []


def test_small_example_instances_solve_as_documented():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "instances" / "scheduling"
    ft06 = opsplan.solve(opsplan.load_request(folder / "ft06.json"))
    assert ft06.status == opsplan.SolveStatus.OPTIMAL and ft06.objective == 55
    replan = opsplan.solve(opsplan.load_request(folder / "replan_breakdown.json"))
    assert replan.violations == [] and replan.status.has_solution
    ops = {(r["job"], r["operation"]): r for r in replan.solution["operations"]}
    assert ops[("WO-7", "turn")]["start"] == 0 and ops[("WO-9", "mill")]["start"] == 0
    assert all(
        r["start"] >= 360 for r in replan.solution["operations"] if r["machine"] == "LATHE-2"
    )
    rush = opsplan.solve(opsplan.load_request(folder / "infeasible_deadline.json"))
    assert rush.status == opsplan.SolveStatus.INFEASIBLE
    assert rush.diagnosis[0].entities == {"job": "RUSH-1"}


def test_cli_schema_resolves_and_accepts_the_example():
    from pathlib import Path

    import jsonschema

    doc = json.loads(runner.invoke(app, ["schema", "scheduling"]).output)
    p = Path(__file__).resolve().parents[2] / "instances" / "scheduling" / "weekly_plant.json"
    jsonschema.validate(json.loads(p.read_text()), doc)  # every $ref must resolve
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"model": "scheduling", "instance": {"jobs": []}}, doc)
