"""What `opsplan solve` shows while it solves: on a terminal, once a solve has run for a second, a
spinner with the elapsed time and the best plan so far (objective, bound, gap); nothing when the
output is a file or a pipe, and nothing for a solve that ends within the second.

The line is drawn by rich's Live display on stderr (stdout keeps the summary only) and removed
when the solve ends. Progress events come from solver threads: they only store the latest event;
the display reads it when it refreshes.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner

from .core.run import Progress
from .io.text import fmt_value

DELAY_S = 1.0  # a solve shorter than this shows nothing
REFRESH_S = 0.25


class SolveProgress:
    """`with SolveProgress(err) as sp: solve(..., on_progress=sp.on_progress)`."""

    def __init__(self, console: Console, delay_s: float | None = None) -> None:
        self.console = console
        self.enabled = console.is_terminal and not console.is_dumb_terminal
        self.delay_s = DELAY_S if delay_s is None else delay_s
        self._latest: Progress | None = None
        self._t0 = time.monotonic()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._shown_at = 0.0
        self._event_shown = False
        self._spinner = Spinner("dots", text="solving")
        self._waiter: threading.Thread | None = None

    def line(self) -> str:
        """The text beside the spinner."""
        elapsed = time.monotonic() - self._t0
        p = self._latest
        if p is None or p.objective is None:
            best = "no plan yet"
        else:
            gap = f"{p.gap:.2%}" if p.gap is not None else "-"
            best = (
                f"objective {fmt_value(p.objective)}  bound {fmt_value(p.bound)}  gap {gap}  "
                f"({p.solutions} plan{'s' if p.solutions != 1 else ''})"
            )
        return f"solving  {elapsed:.1f} s  {best}"

    def _render(self) -> Spinner:
        self._spinner.update(text=self.line())
        return self._spinner

    def on_progress(self, p: Progress) -> None:
        self._latest = p
        with self._lock:  # the first event shown at once; later ones at the display's pace
            if self._live is None:
                return
            if not self._event_shown or time.monotonic() - self._shown_at >= REFRESH_S:
                self._event_shown = True
                self._shown_at = time.monotonic()
                self._live.refresh()

    def _show(self) -> None:
        with self._lock:
            if self._done.is_set() or self._live is not None:
                return
            self._live = Live(
                get_renderable=self._render,
                console=self.console,
                refresh_per_second=1 / REFRESH_S,
                transient=True,
            )
            self._live.start(refresh=True)
            self._shown_at = time.monotonic()

    def _wait_then_show(self) -> None:
        if not self._done.wait(self.delay_s):
            self._show()

    def __enter__(self) -> SolveProgress:
        self._t0 = time.monotonic()
        if not self.enabled:
            return self
        if self.delay_s <= 0:
            self._show()
        else:
            self._waiter = threading.Thread(target=self._wait_then_show, daemon=True)
            self._waiter.start()
        return self

    def __exit__(
        self,
        et: type[BaseException] | None,
        ev: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._waiter is not None:
            self._waiter.join()
        with self._lock:
            live, self._live = self._live, None
        if live is not None:
            live.stop()
