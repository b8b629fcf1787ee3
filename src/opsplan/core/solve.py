"""solve(): validate -> pre-check -> build and run -> extract -> check -> one SolveResult.

The CLI, batch runs and the HTTP service are thin shells over this function.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import JsonDict, JsonValue

from . import incident, registry
from .errors import InvalidInput, Problem, problems_from_validation
from .options import SolveOptions
from .partial import partial_view
from .result import Finding, SolveResult, SolverInfo, relative_gap
from .run import Interrupted, Outcome, Progress, RunContext
from .status import SolveStatus

log = logging.getLogger("opsplan")


def _registered_models(schema: JsonDict) -> None:
    names: list[JsonValue] = list(registry.names())
    schema["enum"] = names


class SolveRequest(BaseModel):
    """An instance file and an HTTP solve body are the same document."""

    model_config = ConfigDict(extra="forbid")

    # a plain string when read, so that an unknown model is named with the known ones; its
    # JSON Schema (the service's OpenAPI document) lists the registered models as an enum
    model: str = Field(
        description="Model family, see `opsplan models`.",
        json_schema_extra=_registered_models,
    )
    instance: dict[str, Any] = Field(description="The family's instance; see `opsplan schema`.")
    options: dict[str, Any] = Field(default_factory=dict, description="SolveOptions fields.")


def request_schema(spec: registry.ModelSpec) -> dict[str, Any]:
    """The JSON Schema of a solve request for one model.

    The parts' `$defs` move to the top, where their `#/$defs/...` references point.
    """
    instance = spec.instance_type.model_json_schema()
    options = SolveOptions.model_json_schema()
    defs = {**options.pop("$defs", {}), **instance.pop("$defs", {})}
    doc: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"opsplan {spec.name} solve request",
        "type": "object",
        "additionalProperties": False,
        "required": ["model", "instance"],
        "properties": {"model": {"const": spec.name}, "instance": instance, "options": options},
    }
    if defs:
        doc["$defs"] = defs
    return doc


def solution_schema(
    spec: registry.ModelSpec, ref_template: str = "#/$defs/{model}"
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The JSON Schema of a model's plan as the results carry it (the Solution's JSON form),
    and its definitions, which `ref_template` points to; None for a family without a type."""
    if spec.solution_type is None:
        return None
    doc = spec.solution_type.model_json_schema(mode="serialization", ref_template=ref_template)
    return doc, doc.pop("$defs", {})


def result_schema(spec: registry.ModelSpec) -> dict[str, Any]:
    """The JSON Schema of a solve result for one model: the SolveResult envelope, its
    `solution` the family's Solution (any JSON object when the family declares none).

    Raises ValueError when the plan's schema and the envelope define one name differently."""
    doc = SolveResult.model_json_schema(mode="serialization")
    defs = doc.pop("$defs", {})
    doc["properties"]["model"] = {**doc["properties"]["model"], "const": spec.name}
    typed = solution_schema(spec)
    if typed is not None:
        plan, plan_defs = typed
        clash = sorted(k for k, v in plan_defs.items() if k in defs and defs[k] != v)
        if clash:
            raise ValueError(
                f"{spec.name}: the plan's schema defines {', '.join(clash)}, a name the result "
                "envelope uses for something else; rename the plan's class"
            )
        defs.update(plan_defs)
        doc["properties"]["solution"] = {
            "anyOf": [plan, {"type": "null"}],
            "default": None,
            "description": f"The plan ({spec.name}); null when there is none.",
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **doc,
        "title": f"opsplan {spec.name} solve result",
        **({"$defs": defs} if defs else {}),
    }


