"""A batch input whose solve raises in a worker process: its row says `internal error ...
(incident <id>)` without the exception's text, and the log file the CLI configures (which the
workers inherit) holds that id with the traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from .helpers import SECRET, jobshop

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from pathlib import Path
from opsplan.batch import discover, run_batch
from opsplan.core.incident import configure_cli
from opsplan.runtime import LocalExecutor
from tests.batch.helpers import raising_task

configure_cli()
inputs, _ = discover([sys.argv[1]])
with LocalExecutor(1, task=raising_task) as ex:
    report = run_batch(inputs, Path(sys.argv[2]), ex)
print(json.dumps([[r.status, r.error] for r in report.rows]))
"""


def test_a_row_names_the_incident_and_the_log_file_has_the_traceback(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.json").write_text(json.dumps(jobshop(2, 2, seed=1)))
    log = tmp_path / "state" / "opsplan.log"
    env = {
        **os.environ,
        "OPSPLAN_LOG_FILE": str(log),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(d), str(tmp_path / "out")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [[status, error]] = json.loads(done.stdout.splitlines()[-1])
    assert status == "failed"
    m = re.fullmatch(
        r"internal error while solving \(incident ([0-9a-f]{12}); the log has the details\)", error
    )
    assert m is not None, error
    assert SECRET not in done.stdout and "Traceback" not in done.stderr
    text = log.read_text()
    at = text.index(f"incident {m.group(1)}")
    assert "Traceback" in text[at:] and SECRET in text[at:]
