"""Imported once by the forkserver of LocalExecutor: the solver stack and every family, so that
each worker process forked from it starts ready."""

from ..core import registry
from ..core import solve as _solve  # noqa: F401

registry.names()
