"""Large plans whose items share only warehouse space and budget: item by item.

Without joint order costs, trucks or production resources, items are linked only by the space
rows (sum_i space_i s_it <= W_t) and the budget rows (sum_i c_i x_it <= B_t). Then:

- plan: each item alone gets a plan from a Wagner-Whitin dynamic programme over the periods in
  which its orders arrive (heuristic_plan: MOQ, packs, limits and shortages are handled by
  simulating the orders exactly, followed by a local search); the plans are kept when
  together they fit space and budget in every period (otherwise the caller solves the MILP);
- bound: dropping the shared rows is a relaxation, and so is the LP relaxation of each item's
  MILP, strengthened by (l, S) inequalities (valid for every integer plan of the item). The
  sum of the items' LP optima is a proven lower bound on the optimum.

The per-item models are built as arrays and solved by HiGHS through core/backends/highs_arrays
(LPs of `block` items side by side, cuts added between re-solves).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.backends import highs_arrays as hx
from ..core.options import SolveOptions
from ..core.run import RunContext
from ..core.status import SolveStatus
from .prepare import Prepared, safety_penalty
from .schema import ReplenishmentSolution
from .solution import build_solution

EPS = 1e-6
TAIL = 13  # periods at the end of the horizon that a plan may leave without orders


def applicable(P: Prepared) -> bool:
    """Items linked by nothing but space and budget (no joint costs, trucks, resources)."""
    inst = P.inst
    if any(g.joint_order_cost > 0 or g.truck_capacity is not None for g in inst.suppliers):
        return False
    return not any(it.resource is not None for it in inst.items) and not P.capacity


@dataclass
class ItemModel:
    """One item's lot-sizing MILP as arrays, with the columns the shared rows touch."""

    model: hx.ArrayModel
    base_cost: np.ndarray
    x_cols: dict[int, int]  # order period -> column
    y_cols: dict[int, int]  # order period -> order (setup) column
    s_cols: list[int]  # period -> stock column
    l_cols: list[int] | None  # period -> lost-sales column
    b_cols: list[int] | None  # period -> backlog column
    unit_cost: float
    space: float


def order_bound(P: Prepared, i: int, t: int) -> float:
    it = P.inst.items[i]
    # with backorders an order may also clear the backlog of earlier periods
    first = 0 if it.shortage.mode == "backorder" else t + it.lead_time
    need = sum(P.demand[i][first:]) + P.safety[i] + it.initial_backorder
    bound = max(need, it.moq) + (it.pack_size or 0.0)
    if it.max_order is not None:
        bound = min(bound, it.max_order)
    return max(0.0, bound)


