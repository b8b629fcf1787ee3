"""Cross-reference checks after pydantic: every problem found, each with its path and id."""

from __future__ import annotations

from ..core.errors import Problem, repeats
from .schema import ReplenishmentInstance


def validate(inst: ReplenishmentInstance) -> list[Problem]:
    out: list[Problem] = []
    T = inst.periods

    def bad(where: str, msg: str) -> None:
        out.append(Problem(where=where, message=msg))

    def series(where: str, v: float | list[float] | None) -> None:
        if isinstance(v, list) and len(v) != T:
            bad(where, f"expected one value per period ({T}), found {len(v)}")

    series("warehouse_space", inst.warehouse_space)
    series("budget", inst.budget)
    sup_ids = {g.id for g in inst.suppliers}
    for k, rep in enumerate(repeats([g.id for g in inst.suppliers])):
        if rep:
            bad(f"suppliers[{k}].id", f"duplicate supplier id {inst.suppliers[k].id!r}")
    res_ids = {r.id for r in inst.resources}
    for k, rep in enumerate(repeats([r.id for r in inst.resources])):
        if rep:
            bad(f"resources[{k}].id", f"duplicate resource id {inst.resources[k].id!r}")
    for k, r in enumerate(inst.resources):
        series(f"resources[{k}].capacity", r.capacity)
    reps = repeats([it.id for it in inst.items])
    for k, it in enumerate(inst.items):
        p = f"items[{k}]"
        name = f"item {it.id!r}"
        if reps[k]:
            bad(f"{p}.id", f"duplicate item id {it.id!r}")
        if it.demand is None and it.history is None:
            bad(p, f"{name}: give a forecast `demand` or a demand `history`")
        if it.demand is not None and len(it.demand) != T:
            bad(
                f"{p}.demand",
                f"{name}: expected {T} values (one per period), found {len(it.demand)}",
            )
        if it.history is not None and it.demand is None and len(it.history) == 0:
            bad(f"{p}.history", f"{name}: an empty history cannot give a forecast")
        for j, o in enumerate(it.on_order):
            if o.period >= T:
                bad(
                    f"{p}.on_order[{j}].period",
                    f"{name}: arrives in period {o.period}, after the last period {T - 1}",
                )
        ss = it.safety_stock
        if (
            ss is not None
            and ss.kind == "service_level"
            and it.forecast_error is None
            and not it.history
        ):
            bad(
                f"{p}.safety_stock",
                f"{name}: a service-level safety stock needs "
                "`forecast_error` or a demand `history`",
            )
        if it.initial_backorder > 0 and it.shortage.mode != "backorder":
            bad(f"{p}.initial_backorder", f"{name}: backorders need shortage mode 'backorder'")
        if it.supplier is not None and it.supplier not in sup_ids:
            bad(f"{p}.supplier", f"{name}: unknown supplier {it.supplier!r}")
        if it.resource is not None and it.resource not in res_ids:
            bad(f"{p}.resource", f"{name}: unknown resource {it.resource!r}")
        if it.resource is None and (it.time_per_unit > 0 or it.setup_time > 0):
            bad(f"{p}.resource", f"{name}: time_per_unit / setup_time need a `resource`")
        if it.pack_size and it.max_order is not None and it.max_order < it.pack_size:
            bad(
                f"{p}.max_order",
                f"{name}: max_order {it.max_order} is below one pack ({it.pack_size})",
            )
        if it.max_order is not None and it.max_order < it.moq:
            bad(f"{p}.max_order", f"{name}: max_order {it.max_order} is below the MOQ {it.moq}")
    return out
