"""Tiny rostering requests built in code, solved through the public API."""

from __future__ import annotations

from typing import Any

import opsplan
from opsplan.core.registry import get
from opsplan.rostering.schema import RosteringSolution


def inst(
    days: int = 7,
    employees: int | list[dict[str, Any]] = 1,
    contract: dict[str, Any] | None = None,
    shifts: list[dict[str, Any]] | None = None,
    coverage: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A rostering instance: a week from Monday 2024-01-01, one 8-hour day shift D."""
    if isinstance(employees, int):
        employees = [{"id": f"E{i}", "contract": "C"} for i in range(employees)]
    return {
        "start_date": "2024-01-01",
        "days": days,
        "shift_types": shifts or [{"id": "D", "start": "08:00", "length_minutes": 480}],
        "contracts": [{"id": "C", **(contract or {})}],
        "employees": employees,
        "coverage": coverage or [],
        **extra,
    }


def req(instance: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {
        "model": "rostering",
        "instance": instance,
        "options": {"time_limit_s": 10, "workers": 2, **options},
    }


def need(day: int, n: int, shift: str = "D", **kw: Any) -> dict[str, Any]:
    return {"day": day, "shift": shift, "min": n, **kw}


def every_day(days: int, n: int, shift: str = "D", **kw: Any) -> list[dict[str, Any]]:
    return [need(d, n, shift, **kw) for d in range(days)]


def solved(instance: dict[str, Any], **options: Any) -> opsplan.SolveResult:
    res = opsplan.solve(req(instance, **options))
    assert res.violations == [], res.violations
    if res.solution is not None:  # every plan has the promised shape, dumped unchanged
        typed = RosteringSolution.model_validate(res.solution)
        assert typed.model_dump(mode="json") == res.solution
    return res


def grid(res: opsplan.SolveResult) -> dict[str, str]:
    assert res.solution is not None
    return {g["employee"]: "".join(x or "." for x in g["days"]) for g in res.solution["grid"]}


def check(instance: dict[str, Any], rows: dict[str, str]) -> Any:
    """The checker's report on a hand-made roster: employee -> one char per day ('.' = off)."""
    spec = get("rostering")
    model = spec.instance_type.model_validate(instance)
    assignments = [
        {"employee": e, "day": d, "shift": c, "skill": None}
        for e, row in rows.items()
        for d, c in enumerate(row)
        if c != "."
    ]
    return spec.check(model, {"assignments": assignments})


def rules(report: Any) -> set[str]:
    return {v.rule for v in report.violations}
