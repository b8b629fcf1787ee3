"""HiGHS with and without MIP presolve, and CBC, on small random lot-sizing models.

    python benchmarks/highs_presolve_check.py [--models 300]

Counts the models where HiGHS's optimum with presolve on (and, for reference, with presolve
off) differs from CBC's. Used to decide HIGHS_DEFAULTS in core/backends/highs.py.
"""

from __future__ import annotations

import argparse
import random

import highspy
import pulp

from opsplan.replenishment.milp import Formulation
from opsplan.replenishment.prepare import prepare
from opsplan.replenishment.schema import ReplenishmentInstance


def model(seed: int) -> ReplenishmentInstance:
    rng = random.Random(seed)
    T, n = rng.randint(2, 6), rng.randint(1, 3)
    items = []
    for i in range(n):
        on_line = rng.random() < 0.5
        items.append(
            {
                "id": str(i),
                "demand": [rng.choice([0, rng.randint(1, 30)]) for _ in range(T)],
                "unit_cost": rng.choice([0, 1, 2]),
                "order_cost": rng.randint(0, 100),
                "holding_cost": rng.choice([0.1, 1, 3]),
                "moq": rng.choice([0, 0, 15]),
                "resource": "L" if on_line else None,
                "time_per_unit": 1 if on_line else 0,
                "setup_time": rng.choice([0, 3]) if on_line else 0,
            }
        )
    d: dict[str, object] = {
        "periods": T,
        "items": items,
        "resources": [{"id": "L", "capacity": rng.randint(30, 80)}],
    }
    if rng.random() < 0.5:
        d["budget"] = rng.randint(40, 120)
    return ReplenishmentInstance.model_validate(d)


def highs(lp: highspy.HighsLp, presolve: str) -> float | None:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", presolve)
    h.passModel(lp)
    h.run()
    if h.modelStatusToString(h.getModelStatus()) != "Optimal":
        return None
    return float(h.getInfo().objective_function_value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=300)
    a = ap.parse_args()
    wrong = {"on": 0, "off": 0}
    for seed in range(a.models):
        inst = model(seed)
        F = Formulation(prepare(inst))
        F.prob.solve(pulp.PULP_CBC_CMD(msg=False))
        cbc = pulp.value(F.prob.objective) if F.prob.status == 1 else None
        G = Formulation(prepare(inst))
        G.prob.solve(pulp.HiGHS(msg=False, presolve="off"))  # only to get the HiGHS model
        lp = G.prob.solverModel.getLp()
        for p in ("on", "off"):
            got = highs(lp, p)
            if (got is None) != (cbc is None) or (
                got is not None and cbc is not None and abs(got - cbc) > 1e-6 * max(1, abs(cbc))
            ):
                wrong[p] += 1
    print(
        f"{a.models} models: HiGHS optimum differs from CBC with presolve on in {wrong['on']}, "
        f"with presolve off in {wrong['off']}"
    )


if __name__ == "__main__":
    main()
