"""``python -m aekit``: the ``aekit`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # imported, not run, when the test suite collects the package's doctests
    sys.exit(main())
