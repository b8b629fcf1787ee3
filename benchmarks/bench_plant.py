"""Plant-sized production scheduling (issue #12): opsplan now, opsplan before #12, PyJobShop.

The plants come from plant_gen.make_plant (22 machines, flexible routings, family setups, late
material, pins at time 0, a maintenance window, optionally the two-shift calendar). For each
size, calendar setting and time limit, three solvers run one after the other, never at once:

- new: opsplan from the tree this script is imported with (PYTHONPATH), in this process,
  `opsplan.solve(request, {time_limit_s, workers, seed}, on_progress=...)`. Wall time is
  measured around the call; first_plan_s is the elapsed_s of the first progress event (the
  first checked plan where the solver reports its starting plan first; before #12 it is
  CP-SAT's first incumbent, and empty when only the heuristic's plan was answered).
- old: opsplan at --old-ref (default 354586a, the code before issue #12), checked out as a
  detached git worktree at --old-tree (default: wt-old next to this repository's checkout,
  created if missing), run in a subprocess with PYTHONPATH=<old tree>/src.
- pyjobshop (with --pyjobshop): the same instance built as a PyJobShop model and solved with
  its OR-Tools CP-SAT solver (same time limit, workers and seed), in a subprocess. Its wall
  time includes building the model. PyJobShop's time limit covers only the CP-SAT search.

Every plan, whoever made it, is checked again here by this tree's checker
(opsplan.scheduling.check); a plan that is missing, rejected or unchecked is no result.
A subprocess that runs past limit + 120 s is killed (status "timeout"); subprocesses get an
address-space limit (--mem-limit-gb, default 10; 0 = none) to protect the shared machine;
new runs in this process without one. peak_rss_mb is the subprocess's peak resident memory.

How the plant maps onto PyJobShop (0.0.9 installed): machines; one mode per eligible machine
with its duration; chain precedences (end before start); job release, due date, weight
(deadline if any); sequence-dependent setups as per-machine task-pair setup times from the
setup rules and families (a machine rule wins over a general one); the machine's initial
family as a zero-length task at time 0 (skipped when a pinned operation at 0 already has that
family, as in every plant); pins as fixed start (earliest = latest start) and a single mode;
calendars and unavailable periods as machine breaks that tasks may not overlap. The breaks are
listed up to a horizon H (every task must end by H) = the end of a simple greedy plan (jobs in
order, each operation appended on its earliest-finishing machine) plus one week.
Objective: weighted = the instance's weighted terms (10 x weighted tardiness + makespan);
lexicographic (PyJobShop has none) = weighted tardiness alone, the level the checker compares
(its makespan is not optimised second).

Reproduce (from the repository root, with the project's virtualenv active; PYTHONPATH=src
makes this checkout's opsplan the "new" one). The full grid is 2 calendar settings x 4 sizes
x (5+20+60) s x 3 solvers, about 35 minutes of search, plus start-up and model building
(PyJobShop's grows with the square of the operations per machine):

    export PYTHONPATH=src
    python benchmarks/bench_plant.py --pyjobshop --workers 2 --seed 0 --tag full
    python benchmarks/bench_plant.py --sizes 500 --time-limits 3 --calendars off --pyjobshop
    python benchmarks/bench_plant.py --sizes 500 --time-limits 3 --calendars on --pyjobshop
    python benchmarks/bench_plant.py --sizes 500,1500 --time-limits 20 --only-new
    python benchmarks/bench_plant.py --orders 50 --time-limits 5 --lexicographic --pyjobshop

Rows go to benchmarks/results/plant_<tag>.csv (tag: --tag, default a UTC timestamp), one per
(size, calendars, time limit, solver), written as they finish; a markdown summary is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OLD_REF = "354586a"
OLD_TREE = ROOT.parent / "wt-old"
GRACE_S = 120  # a subprocess running longer than the limit plus this is killed

FIELDS = [
    "tag",
    "size",
    "orders",
    "operations",
    "calendars",
    "objective_mode",
    "time_limit_s",
    "workers",
    "seed",
    "solver",
    "ref",
    "status",
    "solver_accepted",
    "checked",
    "objective",
    "solver_objective",
    "weighted_tardiness",
    "makespan",
    "bound",
    "gap",
    "wall_s",
    "runtime_s",
    "first_plan_s",
    "first_plan_objective",
    "process_s",
    "peak_rss_mb",
    "why",
]


# ----------------------------------------------------------------------------- workers


def opsplan_worker(request: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """Solve with whichever opsplan is importable; wall time and the first progress event."""
    import opsplan

    opsplan.validate(request)  # import the families before the clock starts
    first: list[Any] = []

    def on_progress(p: Any) -> None:
        if not first:
            first.append(p)

    t0 = time.monotonic()
    res = opsplan.solve(request, options, on_progress=on_progress)
    wall = time.monotonic() - t0
    return {
        "status": res.status.value,
        "accepted": res.status.has_solution and not res.violations,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "wall_s": wall,
        "runtime_s": res.runtime_s,
        "first_plan_s": first[0].elapsed_s if first else None,
        "first_plan_objective": first[0].objective if first else None,
        "why": " | ".join(
            [*res.messages[:3], *(f"{v.rule}: {v.message}" for v in res.violations[:3])]
        ),
        "rows": (res.solution or {}).get("operations"),
        "opsplan_file": opsplan.__file__,
    }


def _off_periods(inst: Any, cal_id: str, hi: int) -> list[tuple[int, int]]:
    """Time outside a weekly calendar within [0, hi), in the instance's time units."""
    from opsplan.scheduling.prepare import merge
    from opsplan.scheduling.schema import UNIT_MINUTES, WEEKDAYS

    unit = UNIT_MINUTES[inst.time_unit]
    cal = next(c for c in inst.calendars if c.id == cal_id)
    t0 = inst.start
    midnight = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    hi_min = hi * unit
    working: list[tuple[float, float]] = []
    day = -1
    while (day0 := (midnight + timedelta(days=day) - t0).total_seconds() / 60) < hi_min:
        wd = WEEKDAYS[(midnight + timedelta(days=day)).weekday()]
        for w in cal.working:
            if wd in w.days:
                a = int(w.start[:2]) * 60 + int(w.start[3:])
                b = int(w.end[:2]) * 60 + int(w.end[3:])
                working.append((day0 + a, day0 + (b if b > a else b + 1440)))
        day += 1
    off: list[tuple[int, int]] = []
    t = 0.0
    for a, b in sorted(working):
        if a > t:  # minutes -> units, rounded outwards: never less off-time than the calendar
            off.append((math.floor(t / unit), math.ceil(min(a, hi_min) / unit)))
        t = max(t, b)
        if t >= hi_min:
            break
    if t < hi_min:
        off.append((math.floor(t / unit), hi))
    return merge([(max(0, s), min(e, hi)) for s, e in off if e > 0 and s < hi])