def item_model(P: Prepared, i: int) -> ItemModel:
    it = P.inst.items[i]
    T, L = P.T, it.lead_time
    cost: list[float] = []
    lo: list[float] = []
    up: list[float] = []
    integ: list[bool] = []

    def col(c: float, u: float = np.inf, integer: bool = False, lb: float = 0.0) -> int:
        cost.append(c)
        lo.append(lb)
        up.append(u)
        integ.append(integer)
        return len(cost) - 1

    rr: list[int] = []
    cc: list[int] = []
    vv: list[float] = []
    rlo: list[float] = []
    rup: list[float] = []

    def row(terms: list[tuple[int, float]], lower: float, upper: float) -> None:
        r = len(rlo)
        for j, v in terms:
            rr.append(r)
            cc.append(j)
            vv.append(v)
        rlo.append(lower)
        rup.append(upper)

    needs_y = it.order_cost > 0 or it.moq > 0 or it.max_order is not None
    x = {t: col(it.unit_cost) for t in range(max(0, T - L))}
    y = {t: col(it.order_cost, 1.0, True) for t in x} if needs_y else {}
    k = {t: col(0.0, np.inf, True) for t in x} if it.pack_size else {}
    s = [
        col(it.holding_cost, it.max_stock if it.max_stock is not None else np.inf) for _ in range(T)
    ]
    mode = it.shortage.mode
    b = [col(it.shortage.penalty) for _ in range(T)] if mode == "backorder" else None
    lost = (
        [col(it.shortage.penalty, P.demand[i][t]) for t in range(T)]
        if mode == "lost_sales"
        else None
    )
    u = [col(safety_penalty(it)) for _ in range(T)] if P.safety[i] > 0 else None
    prev0 = it.initial_stock - (it.initial_backorder if b is not None else 0.0)
    for t in range(T):
        terms = [(s[t], 1.0)]
        if b is not None:
            terms.append((b[t], -1.0))
        if t > 0:
            terms.append((s[t - 1], -1.0))
            if b is not None:
                terms.append((b[t - 1], 1.0))
        if t - L in x:
            terms.append((x[t - L], -1.0))
        if lost is not None:
            terms.append((lost[t], -1.0))
        rhs = P.arriving[i][t] - P.demand[i][t] + (prev0 if t == 0 else 0.0)
        row(terms, rhs, rhs)
    for t, yj in y.items():
        row([(x[t], 1.0), (yj, -order_bound(P, i, t))], -np.inf, 0.0)
        if it.moq > 0:
            row([(x[t], 1.0), (yj, -it.moq)], 0.0, np.inf)
    for t, kj in k.items():
        row([(x[t], 1.0), (kj, -float(it.pack_size or 0.0))], 0.0, 0.0)
    if u is not None:
        for t in range(T):
            row([(u[t], 1.0), (s[t], 1.0)], P.safety[i], np.inf)
    if it.shelf_life is not None:
        sl = it.shelf_life
        for t in range(T):
            first = t - sl + 2
            terms = [(s[t], 1.0)]
            const = 0.0
            for a in range(max(0, first), t + 1):
                const += P.arriving[i][a]
                if a - L in x:
                    terms.append((x[a - L], -1.0))
            if first <= 0:
                const += it.initial_stock
            row(terms, -np.inf, const)
    m = hx.ArrayModel(
        cost=np.array(cost),
        lower=np.array(lo),
        upper=np.array(up),
        integer=np.array(integ, dtype=bool),
        rows=np.array(rr, dtype=np.int64),
        cols=np.array(cc, dtype=np.int64),
        vals=np.array(vv),
        row_lower=np.array(rlo),
        row_upper=np.array(rup),
    )
    return ItemModel(m, m.cost.copy(), x, y, s, lost, b, it.unit_cost, it.space)


def simulate(
    P: Prepared, i: int, arrivals: list[int], cover: list[float], end: int | None = None
) -> tuple[float, dict[int, float], list[float] | None]:
    """Item i's plan with orders arriving in `arrivals` (sorted, each >= lead time), each
    raising the cumulative quantity ordered to cover[next arrival - 1] (the last one to
    cover[end - 1]), then to the MOQ, whole packs, at most max_order and max_stock; lost
    sales where stock runs out. Returns the item's own cost (inf if demand that must be met
    is not), the orders (order period -> quantity) and the lost sales."""
    it = P.inst.items[i]
    T, L = P.T, it.lead_time
    end = T if end is None else end
    d, o = P.demand[i], P.arriving[i]
    mode = it.shortage.mode
    h, pen, ss, sp = it.holding_cost, it.shortage.penalty, P.safety[i], safety_penalty(it)
    qty: dict[int, float] = {}
    lost: list[float] | None = [0.0] * T if mode == "lost_sales" else None
    level = it.initial_stock - (it.initial_backorder if mode == "backorder" else 0.0)
    placed = 0.0  # cumulative quantity ordered (and demand given up)
    cost = 0.0
    nxt = {a: (arrivals[k + 1] if k + 1 < len(arrivals) else end) for k, a in enumerate(arrivals)}
    for t in range(T):
        q = 0.0
        if t in nxt:
            q = cover[nxt[t] - 1] - placed
            if q > EPS:
                q = max(q, it.moq)
                if it.pack_size:
                    q = math.ceil(q / it.pack_size - 1e-9) * it.pack_size
                if it.max_order is not None:
                    q = min(q, it.max_order)
                if it.max_stock is not None:
                    room = it.max_stock - (level + o[t] - d[t])
                    if q > room:
                        q = max(0.0, room)
                        if it.pack_size:
                            q = math.floor(q / it.pack_size + 1e-9) * it.pack_size
                        if q < it.moq:
                            q = 0.0
                if q > EPS:
                    qty[t - L] = q
                    placed += q
                    cost += it.unit_cost * q + it.order_cost
                else:
                    q = 0.0
            else:
                q = 0.0
        level = level + o[t] + q - d[t]
        if level < 0:
            if lost is not None:
                lost[t] = min(-level, d[t])
                cost += pen * lost[t]
                level += lost[t]
                placed += lost[t]  # what was lost need not be ordered any more
            if mode == "backorder":
                cost += pen * -level
            elif level < -EPS:
                return math.inf, qty, lost
            else:
                level = 0.0
        st = level if level > 0 else 0.0
        cost += h * st + (sp * (ss - st) if st < ss else 0.0)
    return cost, qty, lost


