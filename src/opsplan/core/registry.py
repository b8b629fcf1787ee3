"""Model name -> everything the shared pipeline needs to solve, check and report that family.

A family registers one ModelSpec. solve(), the CLI and the HTTP service only ever talk to specs,
so a new family plugs in without touching them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from .errors import Problem
from .options import SolveOptions
from .result import Finding
from .run import Outcome, RunContext
from .tables import TablesAdapter

# A reader of a public benchmark format: file text and its path -> instance dict (raises
# InvalidInput naming file lines).
FormatReader = Callable[[str, Path], dict[str, Any]]


@dataclass(frozen=True)
class CheckReport:
    """What the independent checker found: violations, and the objective it recomputed."""

    violations: list[Finding]
    objective: float | None
    penalties: dict[str, Any] = field(default_factory=dict)


def same(instance: Any, ctx: RunContext | None = None) -> Any:
    """The default `prepare`: the family's pre-check and solve take the instance itself."""
    return instance


@dataclass(frozen=True)
class ModelSpec:
    """A family's contract with the pipeline (CONTRIBUTING.md names the module of each part).

    Order of a solve: `instance_type` (pydantic) -> `validate` -> `prepare` (once) ->
    `precheck(prepared)` -> `solve(prepared)` -> the plan validated as `solution_type` ->
    `check(instance, plan)` -> `kpis(instance, plan)`.
    """

    name: str
    description: str
    instance_type: type[BaseModel]
    # cross-reference validation after pydantic: every problem, each naming its path/id
    validate: Callable[[Any], list[Problem]]
    # cheap infeasibility pre-checks on the prepared data: each finding names entity and rule
    precheck: Callable[[Any, SolveOptions], list[Finding]]
    # the strategy, on the prepared data; the plan it returns is a `solution_type` (or its JSON)
    solve: Callable[[Any, SolveOptions, RunContext], Outcome]
    # the independent checker: the instance and the plan as JSON (as a user would send it back)
    check: Callable[[Any, dict[str, Any]], CheckReport]
    kpis: Callable[[Any, dict[str, Any]], dict[str, Any]]
    # the plan's typed shape (schema.py); published in `opsplan schema` and the OpenAPI document
    solution_type: type[BaseModel] | None = None
    # derived data built once per solve (prepare.py) and handed to both precheck and solve;
    # `prepare(instance, ctx)` calls ctx.checkpoint(...) in its loops (deadline and cancel)
    prepare: Callable[[Any, RunContext], Any] = same
    # the rule names of models/<name>.md, in order: the formulation's add_<rule>(), the
    # checker's and the diagnosis's Finding.rule use exactly these
    rules: tuple[str, ...] = ()
    default_backend: str = "cpsat"
    backends: tuple[str, ...] = ("cpsat",)
    formats: dict[str, FormatReader] = field(default_factory=dict)
    # planner files (Excel/CSV in and out, charts, report); None: JSON only
    tables: TablesAdapter | None = None


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    _REGISTRY[spec.name] = spec
    return spec


def _module(package: str, role: str) -> ModuleType:
    return importlib.import_module(f"{package}.{role}")


def _optional(package: str, role: str) -> ModuleType | None:
    try:
        return _module(package, role)
    except ModuleNotFoundError as e:
        if e.name != f"{package}.{role}":
            raise  # the module exists but imports something missing
        return None


def register_family(
    package: str,
    *,
    description: str,
    instance_type: type[BaseModel],
    solution_type: type[BaseModel],
    backends: tuple[str, ...] = ("cpsat",),
    formats: dict[str, FormatReader] | None = None,
) -> ModelSpec:
    """Register the family in `package` from its modules, by the roles of CONTRIBUTING.md.

    The model is named as the package. Each part of the spec comes from the module of its role:
    `schema.RULES`, `validate.validate`, `prepare.prepare` (when the family has a prepare.py),
    `diagnose.precheck`, `solver.solve`, `check.check`, `kpis.kpis`, and the planner files
    from `tables.py` (INPUTS, to_instance, from_instance, example) with `views.py` (results,
    charts, VIEWS, KPI_HELP). The first backend is the default.
    """
    prepare = _optional(package, "prepare")
    tables, views = _optional(package, "tables"), _optional(package, "views")
    adapter = None
    if tables is not None and views is not None:
        adapter = TablesAdapter(
            inputs=tables.INPUTS,
            to_instance=tables.to_instance,
            from_instance=tables.from_instance,
            example=tables.example,
            results=views.results,
            charts=views.charts,
            views=dict(getattr(views, "VIEWS", {})),
            kpi_help=dict(views.KPI_HELP),
        )
    return register(
        ModelSpec(
            name=package.rsplit(".", 1)[-1],
            description=description,
            instance_type=instance_type,
            solution_type=solution_type,
            rules=tuple(_module(package, "schema").RULES),
            validate=_module(package, "validate").validate,
            prepare=prepare.prepare if prepare is not None else same,
            precheck=_module(package, "diagnose").precheck,
            solve=_module(package, "solver").solve,
            check=_module(package, "check").check,
            kpis=_module(package, "kpis").kpis,
            default_backend=backends[0],
            backends=backends,
            formats=dict(formats or {}),
            tables=adapter,
        )
    )


def _load_builtin() -> None:
    # Importing a family module registers it. One line per family.
    from .. import (
        replenishment,  # noqa: F401
        rostering,  # noqa: F401
        scheduling,  # noqa: F401
        staffing_levels,  # noqa: F401
        supplier_selection,  # noqa: F401
    )


def get(name: str) -> ModelSpec:
    _load_builtin()
    return _REGISTRY[name]


def names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def all_specs() -> list[ModelSpec]:
    _load_builtin()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def find_format(fmt: str) -> tuple[ModelSpec, FormatReader] | None:
    for spec in all_specs():
        if fmt in spec.formats:
            return spec, spec.formats[fmt]
    return None
