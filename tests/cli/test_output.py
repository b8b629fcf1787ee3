"""`opsplan solve -o`: an output that cannot be written is refused before the solve (exit 2,
naming -o, nothing written); one that fails after the solve keeps the plan."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsplan import cli, cli_files
from opsplan.core.result import SolveResult

from ..api.helpers import small

runner = CliRunner()


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    p = tmp_path / "small.json"
    p.write_text(json.dumps(small()))
    return p


@pytest.fixture
def solves(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records each solve the CLI starts (and runs it)."""
    calls: list[object] = []
    real = cli.solve_request

    def counting(*a, **kw):
        calls.append(a)
        return real(*a, **kw)

    monkeypatch.setattr(cli, "solve_request", counting)
    return calls


def unwritable(tmp_path: Path) -> list[tuple[str, str]]:
    """(-o value, what the message says) for outputs that cannot be written."""
    a_file = tmp_path / "plan.xlsx"
    a_file.write_text("not a folder")
    return [
        (f"{a_file}/out.json", f"{a_file} is a file, not a folder"),
        (f"{a_file}/deeper/out.json", f"{a_file} is a file, not a folder"),
        (f"{a_file}/", "it is a file, and CSV results need a folder"),
        ("/proc/out.json", "cannot create files in /proc"),
    ]


@pytest.mark.parametrize("k", range(4))
def test_an_unwritable_output_is_refused_before_solving(tmp_path, instance, solves, k):
    target, says = unwritable(tmp_path)[k]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    r = runner.invoke(cli.app, ["solve", str(instance), "-o", target])
    assert r.exit_code == 2, r.output
    assert "-o" in r.output and f"cannot write {target}" in r.output and says in r.output
    assert "Traceback" not in r.output
    assert solves == []  # refused before the solve
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written


def test_a_read_only_folder_is_refused_unless_root(tmp_path, instance, solves):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        r = runner.invoke(cli.app, ["solve", str(instance), "-o", str(locked / "r.json")])
    finally:
        locked.chmod(0o700)
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0o500)
    try:  # root may write anywhere: then the CLI must accept it too
        (probe / "x").write_text("")
        can_write = True
    except PermissionError:
        can_write = False
    finally:
        probe.chmod(0o700)
    if can_write:
        assert r.exit_code == 0 and (locked / "r.json").exists()
    else:
        assert r.exit_code == 2 and f"cannot create files in {locked}" in r.output
        assert solves == []


def test_a_writable_output_in_new_folders_is_written(tmp_path, instance):
    target = tmp_path / "new" / "deeper" / "r.json"
    r = runner.invoke(cli.app, ["solve", str(instance), "-o", str(target)])
    assert r.exit_code == 0, r.output
    assert SolveResult.model_validate_json(target.read_text()).objective is not None


def test_a_write_that_fails_after_the_solve_keeps_the_plan(tmp_path, instance, monkeypatch):
    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli_files, "write_output", full)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    r = runner.invoke(cli.app, ["solve", str(instance), "-o", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 1
    assert f"cannot write {tmp_path / 'r.xlsx'}: No space left on device" in r.output
    assert "Traceback" not in r.output
    (kept,) = tmp_path.glob("opsplan-result-*.json")
    assert f"the result is kept in {kept}" in r.output
    res = SolveResult.model_validate_json(kept.read_text())
    assert res.solution is not None and res.status.is_answer


def test_when_even_the_kept_copy_fails_the_result_goes_to_stdout(tmp_path, instance, monkeypatch):
    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli_files, "write_output", full)
    monkeypatch.setattr(cli_files, "keep_result", lambda res: "")
    r = runner.invoke(cli.app, ["solve", str(instance), "-o", str(tmp_path / "r.json")])
    assert r.exit_code == 1 and "the result follows on stdout" in r.output
    doc = json.loads(r.stdout[r.stdout.index('{\n  "schema_version"') :])
    assert doc["solution"] is not None
