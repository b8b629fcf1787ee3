"""Cross-reference checks after pydantic: every problem found, each with its path and ids."""

from __future__ import annotations

from ..core.errors import Problem
from .schema import SupplierInstance


def _dups(ids: list[str]) -> list[int]:
    seen: set[str] = set()
    out = []
    for k, i in enumerate(ids):
        if i in seen:
            out.append(k)
        seen.add(i)
    return out


def validate(inst: SupplierInstance) -> list[Problem]:
    out: list[Problem] = []

    def bad(where: str, msg: str) -> None:
        out.append(Problem(where=where, message=msg))

    T = inst.periods
    assert inst.need_days is not None
    if len(inst.need_days) != T:
        bad("need_days", f"has {len(inst.need_days)} dates for {T} periods")
    items = {i.id: i for i in inst.items}
    sups = {s.id: s for s in inst.suppliers}
    for k in _dups([i.id for i in inst.items]):
        bad(f"items[{k}].id", f"duplicate item id {inst.items[k].id!r}")
    for k in _dups([s.id for s in inst.suppliers]):
        bad(f"suppliers[{k}].id", f"duplicate supplier id {inst.suppliers[k].id!r}")
    for k, it in enumerate(inst.items):
        p = f"items[{k}] ({it.id})"
        if len(it.demand) != T:
            bad(f"{p}.demand", f"has {len(it.demand)} numbers for {T} periods")
        if it.need_days is not None and len(it.need_days) != T:
            bad(f"{p}.need_days", f"has {len(it.need_days)} dates for {T} periods")
        lo = it.min_suppliers or inst.policies.min_suppliers
        hi = it.max_suppliers or inst.policies.max_suppliers
        own = it.min_suppliers is not None or it.max_suppliers is not None
        if own and lo is not None and hi is not None and lo > hi:
            bad(f"{p}.min_suppliers", f"at least {lo} suppliers but at most {hi}")
        if inst.scenarios and it.spot_price is None:
            bad(f"{p}.spot_price", "needed when disruption scenarios are given")
    for k, s in enumerate(inst.suppliers):
        if s.capacity is not None:
            p = f"suppliers[{k}] ({s.id}).capacity"
            if len(s.capacity) != T:
                bad(p, f"has {len(s.capacity)} numbers for {T} periods")
    pairs: set[tuple[str, str]] = set()
    for k, o in enumerate(inst.offers):
        p = f"offers[{k}] ({o.item}/{o.supplier})"
        if o.item not in items:
            bad(f"{p}.item", f"unknown item {o.item!r}")
        if o.supplier not in sups:
            bad(f"{p}.supplier", f"unknown supplier {o.supplier!r}")
        if (o.item, o.supplier) in pairs:
            bad(p, f"a second offer of item {o.item!r} by supplier {o.supplier!r}")
        pairs.add((o.item, o.supplier))
        if o.tiers[0].min_quantity != 0:
            bad(f"{p}.tiers[0].min_quantity", "the first tier must start at 0")
        for j in range(1, len(o.tiers)):
            if o.tiers[j].min_quantity <= o.tiers[j - 1].min_quantity:
                bad(
                    f"{p}.tiers[{j}].min_quantity",
                    f"{o.tiers[j].min_quantity} is not above the previous tier's "
                    f"{o.tiers[j - 1].min_quantity}",
                )
        if o.max_quantity is not None and o.max_quantity < o.moq:
            if inst.policies.order_basis == "period":
                bad(f"{p}.moq", f"MOQ {o.moq} is above the maximum quantity {o.max_quantity}")
            elif o.max_quantity * T < o.moq:
                bad(f"{p}.moq", f"MOQ {o.moq} is above {T} periods x {o.max_quantity}")
    for k, c in enumerate(inst.policies.commitments):
        p = f"policies.commitments[{k}]"
        if c.supplier not in sups:
            bad(f"{p}.supplier", f"unknown supplier {c.supplier!r}")
        if c.item is not None:
            if c.item not in items:
                bad(f"{p}.item", f"unknown item {c.item!r}")
            elif c.supplier in sups and (c.item, c.supplier) not in pairs:
                bad(p, f"supplier {c.supplier!r} has no offer for item {c.item!r}")
    lo, hi = inst.policies.min_suppliers, inst.policies.max_suppliers
    if lo is not None and hi is not None and lo > hi:
        bad("policies.min_suppliers", f"at least {lo} suppliers but at most {hi}")
    for k in _dups([w.id for w in inst.scenarios]):
        bad(f"scenarios[{k}].id", f"duplicate scenario id {inst.scenarios[k].id!r}")
    total_p = sum(w.probability for w in inst.scenarios)
    if total_p > 1 + 1e-9:
        bad("scenarios", f"probabilities add up to {total_p:g}, more than 1")
    for k, w in enumerate(inst.scenarios):
        p = f"scenarios[{k}] ({w.id})"
        for j, sid in enumerate(w.failing):
            if sid not in sups:
                bad(f"{p}.failing[{j}]", f"unknown supplier {sid!r}")
        for sid in w.capacity_loss:
            if sid not in sups:
                bad(f"{p}.capacity_loss.{sid}", f"unknown supplier {sid!r}")
    if inst.cvar is not None and not inst.scenarios:
        bad("cvar", "a tail bound needs disruption scenarios")
    ob = inst.objective
    if ob.mode in ("weighted", "lexicographic"):
        if not ob.terms:
            bad("objective.terms", f"mode {ob.mode} needs at least one term")
        names = [t.term for t in ob.terms]
        for k in _dups(list(names)):
            bad(f"objective.terms[{k}]", f"term {names[k]!r} appears twice")
    if ob.mode == "pareto" and ob.pareto_term == "cost":
        bad("objective.pareto_term", "pareto mode trades cost against another term, not cost")
    return out
