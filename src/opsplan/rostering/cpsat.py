"""Rostering on CP-SAT: one boolean per employee, day and shift; one add_<rule>() per rule.

Every soft rule's penalty variable is defined exactly (max equalities, fully reified patterns),
so the objective of any solution CP-SAT returns equals the sum of its penalties, and penalties
can be read back by rule and by employee. Built with `relax` (rule names), every hard rule of
those is enforced only under a literal per (rule, employee / day) (core.diagnose.Guards), so
diagnose.py can ask CP-SAT which ones conflict.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ortools.sat.python import cp_model

from ..core.diagnose import Guards
from ..core.schema_types import clock_minutes
from .schema import RULES, RosteringInstance

DAY = 1440


@dataclass
class Term:
    rule: str
    owner: str  # employee id, or "day/shift[/skill]" for coverage, or the contract for fairness
    coef: int
    var: Any
    kind: str = "employee"  # employee | coverage | contract


def calendar_weeks(start: date, days: int) -> list[list[int]]:
    """Days of each calendar week (Monday to Sunday) inside the horizon, in order."""
    out: dict[tuple[int, int], list[int]] = defaultdict(list)
    for d in range(days):
        iso = (start + timedelta(days=d)).isocalendar()
        out[(iso[0], iso[1])].append(d)
    return [out[k] for k in sorted(out)]


def calendar_weekends(start: date, days: int) -> list[list[int]]:
    """Days of each weekend (its Saturday and/or Sunday) inside the horizon, in order."""
    out: dict[int, list[int]] = defaultdict(list)
    for d in range(days):
        wd = (start + timedelta(days=d)).weekday()
        if wd >= 5:
            out[d - (wd - 5)].append(d)
    return [out[k] for k in sorted(out)]


class Formulation:
    def __init__(self, inst: RosteringInstance, relax: frozenset[str] = frozenset()) -> None:
        self.inst = inst
        self.m = cp_model.CpModel()
        self.relax = relax
        self.guards = Guards(self.m, relax)
        self.terms: list[Term] = []
        self.E = [e.id for e in inst.employees]
        self.S = [s.id for s in inst.shift_types]
        self.s_index = {s: i for i, s in enumerate(self.S)}
        self.D = inst.days
        self.contract = {c.id: c for c in inst.contracts}
        self.length = [s.length_minutes for s in inst.shift_types]
        self.begin = [clock_minutes(s.start) for s in inst.shift_types]
        m = self.m
        nE, nS = len(self.E), len(self.S)
        self.x = [
            [[m.new_bool_var(f"x_{e}_{d}_{s}") for s in range(nS)] for d in range(self.D)]
            for e in range(nE)
        ]
        self.w = [[m.new_bool_var(f"w_{e}_{d}") for d in range(self.D)] for e in range(nE)]
        self.y: dict[tuple[int, int, int], dict[str, Any]] = {}
        for r in RULES:
            getattr(self, f"add_{r}")()
        self.objective = sum(t.coef * t.var for t in self.terms)
        self.m.minimize(self.objective)

    # ---------------------------------------------------------------- helpers
    def _guard(self, rule: str, employee: str | None, days: list[int], text: str) -> list[Any]:
        """The enforcement literal of one group of a relaxed rule (none otherwise)."""
        who = f"employee {employee}: " if employee else ""
        ent: dict[str, Any] = {"rule": rule}
        if employee:
            ent["employee"] = employee
        if days:
            ent["day"] = [str(d) for d in days]
        return self.guards(rule, f"{who}{text} ({rule})", **ent)

    def _pattern(self, rule: str, owner: str, lits: list[Any], amount: int, g: list[Any]) -> None:
        """The conjunction of `lits` breaks `rule` by `amount` units: forbid it, or price it."""
        r = self.inst.rule(rule)
        if r.hard:
            c = self.m.add_bool_or([lit.Not() for lit in lits])
            if g:
                c.only_enforce_if(g)
            return
        if r.weight == 0 or amount == 0:
            return
        if len(lits) == 1:  # the literal itself is the violation: no new variable
            self.terms.append(Term(rule, owner, r.weight * amount, lits[0]))
            return
        p = self.m.new_bool_var(f"p_{rule}")
        self.m.add_bool_or([lit.Not() for lit in lits] + [p])
        for lit in lits:
            self.m.add_implication(p, lit)
        self.terms.append(Term(rule, owner, r.weight * amount, p))

    def _over(self, rule: str, owner: str, expr: Any, limit: int, ub: int, g: list[Any]) -> None:
        """expr <= limit: hard, or soft with penalty weight * max(0, expr - limit)."""
        r = self.inst.rule(rule)
        if r.hard:
            c = self.m.add(expr <= limit)
            if g:
                c.only_enforce_if(g)
            return
        if r.weight == 0 or ub <= limit:
            return
        v = self.m.new_int_var(0, max(0, ub - limit), f"over_{rule}")
        self.m.add_max_equality(v, [0, expr - limit])
        self.m.add(v >= expr - limit)  # redundant: a linear cut for the LP relaxation
        self.terms.append(Term(rule, owner, r.weight, v))

    def _under(self, rule: str, owner: str, expr: Any, limit: int, g: list[Any]) -> None:
        """expr >= limit: hard, or soft with penalty weight * max(0, limit - expr)."""
        r = self.inst.rule(rule)
        if r.hard:
            c = self.m.add(expr >= limit)
            if g:
                c.only_enforce_if(g)
            return
        if r.weight == 0 or limit <= 0:
            return
        v = self.m.new_int_var(0, limit, f"under_{rule}")
        self.m.add_max_equality(v, [0, limit - expr])
        self.m.add(v >= limit - expr)  # redundant: a linear cut for the LP relaxation
        self.terms.append(Term(rule, owner, r.weight, v))

    def minutes(self, e: int, days: range | list[int]) -> Any:
        return sum(self.length[s] * self.x[e][d][s] for d in days for s in range(len(self.S)))

    def history_end(self, e: int) -> int | None:
        """Minute (relative to day 0, 00:00) at which the employee's last shift ended."""
        h = self.inst.employees[e].history
        if h is None:
            return None
        if h.last_shift_end is not None:
            t0 = datetime.combine(self.inst.start_date, datetime.min.time())
            end = h.last_shift_end.replace(tzinfo=None)
            return int((end - t0) / timedelta(minutes=1))
        if h.last_shift is not None and h.last_shift in self.s_index:
            s = self.s_index[h.last_shift]
            return -DAY + self.begin[s] + self.length[s]
        return None

    def run_before(self, e: int) -> tuple[int, int]:
        """(days worked in a row, days off in a row) before day 0; (0, 0) when unknown."""
        h = self.inst.employees[e].history
        if h is None:
            return 0, 0
        return h.consecutive_days_worked, h.consecutive_days_off

    # ---------------------------------------------------------------- rules
    def add_one_shift_per_day(self) -> None:
        for e in range(len(self.E)):
            for d in range(self.D):
                self.m.add(sum(self.x[e][d]) == self.w[e][d])

    def add_no_overlap(self) -> None:
        """Two shifts of one employee never overlap in time (always hard)."""
        nS = len(self.S)
        for e in range(len(self.E)):
            for d in range(self.D):
                for s in range(nS):
                    end = d * DAY + self.begin[s] + self.length[s]
                    d2 = d + 1
                    while d2 < self.D and d2 * DAY < end:
                        for s2 in range(nS):
                            if d2 * DAY + self.begin[s2] < end:
                                self.m.add_bool_or([self.x[e][d][s].Not(), self.x[e][d2][s2].Not()])
                        d2 += 1
            hend = self.history_end(e)
            if hend is not None:
                for d in range(self.D):
                    for s in range(nS):
                        if d * DAY + self.begin[s] < hend:
                            self.m.add(self.x[e][d][s] == 0)

    def add_pins(self) -> None:
        """Pinned assignments are kept (always hard)."""
        e_index = {e: i for i, e in enumerate(self.E)}
        for p in self.inst.pins:
            e = e_index[p.employee]
            g = self._guard(
                "pins",
                p.employee,
                [p.day],
                f"pinned on day {p.day} to " + (f"shift {p.shift}" if p.shift else "a day off"),
            )
            if p.shift is None:
                c = self.m.add(self.w[e][p.day] == 0)
            else:
                c = self.m.add(self.x[e][p.day][self.s_index[p.shift]] == 1)
            if g:
                c.only_enforce_if(g)

    def add_skills(self) -> None:
        """An employee on a shift with skill coverage uses one of the needed skills they have."""
        needed: dict[tuple[int, int], set[str]] = defaultdict(set)
        for c in self.inst.coverage:
            if c.skill is not None:
                needed[(c.day, self.s_index[c.shift])].add(c.skill)
        for (d, s), skills in needed.items():
            for e, emp in enumerate(self.inst.employees):
                has = sorted(skills & set(emp.skills))
                if not has:
                    continue
                ys = {k: self.m.new_bool_var(f"y_{e}_{d}_{s}_{k}") for k in has}
                self.m.add(sum(ys.values()) == self.x[e][d][s])
                self.y[(e, d, s)] = ys

    def add_unavailable(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            for d in sorted(set(emp.unavailable_days)):
                g = self._guard("unavailable", emp.id, [d], f"unavailable on day {d}")
                self._pattern("unavailable", emp.id, [self.w[e][d]], 1, g)

    def add_forbidden_succession(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            g = self._guard("forbidden_succession", emp.id, [], "forbidden shift successions")
            for s, st in enumerate(self.inst.shift_types):
                for nxt in st.forbidden_next:
                    s2 = self.s_index[nxt]
                    for d in range(self.D - 1):
                        lits = [self.x[e][d][s], self.x[e][d + 1][s2]]
                        self._pattern("forbidden_succession", emp.id, lits, 1, g)
            h = emp.history
            if h is not None and h.last_shift is not None:
                st = self.inst.shift_types[self.s_index[h.last_shift]]
                for nxt in st.forbidden_next:
                    self._pattern(
                        "forbidden_succession", emp.id, [self.x[e][0][self.s_index[nxt]]], 1, g
                    )

    def add_min_rest(self) -> None:
        nS = len(self.S)
        for e, emp in enumerate(self.inst.employees):
            rest = self.contract[emp.contract].min_rest_minutes
            if rest <= 0:
                continue
            g = self._guard("min_rest", emp.id, [], f"at least {rest} minutes of rest")
            for d in range(self.D):
                for s in range(nS):
                    end = d * DAY + self.begin[s] + self.length[s]
                    for d2 in range(d + 1, self.D):
                        if d2 * DAY >= end + rest:
                            break
                        for s2 in range(nS):
                            gap = d2 * DAY + self.begin[s2] - end
                            if 0 <= gap < rest:
                                lits = [self.x[e][d][s], self.x[e][d2][s2]]
                                self._pattern("min_rest", emp.id, lits, 1, g)
            hend = self.history_end(e)
            if hend is not None:
                for d in range(self.D):
                    for s in range(nS):
                        gap = d * DAY + self.begin[s] - hend
                        if 0 <= gap < rest:
                            self._pattern("min_rest", emp.id, [self.x[e][d][s]], 1, g)

    def add_max_shifts_per_type(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            for sid, mx in self.contract[emp.contract].max_shifts_per_type.items():
                s = self.s_index[sid]
                g = self._guard("max_shifts_per_type", emp.id, [], f"at most {mx} {sid} shifts")
                expr = sum(self.x[e][d][s] for d in range(self.D))
                self._over("max_shifts_per_type", emp.id, expr, mx, self.D, g)

    def add_max_total_minutes(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mx = self.contract[emp.contract].max_total_minutes
            if mx is None:
                continue
            g = self._guard("max_total_minutes", emp.id, [], f"at most {mx} minutes in total")
            ub = self.D * max(self.length)
            self._over("max_total_minutes", emp.id, self.minutes(e, range(self.D)), mx, ub, g)

    def add_min_total_minutes(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mn = self.contract[emp.contract].min_total_minutes
            if mn is None:
                continue
            g = self._guard("min_total_minutes", emp.id, [], f"at least {mn} minutes in total")
            self._under("min_total_minutes", emp.id, self.minutes(e, range(self.D)), mn, g)

    def weeks(self) -> list[list[int]]:
        return calendar_weeks(self.inst.start_date, self.D)

    def add_max_week_minutes(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mx = self.contract[emp.contract].max_week_minutes
            if mx is None:
                continue
            for days in self.weeks():
                g = self._guard("max_week_minutes", emp.id, days, f"at most {mx} minutes a week")
                ub = len(days) * max(self.length)
                self._over("max_week_minutes", emp.id, self.minutes(e, days), mx, ub, g)

    def add_min_week_minutes(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mn = self.contract[emp.contract].min_week_minutes
            if mn is None:
                continue
            for days in self.weeks():
                if len(days) < 7:
                    continue
                g = self._guard("min_week_minutes", emp.id, days, f"at least {mn} minutes a week")
                self._under("min_week_minutes", emp.id, self.minutes(e, days), mn, g)

    def add_max_consecutive_work(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mx = self.contract[emp.contract].max_consecutive_work
            if mx is None:
                continue
            k, _ = self.run_before(e)
            g = self._guard(
                "max_consecutive_work", emp.id, [], f"at most {mx} working days in a row"
            )
            for j in range(self.D):
                first = j - mx  # window [j - mx, j] of mx + 1 days
                if first < 0 and -first > k:
                    continue  # reaches a day off before the horizon
                lits = [self.w[e][d] for d in range(max(0, first), j + 1)]
                self._pattern("max_consecutive_work", emp.id, lits, 1, g)

    def _min_runs(
        self,
        rule: str,
        e: int,
        mn: int,
        on: list[Any],
        off: list[Any],
        k_on: int,
        k_off: int,
        text: str,
    ) -> None:
        """Runs of `on` days shorter than mn, bounded by `off` days (or known history)."""
        emp = self.E[e]
        g = self._guard(rule, emp, [], text)
        for length in range(1, mn):
            for d in range(self.D):
                end = d + length  # the day after the run
                if end >= self.D:
                    break  # the run touches the horizon's end: it may continue
                lits = [on[t] for t in range(d, end)] + [off[end]]
                if d == 0:
                    if k_on > 0:
                        if k_on + length < mn:
                            self._pattern(rule, emp, lits, mn - k_on - length, g)
                        continue
                    if k_off == 0:
                        continue  # unknown past
                else:
                    lits.append(off[d - 1])
                self._pattern(rule, emp, lits, mn - length, g)
        if 0 < k_on < mn:
            self._pattern(rule, emp, [off[0]], mn - k_on, g)

    def add_min_consecutive_work(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mn = self.contract[emp.contract].min_consecutive_work
            if mn is None or mn <= 1:
                continue
            k_w, k_o = self.run_before(e)
            on = self.w[e]
            off = [lit.Not() for lit in on]
            self._min_runs(
                "min_consecutive_work",
                e,
                mn,
                on,
                off,
                k_w,
                k_o,
                f"at least {mn} working days in a row",
            )

    def add_min_consecutive_off(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mn = self.contract[emp.contract].min_consecutive_off
            if mn is None or mn <= 1:
                continue
            k_w, k_o = self.run_before(e)
            off = [lit.Not() for lit in self.w[e]]
            self._min_runs(
                "min_consecutive_off",
                e,
                mn,
                off,
                self.w[e],
                k_o,
                k_w,
                f"at least {mn} days off in a row",
            )

    def weekends(self) -> list[list[int]]:
        return calendar_weekends(self.inst.start_date, self.D)

    def weekend_vars(self, e: int) -> list[Any]:
        if not hasattr(self, "_we"):
            self._we: dict[int, list[Any]] = {}
        if e not in self._we:
            vs = []
            for days in self.weekends():
                if len(days) == 1:
                    vs.append(self.w[e][days[0]])
                    continue
                v = self.m.new_bool_var(f"we_{e}_{days[0]}")
                self.m.add_max_equality(v, [self.w[e][d] for d in days])
                vs.append(v)
            self._we[e] = vs
        return self._we[e]

    def add_max_weekends(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            mx = self.contract[emp.contract].max_weekends
            if mx is None:
                continue
            vs = self.weekend_vars(e)
            g = self._guard("max_weekends", emp.id, [], f"at most {mx} working weekends")
            self._over("max_weekends", emp.id, sum(vs), mx, len(vs), g)

    def add_shift_on_request(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            for r in emp.shift_on_requests:
                lit = (
                    self.w[e][r.day] if r.shift is None else self.x[e][r.day][self.s_index[r.shift]]
                )
                g = self._guard("shift_on_request", emp.id, [r.day], f"asked to work day {r.day}")
                self._pattern("shift_on_request", emp.id, [lit.Not()], r.weight, g)

    def add_shift_off_request(self) -> None:
        for e, emp in enumerate(self.inst.employees):
            for r in emp.shift_off_requests:
                lit = (
                    self.w[e][r.day] if r.shift is None else self.x[e][r.day][self.s_index[r.shift]]
                )
                g = self._guard("shift_off_request", emp.id, [r.day], f"asked off on day {r.day}")
                self._pattern("shift_off_request", emp.id, [lit], r.weight, g)

    def cover_count(self, c: Any) -> Any:
        s = self.s_index[c.shift]
        if c.skill is None:
            return sum(self.x[e][c.day][s] for e in range(len(self.E)))
        return sum(
            ys[c.skill]
            for e in range(len(self.E))
            if (ys := self.y.get((e, c.day, s))) is not None and c.skill in ys
        )

    @staticmethod
    def cover_owner(c: Any) -> str:
        return f"{c.day}/{c.shift}" + (f"/{c.skill}" if c.skill else "")

    def _cover_amount(self, rule: str, c: Any, weight: int, kind: str) -> None:
        """kind: under (below min), pref (below preferred but not below min), over."""
        r = self.inst.rule(rule)
        n = len(self.E)
        cnt = self.cover_count(c)
        owner = self.cover_owner(c)
        pref = c.pref()
        if r.hard:
            g = self._guard(rule, None, [c.day], f"coverage of {owner}")
            if kind == "under":
                con = self.m.add(cnt >= c.min)
            elif kind == "pref":
                con = self.m.add(cnt >= pref)
            else:
                con = self.m.add(cnt <= pref)
            if g:
                con.only_enforce_if(g)
            return
        coef = r.weight * weight
        if coef == 0:
            return
        if kind == "under":
            if c.min == 0:
                return
            v = self.m.new_int_var(0, c.min, f"cov_under_{owner}")
            self.m.add_max_equality(v, [0, c.min - cnt])
            self.m.add(v >= c.min - cnt)  # redundant: a linear cut for the LP relaxation
        elif kind == "pref":
            if pref <= c.min:
                return
            t = self.m.new_int_var(0, pref, f"cov_short_{owner}")
            self.m.add_max_equality(t, [0, pref - cnt])
            v = self.m.new_int_var(0, pref - c.min, f"cov_pref_{owner}")
            self.m.add_min_equality(v, [t, pref - c.min])  # max(0, pref - max(cnt, min))
        else:
            if n <= pref:
                return
            v = self.m.new_int_var(0, n - pref, f"cov_over_{owner}")
            self.m.add_max_equality(v, [0, cnt - pref])
            self.m.add(v >= cnt - pref)  # redundant: a linear cut for the LP relaxation
        self.terms.append(Term(rule, owner, coef, v, "coverage"))

    def add_coverage_min(self) -> None:
        for c in self.inst.coverage:
            self._cover_amount("coverage_min", c, c.under_weight, "under")

    def add_coverage_preferred(self) -> None:
        for c in self.inst.coverage:
            self._cover_amount("coverage_preferred", c, c.preferred_weight, "pref")

    def add_coverage_excess(self) -> None:
        for c in self.inst.coverage:
            self._cover_amount("coverage_excess", c, c.over_weight, "over")

    def groups(self) -> dict[str, list[int]]:
        """Employees sharing a contract, in groups of 2 or more (the fairness groups)."""
        out: dict[str, list[int]] = defaultdict(list)
        for e, emp in enumerate(self.inst.employees):
            out[emp.contract].append(e)
        return {cid: members for cid, members in out.items() if len(members) >= 2}

    def _spread(self, rule: str, weight: int, metric: Any, ub: int) -> None:
        """weight * (max - min) of metric(e) over each fairness group."""
        if not weight:
            return
        for cid, members in self.groups().items():
            exprs = [metric(e) for e in members]
            hi = self.m.new_int_var(0, ub, f"{rule}_hi_{cid}")
            lo = self.m.new_int_var(0, ub, f"{rule}_lo_{cid}")
            self.m.add_max_equality(hi, exprs)
            self.m.add_min_equality(lo, exprs)
            spread = self.m.new_int_var(0, ub, f"{rule}_{cid}")
            self.m.add(spread == hi - lo)
            self.terms.append(Term(rule, cid, weight, spread, "contract"))

    def add_fairness_weekends(self) -> None:
        self._spread(
            "fairness_weekends",
            self.inst.fairness.weekends,
            lambda e: sum(self.weekend_vars(e)),
            len(self.weekends()),
        )

    def add_fairness_nights(self) -> None:
        night = [s for s, st in enumerate(self.inst.shift_types) if st.night]
        if not night:
            return
        self._spread(
            "fairness_nights",
            self.inst.fairness.nights,
            lambda e: sum(self.x[e][d][s] for d in range(self.D) for s in night),
            self.D,
        )

    def add_fairness_minutes(self) -> None:
        self._spread(
            "fairness_minutes",
            self.inst.fairness.minutes,
            lambda e: self.minutes(e, range(self.D)),
            self.D * max(self.length),
        )

    # ---------------------------------------------------------------- read back
    def extract(self, value: Any) -> list[dict[str, Any]]:
        """Assignments (employee, day, shift, skill) from a solution (value: var -> int)."""
        out = []
        for e, eid in enumerate(self.E):
            for d in range(self.D):
                for s, sid in enumerate(self.S):
                    if value(self.x[e][d][s]):
                        skill = None
                        for k, yv in self.y.get((e, d, s), {}).items():
                            if value(yv):
                                skill = k
                        out.append({"employee": eid, "day": d, "shift": sid, "skill": skill})
        return out

    def hint(self, assignments: list[dict[str, Any]]) -> None:
        on = {(a["employee"], a["day"], a["shift"]) for a in assignments}
        self.m.clear_hints()
        for e, eid in enumerate(self.E):
            for d in range(self.D):
                worked = False
                for s, sid in enumerate(self.S):
                    v = (eid, d, sid) in on
                    worked |= v
                    self.m.add_hint(self.x[e][d][s], v)
                self.m.add_hint(self.w[e][d], worked)

    def penalties(self, value: Any) -> dict[str, Any]:
        by_rule: dict[str, int] = defaultdict(int)
        by: dict[str, dict[str, dict[str, int]]] = {
            k: defaultdict(lambda: defaultdict(int)) for k in ("employee", "coverage", "contract")
        }
        for t in self.terms:
            amount = t.coef * int(value(t.var))
            if amount:
                by_rule[t.rule] += amount
                by[t.kind][t.owner][t.rule] += amount
        return {
            "total": sum(by_rule.values()),
            "by_rule": dict(by_rule),
            "by_employee": {k: dict(v) for k, v in by["employee"].items()},
            "by_coverage": {k: dict(v) for k, v in by["coverage"].items()},
            "by_contract": {k: dict(v) for k, v in by["contract"].items()},
        }
