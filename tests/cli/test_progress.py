"""`opsplan solve` on a terminal shows a spinner with the elapsed time and the best plan so far
(objective, bound, gap) once a solve has run for DELAY_S; nothing when the output is not a
terminal, and nothing for a solve that ends sooner. Checked by events, never by the clock."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from opsplan import cli, cli_progress
from opsplan.cli_progress import SolveProgress
from opsplan.core.run import Outcome, Progress, RunContext
from opsplan.core.status import SolveStatus

from ..core.helpers import fake_spec, plan, registered, request

EVENT = Progress(elapsed_s=0.5, solutions=3, objective=1230.0, bound=1100.0, gap=0.1057)


def terminal() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=120), buf


def test_on_a_terminal_the_line_shows_the_best_plan_so_far():
    console, buf = terminal()
    with SolveProgress(console, delay_s=0) as sp:
        assert "no plan yet" in buf.getvalue()  # drawn at once (delay 0)
        sp.on_progress(EVENT)  # the first event is drawn at once
        assert "objective 1,230  bound 1,100  gap 10.57%  (3 plans)" in buf.getvalue()
        assert "solving" in buf.getvalue()


def test_not_a_terminal_shows_nothing():
    buf = io.StringIO()
    with SolveProgress(Console(file=buf), delay_s=0) as sp:
        sp.on_progress(EVENT)
    assert buf.getvalue() == ""


def test_a_solve_that_ends_before_the_delay_shows_nothing():
    console, buf = terminal()
    with SolveProgress(console, delay_s=3600) as sp:
        sp.on_progress(EVENT)
    assert buf.getvalue() == ""


def test_after_the_delay_the_line_appears():
    console, buf = terminal()
    shown = threading.Event()
    with SolveProgress(console, delay_s=0.01) as sp:
        real = sp._show

        def show() -> None:
            real()
            shown.set()

        sp._show = show  # type: ignore[method-assign]
        assert shown.wait(30)
        sp.on_progress(EVENT)
        assert "objective 1,230" in buf.getvalue()


def reporting(inst: Any, opts: Any, ctx: RunContext) -> Outcome:
    """The fake family's solve, reporting one incumbent."""
    ctx.report(Progress(elapsed_s=0.1, solutions=1, objective=-7.0, bound=-9.0, gap=0.2857))
    best = plan(-2, -5)
    return Outcome(status=SolveStatus.OPTIMAL, objective=-7.0, solution=best)


@pytest.fixture
def instance(tmp_path):
    p = tmp_path / "fake.json"
    p.write_text(json.dumps(request([3, -2, -5])))
    return p


def test_the_cli_shows_progress_on_a_terminal(instance, monkeypatch):
    console, buf = terminal()
    monkeypatch.setattr(cli, "err", console)
    monkeypatch.setattr(cli_progress, "DELAY_S", 0)
    with registered(fake_spec(solve=reporting)):
        r = CliRunner().invoke(cli.app, ["solve", str(instance)])
    assert r.exit_code == 0, r.output
    assert "objective -7  bound -9  gap 28.57%  (1 plan)" in buf.getvalue()
    assert "solving" not in r.output  # stdout keeps the summary only


def test_the_cli_is_quiet_when_not_on_a_terminal(instance, monkeypatch):
    monkeypatch.setattr(cli_progress, "DELAY_S", 0)
    with registered(fake_spec(solve=reporting)):
        r = CliRunner().invoke(cli.app, ["solve", str(instance)])
    assert r.exit_code == 0, r.output
    assert "solving" not in r.output and "no plan yet" not in r.output
    assert "status=optimal" in r.output
