"""Internal failures over HTTP: a short answer with an incident id, never the exception's text;
the server log has the id with the traceback. A faked family fails in each way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsplan.api import create_app
from opsplan.core.run import Outcome

from ..core.helpers import fake_spec, registered, request
from .helpers import HeldExecutor, ThreadExecutor, settings_for, wait_state

SECRET = "ortools.sat.python.cp_model_helper.LinearExpr cov_under_0/E(0..1)"
INCIDENT = re.compile(r"\(incident ([0-9a-f]{12}); the log has the details\)")


def boom(*args: Any) -> Any:
    raise TypeError(SECRET)


def logged(caplog: pytest.LogCaptureFixture, iid: str) -> None:
    (rec,) = [r for r in caplog.records if getattr(r, "incident", None) == iid]
    assert rec.exc_info is not None and SECRET in str(rec.exc_info[1])


def test_a_solve_that_raises_answers_an_error_result_naming_the_incident(tmp_path, caplog):
    def solve(inst: Any, opts: Any, ctx: Any) -> Outcome:
        raise TypeError(SECRET)

    app = create_app(settings_for(tmp_path), HeldExecutor)
    with registered(fake_spec(solve=solve)), TestClient(app) as c:
        r = c.post("/v1/solve", json=request([1]))
    assert r.status_code == 200 and r.json()["status"] == "error"
    assert SECRET not in r.text and "TypeError" not in r.text
    (msg,) = r.json()["messages"]
    m = INCIDENT.search(msg)
    assert m is not None and msg.startswith("internal error while solving")
    logged(caplog, m.group(1))


def test_a_pipeline_that_raises_answers_500_with_the_workers_incident(tmp_path, caplog):
    app = create_app(settings_for(tmp_path), HeldExecutor)
    with (
        registered(fake_spec(validate=boom)),
        TestClient(app, raise_server_exceptions=False) as c,
    ):
        r = c.post("/v1/solve", json=request([1]))
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"detail", "incident"} and SECRET not in r.text
    assert INCIDENT.search(body["detail"]).group(1) == body["incident"]  # type: ignore[union-attr]
    logged(caplog, body["incident"])


def test_a_job_whose_pipeline_raises_fails_naming_the_incident(tmp_path, caplog):
    app = create_app(settings_for(tmp_path), ThreadExecutor)
    with registered(fake_spec(validate=boom)), TestClient(app) as c:
        # stored directly: POST /v1/jobs validates first, and that raises here too
        svc = c.app.state.service  # type: ignore[attr-defined]
        j = svc.store.add_job("fake_family", request([1]))
        svc.executor.notify()
        job = wait_state(c, j.id)
    assert job["state"] == "failed" and SECRET not in str(job)
    m = INCIDENT.search(job["error"])
    assert m is not None and job["error"].startswith("internal error while solving")
    logged(caplog, m.group(1))
