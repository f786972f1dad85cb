"""What a monitoring command leaves behind when it ends in an error instead of a verdict.

Nagios reads only stdout, and node_exporter only the textfile: an UNKNOWN that explains
itself on stderr alone is a blank UNKNOWN in Nagios and a textfile that still says the last
run's status. So whatever ends a monitoring command (bad chain file, unknown alias, a held
lock, an unreachable DB, an internal error, a usage error Click raised before the command
ran), ``-o nagios`` gets its one line ``ASPIRECTL <STATE> - <cause>`` on stdout and
``--textfile PATH`` gets the run's status (3 for UNKNOWN) with the time of this run.

The options are read from argv, since a usage error can end the run before Click has parsed
them; the core's own renderers write both texts.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _option(argv: list[str], names: tuple[str, ...], short: str | None = None) -> str | None:
    """The last value of an option in argv ("--output json", "--output=json", "-ojson")."""
    found = None
    for i, token in enumerate(argv):
        if token == "--":
            break
        for name in names:
            if token == name and i + 1 < len(argv):
                found = argv[i + 1]
            elif token.startswith(name + "="):
                found = token[len(name) + 1:]
        if short and token.startswith(short) and len(token) > len(short) and not token.startswith("--"):
            found = token[len(short):]
    return found


def family_for(command: str | None, argv: list[str]) -> str:
    """The command's declared exit family; with -o nagios a health command is a Nagios check
    too (route -o nagios): every error is then UNKNOWN, with its line on stdout."""
    from aspirectl.cli.lazy import family_of

    after = argv[argv.index(command) + 1:] if command in argv else []
    sub = next((a for a in after if not a.startswith("-")), None)
    family = family_of(command, sub)
    if family == "health" and (_option(argv, ("--output", "-o"), "-o") or "").lower() == "nagios":
        return "monitoring"
    return family


def monitoring_fallout(argv: list[str], command: str | None, code: int, cause: str) -> None:
    """Print the Nagios line and write the textfile an error owes a monitoring command."""
    from aspirectl.status import Health

    if command is None or family_for(command, argv) != "monitoring" or code not in (0, 1, 2, 3):
        return
    state = Health(code)
    fmt = (_option(argv, ("--output", "-o"), "-o") or "").lower()
    if fmt == "nagios":
        from aspirectl.render.nagios import error_line

        try:
            sys.stdout.write(error_line(command, state, cause) + "\n")
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
    textfile = _option(argv, ("--textfile",))
    if textfile:
        _write_error_textfile(Path(textfile), command, state, argv, cause)


def _write_error_textfile(path: Path, command: str, state: object, argv: list[str], cause: str) -> None:
    """The error's textfile, in the metric names of the check that failed (probe, usage, or
    the keys group's one monitoring subcommand, audit)."""
    from aspirectl.errors import AspirectlError
    from aspirectl.render.prometheus import error_metrics
    from aspirectl.state import last_success_of, write_textfile
    from aspirectl.status import Health

    last_success = None
    if command == "probe":
        try:
            last_success = last_success_of(_chains_dir(argv))
        except (AspirectlError, OSError, ValueError):
            last_success = None
    try:
        check = "keys audit" if command == "keys" else command
        write_textfile(path, error_metrics(check, Health(int(state)), last_success))  # type: ignore[call-overload]
    except (AspirectlError, OSError) as exc:
        if str(exc) in cause or "textfile" in cause:  # the error was the textfile: said once
            return
        try:
            sys.stderr.write(f"aspirectl: error: the textfile was not written either: {exc}\n")
        except OSError:
            pass


def _chains_dir(argv: list[str]) -> Path:
    import os

    from aspirectl import paths

    named = _option(argv, ("--chains",)) or os.environ.get("ASPIRECTL_CHAINS")
    return Path(named) if named else paths.default_chains()[0]