def heuristic_plan(P: Prepared, i: int) -> tuple[float, dict[int, float], list[float] | None]:
    """A plan for item i alone: Wagner-Whitin over the periods in which orders arrive, on
    cumulative needs (demand net of stock and open orders, keeping the safety stock; an
    order costs at least the MOQ in whole packs), each prefix of it followed by no more
    orders in the last TAIL periods (backorders, lost sales or stock below safety stock to
    the end), the orders
    simulated exactly with MOQ, packs and limits; then one pass of dropping and moving
    arrivals while the item's exact cost falls."""
    it = P.inst.items[i]
    T, L = P.T, it.lead_time
    mode = it.shortage.mode
    base = it.initial_stock - (it.initial_backorder if mode == "backorder" else 0.0)
    base_t = base + np.cumsum(np.array(P.arriving[i]) - np.array(P.demand[i]))
    need_a = np.maximum.accumulate(np.maximum(0.0, P.safety[i] - base_t))
    if L > 0:
        need_a[:L] = 0.0
    need: list[float] = need_a.tolist()
    if L >= T:
        return simulate(P, i, [], need)
    h, c, f = it.holding_cost, it.unit_cost, it.order_cost
    pack = it.pack_size
    INF = math.inf
    F = [INF] * (T + 1)
    prev = [-1] * (T + 1)
    F[L] = 0.0
    for b in range(L + 1, T + 1):
        nb = need[b - 1]
        for a in range(L, b):
            if F[a] == INF:
                continue
            q = nb - (need[a - 1] if a > 0 else 0.0)
            if q <= EPS:
                if a > L:
                    continue
                v = F[a] + h * (b - a) * nb
            else:
                q = max(q, it.moq)
                if pack:
                    q = math.ceil(q / pack - 1e-9) * pack
                v = F[a] + f + c * q + h * (b - a) * nb
            if v < F[b]:
                F[b], prev[b] = v, a

    def path(b: int) -> list[int]:
        arr: list[int] = []
        while b > L:
            a = prev[b]
            if need[b - 1] - (need[a - 1] if a > 0 else 0.0) > EPS:
                arr.append(a)
            b = a
        return sorted(arr)

    best_arr, best_end = path(T), T
    best = simulate(P, i, best_arr, need)[0]
    if mode != "none" or P.safety[i] > 0:
        for b in range(T - 1, max(L, T - 1 - TAIL), -1):
            if F[b] == INF:
                continue
            arr = path(b)
            v = simulate(P, i, arr, need, b)[0]
            if v < best - 1e-9:
                best, best_arr, best_end = v, arr, b
    arr = best_arr
    k = 0
    while k < len(arr):
        options = [arr[:k] + arr[k + 1 :]]
        for dlt in (-1, 1):
            m = arr[k] + dlt
            if L <= m < best_end and m not in arr:
                options.append(sorted([*arr[:k], m, *arr[k + 1 :]]))
        for opt in options:
            v = simulate(P, i, opt, need, best_end)[0]
            if v < best - 1e-9:
                best, arr = v, opt
                break
        k += 1
    return simulate(P, i, arr, need, best_end)


