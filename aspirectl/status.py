"""Every exit code aspirectl can return, and the one table that maps outcomes to them.

Two families, as in DESIGN.md:

* health-judging commands (families "monitoring" and "health") speak Nagios: 0 OK,
  1 WARNING, 2 CRITICAL, 3 UNKNOWN;
* every other command ("ops"): 0 success, 1 operation failed, 2 usage error, 3 config error.

An unknown alias or family is a usage error (2, with "did you mean") for every command but the
monitoring checks, which must never say CRITICAL for a typo: there a usage error is UNKNOWN
(3). Ctrl-C is 130 everywhere. Which family a command is in is declared once, beside its
registration (cli/lazy.py), and read by main, the root help and the README's test.
"""

from __future__ import annotations

from enum import IntEnum


class Health(IntEnum):
    """Nagios plugin states, ordered so that ``max()`` gives the worst."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3

    @property
    def label(self) -> str:
        return self.name


class ExitStatus(IntEnum):
    SUCCESS = 0
    FAILED = 1
    USAGE = 2
    CONFIG = 3
    INTERRUPTED = 130


class ErrorKind(IntEnum):
    """What went wrong, independent of the command it went wrong in."""

    FAILED = 1  # the operation was attempted and did not succeed
    USAGE = 2  # bad argument, unknown name
    CONFIG = 3  # bad chain files, bad DB URL, missing tables, unusable keyring
    INTERNAL = 4  # a bug: never expected, always UNKNOWN
    BUSY = 5  # another run holds the lock
    DEADLINE = 6  # the global deadline was overrun


# The first words of each check's Nagios line (and of its cron line), defined once: probe's
# (and route -o nagios), usage's, the key audit's.
NAGIOS_PREFIX = {"probe": "ASPIRECTL", "usage": "ASPIRECTL USAGE", "keys": "ASPIRECTL KEYS"}

# A command's exit family is declared where the command is registered (cli/lazy.py COMMANDS):
#   "monitoring": a Nagios check (probe, usage): every error is UNKNOWN, a usage error too;
#   "health": judges health interactively (route, demo): Nagios codes, a usage error is 2;
#   "ops": every other command: 0 success, 1 failed, 2 usage, 3 config.
FAMILIES = ("monitoring", "health", "ops")

_EXIT_BY_KIND: dict[tuple[ErrorKind, str], int] = {
    # (kind, command class) -> exit code
    (ErrorKind.FAILED, "ops"): ExitStatus.FAILED,
    (ErrorKind.USAGE, "ops"): ExitStatus.USAGE,
    (ErrorKind.CONFIG, "ops"): ExitStatus.CONFIG,
    (ErrorKind.INTERNAL, "ops"): ExitStatus.CONFIG,
    (ErrorKind.BUSY, "ops"): ExitStatus.FAILED,
    (ErrorKind.DEADLINE, "ops"): ExitStatus.FAILED,
    (ErrorKind.FAILED, "health"): Health.CRITICAL,
    (ErrorKind.USAGE, "health"): ExitStatus.USAGE,
    (ErrorKind.CONFIG, "health"): Health.UNKNOWN,
    (ErrorKind.INTERNAL, "health"): Health.UNKNOWN,
    (ErrorKind.BUSY, "health"): Health.UNKNOWN,
    (ErrorKind.DEADLINE, "health"): Health.UNKNOWN,
    (ErrorKind.FAILED, "monitoring"): Health.CRITICAL,
    (ErrorKind.USAGE, "monitoring"): Health.UNKNOWN,
    (ErrorKind.CONFIG, "monitoring"): Health.UNKNOWN,
    (ErrorKind.INTERNAL, "monitoring"): Health.UNKNOWN,
    (ErrorKind.BUSY, "monitoring"): Health.UNKNOWN,
    (ErrorKind.DEADLINE, "monitoring"): Health.UNKNOWN,
}


def exit_code_for(kind: ErrorKind, family: str) -> int:
    """The exit code for an error of ``kind`` in a command of ``family``."""
    return int(_EXIT_BY_KIND[(kind, family if family in FAMILIES else "ops")])
