"""Dense integer indices, calendars expanded to unavailable periods, setups, the horizon.

Used by the formulation, the starting heuristic and the pre-checks. The checker (check.py)
deliberately does not use this module: it re-reads the instance on its own.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime

from ..core.run import Interrupted, RunContext
from ..core.schema_types import clock_minutes
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
    # machines on which it may pause over unavailable time (modes of positive length only)
    pause: frozenset[int] = frozenset()

    @property
    def min_dur(self) -> int:
        return min(d for _, d in self.modes)

    @property
    def max_dur(self) -> int:
        return max(d for _, d in self.modes)


def calendar_working_minutes(
    cal: Calendar, t0: datetime, until_min: float
) -> list[tuple[float, float]]:
    """Working intervals in minutes from t0, covering [0, until_min]."""
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (t0 - midnight).total_seconds() / 60  # minutes of day at t0
    out: list[tuple[float, float]] = []
    ndays = int(until_min // 1440) + 3
    # each window's clock times, read once (not once per day: plans span years of days)
    spans = []
    for w in cal.working:
        a, b = clock_minutes(w.start), clock_minutes(w.end, end=True)
        spans.append((w.days, a, b + 1440 if b <= a else b))
    first = midnight.weekday()
    for d in range(-1, ndays):
        wd = WEEKDAYS[(first + d) % 7]
        base = d * 1440 - offset
        for days, a, b in spans:
            if wd not in days:
                continue
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


def working_windows(blocks: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """The working periods [a, b) within [0, limit) between merged unavailable periods."""
    out, prev = [], 0
    for s, e in blocks:
        if s >= limit:
            break
        if s > prev:
            out.append((prev, s))
        prev = max(prev, e)
    if prev < limit:
        out.append((prev, limit))
    return out


def pause_pieces(windows: list[tuple[int, int]], d: int) -> list[tuple[int, int, int, int]]:
    """Where an operation of d > 0 working units that may pause can start, and its stretch.

    `windows`: the working periods [a, b), sorted and disjoint. Answers (i, lo, hi, offset):
    an operation starting at any S in [lo, hi], inside window i, ends at E = S + offset, the
    first instant by which the windows have offered d units since S. With c_k the working
    time before window k and w(S) = c_i + S - a_i, E = a_k + w(S) + d - c_k for the window k
    with c_k < w(S) + d <= c_k + (b_k - a_k); the offset is constant while k is, so each
    window splits into pieces, one per window its starts end in. Starts whose d units the
    windows do not offer are left out.
    """
    cum = list(itertools.accumulate((b - a for a, b in windows), initial=0))
    n = len(windows)
    out: list[tuple[int, int, int, int]] = []
    j = 0
    for i, (a_i, b_i) in enumerate(windows):
        base = a_i - cum[i]  # S = base + w(S) inside window i
        j = max(j, i)
        while j < n and cum[j + 1] < cum[i] + d:
            j += 1  # the first window a start at a_i may end in
        for k in range(j, n):
            lo = max(a_i, base + cum[k] - d + 1)
            if lo > b_i - 1:
                break
            hi = min(b_i - 1, base + cum[k + 1] - d)
            if lo <= hi:
                out.append((i, lo, hi, windows[k][0] - cum[k] - base + d))
    return out


class WorkTime:
    """Working time of one machine from its merged unavailable periods (all time after the
    last one is working): how much lies in [0, t), the first working instant, stretched ends."""

    def __init__(self, blocks: list[tuple[int, int]]):
        self.starts = [s for s, _ in blocks]
        self.ends = [e for _, e in blocks]
        self.before = list(itertools.accumulate((e - s for s, e in blocks), initial=0))
        self.work_at = [s - b for s, b in zip(self.starts, self.before, strict=False)]

    def work(self, t: int) -> int:
        """Working time in [0, t)."""
        i = bisect.bisect_right(self.starts, t)
        if i == 0:
            return t
        return t - self.before[i - 1] - (min(t, self.ends[i - 1]) - self.starts[i - 1])

    def fit(self, t: int, d: int) -> int:
        """The earliest start >= t at which [start, start + d) overlaps no unavailable period."""
        starts, ends = self.starts, self.ends
        i = bisect.bisect_right(ends, t)
        while i < len(starts):
            if t + d <= starts[i]:
                return t
            t = max(t, ends[i])
            i += 1
        return t

    def first_working(self, t: int) -> int:
        """The first working instant >= t."""
        i = bisect.bisect_right(self.ends, t)
        if i < len(self.starts) and self.starts[i] <= t:
            return self.ends[i]
        return t

    def inside(self, s: int, e: int) -> list[tuple[int, int]]:
        """The unavailable periods inside [s, e), clipped to it."""
        out = []
        for i in range(bisect.bisect_right(self.ends, s), len(self.starts)):
            if self.starts[i] >= e:
                break
            out.append((max(s, self.starts[i]), min(e, self.ends[i])))
        return out

    def stretch(self, s: int, d: int) -> int:
        """The end of an operation of d working units that starts at s and pauses over
        unavailable time: the first instant by which d units of working time lie in [s, end)."""
        if d <= 0:
            return s
        x = self.work(s) + d
        return x + self.before[bisect.bisect_left(self.work_at, x)]


class Prepared:
    def __init__(self, inst: SchedulingInstance, ctx: RunContext | None = None):
        self.inst = inst
        # the solve's deadline and cancel flag (None: no limit), checked while the calendars
        # are expanded here and in set_horizon
        self.ctx = ctx
        self._off: dict[tuple[str, int], list[tuple[int, int]]] = {}
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
                # an operation's own flag wins over its machine's
                pause = frozenset(
                    m
                    for m, d in modes
                    if d > 0
                    and (op.may_pause if op.may_pause is not None else inst.machines[m].may_pause)
                )
                self.op_index[(job.id, op.id)] = len(self.ops)
                ids.append(len(self.ops))
                self.ops.append(
                    OpData(j, k, op.id, modes, op.family, pin_m=pin_m, pin_s=pin_s, pause=pause)
                )
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
        self._stretches: dict[tuple[str, int], int] = {}
        self.horizon = self._horizon()
        self.unavailable: list[list[tuple[int, int]]] = []
        self._expand_calendars()
        self._reset_time()

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
        """Lower the horizon (every optimal plan ends by h) and re-expand the calendars. When
        the deadline or a cancel interrupts the expansion, the old horizon stays whole (it
        holds too) and Interrupted is raised."""
        old = self.horizon
        self.horizon = h
        try:
            self._expand_calendars()
        except Interrupted:
            self.horizon = old
            raise
        self._reset_time()

    def _reset_time(self) -> None:
        self._worktime: dict[int, WorkTime] = {}
        # (machine, duration) -> (the limit they were computed to, offsets with their starts)
        self._pieces: dict[tuple[int, int], tuple[int, list[tuple[int, list[tuple[int, int]]]]]]
        self._pieces = {}

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
            + [
                op.pin_s
                + max(
                    d + (self._pause_stretch(mi, d) if mi in op.pause else 0) for mi, d in op.modes
                )
                for op in self.ops
                if op.pin_s is not None
            ]
        )
        if self.previous and any(t.kind == "stability" for t in inst.objective.terms):
            # stability is not regular: an optimal plan may keep an operation at a late
            # previous start; the operations starting after every previous start are then
            # left-justified, and the others end within the longest duration after it
            latest = max(s for _, s, _ in self.previous.values())
            t0 = max(t0, latest + max(op.max_dur for op in self.ops))
        total = t0
        for op in self.ops:
            # an operation that pauses waits for no window, but its end is stretched
            wait = max(
                self._pause_stretch(mi, d) if mi in op.pause else self._calendar_wait(mi, d)
                for mi, d in op.modes
            )
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

    def _pause_stretch(self, mi: int, d: int) -> int:
        """For an operation of d > 0 units that pauses on machine mi: the most calendar time
        beyond d from any time t to its end (the wait for a working instant included).

        The calendar repeats weekly, so the starts t in one week (the second of the expansion)
        are enough. For t inside window i, end - t is an offset of one of window i's pieces
        (`pause_pieces`); for t in the break before it, at most the break plus the offset of a
        start at the window's opening. Explicit unavailable periods are counted once each by
        the horizon itself.
        """
        m = self.inst.machines[mi]
        if d <= 0 or m.calendar is None or self.inst.start is None:
            return 0
        key = (m.calendar, d)
        if key not in self._stretches:
            week = self.to_units(WEEK_MIN, up=True)
            wins = self._calendar_units(m.calendar, 3)
            weekly = sum(
                min(b, 2 * week) - max(a, week) for a, b in wins if a < 2 * week and b > week
            )
            if weekly <= 0:  # no working unit at all: the pre-check reports it
                self._stretches[key] = week
            else:
                wins = self._calendar_units(m.calendar, d // weekly + 4)
                worst = 0
                for i, lo, _, off in pause_pieces(wins, d):
                    if i > 0 and week <= wins[i][0] < 2 * week:
                        # from inside the window, or from the break before it (to its start)
                        wait = wins[i][0] - wins[i - 1][1] if lo == wins[i][0] else 0
                        worst = max(worst, wait + off - d)
                self._stretches[key] = worst
        return self._stretches[key]

    def _calendar_units(self, cid: str, weeks: int) -> list[tuple[int, int]]:
        """A calendar's working windows over `weeks` weeks from time 0, in whole time units
        (starts rounded up, ends down, as in the unavailable periods)."""
        assert self.inst.start is not None
        out = []
        for lo, hi in calendar_working_minutes(
            self._calendar(cid), self.inst.start, weeks * WEEK_MIN
        ):
            a, b = self.to_units(lo, up=True), self.to_units(hi, up=False)
            if a < b:
                out.append((a, b))
        return merge(out)

    def _unavailable(self, m: int) -> list[tuple[int, int]]:
        mach = self.inst.machines[m]
        iv = [(u.start, u.end) for u in mach.unavailable]
        if mach.calendar is not None and self.inst.start is not None:
            iv += self._off_time(mach.calendar)
        return merge([(max(0, s), min(e, self.horizon)) for s, e in iv if s < self.horizon])

    def _off_time(self, cid: str) -> list[tuple[int, int]]:
        """A calendar's unavailable periods in time units up to the horizon, computed once per
        calendar and horizon (machines share calendars)."""
        key = (cid, self.horizon)
        if key not in self._off:
            assert self.inst.start is not None  # calendars are read from a start date
            u = UNIT_MINUTES[self.inst.time_unit]
            work = calendar_working_minutes(self._calendar(cid), self.inst.start, self.horizon * u)
            iv, prev = [], 0
            for lo, hi in work:
                a, b = self.to_units(lo, up=True), self.to_units(hi, up=False)
                if a > prev:
                    iv.append((prev, a))
                prev = max(prev, b)
            if prev < self.horizon:
                iv.append((prev, self.horizon))
            self._off[key] = iv
        return self._off[key]

    def _expand_calendars(self) -> None:
        """Every machine's unavailable periods up to the horizon; the deadline and a cancel are
        checked between machines (Interrupted)."""
        out = []
        for i in range(len(self.machines)):
            if self.ctx is not None:
                self.ctx.checkpoint("expanding the machines' calendars")
            out.append(self._unavailable(i))
        self.unavailable = out

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

    # ---- pausing over unavailable time
    def pauses(self, o: int, m: int) -> bool:
        """Operation o may pause over unavailable time on machine m (and has length there)."""
        return m in self.ops[o].pause

    def worktime(self, m: int) -> WorkTime:
        if m not in self._worktime:
            self._worktime[m] = WorkTime(self.unavailable[m])
        return self._worktime[m]

    def pause_end(self, m: int, s: int, d: int) -> int:
        """The end of d units started at s on m, stretched by the unavailable time spanned."""
        return self.worktime(m).stretch(s, d)

    def earliest_pause(self, m: int, t: int, d: int) -> tuple[int, int] | None:
        """(start, end) of d units that may pause, started at the first working instant >= t;
        None when they do not end by the horizon."""
        w = self.worktime(m)
        s = w.first_working(t)
        e = w.stretch(s, d)
        return (s, e) if e <= self.horizon else None

    def fit_spans(self, m: int, d: int, limit: int) -> list[tuple[int, int]]:
        """Starts [lo, hi] <= limit at which [s, s + d) overlaps no unavailable period of m."""
        return [
            (a, min(b - d, limit))
            for a, b in working_windows(self.unavailable[m], limit + d)
            if b - d >= a
        ]

    def pause_offsets(self, m: int, d: int, limit: int) -> list[tuple[int, list[tuple[int, int]]]]:
        """For d > 0 units that pause on m and end by `limit`: each distinct offset (end minus
        start) with the starts [lo, hi] that have it, smallest offset first.

        Computed once per (m, d) up to the horizon (or a larger limit) and cut to `limit`: a
        start whose end is at most `limit` ends there whatever lies after `limit`.
        """
        known = self._pieces.get((m, d))
        if known is None or known[0] < limit:
            upto = max(limit, self.horizon)
            by_offset: dict[int, list[tuple[int, int]]] = {}
            for _, lo, hi, off in pause_pieces(working_windows(self.unavailable[m], upto), d):
                by_offset.setdefault(off, []).append((lo, hi))
            known = (upto, sorted(by_offset.items()))
            self._pieces[(m, d)] = known
        if known[0] == limit:
            return known[1]
        out = []
        for off, spans in known[1]:
            kept = [(lo, min(hi, limit - off)) for lo, hi in spans if lo <= limit - off]
            if kept:
                out.append((off, kept))
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


def prepare(inst: SchedulingInstance, ctx: RunContext | None = None) -> Prepared:
    """The derived data of one solve, built once (ModelSpec.prepare); it keeps `ctx` for the
    phases that expand calendars again (set_horizon) and for the pre-checks."""
    return Prepared(inst, ctx)
