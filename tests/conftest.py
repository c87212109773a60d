"""Fixtures shared by several test files.

One conftest for the whole suite: the package's doctests are collected too (``--doctest-modules``),
and pytest would take two files named ``conftest.py`` for the same module.
"""

import os

import pytest
from click.testing import CliRunner

# The suite computes in fp32 on every CPU: many tests compare outputs to a few units in the last
# place (a reloaded model, a resumed run, a legacy file), and precision="auto" means bf16 on a CPU
# with AVX512-BF16 or AMX. Set here, before aekit is imported, so that subprocesses (the CLI under
# torchrun) inherit it. The bf16 path is tested where a test asks for precision="bf16" itself,
# and test_resolve_precision removes this to check what "auto" means on the machine.
os.environ.setdefault("AEKIT_PRECISION", "fp32")

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
