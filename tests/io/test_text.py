"""One formatter of values for people (terminal summaries and the HTML report) and one printer
of invalid input."""

from __future__ import annotations

import io

from rich.console import Console

from opsplan.core.errors import InvalidInput, Problem
from opsplan.io.text import fmt_value, print_invalid


def test_values_read_the_same_everywhere():
    assert [fmt_value(v) for v in (None, float("nan"), 1234567, 1234567.0, 0.123456)] == [
        "-",
        "-",
        "1,234,567",
        "1,234,567",
        "0.1235",
    ]
    assert fmt_value(None, "–") == "–"
    assert [fmt_value(v) for v in (True, ["a", "b"], [], "2026-11-30T06:30:00", "x")] == [
        "yes",
        "a, b",
        "none",
        "2026-11-30 06:30",
        "x",
    ]


def test_invalid_input_is_printed_one_problem_a_line():
    buf = io.StringIO()
    e = InvalidInput(
        [
            Problem(where="instance.jobs[0].id", message="[duplicate]"),
            Problem(where="x", message="y"),
        ]
    )
    print_invalid(Console(file=buf, width=200), e)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "invalid input: 2 problem(s)"
    assert lines[1:] == [f"  - {e.problems[0]}", f"  - {e.problems[1]}"]
    assert "[duplicate]" in lines[1]  # no markup is read in the problem's text
