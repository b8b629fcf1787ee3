"""What every family's checker shares: a collector of findings that knows the family's rules.

A checker is written apart from the formulation (it never imports it). It names what a plan
breaks with the rule names of models/<model>.md (`ModelSpec.rules`), plus two names every
family shares: `objective` (the reported objective is not the plan's own) and `solution` (the
plan's derived tables or its shape disagree with the plan itself). A checker that tries to
name any other rule is a bug in the checker, and fails loudly in its own tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .result import Finding

SHARED_RULES = ("objective", "solution")


class Findings:
    """Violations collected in order, each naming a known rule and the ids involved."""

    def __init__(self, rules: Iterable[str]) -> None:
        self.rules = frozenset(rules) | frozenset(SHARED_RULES)
        self.items: list[Finding] = []

    def add(self, rule: str, message: str, **entities: Any) -> None:
        if rule not in self.rules:
            raise ValueError(f"checker bug: {rule!r} is not a rule of this model")
        ents = {k: v if isinstance(v, (int, float, list)) else str(v) for k, v in entities.items()}
        self.items.append(Finding(rule=rule, message=message, entities=ents))

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
