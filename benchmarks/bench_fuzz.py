"""Numeric fuzz over every endpoint of the real service (issue 14): every numeric field of every
model's example (api/examples/<model>.request.json), one location per field, replaced in turn by
NaN, Infinity, -Infinity (as the bare JSON tokens Python's json and FastAPI read), 1e300, 2^63 and
-1, and sent to /v1/validate, /v1/solve (1 s limit, 1 worker) and /v1/jobs (then the job is
awaited and its result read).

Counted: 5xx answers, results or jobs that end `error` or `failed`, answers that carry internal
text (a traceback, an exception class), and refusals that do not name the field.

    PYTHONPATH=src python benchmarks/bench_fuzz.py                 # every field, every value
    PYTHONPATH=src python benchmarks/bench_fuzz.py --per-model 10  # a sample per model
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from opsplan.api import Settings, create_app
from opsplan.core import registry

ROOT = Path(__file__).resolve().parents[1]
BAD = (math.nan, math.inf, -math.inf, 1e300, 2**63, -1)
INTERNAL = ("Traceback", 'File "', "pybind", "Error: ", "Exception")


def leaves(doc: Any, loc: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, (*loc, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, (*loc, i))
    elif isinstance(doc, int | float) and not isinstance(doc, bool):
        yield loc


def field_of(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple("[]" if isinstance(p, int) else p for p in loc)


def one_per_field(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for loc in leaves(doc):
        seen.setdefault(field_of(loc), loc)
    return list(seen.values())


def replaced(doc: dict[str, Any], loc: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    at = out
    for p in loc[:-1]:
        at = at[p]
    at[loc[-1]] = value
    return out


def path_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def names_field(problems: list[dict[str, Any]], loc: tuple[Any, ...]) -> bool:
    path = path_text(loc)
    for p in problems:
        where = p.get("where", "").split(" (")[0]
        if path == where or path.startswith((where + ".", where + "[")):
            return True
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-model", type=int, default=0, help="sample this many fields per model")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--routes", default="validate,solve,jobs")
    a = ap.parse_args()
    routes = a.routes.split(",")
    rng = random.Random(a.seed)
    counts: Counter[str] = Counter()
    bad_examples: list[str] = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), cores=2, workers_per_solve=1, max_queue=100_000, max_time_limit_s=5
        )
        with TestClient(create_app(settings)) as client:
            for model in registry.names():
                req = json.loads((ROOT / "api/examples" / f"{model}.request.json").read_text())
                req["options"] = {"time_limit_s": 1, "workers": 1}
                locs = one_per_field(req)
                if a.per_model:
                    locs = rng.sample(locs, min(a.per_model, len(locs)))
                for loc in locs:
                    for value in BAD:
                        body = json.dumps(replaced(req, loc, value), allow_nan=True)
                        for route in routes:
                            r = client.post(
                                f"/v1/{route}",
                                content=body,
                                headers={"Content-Type": "application/json"},
                            )
                            counts["requests"] += 1
                            kind = judge(client, route, r, loc, value)
                            counts[kind] += 1
                            if kind not in ("refused, field named", "accepted, answered"):
                                bad_examples.append(
                                    f"{route} {model} {path_text(loc)}={value}: {kind}"
                                )
    counts["seconds"] = round(time.monotonic() - t0)
    print(json.dumps(dict(counts), indent=1))
    for line in bad_examples[:30]:
        print(" ", line)
    return 0


def judge(client: TestClient, route: str, r: Any, loc: tuple[Any, ...], value: Any) -> str:
    if r.status_code >= 500:
        return "5xx"
    if any(s in r.text for s in INTERNAL):
        return "internal text"
    if route == "validate":
        ans = r.json()
        if ans["valid"]:
            return "accepted, answered" if value == -1 else "accepted a bad number"
        return "refused, field named" if names_field(ans["problems"], loc) else "refused, unnamed"
    if r.status_code == 422:
        ok = names_field(r.json().get("problems", []), loc)
        return "refused, field named" if ok else "refused, unnamed"
    if r.status_code not in (200, 202):
        return f"http {r.status_code}"
    if route == "solve":
        status = r.json()["status"]
    else:
        job = r.json()["id"]
        state = ""
        for _ in range(600):
            state = client.get(f"/v1/jobs/{job}").json()["state"]
            if state in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(0.1)
        res = client.get(f"/v1/jobs/{job}/result")
        status = res.json()["status"] if res.status_code == 200 else state
        if any(s in res.text for s in INTERNAL):
            return "internal text"
    return "error result" if status == "error" else "accepted, answered"


if __name__ == "__main__":
    sys.exit(main())