def _earliest_fit(breaks: list[tuple[int, int]], t: int, d: int) -> int:
    """Earliest start >= t of a task of length d that overlaps none of the sorted breaks."""
    k = max(0, bisect_right(breaks, (t, math.inf)) - 1)
    while k < len(breaks):
        s, e = breaks[k]
        if t < e and s < t + d:
            t = e
        elif s >= t + d:
            break
        k += 1
    return t


def _greedy_end(inst: Any, breaks: dict[str, list[tuple[int, int]]], setup: Any) -> int:
    """End of a plain feasible plan: jobs in order, each operation appended at the end of its
    earliest-finishing machine (pins kept). Only sizes the horizon of the break lists."""
    free = {m.id: 0 for m in inst.machines}
    fam: dict[str, str | None] = {m.id: m.initial_family for m in inst.machines}
    for job in inst.jobs:
        for op in job.operations:
            if op.pin is not None and op.pin.start is not None:
                mid = op.pin.machine or op.machines[0].machine
                d = next(md.duration for md in op.machines if md.machine == mid)
                free[mid] = max(free[mid], op.pin.start + d)
                fam[mid] = op.family
    end_all = 0
    for job in inst.jobs:
        t = job.release
        for op in job.operations:
            if op.pin is not None and op.pin.start is not None:
                mid = op.pin.machine or op.machines[0].machine
                d = next(md.duration for md in op.machines if md.machine == mid)
                t = max(t, op.pin.start + d)
                continue
            best: tuple[int, int, str] | None = None
            for md in op.machines:
                if op.pin is not None and op.pin.machine not in (None, md.machine):
                    continue
                ready = max(t, free[md.machine] + setup(md.machine, fam[md.machine], op.family))
                s = _earliest_fit(breaks[md.machine], ready, md.duration)
                if best is None or s + md.duration < best[0]:
                    best = (s + md.duration, s, md.machine)
            assert best is not None
            end, _, mid = best
            free[mid], fam[mid], t = end, op.family, end
        end_all = max(end_all, t)
    return end_all


