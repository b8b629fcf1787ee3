"""CSV planner files: a record with surplus cells or a quote that never closes is refused, each
named by file and line, instead of being read silently into the wrong cells."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsplan.cli import app
from opsplan.core.errors import InvalidInput
from opsplan.io import templates
from opsplan.io.load import load_request

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "csv"
    templates.write_template_csv("scheduling", d)
    load_request(d)  # the template itself reads
    return d


def append(f: Path, *lines: str) -> int:
    """Append lines to a CSV file; answers the line number of the first."""
    text = f.read_text(encoding="utf-8-sig")
    first = len(text.splitlines()) + 1
    f.write_text(text + "".join(line + "\n" for line in lines), encoding="utf-8")
    return first


def problems(folder: Path) -> list[str]:
    with pytest.raises(InvalidInput) as e:
        load_request(folder)
    return [str(p) for p in e.value.problems]


def test_surplus_cells_are_refused_naming_file_and_line(folder):
    line = append(
        folder / "operations.csv",
        "A-100,extra,CUT-1,5,,,,,,x,y,z",  # 12 cells for 9 columns
        "A-100,extra2,CUT-1,5,,,,,,,,",  # empty cells at the end: as Excel writes them, fine
    )
    assert problems(folder) == [
        f"file operations.csv, line {line}: 12 cells for the 9 columns of the header: "
        "surplus cells (a stray comma or quote?)"
    ]


def test_an_unterminated_quote_is_refused_naming_the_line_it_opens(folder):
    line = append(folder / "jobs.csv", 'D-400,"gears,0,100,,1', "E-500,nuts,0,100,,1")
    (p,) = problems(folder)
    assert p.startswith(f"file jobs.csv, line {line}: a quoted cell opened on this line is never")


def test_text_after_a_closing_quote_is_refused_and_later_lines_still_checked(folder):
    first = append(folder / "jobs.csv", 'D-400,"gears"x,0,100,,1', "E-500,nuts,0,100,,1,7")
    assert problems(folder) == [
        f"file jobs.csv, line {first}: text follows the closing quote of a cell (inside quotes, "
        'write " as "")',
        f"file jobs.csv, line {first + 1}: 7 cells for the 6 columns of the header: surplus "
        "cells (a stray comma or quote?)",
    ]


def test_a_quoted_cell_over_two_lines_is_still_one_cell(folder):
    append(folder / "jobs.csv", 'D-400,"gears\nand cogs",0,100,,1')
    append(folder / "operations.csv", "D-400,cut,CUT-1,5,,,,,")
    req = load_request(folder)
    names = [j.get("name") for j in req["instance"]["jobs"]]
    assert "gears\nand cogs" in names


def test_the_cli_refuses_it_with_exit_2(folder):
    line = append(folder / "operations.csv", "A-100,extra,CUT-1,5,,,,,,x,y,z")
    r = runner.invoke(app, ["solve", str(folder)])
    assert r.exit_code == 2, r.output
    assert f"file operations.csv, line {line}" in r.output and "Traceback" not in r.output
