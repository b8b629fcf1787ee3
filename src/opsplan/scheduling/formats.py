"""Readers of the public benchmark formats, into the scheduling schema.

jssp: the OR-Library job-shop format; fjsp: Brandimarte's flexible job-shop format.
Job ids are the job's 0-based position in the file; machine ids are the numbers as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.errors import InvalidInput, Problem


def _lines(text: str) -> list[tuple[int, list[str]]]:
    return [
        (n, ln.split())
        for n, ln in enumerate(text.splitlines(), start=1)
        if ln.strip() and not ln.lstrip().startswith("#")
    ]


def _ints(path: Path, n: int, toks: list[str]) -> list[int]:
    try:
        vals = [int(t) for t in toks]
    except ValueError:
        bad = next(t for t in toks if not t.lstrip("-").isdigit())
        raise InvalidInput(
            [
                Problem(
                    where=f"{path.name} line {n}", message=f"expected whole numbers, found {bad!r}"
                )
            ]
        ) from None
    if any(x < 0 for x in vals):
        raise InvalidInput(
            [Problem(where=f"{path.name} line {n}", message="negative numbers are not allowed")]
        )
    return vals


def read_jssp(text: str, path: Path) -> dict[str, Any]:
    lines = _lines(text)
    if not lines:
        raise InvalidInput([Problem(where=f"{path.name} line 1", message="the file is empty")])
    n0, head = lines[0]
    hv = _ints(path, n0, head)
    if len(hv) < 2:
        raise InvalidInput(
            [
                Problem(
                    where=f"{path.name} line {n0}",
                    message="expected 'jobs machines' on the first line",
                )
            ]
        )
    n, m = hv[0], hv[1]
    problems = []
    if len(lines) - 1 < n:
        problems.append(
            Problem(
                where=f"{path.name} line {lines[-1][0]}",
                message=f"expected {n} job lines, found {len(lines) - 1}",
            )
        )
    jobs = []
    for j, (ln, toks) in enumerate(lines[1 : n + 1]):
        vals = _ints(path, ln, toks)
        if len(vals) != 2 * m:
            problems.append(
                Problem(
                    where=f"{path.name} line {ln}",
                    message=f"expected {2 * m} numbers ({m} machine/duration "
                    f"pairs), found {len(vals)}",
                )
            )
            continue
        ops = []
        for k in range(m):
            mach, dur = vals[2 * k], vals[2 * k + 1]
            if mach >= m:
                problems.append(
                    Problem(
                        where=f"{path.name} line {ln}",
                        message=f"machine {mach} is not in 0..{m - 1}",
                    )
                )
            ops.append({"id": str(k), "machines": [{"machine": str(mach), "duration": dur}]})
        jobs.append({"id": str(j), "operations": ops})
    if problems:
        raise InvalidInput(problems)
    return {"name": path.stem, "machines": [{"id": str(i)} for i in range(m)], "jobs": jobs}


def read_fjsp(text: str, path: Path) -> dict[str, Any]:
    lines = _lines(text)
    if not lines:
        raise InvalidInput([Problem(where=f"{path.name} line 1", message="the file is empty")])
    n0, head = lines[0]
    try:
        n, m = int(head[0]), int(head[1])
    except (ValueError, IndexError):
        raise InvalidInput(
            [
                Problem(
                    where=f"{path.name} line {n0}", message="expected 'jobs machines [flexibility]'"
                )
            ]
        ) from None
    problems = []
    jobs = []
    body = lines[1 : n + 1]
    if len(body) < n:
        problems.append(
            Problem(
                where=f"{path.name} line {lines[-1][0]}",
                message=f"expected {n} job lines, found {len(body)}",
            )
        )
    for j, (ln, toks) in enumerate(body):
        vals = _ints(path, ln, toks)
        try:
            k, pos, ops = vals[0], 1, []
            for x in range(k):
                p = vals[pos]
                pairs = vals[pos + 1 : pos + 1 + 2 * p]
                if len(pairs) != 2 * p or p == 0:
                    raise IndexError
                modes = []
                for q in range(p):
                    mach, dur = pairs[2 * q], pairs[2 * q + 1]
                    if not 1 <= mach <= m:
                        problems.append(
                            Problem(
                                where=f"{path.name} line {ln}",
                                message=f"machine {mach} is not in 1..{m}",
                            )
                        )
                    modes.append({"machine": str(mach), "duration": dur})
                ops.append({"id": str(x), "machines": modes})
                pos += 1 + 2 * p
            if pos != len(vals):
                raise IndexError
        except IndexError:
            problems.append(
                Problem(
                    where=f"{path.name} line {ln}",
                    message="the operation list does not match its counts "
                    "(k, then per operation p and p machine/duration pairs)",
                )
            )
            continue
        jobs.append({"id": str(j), "operations": ops})
    if problems:
        raise InvalidInput(problems)
    return {"name": path.stem, "machines": [{"id": str(i)} for i in range(1, m + 1)], "jobs": jobs}