def pyjobshop_worker(request: dict[str, Any], tl: float, workers: int, seed: int) -> dict[str, Any]:
    """Build the plant as a PyJobShop model and solve it with its CP-SAT solver."""
    import pyjobshop

    from opsplan.scheduling.prepare import merge
    from opsplan.scheduling.schema import UNIT_MINUTES, SchedulingInstance

    inst = SchedulingInstance.model_validate(request["instance"])
    notes: list[str] = []
    t0 = time.monotonic()
    rules = {(r.machine, r.from_family, r.to_family): r.time for r in inst.setups}

    def setup(mid: str, a: str | None, b: str | None) -> int:
        if a is None or b is None:
            return 0
        return rules.get((mid, a, b), rules.get((None, a, b), 0))

    # breaks: unavailable periods, and the calendar up to a horizon from a greedy plan
    unavail = {m.id: merge([(iv.start, iv.end) for iv in m.unavailable]) for m in inst.machines}
    horizon = inst.horizon
    breaks = dict(unavail)
    if any(m.calendar for m in inst.machines):
        # far enough for the greedy plan (checked below): a serial plan needs at most twice
        # the durations plus the setups in working time, stretched by the sparsest calendar
        week = math.ceil(7 * 1440 / UNIT_MINUTES[inst.time_unit])
        span = 3 * week  # working time over three weeks, per calendar
        working = min(
            span - sum(e - s for s, e in _off_periods(inst, c.id, span)) for c in inst.calendars
        )
        max_setup = max((r.time for r in inst.setups), default=0)
        work = sum(
            2 * max(md.duration for md in op.machines) + max_setup
            for j in inst.jobs
            for op in j.operations
        ) + sum(iv.end - iv.start for mc in inst.machines for iv in mc.unavailable)
        release = max(j.release for j in inst.jobs)
        loose = release + math.ceil(work * span / max(1, working)) + 2 * week
        full = {
            m.id: merge(
                unavail[m.id] + (_off_periods(inst, m.calendar, loose) if m.calendar else [])
            )
            for m in inst.machines
        }
        greedy = _greedy_end(inst, full, setup)
        if greedy + week >= loose:
            raise RuntimeError(f"greedy plan ends at {greedy}, past the expanded calendar {loose}")
        h = greedy + week
        horizon = h if horizon is None else min(horizon, h)
        breaks = {
            mid: [(s, min(e, horizon)) for s, e in iv if s < horizon] for mid, iv in full.items()
        }
        notes.append(f"calendar breaks listed up to H={horizon} (greedy plan ends at {greedy})")

    m = pyjobshop.Model()
    machines = {mc.id: m.add_machine(breaks=breaks[mc.id], name=mc.id) for mc in inst.machines}
    order = [mc.id for mc in inst.machines]  # resource index -> machine id
    obj = inst.objective
    weights = {"makespan": 0, "weighted_tardiness": 0, "late_jobs": 0}
    if obj.mode == "lexicographic":
        if obj.terms[0].kind not in weights:
            raise NotImplementedError(f"objective term {obj.terms[0].kind} is not mapped")
        weights[obj.terms[0].kind] = 1
        notes.append(f"lexicographic: PyJobShop minimises {obj.terms[0].kind} alone")
    else:
        for term in obj.terms:
            if term.kind not in weights:
                raise NotImplementedError(f"objective term {term.kind} is not mapped to PyJobShop")
            weights[term.kind] += term.weight
    m.set_objective(
        weight_makespan=weights["makespan"],
        weight_total_tardiness=weights["weighted_tardiness"],
        weight_tardy_jobs=weights["late_jobs"],
    )
    big = pyjobshop.constants.MAX_VALUE
    keys: list[tuple[str, int, str]] = []
    tasks: list[Any] = []
    on_machine: dict[str, list[tuple[Any, str | None]]] = {mid: [] for mid in machines}
    for job in inst.jobs:
        pj = m.add_job(
            weight=job.weight,
            release_date=job.release,
            deadline=big if job.deadline is None else job.deadline,
            due_date=big if job.due is None else job.due,
            name=job.id,
        )
        by_id = {}
        for k, op in enumerate(job.operations):
            pin = op.pin
            start = None if pin is None else pin.start
            task = m.add_task(
                job=pj,
                earliest_start=job.release if start is None else start,
                latest_start=big if start is None else start,
                latest_end=big if horizon is None else horizon,
                name=f"{job.id}/{op.id}",
            )
            for md in op.machines:
                if pin is not None and pin.machine is not None and md.machine != pin.machine:
                    continue
                m.add_mode(task, machines[md.machine], md.duration)
                on_machine[md.machine].append((task, op.family))
            by_id[op.id] = task
            keys.append((job.id, k, op.id))
            tasks.append(task)
        for oid, preds in job.predecessors_of().items():
            for p in preds:
                m.add_end_before_start(by_id[p], by_id[oid])
    for mc in inst.machines:
        f0 = mc.initial_family
        if f0 is None:
            continue
        pinned_first = any(
            op.pin is not None and op.pin.machine == mc.id and op.pin.start == 0 and op.family == f0
            for j in inst.jobs
            for op in j.operations
        )
        if pinned_first or not any(setup(mc.id, f0, f) for _, f in on_machine[mc.id]):
            continue
        dummy = m.add_task(earliest_start=0, latest_start=0, name=f"initial {mc.id}")
        m.add_mode(dummy, machines[mc.id], 0)
        for task, f in on_machine[mc.id]:
            if d := setup(mc.id, f0, f):
                m.add_setup_time(machines[mc.id], dummy, task, d)
    n_setups = 0
    for mid, lst in on_machine.items():
        fams = sorted({f for _, f in lst if f is not None})
        groups = {f: [t for t, g in lst if g == f] for f in fams}
        for fa in fams:
            for fb in fams:
                if not (d := setup(mid, fa, fb)):
                    continue
                for ta in groups[fa]:
                    for tb in groups[fb]:
                        if ta is not tb:
                            m.add_setup_time(machines[mid], ta, tb, d)
                            n_setups += 1
    notes.append(f"{n_setups} task-pair setup times")
    build = time.monotonic() - t0
    res = m.solve("ortools", time_limit=tl, display=False, num_workers=workers, random_seed=seed)
    wall = time.monotonic() - t0
    status = str(getattr(res.status, "value", res.status)).lower()
    rows = None
    if status in ("optimal", "feasible") and res.best is not None:
        index = {id(t): i for i, t in enumerate(m.tasks)}
        rows = []
        for (jid, k, oid), task in zip(keys, tasks, strict=True):
            st = res.best.tasks[index[id(task)]]
            rows.append(
                {
                    "job": jid,
                    "index": k,
                    "operation": oid,
                    "machine": order[st.resources[0]],
                    "start": st.start,
                    "end": st.end,
                }
            )
    found = rows is not None
    return {
        "status": status,
        "objective": res.objective if found else None,
        "bound": res.lower_bound if found else None,
        "wall_s": wall,
        "runtime_s": res.runtime,
        "build_s": build,
        "rows": rows,
        "why": "; ".join(notes),
        "version": _pyjobshop_version(),
    }