def _stack(models: list[ItemModel]) -> tuple[hx.ArrayModel, list[int]]:
    """Item models side by side (block diagonal), as one LP; returns each item's first column."""
    offs, roffs = [], []
    nc = nr = 0
    for M in models:
        offs.append(nc)
        roffs.append(nr)
        nc += len(M.model.cost)
        nr += len(M.model.row_lower)
    ms = [M.model for M in models]
    lp = hx.ArrayModel(
        cost=np.concatenate([m.cost for m in ms]),
        lower=np.concatenate([m.lower for m in ms]),
        upper=np.concatenate([m.upper for m in ms]),
        integer=np.zeros(nc, dtype=bool),
        rows=np.concatenate([m.rows + r for m, r in zip(ms, roffs, strict=True)]),
        cols=np.concatenate([m.cols + c for m, c in zip(ms, offs, strict=True)]),
        vals=np.concatenate([m.vals for m in ms]),
        row_lower=np.concatenate([m.row_lower for m in ms]),
        row_upper=np.concatenate([m.row_upper for m in ms]),
    )
    return lp, offs


@dataclass
class LsData:
    """What item i's (l, S) separation needs, computed once: the arrival periods a with an
    order variable, their columns, and D(a, l) as a matrix (rows a, columns l; 0 for a > l)."""

    arrivals: np.ndarray
    xj: np.ndarray
    yj: np.ndarray
    bj: np.ndarray | None  # backlog column of a - 1 (-1 for a = 0)
    D: np.ndarray
    mask: np.ndarray  # a <= l
    s_cols: np.ndarray
    init_back: float
    scale: float


def ls_data(P: Prepared, i: int, M: ItemModel) -> LsData | None:
    it = P.inst.items[i]
    if not M.y_cols:
        return None
    T, L = P.T, it.lead_time
    ts = sorted(M.x_cols)
    arr = np.array([t + L for t in ts], dtype=np.int64)
    net = np.array(P.demand[i]) - np.array(P.arriving[i])
    cum = np.cumsum(net)  # demand net of open orders up to l
    lo = np.where(arr > 0, cum[np.maximum(arr - 1, 0)], 0.0)  # ... up to a - 1
    if it.shortage.mode == "none":
        # orders arriving before a have covered at least R[a-1], the largest shortfall of
        # initial stock and open orders up to a - 1: orders from a on serve at most
        # (cum[l] - initial stock) - R[a-1] of the demand up to l
        short = cum - it.initial_stock
        R = np.maximum.accumulate(np.maximum(0.0, short))
        prior = np.where(arr > 0, R[np.maximum(arr - 1, 0)], 0.0)
        D = short[None, :] - prior[:, None]
    else:
        D = cum[None, :] - lo[:, None]
    D = np.maximum(0.0, D)
    mask = arr[:, None] <= np.arange(T)[None, :]
    bj = None
    if M.b_cols is not None:
        bj = np.array([M.b_cols[a - 1] if a > 0 else -1 for a in arr], dtype=np.int64)
    return LsData(
        arr,
        np.array([M.x_cols[t] for t in ts], dtype=np.int64),
        np.array([M.y_cols[t] for t in ts], dtype=np.int64),
        bj,
        np.where(mask, D, 0.0),
        mask,
        np.array(M.s_cols, dtype=np.int64),
        it.initial_backorder,
        1e-4 * max(1.0, float(np.mean(P.demand[i]))),
    )


Cuts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # rows, cols, vals, upper


