"""The HTTP service (FastAPI): `opsplan serve`, or `create_app(settings)` in a host."""

from .app import create_app
from .executor import Executor, LocalProcessExecutor
from .settings import Settings, get_settings

__all__ = ["Executor", "LocalProcessExecutor", "Settings", "create_app", "get_settings"]