def _pyjobshop_version() -> str:
    from importlib.metadata import version

    return version("pyjobshop")


def worker_main(inp: Path, out: Path) -> None:
    job = json.loads(inp.read_text())
    if job["kind"] == "opsplan":
        ans = opsplan_worker(job["request"], job["options"])
    else:
        o = job["options"]
        ans = pyjobshop_worker(job["request"], o["time_limit_s"], o["workers"], o["seed"])
    import resource

    ans["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    out.write_text(json.dumps(ans))


# ----------------------------------------------------------------------------- parent side


def ensure_old_tree(ref: str, tree: Path) -> str:
    """The commit at `tree`, creating a detached worktree of `ref` there if it is missing."""
    want = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not tree.exists():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), want],
            check=True,
            capture_output=True,
        )
    have = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if have != want:
        sys.exit(f"{tree} is at {have[:10]}, not at {ref} ({want[:10]}); move or remove it")
    return want


def tree_ref(tree: Path) -> str:
    """Short commit of a checkout, with '+changes' when its src/ differs from that commit."""

    def git(*args: str) -> str:
        p = subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True)
        return p.stdout.strip() if p.returncode == 0 else ""

    head = git("rev-parse", "--short=10", "HEAD") or str(tree)
    return head + ("+changes" if git("status", "--porcelain", "--", "src") else "")


