"""aspirectl: the operator's command line for Aspire's LLM gateway."""

import os as _os
import sys as _sys

__version__ = "0.1.0"


def _interrupted_early(signum: int, frame: object) -> None:
    """Ctrl-C before run() is listening (while Python imports): one line, 130, no traceback."""
    _os.write(2, b"aspirectl: error: interrupted\n")
    _os._exit(130)


def _is_the_program() -> bool:
    """Run as aspirectl (its console script, or `python -m aspirectl`: argv[0] is '-m' while
    Python locates the package), not imported by a library user."""
    first = _sys.argv[0] if _sys.argv else ""
    return first == "-m" or _os.path.basename(first) in ("aspirectl", "__main__.py")


if _is_the_program():  # the earliest moment aspirectl's own code runs
    import _signal  # the built-in module: `signal` would import enum first, a window of its own

    _signal.signal(_signal.SIGINT, _interrupted_early)
