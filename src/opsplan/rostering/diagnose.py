"""Why a roster is impossible, in the planner's words.

First cheap pre-checks (each names the employee, the days and the rule); when they find nothing
and CP-SAT proves the hard rules infeasible, every hard rule group (one per rule and employee,
one per pin, unavailable day, request or coverage row made hard) becomes an assumption and CP-SAT
names a set of them that cannot hold together.
"""

from __future__ import annotations

from ..core.diagnose import conflicting_rules
from ..core.options import SolveOptions
from ..core.result import Finding
from ..core.run import RunContext
from .cpsat import Formulation
from .schema import RULE_NAMES, RosteringInstance

# the rules whose groups the diagnosis may relax: pins and every rule a contract can make hard
RELAXABLE = frozenset({"pins", *RULE_NAMES})


def precheck(inst: RosteringInstance, options: SolveOptions) -> list[Finding]:
    out: list[Finding] = []
    stypes = {s.id: s for s in inst.shift_types}
    contracts = {c.id: c for c in inst.contracts}
    emps = {e.id: e for e in inst.employees}
    pins = {(p.employee, p.day): p.shift for p in inst.pins}
    if inst.rule("unavailable").hard:
        for p in inst.pins:
            if p.shift is not None and p.day in emps[p.employee].unavailable_days:
                out.append(
                    Finding(
                        rule="pins",
                        entities={
                            "employee": p.employee,
                            "day": p.day,
                            "rule": ["pins", "unavailable"],
                        },
                        message=f"employee {p.employee} is pinned to shift {p.shift} on day "
                        f"{p.day}, a day they are unavailable",
                    )
                )
    if inst.rule("forbidden_succession").hard:
        for (eid, d), sid in pins.items():
            nxt = pins.get((eid, d + 1))
            if sid is not None and nxt is not None and nxt in stypes[sid].forbidden_next:
                out.append(
                    Finding(
                        rule="pins",
                        entities={
                            "employee": eid,
                            "day": [str(d), str(d + 1)],
                            "rule": ["pins", "forbidden_succession"],
                        },
                        message=f"employee {eid} is pinned to {sid} on day {d} and {nxt} on day "
                        f"{d + 1}, but {nxt} may not follow {sid}",
                    )
                )
    unavailable_hard = inst.rule("unavailable").hard
    if inst.rule("min_total_minutes").hard:
        longest = max(s.length_minutes for s in inst.shift_types)
        for e in inst.employees:
            c = contracts[e.contract]
            if c.min_total_minutes is None:
                continue
            free = inst.days - (len(set(e.unavailable_days)) if unavailable_hard else 0)
            free -= sum(1 for (eid, _), s in pins.items() if eid == e.id and s is None)
            if free * longest < c.min_total_minutes:
                out.append(
                    Finding(
                        rule="min_total_minutes",
                        entities={"employee": e.id, "rule": ["min_total_minutes", "unavailable"]},
                        message=f"employee {e.id} must work at least {c.min_total_minutes} minutes "
                        f"but can work on only {free} days of at most {longest} minutes",
                    )
                )
    if inst.rule("coverage_min").hard:
        for cv in inst.coverage:
            able = [
                e.id
                for e in inst.employees
                if not (unavailable_hard and cv.day in e.unavailable_days)
                and (cv.skill is None or cv.skill in e.skills)
                and pins.get((e.id, cv.day), cv.shift) == cv.shift
                and contracts[e.contract].max_shifts_per_type.get(cv.shift, 1) > 0
            ]
            if len(able) < cv.min:
                out.append(
                    Finding(
                        rule="coverage_min",
                        entities={"day": cv.day, "shift": cv.shift, "employee": able},
                        message=f"day {cv.day}, shift {cv.shift}"
                        + (f", skill {cv.skill}" if cv.skill else "")
                        + f" needs {cv.min} people but only {len(able)} can work it",
                    )
                )
    return out


def explain(inst: RosteringInstance, options: SolveOptions, ctx: RunContext) -> list[Finding]:
    """Hard rule groups that cannot hold together, from CP-SAT's infeasible core."""
    F = Formulation(inst, relax=RELAXABLE)
    return conflicting_rules(
        F.m,
        F.guards,
        options,
        ctx,
        max_s=20.0,
        nothing_relaxed="the structural rules (one shift a day, no overlapping shifts, skills) "
        "cannot hold together",
        head="these hard rules cannot all hold together; making any one of them soft or "
        "relaxing it may make a roster possible",
    )
