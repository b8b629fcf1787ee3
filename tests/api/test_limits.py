"""Keys (401), sizes (413), queue (429), limits (422), CORS and error bodies, on the web layer."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from opsplan.api import create_app

from .helpers import HeldExecutor, held_client, settings_for, small

ROUTES = [
    ("GET", "/v1/models", None),
    ("GET", "/v1/models/scheduling/schema", None),
    ("POST", "/v1/solve", small()),
    ("POST", "/v1/validate", small()),
    ("POST", "/v1/jobs", small()),
    ("GET", "/v1/jobs", None),
    ("GET", "/v1/jobs/x", None),
    ("GET", "/v1/jobs/x/result", None),
    ("GET", "/v1/jobs/x/events", None),
    ("DELETE", "/v1/jobs/x", None),
    ("GET", "/metrics", None),
]


def test_api_keys(tmp_path):
    with held_client(tmp_path, api_keys=["k-one", "k-two"]) as c:
        jid = None
        for method, path, body in ROUTES:
            for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
                r = c.request(method, path, json=body, headers=headers)
                assert r.status_code == 401, (method, path, headers)
                assert set(r.json()) == {"detail"}
                assert "scheduling" not in r.text
        r = c.post("/v1/jobs", json=small(), headers={"X-API-Key": "k-two"})
        assert r.status_code == 202
        jid = r.json()["id"]
        r = c.get(f"/v1/jobs/{jid}", headers={"Authorization": "Bearer k-two"})
        assert r.status_code == 200 and r.json()["id"] == jid
        # another key's job is no job at all (tests/api/test_keys.py)
        assert c.get(f"/v1/jobs/{jid}", headers={"X-API-Key": "k-one"}).status_code == 404
        assert c.get("/v1/models", headers={"X-API-Key": "k-one"}).status_code == 200
        assert c.get("/metrics", headers={"X-API-Key": "k-one"}).status_code == 200
        assert c.get("/healthz").status_code == 200  # liveness needs no key
        # no key configured: no key needed
    with held_client(tmp_path / "open") as c:
        assert c.get("/v1/models").status_code == 200


def test_request_size_413(tmp_path):
    with held_client(tmp_path, max_request_bytes=2000) as c:
        big = small()
        big["instance"]["name"] = "x" * 3000
        for path in ("/v1/solve", "/v1/jobs", "/v1/validate"):
            r = c.post(path, json=big)
            assert r.status_code == 413, path
            assert "2000" in r.json()["detail"]
        # a chunked body without Content-Length is counted
        payload = json.dumps(big).encode()
        r = c.post(
            "/v1/validate",
            content=(payload[i : i + 500] for i in range(0, len(payload), 500)),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413
        assert c.post("/v1/validate", json=small()).status_code == 200
        assert c.get("/v1/jobs").json()["total"] == 0  # nothing was stored


def test_queue_full_429_with_retry_after(tmp_path):
    with held_client(tmp_path, max_queue=3, retry_after_s=7) as c:
        ids = [c.post("/v1/jobs", json=small()).json()["id"] for _ in range(3)]
        r = c.post("/v1/jobs", json=small())
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "7"
        assert "queue" in r.json()["detail"]
        assert c.get("/v1/jobs").json()["total"] == 3
        # cancelling a queued job frees a place at once, and it has no result
        r = c.delete(f"/v1/jobs/{ids[0]}")
        assert r.status_code == 202 and r.json()["state"] == "cancelled"
        r = c.get(f"/v1/jobs/{ids[0]}/result")
        assert r.status_code == 409 and "cancelled" in r.json()["detail"]
        assert c.post("/v1/jobs", json=small()).status_code == 202


def test_time_limit_above_the_maximum_is_422(tmp_path):
    with held_client(tmp_path, max_time_limit_s=100) as c:
        req = small()
        req["options"] = {"time_limit_s": 101}
        for path in ("/v1/jobs", "/v1/solve"):
            r = c.post(path, json=req)
            assert r.status_code == 422, path
            assert r.json()["problems"][0]["where"] == "options.time_limit_s"
        v = c.post("/v1/validate", json=req).json()
        assert v["valid"] is False
        req["options"] = {"time_limit_s": 100}
        assert c.post("/v1/jobs", json=req).status_code == 202


def test_job_stores_the_capped_threads(tmp_path):
    with held_client(tmp_path, workers_per_solve=1) as c:
        req = small()
        req["options"] = {"workers": 2, "time_limit_s": 3}
        jid = c.post("/v1/jobs", json=req).json()["id"]
        stored = json.loads(c.app.state.service.store.get(jid, bodies=True).request)  # type: ignore[attr-defined]
        assert stored["options"] == {"workers": 1, "time_limit_s": 3}


def test_cors_off_unless_configured(tmp_path):
    pre = {"Origin": "https://erp.example", "Access-Control-Request-Method": "POST"}
    with held_client(tmp_path) as c:
        r = c.get("/v1/models", headers={"Origin": "https://erp.example"})
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-origin" not in c.options("/v1/solve", headers=pre).headers
    with held_client(tmp_path / "cors", cors_origins=["https://erp.example"]) as c:
        r = c.options("/v1/solve", headers=pre)
        assert r.headers["access-control-allow-origin"] == "https://erp.example"
        r = c.options("/v1/solve", headers={**pre, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


class Exploding(HeldExecutor):
    def solve(self, request, overrides):
        raise RuntimeError("secret detail at /work/somewhere/internal.py line 3")


def test_internal_errors_show_no_trace_or_path(tmp_path, caplog):
    app = create_app(settings_for(tmp_path), Exploding)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/solve", json=small())
        assert r.status_code == 500
        iid = r.json()["incident"]
        assert re.fullmatch("[0-9a-f]{12}", iid)
        assert r.json()["detail"].startswith(f"internal error while answering (incident {iid}")
        for needle in ("Traceback", "/work", "secret", ".py"):
            assert needle not in r.text
        # the server log has the id with the traceback
        (rec,) = [x for x in caplog.records if getattr(x, "incident", None) == iid]
        assert "POST /v1/solve" in rec.getMessage() and rec.exc_info is not None
        assert "secret detail" in caplog.text and "Traceback" in caplog.text
        r = c.post("/v1/solve", json={"model": "scheduling"})
        assert r.status_code == 422
        assert "/work" not in r.text and "Traceback" not in r.text


class Blocking(HeldExecutor):
    """Synchronous solves wait until released."""

    release = threading.Event()
    entered = threading.Event()

    def solve(self, request, overrides):
        self.entered.set()
        assert self.release.wait(10)
        return super().solve(request, overrides)


def test_too_many_waiting_sync_solves_429(tmp_path):
    app = create_app(settings_for(tmp_path, max_sync_waiting=1, retry_after_s=3), Blocking)
    with TestClient(app) as c, ThreadPoolExecutor(1) as pool:
        first = pool.submit(c.post, "/v1/solve", json=small())
        assert Blocking.entered.wait(10)
        r = c.post("/v1/solve", json=small())
        assert r.status_code == 429 and r.headers["Retry-After"] == "3"
        assert c.get("/healthz").status_code == 200  # the rest of the API still answers
        Blocking.release.set()
        assert first.result(timeout=30).status_code == 200
        assert c.post("/v1/solve", json=small()).status_code == 200


@pytest.mark.parametrize("path", ["/v1/solve", "/v1/validate", "/v1/jobs"])
@pytest.mark.parametrize(
    "ctype, says",
    [
        ("text/plain", "not 'text/plain'"),
        ("application/x-www-form-urlencoded", "not 'application/x-www-form-urlencoded'"),
        (None, "and none was given"),
    ],
)
def test_a_body_not_sent_as_json_is_415_naming_content_type(tmp_path, path, ctype, says):
    headers = {"Content-Type": ctype} if ctype else {}
    with held_client(tmp_path) as c:
        r = c.post(path, content=json.dumps(small()), headers=headers)
        assert r.status_code == 415
        assert "Content-Type: application/json" in r.json()["detail"] and says in r.json()["detail"]
        assert r.headers["accept-post"] == "application/json"
        assert c.get("/v1/jobs").json()["items"] == []  # nothing was queued
        ok = c.post(path, content=json.dumps(small()), headers={"Content-Type": "application/json"})
        assert ok.status_code in (200, 202)
