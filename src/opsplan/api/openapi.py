"""The service's OpenAPI document with each model's plan typed: the SolveResult's `solution`
is one of the families' Solution schemas (components `<model>.<Class>`, so two families' classes
never share a name) instead of any JSON object. A family without a Solution type keeps the
untyped object among the choices."""

from __future__ import annotations

from typing import Any

from ..core import registry
from ..core.solve import solution_schema

COMPONENTS = "#/components/schemas/"


def typed_solutions(doc: dict[str, Any], specs: list[registry.ModelSpec]) -> dict[str, Any]:
    """`doc` (FastAPI's document, changed in place and returned) with typed plans. Unchanged
    when no family declares a Solution type."""
    schemas = doc.get("components", {}).get("schemas", {})
    result = schemas.get("SolveResult")
    typed = [(s, solution_schema(s, f"{COMPONENTS}{s.name}.{{model}}")) for s in specs]
    if result is None or all(t is None for _, t in typed):
        return doc
    choices: list[dict[str, Any]] = []
    named: list[str] = []
    untyped: list[str] = []
    for spec, t in typed:
        if t is None:
            untyped.append(spec.name)
            continue
        plan, defs = t
        for key, value in defs.items():
            schemas[f"{spec.name}.{key}"] = value
        root = f"{spec.name}.{plan.get('title', 'Solution')}"
        if root in schemas and schemas[root] != plan:  # a root class named as one of its defs
            root = f"{spec.name}.Solution"
        schemas[root] = plan
        choices.append({"$ref": f"{COMPONENTS}{root}"})
        named.append(f"{spec.name}: {root}")
    if untyped:
        choices.append({"type": "object", "additionalProperties": True})
        named.append(f"{', '.join(untyped)}: any object (not typed yet)")
    result["properties"]["solution"] = {
        "anyOf": [*choices, {"type": "null"}],
        "title": "Solution",
        "description": "The plan of the result's model (" + "; ".join(named) + "); null when "
        "there is none.",
    }
    return doc
