"""INPUTS... -> the instance files of a batch, each with the name of its result in OUTDIR.

- a file is taken as given (even if it does not exist: it becomes an "unreadable" summary row);
- a folder is searched recursively: without --format its requests (`*.json`) and planner
  workbooks (`*.xlsx`, `*.xlsm`; not Excel's `~$` lock files), so one batch can mix models
  and both kinds of file; with --format every file except hidden ones, `*.json`, `*.csv` and
  `*.md` (requests, and the tables and notes that sit beside benchmark instances) and
  README/LICENSE files;
- a glob (`*`, `?`, `[`; `**` spans folders) is expanded; folders it matches are searched as
  above, their results under the folder's name.

Files inside OUTDIR are never inputs (a second run over the same folder must not read results).
Each input's result is OUTDIR/<path relative to its folder argument, suffix .json>; names that
would collide keep their full file name, then get a counter.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

SKIP_SUFFIXES = {".csv", ".md"}
AUTO_SUFFIXES = {".json", ".xlsx", ".xlsm"}  # told apart by load_request without --format
SKIP_STEMS = {"readme", "license", "licence", "notice"}


@dataclass(frozen=True)
class BatchInput:
    path: Path  # as found (relative paths stay relative: the summary shows them as given)
    result_name: str  # relative path of the result JSON inside OUTDIR

    @property
    def label(self) -> str:
        return str(self.path)


def _is_glob(s: str) -> bool:
    return any(c in s for c in "*?[")


def _wanted(p: Path, fmt: str | None) -> bool:
    if p.name.startswith(".") or not p.is_file():
        return False
    if fmt is None:
        return p.suffix.lower() in AUTO_SUFFIXES and not p.name.startswith("~$")
    if fmt == "json":
        return p.suffix.lower() == ".json"
    # with a benchmark format, *.json files (requests, or results of an earlier run) are not taken
    skip = SKIP_SUFFIXES | {".json"}
    return p.suffix.lower() not in skip and p.stem.lower() not in SKIP_STEMS


def _inside(p: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        p.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def _walk(folder: Path, fmt: str | None, outdir: Path | None) -> list[tuple[Path, Path]]:
    found = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if _wanted(p, fmt) and not _inside(p, outdir):
            found.append((p, rel))
    return found


def discover(
    inputs: list[str], fmt: str | None = None, outdir: Path | None = None
) -> tuple[list[BatchInput], list[str]]:
    """The inputs in a stable order, and warnings (a glob or a folder that matched nothing)."""
    out_res = outdir.resolve() if outdir is not None else None
    pairs: list[tuple[Path, Path]] = []  # (path, relative name)
    warnings: list[str] = []
    for arg in inputs:
        p = Path(arg)
        if p.is_dir():
            found = _walk(p, fmt, out_res)
            if not found:
                warnings.append(f"{arg}: no instance files in this folder")
            pairs += found
        elif _is_glob(arg) and not p.exists():
            matches = sorted(glob.glob(arg, recursive=True))
            found = []
            for m in matches:
                mp = Path(m)
                if mp.is_dir():  # results under the folder's name: plants/*/ -> a/..., b/...
                    found += [(f, Path(mp.name) / rel) for f, rel in _walk(mp, fmt, out_res)]
                elif mp.is_file() and not _inside(mp, out_res):
                    found.append((mp, Path(mp.name)))
            if not found:
                warnings.append(f"{arg}: matches no file")
            pairs += found
        else:
            pairs.append((p, Path(p.name)))
    seen: set[Path] = set()
    unique: list[tuple[Path, Path]] = []
    for path, rel in pairs:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, rel))
    return _name_results(unique), warnings


def _name_results(pairs: list[tuple[Path, Path]]) -> list[BatchInput]:
    def short(rel: Path) -> str:
        return rel.with_suffix(".json").as_posix()

    counts: dict[str, int] = {}
    for _, rel in pairs:
        counts[short(rel)] = counts.get(short(rel), 0) + 1
    taken: set[str] = set()
    out = []
    for path, rel in pairs:
        name = short(rel)
        if counts[name] > 1:  # a.txt and a.json, or the same name in two folders
            name = rel.as_posix() + ".json" if rel.suffix.lower() != ".json" else name
        base, i = name, 2
        while name in taken:
            name = f"{base.removesuffix('.json')}-{i}.json"
            i += 1
        taken.add(name)
        out.append(BatchInput(path, name))
    return out
