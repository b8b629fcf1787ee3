"""Building blocks every family's schema shares: the strict base model, bounded numbers and
clock times.

Numbers: every numeric field of every instance is finite (NaN and infinities are refused) and
bounded above by one of the types below, chosen so that sums over the largest instances the
service accepts stay far from what the solvers can represent (CP-SAT needs |values| well below
2^62 in sums; HiGHS treats 1e20 as infinite). A family checks the sums that a bound per field
cannot (scheduling: the horizon and the objective). The bound shows in the JSON Schema
(`maximum`) and at the end of the field's description.

One definition each, so that every family reads a clock time the same way: `HH:MM` from 00:00
to 23:59, and 24:00 (midnight at the end of the day) only where a time closes a period
(`ClockEnd`: a window's end). A start of 24:00 is refused with the same message everywhere.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_HHMM = re.compile(r"^(\d\d):(\d\d)$")


# the upper bounds of numbers (see the module text)
MAX_TIME = 10**8
"""Times and durations in time units (minutes: 190 years; seconds: 3 years)."""
MAX_COUNT = 10**9
"""Whole quantities, days, periods and counts."""
MAX_WEIGHT = 10**6
"""Whole penalty weights (a thousand times the usual 1000 of a hard-ish soft rule)."""
MAX_AMOUNT = 1e9
"""Quantities, capacities, rates and unit costs or prices given as decimals."""
MAX_MONEY = 1e12
"""Totals of money: budgets, a bound on the cost."""


def _bound(max_value: float) -> Any:
    return Field(le=max_value)


Time = Annotated[int, _bound(MAX_TIME)]
Count = Annotated[int, _bound(MAX_COUNT)]
Weight = Annotated[int, _bound(MAX_WEIGHT)]
Amount = Annotated[float, _bound(MAX_AMOUNT)]
Money = Annotated[float, _bound(MAX_MONEY)]
# the elements of lists and maps, which have no Field of their own to carry a lower bound
NonNegTime = Annotated[int, Field(ge=0, le=MAX_TIME)]
NonNegCount = Annotated[int, Field(ge=0, le=MAX_COUNT)]
NonNegAmount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
NonNegMoney = Annotated[float, Field(ge=0, le=MAX_MONEY)]
Share = Annotated[float, Field(ge=0, le=1)]


def _number_text(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


def _document_bounds(schema: dict[str, Any]) -> None:
    """Append "At most N." to the description of each property that has a maximum (in itself,
    in one branch of anyOf, or in its items), so that the bound is read where the field is."""
    for prop in schema.get("properties", {}).values():
        parts = [prop, *prop.get("anyOf", [])]
        parts += [p["items"] for p in list(parts) if isinstance(p.get("items"), dict)]
        highs = [p["maximum"] for p in parts if "maximum" in p]
        desc = prop.get("description")
        if highs and desc is not None and "At most" not in desc:
            each = (
                " each" if not any("maximum" in p for p in [prop, *prop.get("anyOf", [])]) else ""
            )
            prop["description"] = f"{desc.rstrip()} At most {_number_text(max(highs))}{each}."


class StrictModel(BaseModel):
    """A schema model that refuses unknown fields (a typo is an error, never ignored) and
    numbers that are not finite (NaN, Infinity)."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, json_schema_extra=_document_bounds
    )


def clock_minutes(text: str, *, end: bool = False) -> int:
    """Minutes after midnight of `HH:MM`; 24:00 (= 1440) only when `end`. ValueError otherwise."""
    m = _HHMM.match(text)
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        if h < 24 and mi < 60:
            return h * 60 + mi
        if end and h == 24 and mi == 0:
            return 1440
    span = "00:00 to 24:00" if end else "00:00 to 23:59"
    raise ValueError(f"expected a clock time HH:MM from {span}, got {text!r}")


def _time(text: str) -> str:
    clock_minutes(text)
    return text


def _end(text: str) -> str:
    clock_minutes(text, end=True)
    return text


ClockTime = Annotated[
    str,
    AfterValidator(_time),
    Field(description="Clock time HH:MM, 00:00 to 23:59.", examples=["06:00"]),
]
ClockEnd = Annotated[
    str,
    AfterValidator(_end),
    Field(
        description="Clock time HH:MM, 00:00 to 24:00 (24:00 is midnight at the end of the day).",
        examples=["22:00"],
    ),
]
