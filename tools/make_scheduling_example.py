"""Writes instances/scheduling/weekly_plant.json: a realistic weekly shop schedule.

12 machines in 5 work centres, 40 orders of 4-6 operations (about 200 in all), two shifts a day
Monday to Friday (06:00-22:00), a Saturday morning shift in painting, a maintenance window on a
mill, sequence-dependent setups in cutting (material) and painting (colour), due dates over the
week, late material for some orders, and three operations already running at the start (pinned).

Run: python tools/make_scheduling_example.py   (seeded: the same file every time)
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "instances" / "scheduling" / "weekly_plant.json"

CENTRES = {  # work centre -> machines (the last of each is older and 25% slower)
    "cut": ["CUT-1", "CUT-2", "CUT-3"],
    "mill": ["MILL-1", "MILL-2", "MILL-3"],
    "drill": ["DRILL-1", "DRILL-2"],
    "paint": ["PAINT-1", "PAINT-2"],
    "assy": ["ASSY-1", "ASSY-2"],
}
ROUTES = [
    ["cut", "mill", "drill", "paint", "assy"],
    ["cut", "mill", "paint", "assy"],
    ["cut", "drill", "mill", "drill", "paint", "assy"],
    ["cut", "mill", "drill", "paint", "assy"],
    ["cut", "mill", "drill", "mill", "paint", "assy"],
]
MATERIALS = ["steel", "aluminium", "brass"]
COLOURS = ["white", "grey", "blue", "black"]
DAY = 1440


def main() -> None:
    rng = random.Random(20261130)
    machines = []
    for centre, ids in CENTRES.items():
        for mid in ids:
            m = {
                "id": mid,
                "name": f"{centre} {mid[-1]}",
                "calendar": "paint-shifts" if centre == "paint" else "two-shifts",
            }
            machines.append(m)
    # maintenance on MILL-2, Wednesday 06:00-14:00 (day 2 of the week, t=0 is Monday 06:00)
    next(m for m in machines if m["id"] == "MILL-2")["unavailable"] = [
        {"start": 2 * DAY, "end": 2 * DAY + 480, "reason": "planned maintenance"}
    ]

    jobs = []
    for j in range(40):
        route = ROUTES[j % len(ROUTES)]
        qty = rng.choice([40, 80, 120, 160, 200])
        material, colour = rng.choice(MATERIALS), rng.choice(COLOURS)
        ops = []
        for k, centre in enumerate(route):
            base = max(20, int(qty * rng.uniform(0.8, 1.6)))
            modes = []
            for x, mid in enumerate(CENTRES[centre]):
                slow = 1.25 if x == len(CENTRES[centre]) - 1 and len(CENTRES[centre]) > 1 else 1.0
                modes.append({"machine": mid, "duration": int(round(base * slow / 5) * 5)})
            op = {"id": f"{k + 1}0-{centre}", "machines": modes}
            if centre == "cut":
                op["family"] = material
            if centre == "paint":
                op["family"] = colour
            ops.append(op)
        due_day = rng.choice([1, 2, 2, 3, 3, 4, 4, 4, 5, 5])
        job = {
            "id": f"SO-{1001 + j}",
            "name": f"order {1001 + j}, {qty} pcs {material}/{colour}",
            "due": due_day * DAY + 16 * 60 - 6 * 60,  # due at 16:00 on its day
            "weight": rng.choice([1, 1, 1, 2, 3]),
            "operations": ops,
        }
        if j % 9 == 4:
            job["release"] = DAY  # material arrives Tuesday 06:00
        jobs.append(job)
    # three operations already running at 06:00 Monday: they stay where they are
    for j, mid in [(0, "CUT-1"), (1, "CUT-2"), (2, "CUT-3")]:
        op = jobs[j]["operations"][0]
        op["pin"] = {"machine": mid, "start": 0}
        if "family" in op:  # a running operation's machine is set up for it
            next(m for m in machines if m["id"] == mid)["initial_family"] = op["family"]
    setups = []
    for a in MATERIALS:
        for b in MATERIALS:
            if a != b:
                setups.append({"from_family": a, "to_family": b, "time": 30})
    for a in COLOURS:
        for b in COLOURS:
            if a != b:  # light to dark is quick, dark to light needs cleaning
                dark = COLOURS.index(b) > COLOURS.index(a)
                setups.append({"from_family": a, "to_family": b, "time": 15 if dark else 45})
    inst = {
        "name": "weekly plant schedule (example)",
        "time_unit": "minute",
        "start": "2026-11-30T06:00:00",
        "calendars": [
            {
                "id": "two-shifts",
                "working": [
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "06:00", "end": "22:00"}
                ],
            },
            {
                "id": "paint-shifts",
                "working": [
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "06:00", "end": "22:00"},
                    {"days": ["sat"], "start": "06:00", "end": "14:00"},
                ],
            },
        ],
        "machines": machines,
        "setups": setups,
        "jobs": jobs,
        "objective": {
            "mode": "lexicographic",
            "terms": [{"kind": "weighted_tardiness"}, {"kind": "makespan"}],
        },
    }
    doc = {"model": "scheduling", "instance": inst, "options": {"time_limit_s": 30, "workers": 2}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT}: {len(machines)} machines, {len(jobs)} jobs, "
        f"{sum(len(j['operations']) for j in jobs)} operations"
    )


if __name__ == "__main__":
    main()
