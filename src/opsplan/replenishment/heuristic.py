"""Quick starting plans built by rule, without a solver (models/replenishment.md "Starting
plan"): order when the projected stock falls short, covering one period (lot for lot) or about
an EOQ's worth of periods. The values are named as the formulation's variables, so that
`Formulation.complete_start` can hand them to HiGHS as a warm start.
"""

from __future__ import annotations

import math

from .milp import Formulation

EPS = 1e-6


def cover_periods(F: Formulation) -> list[int]:
    """Periods of demand one order covers in the starting plan: EOQ / mean demand, at least 1,
    at most the shelf life less one period."""
    out = []
    for i, it in enumerate(F.P.inst.items):
        d = F.P.demand[i]
        mean = sum(d) / len(d) if d else 0.0
        k = 1
        if mean > 0 and it.order_cost > 0 and it.holding_cost > 0:
            k = max(1, round(math.sqrt(2 * mean * it.order_cost / it.holding_cost) / mean))
        if it.shelf_life is not None:
            k = min(k, max(1, it.shelf_life - 1))
        out.append(k)
    return out


def lot_for_lot(F: Formulation, cover: list[int] | None = None) -> dict[str, float]:
    """A quick starting plan: when the projected stock falls short of a period's demand plus
    safety stock, order that shortfall plus the demand of the next cover[i] - 1 periods (1:
    lot for lot), raised to the MOQ, rounded up to packs, within the maximum order and
    stock, as late as the lead time allows. Limits shared by items are not looked at (the
    solver discards a start that breaks one)."""
    P = F.P
    vals: dict[str, float] = {}
    for i, it in enumerate(P.inst.items):
        L = it.lead_time
        k_i = cover[i] if cover else 1
        level = it.initial_stock - (it.initial_backorder if F.b[i] is not None else 0.0)
        for a in range(P.T):
            need = P.demand[i][a] + P.safety[i] - (level + P.arriving[i][a])
            t = a - L
            q = 0.0
            if need > EPS and t in F.x[i]:
                need += sum(P.demand[i][a + 1 : a + k_i])
                if it.max_stock is not None:
                    room = it.max_stock + P.demand[i][a] - level - P.arriving[i][a]
                    need = max(min(need, room), P.demand[i][a] - level - P.arriving[i][a])
                q = max(need, it.moq)
                if it.pack_size:
                    q = math.ceil(q / it.pack_size - 1e-9) * it.pack_size
                if it.max_order is not None:
                    q = min(q, it.max_order)
                vals[f"x_{i}_{t}"] = q
                if F.y[i]:
                    vals[f"y_{i}_{t}"] = 1.0
                if it.pack_size:
                    vals[f"k_{i}_{t}"] = round(q / it.pack_size)
            net = level + P.arriving[i][a] + q - P.demand[i][a]
            lost = 0.0
            if F.lost[i] is not None and net < 0:
                lost = min(-net, P.demand[i][a])
                vals[f"l_{i}_{a}"] = lost
                net += lost
            vals[f"s_{i}_{a}"] = max(0.0, net)
            if F.b[i] is not None:
                vals[f"b_{i}_{a}"] = max(0.0, -net)
                vals[f"w_{i}_{a}"] = 1.0 if net < 0 else 0.0
            if F.u[i] is not None:
                vals[f"u_{i}_{a}"] = max(0.0, P.safety[i] - max(0.0, net))
            level = net
    return vals
