"""Dense integer indices, calendars expanded to unavailable periods, setups, the horizon.

Used by the formulation, the starting heuristic and the pre-checks. The checker (check.py)
deliberately does not use this module: it re-reads the instance on its own.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .schema import UNIT_MINUTES, WEEKDAYS, Calendar, SchedulingInstance

WEEK_MIN = 7 * 1440


@dataclass
class OpData:
    job: int
    k: int  # position in its job
    id: str
    modes: list[tuple[int, int]]  # (machine index, duration)
    family: str | None
    preds: list[int] = field(default_factory=list)  # flat indices
    succs: list[int] = field(default_factory=list)
    pin_m: int | None = None
    pin_s: int | None = None
    frozen: bool = False  # the pin comes from the previous plan's frozen part

    @property
    def min_dur(self) -> int:
        return min(d for _, d in self.modes)

    @property
    def max_dur(self) -> int:
        return max(d for _, d in self.modes)


def _clock(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def calendar_working_minutes(
    cal: Calendar, t0: datetime, until_min: float
) -> list[tuple[float, float]]:
    """Working intervals in minutes from t0, covering [0, until_min]."""
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (t0 - midnight).total_seconds() / 60  # minutes of day at t0
    out: list[tuple[float, float]] = []
    ndays = int(until_min // 1440) + 3
    for d in range(-1, ndays):
        day = midnight + timedelta(days=d)
        wd = WEEKDAYS[day.weekday()]
        base = d * 1440 - offset
        for w in cal.working:
            if wd not in w.days:
                continue
            a, b = _clock(w.start), _clock(w.end)
            if b <= a:
                b += 1440
            lo, hi = base + a, base + b
            if hi > 0 and lo < until_min:
                out.append((max(0.0, lo), min(until_min, hi)))
    out.sort()
    merged: list[tuple[float, float]] = []
    for lo, hi in out:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


class Prepared:
    def __init__(self, inst: SchedulingInstance):
        self.inst = inst
        self.machines = [m.id for m in inst.machines]
        self.m_index = {m: i for i, m in enumerate(self.machines)}
        self.ops: list[OpData] = []
        self.job_ops: list[list[int]] = []
        self.op_index: dict[tuple[str, str], int] = {}
        for j, job in enumerate(inst.jobs):
            ids = []
            for k, op in enumerate(job.operations):
                pin_m = pin_s = None
                if op.pin is not None:
                    pin_m = self.m_index[op.pin.machine] if op.pin.machine else None
                    pin_s = op.pin.start
                modes = [(self.m_index[md.machine], md.duration) for md in op.machines]
                if pin_m is not None:
                    modes = [(m, d) for m, d in modes if m == pin_m]
                self.op_index[(job.id, op.id)] = len(self.ops)
                ids.append(len(self.ops))
                self.ops.append(OpData(j, k, op.id, modes, op.family, pin_m=pin_m, pin_s=pin_s))
            self.job_ops.append(ids)
            for op_id, preds in job.predecessors_of().items():
                o = self.op_index[(job.id, op_id)]
                for p in preds:
                    pi = self.op_index[(job.id, p)]
                    self.ops[o].preds.append(pi)
                    self.ops[pi].succs.append(o)
        # the previous plan: frozen operations become pins; the others are what `stability`
        # measures, as op -> (previous machine, previous start, duration on that machine)
        self.previous: dict[int, tuple[int, int, int]] = {}
        self._freeze(inst)
        self._setup: dict[tuple[str | None, str, str], int] = {
            (r.machine, r.from_family, r.to_family): r.time for r in inst.setups
        }
        self._setup_cache: dict[tuple[int, str, str], int] = {}
        self.initial_family = [m.initial_family for m in inst.machines]
        self.max_setup = max((r.time for r in inst.setups), default=0)
        self._waits: dict[tuple[str, int], int] = {}
        self.horizon = self._horizon()
        self.unavailable = [self._unavailable(i) for i in range(len(self.machines))]

    def _freeze(self, inst: SchedulingInstance) -> None:
        prev = inst.previous
        if prev is None:
            return
        for r in prev.operations:
            o = self.op_index[(r.job, r.operation)]
            op = self.ops[o]
            job = inst.jobs[op.job]
            mi = self.m_index[r.machine]
            dur = {self.m_index[md.machine]: md.duration for md in job.operations[op.k].machines}
            if prev.freeze_until is not None and r.start < prev.freeze_until:
                op.pin_m, op.pin_s, op.frozen = mi, r.start, True
                op.modes = [(m, d) for m, d in op.modes if m == mi]
            else:
                self.previous[o] = (mi, r.start, dur[mi])

    def set_horizon(self, h: int) -> None:
        """Lower the horizon (every optimal plan ends by h) and re-expand the calendars."""
        self.horizon = h
        self.unavailable = [self._unavailable(i) for i in range(len(self.machines))]

    # ---- setups
    def setup(self, m: int, fa: str | None, fb: str | None) -> int:
        if fa is None or fb is None or not self._setup:
            return 0
        key = (m, fa, fb)
        t = self._setup_cache.get(key)
        if t is None:
            mid = self.machines[m]
            t = self._setup.get((mid, fa, fb))
            if t is None:
                t = self._setup.get((None, fa, fb), 0)
            self._setup_cache[key] = t
        return t

    def machine_has_setups(self, m: int) -> bool:
        fams = {self.ops[o].family for o in self.ops_on(m)} - {None}
        if self.initial_family[m] is not None:
            fams.add(self.initial_family[m])
        return any(self.setup(m, a, b) > 0 for a in fams for b in fams)

    def ops_on(self, m: int) -> list[int]:
        return [o for o, op in enumerate(self.ops) if any(mm == m for mm, _ in op.modes)]

    # ---- time
    def to_units(self, minutes: float, up: bool) -> int:
        u = UNIT_MINUTES[self.inst.time_unit]
        x = minutes / u
        return math.ceil(x - 1e-9) if up else math.floor(x + 1e-9)

    def _calendar(self, cid: str) -> Calendar:
        return next(c for c in self.inst.calendars if c.id == cid)

    def _horizon(self) -> int:
        """An end time no optimal plan needs to exceed (or the instance's own horizon).

        Every regular objective has an optimal semi-active plan, and placing operations one at
        a time, each as early as it fits, ends by: the latest release or pinned end, plus for
        every operation its longest duration, the largest setup and the worst wait for a
        calendar window that fits it, plus each explicit unavailable period once (its length
        and the longest operation that may have been pushed past it).
        """
        inst = self.inst
        if inst.horizon is not None:
            return inst.horizon
        t0 = max(
            [j.release for j in inst.jobs]
            + [op.pin_s + op.max_dur for op in self.ops if op.pin_s is not None]
        )
        if self.previous and any(t.kind == "stability" for t in inst.objective.terms):
            # stability is not regular: an optimal plan may keep an operation at a late
            # previous start; the operations starting after every previous start are then
            # left-justified, and the others end within the longest duration after it
            latest = max(s for _, s, _ in self.previous.values())
            t0 = max(t0, latest + max(op.max_dur for op in self.ops))
        total = t0
        for op in self.ops:
            wait = max(self._calendar_wait(mi, d) for mi, d in op.modes)
            total += op.max_dur + self.max_setup + wait
        for mi, m in enumerate(inst.machines):
            longest = max((d for op in self.ops for mm, d in op.modes if mm == mi), default=0)
            total += sum(iv.end - iv.start + longest for iv in m.unavailable)
        deadlines = [j.deadline for j in inst.jobs if j.deadline is not None]
        return max([total, 1, *deadlines])

    def _calendar_wait(self, mi: int, d: int) -> int:
        """Worst wait, from any time, until machine mi's calendar offers a window fitting d."""
        m = self.inst.machines[mi]
        if m.calendar is None or self.inst.start is None:
            return 0
        key = (m.calendar, d)
        if key not in self._waits:
            u = UNIT_MINUTES[self.inst.time_unit]
            need = d * u
            wins = [
                (lo, hi)
                for lo, hi in calendar_working_minutes(
                    self._calendar(m.calendar), self.inst.start, 3 * WEEK_MIN
                )
                if hi - lo >= need
            ]
            gaps = [b[0] - (a[1] - need) for a, b in itertools.pairwise(wins)]
            # no fitting window at all: the pre-check reports it; any finite value will do
            self._waits[key] = self.to_units(max(gaps, default=WEEK_MIN), up=True)
        return self._waits[key]

    def _unavailable(self, m: int) -> list[tuple[int, int]]:
        mach = self.inst.machines[m]
        iv = [(u.start, u.end) for u in mach.unavailable]
        if mach.calendar is not None and self.inst.start is not None:
            u = UNIT_MINUTES[self.inst.time_unit]
            work = calendar_working_minutes(
                self._calendar(mach.calendar), self.inst.start, self.horizon * u
            )
            prev = 0
            for lo, hi in work:
                a, b = self.to_units(lo, up=True), self.to_units(hi, up=False)
                if a > prev:
                    iv.append((prev, a))
                prev = max(prev, b)
            if prev < self.horizon:
                iv.append((prev, self.horizon))
        return merge([(max(0, s), min(e, self.horizon)) for s, e in iv if s < self.horizon])

    def windows(self, m: int) -> list[tuple[int, int]]:
        """Available periods of machine m within [0, horizon)."""
        out, prev = [], 0
        for s, e in self.unavailable[m]:
            if s > prev:
                out.append((prev, s))
            prev = max(prev, e)
        if prev < self.horizon:
            out.append((prev, self.horizon))
        return out

    def earliest_fit(self, m: int, t: int, d: int) -> int | None:
        """Earliest start >= t at which [start, start+d) avoids m's unavailable periods."""
        for s, e in self.unavailable[m]:
            if e <= t:
                continue
            if t + d <= s or (d == 0 and t <= s):
                return t
            t = max(t, e)
        return t if t + d <= self.horizon else None

    # ---- precedence
    def topo_order(self) -> list[int]:
        indeg = [len(op.preds) for op in self.ops]
        stack = [o for o, n in enumerate(indeg) if n == 0]
        order = []
        while stack:
            o = stack.pop()
            order.append(o)
            for s in self.ops[o].succs:
                indeg[s] -= 1
                if indeg[s] == 0:
                    stack.append(s)
        return order

    def min_heads(self) -> list[int]:
        """Earliest possible start of each op from releases and min durations (no capacity)."""
        head = [0] * len(self.ops)
        for o in self.topo_order():
            op = self.ops[o]
            h = self.inst.jobs[op.job].release
            for p in op.preds:
                h = max(h, head[p] + self.ops[p].min_dur)
            head[o] = h
        return head
