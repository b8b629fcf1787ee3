""" "Did it answer?" is decided once (SolveStatus.is_answer): for every status, `opsplan solve`
exits 0, a batch counts the input ok and a service job ends `succeeded` exactly when the status
is an answer (a plan, or a proof that there is none); otherwise exit 1, not ok, `failed`, with
the result kept in every case. A probe family answers each status on demand."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opsplan.api import create_app
from opsplan.batch import discover, run_batch
from opsplan.cli import app
from opsplan.core.status import SolveStatus
from opsplan.runtime import LocalExecutor

from ..api.helpers import ThreadExecutor, settings_for
from . import helpers
from .helpers import probe_registered, probe_request

# written out, not derived from is_answer: the test fails if that definition drifts
ANSWERS = {SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[SolveStatus, Path]:
    d = tmp_path_factory.mktemp("probe")
    out = {}
    for s in SolveStatus:
        out[s] = d / f"{s.value}.json"
        out[s].write_text(json.dumps(probe_request(s)))
    return out


@pytest.fixture(scope="module")
def cli_exit(files: dict[SolveStatus, Path]) -> dict[SolveStatus, int]:
    with probe_registered():
        return {s: CliRunner().invoke(app, ["solve", str(f)]).exit_code for s, f in files.items()}


@pytest.fixture(scope="module")
def batch_ok(files, tmp_path_factory) -> dict[SolveStatus, bool]:
    inputs, _ = discover([str(p) for p in files.values()])
    with probe_registered(), LocalExecutor(1, task=helpers.probe_task) as ex:
        report = run_batch(inputs, tmp_path_factory.mktemp("out"), ex)
    rows = {Path(r.input).stem: r for r in report.rows}
    assert {r.status for r in report.rows} == {s.value for s in SolveStatus}  # each solved
    assert len(report.failed) == len(SolveStatus) - len(ANSWERS)  # the CLI's exit 1
    return {s: rows[s.value].ok for s in SolveStatus}


@pytest.fixture(scope="module")
def service_jobs(tmp_path_factory) -> dict[SolveStatus, dict[str, Any]]:
    out = {}
    app_ = create_app(settings_for(tmp_path_factory.mktemp("svc")), ThreadExecutor)
    with probe_registered(), TestClient(app_) as c:
        for s in SolveStatus:
            jid = c.post("/v1/jobs", json=probe_request(s)).json()["id"]
            deadline = time.monotonic() + 30
            while (job := c.get(f"/v1/jobs/{jid}").json())["state"] in ("queued", "running"):
                assert time.monotonic() < deadline, job
                time.sleep(0.02)
            result = c.get(f"/v1/jobs/{jid}/result")
            sync = c.post("/v1/solve", json=probe_request(s))
            out[s] = {**job, "result": result, "sync": sync}
    return out


@pytest.mark.parametrize("status", list(SolveStatus))
def test_cli_batch_and_service_agree(status, cli_exit, batch_ok, service_jobs):
    answer = status in ANSWERS
    assert status.is_answer == answer
    assert cli_exit[status] == (0 if answer else 1)
    assert batch_ok[status] == answer
    job = service_jobs[status]
    assert job["state"] == ("succeeded" if answer else "failed"), job
    assert job["result_status"] == status.value
    assert (job["error"] is None) == answer
    # the result is kept either way, and a synchronous solve answers it as it is
    assert job["result"].status_code == 200 and job["result"].json()["status"] == status.value
    assert job["sync"].status_code == 200 and job["sync"].json()["status"] == status.value


def test_invalid_input_is_its_own_verdict(tmp_path):
    bad = {"model": helpers.PROBE, "instance": {"status": "maybe"}}
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with probe_registered():
        assert CliRunner().invoke(app, ["solve", str(tmp_path / "bad.json")]).exit_code == 2
        with TestClient(create_app(settings_for(tmp_path / "svc"), ThreadExecutor)) as c:
            assert c.post("/v1/jobs", json=bad).status_code == 422
            assert c.post("/v1/solve", json=bad).status_code == 422
