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

from typing import Any

import pulp

from ..core.backends import pulp as backend
from ..core.backends.pulp import MilpRun
from ..core.options import SolveOptions
from ..core.run import RunContext
from .cpsat import calendar_weekends, calendar_weeks
from .schema import RULE_NAMES, Contract, Employee, RosteringInstance


class Relaxation:
    def __init__(self, inst: RosteringInstance) -> None:
        self.inst = inst
        self.prob = pulp.LpProblem("rostering_relaxation", pulp.LpMinimize)
        self.E = range(len(inst.employees))
        self.S = range(len(inst.shift_types))
        self.Ds = range(inst.days)
        self.s_index = {s.id: k for k, s in enumerate(inst.shift_types)}
        self.length = [s.length_minutes for s in inst.shift_types]
        self.hard = {r: inst.rule(r).hard for r in RULE_NAMES}
        self.weeks = calendar_weeks(inst.start_date, inst.days)
        self.weekends = calendar_weekends(inst.start_date, inst.days)
        self.x = {
            (e, d, s): pulp.LpVariable(f"x_{e}_{d}_{s}", cat="Binary")
            for e in self.E
            for d in self.Ds
            for s in self.S
        }
        self.w = {
            (e, d): pulp.lpSum(self.x[e, d, s] for s in self.S) for e in self.E for d in self.Ds
        }
        self.terms: list[Any] = []
        contract = {c.id: c for c in inst.contracts}
        for e, emp in enumerate(inst.employees):
            for d in self.Ds:
                self.prob += self.w[e, d] <= 1
            self.add_contract(e, emp, contract[emp.contract])
            self.add_requests(e, emp)
        self.add_pins()
        self.add_coverage()
        self.prob += pulp.lpSum(self.terms)

    def minutes(self, e: int, days: Any) -> Any:
        return pulp.lpSum(self.length[s] * self.x[e, d, s] for d in days for s in self.S)

    def add_contract(self, e: int, emp: Employee, c: Contract) -> None:
        """The hard contract rules of one employee (soft ones are dropped)."""
        P, x, hard = self.prob, self.x, self.hard
        if hard["unavailable"]:
            for d in set(emp.unavailable_days):
                P += self.w[e, d] == 0
        if hard["forbidden_succession"]:
            for s, st in enumerate(self.inst.shift_types):
                for nxt in st.forbidden_next:
                    for d in range(self.inst.days - 1):
                        P += x[e, d, s] + x[e, d + 1, self.s_index[nxt]] <= 1
        if hard["max_shifts_per_type"]:
            for sid, mx in c.max_shifts_per_type.items():
                P += pulp.lpSum(x[e, d, self.s_index[sid]] for d in self.Ds) <= mx
        total = self.minutes(e, self.Ds)
        if hard["max_total_minutes"] and c.max_total_minutes is not None:
            P += total <= c.max_total_minutes
        if hard["min_total_minutes"] and c.min_total_minutes is not None:
            P += total >= c.min_total_minutes
        for days in self.weeks:
            if hard["max_week_minutes"] and c.max_week_minutes is not None:
                P += self.minutes(e, days) <= c.max_week_minutes
            if hard["min_week_minutes"] and c.min_week_minutes is not None and len(days) == 7:
                P += self.minutes(e, days) >= c.min_week_minutes
        self.add_runs(e, c)
        if hard["max_weekends"] and c.max_weekends is not None:
            ks = []
            for days in self.weekends:
                k = pulp.LpVariable(f"we_{e}_{days[0]}", 0, 1)
                for d in days:
                    P += k >= self.w[e, d]
                ks.append(k)
            P += pulp.lpSum(ks) <= c.max_weekends

    def add_runs(self, e: int, c: Contract) -> None:
        """Hard limits on runs of working days and days off, inside the horizon."""
        P, w, D = self.prob, self.w, self.inst.days
        mxc = c.max_consecutive_work
        if self.hard["max_consecutive_work"] and mxc is not None:
            for j in range(mxc, D):
                P += pulp.lpSum(w[e, d] for d in range(j - mxc, j + 1)) <= mxc
        for rule, mn, on in (
            ("min_consecutive_work", c.min_consecutive_work, True),
            ("min_consecutive_off", c.min_consecutive_off, False),
        ):
            if not self.hard[rule] or mn is None or mn <= 1:
                continue
            for n in range(1, mn):
                for d in range(1, D - n):
                    # not (other on d-1, `on` on d..d+n-1, other on d+n)
                    run = pulp.lpSum(w[e, t] for t in range(d, d + n))
                    ends = w[e, d - 1] + w[e, d + n]
                    if on:
                        P += ends + (n - run) >= 1
                    else:
                        P += (2 - ends) + run >= 1

    def add_requests(self, e: int, emp: Employee) -> None:
        for kind, reqs in (
            ("shift_on_request", emp.shift_on_requests),
            ("shift_off_request", emp.shift_off_requests),
        ):
            r_ = self.inst.rule(kind)
            for r in reqs:
                s = None if r.shift is None else self.s_index[r.shift]
                lit = self.w[e, r.day] if s is None else self.x[e, r.day, s]
                miss = (1 - lit) if kind == "shift_on_request" else lit
                if r_.hard:
                    self.prob += miss == 0
                elif r_.weight * r.weight:
                    self.terms.append(r_.weight * r.weight * miss)

    def add_pins(self) -> None:
        e_index = {emp.id: k for k, emp in enumerate(self.inst.employees)}
        for p in self.inst.pins:
            e = e_index[p.employee]
            if p.shift is None:
                self.prob += self.w[e, p.day] == 0
            else:
                self.prob += self.x[e, p.day, self.s_index[p.shift]] == 1

    def add_coverage(self) -> None:
        """Minimum and excess coverage; a skill row counts everyone with the skill."""
        P, inst = self.prob, self.inst
        cmin, cexc = inst.rule("coverage_min"), inst.rule("coverage_excess")
        for k, cv in enumerate(inst.coverage):
            s = self.s_index[cv.shift]
            who = [e for e, emp in enumerate(inst.employees) if cv.skill in (None, *emp.skills)]
            cnt = pulp.lpSum(self.x[e, cv.day, s] for e in who)
            if cmin.hard:
                P += cnt >= cv.min
            elif cmin.weight * cv.under_weight and cv.min > 0:
                u = pulp.LpVariable(f"u_{k}", 0)
                P += u >= cv.min - cnt
                self.terms.append(cmin.weight * cv.under_weight * u)
            if cv.skill is not None:
                continue
            pref = cv.pref()
            if cexc.hard:
                P += cnt <= pref
            elif cexc.weight * cv.over_weight:
                o = pulp.LpVariable(f"o_{k}", 0)
                P += o >= cnt - pref
                self.terms.append(cexc.weight * cv.over_weight * o)

    def assignments(self) -> list[dict[str, Any]]:
        out = []
        for (e, d, s), var in self.x.items():
            if backend.value(var) > 0.5:
                out.append(
                    {
                        "employee": self.inst.employees[e].id,
                        "day": d,
                        "shift": self.inst.shift_types[s].id,
                        "skill": None,
                    }
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
