"""Property-based run over the OpenAPI document (schemathesis): no request gets a 500, and every
answer matches the documented status codes and schemas. Bounded: 12 generated examples a route,
plus schemathesis' explicit and coverage phases."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from opsplan.api import create_app

from .helpers import HeldExecutor, settings_for

_DIR = Path(tempfile.mkdtemp(prefix="opsplan-fuzz-"))
app = create_app(settings_for(_DIR, sync_time_limit_s=1, max_queue=5), HeldExecutor)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    with TestClient(app):
        yield
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
