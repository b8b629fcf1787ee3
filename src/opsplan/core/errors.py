"""Invalid input: every problem found, each naming where it is (field path, id, file line)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ValidationError


class Problem(BaseModel):
    """One thing wrong with the input. `where` is a field path, `file line N` or `sheet/row/col`."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InvalidInput(ValueError):
    """Raised before any solving starts; nothing has been changed. Carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


def path_str(loc: Iterable[object], prefix: str = "") -> str:
    """('jobs', 3, 'operations', 0) -> 'jobs[3].operations[0]'."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_TYPE_NAMES = {"int", "float", "str", "bool", "list", "dict", "none", "date", "datetime"}


def _is_tag(part: object) -> bool:
    """A union branch's name that pydantic puts into `loc` (`constrained-float`,
    `list[float]`, `function-after[...]`); field names have neither `-` nor `[`."""
    return isinstance(part, str) and ("[" in part or "-" in part or part in _TYPE_NAMES)


def problems_from_validation(err: ValidationError, prefix: str = "") -> list[Problem]:
    """One problem per pydantic error, its path without union branch names. Of a union's
    branches, those that failed only because the input has another type are left out when a
    branch of the input's own type says what is wrong (NaN in `float | list[float]` is "not a
    finite number", not also "not a valid list")."""
    errors = err.errors(include_url=False)
    groups: dict[tuple[object, ...], list[int]] = {}
    for k, e in enumerate(errors):
        cut = next((i for i, p in enumerate(e["loc"]) if _is_tag(p)), None)
        if cut is not None:
            groups.setdefault(tuple(e["loc"][:cut]), []).append(k)
    skip: set[int] = set()
    for members in groups.values():
        if any(not errors[k]["type"].endswith("_type") for k in members):
            skip |= {k for k in members if errors[k]["type"].endswith("_type")}
    problems = []
    for k, e in enumerate(errors):
        if k in skip:
            continue
        loc = [p for p in e["loc"] if not _is_tag(p)]
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see `opsplan schema MODEL`)"
        problem = Problem(where=path_str(loc, prefix), message=msg)
        if problem not in problems:
            problems.append(problem)
    return problems


def repeats(ids: Iterable[str]) -> list[bool]:
    """True at each position whose id already appeared earlier (report a duplicate once, where it
    repeats)."""
    seen: set[str] = set()
    out = []
    for i in ids:
        out.append(i in seen)
        seen.add(i)
    return out
