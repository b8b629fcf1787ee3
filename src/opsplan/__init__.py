"""opsplan: optimal plans for operations, with honest, checked results."""

from importlib.metadata import PackageNotFoundError, version

from .core.errors import InvalidInput, Problem
from .core.options import SolveOptions
from .core.result import Finding, SolveResult
from .core.run import Progress
from .core.solve import SolveRequest, solve, validate
from .core.status import SolveStatus
from .io.load import load_request

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
    "load_request",
    "solve",
    "validate",
]
