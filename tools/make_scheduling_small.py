"""Writes the small scheduling instances in instances/scheduling/ that the tests load.

- ft06.json: Fisher & Thompson's 6x6 job shop (optimal makespan 55) as a JSON request.
- replan_breakdown.json: a small two-shift cell on the morning after a breakdown: the
  operations already running are pinned, the broken machine is unavailable until noon.
- replan_previous.json: the same cell against the plan published before the breakdown
  (`previous`): what started before 06:30 is frozen, and `stability` moves little.
- infeasible_deadline.json: a rush order whose deadline is shorter than its route.

Run: python tools/make_scheduling_small.py
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "instances" / "scheduling"
FT06 = [
    [(2, 1), (0, 3), (1, 6), (3, 7), (5, 3), (4, 6)],
    [(1, 8), (2, 5), (4, 10), (5, 10), (0, 10), (3, 4)],
    [(2, 5), (3, 4), (5, 8), (0, 9), (1, 1), (4, 7)],
    [(1, 5), (0, 5), (2, 5), (3, 3), (4, 8), (5, 9)],
    [(2, 9), (1, 3), (4, 5), (5, 4), (0, 3), (3, 1)],
    [(1, 3), (3, 3), (5, 9), (0, 10), (4, 4), (2, 1)],
]


def write(name: str, doc: dict) -> None:
    (OUT / name).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote", OUT / name)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write(
        "ft06.json",
        {
            "model": "scheduling",
            "instance": {
                "name": "ft06",
                "machines": [{"id": str(m)} for m in range(6)],
                "jobs": [
                    {
                        "id": str(j),
                        "operations": [
                            {"id": str(k), "machines": [{"machine": str(m), "duration": d}]}
                            for k, (m, d) in enumerate(ops)
                        ],
                    }
                    for j, ops in enumerate(FT06)
                ],
            },
            "options": {"time_limit_s": 10},
        },
    )

    def op(oid: str, modes: list[tuple[str, int]], **kw: object) -> dict:
        return {"id": oid, "machines": [{"machine": m, "duration": d} for m, d in modes], **kw}

    write(
        "replan_breakdown.json",
        {
            "model": "scheduling",
            "instance": {
                "name": "cell replan after a breakdown on LATHE-2",
                "start": "2026-12-01T06:00:00",
                "calendars": [
                    {
                        "id": "shifts",
                        "working": [
                            {
                                "days": ["mon", "tue", "wed", "thu", "fri"],
                                "start": "06:00",
                                "end": "22:00",
                            }
                        ],
                    }
                ],
                "machines": [
                    {"id": "LATHE-1", "calendar": "shifts"},
                    {
                        "id": "LATHE-2",
                        "calendar": "shifts",
                        "unavailable": [
                            {"start": 0, "end": 360, "reason": "breakdown, repair until 12:00"}
                        ],
                    },
                    {"id": "MILL-1", "calendar": "shifts"},
                    {"id": "WASH", "calendar": "shifts"},
                ],
                "jobs": [
                    {
                        "id": "WO-7",
                        "due": 600,
                        "weight": 2,
                        "operations": [
                            op("turn", [("LATHE-1", 120)], pin={"machine": "LATHE-1", "start": 0}),
                            op("mill", [("MILL-1", 90)]),
                            op("wash", [("WASH", 30)]),
                        ],
                    },
                    {
                        "id": "WO-8",
                        "due": 480,
                        "weight": 3,
                        "operations": [
                            op("turn", [("LATHE-1", 150), ("LATHE-2", 130)]),
                            op("mill", [("MILL-1", 60)]),
                            op("wash", [("WASH", 30)]),
                        ],
                    },
                    {
                        "id": "WO-9",
                        "due": 900,
                        "operations": [
                            op("mill", [("MILL-1", 200)], pin={"start": 0}),
                            op("turn", [("LATHE-1", 60), ("LATHE-2", 50)]),
                            op("wash", [("WASH", 30)]),
                        ],
                    },
                    {
                        "id": "WO-10",
                        "due": 960,
                        "operations": [
                            op("turn", [("LATHE-1", 240), ("LATHE-2", 200)]),
                            op("wash", [("WASH", 45)]),
                        ],
                    },
                ],
                "objective": {
                    "mode": "lexicographic",
                    "terms": [{"kind": "weighted_tardiness"}, {"kind": "makespan"}],
                },
            },
            "options": {"time_limit_s": 10},
        },
    )

    # the same cell replanned against the plan published the evening before the breakdown:
    # what started before 06:30 is frozen, the rest moves as little as the tardiness allows
    published = [
        ("WO-7", "turn", "LATHE-1", 0),
        ("WO-7", "mill", "MILL-1", 200),
        ("WO-7", "wash", "WASH", 290),
        ("WO-8", "turn", "LATHE-2", 30),
        ("WO-8", "mill", "MILL-1", 290),
        ("WO-8", "wash", "WASH", 350),
        ("WO-9", "mill", "MILL-1", 0),
        ("WO-9", "turn", "LATHE-2", 200),
        ("WO-9", "wash", "WASH", 250),
        ("WO-10", "turn", "LATHE-1", 120),
        ("WO-10", "wash", "WASH", 380),
    ]
    doc = json.loads((OUT / "replan_breakdown.json").read_text(encoding="utf-8"))
    inst = doc["instance"]
    inst["name"] = "cell replan after a breakdown on LATHE-2, against the published plan"
    for job in inst["jobs"]:
        for o in job["operations"]:
            o.pop("pin", None)  # the freeze keeps what runs
    inst["previous"] = {
        "operations": [
            {"job": j, "operation": o, "machine": m, "start": s} for j, o, m, s in published
        ],
        "freeze_until": 30,
    }
    inst["objective"] = {
        "mode": "lexicographic",
        "terms": [{"kind": "weighted_tardiness"}, {"kind": "stability"}],
    }
    write("replan_previous.json", doc)

    write(
        "infeasible_deadline.json",
        {
            "model": "scheduling",
            "instance": {
                "name": "rush order that cannot make its deadline",
                "machines": [{"id": "SAW"}, {"id": "WELD"}, {"id": "PAINT"}],
                "jobs": [
                    {
                        "id": "RUSH-1",
                        "release": 60,
                        "deadline": 200,
                        "operations": [
                            op("saw", [("SAW", 45)]),
                            op("weld", [("WELD", 90)]),
                            op("paint", [("PAINT", 80)]),
                        ],
                    },
                    {
                        "id": "STD-2",
                        "operations": [op("saw", [("SAW", 30)]), op("paint", [("PAINT", 40)])],
                    },
                ],
            },
            "options": {"time_limit_s": 10},
        },
    )


if __name__ == "__main__":
    main()
