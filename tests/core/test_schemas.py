"""The plan's schema published: `opsplan schema MODEL --result`, the service's
/v1/models/{name}/schema?part=result and the OpenAPI document's per-model `solution`, on a
faked family with a Solution type (and one without)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pydantic import Field
from typer.testing import CliRunner

import opsplan
from opsplan.api.openapi import typed_solutions
from opsplan.cli import app
from opsplan.core.schema_types import StrictModel
from opsplan.core.solve import result_schema

from ..api.helpers import held_client
from .helpers import NAME, fake_spec, registered, request

runner = CliRunner()


def solved_json(spec: Any) -> dict[str, Any]:
    with registered(spec):
        return json.loads(opsplan.solve(request([4, -1, -3])).to_json())


def test_result_schema_types_the_plan():
    spec = fake_spec()
    doc = result_schema(spec)
    jsonschema.Draft202012Validator.check_schema(doc)
    v = jsonschema.Draft202012Validator(doc)
    res = solved_json(spec)
    assert res["solution"] == {"picked": [{"item": -1}, {"item": -3}], "total": -4}
    assert list(v.iter_errors(res)) == []
    for bad in (
        {**res, "solution": {"picked": [{"item": "x"}], "total": 0}},
        {**res, "solution": {"picked": [], "total": 0, "extra": 1}},
        {**res, "model": "scheduling"},
    ):
        assert list(v.iter_errors(bad)), bad
    assert list(v.iter_errors({**res, "solution": None})) == []


def test_result_schema_of_an_untyped_family_takes_any_plan():
    doc = result_schema(fake_spec(solution_type=None))
    v = jsonschema.Draft202012Validator(doc)
    res = solved_json(fake_spec())
    assert list(v.iter_errors({**res, "solution": {"anything": [1]}})) == []


def test_a_plan_class_named_like_a_part_of_the_envelope_is_refused():
    class Finding(StrictModel):  # not core.result.Finding
        what: str = Field(description="clashes")

    class Clashing(StrictModel):
        found: list[Finding] = Field(description="a list")

    with pytest.raises(ValueError, match="defines Finding"):
        result_schema(fake_spec(solution_type=Clashing))


def test_cli_schema_result_and_request():
    with registered(fake_spec()):
        got = runner.invoke(app, ["schema", NAME, "--result"])
        request_doc = json.loads(runner.invoke(app, ["schema", NAME]).output)
    assert got.exit_code == 0
    doc = json.loads(got.output)
    assert doc["title"] == f"opsplan {NAME} solve result"
    assert doc == result_schema(fake_spec())
    assert request_doc["title"] == f"opsplan {NAME} solve request"


def test_service_schema_route_serves_both_parts(tmp_path):
    with registered(fake_spec()), held_client(tmp_path) as client:
        result = client.get(f"/v1/models/{NAME}/schema", params={"part": "result"})
        req = client.get(f"/v1/models/{NAME}/schema")
        bad = client.get(f"/v1/models/{NAME}/schema", params={"part": "plan"})
    assert result.status_code == 200 and result.json() == result_schema(fake_spec())
    assert req.status_code == 200 and req.json()["title"] == f"opsplan {NAME} solve request"
    assert bad.status_code == 422


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for v in node.values() for r in refs(v)
        ]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def plain_openapi(tmp_path: Any) -> dict[str, Any]:
    """FastAPI's own document of the service, before any plan is typed."""
    from fastapi.openapi.utils import get_openapi

    from opsplan.api import Settings, create_app

    service = create_app(Settings(data_dir=tmp_path))
    return get_openapi(title=service.title, version=service.version, routes=service.routes)


def test_openapi_solution_is_one_of_the_typed_plans(tmp_path):
    untyped = fake_spec(name="other_family", solution_type=None)
    doc = typed_solutions(plain_openapi(tmp_path), [fake_spec(), untyped])
    schemas = doc["components"]["schemas"]
    assert {f"{NAME}.FakeSolution", f"{NAME}.FakePick"} <= set(schemas)
    sol = schemas["SolveResult"]["properties"]["solution"]
    assert sol["anyOf"][0] == {"$ref": f"#/components/schemas/{NAME}.FakeSolution"}
    assert {"type": "object", "additionalProperties": True} in sol["anyOf"]
    assert "other_family" in sol["description"]
    # every reference resolves, and a result validates against the document
    assert {r.removeprefix("#/components/schemas/") for r in refs(doc)} <= set(schemas)
    v = jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/SolveResult", "components": doc["components"]}
    )
    res = solved_json(fake_spec())
    assert list(v.iter_errors(res)) == []
    only_typed = typed_solutions(plain_openapi(tmp_path), [fake_spec()])
    w = jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/SolveResult", "components": only_typed["components"]}
    )
    assert list(w.iter_errors({**res, "solution": {"picked": [{"item": "x"}], "total": 1}}))


def test_openapi_unchanged_when_no_family_is_typed(tmp_path):
    plain = plain_openapi(tmp_path)
    before = json.dumps(plain, sort_keys=True)
    after = typed_solutions(plain, [fake_spec(solution_type=None)])
    assert json.dumps(after, sort_keys=True) == before


def test_the_service_serves_the_typed_document(tmp_path):
    from opsplan.api import Settings, create_app

    with registered(fake_spec()):
        doc = create_app(Settings(data_dir=tmp_path)).openapi()
    assert f"{NAME}.FakeSolution" in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["SolveResult"]["properties"]["solution"]["anyOf"][0] == {
        "$ref": f"#/components/schemas/{NAME}.FakeSolution"
    }