def _limit_memory(gb: float) -> Any:
    if gb <= 0:
        return None

    def apply() -> None:
        import resource

        n = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (n, n))

    return apply


def run_subprocess(
    kind: str, src: Path, request: dict[str, Any], options: dict[str, Any], mem_gb: float
) -> dict[str, Any]:
    """Run a worker in a fresh interpreter that imports opsplan from `src`."""
    with tempfile.TemporaryDirectory(prefix="bench_plant_") as tmp:
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps({"kind": kind, "request": request, "options": options}))
        env = {**os.environ, "PYTHONPATH": str(src)}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(inp), str(out)]
        t0 = time.monotonic()
        try:
            p = subprocess.run(
                cmd,
                env=env,
                capture_output=True,
                text=True,
                timeout=options["time_limit_s"] + GRACE_S,
                preexec_fn=_limit_memory(mem_gb),
            )
        except subprocess.TimeoutExpired:
            return {
                "status": "timeout",
                "process_s": time.monotonic() - t0,
                "why": f"killed after {options['time_limit_s'] + GRACE_S:g} s",
            }
        took = time.monotonic() - t0
        if p.returncode != 0 or not out.exists():
            tail = (p.stderr or "").strip().splitlines()[-3:]
            return {
                "status": "crashed",
                "process_s": took,
                "why": f"exit {p.returncode}: " + " / ".join(tail),
            }
        ans = json.loads(out.read_text())
        ans["process_s"] = took
        return ans


def recheck(inst: Any, rows: list[dict[str, Any]] | None) -> tuple[bool, dict[str, Any], str]:
    """This tree's checker on a plan: accepted, (objective, tardiness, makespan), why not."""
    from opsplan.scheduling.check import check

    if not rows:
        return False, {}, "no plan"
    rep = check(inst, {"operations": rows})
    if rep.violations:
        first = "; ".join(f"{v.rule}: {v.message}" for v in rep.violations[:2])
        return False, {}, f"checker: {len(rep.violations)} violations ({first})"
    return (
        True,
        {
            "objective": rep.objective,
            "weighted_tardiness": rep.penalties.get("weighted_tardiness"),
            "makespan": rep.penalties.get("makespan"),
        },
        "",
    )


def _gap(obj: float | None, bound: float | None) -> float | None:
    if obj is None or bound is None:
        return None
    if abs(obj) < 1e-9:
        return 0.0 if bound >= -1e-9 else None
    return max(0.0, obj - bound) / abs(obj)


def _r(x: Any, nd: int = 3) -> Any:
    return round(x, nd) if isinstance(x, float) else x


