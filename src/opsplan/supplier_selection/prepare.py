"""Dense indices and derived data, built once per solve (`ModelSpec.prepare`) and handed to the
pre-check and the solve (the formulation, the search, the diagnosis); the checker never uses it.

Offers get index o, periods t. A line (o, t) exists when the offer's lead time lets it deliver
before the item's need date in period t. A price group is what tiers and the MOQ apply to:
the offer's lines over the horizon, or one line (order_basis "period").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..core.run import RunContext
from .schema import Offer, SupplierInstance


@dataclass
class Group:
    o: int
    lines: list[tuple[int, int]]  # (o, t)
    bound: int  # no optimal plan orders more than this in the group


@dataclass
class Prepared:
    inst: SupplierInstance
    T: int = 0
    item_ix: dict[str, int] = field(default_factory=dict)
    sup_ix: dict[str, int] = field(default_factory=dict)
    offers: list[Offer] = field(default_factory=list)
    o_item: list[int] = field(default_factory=list)
    o_sup: list[int] = field(default_factory=list)
    o_lead: list[int] = field(default_factory=list)
    need: list[list[int]] = field(default_factory=list)  # [i][t]
    demand: list[list[int]] = field(default_factory=list)  # [i][t]
    cap: list[list[int | None]] = field(default_factory=list)  # [s][t]
    loss: list[list[float]] = field(default_factory=list)  # [w][s]
    line_ub: dict[tuple[int, int], int] = field(default_factory=dict)  # eligible lines only
    groups: list[Group] = field(default_factory=list)
    by_item: list[list[int]] = field(default_factory=list)
    by_sup: list[list[int]] = field(default_factory=list)

    def __init__(self, inst: SupplierInstance, use_capacity: bool = True):
        self.inst = inst
        T = self.T = inst.periods
        assert inst.need_days is not None
        self.item_ix = {it.id: i for i, it in enumerate(inst.items)}
        self.sup_ix = {s.id: k for k, s in enumerate(inst.suppliers)}
        self.need = [list(it.need_days or inst.need_days) for it in inst.items]
        self.demand = [list(it.demand) for it in inst.items]
        self.cap = [
            list(s.capacity) if s.capacity is not None else [None] * T for s in inst.suppliers
        ]
        S = len(inst.suppliers)
        self.loss = []
        for w in inst.scenarios:
            row = [0.0] * S
            for sid, f in w.capacity_loss.items():
                row[self.sup_ix[sid]] = f
            for sid in w.failing:
                row[self.sup_ix[sid]] = 1.0
            self.loss.append(row)
        self.offers = list(inst.offers)
        self.o_item = [self.item_ix[o.item] for o in self.offers]
        self.o_sup = [self.sup_ix[o.supplier] for o in self.offers]
        self.o_lead = [
            o.lead_time_days
            if o.lead_time_days is not None
            else inst.suppliers[self.o_sup[k]].lead_time_days
            for k, o in enumerate(self.offers)
        ]
        self.by_item = [[] for _ in inst.items]
        self.by_sup = [[] for _ in inst.suppliers]
        for k in range(len(self.offers)):
            self.by_item[self.o_item[k]].append(k)
            self.by_sup[self.o_sup[k]].append(k)
        commit_pair: dict[tuple[int, int], int] = {}
        commit_sup: dict[int, int] = {}
        for cm in inst.policies.commitments:
            s = self.sup_ix[cm.supplier]
            if cm.item is None:
                commit_sup[s] = commit_sup.get(s, 0) + cm.min_quantity
            else:
                key = (self.item_ix[cm.item], s)
                commit_pair[key] = commit_pair.get(key, 0) + cm.min_quantity
        self.line_ub = {}
        self.groups = []
        for k, off in enumerate(self.offers):
            i, s = self.o_item[k], self.o_sup[k]
            # hedging: a supplier that loses a share f < 1 of each order may get D / (1 - f)
            fmax = max((row[s] for row in self.loss if row[s] < 1), default=0.0)
            extra = max(
                off.tiers[-1].min_quantity,
                off.moq,
                commit_pair.get((i, s), 0),
                commit_sup.get(s, 0),
            )

            share = min(
                (
                    a
                    for a in (
                        inst.policies.max_share_supplier,
                        inst.policies.max_share_region,
                    )
                    if a is not None
                ),
                default=None,
            )
            cap_share = None if share is None else math.floor(share * sum(self.demand[i]) + 1e-9)

            def cover(
                d: int,
                fmax: float = fmax,
                extra: int = extra,
                m: int = off.multiple,
                cap_share: int | None = cap_share,
            ) -> int:
                b = max(math.ceil(d / (1 - fmax) - 1e-9), extra) + m - 1
                return b if cap_share is None else min(b, cap_share)  # the share limits

            lines = []
            for t in range(T):
                if self.o_lead[k] > self.need[i][t]:
                    continue
                ub = cover(sum(self.demand[i]))
                if off.max_quantity is not None:
                    ub = min(ub, off.max_quantity)
                c = self.cap[s][t] if use_capacity else None
                if c is not None:
                    ub = min(ub, c)
                ub -= ub % off.multiple
                if ub > 0:
                    self.line_ub[(k, t)] = ub
                    lines.append((k, t))
            if inst.policies.order_basis == "horizon":
                if lines:
                    b = min(cover(sum(self.demand[i])), sum(self.line_ub[ln] for ln in lines))
                    self.groups.append(Group(k, lines, b))
            else:
                for ln in lines:
                    b = min(cover(self.demand[i][ln[1]]), self.line_ub[ln])
                    self.groups.append(Group(k, [ln], b))

    def lead_ok(self, k: int, t: int) -> bool:
        return self.o_lead[k] <= self.need[self.o_item[k]][t]

    def max_defect_rate(self, i: int) -> float | None:
        it = self.inst.items[i]
        return (
            it.max_defect_rate
            if it.max_defect_rate is not None
            else (self.inst.policies.max_defect_rate)
        )

    def supplier_limits(self, i: int) -> tuple[int | None, int | None]:
        it, p = self.inst.items[i], self.inst.policies
        lo = it.min_suppliers if it.min_suppliers is not None else p.min_suppliers
        hi = it.max_suppliers if it.max_suppliers is not None else p.max_suppliers
        return lo, hi


def prepare(inst: SupplierInstance, ctx: RunContext | None = None) -> Prepared:
    """The derived data of one solve, built once (ModelSpec.prepare)."""
    return Prepared(inst)
