"""Imported once by the fork server of a local pool: the solver stack and every model family, so
that each worker process forked from it starts ready."""

from ..core import solve as _solve  # noqa: F401
from . import task as _task  # noqa: F401
from .worker import warm

warm()