def run_one(
    solver: str,
    request: dict[str, Any],
    inst: Any,
    opts: dict[str, Any],
    a: argparse.Namespace,
    old_commit: str,
) -> dict[str, Any]:
    import opsplan

    if solver == "new":
        ans = opsplan_worker(request, opts)
        ref = tree_ref(Path(opsplan.__file__).resolve().parents[2])
    elif solver == "old":
        ans = run_subprocess("opsplan", a.old_tree / "src", request, opts, a.mem_limit_gb)
        ref = old_commit[:10]
        f = ans.get("opsplan_file")
        if f and not Path(f).resolve().is_relative_to(a.old_tree.resolve()):
            sys.exit(f"the old run imported opsplan from {f}, not from {a.old_tree}")
    else:
        src = Path(opsplan.__file__).resolve().parents[1]
        ans = run_subprocess("pyjobshop", src, request, opts, a.mem_limit_gb)
        ref = "pyjobshop " + ans.get("version", "?")
    ok, chk, why = recheck(inst, ans.get("rows"))
    if solver != "pyjobshop" and ans.get("accepted") is False and ok:
        ok, why = False, "the solver's own check rejected it"
    whys = [w for w in (ans.get("why", ""), "" if ok else why) if w]
    if solver == "pyjobshop" and ans.get("build_s") is not None:
        whys.insert(
            0,
            f"data {ans['build_s']:.1f} s, CP-SAT {ans['runtime_s']:.1f} s "
            f"(of {ans['wall_s']:.1f} s wall; building the CP-SAT model is the rest)",
        )
    gap = ans.get("gap") if solver != "pyjobshop" else None
    if solver == "pyjobshop" and ok:
        gap = _gap(chk["objective"], ans.get("bound"))
    return {
        "solver": solver,
        "ref": ref,
        "status": ans.get("status"),
        "solver_accepted": ans.get("accepted"),
        "checked": ok,
        "objective": chk.get("objective"),
        "solver_objective": _r(ans.get("objective")),
        "weighted_tardiness": chk.get("weighted_tardiness"),
        "makespan": chk.get("makespan"),
        "bound": _r(ans.get("bound")),
        "gap": _r(gap, 4),
        "wall_s": _r(ans.get("wall_s")),
        "runtime_s": _r(ans.get("runtime_s")),
        "first_plan_s": _r(ans.get("first_plan_s")),
        "first_plan_objective": _r(ans.get("first_plan_objective")),
        "process_s": _r(ans.get("process_s")),
        "peak_rss_mb": _r(ans.get("peak_rss_mb"), 0),
        "why": " | ".join(whys)[:600],
    }


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None:
        return None
    if den == 0:
        return 1.0 if num == 0 else None
    return num / den


def _f(x: Any, fmt: str = "g") -> str:
    return "-" if x is None or x == "" else format(x, fmt)


