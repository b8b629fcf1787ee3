"""Every route of the service, through TestClient on the real worker pool and a temporary store."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import jsonschema
import pytest
from fastapi.testclient import TestClient

import opsplan
from opsplan.api import create_app
from opsplan.core import registry

from .helpers import long_job, parse_sse, real_client, settings_for, small, wait_state

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # a stream that never ends by itself closes after a minute, so a test fails, not hangs
    yield from real_client(tmp_path_factory, events_max_s=60)


def test_models_list_every_registered_model(client):
    r = client.get("/v1/models")
    assert r.status_code == 200
    got = {m["name"]: m for m in r.json()}
    assert set(got) == set(registry.names())
    for spec in registry.all_specs():
        assert got[spec.name]["description"] == spec.description


def test_model_schema_accepts_the_example_and_rejects_junk(client):
    for name in registry.names():
        r = client.get(f"/v1/models/{name}/schema")
        assert r.status_code == 200
        schema = r.json()
        jsonschema.Draft202012Validator.check_schema(schema)
        v = jsonschema.Draft202012Validator(schema)
        for example in (ROOT / "instances" / name).glob("*.json"):
            assert list(v.iter_errors(json.loads(example.read_text()))) == [], example
        assert list(v.iter_errors({"model": name, "instance": {}, "bogus": 1}))
    r = client.get("/v1/models/nope/schema")
    assert r.status_code == 404
    assert "scheduling" in r.json()["detail"]


def test_solve_answers_a_checked_optimal_result(client):
    r = client.post("/v1/solve", json=small())
    assert r.status_code == 200, r.text
    res = opsplan.SolveResult.model_validate(r.json())
    assert res.status == opsplan.SolveStatus.OPTIMAL
    assert res.objective == 6  # hand-computed: B on M2 first (0-4), a2 after it (4-6)
    assert res.violations == []
    assert res.solution is not None and len(res.solution["operations"]) == 3
    assert res.objective == opsplan.solve(small()).objective


def test_solve_caps_time_limit_and_threads(client):
    req = small()
    req["options"] = {"time_limit_s": 50, "workers": 2}
    res = client.post("/v1/solve", json=req).json()
    assert res["options"]["time_limit_s"] == 5  # sync_time_limit_s of the test settings
    assert res["options"]["workers"] == 1  # workers_per_solve


def test_solve_reports_every_problem_at_once(client):
    req = small()
    req["instance"]["jobs"][0]["operations"][1]["machines"][0]["machine"] = "M9"
    req["instance"]["jobs"][1]["operations"][0]["machines"][0]["duration"] = -1
    req["options"] = {"time_limit_s": 1000, "colour": "red"}
    r = client.post("/v1/solve", json=req)
    assert r.status_code == 422
    body = r.json()
    wheres = {p["where"] for p in body["problems"]}
    assert "options.time_limit_s" in wheres  # above max_time_limit_s (60)
    assert "options.colour" in wheres
    assert "instance.jobs[1].operations[0].machines[0].duration" in wheres
    assert str(len(body["problems"])) in body["detail"]


def test_body_that_is_not_a_request_gives_422_problems(client):
    r = client.post("/v1/solve", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["problems"]
    r = client.post("/v1/jobs", json={"instance": {}, "extra": 1})
    assert r.status_code == 422
    wheres = {p["where"] for p in r.json()["problems"]}
    assert {"model", "extra"} <= wheres


def test_validate(client):
    r = client.post("/v1/validate", json=small())
    assert r.status_code == 200
    assert r.json() == {"valid": True, "problems": []}
    bad = small()
    bad["model"] = "nope"
    r = client.post("/v1/validate", json=bad)
    assert r.status_code == 200
    assert r.json()["valid"] is False
    assert r.json()["problems"][0]["where"] == "model"


def test_job_from_submission_to_result_with_events(client, monkeypatch):
    r = client.post("/v1/jobs", json=small())
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] == "queued"
    assert r.headers["Location"] == f"/v1/jobs/{job['id']}"
    assert job["links"]["result"] == f"/v1/jobs/{job['id']}/result"
    done = wait_state(client, job["id"])
    assert done["state"] == "succeeded"
    assert done["result_status"] == "optimal"
    assert done["started_at"] and done["finished_at"] and done["attempts"] == 1
    assert done["progress"]["solutions"] >= 1 and done["progress"]["objective"] == 6
    res = client.get(job["links"]["result"]).json()
    assert res["objective"] == 6 and res["violations"] == []
    with client.stream("GET", job["links"]["events"]) as st:
        events = parse_sse(st.read().decode())
    kinds = [(e, json.loads(d).get("state")) for _, e, d in events]
    assert kinds[0] == ("state", "queued") and kinds[1] == ("state", "running")
    assert kinds[-1] == ("state", "succeeded")
    assert any(e == "progress" for e, _ in kinds)
    # resuming after the last event id gives nothing new but still ends
    last = events[-2][0]
    with client.stream("GET", job["links"]["events"], headers={"Last-Event-ID": last}) as st:
        rest = parse_sse(st.read().decode())
    assert [e for _, e, _ in rest] == ["state"]
    # resuming after the final event ends at once: after one look at the store, not waiting
    # for events that will never come
    store = client.app.state.service.store  # type: ignore[attr-defined]
    looks: list[int] = []
    real_events_after = store.events_after

    def events_after(job_id: str, after: int):
        looks.append(after)
        return real_events_after(job_id, after)

    monkeypatch.setattr(store, "events_after", events_after)
    with client.stream(
        "GET", job["links"]["events"], headers={"Last-Event-ID": events[-1][0]}
    ) as st:
        assert parse_sse(st.read().decode()) == []
    assert looks == [int(events[-1][0])]


def test_list_pages_and_filters(client):
    ids = [client.post("/v1/jobs", json=small()).json()["id"] for _ in range(3)]
    for i in ids:
        wait_state(client, i)
    page = client.get("/v1/jobs", params={"limit": 2}).json()
    assert page["limit"] == 2 and len(page["items"]) == 2 and page["total"] >= 3
    assert page["next"] is not None
    seen = [j["id"] for j in page["items"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [j["id"] for j in page["items"]]
    assert set(ids) <= set(seen) and len(seen) == len(set(seen))
    ok = client.get("/v1/jobs", params={"state": "succeeded", "limit": 500}).json()
    assert all(j["state"] == "succeeded" for j in ok["items"])
    assert set(ids) <= {j["id"] for j in ok["items"]}
    assert client.get("/v1/jobs", params={"state": "cancelled"}).json()["items"] == []
    assert client.get("/v1/jobs", params={"state": "bogus"}).status_code == 422


def test_unknown_job_404_and_finished_job_cannot_be_cancelled(client):
    for method, path in [
        ("GET", "/v1/jobs/nope"),
        ("GET", "/v1/jobs/nope/result"),
        ("GET", "/v1/jobs/nope/events"),
        ("DELETE", "/v1/jobs/nope"),
    ]:
        assert client.request(method, path).status_code == 404, path
    jid = client.post("/v1/jobs", json=small()).json()["id"]
    wait_state(client, jid)
    r = client.delete(f"/v1/jobs/{jid}")
    assert r.status_code == 409


def test_cancel_keeps_the_incumbent(tmp_path_factory):
    """A 15x15 job shop with 600 s: cancelled after its first incumbent, it stops (the wait
    below is far shorter than its limit) and the best plan found is the result, accepted by the
    checker."""
    app = create_app(settings_for(tmp_path_factory.mktemp("cancel"), max_time_limit_s=600))
    with TestClient(app) as client:
        _cancel_keeps_the_incumbent(client)


def _cancel_keeps_the_incumbent(client: TestClient) -> None:
    req = long_job(1, limit_s=600)
    jid = client.post("/v1/jobs", json=req).json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        j = client.get(f"/v1/jobs/{jid}").json()
        if j["progress"] and j["progress"]["solutions"] >= 1:
            break
        time.sleep(0.05)
    assert j["state"] == "running", j
    seen_obj = j["progress"]["objective"]
    r = client.get(f"/v1/jobs/{jid}/result")
    assert r.status_code == 409  # not finished
    r = client.delete(f"/v1/jobs/{jid}")
    assert r.status_code == 202 and r.json()["cancel_requested"] is True
    done = wait_state(client, jid, timeout=60)  # the state is final once the solve has ended
    assert done["state"] == "cancelled"
    res = opsplan.SolveResult.model_validate(client.get(f"/v1/jobs/{jid}/result").json())
    assert res.status == opsplan.SolveStatus.FEASIBLE
    assert res.solution is not None and res.violations == []
    assert res.objective is not None and res.objective <= seen_obj
    assert any("cancel" in m for m in res.messages)
    # the checker, run here apart from the service, accepts the plan
    spec = registry.get("scheduling")
    inst = spec.instance_type.model_validate(req["instance"])
    report = spec.check(inst, res.solution)
    assert report.violations == [] and report.objective == res.objective


def test_healthz_and_metrics(client):
    h = client.get("/healthz")
    assert h.status_code == 200
    assert h.json()["status"] == "ok" and h.json()["database"] is True
    assert h.json()["workers"] == 2
    jid = client.post("/v1/jobs", json=small()).json()["id"]
    wait_state(client, jid)
    client.post("/v1/solve", json=small())
    m = client.get("/metrics")
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
    from prometheus_client.parser import text_string_to_metric_families

    fams = {f.name: f for f in text_string_to_metric_families(m.text)}
    by_state = {s.labels["state"]: s.value for s in fams["opsplan_jobs"].samples}
    listed = client.get("/v1/jobs", params={"state": "succeeded"}).json()["total"]
    assert by_state["succeeded"] == listed >= 1
    assert fams["opsplan_queue_length"].samples[0].value >= 0
    counts = {
        s.labels["kind"]: s.value
        for s in fams["opsplan_solve_duration_seconds"].samples
        if s.name.endswith("_count")
    }
    assert counts["job"] >= 1 and counts["sync"] >= 1
