"""Reader of the Trigeiro, Thomas & McClain (1989) capacitated lot sizing format (`clsp`).

Whitespace tokens: n T; a constant 1; capacity C per period; n lines `b h st sc` (capacity use
per unit, holding cost, setup time, setup cost); n*T demands, period-major; then two legend
lines of text, ignored. Item ids are the items' 0-based positions, as strings; periods are
0-based. Production has no cost of its own in the literature's objective (unit_cost 0).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, Problem

_NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def read_clsp(text: str, path: Path) -> dict[str, Any]:
    toks: list[tuple[int, str]] = [
        (n, tok) for n, line in enumerate(text.splitlines(), start=1) for tok in line.split()
    ]
    name = path.name
    pos = 0

    def take(what: str) -> float:
        nonlocal pos
        if pos >= len(toks):
            last = toks[-1][0] if toks else 1
            raise InvalidInput(
                [Problem(where=f"{name} line {last}", message=f"file ends before {what}")]
            )
        line, tok = toks[pos]
        pos += 1
        if not _NUM.match(tok):
            raise InvalidInput(
                [Problem(where=f"{name} line {line}", message=f"expected {what}, found {tok!r}")]
            )
        return float(tok)

    def line_of() -> int:
        return toks[min(pos, len(toks) - 1)][0] if toks else 1

    n_line = line_of()
    n, T = take("the number of items"), take("the number of periods")
    if n < 1 or T < 1 or n != int(n) or int(T) != T:
        raise InvalidInput(
            [
                Problem(
                    where=f"{name} line {n_line}",
                    message=f"items and periods must be positive whole numbers, found {n} {T}",
                )
            ]
        )
    ni, nt = int(n), int(T)
    take("the constant 1 (unit production cost)")
    cap_line = line_of()
    cap = take("the capacity per period")
    problems: list[Problem] = []
    if cap < 0:
        problems.append(Problem(where=f"{name} line {cap_line}", message="negative capacity"))
    items: list[dict[str, Any]] = []
    for i in range(ni):
        ln = line_of()
        b = take(f"item {i}'s capacity use per unit")
        h = take(f"item {i}'s holding cost")
        st = take(f"item {i}'s setup time")
        sc = take(f"item {i}'s setup cost")
        if min(b, h, st, sc) < 0:
            problems.append(Problem(where=f"{name} line {ln}", message=f"item {i}: negative value"))
        items.append(
            {
                "id": str(i),
                "holding_cost": h,
                "order_cost": sc,
                "resource": "capacity",
                "time_per_unit": b,
                "setup_time": st,
                "demand": [0.0] * nt,
            }
        )
    for t in range(nt):
        for i in range(ni):
            ln = line_of()
            d = take(f"the demand of item {i} in period {t}")
            if d < 0:
                problems.append(Problem(where=f"{name} line {ln}", message=f"negative demand {d}"))
            items[i]["demand"][t] = d
    if problems:
        raise InvalidInput(problems)
    return {
        "periods": nt,
        "items": items,
        "resources": [{"id": "capacity", "capacity": cap}],
    }
