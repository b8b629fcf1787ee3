"""Seeded generator of plant-sized scheduling requests, as planners have them.

7 machine groups, 22 machines (the older machine of a group is slower), flexible routings of 4
to 6 operations over the groups, sequence-dependent family setups in sawing (material) and
painting (colour), due dates spread over the load, weights 1-3, late material for some orders,
three operations running at time 0 (pinned), a maintenance window, and optionally the
two-shift calendar (Monday-Friday 06:00-22:00; heat treatment runs around the clock).
Objective: 10 x weighted tardiness + makespan (or, lexicographic, tardiness then makespan).

    from opsplan.scheduling.generate import make_plant
    request = make_plant(n_orders=300, seed=1, calendars=True)   # about 1,560 operations

Orders per size: 100 -> ~520 operations, 300 -> ~1,560, 575 -> ~3,000, 960 -> ~5,000.
"""

from __future__ import annotations

import random
from typing import Any

GROUPS = {  # group -> machines (the last one is older: 25% slower)
    "saw": ["SAW-1", "SAW-2", "SAW-3"],
    "lathe": ["LATHE-1", "LATHE-2", "LATHE-3", "LATHE-4"],
    "mill": ["MILL-1", "MILL-2", "MILL-3", "MILL-4"],
    "drill": ["DRILL-1", "DRILL-2", "DRILL-3"],
    "heat": ["OVEN-1", "OVEN-2"],
    "paint": ["PAINT-1", "PAINT-2", "PAINT-3"],
    "assy": ["ASSY-1", "ASSY-2", "ASSY-3"],
}
ROUTES = [
    ["saw", "lathe", "mill", "paint", "assy"],
    ["saw", "mill", "drill", "assy"],
    ["saw", "lathe", "heat", "mill", "paint", "assy"],
    ["saw", "mill", "drill", "heat", "paint", "assy"],
    ["saw", "lathe", "drill", "paint", "assy"],
    ["saw", "mill", "lathe", "drill", "paint", "assy"],
]
MATERIALS = ["steel", "aluminium", "brass", "stainless"]
COLOURS = ["white", "grey", "blue", "black"]
DAY = 1440
SIZES = {500: 96, 1500: 288, 3000: 575, 5000: 960}  # operations -> orders


def _paint_setup(a: str, b: str) -> int:
    """Light to dark is quick, dark to light needs cleaning."""
    return 15 if COLOURS.index(b) > COLOURS.index(a) else 45


def make_plant(
    n_orders: int, seed: int = 0, *, calendars: bool = True, lexicographic: bool = False
) -> dict[str, Any]:
    """A solve request (model, instance) for a plant with `n_orders` orders."""
    rng = random.Random(seed * 1_000_003 + n_orders)
    machines: list[dict[str, Any]] = []
    for group, ids in GROUPS.items():
        for mid in ids:
            m: dict[str, Any] = {"id": mid, "name": f"{group} {mid.split('-')[1]}"}
            if calendars and group != "heat":
                m["calendar"] = "two-shifts"
            machines.append(m)
    machines[len(GROUPS["saw"]) + 1]["unavailable"] = [
        {"start": 2 * DAY, "end": 2 * DAY + 480, "reason": "planned maintenance"}
    ]
    jobs: list[dict[str, Any]] = []
    work = 0.0
    for j in range(n_orders):
        route = rng.choice(ROUTES)
        qty = rng.choice([20, 40, 60, 80, 120])
        material, colour = rng.choice(MATERIALS), rng.choice(COLOURS)
        ops = []
        for k, group in enumerate(route):
            base = max(10, int(qty * rng.uniform(0.6, 1.8)))
            if group == "heat":
                base = rng.choice([120, 180, 240])
            ids = GROUPS[group]
            modes = []
            for x, mid in enumerate(ids):
                slow = 1.25 if x == len(ids) - 1 else 1.0
                modes.append({"machine": mid, "duration": max(5, round(base * slow / 5) * 5)})
            work += base
            op: dict[str, Any] = {"id": f"{k + 1}0-{group}", "machines": modes}
            if group == "saw":
                op["family"] = material
            if group == "paint":
                op["family"] = colour
            ops.append(op)
        jobs.append(
            {
                "id": f"SO-{10001 + j}",
                "name": f"order {10001 + j}, {qty} pcs {material}/{colour}",
                "weight": rng.choice([1, 1, 2, 3]),
                "operations": ops,
            }
        )
    # the plant's load in calendar time: work over 22 machines, stretched by the shifts
    span = work / sum(len(v) for v in GROUPS.values()) * (24 / 16 * 7 / 5 if calendars else 1)
    for j, job in enumerate(jobs):
        if j % 11 == 5:
            job["release"] = int(rng.uniform(0.05, 0.3) * span)  # late material
        job["due"] = int(job.get("release", 0) + rng.uniform(0.3, 1.1) * span + 8 * 60)
    for j, mid in [(0, "SAW-1"), (1, "SAW-2"), (2, "SAW-3")]:  # running at time 0
        op = jobs[j]["operations"][0]
        op["pin"] = {"machine": mid, "start": 0}
        next(m for m in machines if m["id"] == mid)["initial_family"] = op["family"]
    setups = [
        {"from_family": a, "to_family": b, "time": 30}
        for a in MATERIALS
        for b in MATERIALS
        if a != b
    ]
    setups += [
        {"from_family": a, "to_family": b, "time": _paint_setup(a, b)}
        for a in COLOURS
        for b in COLOURS
        if a != b
    ]
    terms = [{"kind": "weighted_tardiness", "weight": 10}, {"kind": "makespan", "weight": 1}]
    inst: dict[str, Any] = {
        "name": f"plant {n_orders} orders (seed {seed}, {'calendars' if calendars else '24/7'})",
        "time_unit": "minute",
        "start": "2026-11-30T06:00:00",
        "machines": machines,
        "setups": setups,
        "jobs": jobs,
        "objective": {"mode": "lexicographic" if lexicographic else "weighted", "terms": terms},
    }
    if calendars:
        inst["calendars"] = [
            {
                "id": "two-shifts",
                "working": [
                    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "06:00", "end": "22:00"}
                ],
            }
        ]
    return {"model": "scheduling", "instance": inst}
