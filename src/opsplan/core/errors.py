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


def problems_from_validation(err: ValidationError, prefix: str = "") -> list[Problem]:
    problems = []
    for e in err.errors(include_url=False):
        # pydantic puts the union branch / validator name into loc for some errors: drop those
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see `opsplan schema MODEL`)"
        problems.append(Problem(where=path_str(loc, prefix), message=msg))
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
