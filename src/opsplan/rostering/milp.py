"""A MILP relaxation of the rostering model (PuLP, HiGHS): a proven lower bound and a start.

It keeps the rules whose linear form is tight and cheap, and drops the others, so every roster
that satisfies the full model satisfies this one at no higher cost: its proven bound is a valid
lower bound on the rostering objective, and its best roster is a solution hint for CP-SAT.

Kept: one shift per day; pins; the hard forms of unavailability, forbidden successions inside
the horizon, max shifts per type, total and weekly minutes, max consecutive working days (windows
inside the horizon), min consecutive working days and days off (runs inside the horizon), max
weekends; requests and coverage (min, excess; hard or soft). Dropped (their penalties are never
negative, so dropping them only lowers the bound): soft contract rules, rest, overlap, history,
preferred coverage, fairness, and excess on skill rows (skills are relaxed to "has the skill").
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.backends.pulp import MilpRun
from ..core.options import SolveOptions
from ..core.run import RunContext
from .schema import RosteringInstance


class Relaxation:
    def __init__(self, inst: RosteringInstance) -> None:
        self.inst = inst
        ri = inst
        self.prob = pulp.LpProblem("rostering_relaxation", pulp.LpMinimize)
        E = range(len(ri.employees))
        S = range(len(ri.shift_types))
        self.Dn = ri.days
        Ds = range(self.Dn)
        s_index = {s.id: k for k, s in enumerate(ri.shift_types)}
        contract = {c.id: c for c in ri.contracts}
        length = [s.length_minutes for s in ri.shift_types]
        x = {
            (e, d, s): pulp.LpVariable(f"x_{e}_{d}_{s}", cat="Binary")
            for e in E
            for d in Ds
            for s in S
        }
        self.x = x
        w = {(e, d): pulp.lpSum(x[e, d, s] for s in S) for e in E for d in Ds}
        P = self.prob
        terms: list[Any] = []
        hard = {
            r: ri.rule(r).hard
            for r in (
                "unavailable",
                "forbidden_succession",
                "max_shifts_per_type",
                "max_total_minutes",
                "min_total_minutes",
                "max_week_minutes",
                "min_week_minutes",
                "max_consecutive_work",
                "min_consecutive_work",
                "min_consecutive_off",
                "max_weekends",
                "shift_on_request",
                "shift_off_request",
                "coverage_min",
                "coverage_excess",
            )
        }
        weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
        weekends: dict[int, list[int]] = defaultdict(list)
        for d in Ds:
            dt = ri.start_date + timedelta(days=d)
            iso = dt.isocalendar()
            weeks[(iso[0], iso[1])].append(d)
            if dt.weekday() == 5:
                weekends[d].append(d)
            elif dt.weekday() == 6:
                weekends[d - 1].append(d)
        for e, emp in enumerate(ri.employees):
            c = contract[emp.contract]
            for d in Ds:
                P += w[e, d] <= 1
            if hard["unavailable"]:
                for d in set(emp.unavailable_days):
                    P += w[e, d] == 0
            if hard["forbidden_succession"]:
                for s, st in enumerate(ri.shift_types):
                    for nxt in st.forbidden_next:
                        for d in range(self.Dn - 1):
                            P += x[e, d, s] + x[e, d + 1, s_index[nxt]] <= 1
            if hard["max_shifts_per_type"]:
                for sid, mx in c.max_shifts_per_type.items():
                    P += pulp.lpSum(x[e, d, s_index[sid]] for d in Ds) <= mx
            total = pulp.lpSum(length[s] * x[e, d, s] for d in Ds for s in S)
            if hard["max_total_minutes"] and c.max_total_minutes is not None:
                P += total <= c.max_total_minutes
            if hard["min_total_minutes"] and c.min_total_minutes is not None:
                P += total >= c.min_total_minutes
            for days in weeks.values():
                wm = pulp.lpSum(length[s] * x[e, d, s] for d in days for s in S)
                if hard["max_week_minutes"] and c.max_week_minutes is not None:
                    P += wm <= c.max_week_minutes
                if hard["min_week_minutes"] and c.min_week_minutes is not None and len(days) == 7:
                    P += wm >= c.min_week_minutes
            mxc = c.max_consecutive_work
            if hard["max_consecutive_work"] and mxc is not None:
                for j in range(mxc, self.Dn):
                    P += pulp.lpSum(w[e, d] for d in range(j - mxc, j + 1)) <= mxc
            for rule, mn, on in (
                ("min_consecutive_work", c.min_consecutive_work, True),
                ("min_consecutive_off", c.min_consecutive_off, False),
            ):
                if not hard[rule] or mn is None or mn <= 1:
                    continue
                for n in range(1, mn):
                    for d in range(1, self.Dn - n):
                        # not (other on d-1, `on` on d..d+n-1, other on d+n)
                        run = pulp.lpSum(w[e, t] for t in range(d, d + n))
                        ends = w[e, d - 1] + w[e, d + n]
                        if on:
                            P += ends + (n - run) >= 1
                        else:
                            P += (2 - ends) + run >= 1
            if hard["max_weekends"] and c.max_weekends is not None:
                ks = []
                for key, days in weekends.items():
                    k = pulp.LpVariable(f"we_{e}_{key}", 0, 1)
                    for d in days:
                        P += k >= w[e, d]
                    ks.append(k)
                P += pulp.lpSum(ks) <= c.max_weekends
            for kind, reqs in (
                ("shift_on_request", emp.shift_on_requests),
                ("shift_off_request", emp.shift_off_requests),
            ):
                r_ = ri.rule(kind)
                for r in reqs:
                    lit = w[e, r.day] if r.shift is None else x[e, r.day, s_index[r.shift]]
                    miss = (1 - lit) if kind == "shift_on_request" else lit
                    if r_.hard:
                        P += miss == 0
                    elif r_.weight * r.weight:
                        terms.append(r_.weight * r.weight * miss)
        for p in ri.pins:
            e = next(k for k, emp in enumerate(ri.employees) if emp.id == p.employee)
            if p.shift is None:
                P += w[e, p.day] == 0
            else:
                P += x[e, p.day, s_index[p.shift]] == 1
        cmin, cexc = ri.rule("coverage_min"), ri.rule("coverage_excess")
        for k, cv in enumerate(ri.coverage):
            s = s_index[cv.shift]
            who = [
                e
                for e, emp in enumerate(ri.employees)
                if cv.skill is None or cv.skill in emp.skills
            ]
            cnt = pulp.lpSum(x[e, cv.day, s] for e in who)
            if cmin.hard:
                P += cnt >= cv.min
            elif cmin.weight * cv.under_weight and cv.min > 0:
                u = pulp.LpVariable(f"u_{k}", 0)
                P += u >= cv.min - cnt
                terms.append(cmin.weight * cv.under_weight * u)
            if cv.skill is not None:
                continue
            pref = cv.pref()
            if cexc.hard:
                P += cnt <= pref
            elif cexc.weight * cv.over_weight:
                o = pulp.LpVariable(f"o_{k}", 0)
                P += o >= cnt - pref
                terms.append(cexc.weight * cv.over_weight * o)
        P += pulp.lpSum(terms)

    def assignments(self) -> list[dict[str, Any]]:
        out = []
        ri = self.inst
        for (e, d, s), var in self.x.items():
            if backend.value(var) > 0.5:
                out.append(
                    {"employee": ri.employees[e].id, "day": d, "shift": ri.shift_types[s].id}
                )
        return out


def relax(
    inst: RosteringInstance, opts: SolveOptions, ctx: RunContext, time_limit_s: float
) -> tuple[MilpRun, list[dict[str, Any]] | None]:
    R = Relaxation(inst)
    run = backend.run(
        R.prob, opts.model_copy(update={"backend": "highs"}), ctx, time_limit_s=time_limit_s
    )
    return run, (R.assignments() if run.has_solution else None)
