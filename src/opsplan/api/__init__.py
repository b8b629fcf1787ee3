"""The HTTP service (FastAPI): `opsplan serve`, or `create_app(settings)` in a host.

The names below load on first use, so `opsplan --version` and the other commands do not import
FastAPI, SQLAlchemy and the worker pool.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .executor import Executor, LocalProcessExecutor
    from .settings import Settings, get_settings

__all__ = ["Executor", "LocalProcessExecutor", "Settings", "create_app", "get_settings"]
_WHERE = {
    "create_app": ".app",
    "Executor": ".executor",
    "LocalProcessExecutor": ".executor",
    "Settings": ".settings",
    "get_settings": ".settings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(name)
