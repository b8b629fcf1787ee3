"""OR-Tools bundles its own HiGHS; highspy >= 1.15 exports clashing symbols and breaks whichever
library loads second (google/or-tools#5246). Both must work in one process, in either order."""

from __future__ import annotations

import subprocess
import sys

import pytest

CPSAT = (
    "from ortools.sat.python import cp_model; m = cp_model.CpModel(); "
    "x = m.new_int_var(0, 3, 'x'); m.maximize(x); s = cp_model.CpSolver(); "
    "assert s.solve(m) == cp_model.OPTIMAL"
)
HIGHS = (
    "import highspy, pulp; p = pulp.LpProblem('t', pulp.LpMinimize); "
    "a = pulp.LpVariable('a', 0, 5); p += a; p += a >= 2; "
    "p.solve(pulp.HiGHS(msg=False)); assert abs(a.value() - 2) < 1e-9"
)


@pytest.mark.parametrize("first, second", [(CPSAT, HIGHS), (HIGHS, CPSAT)])
def test_cpsat_and_highs_work_in_one_process_in_either_order(first, second):
    r = subprocess.run(
        [sys.executable, "-c", f"{first}\n{second}"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr[-2000:]
