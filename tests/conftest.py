"""Fixtures shared by several test files.

One conftest for the whole suite: the package's doctests are collected too (``--doctest-modules``),
and pytest would take two files named ``conftest.py`` for the same module.
"""

import pytest
from click.testing import CliRunner

from aekit.cli import cli, main


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """`aekit demo --quick` once per test session (about 35 s): the CLI tests and the browser
    tests look at the same report. Tests only read it."""
    out = tmp_path_factory.mktemp("report")
    assert main(["demo", "--quick", "-q", "-o", str(out)]) == 0
    return out


@pytest.fixture
def run():
    """The one way the CLI tests (``tests/cli/``) run a command: ``run("reduce", path, "-o", out)``
    runs `aekit reduce PATH -o OUT` in this process and returns click's Result (``exit_code``, and
    ``output``: stdout and stderr together). Each argument is passed as ``str(arg)``."""
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args])

    return invoke
