"""Reader of the Curtois & Qu shift scheduling benchmark format (`--format nrp`).

The file's rules map one to one onto the rostering schema, so the penalty opsplan reports is the
benchmark's objective: contract rules hard, shift-on/off requests soft with the file's weights,
cover shortfall and excess soft with the file's weights. Employee and shift ids are as written;
days are the file's 0-based indexes; day 0 is taken as Monday 2024-01-01 (every instance starts
on a Monday). Runs touching either end of the horizon are not judged too short (no history).
Shifts carry no clock times in the format: they all start at 00:00, and no rest rule applies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, Problem

START_DATE = "2024-01-01"
SECTIONS = {
    "SECTION_HORIZON": 1,
    "SECTION_SHIFTS": 3,
    "SECTION_STAFF": 8,
    "SECTION_DAYS_OFF": 1,
    "SECTION_SHIFT_ON_REQUESTS": 4,
    "SECTION_SHIFT_OFF_REQUESTS": 4,
    "SECTION_COVER": 5,
}


def read_nrp(text: str, path: Path) -> dict[str, Any]:
    problems: list[Problem] = []
    name = path.name

    def bad(n: int, msg: str) -> None:
        problems.append(Problem(where=f"{name} line {n}", message=msg))

    def num(n: int, tok: str, what: str) -> int:
        try:
            v = int(tok.strip())
        except ValueError:
            bad(n, f"{what}: expected a whole number, found {tok.strip()!r}")
            return 0
        if v < 0:
            bad(n, f"{what}: must not be negative")
        return v

    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in SECTIONS}
    section: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in SECTIONS:
                bad(n, f"unknown section {line!r}")
                section = None
            else:
                section = line
            continue
        if section is None:
            bad(n, "data outside any SECTION_")
            continue
        toks = [t.strip() for t in line.split(",")]
        need = SECTIONS[section]
        if len(toks) < need or (section != "SECTION_DAYS_OFF" and len(toks) > need):
            bad(n, f"{section}: expected {need} comma-separated fields, found {len(toks)}")
            continue
        rows[section].append((n, toks))
    if not rows["SECTION_HORIZON"]:
        bad(1, "no SECTION_HORIZON with the number of days")
        raise InvalidInput(problems)
    hn, ht = rows["SECTION_HORIZON"][0]
    days = num(hn, ht[0], "horizon")
    if days <= 0:
        bad(hn, "the horizon must have at least one day")

    shift_types: list[dict[str, Any]] = []
    sids = {t[0] for _, t in rows["SECTION_SHIFTS"]}
    if not rows["SECTION_SHIFTS"]:
        bad(hn, "no shifts in SECTION_SHIFTS")
    for n, t in rows["SECTION_SHIFTS"]:
        nxt = [s.strip() for s in t[2].split("|") if s.strip()]
        length = num(n, t[1], "shift length")
        for x in nxt:
            if x not in sids:
                bad(n, f"shift {t[0]}: unknown shift {x!r} in the cannot-follow list")
        if not 0 < length <= 1440:
            bad(n, f"shift {t[0]}: length must be 1 to 1440 minutes")
        shift_types.append({"id": t[0], "length_minutes": length, "forbidden_next": nxt})

    contracts: list[dict[str, Any]] = []
    employees: list[dict[str, Any]] = []
    e_line: dict[str, int] = {}
    for n, t in rows["SECTION_STAFF"]:
        eid = t[0]
        if eid in e_line:
            bad(n, f"employee {eid!r} appears twice (first on line {e_line[eid]})")
            continue
        e_line[eid] = n
        maxes: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in t[1].split("|"))):
            sid, eq, val = part.partition("=")
            if not eq or sid not in sids:
                bad(
                    n,
                    f"employee {eid}: MaxShifts entry {part!r} is not ShiftID=max of a known shift",
                )
                continue
            maxes[sid] = num(n, val, f"employee {eid}: max {sid} shifts")
        contracts.append(
            {
                "id": eid,
                "max_shifts_per_type": maxes,
                "max_total_minutes": num(n, t[2], f"employee {eid}: MaxTotalMinutes"),
                "min_total_minutes": num(n, t[3], f"employee {eid}: MinTotalMinutes"),
                "max_consecutive_work": max(
                    1, num(n, t[4], f"employee {eid}: MaxConsecutiveShifts")
                ),
                "min_consecutive_work": max(
                    1, num(n, t[5], f"employee {eid}: MinConsecutiveShifts")
                ),
                "min_consecutive_off": max(
                    1, num(n, t[6], f"employee {eid}: MinConsecutiveDaysOff")
                ),
                "max_weekends": num(n, t[7], f"employee {eid}: MaxWeekends"),
            }
        )
        employees.append(
            {
                "id": eid,
                "contract": eid,
                "unavailable_days": [],
                "shift_on_requests": [],
                "shift_off_requests": [],
            }
        )
    by_id = {e["id"]: e for e in employees}

    def day_ok(n: int, d: int) -> bool:
        if not 0 <= d < days:
            bad(n, f"day {d} is outside the horizon (0..{days - 1})")
            return False
        return True

    for n, t in rows["SECTION_DAYS_OFF"]:
        if t[0] not in by_id:
            bad(n, f"unknown employee {t[0]!r}")
            continue
        for tok in t[1:]:
            if tok:
                d = num(n, tok, "day")
                if day_ok(n, d):
                    by_id[t[0]]["unavailable_days"].append(d)
    for section, key in (
        ("SECTION_SHIFT_ON_REQUESTS", "shift_on_requests"),
        ("SECTION_SHIFT_OFF_REQUESTS", "shift_off_requests"),
    ):
        for n, t in rows[section]:
            if t[0] not in by_id:
                bad(n, f"unknown employee {t[0]!r}")
                continue
            if t[2] not in sids:
                bad(n, f"unknown shift {t[2]!r}")
                continue
            d = num(n, t[1], "day")
            if day_ok(n, d):
                by_id[t[0]][key].append({"day": d, "shift": t[2], "weight": num(n, t[3], "weight")})
    coverage = []
    for n, t in rows["SECTION_COVER"]:
        d = num(n, t[0], "day")
        if t[1] not in sids:
            bad(n, f"unknown shift {t[1]!r}")
            continue
        if day_ok(n, d):
            coverage.append(
                {
                    "day": d,
                    "shift": t[1],
                    "min": num(n, t[2], "requirement"),
                    "under_weight": num(n, t[3], "weight for under"),
                    "over_weight": num(n, t[4], "weight for over"),
                    "preferred_weight": 0,
                }
            )
    if problems:
        raise InvalidInput(problems)
    return {
        "name": path.stem,
        "start_date": START_DATE,
        "days": days,
        "shift_types": shift_types,
        "contracts": contracts,
        "employees": employees,
        "coverage": coverage,
        "rules": {
            "coverage_min": {"hard": False, "weight": 1},
            "coverage_excess": {"hard": False, "weight": 1},
            "shift_on_request": {"hard": False, "weight": 1},
            "shift_off_request": {"hard": False, "weight": 1},
        },
    }
