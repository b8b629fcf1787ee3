"""The CP-SAT formulation of production scheduling, one add_<rule>() per rule of
models/scheduling.md. Built with `relax` (rule names), every group of those rules is enforced by
an assumption literal (core.diagnose.Guards), which is how an infeasible instance gets its
diagnosis.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from ..core.diagnose import Guards
from .prepare import Prepared
from .schema import ObjectiveKind

LinearExpr = Any


@dataclass
class StartPlan:
    """A complete plan in dense indices: the chosen machine and start of every operation."""

    machine: list[int]
    start: list[int]
    end: list[int]


class Formulation:
    def __init__(
        self,
        P: Prepared,
        *,
        relax: frozenset[str] = frozenset(),
        checkpoint: Callable[[], None] | None = None,
    ):
        """The whole model. `checkpoint()` (RunContext.checkpoint with the phase's name) is
        called every few hundred operations and per row of setup arcs: on large plants the
        model takes longer to build than a time limit, and the deadline or a cancel then stops
        the building (Interrupted)."""
        self.P = P
        self._checkpoint = checkpoint
        self._ticks = 0
        self.m = cp_model.CpModel()
        self.relax = relax
        # guard(rule, message, **entities): the enforcement literals of a relaxed rule's group
        self.guard = Guards(self.m, relax)
        # modes (op, machine) that pause over unavailable time: one literal per offset
        # (end - start) with the starts that have it, and the interval's length (with its
        # duration)
        self.pause_lits: dict[tuple[int, int], list[tuple[int, Any]]] = {}
        self.pause_size: dict[tuple[int, int], tuple[Any, int]] = {}
        self._domains_of: dict[tuple[int, int, bool], list[tuple[int, Any]]] = {}
        self.add_operations()
        self.add_precedence()
        self.add_release()
        self.add_pin()
        self.add_freeze()
        self.add_capacity_and_calendar()
        self.add_setup()
        self.add_completion()
        self.add_deadline()
        self.add_horizon()

    # ------------------------------------------------------------------ helpers
    def _tick(self, every: int = 256) -> None:
        """Call the checkpoint once per `every` calls (once per call with every=1)."""
        if self._checkpoint is not None:
            self._ticks += 1
            if self._ticks % every == 0:
                self._checkpoint()

    def _op_name(self, o: int) -> tuple[str, str]:
        op = self.P.ops[o]
        return self.P.inst.jobs[op.job].id, op.id

    def pauses(self, o: int, mi: int) -> bool:
        """Operation o pauses over unavailable time on mi (and mi has some)."""
        return self.P.pauses(o, mi) and bool(self.P.unavailable[mi])

    def _length(self, o: int, mi: int, d: int) -> Any:
        """The length of o's interval on mi: d, or for a mode that pauses a variable from d to
        its largest stretch (the calendar rule ties it to the start)."""
        if not self.pauses(o, mi):
            return d
        offsets = self._start_domains(mi, d, pause=True)
        size = self.m.new_int_var(d, max([d, *(off for off, _ in offsets)]), "")
        self.pause_size[(o, mi)] = (size, d)
        return size

    def _start_domains(self, mi: int, d: int, pause: bool) -> list[tuple[int, Any]]:
        """Where d units may start on mi up to ub, as CP-SAT domains (once per model):
        [(d, the fit domain)], or when they pause [(offset, its starts)] (none: nowhere)."""
        key = (mi, d, pause)
        if key not in self._domains_of:
            if pause:
                pieces = self.P.pause_offsets(mi, d, self.ub)
            else:
                spans = self.P.fit_spans(mi, d, self.ub)
                pieces = [(d, spans)] if spans else []
            self._domains_of[key] = [
                (off, cp_model.Domain.from_intervals([[lo, hi] for lo, hi in spans]))
                for off, spans in pieces
            ]
        return self._domains_of[key]

    def _within(self, s: Any, domains: list[tuple[int, Any]], enforce: list[Any]) -> None:
        """s lies in the (one) domain (when every literal of `enforce` holds)."""
        if domains:
            self.m.add_linear_expression_in_domain(s, domains[0][1]).only_enforce_if(enforce)
        else:
            self.m.add_bool_or([~x for x in enforce])  # nowhere: not all of them hold

    def add_pause(self, o: int, mi: int, d: int, s: Any, e: Any, enforce: list[Any]) -> None:
        """Operation o of d > 0 units pauses on mi: it starts in working time and ends when mi
        has offered d units since, E = S + offset with the offset constant on pieces of the
        starts (Prepared.pause_offsets); one literal per offset, exactly one when `enforce`
        holds, none otherwise."""
        lits: list[tuple[int, Any]] = []
        for off, dom in self._start_domains(mi, d, pause=True):
            lit = self.m.new_bool_var(f"p{o}_{mi}_{off}")
            for x in enforce:
                self.m.add_implication(lit, x)
            self.m.add_linear_expression_in_domain(s, dom).only_enforce_if(lit)
            self.m.add(e == s + off).only_enforce_if(lit)
            lits.append((off, lit))
        if not lits:
            self.m.add_bool_or([~x for x in enforce])
        elif enforce:
            self.m.add(sum(lit for _, lit in lits) == 1).only_enforce_if(enforce)
        else:
            self.m.add_exactly_one(lit for _, lit in lits)
        self.pause_lits[(o, mi)] = lits

    # ------------------------------------------------------------------ rules
    def add_operations(self) -> None:
        """Each operation runs once, on exactly one eligible machine, for that machine's time."""
        P, m = self.P, self.m
        ub = P.horizon if not self.relax else P.horizon + sum(op.max_dur for op in P.ops)
        self.ub = ub
        # start and end of each operation: variables (constants in an LNS step's model)
        self.start: list[Any] = []
        self.end: list[Any] = []
        self.mode_presence: list[dict[int, Any]] = []  # op -> {machine: literal or True}
        self.mode_interval: list[dict[int, Any]] = []
        for o, op in enumerate(P.ops):
            self._tick()
            s = m.new_int_var(0, ub, f"s{o}")
            e = m.new_int_var(0, ub, f"e{o}")
            self.start.append(s)
            self.end.append(e)
            pres: dict[int, Any] = {}
            ivs: dict[int, Any] = {}
            if len(op.modes) == 1:
                mi, d = op.modes[0]
                ivs[mi] = m.new_interval_var(s, self._length(o, mi, d), e, f"i{o}")
                pres[mi] = True
            else:
                longest = op.max_dur
                for mi, d in op.modes:
                    lit = m.new_bool_var(f"x{o}_{mi}")
                    size = self._length(o, mi, d)
                    ivs[mi] = m.new_optional_interval_var(s, size, e, lit, f"i{o}_{mi}")
                    pres[mi] = lit
                    if (o, mi) in self.pause_size:
                        offsets = self._start_domains(mi, d, pause=True)
                        longest = max([longest, *(off for off, _ in offsets)])
                m.add_exactly_one(pres.values())
                m.add(e >= s + op.min_dur)
                m.add(e <= s + longest)
            self.mode_presence.append(pres)
            self.mode_interval.append(ivs)

    def add_precedence(self) -> None:
        """An operation starts after each of its predecessors has ended."""
        for o, op in enumerate(self.P.ops):
            for p in op.preds:
                if not (isinstance(self.start[o], int) and isinstance(self.end[p], int)):
                    self.m.add(self.start[o] >= self.end[p])  # (two constants: kept as given)

    def add_release(self) -> None:
        """No operation of a job starts before the job's release."""
        for j, job in enumerate(self.P.inst.jobs):
            if job.release <= 0:
                continue
            g = self.guard(
                "release", f"job {job.id} may not start before {job.release}", job=job.id
            )
            for o in self.P.job_ops[j]:
                if not isinstance(self.start[o], int):
                    self.m.add(self.start[o] >= job.release).only_enforce_if(g)

    def add_pin(self) -> None:
        """Pinned operations keep their start (their machine pin is applied in Prepared: the
        other modes are dropped, which is not relaxable)."""
        for o, op in enumerate(self.P.ops):
            if op.frozen or op.pin_s is None:
                continue
            job, oid = self._op_name(o)
            where = " and ".join(
                x
                for x in (
                    f"to machine {self.P.machines[op.pin_m]}" if op.pin_m is not None else "",
                    f"to start at {op.pin_s}",
                )
                if x
            )
            g = self.guard(
                "pin", f"operation {oid} of job {job} is pinned {where}", job=job, operation=oid
            )
            self.m.add(self.start[o] == op.pin_s).only_enforce_if(g)

    def add_freeze(self) -> None:
        """The frozen operations of the previous plan keep its start (Prepared pins them there,
        and keeps only their previous machine)."""
        for o, op in enumerate(self.P.ops):
            if not op.frozen or op.pin_s is None:
                continue
            job, oid = self._op_name(o)
            g = self.guard(
                "freeze",
                f"operation {oid} of job {job} is frozen by the previous plan "
                f"(on {self.P.machines[op.modes[0][0]]} at {op.pin_s})",
                job=job,
                operation=oid,
            )
            self.m.add(self.start[o] == op.pin_s).only_enforce_if(g)

    def add_capacity_and_calendar(self) -> None:
        """A machine runs one operation at a time and none while it is unavailable."""
        P, m = self.P, self.m
        self.on_machine: list[list[int]] = [[] for _ in P.machines]
        for o in range(len(P.ops)):
            for mi in self.mode_interval[o]:
                self.on_machine[mi].append(o)
        for mi in range(len(P.machines)):
            # zero-length operations occupy no machine time: CP-SAT's no-overlap would keep a
            # zero-size interval out of another one's inside (a valid plan excluded)
            ivs = [
                self.mode_interval[o][mi]
                for o in self.on_machine[mi]
                if dict(P.ops[o].modes)[mi] > 0
            ]
            if not ivs:
                continue
            blocks = P.unavailable[mi]
            if blocks:
                g = self.guard(
                    "capacity_and_calendar",
                    f"machine {P.machines[mi]} is unavailable in {len(blocks)} period(s)",
                    machine=P.machines[mi],
                )
                if any((o, mi) in self.pause_size for o in self.on_machine[mi]):
                    self._calendar_by_starts(mi, g)
                    m.add_no_overlap(ivs)
                    continue
                for s, e in blocks:
                    if g:
                        ivs.append(m.new_optional_fixed_size_interval_var(s, e - s, g[0], "u"))
                    else:
                        ivs.append(m.new_fixed_size_interval_var(s, e - s, "u"))
            if len(ivs) > 1:
                m.add_no_overlap(ivs)

    def _calendar_by_starts(self, mi: int, g: list[Any]) -> None:
        """The calendar of a machine where some operation pauses: its intervals hold the
        pauses, so the unavailable periods cannot join its no-overlap; instead each operation
        starts where it fits between them, or, when it pauses, in working time with its end
        stretched (add_pause). Without the guard (diagnosis) nothing pauses."""
        P, m = self.P, self.m
        for o in self.on_machine[mi]:
            self._tick()
            d = dict(P.ops[o].modes)[mi]
            pres = self.mode_presence[o][mi]
            chosen = [] if pres is True else [pres]
            enforce = chosen + g
            if (o, mi) in self.pause_size:
                self.add_pause(o, mi, d, self.start[o], self.end[o], enforce)
                if g:  # the calendar relaxed: the operation lasts its duration
                    size = self.pause_size[(o, mi)][0]
                    m.add(size == d).only_enforce_if([*chosen, ~g[0]])
            elif d > 0:
                self._within(self.start[o], self._start_domains(mi, d, pause=False), enforce)

    def add_setup(self) -> None:
        """Between consecutive operations on a machine, the setup time of their families."""
        P, m = self.P, self.m
        self.circuits: list[tuple[int, list[int], dict[tuple[int, int], Any]]] = []
        for mi in range(len(P.machines)):
            # zero-length operations occupy no machine time and take no part in setups
            ops = [o for o in self.on_machine[mi] if dict(P.ops[o].modes)[mi] > 0]
            if len(ops) == 0 or not P.machine_has_setups(mi):
                continue
            arcs: list[tuple[int, int, Any]] = []
            optional = False
            init = P.initial_family[mi]
            for a, o in enumerate(ops, start=1):
                self._tick(every=1)  # a row: an arc to every other operation of the machine
                pres = self.mode_presence[o][mi]
                if pres is not True:
                    optional = True
                    arcs.append((a, a, ~pres))
                first = m.new_bool_var("")
                arcs.append((0, a, first))
                st = P.setup(mi, init, P.ops[o].family)
                if st:
                    m.add(self.start[o] >= st).only_enforce_if(first)
                arcs.append((a, 0, m.new_bool_var("")))
                anc = self._ancestors(o)
                for b, q in enumerate(ops, start=1):
                    if q == o or q in anc:
                        continue  # q runs before o anyway: o -> q cannot be consecutive
                    lit = m.new_bool_var("")
                    arcs.append((a, b, lit))
                    gap = P.setup(mi, P.ops[o].family, P.ops[q].family)
                    m.add(self.start[q] >= self.end[o] + gap).only_enforce_if(lit)
            if optional:
                arcs.append((0, 0, m.new_bool_var("")))
            m.add_circuit(arcs)
            self.circuits.append((mi, ops, {(a, b): lit for a, b, lit in arcs}))

    def _ancestors(self, o: int) -> set[int]:
        seen: set[int] = set()
        stack = list(self.P.ops[o].preds)
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(self.P.ops[p].preds)
        return seen

    def add_completion(self) -> None:
        """A job completes when its last operation ends."""
        P, m = self.P, self.m
        self.completion = []
        # auxiliary variables and how to compute their value from a plan (for complete hints):
        # f(completions per job, the plan) -> value
        self._aux: list[tuple[Any, Callable[..., int]]] = []
        for j, ops in enumerate(P.job_ops):
            sinks = [o for o in ops if not P.ops[o].succs]
            if len(sinks) == 1:
                self.completion.append(self.end[sinks[0]])
            else:
                c = m.new_int_var(0, self.ub, f"C{j}")
                m.add_max_equality(c, [self.end[o] for o in sinks])
                self.completion.append(c)
                self._aux.append((c, lambda comp, plan, j=j: comp[j]))

    def add_deadline(self) -> None:
        """A job with a deadline completes by it."""
        for j, job in enumerate(self.P.inst.jobs):
            if job.deadline is None:
                continue
            g = self.guard("deadline", f"job {job.id} must complete by {job.deadline}", job=job.id)
            self.m.add(self.completion[j] <= job.deadline).only_enforce_if(g)

    def add_horizon(self) -> None:
        """Every operation ends by the instance's horizon, when one is given."""
        h = self.P.inst.horizon
        if h is None:
            return
        g = self.guard("horizon", f"every operation must end by the horizon {h}")
        for o in range(len(self.P.ops)):
            self.m.add(self.end[o] <= h).only_enforce_if(g)

    def add_completion_bounds(self, bounds: list[int | None]) -> None:
        """Dominance: C_j <= bound_j, which every optimal plan satisfies (see
        heuristic.completion_bounds)."""
        for j, b in enumerate(bounds):
            if b is not None:
                self.m.add(self.completion[j] <= b)

    # ------------------------------------------------------------------ objective
    def term(self, kind: ObjectiveKind) -> LinearExpr:
        P, m = self.P, self.m
        jobs = P.inst.jobs
        if kind == "makespan":
            if not hasattr(self, "_cmax"):
                self._cmax = m.new_int_var(0, self.ub, "Cmax")
                m.add_max_equality(self._cmax, self.completion)
                self._aux.append((self._cmax, lambda comp, plan: max(comp)))
            return self._cmax
        if kind == "weighted_completion":
            return sum(job.weight * self.completion[j] for j, job in enumerate(jobs))
        if kind == "weighted_tardiness":
            total = []
            for j, job in enumerate(jobs):
                if job.due is None or job.weight == 0:
                    continue
                # tight (t = max(0, C - due)), so the solver's objective is the plan's own
                t = m.new_int_var(0, max(0, self.ub - job.due), "")
                m.add_max_equality(t, [self.completion[j] - job.due, 0])
                total.append(job.weight * t)
                self._aux.append((t, lambda comp, plan, j=j, d=job.due: max(0, comp[j] - d)))
            return sum(total)
        if kind == "late_jobs":
            total = []
            for j, job in enumerate(jobs):
                if job.due is None or job.weight == 0:
                    continue
                u = m.new_bool_var("")  # tight both ways: u = 1 exactly when the job is late
                m.add(self.completion[j] <= job.due).only_enforce_if(~u)
                m.add(self.completion[j] >= job.due + 1).only_enforce_if(u)
                total.append(job.weight * u)
                self._aux.append((u, lambda comp, plan, j=j, d=job.due: int(comp[j] > d)))
            return sum(total)
        if kind == "stability":
            if not hasattr(self, "_stability"):
                self._stability = self._stability_expr()
            return self._stability
        raise ValueError(kind)

    def _stability_expr(self) -> LinearExpr:
        """Sum over the previous plan's operations that are not frozen of |S_o - s0_o| plus
        D_o (1 - x_{o,m0}): exact (the shift is an equality), so the objective CP-SAT reports
        is the plan's own value."""
        m = self.m
        total: list[Any] = []
        for o, (m0, s0, d0) in sorted(self.P.previous.items()):
            shift = m.new_int_var(0, max(s0, abs(self.ub - s0)), f"shift{o}")
            m.add_abs_equality(shift, self.start[o] - s0)
            total.append(shift)
            self._aux.append((shift, lambda comp, plan, o=o, s0=s0: abs(plan.start[o] - s0)))
            pres = self.mode_presence[o].get(m0)
            if pres is None:  # a pin moved it off its previous machine
                total.append(d0)
            elif pres is not True and d0 > 0:
                total.append(d0 * (1 - pres))
        return sum(total)

    def hint(self, plan: StartPlan) -> None:
        """A complete hint: every variable, so CP-SAT need not search to complete it."""
        m, P = self.m, self.P
        m.clear_hints()
        for o in range(len(P.ops)):
            if isinstance(self.start[o], int):
                continue  # a constant (the LNS step model keeps what lies before its window)
            m.add_hint(self.start[o], plan.start[o])
            m.add_hint(self.end[o], plan.end[o])
            for mi, lit in self.mode_presence[o].items():
                if lit is not True:
                    m.add_hint(lit, mi == plan.machine[o])
        for mi, ops, arcs in self.circuits:
            node = {o: a for a, o in enumerate(ops, start=1)}
            seq = sorted(
                (o for o in ops if plan.machine[o] == mi),
                key=lambda o: (plan.start[o], plan.end[o]),
            )
            used = {(a, a) for o, a in node.items() if plan.machine[o] != mi}
            path = [0, *(node[o] for o in seq), 0]
            used |= set(itertools.pairwise(path))
            for (a, b), lit in arcs.items():
                if a != b or a == 0:  # a self-loop's literal negates a hinted presence literal
                    m.add_hint(lit, (a, b) in used)
        for (o, mi), lits in self.pause_lits.items():
            on = plan.machine[o] == mi
            for off, lit in lits:
                m.add_hint(lit, on and plan.end[o] - plan.start[o] == off)
        for (o, mi), (size, d) in self.pause_size.items():
            m.add_hint(size, plan.end[o] - plan.start[o] if plan.machine[o] == mi else d)
        comp = [max(plan.end[o] for o in ops) for ops in P.job_ops]
        for var, f in self._aux:
            m.add_hint(var, f(comp, plan))

    def extract(self, value: Any) -> StartPlan:
        machines, starts, ends = [], [], []
        for o in range(len(self.P.ops)):
            chosen = next(
                mi for mi, lit in self.mode_presence[o].items() if lit is True or value(lit)
            )
            machines.append(chosen)
            starts.append(int(value(self.start[o])))
            ends.append(int(value(self.end[o])))
        return StartPlan(machines, starts, ends)
