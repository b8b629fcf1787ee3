"""Turn a staffing-levels result into rostering coverage: shift types and people per day."""

from __future__ import annotations

from typing import Any

from .schema import StaffingLevelsInstance


def to_rostering_coverage(
    inst: StaffingLevelsInstance, solution: dict[str, Any], under_weight: int = 1000
) -> dict[str, Any]:
    """Shift types (one per distinct start and length) and coverage rows (min = people).

    The result's `shift_types` and `coverage` drop into a rostering instance as they are.
    """
    types: dict[tuple[str, int], str] = {}
    rows = []
    for s in solution["shifts"]:
        key = (s["start"], s["length_minutes"])
        if key not in types:
            types[key] = f"{s['start'].replace(':', '')}-{s['length_minutes']}"
        rows.append(
            {"day": s["day"], "shift": types[key], "min": s["people"], "under_weight": under_weight}
        )
    return {
        "start_date": inst.start_date.isoformat() if inst.start_date else None,
        "shift_types": [
            {"id": sid, "start": st, "length_minutes": ln} for (st, ln), sid in types.items()
        ],
        "coverage": rows,
    }
