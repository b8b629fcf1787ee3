"""Internal failures: a short answer with an incident id, the details in the log.

A failure that is not the input's fault (a bug, a solver library raising) must not hand its
exception text to the caller: it can be thousands of characters of solver internals. The caller
gets `internal error while <stage> (incident 3f9c0a1b2d4e)`; the log gets one ERROR record with
the same id and the whole traceback, so the two can be matched.

Where the log goes: the service's log is its stderr. The CLI keeps a terminal free of
tracebacks: stderr gets the one-line record and the traceback goes to a file (`log_file()`),
which worker processes (batch, the service's pool) write to as well (`configure_worker`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("opsplan.incident")

LOG_FILE_ENV = "OPSPLAN_LOG_FILE"  # where the CLI (and its worker processes) write tracebacks
_FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s"


class InternalError(RuntimeError):
    """An internal failure already logged under `incident` (raise it to answer it)."""

    def __init__(self, incident: str, stage: str = "answering"):
        super().__init__(message(stage, incident))
        self.incident = incident


def new_id() -> str:
    """12 hex characters: short to quote, long enough not to repeat."""
    return secrets.token_hex(6)


def record(
    what: str,
    exc: BaseException | None = None,
    *,
    detail: str = "",
    logger: logging.Logger | None = None,
) -> str:
    """Log an internal failure (with `exc`'s traceback, or `detail`) and answer its id."""
    incident = new_id()
    text = f"incident {incident}: {what}"
    if detail:
        text += "\n" + detail.rstrip()
    (logger or log).error(text, exc_info=exc, extra={"incident": incident})
    return incident


def message(stage: str, incident: str) -> str:
    """What the caller is told."""
    return f"internal error while {stage} (incident {incident}; the log has the details)"


def log_file() -> Path:
    """The CLI's log of tracebacks: $OPSPLAN_LOG_FILE, else the user's state folder."""
    given = os.environ.get(LOG_FILE_ENV)
    if given:
        return Path(given)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "opsplan" / "opsplan.log"


class _Brief(logging.Formatter):
    """One line: the message without its traceback, and where the traceback is."""

    def __init__(self, where: Path):
        super().__init__("%(levelname)s %(message)s")
        self.where = where

    def format(self, record: logging.LogRecord) -> str:
        first = record.getMessage().splitlines()[0]
        line = f"{record.levelname.lower()}: {first}"
        if record.exc_info or "\n" in record.getMessage():
            line += f" (details in {self.where})"
        return line


class _Stderr(logging.StreamHandler):
    """A handler on whatever `sys.stderr` is when a record comes, not when logging was set up
    (a caller that swaps stderr for a while, then closes its buffer, must not break logging)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_cli(level: int = logging.WARNING) -> Path | None:
    """The CLI's logging: one line per record on stderr, each record whole in the log file.

    The file's path is put in the environment so that worker processes started later log to it
    too. Answers the file, or None when it cannot be opened (then stderr gets everything).
    """
    path = log_file()
    root = logging.getLogger()
    root.setLevel(level)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
    usable = path.is_file() if path.exists() else path.parent.is_dir()
    if not usable or not os.access(path if path.exists() else path.parent, os.W_OK):
        _stderr_whole(root)
        return None
    to_file = logging.FileHandler(path, encoding="utf-8", delay=True)  # opened at its first record
    to_file.setFormatter(logging.Formatter(_FORMAT))
    to_file.setLevel(level)
    brief = _Stderr()
    brief.setFormatter(_Brief(path))
    brief.setLevel(level)
    root.handlers = [brief, to_file]
    os.environ[LOG_FILE_ENV] = str(path)
    return path


def configure_service(level: int = logging.WARNING) -> None:
    """The service's logging: every record whole on stderr (the server log)."""
    root = logging.getLogger()
    root.setLevel(level)
    _stderr_whole(root)
    os.environ.pop(LOG_FILE_ENV, None)


def _stderr_whole(root: logging.Logger) -> None:
    h = _Stderr()
    h.setFormatter(logging.Formatter(_FORMAT))
    root.handlers = [h]


def configure_worker() -> None:
    """In a worker process: the caller's log (its file, or stderr, which the worker inherits),
    unless logging is set up already."""
    root = logging.getLogger()
    if root.handlers:
        return
    path = os.environ.get(LOG_FILE_ENV)
    handler: logging.Handler = (
        logging.FileHandler(path, encoding="utf-8", delay=True)  # opened at the first record
        if path
        else _Stderr()
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def answer(incident: str, stage: str = "answering") -> dict[str, Any]:
    """The body of an HTTP 500: the short message and the id."""
    return {"detail": message(stage, incident), "incident": incident}
