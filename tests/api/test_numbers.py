"""Numeric fuzz over HTTP (issue #14): NaN, infinities (as the bare JSON tokens Python's json
and FastAPI read), 1e300, 2^63 and -1 in every numeric field of every model's example. No 5xx;
every refusal is a 422 or `valid: false` naming the field; no answer carries internal text."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from opsplan.core import registry
from opsplan.core.errors import path_str

from ..core.helpers import example_request, fuzz_cases, replaced
from .helpers import held_client

MODELS = registry.names()
_ID_NOTE = re.compile(r" \([^)]*\)")
INTERNAL = ("Traceback", "internal error", "Error:", "pybind", 'File "')


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with held_client(tmp_path_factory.mktemp("numbers"), max_queue=1000) as c:
        yield c


def _post(client: Any, route: str, body: dict[str, Any]) -> Any:
    text = json.dumps(body, allow_nan=True)  # NaN, Infinity, -Infinity as bare tokens
    return client.post(route, content=text, headers={"Content-Type": "application/json"})


def _names(problems: list[dict[str, Any]], loc: tuple[Any, ...]) -> bool:
    path = path_str(loc)
    wheres = [_ID_NOTE.sub("", p["where"]) for p in problems]
    return any(path == w or path.startswith((w + ".", w + "[")) for w in wheres)


@pytest.mark.parametrize("model", MODELS)
def test_validate_refuses_every_bad_number_by_name(client, model):
    for _, loc, value in fuzz_cases([model]):
        r = _post(client, "/v1/validate", replaced(example_request(model), loc, value))
        assert r.status_code == 200, (loc, value, r.status_code, r.text[:300])
        answer = r.json()
        if value != -1:
            assert not answer["valid"], (loc, value)
        if not answer["valid"]:
            assert _names(answer["problems"], loc), (loc, value, answer)
        assert not any(s in r.text for s in INTERNAL), r.text[:300]


@pytest.mark.parametrize("route", ["/v1/solve", "/v1/jobs"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300, 2**63])
def test_solve_and_jobs_answer_422_naming_the_field(client, route, value):
    """The first numeric field of each model's example (the audit's 500s: /v1/jobs stored a
    NaN it could not write; /v1/solve overflowed)."""
    for model in MODELS:
        req = example_request(model)
        req["options"] = {"time_limit_s": 1, "workers": 1}
        loc = next(loc for _, loc, _ in fuzz_cases([model]) if loc[0] == "instance")
        r = _post(client, route, replaced(req, loc, value))
        assert r.status_code == 422, (model, loc, value, r.status_code, r.text[:300])
        assert _names(r.json()["problems"], loc), r.json()
        assert not any(s in r.text for s in INTERNAL), r.text[:300]


def test_a_time_at_its_bound_is_solved_without_internal_error(client):
    """A release of 10^8 (the bound of a time) is solved: no 500, no error result (2^62 gave
    both)."""
    req = example_request("scheduling")
    req["options"] = {"time_limit_s": 2, "workers": 1}
    req["instance"]["jobs"][0]["release"] = 10**8
    r = _post(client, "/v1/solve", req)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["status"] in ("optimal", "feasible"), r.json()["messages"]