def summary(rows: list[dict[str, Any]], limits: list[float]) -> str:
    out: list[str] = []
    groups: dict[tuple[Any, bool], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["size"], r["calendars"]), []).append(r)
    new_old: dict[tuple[float, bool], list[float]] = {}
    for (size, cal), lst in groups.items():
        ops = lst[0]["operations"]
        out.append(
            f"\n### {size}: {lst[0]['orders']} orders, {ops} operations, "
            f"calendars {'on' if cal else 'off'}\n"
        )
        out.append(
            "| limit s | solver | status | wall s | first plan s | objective | tardiness "
            "| makespan | bound | gap | new / this |"
        )
        out.append("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for tl in limits:
            at = {r["solver"]: r for r in lst if r["time_limit_s"] == tl}
            new = at.get("new")
            for s in ("new", "old", "pyjobshop"):
                r = at.get(s)
                if r is None:
                    continue
                rel = None
                if s != "new" and new is not None and new["checked"] and r["checked"]:
                    rel = ratio(new["objective"], r["objective"])
                    if s == "old" and rel is not None:
                        new_old.setdefault((tl, cal), []).append(rel)
                obj = r["objective"] if r["checked"] else None
                out.append(
                    f"| {tl:g} | {s} | {r['status']}{'' if r['checked'] else ' (no result)'} "
                    f"| {_f(r['wall_s'], '.1f')} | {_f(r['first_plan_s'], '.2f')} "
                    f"| {_f(obj)} | {_f(r['weighted_tardiness'] if r['checked'] else None)} "
                    f"| {_f(r['makespan'] if r['checked'] else None)} | {_f(r['bound'])} "
                    f"| {_f(None if r['gap'] is None else 100 * r['gap'], '.1f')}"
                    f"{'%' if r['gap'] is not None else ''} | {_f(rel, '.3f')} |"
                )
        notes = [r for r in lst if r["why"] or not r["checked"]]
        for r in notes:
            out.append(f"\n- {r['solver']} at {r['time_limit_s']:g} s: {r['why']}")
    out.append("")
    for tl in limits:
        mark = " (the issue's measure)" if tl == 20 else ""
        parts = []
        for label, keep in (("calendars off", [False]), ("on", [True]), ("all", [False, True])):
            xs = [x for c in keep for x in new_old.get((tl, c), [])]
            parts.append(f"{label} {statistics.fmean(xs):.3f} ({len(xs)})" if xs else f"{label} -")
        out.append(f"- mean new/old objective over sizes at {tl:g} s{mark}: " + ", ".join(parts))
    if 20 not in limits:
        out.append("- no 20 s limit in this run: the mean new/old at 20 s is not measured")
    return "\n".join(out)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker_main(Path(sys.argv[2]), Path(sys.argv[3]))
        return 0
    sys.path.insert(0, str(HERE))
    from plant_gen import SIZES, make_plant

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="500,1500,3000,5000", help="operations; keys of SIZES")
    ap.add_argument("--orders", default="", help="comma-separated order counts (overrides sizes)")
    ap.add_argument("--calendars", choices=["both", "on", "off"], default="both")
    ap.add_argument("--time-limits", default="5,20,60", help="seconds, comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="plant generator and solver seed")
    ap.add_argument("--lexicographic", action="store_true", help="tardiness, then makespan")
    ap.add_argument("--pyjobshop", action="store_true", help="run PyJobShop as well")
    ap.add_argument("--only-new", action="store_true", help="skip the old code and PyJobShop")
    ap.add_argument("--old-ref", default=OLD_REF, help=f"commit before issue #12 ({OLD_REF})")
    ap.add_argument("--old-tree", type=Path, default=OLD_TREE, help=f"default {OLD_TREE}")
    ap.add_argument("--mem-limit-gb", type=float, default=10.0, help="per subprocess; 0: none")
    ap.add_argument("--tag", default=datetime.now(UTC).strftime("%Y%m%d-%H%M%S"))
    a = ap.parse_args()

    import opsplan
    from opsplan.scheduling.schema import SchedulingInstance

    if a.orders:
        plants = [(f"{n} orders", n) for n in (int(x) for x in a.orders.split(",") if x)]
    else:
        sizes = [int(x) for x in a.sizes.split(",") if x]
        unknown = [s for s in sizes if s not in SIZES]
        if unknown:
            ap.error(f"unknown sizes {unknown}; known {sorted(SIZES)} (or give --orders)")
        plants = [(f"~{s} ops", SIZES[s]) for s in sizes]
    cals = {"both": [False, True], "on": [True], "off": [False]}[a.calendars]
    limits = [float(x) for x in a.time_limits.split(",") if x]
    solvers = ["new"]
    old_commit = ""
    if not a.only_new:
        old_commit = ensure_old_tree(a.old_ref, a.old_tree)
        solvers.append("old")
        if a.pyjobshop:
            solvers.append("pyjobshop")
    out_path = HERE / "results" / f"plant_{a.tag}.csv"
    out_path.parent.mkdir(exist_ok=True)
    print(
        f"new opsplan from {Path(opsplan.__file__).parents[1]}; "
        + (f"old {old_commit[:10]} at {a.old_tree}; " if old_commit else "")
        + f"solvers {', '.join(solvers)}; rows -> {out_path}",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    with out_path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for label, n in plants:
            for cal in cals:
                req = make_plant(n, a.seed, calendars=cal, lexicographic=a.lexicographic)
                inst = SchedulingInstance.model_validate(req["instance"])
                n_ops = sum(len(j.operations) for j in inst.jobs)
                for tl in limits:
                    opts = {"time_limit_s": tl, "workers": a.workers, "seed": a.seed}
                    for s in solvers:
                        rec = {
                            "tag": a.tag,
                            "size": label,
                            "orders": n,
                            "operations": n_ops,
                            "calendars": cal,
                            "objective_mode": "lexicographic" if a.lexicographic else "weighted",
                            "time_limit_s": tl,
                            "workers": a.workers,
                            "seed": a.seed,
                            **run_one(s, req, inst, opts, a, old_commit),
                        }
                        rows.append(rec)
                        w.writerow(rec)
                        fh.flush()
                        print(
                            f"{label:>10} cal={'on ' if cal else 'off'} {tl:>4g}s {s:<9} "
                            f"{rec['status']:<10} checked={rec['checked']!s:<5} "
                            f"obj={_f(rec['objective'])} bound={_f(rec['bound'])} "
                            f"wall={_f(rec['wall_s'], '.1f')} "
                            f"first={_f(rec['first_plan_s'], '.2f')}",
                            flush=True,
                        )
    print(summary(rows, limits))
    print(f"\nrows: {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
