"""opsplan batch on local worker processes: mixed inputs, summary rows, exit codes, --resume,
Ctrl-C, crashing and hanging workers, input discovery, and the executor interface."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import opsplan
from opsplan.batch import discover, run_batch
from opsplan.batch.cli import choose_parallelism
from opsplan.cli import app
from opsplan.runtime import LocalExecutor, oversubscription
from tests.scheduling.helpers import FT06

from .helpers import crashing_task, infeasible, jobshop, summary

runner = CliRunner()


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_valid.json").write_text(json.dumps(jobshop(3, 3, seed=1)))
    (d / "b_infeasible.json").write_text(json.dumps(infeasible()))
    bad = jobshop(2, 2, seed=2)
    bad["instance"]["jobs"][0]["operations"][0]["machines"][0]["machine"] = "M9"
    bad["instance"]["jobs"][1]["operations"][1]["machines"][0]["machine"] = "M8"
    (d / "c_invalid.json").write_text(json.dumps(bad))
    (d / "d_broken.json").write_text('{"model": "scheduling",\n  "instance": {oops}\n}')
    (d / "e_unreadable.json").write_bytes(b'{"model": "\xff\xfe\xfa"}')
    (d / "notes.txt").write_text("not an input: no --format, so only *.json files are taken")
    return d


def test_mixed_batch_summary_rows_result_files_and_exit_code(mixed, tmp_path):
    out = tmp_path / "out"
    missing = tmp_path / "f_missing.json"
    r = runner.invoke(
        app, ["batch", str(mixed), str(missing), "-o", str(out), "-t", "10", "--parallel", "2"]
    )
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    rows = summary(out)
    assert sorted(rows) == [
        "a_valid.json", "b_infeasible.json", "c_invalid.json", "d_broken.json",
        "e_unreadable.json", "f_missing.json",
    ]  # fmt: skip
    ok = rows["a_valid.json"]
    assert ok["model"] == "scheduling" and ok["status"] == "optimal" and ok["error"] == ""
    assert float(ok["objective"]) == float(ok["bound"]) and float(ok["gap"]) == 0.0
    assert float(ok["runtime_s"]) > 0
    res = opsplan.SolveResult.from_json((out / "a_valid.json").read_text())
    assert res.violations == [] and res.objective == float(ok["objective"])
    assert res.options.workers == 1 and res.options.time_limit_s == 10

    inf = rows["b_infeasible.json"]
    assert inf["status"] == "infeasible" and inf["objective"] == "" and inf["error"] == ""
    diag = opsplan.SolveResult.from_json((out / "b_infeasible.json").read_text()).diagnosis
    assert diag and "deadline" in diag[0].message

    invalid = rows["c_invalid.json"]
    assert invalid["status"] == "invalid" and invalid["model"] == "scheduling"
    assert "unknown machine 'M9'" in invalid["error"]
    assert "unknown machine 'M8'" in invalid["error"]  # every problem, not the first
    assert "line 2 column 16: invalid JSON" in rows["d_broken.json"]["error"]
    assert "cannot read the file" in rows["e_unreadable.json"]["error"]
    assert rows["f_missing.json"]["status"] == "invalid"
    assert "no such file" in rows["f_missing.json"]["error"]
    # a result file only for inputs that produced a SolveResult
    assert sorted(p.name for p in out.iterdir()) == [
        "a_valid.json", "b_infeasible.json", "summary.csv"
    ]  # fmt: skip
    # the printed table and totals; no progress bar when the output is not a terminal
    assert "6 inputs: 1 infeasible, 4 invalid, 1 optimal" in r.stdout
    assert "eta" not in r.stderr and "━" not in r.stderr


def test_one_batch_mixes_models_and_json_with_workbooks(tmp_path):
    from opsplan.io import templates

    d = tmp_path / "in"
    (d / "plants").mkdir(parents=True)
    (d / "shop.json").write_text(json.dumps(jobshop(3, 3, seed=4)))
    templates.write_template("replenishment", d / "plants" / "stock.xlsx")
    templates.write_template("supplier_selection", d / "buy.xlsx")
    (d / "~$buy.xlsx").write_bytes(b"Excel's lock file, not an input")
    r = runner.invoke(app, ["batch", str(d), "-o", str(tmp_path / "out"), "-t", "10"])
    assert r.exit_code == 0, r.output
    rows = summary(tmp_path / "out")
    assert {k: v["model"] for k, v in rows.items()} == {
        "shop.json": "scheduling",
        "stock.xlsx": "replenishment",
        "buy.xlsx": "supplier_selection",
    }
    assert all(v["status"] == "optimal" and v["error"] == "" for v in rows.values()), rows
    results = {"shop.json": "shop.json", "stock.xlsx": "plants/stock.json", "buy.xlsx": "buy.json"}
    for name, result in results.items():
        res = opsplan.SolveResult.from_json((tmp_path / "out" / result).read_text())
        assert res.violations == [] and res.objective == float(rows[name]["objective"])


def test_progress_bar_on_a_terminal_counts_by_status_with_time_left(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.json").write_text(json.dumps(jobshop(3, 3, seed=1)))
    (d / "b.json").write_text(json.dumps(infeasible()))
    (d / "c.json").write_text("[]")
    buf = io.StringIO()
    term = Console(file=buf, force_terminal=True, width=150, color_system=None)
    inputs, _ = discover([str(d)])
    with LocalExecutor(2) as ex:
        report = run_batch(inputs, tmp_path / "out", ex, console=term)
    assert [r.status for r in report.rows] == ["optimal", "infeasible", "invalid"]
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", buf.getvalue().replace("\r", "\n"))
    last = [line for line in text.splitlines() if "batch" in line][-1]
    assert "3/3" in last and "eta" in last
    assert "infeasible 1" in last and "invalid 1" in last and "optimal 1" in last


def test_all_answered_exits_0_and_infeasible_counts_as_an_answer(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "x.json").write_text(json.dumps(jobshop(2, 2, seed=5)))
    (d / "y.json").write_text(json.dumps(infeasible()))
    r = runner.invoke(app, ["batch", str(d / "*.json"), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert {v["status"] for v in summary(tmp_path / "out").values()} == {"optimal", "infeasible"}


def test_resume_skips_existing_results_and_redoes_damaged_or_missing_ones(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        (d / f"p{i}.json").write_text(json.dumps(jobshop(3, 2, seed=10 + i)))
    out = tmp_path / "out"
    args = ["batch", str(d), "-o", str(out), "-t", "10"]
    assert runner.invoke(app, args).exit_code == 0
    first = summary(out)
    kept = (out / "p0.json").read_text()
    (out / "p1.json").unlink()  # missing: solved again
    (out / "p2.json").write_text('{"half a res')  # damaged (not written by opsplan): again
    # a marker proves p0 is not solved again: its file is left exactly as it was
    marked = json.loads(kept)
    marked["messages"] = ["kept by --resume"]
    (out / "p0.json").write_text(json.dumps(marked))

    r = runner.invoke(app, [*args, "--resume"])
    assert r.exit_code == 0, r.output
    assert "3 inputs: 3 optimal" in r.stdout and "1 resumed" in r.stdout
    assert json.loads((out / "p0.json").read_text())["messages"] == ["kept by --resume"]
    for name in ("p1.json", "p2.json"):
        opsplan.SolveResult.from_json((out / name).read_text())  # whole again
    again = summary(out)
    assert set(again) == set(first)  # the summary still lists every input
    for name in first:
        assert again[name]["objective"] == first[name]["objective"]


def test_format_applies_to_every_input_and_folders_skip_tables_and_notes(tmp_path):
    d = tmp_path / "jssp"
    (d / "sub").mkdir(parents=True)
    (d / "ft06.txt").write_text(FT06)
    (d / "sub" / "tiny.txt").write_text("2 2\n0 3 1 2\n1 4 0 1\n")
    (d / "bad.txt").write_text("2 2\n0 3 1 2\n0 3 1\n")
    (d / "bounds.csv").write_text("instance,file\nft06,ft06.txt\n")
    (d / "README.md").write_text("notes")
    (d / ".hidden").write_text("x")
    out = d / "results"  # OUTDIR inside an input folder: its files are never inputs
    args = ["batch", str(d), "-o", str(out), "--format", "jssp", "-t", "20"]
    r = runner.invoke(app, args)
    assert r.exit_code == 1, r.output
    rows = summary(out)
    assert sorted(rows) == ["bad.txt", "ft06.txt", "tiny.txt"]
    assert rows["ft06.txt"]["status"] == "optimal" and rows["ft06.txt"]["objective"] == "55"
    assert rows["tiny.txt"]["status"] == "optimal" and rows["tiny.txt"]["objective"] == "6"
    assert "bad.txt line 3: expected 4 numbers" in rows["bad.txt"]["error"]
    assert (out / "sub" / "tiny.json").is_file()  # sub-folders are mirrored in OUTDIR
    again, _ = discover([str(d)], "jssp", out)  # a second run would not read the results
    assert sorted(i.path.name for i in again) == ["bad.txt", "ft06.txt", "tiny.txt"]


def test_discover_names_results_without_collisions(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "plan.json").write_text("{}")
    (tmp_path / "a" / "plan.txt").write_text("")
    found, warnings = discover(
        [str(tmp_path / "a" / "plan.json"), str(tmp_path / "b"), str(tmp_path / "nothing*.json")]
    )
    assert [f.result_name for f in found] == ["plan.json", "plan-2.json"]
    assert warnings == [f"{tmp_path / 'nothing*.json'}: matches no file"]
    (tmp_path / "a" / "plan.fjs").write_text("")
    found, _ = discover([str(tmp_path / "a")], fmt="jssp")  # *.json are requests: not taken
    assert [f.result_name for f in found] == ["plan.fjs.json", "plan.txt.json"]
    found, _ = discover([str(tmp_path / "a" / "plan.json"), str(tmp_path / "a" / "plan.txt")])
    assert [f.result_name for f in found] == ["plan.json", "plan.txt.json"]
    found, _ = discover([str(tmp_path / "*")])  # folders matched by a glob keep their names
    assert [f.result_name for f in found] == ["a/plan.json", "b/plan.json"]
    # the same file twice is one input
    found, _ = discover([str(tmp_path / "b"), str(tmp_path / "b" / "plan.json")])
    assert len(found) == 1


def test_unknown_format_and_no_inputs_are_usage_errors(tmp_path):
    r = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "o"), "-f", "nope"])
    assert r.exit_code == 2 and "unknown format 'nope'" in r.output
    r = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no inputs to solve" in r.output
    r = runner.invoke(app, ["batch", str(tmp_path), "-o", str(tmp_path / "o"), "-t", "0"])
    assert r.exit_code == 2 and "options.time_limit_s: Input should be greater than 0" in r.output


def test_defaults_fill_the_cores_and_oversubscription_is_warned():
    assert choose_parallelism(8, 100, None, None) == (8, 1)
    assert choose_parallelism(8, 3, None, None) == (3, 2)  # fewer inputs than cores
    assert choose_parallelism(8, 100, None, 2) == (4, 2)
    assert choose_parallelism(8, 100, 2, None) == (2, 4)
    assert choose_parallelism(2, 100, 4, 4) == (4, 4)  # as given
    assert oversubscription({"h": (2, 2)}, 1) == []
    (w,) = oversubscription({"h": (4, 2)}, 4)
    assert "16 threads on 2 cores" in w


def test_cli_warns_when_solves_times_workers_exceed_the_cores(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps(jobshop(2, 2, seed=3)))
    cores = len(os.sched_getaffinity(0))
    args = ["batch", str(tmp_path / "x.json"), "-o", str(tmp_path / "o")]
    r = runner.invoke(app, [*args, "-n", "1", "-k", str(cores + 1)])
    assert r.exit_code == 0, r.output
    assert f"{cores + 1} threads on {cores} cores" in r.stderr


def test_a_crashing_or_hanging_worker_fails_only_its_own_input(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    crash, hang = jobshop(2, 2, seed=1), jobshop(2, 2, seed=2)
    crash["instance"]["name"], hang["instance"]["name"] = "crash", "hang"
    for name, req in [("a", jobshop(3, 3, seed=3)), ("b_crash", crash), ("c_hang", hang),
                      ("d", jobshop(3, 3, seed=4)), ("e", jobshop(3, 2, seed=5))]:  # fmt: skip
        (d / f"{name}.json").write_text(json.dumps(req))
    inputs, _ = discover([str(d)])
    ex = LocalExecutor(2, grace_s=3.0, task=crashing_task)
    try:
        report = run_batch(inputs, tmp_path / "out", ex, options={"time_limit_s": 0.5})
    finally:
        ex.close()
    rows = {Path(r.input).stem: r for r in report.rows}
    assert rows["b_crash"].status == "crashed" and "exit code 3" in rows["b_crash"].error
    assert rows["c_hang"].status == "crashed" and "no answer after" in rows["c_hang"].error
    assert [rows[k].status for k in ("a", "d", "e")] == ["optimal"] * 3
    assert rows["b_crash"].model == "scheduling"
    assert len(report.failed) == 2


def test_executor_interface_result_invalid_and_cancel(tmp_path):
    with LocalExecutor(2) as ex:
        ok = ex.submit(jobshop(3, 3, seed=1), {"workers": 1})
        bad = ex.submit({"model": "scheduling", "instance": {"machines": []}}, None)
        slow = ex.submit(jobshop(15, 15, seed=9), {"time_limit_s": 60, "workers": 1})
        res = opsplan.SolveResult.from_json(ok.result(timeout=30))
        assert res.status == opsplan.SolveStatus.OPTIMAL and res.violations == []
        with pytest.raises(opsplan.InvalidInput) as e:
            bad.result(timeout=30)
        assert {p.where for p in e.value.problems} >= {"instance.machines", "instance.jobs"}
        inner = slow._on_cancel.__self__  # type: ignore[attr-defined]  # Pebble's future
        deadline = time.monotonic() + 60
        while not inner.running():
            assert time.monotonic() < deadline, "the slow solve never started"
            time.sleep(0.05)
        before = set(ex.worker_pids())
        assert slow.cancel()
        with pytest.raises(CancelledError):
            slow.result()
        # the pool lives on after a running solve was cancelled: its process was ended and
        # replaced (not left to solve for 60 s), and the next solve runs
        again = ex.submit(jobshop(3, 3, seed=2), {"workers": 1})
        assert opsplan.SolveResult.from_json(again.result(timeout=60)).status == "optimal"
        ended = before - set(ex.worker_pids())
        assert len(ended) == 1 and not any(Path(f"/proc/{pid}").exists() for pid in ended)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_cleanly_and_keeps_what_finished(tmp_path, sig):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_quick.json").write_text(json.dumps(jobshop(3, 3, seed=1)))
    for i in range(2):
        (d / f"b_slow{i}.json").write_text(json.dumps(jobshop(15, 15, seed=9 + i)))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "opsplan.cli", "batch", str(d), "-o", str(out)]
    cmd += ["-n", "1", "-k", "1", "-t", "60"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not (out / "a_quick.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # b_slow0 is running now
    os.killpg(proc.pid, sig)  # as Ctrl-C in a terminal: the whole process group
    stdout, stderr = proc.communicate(timeout=60)  # the run stops, not after its 60 s limit
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted: 2 inputs not solved" in stderr
    rows = summary(out)
    assert rows["a_quick.json"]["status"] == "optimal"
    assert rows["b_slow0.json"]["status"] == "cancelled"
    assert "before it finished" in rows["b_slow0.json"]["error"]
    assert rows["b_slow1.json"]["status"] == "cancelled"
    assert sorted(p.name for p in out.iterdir()) == ["a_quick.json", "summary.csv"]
    assert "3 inputs: 2 cancelled, 1 optimal" in stdout
