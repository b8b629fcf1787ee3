"""Scheduling test helpers: tiny instances built in code, solved through the public API."""

from __future__ import annotations

from typing import Any

import opsplan
from opsplan.scheduling.schema import SchedulingSolution

FT06 = """6 6
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""


def sched(
    jobs: list[dict[str, Any]],
    machines: list[str] | list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A scheduling request. machines default to every machine the jobs name."""
    if machines is None:
        names = sorted(
            {md["machine"] for j in jobs for op in j["operations"] for md in op["machines"]}
        )
        machines = names
    ms = [m if isinstance(m, dict) else {"id": m} for m in machines]
    return {
        "model": "scheduling",
        "instance": {"machines": ms, "jobs": jobs, **extra},
        "options": {"time_limit_s": 10, "workers": 2},
    }


def op(oid: str, *modes: tuple[str, int], **kw: Any) -> dict[str, Any]:
    return {"id": oid, "machines": [{"machine": m, "duration": d} for m, d in modes], **kw}


def job(jid: str, *ops: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"id": jid, "operations": list(ops), **kw}


def solved(req: dict[str, Any]) -> opsplan.SolveResult:
    """A solve that answers a plan the checker accepts, of the promised typed shape."""
    res = opsplan.solve(req)
    assert res.violations == [], res.violations
    if res.solution is not None:
        SchedulingSolution.model_validate(res.solution)
    return res


def rows(res: opsplan.SolveResult) -> dict[tuple[str, str], dict[str, Any]]:
    assert res.solution is not None
    return {(r["job"], r["operation"]): r for r in res.solution["operations"]}
