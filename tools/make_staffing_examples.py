"""Generate the staffing examples (seeded, so the files are reproducible).

    python tools/make_staffing_examples.py

instances/rostering/ward_4_weeks.json: a 4-week ward, 30 nurses (registered nurses and
healthcare assistants), early/late/night shifts, contracts with rest and weekend rules, requests,
holidays and history from the previous roster, fairness on weekends and nights.
instances/staffing_levels/store_week.json: a store's demand per 15 minutes for one week and
shift patterns (full-time 5-day and part-time 3-day tours, starts every 30 minutes).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def ward(seed: int = 3) -> dict[str, Any]:
    rnd = random.Random(seed)
    days = 28
    shifts = [
        {"id": "E", "start": "07:00", "length_minutes": 480},
        {"id": "L", "start": "14:30", "length_minutes": 480},
        {
            "id": "N",
            "start": "22:00",
            "length_minutes": 540,
            "night": True,
            "forbidden_next": ["E", "L"],
        },
    ]
    contracts = [
        {
            "id": "full_time",
            "min_total_minutes": 6720,
            "max_total_minutes": 9600,
            "max_week_minutes": 2880,
            "max_consecutive_work": 5,
            "min_consecutive_work": 2,
            "min_consecutive_off": 2,
            "min_rest_minutes": 660,
            "max_weekends": 2,
            "max_shifts_per_type": {"N": 7},
        },
        {
            "id": "part_time",
            "min_total_minutes": 2880,
            "max_total_minutes": 5280,
            "max_week_minutes": 1920,
            "max_consecutive_work": 4,
            "min_consecutive_off": 2,
            "min_rest_minutes": 660,
            "max_weekends": 2,
            "max_shifts_per_type": {"N": 4},
        },
    ]
    employees = []
    for k in range(30):
        eid = f"N{k + 1:02d}"
        rn = k < 20
        emp: dict[str, Any] = {
            "id": eid,
            "contract": "full_time" if k % 4 != 3 else "part_time",
            "skills": ["rn"] if rn else ["hca"],
            "cost_per_hour": 38.0 if rn else 26.0,
        }
        if k in (4, 17, 26):  # holidays: a week off
            a = rnd.randrange(0, days - 7)
            emp["unavailable_days"] = list(range(a, a + 7))
        off_days = sorted(rnd.sample(range(days), 2))
        emp["shift_off_requests"] = [
            {"day": d, "weight": rnd.choice([5, 10, 20])} for d in off_days
        ]
        if rnd.random() < 0.4:
            d = rnd.randrange(days)
            emp["shift_on_requests"] = [{"day": d, "shift": rnd.choice("EL"), "weight": 10}]
        run = rnd.randint(0, 4)
        if run:
            last = rnd.choice("ELN")
            emp["history"] = {"consecutive_days_worked": run, "last_shift": last}
        else:
            emp["history"] = {"consecutive_days_off": rnd.randint(1, 3)}
        if eid == "N01":  # pinned to an early shift on day 0 (see pins)
            emp["history"] = {"consecutive_days_off": 2}
        if eid == "N02":  # pinned to a day off on day 0, after a full run of work
            emp["history"] = {"consecutive_days_worked": 3, "last_shift": "L"}
        employees.append(emp)
    need = {"E": (4, 2), "L": (3, 2), "N": (2, 1)}
    coverage = []
    for d in range(days):
        weekend = d % 7 >= 5
        for s, (rn, hca) in need.items():
            r = rn - (1 if weekend and s != "N" else 0)
            coverage.append(
                {
                    "day": d,
                    "shift": s,
                    "skill": "rn",
                    "min": r,
                    "preferred": r + 1,
                    "under_weight": 1000,
                    "preferred_weight": 20,
                    "over_weight": 5,
                }
            )
            coverage.append(
                {
                    "day": d,
                    "shift": s,
                    "skill": "hca",
                    "min": hca,
                    "under_weight": 500,
                    "over_weight": 5,
                }
            )
    return {
        "model": "rostering",
        "instance": {
            "name": "ward_4_weeks",
            "start_date": "2026-03-02",
            "days": days,
            "shift_types": shifts,
            "skills": ["rn", "hca"],
            "contracts": contracts,
            "employees": employees,
            "coverage": coverage,
            "pins": [
                {"employee": "N01", "day": 0, "shift": "E"},
                {"employee": "N02", "day": 0, "shift": None},
            ],
            "rules": {
                "coverage_excess": {"hard": False, "weight": 1},
                "min_consecutive_work": {"hard": False, "weight": 50},
                "min_consecutive_off": {"hard": False, "weight": 50},
                "max_weekends": {"hard": False, "weight": 100},
                "min_total_minutes": {"hard": False, "weight": 1},
            },
            "fairness": {"weekends": 30, "nights": 10},
        },
        "options": {"time_limit_s": 60, "workers": 2},
    }


def store_week(seed: int = 7, n_patterns: int = 200, slot_noise: bool = False) -> dict[str, Any]:
    """One week in 15-minute slots (672) and n_patterns tours drawn from a seeded menu.

    Demand is a forecast curve (a lunch and an evening peak, busier weekends, a random level per
    day), rounded to whole people; slot_noise adds an independent +-1 to every slot (harder).
    """
    rnd = random.Random(seed)
    slot = 15
    demand = []
    for day in range(7):
        level = (1.3 if day >= 5 else 1.0) * rnd.uniform(0.9, 1.1)
        for t in range(96):
            h = (t + 0.5) * slot / 60
            if h < 8 or h >= 22:
                demand.append(0)
                continue
            curve = 2.5 + 3.5 * math.exp(-(((h - 12.5) / 1.5) ** 2))
            curve += 4.5 * math.exp(-(((h - 17.5) / 1.7) ** 2))
            v = round(level * curve)
            if slot_noise:
                v += rnd.choice([-1, 0, 0, 1])
            demand.append(max(1, v))
    menu = []
    for start in range(8 * 60, 18 * 60 + 1, 30):
        for hours in (4, 6, 8):
            if start + hours * 60 > 22 * 60:
                continue
            for off in range(7):  # full time: 5 days on, 2 consecutive days off
                days = [d for d in range(7) if d not in (off, (off + 1) % 7)]
                menu.append((start, hours, days, False))
            if hours <= 6:  # part time: 3 days
                for first in range(7):
                    menu.append(
                        (start, hours, sorted({first, (first + 2) % 7, (first + 4) % 7}), True)
                    )
    picks = rnd.sample(menu, n_patterns)
    patterns = []
    for k, (start, hours, days, pt) in enumerate(picks):
        brk = hours >= 6
        rate = 24.0 if pt else 21.0
        patterns.append(
            {
                "id": f"P{k + 1:03d}",
                "start": f"{start // 60:02d}:{start % 60:02d}",
                "length_minutes": hours * 60,
                "break_offset_minutes": (hours * 60 // 2) - ((hours * 60 // 2) % 15) if brk else 0,
                "break_minutes": 30 if brk else 0,
                "days": days,
                "cost": round(rate * (hours - (0.5 if brk else 0)) * len(days), 2),
                "part_time": pt,
            }
        )
    return {
        "name": "store_week",
        "start_date": "2026-03-02",
        "slot_minutes": slot,
        "demand": demand,
        "cyclic": True,
        "patterns": patterns,
        "under_penalty": 200.0,
        "max_part_time_share": 0.4,
    }


def main() -> None:
    out = ROOT / "instances"
    (out / "rostering").mkdir(parents=True, exist_ok=True)
    (out / "staffing_levels").mkdir(parents=True, exist_ok=True)
    (out / "rostering" / "ward_4_weeks.json").write_text(json.dumps(ward(), indent=1) + "\n")
    store = {
        "model": "staffing_levels",
        "instance": store_week(),
        "options": {"time_limit_s": 30, "backend": "highs"},
    }
    (out / "staffing_levels" / "store_week.json").write_text(json.dumps(store, indent=1) + "\n")


if __name__ == "__main__":
    main()
