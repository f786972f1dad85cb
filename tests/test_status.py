"""The exit-code table (aspirectl/status.py) against what DESIGN.md and the README promise, for
every kind of error in every family: a code is a decision someone is woken for."""

from __future__ import annotations

import pytest

from aspirectl.status import FAMILIES, ErrorKind, ExitStatus, Health, exit_code_for

# DESIGN.md: non-health commands 0 success, 1 operation failed, 2 usage error, 3 config error;
# health commands Nagios: a failure the gateway caused is CRITICAL, anything on this side
# (config, internal, another run, the deadline) UNKNOWN; a monitoring check never says
# CRITICAL for a typo (UNKNOWN), an interactive health command says usage (2).
PROMISED = {
    "ops": {ErrorKind.FAILED: 1, ErrorKind.USAGE: 2, ErrorKind.CONFIG: 3, ErrorKind.INTERNAL: 3,
            ErrorKind.BUSY: 1, ErrorKind.DEADLINE: 1},
    "health": {ErrorKind.FAILED: 2, ErrorKind.USAGE: 2, ErrorKind.CONFIG: 3, ErrorKind.INTERNAL: 3,
               ErrorKind.BUSY: 3, ErrorKind.DEADLINE: 3},
    "monitoring": {ErrorKind.FAILED: 2, ErrorKind.USAGE: 3, ErrorKind.CONFIG: 3, ErrorKind.INTERNAL: 3,
                   ErrorKind.BUSY: 3, ErrorKind.DEADLINE: 3},
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_kind_in_every_family_exits_as_promised(family):
    assert {kind: exit_code_for(kind, family) for kind in ErrorKind} == PROMISED[family]


def test_every_kind_of_error_is_its_own():
    """Two kinds with one value would be one kind (an IntEnum alias): FAILED would page as USAGE."""
    assert len(ErrorKind.__members__) == len({k.value for k in ErrorKind}) == 6


def test_an_unknown_family_is_an_ops_command():
    assert {kind: exit_code_for(kind, "nonsense") for kind in ErrorKind} == PROMISED["ops"]


def test_the_states_and_codes_are_nagios_and_unix():
    assert [int(h) for h in (Health.OK, Health.WARNING, Health.CRITICAL, Health.UNKNOWN)] == [0, 1, 2, 3]
    assert max(Health.OK, Health.WARNING) is Health.WARNING and max(Health.CRITICAL, Health.UNKNOWN) is \
        Health.UNKNOWN
    assert [h.label for h in Health] == ["OK", "WARNING", "CRITICAL", "UNKNOWN"]
    assert (ExitStatus.SUCCESS, ExitStatus.FAILED, ExitStatus.USAGE, ExitStatus.CONFIG,
            ExitStatus.INTERRUPTED) == (0, 1, 2, 3, 130)
    assert FAMILIES == ("monitoring", "health", "ops")
