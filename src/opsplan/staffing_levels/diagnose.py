"""Pre-check for staffing levels: there is nothing to find.

Every instance is feasible: under-coverage is priced (`under_penalty`), never forbidden, and no
people at all satisfies the part-time share and every headcount cap. So the solve never answers
`infeasible`, and there are no conflicting rules to explain.
"""

from __future__ import annotations

from ..core.options import SolveOptions
from ..core.result import Finding
from .prepare import Prepared


def precheck(prep: Prepared, options: SolveOptions) -> list[Finding]:
    return []