def _ls_cuts(S: LsData, xv: np.ndarray, off: int) -> Cuts | None:
    """Violated (l, S) inequalities of one item at the LP point xv (its columns from `off`):

        sum_{a in S} (X_a - D(a, l) Y_a - b_{a-1}) <= s_l

    X_a, Y_a: the order and order decision arriving in a; D(a, l) = max(0, demand of a..l
    net of open orders), or for firm demand (no shortage allowed) the demand up to l net of
    initial stock and open orders less R(a-1), the most that initial stock and open orders
    fall short of demand up to a-1 (orders arriving before a must cover it); b_{a-1}: the
    backlog before a (backorder items only; b_{-1} is the initial backorder). S holds the a
    whose term is positive (the most violated set for l). Valid with lost sales too (they
    only lower what orders must cover). Returned as rows sum(vals * x[cols]) <= upper."""
    X = xv[off + S.xj]
    Y = xv[off + S.yj]
    if S.bj is not None:
        back = np.where(S.bj >= 0, xv[off + np.maximum(S.bj, 0)], S.init_back)
    else:
        back = np.zeros(len(X))
    term = X[:, None] - S.D * Y[:, None] - back[:, None]
    pos = S.mask & (term > EPS)
    lhs = np.where(pos, term, 0.0).sum(axis=0)
    sv = xv[off + S.s_cols]
    ls = np.nonzero(lhs - sv > S.scale)[0]
    if len(ls) == 0:
        return None
    m = len(ls)
    j, k = np.nonzero(pos[:, ls].T)  # cut j uses arrival k
    rows = [np.arange(m), j, j]
    cols = [off + S.s_cols[ls], off + S.xj[k], off + S.yj[k]]
    vals = [-np.ones(m), np.ones(len(k)), -S.D[k, ls[j]]]
    upper = np.zeros(m)
    if S.bj is not None:
        bk = S.bj[k]
        has = bk >= 0
        rows.append(j[has])
        cols.append(off + bk[has])
        vals.append(-np.ones(int(has.sum())))
        np.add.at(upper, j[~has], S.init_back)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper


def lp_bound(
    P: Prepared,
    models: list[ItemModel],
    opts: SolveOptions,
    ctx: RunContext,
    deadline: float,
    block: int = 20,
    rounds: int = 12,
    stop: Callable[[], bool] | None = None,
) -> tuple[float | None, int]:
    """Sum over items of their LP bounds, strengthened by rounds of (l, S) inequalities; LPs
    of `block` items at a time. A valid lower bound on the plan's cost whether or not the
    shared limits bind (they are left out: a relaxation). First every block's plain LP (a
    bound as soon as possible), then, with the time left before `deadline` (run time) shared
    among the blocks, each block again with rounds of cuts, keeping the larger value. None
    if the plain LPs did not all finish in time (or `stop()` became true)."""
    starts = list(range(0, len(models), block))
    data = [ls_data(P, i, M) for i, M in enumerate(models)]
    stacks = [_stack(models[s : s + block]) for s in starts]

    def separator(start: int, offs: list[int]) -> Callable[[np.ndarray], Cuts | None]:
        ids = list(range(start, min(len(models), start + block)))

        def separate(x: np.ndarray) -> Cuts | None:
            parts = []
            n_rows = 0
            for k, i in enumerate(ids):
                d = data[i]
                c = _ls_cuts(d, x, offs[k]) if d is not None else None
                if c is not None:
                    parts.append((c[0] + n_rows, c[1], c[2], c[3]))
                    n_rows += len(c[3])
            if not parts:
                return None
            return (
                np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]),
                np.concatenate([p[3] for p in parts]),
            )

        return separate

    loops = []
    for start, (lp, offs) in zip(starts, stacks, strict=True):
        left = deadline - ctx.elapsed()
        if left <= 0.01 or (stop is not None and stop()):
            return None, 0
        loop = hx.CutLoop(lp, opts, ctx, separator(start, offs))
        loop.step(left)
        if loop.value is None:
            return None, 0
        loops.append(loop)
    # rounds of cuts, block after block, with the time left shared among the blocks
    for k, loop in enumerate(loops):
        t_block = time.monotonic()
        share = (deadline - ctx.elapsed()) / (len(loops) - k)
        while not loop.done and loop.rounds < rounds:
            left = deadline - ctx.elapsed()
            if left <= 0.05 or (stop is not None and stop()):
                break
            if time.monotonic() - t_block > 0.6 * share:
                break
            before = loop.value
            loop.step(left)
            if loop.value is None or (before is not None and loop.value < before):
                loop.value = before  # keep the best bound found
    return float(sum(loop.value for loop in loops if loop.value is not None)), sum(
        loop.added for loop in loops
    )


