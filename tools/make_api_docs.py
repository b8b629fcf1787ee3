"""Writes api/openapi.json (the service's contract) and api/examples/ for every model.

Run after changing a route or adding a model family: python tools/make_api_docs.py
tests/api/test_contract.py fails when api/openapi.json drifts from the code or a model has
no example. A model's example request is api/examples/<model>.request.json; when missing, it is
copied from the smallest request in instances/<model>/.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from opsplan.api.app import create_app
from opsplan.api.settings import Settings
from opsplan.core import registry

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "api"


def openapi_text() -> str:
    app = create_app(Settings(data_dir=ROOT / "out" / "unused"))
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


HTTP = """\
# {model}: example requests (VS Code REST Client / JetBrains HTTP client).
# Start the service with: opsplan serve --port 8000
@base = http://127.0.0.1:8000
# @key = your-api-key   (when OPSPLAN_API_KEYS is set, add the header X-API-Key: {{{{key}}}})

### The request's JSON Schema
GET {{{{base}}}}/v1/models/{model}/schema

### Check a request without solving it
POST {{{{base}}}}/v1/validate
Content-Type: application/json

< ./{model}.request.json

### Solve now (time limit capped by the service)
POST {{{{base}}}}/v1/solve
Content-Type: application/json

< ./{model}.request.json

### Submit a job (answers 202 with its id)
# @name submit
POST {{{{base}}}}/v1/jobs
Content-Type: application/json

< ./{model}.request.json

### State and progress
GET {{{{base}}}}/v1/jobs/{{{{submit.response.body.id}}}}

### Server-sent events: each incumbent, then the final state
GET {{{{base}}}}/v1/jobs/{{{{submit.response.body.id}}}}/events

### The result
GET {{{{base}}}}/v1/jobs/{{{{submit.response.body.id}}}}/result

### Cancel (a running solve keeps its best plan)
DELETE {{{{base}}}}/v1/jobs/{{{{submit.response.body.id}}}}
"""

SH = """\
#!/usr/bin/env sh
# {model}: the service with curl. Start it with: opsplan serve --port 8000
# With API keys configured, add: -H "X-API-Key: $OPSPLAN_KEY"
set -eu
BASE=${{BASE:-http://127.0.0.1:8000}}
HERE=$(dirname "$0")
REQ="$HERE/{model}.request.json"

curl -sS "$BASE/v1/models/{model}/schema" > /dev/null
curl -sS -X POST "$BASE/v1/validate" -H 'Content-Type: application/json' --data-binary @"$REQ"
echo
curl -sS -X POST "$BASE/v1/solve" -H 'Content-Type: application/json' --data-binary @"$REQ"
echo
JOB=$(curl -sS -X POST "$BASE/v1/jobs" -H 'Content-Type: application/json' --data-binary @"$REQ" \\
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
curl -sS -N --max-time 60 "$BASE/v1/jobs/$JOB/events"
curl -sS "$BASE/v1/jobs/$JOB"
echo
curl -sS "$BASE/v1/jobs/$JOB/result"
echo
"""


def examples() -> dict[str, str]:
    """File name -> text of the generated (non-request) example files."""
    out = {}
    for name in registry.names():
        out[f"{name}.http"] = HTTP.format(model=name)
        out[f"{name}.sh"] = SH.format(model=name)
    return out


def main() -> int:
    (API / "examples").mkdir(parents=True, exist_ok=True)
    (API / "openapi.json").write_text(openapi_text(), encoding="utf-8")
    for fname, text in examples().items():
        (API / "examples" / fname).write_text(text, encoding="utf-8")
    for name in registry.names():
        req = API / "examples" / f"{name}.request.json"
        if not req.exists():
            found = sorted(
                (ROOT / "instances" / name).glob("*.json"), key=lambda p: p.stat().st_size
            )
            if not found:
                print(f"no example request for {name}: write {req}", file=sys.stderr)
                continue
            shutil.copy(found[0], req)
    print(f"wrote {API / 'openapi.json'} and api/examples/ for {', '.join(registry.names())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