def parse_request(
    request: SolveRequest | dict[str, Any], overrides: dict[str, Any] | None = None
) -> tuple[registry.ModelSpec, Any, SolveOptions]:
    """Validate a request whole; raise InvalidInput listing every problem found."""
    if isinstance(request, dict):
        try:
            request = SolveRequest.model_validate(request)
        except ValidationError as e:
            raise InvalidInput(problems_from_validation(e)) from None
    problems: list[Problem] = []
    try:
        spec = registry.get(request.model)
    except KeyError:
        known = ", ".join(registry.names())
        raise InvalidInput(
            [Problem(where="model", message=f"unknown model {request.model!r}; known: {known}")]
        ) from None
    options = SolveOptions()
    try:
        options = SolveOptions.model_validate({**request.options, **(overrides or {})})
    except ValidationError as e:
        problems += problems_from_validation(e, "options")
    if options.backend != "auto" and options.backend not in spec.backends:
        problems.append(
            Problem(
                where="options.backend",
                message=f"{spec.name} runs on {', '.join(spec.backends)}, not {options.backend}",
            )
        )
    instance = None
    try:
        instance = spec.instance_type.model_validate(request.instance)
    except ValidationError as e:
        typed = problems_from_validation(e, "instance")
        problems += typed
        locs = [err["loc"] for err in e.errors(include_url=False)]
        problems += _cross_references(
            spec, partial_view(spec.instance_type, request.instance, locs), typed
        )
    else:
        problems += _cross_references(spec, instance, [])
    if problems:
        raise InvalidInput(problems)
    if options.backend == "auto":
        options = options.model_copy(update={"backend": spec.default_backend})
    return spec, instance, options


_ID_NOTE = re.compile(r" \([^)]*\)")  # "items[0] (A).demand": the id a family adds to a path


def _cross_references(
    spec: registry.ModelSpec, instance: Any, typed: list[Problem]
) -> list[Problem]:
    """The family's cross-reference problems, with instance paths. Over a partial view (the
    instance failed its schema: `typed` are those problems) the checks may meet raw values: what
    they say about a field that did not parse is left out, and a check that cannot run says
    nothing."""
    if instance is None:
        return []
    try:
        found = spec.validate(instance)
    except Exception:  # a check that met a value of the wrong type in a partial view
        if not typed:
            raise
        log.debug("cross-reference checks skipped over a partial instance", exc_info=True)
        return []
    bad = [p.where for p in typed]
    out = []
    for p in found:
        where = f"instance.{p.where}" if p.where else "instance"
        plain = _ID_NOTE.sub("", where)
        if any(plain == b or plain.startswith((b + ".", b + "[")) for b in bad):
            continue
        out.append(Problem(where=where, message=p.message))
    return out


def validate(request: SolveRequest | dict[str, Any]) -> list[Problem]:
    """Every problem in a request (empty when it is valid). Never solves."""
    try:
        parse_request(request)
    except InvalidInput as e:
        return e.problems
    return []


