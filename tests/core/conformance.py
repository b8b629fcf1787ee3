"""The family contract (CONTRIBUTING.md, "A family: the contract") as one function, so that the
conformance test can hold every registered family to it and be tested itself on faked ones.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

from opsplan.core import registry
from opsplan.core.solve import result_schema

RULE_ITEM = re.compile(r"^\d+\.\s+\*\*`?([^*`]+?)`?\*\*")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def page_rules(page: str) -> list[str] | None:
    """The bold names of the items of a model page's "## Rules" section, in order (None: the
    page has no such section)."""
    names: list[str] = []
    inside = found = False
    for line in page.splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## Rules"
            found = found or inside
            continue
        m = RULE_ITEM.match(line) if inside else None
        if m:
            names.append(m.group(1).strip())
    return names if found else None


def family_problems(name: str, root: Path, namespace: str = "opsplan") -> list[str]:
    """Every way the family registered as `name` breaks the contract (empty: it conforms).

    `root`: the repository (instances/, models/, api/examples/); `namespace`: the package that
    holds the families (the family's package is `<namespace>.<name>`).
    """
    out: list[str] = []
    package = f"{namespace}.{name}" if namespace else name
    try:
        spec = registry.get(name)
    except KeyError:
        return [f"no family is registered as {name!r}"]
    if spec.name != name:
        out.append(f"registered as {name!r} but its ModelSpec is named {spec.name!r}")
    if importlib.util.find_spec(package) is None:
        return [*out, f"no package {package} (a family's package is named after its model)"]
    pkg = importlib.import_module(package)
    specs = [v for v in vars(pkg).values() if isinstance(v, registry.ModelSpec)]
    if not any(s is spec for s in specs):
        out.append(f"{package} does not hold the ModelSpec registered as {name!r}")
    # the files beside the code
    if not any((root / "instances" / name).glob("*")):
        out.append(f"instances/{name}/ has no example")
    if not (root / "api" / "examples" / f"{name}.request.json").is_file():
        out.append(f"no api/examples/{name}.request.json")
    page = root / "models" / f"{name}.md"
    rules: list[str] | None = None
    if not page.is_file():
        out.append(f"no models/{name}.md")
    else:
        rules = page_rules(page.read_text(encoding="utf-8"))
        if rules is None:
            out.append(f"models/{name}.md has no '## Rules' section")
        elif not rules:
            out.append(f"models/{name}.md lists no rule as `N. **rule_name** (...)` under Rules")
    # the typed plan, published
    if spec.solution_type is None:
        out.append("ModelSpec.solution_type is not set (the typed plan)")
    else:
        try:
            result_schema(spec)
        except ValueError as e:
            out.append(f"the result schema cannot be published: {e}")
    # one vocabulary of rules: the page, the spec, the formulation, the checker
    if not spec.rules:
        out.append("ModelSpec.rules is empty")
    if rules is not None and list(spec.rules) != rules:
        out.append(f"ModelSpec.rules {list(spec.rules)} != the rules of models/{name}.md {rules}")
    out += [f"rule name {r!r} is not snake_case" for r in spec.rules if not IDENTIFIER.match(r)]
    kinds = [m for m in ("cpsat", "milp") if importlib.util.find_spec(f"{package}.{m}")]
    if not kinds:
        out.append(f"{package} has no formulation module (cpsat.py or milp.py)")
    for kind in kinds:
        formulation = getattr(importlib.import_module(f"{package}.{kind}"), "Formulation", None)
        if not inspect.isclass(formulation):
            out.append(f"{package}.{kind} has no class Formulation")
            continue
        out += [
            f"{package}.{kind}.Formulation has no add_{r}()"
            for r in spec.rules
            if not callable(getattr(formulation, f"add_{r}", None))
        ]
    if importlib.util.find_spec(f"{package}.check") is None:
        out.append(f"{package} has no check.py")
    else:
        checker = importlib.import_module(f"{package}.check")
        out += [
            f"{package}.check has no check_{r}()"
            for r in spec.rules
            if not inspect.isfunction(getattr(checker, f"check_{r}", None))
        ]
    return out
