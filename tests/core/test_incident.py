"""The CLI's log (core/incident.py): an incident is one line on stderr naming the log file, and
the whole record, traceback included, in that file; without a writable file, stderr has it all."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from opsplan.core import incident


@pytest.fixture
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.delenv(incident.LOG_FILE_ENV, raising=False)
    yield
    for h in root.handlers:
        if h not in handlers:
            h.close()
    root.handlers, root.level = handlers, level
    os.environ.pop(incident.LOG_FILE_ENV, None)


def fail() -> str:
    try:
        raise OverflowError("cov_under_0/E(0..1) internals")
    except OverflowError as e:
        return incident.record("solving failed (OverflowError)", e)


def test_the_cli_log_is_one_line_on_stderr_and_whole_in_the_file(
    tmp_path, monkeypatch, capsys, restore_logging
):
    path = tmp_path / "state" / "opsplan.log"
    monkeypatch.setenv(incident.LOG_FILE_ENV, str(path))
    assert incident.configure_cli() == path
    iid = fail()
    err = capsys.readouterr().err
    assert err == (f"error: incident {iid}: solving failed (OverflowError) (details in {path})\n")
    for h in logging.getLogger().handlers:
        h.flush()
    text = path.read_text()
    assert f"incident {iid}" in text and "Traceback" in text and "internals" in text
    assert os.environ[incident.LOG_FILE_ENV] == str(path)  # for worker processes


def test_without_a_writable_log_file_stderr_has_the_whole_record(
    tmp_path, monkeypatch, capsys, restore_logging
):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    monkeypatch.setenv(incident.LOG_FILE_ENV, str(blocker / "opsplan.log"))
    assert incident.configure_cli() is None
    iid = fail()
    err = capsys.readouterr().err
    assert f"incident {iid}" in err and "Traceback" in err


def test_the_service_logs_whole_records_on_stderr(capsys, restore_logging):
    incident.configure_service()
    iid = fail()
    err = capsys.readouterr().err
    assert f"incident {iid}: solving failed" in err and "Traceback" in err and "internals" in err
