"""Fixtures shared by several test files."""

import pytest

from aekit.cli import main


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """`aekit demo --quick` once per test session (about 35 s): the CLI tests and the browser
    tests look at the same report. Tests only read it."""
    out = tmp_path_factory.mktemp("report")
    assert main(["demo", "--quick", "-q", "-o", str(out)]) == 0
    return out
