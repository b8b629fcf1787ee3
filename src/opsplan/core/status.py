"""The solve status every family reports, and how each backend's native status maps onto it."""

from __future__ import annotations

from enum import StrEnum


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # proven optimal (within relative_gap when one was asked for)
    FEASIBLE = "feasible"  # a checked plan, optimality not proven (a limit stopped the search)
    INFEASIBLE = "infeasible"  # proven that no plan satisfies the hard rules
    NO_SOLUTION = "no_solution"  # a limit (or a cancel) stopped the search before any plan
    UNBOUNDED = "unbounded"
    ERROR = "error"  # the model or the checker failed; see violations / messages

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    @property
    def is_answer(self) -> bool:
        """Did the solve answer the question? A plan, or a proof that there is none.

        The one definition the CLI (exit 0), batch ("ok") and the service (job `succeeded`)
        share. `no_solution` (a limit came first), `unbounded` and `error` are not answers.
        """
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.INFEASIBLE)


# CP-SAT status names (cp_model.CpSolverStatus) -> SolveStatus
CPSAT_STATUS: dict[str, SolveStatus] = {
    "OPTIMAL": SolveStatus.OPTIMAL,
    "FEASIBLE": SolveStatus.FEASIBLE,
    "INFEASIBLE": SolveStatus.INFEASIBLE,
    "UNKNOWN": SolveStatus.NO_SOLUTION,
    "MODEL_INVALID": SolveStatus.ERROR,
}
