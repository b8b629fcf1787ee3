"""The contract: api/openapi.json is the app's OpenAPI document; every model has examples."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import opsplan
from opsplan.core import registry

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_api_docs", ROOT / "tools" / "make_api_docs.py")
assert _spec is not None and _spec.loader is not None
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)


def test_openapi_document_matches_the_code():
    stored = json.loads((ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    current = json.loads(docs.openapi_text())
    assert stored == current, "api/openapi.json drifted: run python tools/make_api_docs.py"


def test_openapi_document_covers_every_route():
    doc = json.loads((ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    paths = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert paths == {
        ("GET", "/v1/models"),
        ("GET", "/v1/models/{name}/schema"),
        ("POST", "/v1/solve"),
        ("POST", "/v1/validate"),
        ("POST", "/v1/jobs"),
        ("GET", "/v1/jobs"),
        ("GET", "/v1/jobs/{job_id}"),
        ("GET", "/v1/jobs/{job_id}/result"),
        ("GET", "/v1/jobs/{job_id}/events"),
        ("DELETE", "/v1/jobs/{job_id}"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
    }
    assert {"APIKeyHeader", "HTTPBearer"} <= set(doc["components"]["securitySchemes"])
    assert "SolveResult" in doc["components"]["schemas"]


def test_every_model_has_valid_examples():
    ex = ROOT / "api" / "examples"
    generated = docs.examples()
    for name in registry.names():
        req = json.loads((ex / f"{name}.request.json").read_text(encoding="utf-8"))
        assert req["model"] == name
        assert opsplan.validate(req) == [], name
        for kind in ("http", "sh"):
            f = ex / f"{name}.{kind}"
            assert f.read_text(encoding="utf-8") == generated[f.name], f
            assert f"{name}.request.json" in f.read_text(encoding="utf-8")


def test_the_model_field_is_an_enum_of_the_registered_models():
    doc = json.loads((ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    model = doc["components"]["schemas"]["SolveRequest"]["properties"]["model"]
    assert model["enum"] == registry.names() and len(model["enum"]) == 5


def test_each_body_route_declares_415():
    doc = json.loads((ROOT / "api" / "openapi.json").read_text(encoding="utf-8"))
    for path in ("/v1/solve", "/v1/validate", "/v1/jobs"):
        assert "415" in doc["paths"][path]["post"]["responses"], path
