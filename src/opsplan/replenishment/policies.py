"""Classic per-item replenishment rules, for planners who want a rule rather than a plan.

Per item, from the forecast (mean demand per period mu, forecast error sigma) and the item's
safety stock SS (its own rule; none given: 0):
- EOQ = sqrt(2 mu K / h) (K order cost, h holding cost per unit and period), raised to the
  MOQ and rounded up to whole packs; lot-for-lot (one period's demand) when K or h is 0;
- (R, Q), continuous review: reorder point R = mu (L + 1) + SS, order quantity Q = EOQ;
- (s, S), periodic review every period: s = R, order up to S = s + EOQ.
The protection interval is the lead time plus one review period, as in the safety stock rule.
"""

from __future__ import annotations

import math

from .prepare import Prepared
from .schema import PolicyRow


def eoq(mean: float, order_cost: float, holding: float) -> float:
    if mean <= 0:
        return 0.0
    if order_cost <= 0 or holding <= 0:
        return mean
    return math.sqrt(2.0 * mean * order_cost / holding)


def policies(P: Prepared) -> list[PolicyRow]:
    rows = []
    for i, it in enumerate(P.inst.items):
        d = P.demand[i]
        mu = sum(d) / len(d) if d else 0.0
        q = eoq(mu, it.order_cost, it.holding_cost)
        if q > 0:
            q = max(q, it.moq)
            if it.pack_size:
                q = math.ceil(q / it.pack_size - 1e-9) * it.pack_size
        ss = P.safety[i]
        r = mu * (it.lead_time + 1) + ss
        rows.append(
            PolicyRow(
                item=it.id,
                mean_demand=round(mu, 6),
                forecast_error=round(P.error[i], 6),
                forecast_method=P.method[i],
                safety_stock=round(ss, 6),
                eoq=round(q, 6),
                reorder_point=round(r, 6),
                order_up_to=round(r + q, 6),
            )
        )
    return rows
