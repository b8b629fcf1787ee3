"""How values and invalid input read for a person: the terminal summaries (solve, batch) and
the HTML report share one formatter; every command prints invalid input the same way."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from ..core.errors import InvalidInput

_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:00)?")


def fmt_value(v: Any, missing: str = "-") -> str:
    """A value as a person reads it: 1,234 and 0.1235 (4 significant digits), yes/no, a list
    joined by commas, an ISO date-time to the minute; `missing` for None and NaN."""
    if v is None:
        return missing
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return missing
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) if v else "none"
    if isinstance(v, str) and _ISO.fullmatch(v):
        return v.replace("T", " ")[:16]  # 2026-11-30T06:30:00 -> 2026-11-30 06:30
    return str(v)


def print_invalid(console: Console, e: InvalidInput) -> None:
    """Invalid input: how many problems, then one line each (where: what)."""
    console.print(f"[bold red]invalid input[/]: {len(e.problems)} problem(s)", highlight=False)
    for p in e.problems:
        console.print(f"  - {p}", highlight=False, markup=False)
