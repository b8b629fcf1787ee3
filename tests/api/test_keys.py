"""API keys: their formats, jobs scoped to the key that submitted them, admin keys, the rate and
job limits per key, the owner column of stores from before it, and the warning for an open
service beyond loopback."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opsplan.api import Settings, create_app
from opsplan.api.app import exposure_warning, is_loopback
from opsplan.api.deps import owner_of
from opsplan.api.store import Store
from opsplan.cli import app as cli_app

from .helpers import HeldExecutor, held_client, settings_for, small

A = {"X-API-Key": "key-a"}
B = {"Authorization": "Bearer key-b"}
ADMIN = {"X-API-Key": "root-1"}


def keyed(tmp_path, **kw) -> TestClient:
    kw = {"api_keys": ["key-a", "key-b"], "admin_keys": ["root-1"], **kw}
    return held_client(tmp_path, **kw)


# --- formats ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "keys"),
    [
        ("abc", ["abc"]),
        (" k1 , k2,k3 ", ["k1", "k2", "k3"]),
        ('["k1", "with,comma"]', ["k1", "with,comma"]),
        ("", []),
    ],
)
def test_keys_from_the_environment_in_three_formats(monkeypatch, tmp_path, value, keys):
    monkeypatch.setenv("OPSPLAN_API_KEYS", value)
    monkeypatch.setenv("OPSPLAN_ADMIN_KEYS", "boss")
    s = Settings(data_dir=tmp_path)
    assert s.api_keys == keys and s.admin_keys == ["boss"] and s.keys_on


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("a,,b", "key 2 of 3 is empty"),
        ("abc,", "key 2 of 2 is empty"),
        ('["abc"', "not a JSON list"),
        ("[1, 2]", "strings only"),
        ('[""]', "key 1 of 1 is empty"),
    ],
)
def test_a_bad_key_setting_is_one_line_naming_the_variable(monkeypatch, value, says):
    monkeypatch.setenv("OPSPLAN_API_KEYS", value)
    result = CliRunner().invoke(cli_app, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("opsplan serve: OPSPLAN_API_KEYS: ") and says in lines[0]
    assert "Traceback" not in result.output


def test_the_single_key_serves(monkeypatch, tmp_path):
    monkeypatch.setenv("OPSPLAN_API_KEYS", "abc")
    with TestClient(create_app(settings_for(tmp_path), HeldExecutor)) as c:
        assert c.get("/v1/models").status_code == 401
        assert c.get("/v1/models", headers={"X-API-Key": "abc"}).status_code == 200


# --- scoping ----------------------------------------------------------------------------------
def test_a_key_sees_and_cancels_only_its_own_jobs_and_an_admin_sees_all(tmp_path):
    with keyed(tmp_path) as c:
        ja = c.post("/v1/jobs", json=small(), headers=A).json()["id"]
        jb = c.post("/v1/jobs", json=small(), headers=B).json()["id"]
        jroot = c.post("/v1/jobs", json=small(), headers=ADMIN).json()["id"]

        # B cannot see, read, stream or cancel A's job: 404 as for no job at all
        for method, path in (
            ("GET", f"/v1/jobs/{ja}"),
            ("GET", f"/v1/jobs/{ja}/result"),
            ("GET", f"/v1/jobs/{ja}/events"),
            ("DELETE", f"/v1/jobs/{ja}"),
        ):
            for other in (B, {"X-API-Key": "key-b"}):
                r = c.request(method, path, headers=other)
                assert r.status_code == 404, (method, path, r.text)
                assert r.json() == {"detail": f"no job {ja!r}"}
        assert c.get(f"/v1/jobs/{ja}", headers=A).json()["cancel_requested"] is False
        assert c.get(f"/v1/jobs/{jroot}", headers=A).status_code == 404

        # each key's list holds its own jobs only
        mine = c.get("/v1/jobs", headers=A).json()
        assert [j["id"] for j in mine["items"]] == [ja] and mine["total"] == 1
        assert [j["id"] for j in c.get("/v1/jobs", headers=B).json()["items"]] == [jb]
        queued = c.get("/v1/jobs?state=queued", headers=B).json()
        assert queued["total"] == 1

        # the admin sees all three and cancels B's job; B sees it cancelled
        everything = c.get("/v1/jobs", headers=ADMIN).json()
        assert {j["id"] for j in everything["items"]} == {ja, jb, jroot}
        assert c.get(f"/v1/jobs/{ja}", headers=ADMIN).status_code == 200
        assert c.delete(f"/v1/jobs/{jb}", headers=ADMIN).status_code == 202
        assert c.get(f"/v1/jobs/{jb}", headers=B).json()["state"] == "cancelled"

        # A cancels its own
        assert c.delete(f"/v1/jobs/{ja}", headers=A).status_code == 202
        assert c.get(f"/v1/jobs/{ja}", headers=A).json()["state"] == "cancelled"


def test_without_keys_every_client_sees_every_job(tmp_path):
    with held_client(tmp_path) as c:
        jid = c.post("/v1/jobs", json=small()).json()["id"]
        assert c.get(f"/v1/jobs/{jid}", headers=A).status_code == 200
        assert c.get("/v1/jobs").json()["total"] == 1


# --- limits -----------------------------------------------------------------------------------
class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_rate_limit_per_key_counts_requests_and_answers_retry_after(tmp_path):
    clock = FakeClock()
    with keyed(tmp_path, rate_limit_per_minute=2) as c:
        c.app.state.rate_limiter.clock = clock
        codes = [c.get("/v1/jobs", headers=A).status_code for _ in range(5)]
        assert codes == [200, 200, 429, 429, 429]
        r = c.get("/v1/models", headers=A)
        assert r.status_code == 429 and r.headers["Retry-After"] == "30"
        assert "2 requests a minute" in r.json()["detail"]
        # the other key has its own bucket; no key at all is still 401, not 429
        assert [c.get("/v1/jobs", headers=B).status_code for _ in range(3)] == [200, 200, 429]
        assert c.get("/v1/jobs").status_code == 401
        # half a minute gives one token back (2 a minute), a whole minute two
        clock.t += 30
        assert [c.get("/v1/jobs", headers=A).status_code for _ in range(2)] == [200, 429]
        clock.t += 60
        codes = [c.post("/v1/validate", json=small(), headers=A).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        # /healthz needs no key and is not limited
        assert c.get("/healthz").status_code == 200


def test_rate_limit_zero_is_off(tmp_path):
    with keyed(tmp_path, rate_limit_per_minute=0) as c:
        assert all(c.get("/v1/jobs", headers=A).status_code == 200 for _ in range(30))


def test_unfinished_jobs_per_key(tmp_path):
    with keyed(tmp_path, max_jobs_per_key=2, rate_limit_per_minute=0) as c:
        first = [c.post("/v1/jobs", json=small(), headers=A) for _ in range(3)]
        assert [r.status_code for r in first] == [202, 202, 429]
        assert first[2].headers["Retry-After"] == "5"
        assert "2 unfinished jobs" in first[2].json()["detail"]
        assert c.post("/v1/jobs", json=small(), headers=B).status_code == 202
        # a finished (here: cancelled) job no longer counts
        assert c.delete(f"/v1/jobs/{first[0].json()['id']}", headers=A).status_code == 202
        assert c.post("/v1/jobs", json=small(), headers=A).status_code == 202
        assert c.post("/v1/jobs", json=small(), headers=A).status_code == 429


# --- a store from the previous version --------------------------------------------------------
OLD_SCHEMA = """
CREATE TABLE jobs (
    id VARCHAR(32) NOT NULL, model VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL, started_at DATETIME, finished_at DATETIME,
    request TEXT NOT NULL, result TEXT, result_status VARCHAR(32), runtime_s FLOAT, error TEXT,
    cancel_requested BOOLEAN NOT NULL, attempts INTEGER NOT NULL, solutions INTEGER NOT NULL,
    objective FLOAT, bound FLOAT, gap FLOAT, elapsed_s FLOAT, PRIMARY KEY (id)
);
CREATE INDEX ix_jobs_created_at ON jobs (created_at);
CREATE INDEX ix_jobs_state ON jobs (state);
CREATE TABLE job_events (
    id INTEGER NOT NULL, job_id VARCHAR(32) NOT NULL, kind VARCHAR(16) NOT NULL,
    data TEXT NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id),
    FOREIGN KEY(job_id) REFERENCES jobs (id)
);
CREATE INDEX ix_job_events_job_id ON job_events (job_id);
INSERT INTO jobs VALUES ('0ld', 'scheduling', 'succeeded', '2026-01-05 08:00:00.000000',
    NULL, '2026-01-05 08:00:01.000000', '{}', '{"status": "optimal"}', 'optimal', 0.5, NULL,
    0, 1, 1, 6.0, 6.0, 0.0, 0.5);
