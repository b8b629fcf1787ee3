"""Every registered family keeps the contract of CONTRIBUTING.md ("A family: the contract"):
its package, example files, model page, typed plan, and one vocabulary of rules shared by the
page, `ModelSpec.rules`, the formulation's add_<rule>() and the checker's check_<rule>().

The checks live in conformance.family_problems; the faked families below show that it passes
a conforming family and names each way a broken one breaks the contract.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path

import pytest

from opsplan.core import registry

from .conformance import family_problems, page_rules
from .helpers import fake_spec, registered

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", registry.names())
def test_registered_family_keeps_the_contract(name):
    problems = family_problems(name, ROOT)
    assert not problems, f"{name} breaks the family contract:\n- " + "\n- ".join(problems)


PAGE = """\
# {name}

## Rules

1. **known** (`add_known`): every pick is an item.
2. **budget** (`add_budget`): the picks add up to at most the budget.

## Objective

1. **not_a_rule**: the objective's items are not rules.
"""


def write_family(
    tmp: Path, name: str, *, spec_args: str, formulation: str, checker: str | None
) -> None:
    """A family package `name` under tmp/pkgs, registering fake_spec(<spec_args>)."""
    pkg = tmp / "pkgs" / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "from opsplan.core.registry import register\n"
        "from tests.core.helpers import fake_spec\n\n"
        f"SPEC = register(fake_spec({spec_args}))\n"
    )
    (pkg / "cpsat.py").write_text(textwrap.dedent(formulation))
    if checker is not None:
        (pkg / "check.py").write_text(textwrap.dedent(checker))


def write_files(root: Path, name: str, page: str | None, example: bool) -> None:
    if example:
        for folder, file in (("instances", name), ("api/examples", "")):
            d = root / folder / file if file else root / folder
            d.mkdir(parents=True, exist_ok=True)
        (root / "instances" / name / "small.json").write_text("{}")
        (root / "api" / "examples" / f"{name}.request.json").write_text(json.dumps({}))
    if page is not None:
        (root / "models").mkdir(exist_ok=True)
        (root / "models" / f"{name}.md").write_text(page.format(name=name))


@pytest.fixture
def families(tmp_path, monkeypatch):
    """Import the packages written under tmp_path/pkgs; forget them afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    before = set(sys.modules)
    yield tmp_path
    for mod in set(sys.modules) - before:
        if mod.split(".")[0] in ("conforming_family", "broken_family"):
            del sys.modules[mod]
    for name in ("conforming_family", "broken_family"):
        registry._REGISTRY.pop(name, None)


def test_a_conforming_family_has_no_problems(families):
    name = "conforming_family"
    write_family(
        families,
        name,
        spec_args=f"name={name!r}",
        formulation="""
            class Formulation:
                def add_known(self): ...
                def add_budget(self): ...
        """,
        checker="""
            def check_known(inst, plan): ...
            def check_budget(inst, plan): ...
        """,
    )
    write_files(families, name, PAGE, example=True)
    __import__(name)
    assert family_problems(name, families, namespace="") == []


def test_a_broken_family_is_named_for_each_breach(families):
    name = "broken_family"
    write_family(
        families,
        name,
        spec_args=f"name={name!r}, solution_type=None, rules=('budget', 'known', 'Bad Rule')",
        formulation="""
            class Formulation:
                def add_known(self): ...
                add_budget = 3  # not a method
        """,
        checker=None,
    )
    write_files(families, name, PAGE, example=False)
    __import__(name)
    got = family_problems(name, families, namespace="")
    assert got == [
        f"instances/{name}/ has no example",
        f"no api/examples/{name}.request.json",
        "ModelSpec.solution_type is not set (the typed plan)",
        "ModelSpec.rules ['budget', 'known', 'Bad Rule'] != the rules of "
        f"models/{name}.md ['known', 'budget']",
        "rule name 'Bad Rule' is not snake_case",
        f"{name}.cpsat.Formulation has no add_budget()",
        f"{name}.cpsat.Formulation has no add_Bad Rule()",
        f"{name} has no check.py",
    ]


def test_a_family_without_a_package_or_page(families):
    with registered(fake_spec(name="broken_family")):
        assert family_problems("broken_family", families, namespace="") == [
            "no package broken_family (a family's package is named after its model)"
        ]
    with registered(fake_spec(name="broken_family")):
        (families / "pkgs" / "broken_family").mkdir(parents=True)
        (families / "pkgs" / "broken_family" / "__init__.py").write_text("")
        importlib.invalidate_caches()
        got = family_problems("broken_family", families, namespace="")
    assert "broken_family does not hold the ModelSpec registered as 'broken_family'" in got
    assert "no models/broken_family.md" in got
    write_files(families, "broken_family", "## Rules\n\n**known**: a paragraph\n", False)
    with registered(fake_spec(name="broken_family")):
        got = family_problems("broken_family", families, namespace="")
    assert "models/broken_family.md lists no rule as `N. **rule_name** (...)` under Rules" in got
    assert "broken_family has no formulation module (cpsat.py or milp.py)" in got
    assert family_problems("nobody", families) == ["no family is registered as 'nobody'"]


def test_page_rules_reads_the_bold_names_of_the_rules_section_only():
    page = textwrap.dedent("""\
        # m
        1. **intro**: not in the section
        ## Rules
        1. **one_rule** (`add_one_rule`): text.
        2. **`two`** — text, rule 1 in words.
           3. **nested**: an indented line is not an item
        10. **ten** (`add_ten`)
        ## Objective
        1. **cost**: not a rule.
        """)
    assert page_rules(page) == ["one_rule", "two", "ten"]
    assert page_rules("# m\n1. **x**\n") is None