@dataclass
class Result:
    status: SolveStatus
    bound: float | None
    plan: ReplenishmentSolution | None
    log: list[str] = field(default_factory=list)
    cuts: int = 0


def shared_use(P: Prepared, plan: ReplenishmentSolution) -> tuple[np.ndarray, np.ndarray]:
    """Warehouse space and budget a plan uses in each period."""
    idx = {it.id: i for i, it in enumerate(P.inst.items)}
    space = np.zeros(P.T)
    spend = np.zeros(P.T)
    for r in plan.stock:
        space[r.period] += P.inst.items[idx[r.item]].space * r.stock
    for o in plan.orders:
        spend[o.order_period] += P.inst.items[idx[o.item]].unit_cost * o.quantity
    return space, spend


def solve(P: Prepared, opts: SolveOptions, ctx: RunContext, block: int = 20) -> Result:
    """Per-item plans (heuristic_plan), kept when together they fit space and budget, and a
    proven lower bound: the per-item LPs with (l, S) inequalities (lp_bound), which leave
    the shared rows out. The plans are computed in a second thread while HiGHS (which
    releases the interpreter lock) solves the LPs; when the plans break a shared limit the
    bound is abandoned and the caller solves the MILP."""
    t0 = time.monotonic()
    n = len(P.inst.items)
    out: dict[str, Any] = {}
    broken = threading.Event()

    def plans() -> None:
        try:
            qty: list[dict[int, float]] = []
            lost: list[list[float] | None] = []
            for i in range(n):
                if ctx.stop_requested():
                    return
                _, q, lo = heuristic_plan(P, i)
                qty.append(q)
                lost.append(lo)
            out["time"] = time.monotonic() - t0
            plan = build_solution(P, qty, lost)
            space, spend = shared_use(P, plan)
            over = []
            if P.space_cap is not None and np.any(space > np.array(P.space_cap) + 1e-6):
                over.append("warehouse space")
            if P.budget is not None and np.any(spend > np.array(P.budget) + 1e-6):
                over.append("budget")
            out["plan"], out["over"] = plan, over
            if over:
                broken.set()
        except BaseException as e:  # handed to the caller's thread
            out["error"] = e
            broken.set()

    worker = threading.Thread(target=plans, daemon=True)
    worker.start()
    models = [item_model(P, i) for i in range(n)]
    # leave time to check the plan and compute its figures (about 1.3 s per 10,000
    # item-periods on a busy 2-core machine)
    deadline = opts.time_limit_s - max(0.15 * opts.time_limit_s, 1.3e-4 * n * P.T)
    bound, cuts = lp_bound(P, models, opts, ctx, deadline, block=block, stop=broken.is_set)
    t_bound = time.monotonic() - t0
    worker.join()
    if "error" in out:
        raise out["error"]
    if "plan" not in out:
        return Result(SolveStatus.NO_SOLUTION, None, None, ["cancelled"])
    log = [f"per-item plans (Wagner-Whitin and local search): {out['time']:.1f}s"]
    if out["over"]:
        log.append("the per-item plans together exceed the " + " and the ".join(out["over"]))
        return Result(SolveStatus.NO_SOLUTION, None, None, log)
    log.append(
        f"bound: per-item LPs with {cuts} (l,S) inequalities, {t_bound:.1f}s"
        if bound is not None
        else "no bound: time ran out"
    )
    return Result(SolveStatus.FEASIBLE, bound, out["plan"], log, cuts)
