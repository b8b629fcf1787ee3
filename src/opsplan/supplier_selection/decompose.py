"""Decomposition by item: small MILPs over a few items at a time, the rest of the plan fixed.

Items are linked only through supplier capacities, supplier fixed costs ("used at all"),
supplier-wide commitments and the budget (and the CVaR tail bound, which this module does not
handle: the solver does not use it then). With the quantities of all other items fixed, those
links become data of a small instance over the free items:

- capacity: each supplier's capacity less what the fixed items take in each period;
- fixed cost: 0 for a supplier the fixed items already use, its own fixed cost otherwise;
- a supplier-wide commitment: its volume less what the fixed items already give;
- an item's commitment: kept when the item is free (the fixed items meet theirs already);
- budget: less the purchase and fixed cost of the fixed items.

So the whole plan's objective is the fixed items' part plus the small instance's objective,
and a plan of the small instance joined to the fixed part is a plan of the whole instance.
This gives

- `Decomposer.repair`: places the items the greedy start could not place, each freed with the
  placed items that take most of its suppliers' capacity; and
- `Decomposer.improve`: fix-and-optimise, re-solving neighbourhoods of a few items (random
  ones, or items that share a supplier) and keeping every exact improvement.

`greedy` (below) builds the first plan without a solver.

Every small instance is solved with the family's own formulation (`Formulation`) through the
PuLP backend. The plans are heuristic: the solver reports the full model's bound beside them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from ..core.backends import pulp as backend
from ..core.options import SolveOptions
from ..core.run import Interrupted, RunContext
from .milp import Formulation
from .prepare import Prepared
from .schema import Objective, Policies, SupplierInstance

Plan = dict[tuple[int, int], int]
GREEDY_OFFERS = 6  # the greedy builds each item's sets from its cheapest offers
STOP_EVERY = 16  # items planned between two checks of `stop` (the deadline, a cancel)
Evaluate = Callable[[Prepared, Plan], float]


def _order_cost(P: Prepared, o: int, q: int) -> float:
    off = P.offers[o]
    tiers = off.tiers
    k = max(j for j, tr in enumerate(tiers) if tr.min_quantity <= q)
    if off.break_type == "all_units":
        return tiers[k].price * q
    cost = 0.0
    for j in range(k + 1):
        end = tiers[j + 1].min_quantity if j + 1 < len(tiers) else q
        cost += tiers[j].price * (min(end, q) - tiers[j].min_quantity)
    return cost


class Decomposer:
    def __init__(
        self,
        P: Prepared,
        objective: Objective,
        opts: SolveOptions,
        ctx: RunContext,
        messages: list[str],
    ):
        self.P = P
        self.objective = objective
        self.opts = opts.model_copy(update={"relative_gap": min(opts.relative_gap, 1e-4)})
        self.ctx = ctx
        self.messages = messages
        self.horizon = P.inst.policies.order_basis == "horizon"
        n_items = len(P.by_item)
        self.n_items = n_items

    # ------------------------------------------------------------------ the small instance
    def _sub(
        self,
        free: Sequence[int],
        rest: Plan,
        commit_min: list[int],
    ) -> tuple[SupplierInstance, list[int]]:
        """The instance over the items `free`, with `rest` (the other items' quantities)
        fixed; `commit_min[c]` is what commitment c asks of these items."""
        P, inst = self.P, self.P.inst
        S, T = len(inst.suppliers), P.T
        used = [[0] * T for _ in range(S)]
        sup_used = [False] * S
        spent = 0.0
        offer_tot: dict[int, int] = {}
        for (o, t), q in rest.items():
            if q <= 0:
                continue
            s = P.o_sup[o]
            used[s][t] += q
            sup_used[s] = True
            offer_tot[o] = offer_tot.get(o, 0) + q
        if inst.policies.budget is not None:
            if self.horizon:
                spent = sum(_order_cost(P, o, q) for o, q in offer_tot.items())
            else:
                spent = sum(_order_cost(P, o, q) for (o, _t), q in rest.items() if q > 0)
            spent += sum(sp.fixed_cost for s, sp in enumerate(inst.suppliers) if sup_used[s])
        offers = [o for i in free for o in P.by_item[i]]
        suppliers = []
        for s, sp in enumerate(inst.suppliers):
            fc = 0.0 if sup_used[s] else sp.fixed_cost
            cap = None
            if sp.capacity is not None:
                cap = [max(0, sp.capacity[t] - used[s][t]) for t in range(T)]
            suppliers.append(sp.model_copy(update={"fixed_cost": fc, "capacity": cap}))
        pol = inst.policies
        commitments = [
            cm.model_copy(update={"min_quantity": m})
            for cm, m in zip(pol.commitments, commit_min, strict=True)
            if m > 0
        ]
        budget = None if pol.budget is None else max(0.0, pol.budget - spent)
        policies = Policies.model_construct(
            **{**dict(pol), "commitments": commitments, "budget": budget}
        )
        sub = SupplierInstance.model_construct(
            periods=inst.periods,
            need_days=inst.need_days,
            items=[inst.items[i] for i in free],
            suppliers=suppliers,
            offers=[P.offers[o] for o in offers],
            policies=policies,
            scenarios=inst.scenarios,
            cvar=None,
            objective=self.objective,
        )
        return sub, offers

    def _solve_sub(self, sub: SupplierInstance, offers: list[int], limit: float) -> Plan | None:
        """The small instance's plan; None when it has none or the deadline or a cancel
        stopped it (the callers check the context before the next one)."""
        Q = Prepared(sub)
        try:
            G = Formulation(Q, ctx=self.ctx)
        except Interrupted:
            return None
        ob = self.objective
        if ob.mode == "weighted":
            G.set_objective(sum(t.weight * G.terms[t.term] for t in ob.terms))
        else:
            G.set_objective(G.terms["cost"])
        r = backend.run(G.prob, self.opts, self.ctx, time_limit_s=limit)
        if not r.has_solution:
            return None
        return {(offers[o], t): q for (o, t), q in G.extract().items()}

    def _commit_left(self, rest: Plan, free: set[int]) -> list[int]:
        """What each commitment still asks of the free items when `rest` is fixed."""
        P = self.P
        out = []
        for cm in P.inst.policies.commitments:
            s = P.sup_ix[cm.supplier]
            if cm.item is not None:
                out.append(cm.min_quantity if P.item_ix[cm.item] in free else 0)
                continue
            given = sum(q for (o, _t), q in rest.items() if P.o_sup[o] == s)
            out.append(max(0, cm.min_quantity - given))
        return out

    # ------------------------------------------------------------------ repair
    def repair(self, plan: Plan, unplaced: list[int], deadline: float) -> Plan | None:
        """Place the items the greedy left out: each with the placed items that take most
        of its offers' suppliers' capacity (8, then 24), as one small instance with the rest
        fixed. None when an item still finds no room."""
        P, ctx = self.P, self.ctx
        for i in unplaced:
            sups = {P.o_sup[o] for o in P.by_item[i]}
            load: dict[int, int] = {}
            for (o, _t), q in plan.items():
                if P.o_sup[o] in sups:
                    load[P.o_item[o]] = load.get(P.o_item[o], 0) + q
            heavy = sorted(load, key=lambda j: -load[j])
            got = None
            for k in (8, 24):
                if ctx.elapsed() > deadline or ctx.should_end():
                    self.messages.append(
                        f"repair: stopped by the time limit or a cancel request "
                        f"(at {ctx.elapsed():.1f} s)"
                    )
                    return None
                free = {i, *heavy[:k]}
                rest = {key: q for key, q in plan.items() if P.o_item[key[0]] not in free}
                sub, offers = self._sub(sorted(free), rest, self._commit_left(rest, free))
                got = self._solve_sub(sub, offers, max(0.05, min(5.0, deadline - ctx.elapsed())))
                if got is not None:
                    plan = {**rest, **got}
                    break
            if got is None and ctx.should_end():
                self.messages.append(
                    "repair: stopped by the time limit or a cancel request "
                    f"(at {ctx.elapsed():.1f} s)"
                )
                return None
            if got is None:
                self.messages.append(f"repair: no room for item {P.inst.items[i].id}")
                return None
        return plan

    # ------------------------------------------------------------------ improve
    def improve(
        self,
        plan: Plan,
        value: Evaluate,
        deadline: float,
        k: int = 10,
        seed: int = 0,
        min_gain: float = 0.0,
        window: int = 20,
    ) -> tuple[Plan, int]:
        """Fix-and-optimise over items: free k items (random, or sharing a supplier), solve
        their small instance with the rest fixed, keep the joined plan when its exact
        objective is lower. Stops at the deadline, after about two rounds over all items
        without a gain, or when the last `window` neighbourhoods gained less than `min_gain`
        (a share of the objective): the time is then worth more to the full model's bound."""
        P, ctx = self.P, self.ctx
        rnd = random.Random(seed)
        best = value(P, plan)
        k = min(k, self.n_items)
        found = idle = 0
        history = [best]  # the best objective before each neighbourhood
        while ctx.elapsed() < deadline - 0.1 and not ctx.stop_requested():
            if idle >= max(4, 2 * self.n_items // k):
                break
            if (
                min_gain > 0
                and len(history) > window
                and history[-window - 1] - best < min_gain * abs(best)
            ):
                break
            history.append(best)
            if rnd.random() < 0.5:
                free = set(rnd.sample(range(self.n_items), k))
            else:
                s = rnd.randrange(len(P.by_sup))
                its = sorted({P.o_item[o] for o in P.by_sup[s]})
                free = set(rnd.sample(its, min(k, len(its)))) if its else set()
                if len(free) < k:
                    others = [i for i in range(self.n_items) if i not in free]
                    free |= set(rnd.sample(others, k - len(free)))
            rest = {key: q for key, q in plan.items() if P.o_item[key[0]] not in free}
            sub, offers = self._sub(sorted(free), rest, self._commit_left(rest, free))
            left = min(3.0, deadline - ctx.elapsed())
            if left <= 0.05:
                break
            got = self._solve_sub(sub, offers, left)
            if got is None:
                idle += 1
                continue
            cand = {**rest, **got}
            v = value(P, cand)
            if v < best - 1e-6 * max(1.0, abs(best)):
                plan, best, found, idle = cand, v, found + 1, 0
            else:
                idle += 1
        return plan, found


# ---------------------------------------------------------------------- greedy start
def greedy(
    P: Prepared,
    value: Evaluate | None = None,
    budget_s: float = 5.0,
    rounds: int = 12,
    stop: Callable[[], bool] | None = None,
) -> tuple[Plan, list[int]] | None:
    """A constructive plan without a solver (order basis "horizon" only; None otherwise or
    when it finds none). Items are planned one at a time, largest total demand first, within
    the capacity the items before them left. For each item every set of lo..min(hi, 3)
    eligible offers is tried: each period's demand is filled from the offer with the lowest
    average price first (or the lowest defect rate first), up to the share limit, the line's
    bound and the capacity left, in whole packs; an order below its MOQ is raised to it, an
    all-units order just below a cheaper tier is raised into it; sets that break the defect
    limit, the region share or the supplier count are dropped; the cheapest set (purchase,
    fixed cost shared among the supplier's offers when it is not used yet, expected spot cost
    in the scenarios, plus the prices below) wins.

    The pass is repeated (up to `rounds` times, within budget_s) with prices that steer it:
    a commitment still short gets a growing discount on its supplier's offers; a supplier
    whose capacity ran out in a period gets a price per unit there (raised while it runs out,
    lowered while it has room: a subgradient step on the capacity rows), so that the items
    planned first leave scarce capacity to items that need it more. The prices steer the
    choice only; `value` (the exact objective) picks the best plan that meets every
    commitment. Returns that plan and the items it leaves out (none for a complete plan;
    when no pass placed every item, the pass with the fewest left out): `Decomposer.repair`
    places those. The caller checks the plan before using it.

    `stop` (the deadline or a cancel) is asked every STOP_EVERY items: a pass it cuts short is
    dropped, and the best of the passes done is returned (None when none was done)."""
    import time
    from itertools import combinations

    inst = P.inst
    if inst.policies.order_basis != "horizon":
        return None
    t_end = time.monotonic() + budget_s
    commits = inst.policies.commitments
    S, T = len(inst.suppliers), P.T
    disc = [0.0] * len(commits)
    lam = [[0.0] * T for _ in range(S)]
    pbar = [
        sum(P.offers[o].tiers[0].price for o in P.by_sup[s]) / max(1, len(P.by_sup[s]))
        for s in range(S)
    ]
    best: tuple[tuple[int, float], Plan, list[int]] | None = None
    for rnd in range(rounds):
        t_pass = time.monotonic()
        done = _greedy_pass(P, disc, lam, combinations, stop)
        if done is None:
            break  # stopped within the pass: the passes before it are what there is
        plan, unplaced = done
        t_pass = time.monotonic() - t_pass
        short = False
        for c, cm in enumerate(commits):
            s = P.sup_ix[cm.supplier]
            i = None if cm.item is None else P.item_ix[cm.item]
            got = sum(
                q
                for (o, _t), q in plan.items()
                if P.o_sup[o] == s and (i is None or P.o_item[o] == i)
            )
            if got < cm.min_quantity:
                short = True
                disc[c] = min(0.9, 0.05 if disc[c] == 0 else disc[c] * 1.6)
        if not short or unplaced:
            # complete plans that meet every commitment first, then the fewest unplaced items
            key = (len(unplaced), 0.0 if value is None else value(P, plan))
            if best is None or key < best[0]:
                best = (key, plan, unplaced)
            if value is None and not unplaced:
                break
        used = [[0] * T for _ in range(S)]
        for (o, t), q in plan.items():
            used[P.o_sup[o]][t] += q
        step = 0.04 / (1 + 0.3 * rnd)
        for s in range(S):
            for t in range(T):
                cap = P.cap[s][t]
                if cap is None or cap <= 0:
                    continue
                util = used[s][t] / cap
                lam[s][t] = max(0.0, lam[s][t] + step * pbar[s] * (util - 0.97) / 0.12)
        if time.monotonic() + t_pass > t_end or (stop is not None and stop()):
            break  # no time for another pass
    return None if best is None else (best[1], best[2])


def _left(cap: int | None, used: int) -> float:
    return float("inf") if cap is None else float(cap - used)


def repass(P: Prepared, plan: Plan, stop: Callable[[], bool] | None = None) -> tuple[Plan, int]:
    """One more pass of the greedy's choice over every item (largest demand first), now
    knowing the others: each item's quantities are taken out, and its best set of offers
    within the capacity the others leave (fixed costs only for suppliers the others do not
    use, no steering prices) replaces them when it scores lower and every commitment stays
    met. Returns the plan and the number of items changed."""
    from itertools import combinations

    inst = P.inst
    S, T = len(inst.suppliers), P.T
    used = [[0] * T for _ in range(S)]
    n_lines = [0] * S  # lines with an award, per supplier
    for (o, t), q in plan.items():
        used[P.o_sup[o]][t] += q
        n_lines[P.o_sup[o]] += 1
    commits = inst.policies.commitments
    given = [0] * len(commits)
    for c, cm in enumerate(commits):
        sc = P.sup_ix[cm.supplier]
        ic = None if cm.item is None else P.item_ix[cm.item]
        given[c] = sum(
            q for (o, _t), q in plan.items() if P.o_sup[o] == sc and ic in (None, P.o_item[o])
        )
    ones = [1] * S
    none = [0.0] * len(commits)
    by_item: dict[int, dict[tuple[int, int], int]] = {}
    for (o, t), q in plan.items():
        by_item.setdefault(P.o_item[o], {})[(o, t)] = q
    changed = 0
    for k, i in enumerate(sorted(range(len(inst.items)), key=lambda i: -sum(P.demand[i]))):
        if stop is not None and k % STOP_EVERY == 0 and stop():
            break  # the items changed so far keep every rule: the plan stands
        mine = by_item.get(i, {})
        for (o, t), q in mine.items():
            used[P.o_sup[o]][t] -= q
            n_lines[P.o_sup[o]] -= 1
        rc = [[_left(P.cap[s][t], used[s][t]) for t in range(T)] for s in range(S)]
        opened = [n > 0 for n in n_lines]
        cur = _score(P, i, mine, opened, ones, None, None)
        best = _choose(P, i, rc, opened, ones, none, None, combinations)
        new = mine
        if best is not None and best[0] < cur - 1e-9 * max(1.0, cur):
            cand = best[1]
            ok = True
            for c, cm in enumerate(commits):
                sc = P.sup_ix[cm.supplier]
                ic = None if cm.item is None else P.item_ix[cm.item]
                if ic not in (None, i):
                    continue
                delta = sum(q for (o, _t), q in cand.items() if P.o_sup[o] == sc) - sum(
                    q for (o, _t), q in mine.items() if P.o_sup[o] == sc
                )
                if given[c] + delta < cm.min_quantity:
                    ok = False
            if ok:
                for c, cm in enumerate(commits):
                    sc = P.sup_ix[cm.supplier]
                    ic = None if cm.item is None else P.item_ix[cm.item]
                    if ic in (None, i):
                        given[c] += sum(q for (o, _t), q in cand.items() if P.o_sup[o] == sc) - sum(
                            q for (o, _t), q in mine.items() if P.o_sup[o] == sc
                        )
                new = cand
                by_item[i] = cand
                changed += 1
        for (o, t), q in new.items():
            used[P.o_sup[o]][t] += q
            n_lines[P.o_sup[o]] += 1
    out: Plan = {}
    for x in by_item.values():
        out.update(x)
    return out, changed


def _greedy_pass(
    P: Prepared,
    disc: list[float],
    lam: list[list[float]],
    combinations: Any,
    stop: Callable[[], bool] | None = None,
) -> tuple[Plan, list[int]] | None:
    """One pass: the plan, and the items no set of offers fitted (left out of it); None when
    `stop` turned true during the pass (asked every STOP_EVERY items)."""
    inst = P.inst
    S = len(inst.suppliers)
    rc: list[list[float]] = [
        [float("inf") if c is None else float(c) for c in P.cap[s]] for s in range(S)
    ]
    opened = [False] * S
    n_off = [max(1, len(P.by_sup[s])) for s in range(S)]
    plan: Plan = {}
    unplaced: list[int] = []
    order = sorted(range(len(inst.items)), key=lambda i: -sum(P.demand[i]))
    for k, i in enumerate(order):
        if stop is not None and k % STOP_EVERY == 0 and stop():
            return None
        best = _choose(P, i, rc, opened, n_off, disc, lam, combinations)
        if best is None:
            unplaced.append(i)
            continue
        for (o, t), q in best[1].items():
            plan[(o, t)] = q
            rc[P.o_sup[o]][t] -= q
            opened[P.o_sup[o]] = True
    return plan, unplaced


def _choose(
    P: Prepared,
    i: int,
    rc: list[list[float]],
    opened: list[bool],
    n_off: list[int],
    disc: list[float],
    lam: list[list[float]] | None,
    combinations: Any,
) -> tuple[float, dict[tuple[int, int], int]] | None:
    """The best set of offers for item i within the capacity rc (see `greedy`), with its
    score; None when no set fits."""
    inst = P.inst
    pol = inst.policies
    T = P.T
    d = P.demand[i]
    D = sum(d)
    if D <= 0:
        return 0.0, {}
    offers = [o for o in P.by_item[i] if any((o, t) in P.line_ub for t in range(T))]
    lo, hi = P.supplier_limits(i)
    lo = lo or 1
    hi = min(hi or len(offers), len(offers), 3)
    share_cap = (
        float("inf")
        if pol.max_share_supplier is None
        else math.floor(pol.max_share_supplier * D + 1e-9)
    )
    rate = P.max_defect_rate(i)
    bonus = {o: 0.0 for o in offers}
    for c, cm in enumerate(pol.commitments):
        if disc[c] > 0:
            s = P.sup_ix[cm.supplier]
            for o in offers:
                if P.o_sup[o] == s and (cm.item is None or P.item_ix[cm.item] == i):
                    bonus[o] += disc[c]
    avg = {}
    for o in offers:
        q = int(min(share_cap, D))
        avg[o] = _order_cost(P, o, max(1, q)) / max(1, q) * (1 - min(0.9, bonus[o]))
    defect = {o: inst.suppliers[P.o_sup[o]].defect_rate for o in offers}
    best: tuple[float, dict[tuple[int, int], int]] | None = None
    # the cheapest few offers (by average price at the share limit) make the sets
    cands = sorted(offers, key=lambda o: avg[o])[:GREEDY_OFFERS]
    defect_failed = False
    for size in range(lo, hi + 1):
        for subset0 in combinations(cands, size):
            for subset in (subset0, sorted(subset0, key=lambda o: defect[o])):
                if subset is not subset0 and not defect_failed:
                    break  # the price order met the defect limit: no need for the other
                defect_failed = False
                x = _allocate(P, i, subset, d, share_cap, rc)
                if x is None:
                    continue
                tot: dict[int, int] = {}
                for (o, _t), q in x.items():
                    tot[o] = tot.get(o, 0) + q
                if len([o for o in tot if tot[o] > 0]) < lo:
                    continue
                if (
                    rate is not None
                    and sum(inst.suppliers[P.o_sup[o]].defect_rate * q for o, q in tot.items())
                    > rate * D + 1e-9
                ):
                    defect_failed = True
                    continue
                if pol.max_share_region is not None:
                    reg: dict[str, int] = {}
                    for o, q in tot.items():
                        r = inst.suppliers[P.o_sup[o]].region
                        reg[r] = reg.get(r, 0) + q
                    if max(reg.values()) > pol.max_share_region * D + 1e-9:
                        continue
                score = _score(P, i, x, opened, n_off, bonus, lam)
                if best is None or score < best[0]:
                    best = (score, x)
    return best


def _score(
    P: Prepared,
    i: int,
    x: dict[tuple[int, int], int],
    opened: list[bool],
    n_off: list[int],
    bonus: dict[int, float] | None,
    lam: list[list[float]] | None,
) -> float:
    """The greedy's score of quantities x for item i: purchase (less the steering
    discount), fixed cost of suppliers not yet used over n_off, expected spot cost, and the
    capacity prices."""
    inst = P.inst
    d = P.demand[i]
    spot = inst.items[i].spot_price or 0.0
    tot: dict[int, int] = {}
    for (o, _t), q in x.items():
        tot[o] = tot.get(o, 0) + q
    score = 0.0
    for o, q in tot.items():
        score += _order_cost(P, o, q) * (1 - min(0.9, bonus[o] if bonus else 0.0))
        s = P.o_sup[o]
        if not opened[s]:
            score += inst.suppliers[s].fixed_cost / n_off[s]
    if lam is not None:
        for (o, t), q in x.items():
            score += lam[P.o_sup[o]][t] * q
    for w, row in enumerate(P.loss):
        p = inst.scenarios[w].probability
        for t in range(P.T):
            got = sum((1 - row[P.o_sup[o]]) * q for (o, tt), q in x.items() if tt == t)
            score += p * spot * max(0.0, d[t] - got)
    return score


def _allocate(
    P: Prepared,
    i: int,
    subset: Sequence[int],
    d: list[int],
    share_cap: float,
    rc: list[list[float]],
) -> dict[tuple[int, int], int] | None:
    """Fill each period's demand from the offers in `subset` (cheapest first), then raise
    orders to their MOQ and all-units orders into a cheaper tier where room allows."""
    T = P.T
    room = {}
    for o in subset:
        s, m = P.o_sup[o], P.offers[o].multiple
        for t in range(T):
            ub = P.line_ub.get((o, t), 0)
            a = min(ub, rc[s][t])
            room[(o, t)] = int(a // m) * m
    tot = dict.fromkeys(subset, 0)
    x: dict[tuple[int, int], int] = {}
    for t in range(T):
        need = d[t]
        for o in subset:
            if need <= 0:
                break
            m = P.offers[o].multiple
            r = min(room[(o, t)] - x.get((o, t), 0), share_cap - tot[o])
            r = int(r // m) * m
            take = min(-(-need // m) * m, r)
            if take <= 0:
                continue
            x[(o, t)] = x.get((o, t), 0) + take
            tot[o] += take
            need -= take
        if need > 0:
            return None

    def raise_to(o: int, target: int) -> bool:
        m = P.offers[o].multiple
        add = target - tot[o]
        plan_add = {}
        for t in range(T):
            if add <= 0:
                break
            r = min(room[(o, t)] - x.get((o, t), 0), share_cap - tot[o] - (target - tot[o] - add))
            r = int(r // m) * m
            take = min(-(-add // m) * m, r)
            if take > 0:
                plan_add[t] = take
                add -= take
        if add > 0:
            return False
        for t, q in plan_add.items():
            x[(o, t)] = x.get((o, t), 0) + q
            tot[o] += q
        return True

    for o in subset:
        off = P.offers[o]
        if 0 < tot[o] < off.moq and not raise_to(o, off.moq):
            return None
        if off.break_type == "all_units" and tot[o] > 0:
            for tr in off.tiers:
                if tr.min_quantity > tot[o] and _order_cost(P, o, tr.min_quantity) < _order_cost(
                    P, o, tot[o]
                ):
                    raise_to(o, tr.min_quantity)
                    break
    return {k: q for k, q in x.items() if q > 0}
