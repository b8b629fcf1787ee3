"""The plant generator lives in the package (tests use it too): opsplan.scheduling.generate."""

from opsplan.scheduling.generate import GROUPS, SIZES, make_plant

__all__ = ["GROUPS", "SIZES", "make_plant"]
