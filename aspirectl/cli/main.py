"""Entry point: run the app and turn every outcome into one exit code and at most one line."""

from __future__ import annotations

import os
import sys

import click

from aspirectl.errors import AspirectlError
from aspirectl.status import ErrorKind, ExitStatus, exit_code_for

COMPLETE_VAR = "_ASPIRECTL_COMPLETE"
# Click >= 8.2 raises this (a UsageError) for a group called without a subcommand.
NO_ARGS_IS_HELP: type[Exception] = getattr(click.exceptions, "NoArgsIsHelpError",
                                           type("_Never", (Exception,), {}))


def _command_of(argv: list[str]) -> str | None:
    from aspirectl.cli.app import GLOBAL_VALUE_OPTIONS

    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in GLOBAL_VALUE_OPTIONS:
            skip = True
            continue
        if token.startswith("-"):
            continue
        return token
    return None


def _error_line(message: str) -> None:
    from aspirectl.secrets.redact import redact

    try:
        sys.stderr.write(f"aspirectl: error: {redact(message)}\n")
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass


def _verbose(argv: list[str]) -> bool:
    return "--verbose" in argv or "-v" in argv or os.environ.get("ASPIRECTL_DEBUG") == "1"


def run(argv: list[str]) -> int:
    import typer.main

    from aspirectl.cli.app import build_app

    command = _command_of(argv)
    if COMPLETE_VAR in os.environ:
        # TAB: Typer's completion classes speak the instruction style of the shipped scripts.
        from typer.completion import completion_init

        completion_init()
    cli = typer.main.get_command(build_app())
    try:
        result = cli.main(args=argv, prog_name="aspirectl", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except NO_ARGS_IS_HELP as exc:  # `aspirectl` or `aspirectl keys` alone: the help, on stdout
        sys.stdout.write(exc.format_message() + "\n")
        return 0
    except click.UsageError as exc:
        where = f"aspirectl {command}" if command else "aspirectl"
        _error_line(f"{exc.format_message()} (see '{where} --help')")
        return exit_code_for(ErrorKind.USAGE, command)
    except click.ClickException as exc:
        _error_line(exc.format_message())
        return exit_code_for(ErrorKind.USAGE, command)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _error_line("interrupted")
        return int(ExitStatus.INTERRUPTED)
    except AspirectlError as exc:
        _error_line(str(exc))
        if exc.detail and _verbose(argv):
            _error_line(exc.detail)
        return exit_code_for(exc.kind, command)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a line.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 0
    except Exception as exc:  # the catch-all every monitoring plugin needs
        _error_line(f"internal error: {type(exc).__name__}: {exc} "
                    "(please report it; --verbose shows where)")
        if _verbose(argv):
            import traceback

            frame = traceback.extract_tb(exc.__traceback__)[-1]
            _error_line(f"raised at {frame.filename}:{frame.lineno} in {frame.name}")
        return exit_code_for(ErrorKind.INTERNAL, command)


def main(argv: list[str] | None = None) -> int:
    return run(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
