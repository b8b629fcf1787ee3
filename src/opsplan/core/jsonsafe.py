"""Keep JSON valid: no Infinity or NaN anywhere in a result."""

from __future__ import annotations

import math
from typing import Any


def finite_or_none(x: float | int | None) -> float | int | None:
    if x is None:
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def sanitize(obj: Any) -> Any:
    """Replace non-finite floats by None, recursively (dicts, lists, tuples)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: sanitize(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [sanitize(v) for v in obj]
    return obj