def solve(
    request: SolveRequest | dict[str, Any],
    options: SolveOptions | dict[str, Any] | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SolveResult:
    """Solve one request. Invalid input raises InvalidInput; every other answer is a result.

    `options` (fields given) override the request's own options.
    """
    registry.names()  # import the families (and their solver libraries) before the clock starts
    t0 = time.monotonic()
    overrides = (
        options.model_dump(exclude_unset=True)
        if isinstance(options, SolveOptions)
        else dict(options or {})
    )
    spec, instance, opts = parse_request(request, overrides)
    # the deadline counts from t0: parsing and preparing the data spend the search's budget
    ctx = RunContext(
        on_progress=on_progress, should_stop=should_stop, started=t0, time_limit_s=opts.time_limit_s
    )

    def finish(res: SolveResult) -> SolveResult:
        res.runtime_s = round(time.monotonic() - t0, 4)
        return res

    try:
        ctx.checkpoint("reading the request")
        prepared = spec.prepare(instance, ctx)
        ctx.checkpoint("preparing the data")
    except Interrupted as e:
        return finish(_interrupted(spec, opts, e))
    except Exception as e:  # a bug in the family's preparation is an answer too, not a traceback
        return finish(_failed(spec, opts, "preparing the data", e))
    try:
        findings = spec.precheck(prepared, opts)
    except Exception as e:
        return finish(_failed(spec, opts, "checking the data before solving", e))
    if findings:
        return finish(
            SolveResult(
                model=spec.name,
                status=SolveStatus.INFEASIBLE,
                options=opts,
                diagnosis=findings,
                messages=["infeasible before solving: see diagnosis"],
            )
        )
    try:
        ctx.checkpoint("checking the data")
        outcome = spec.solve(prepared, opts, ctx)
    except Interrupted as e:  # a phase stopped before any plan was kept
        return finish(_interrupted(spec, opts, e))
    except Exception as e:  # a formulation bug must still give an answer, not a traceback
        return finish(_failed(spec, opts, "solving", e))
    # a cancel request stopped the search (the run context knows; the incumbent is kept)
    try:
        return finish(_assemble(spec, instance, opts, outcome, ctx.cancelled.is_set()))
    except Exception as e:
        return finish(_failed(spec, opts, "checking the plan", e))


def _interrupted(spec: registry.ModelSpec, opts: SolveOptions, e: Interrupted) -> SolveResult:
    """No plan: the deadline or a cancel stopped a phase before the search had one."""
    more = "" if e.cancelled else f" ({opts.time_limit_s:g} s)"
    return SolveResult(
        model=spec.name,
        status=SolveStatus.NO_SOLUTION,
        options=opts,
        messages=[f"{e}{more}; no plan was found before it"],
    )


def _failed(spec: registry.ModelSpec, opts: SolveOptions, stage: str, e: Exception) -> SolveResult:
    """An error result that says what failed and names the incident; the exception's text and
    traceback go to the log only (they can be long and full of solver internals)."""
    iid = incident.record(f"{spec.name}: {stage} failed ({type(e).__name__})", e, logger=log)
    return SolveResult(
        model=spec.name,
        status=SolveStatus.ERROR,
        options=opts,
        messages=[incident.message(stage, iid)],
    )


def _typed_plan(
    spec: registry.ModelSpec, solution: Any
) -> tuple[dict[str, Any] | None, list[Finding]]:
    """The plan as JSON, validated against the family's Solution type when it declares one
    (a plain dict or another model is validated here; the type itself was at construction).

    A plan that does not have the promised shape is a finding (rule `solution`), never passed on.
    """
    if solution is None:
        return None, []
    if spec.solution_type is None or isinstance(solution, spec.solution_type):
        # a Solution the solver built is validated already (its constructor did it): one dump
        return (
            solution.model_dump(mode="json") if isinstance(solution, BaseModel) else solution
        ), []
    try:
        typed = spec.solution_type.model_validate(
            solution.model_dump() if isinstance(solution, BaseModel) else solution
        )
    except ValidationError as e:
        return None, [
            Finding(rule="solution", message=f"the plan does not have its promised shape: {p}")
            for p in problems_from_validation(e, "solution")
        ]
    return typed.model_dump(mode="json"), []


def _assemble(
    spec: registry.ModelSpec, instance: Any, opts: SolveOptions, out: Outcome, cancelled: bool
) -> SolveResult:
    status = out.status
    kpis: dict[str, Any] = {}
    penalties = dict(out.penalties)
    messages = list(out.messages)
    if cancelled:
        messages.append(
            "stopped by a cancel request; the best plan found so far is kept"
            if out.solution is not None
            else "stopped by a cancel request before any plan was found"
        )
    violations: list[Finding]
    solution, violations = _typed_plan(spec, out.solution)
    if violations:
        status = SolveStatus.ERROR
        messages.append("the plan does not have its promised shape: see violations")
    if solution is not None:
        if opts.verify:
            report = spec.check(instance, solution)
            violations = list(report.violations)
            if report.penalties:
                penalties = report.penalties
            if (
                out.objective is not None
                and report.objective is not None
                and abs(report.objective - out.objective) > 1e-6 * max(1.0, abs(out.objective))
            ):
                violations.append(
                    Finding(
                        rule="objective",
                        message=f"the solver reported objective {out.objective} but the checker "
                        f"recomputed {report.objective}",
                    )
                )
            if violations:
                status = SolveStatus.ERROR
                messages.append("the checker rejected the plan: see violations")
        try:
            kpis = {**spec.kpis(instance, solution), **out.extra_kpis}
        except Exception as e:
            iid = incident.record(f"{spec.name}: KPIs failed ({type(e).__name__})", e, logger=log)
            messages.append(f"KPIs could not be computed (incident {iid}; the log has the details)")
    bound = out.bound
    return SolveResult(
        model=spec.name,
        status=status,
        objective=out.objective,
        bound=bound,
        gap=relative_gap(out.objective, bound),
        solver=out.solver or SolverInfo(),
        options=opts,
        kpis=kpis,
        penalties=penalties,
        solution=solution,
        diagnosis=out.diagnosis,
        violations=violations,
        messages=messages,
    )
