"""opsplan: optimal plans for operations, with honest, checked results."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .core.errors import InvalidInput, Problem
from .core.options import SolveOptions
from .core.result import Finding, SolveResult
from .core.run import Progress
from .core.solve import SolveRequest, solve, validate
from .core.status import SolveStatus
from .io.load import load_request

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd


def to_frames(result: SolveResult, instance: Any | None = None) -> dict[str, pd.DataFrame]:
    """A result -> pandas DataFrames per table: summary, the plan, per-resource views, KPIs,
    penalties, violations, diagnosis. `instance` (optional) adds what only it knows."""
    from .io.write_tables import to_frames as _to_frames

    return _to_frames(result, instance)


def from_frames(model: str, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """DataFrames per input table (as in `opsplan template MODEL`) -> a validated solve
    request; InvalidInput names table, row and column of every problem."""
    from .io.read_tables import from_frames as _from_frames

    return _from_frames(model, frames)


def instance_frames(model: str, instance: Any) -> dict[str, pd.DataFrame]:
    """An instance (dict or model) -> DataFrames per input table (the inverse of from_frames)."""
    from .io.write_tables import instance_frames as _instance_frames

    return _instance_frames(model, instance)


try:
    __version__ = version("opsplan")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Finding",
    "InvalidInput",
    "Problem",
    "Progress",
    "SolveOptions",
    "SolveRequest",
    "SolveResult",
    "SolveStatus",
    "__version__",
    "from_frames",
    "instance_frames",
    "load_request",
    "solve",
    "to_frames",
    "validate",
]