"""


def test_a_store_from_the_previous_version_opens_and_keeps_its_jobs(tmp_path):
    db = tmp_path / "opsplan.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(OLD_SCHEMA)
    with keyed(tmp_path, database_url=f"sqlite:///{db}") as c:
        # the old job has no owner: only an admin sees it
        assert c.get("/v1/jobs/0ld", headers=A).status_code == 404
        old = c.get("/v1/jobs/0ld", headers=ADMIN).json()
        assert old["state"] == "succeeded" and old["result_status"] == "optimal"
        assert c.get("/v1/jobs/0ld/result", headers=ADMIN).json() == {"status": "optimal"}
        jid = c.post("/v1/jobs", json=small(), headers=A).json()["id"]
        assert c.get("/v1/jobs", headers=A).json()["total"] == 1
        assert c.get("/v1/jobs", headers=ADMIN).json()["total"] == 2
    store = Store(f"sqlite:///{db}", create=True)  # opening it again changes nothing
    try:
        job = store.get(jid)
        assert job is not None and job.owner == owner_of("key-a") != "key-a"
    finally:
        store.dispose()
    with sqlite3.connect(db) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "ix_jobs_owner" in indexes


# --- the warning ------------------------------------------------------------------------------
def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.10", "10.1.2.3"))


def test_warning_when_open_beyond_loopback(tmp_path, caplog):
    open_settings = settings_for(tmp_path)
    assert exposure_warning("127.0.0.1", open_settings) is None
    assert exposure_warning("0.0.0.0", settings_for(tmp_path, api_keys=["k"])) is None
    assert exposure_warning("0.0.0.0", settings_for(tmp_path, admin_keys=["k"])) is None
    text = exposure_warning("0.0.0.0", open_settings)
    assert text is not None and "0.0.0.0" in text and "OPSPLAN_API_KEYS" in text

    with (
        caplog.at_level(logging.WARNING, logger="opsplan.api"),
        TestClient(create_app(open_settings, HeldExecutor, host="0.0.0.0")),
    ):
        pass
    assert [r.getMessage() for r in caplog.records if r.name == "opsplan.api"] == [text]
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="opsplan.api"),
        TestClient(create_app(open_settings, HeldExecutor, host="127.0.0.1")),
    ):
        pass
    assert not [r for r in caplog.records if "without API keys" in r.getMessage()]


def test_opsplan_serve_prints_the_warning(monkeypatch, tmp_path):
    served = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.append(kw["host"]))
    monkeypatch.delenv("OPSPLAN_API_KEYS", raising=False)
    monkeypatch.delenv("OPSPLAN_ADMIN_KEYS", raising=False)
    runner = CliRunner()
    args = ["serve", "--data-dir", str(tmp_path), "--port", "1"]
    result = runner.invoke(cli_app, [*args, "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "WARNING: serving on 0.0.0.0 without API keys" in result.output
    result = runner.invoke(cli_app, [*args, "--host", "0.0.0.0"], env={"OPSPLAN_API_KEYS": "k"})
    assert result.exit_code == 0 and "WARNING" not in result.output
    result = runner.invoke(cli_app, args)  # 127.0.0.1
    assert result.exit_code == 0 and "WARNING" not in result.output
    assert served == ["0.0.0.0", "0.0.0.0", "127.0.0.1"]
