"""Fixtures of the scheduling tests."""

import pytest

from .helpers import FT06


@pytest.fixture
def ft06_path(tmp_path):
    p = tmp_path / "ft06.txt"
    p.write_text(FT06)
    return p
