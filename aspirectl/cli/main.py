"""Entry point: run the app and turn every outcome into one exit code and at most one line."""

from __future__ import annotations

import os
import signal
import sys

from aspirectl import _interrupted_early, _is_the_program

if _is_the_program():  # the program, not a library user (aspirectl/__init__ installed it first)
    signal.signal(signal.SIGINT, _interrupted_early)
    # A Ctrl-C between creating a coroutine and awaiting it makes Python warn "coroutine ...
    # was never awaited" while asyncio unwinds: expected after an interrupt, not news.
    import warnings

    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)

import click

from aspirectl.errors import AspirectlError
from aspirectl.status import ErrorKind, ExitStatus, exit_code_for

COMPLETE_VAR = "_ASPIRECTL_COMPLETE"
# Click >= 8.2 raises this (a UsageError) for a group called without a subcommand.
NO_ARGS_IS_HELP: type[click.UsageError] = getattr(click.exceptions, "NoArgsIsHelpError",
                                                  type("_Never", (click.UsageError,), {}))


def _command_of(cli: click.Command, argv: list[str]) -> str | None:
    """The command name as the parser sees it (global options and their values skipped),
    so that its exit family never depends on a hand-kept list of options."""
    from aspirectl.cli.lazy import COMMANDS

    try:
        with cli.make_context("aspirectl", list(argv), resilient_parsing=True) as ctx:
            rest = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        if rest and not str(rest[0]).startswith("-"):
            return str(rest[0])
    except (click.exceptions.ClickException, click.exceptions.Exit):
        pass
    # Unparseable global options (a misspelt or misplaced one): the first command name given.
    return next((token for token in argv if token in COMMANDS), None)


# Options given at the wrong level: (option, where it was given) -> the one right spelling.
MISPLACED: dict[tuple[str, str | None], str] = {
    ("--gateway", None): "'--gateway' is probe's switch; the gateway's URL is the global option "
                         "--gateway-url: aspirectl --gateway-url URL probe --gateway",
}


def hoist_global_options(cli: click.Command, argv: list[str]) -> list[str]:
    """Global options given after the command (`aspirectl probe --chains DIR`, as kubectl and
    gh accept them) moved before it, unless the command has an option of that name itself
    (`-o` is both: the command's own wins, as before)."""
    from aspirectl.cli.lazy import COMMANDS

    def names(command: click.Command) -> dict[str, click.Option]:
        return {n: p for p in command.params if isinstance(p, click.Option)
                for n in (*p.opts, *p.secondary_opts)}

    root = names(cli)
    i = 0
    while i < len(argv) and argv[i] != "--":
        token = argv[i]
        option = root.get(token.split("=", 1)[0])
        if option is not None:
            i += 1 if ("=" in token or option.is_flag or option.count) else 2
            continue
        break
    if i >= len(argv) or argv[i] not in COMMANDS or not isinstance(cli, click.Group):
        return argv
    own: set[str] = set()
    stack = [cli.get_command(click.Context(cli), argv[i])]
    while stack:
        sub = stack.pop()
        if sub is None:
            continue
        own |= set(names(sub))
        if isinstance(sub, click.Group):
            stack.extend(sub.commands.values())
    head, moved, rest = argv[:i], [], []
    j = i
    while j < len(argv):
        token = argv[j]
        if token == "--":
            rest.extend(argv[j:])
            break
        name = token.split("=", 1)[0]
        option = root.get(name)
        if option is not None and name not in own and name not in ("--help", "-h"):
            takes = not ("=" in token or option.is_flag or option.count)
            moved.extend(argv[j:j + 2] if takes else [token])
            j += 2 if takes else 1
            continue
        rest.append(token)
        j += 1
    return head + moved + rest


def _usage_hint(exc: click.UsageError, command: str | None) -> str:
    """Click's message plus what to do: did-you-mean for commands, the right place for options."""
    from aspirectl.cli.lazy import COMMANDS
    from aspirectl.errors import did_you_mean

    # Typer 0.17 under click 8.2 names an env var nobody set: "(env var: 'None')".
    message = exc.format_message().replace(" (env var: 'None')", "")
    if command == "secrets" and not isinstance(exc, click.exceptions.NoSuchOption):
        # Never quote the words given: a value typed after the name would be echoed here.
        return ("secrets takes a credential NAME only; the value comes from a hidden prompt or "
                "stdin, never from the command line (see 'aspirectl secrets --help')")
    if isinstance(exc, click.exceptions.NoSuchOption):
        level = exc.ctx.info_name if exc.ctx is not None and exc.ctx.parent is not None else None
        fix = MISPLACED.get((exc.option_name, level))
        if fix:
            return f"no such option {exc.option_name} here ({fix})"
    if command and command not in COMMANDS:
        hint = did_you_mean(command, COMMANDS) or f"the commands are {', '.join(COMMANDS)}"
        return f"No such command '{command}' ({hint}; see 'aspirectl --help')"
    where = exc.ctx.command_path if exc.ctx is not None else f"aspirectl {command or ''}".strip()
    return f"{message} (see '{where} --help')"


def _error_line(message: str) -> None:
    from aspirectl.secrets.redact import redact
    from aspirectl.textsafe import one_line

    try:
        # One line by contract: a name from the DB or an upstream in the message (a "did you
        # mean" suggestion, an echoed value) cannot break it or reach the terminal as control.
        sys.stderr.write(f"aspirectl: error: {one_line(redact(message), None)}\n")
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass


def _verbose(argv: list[str]) -> bool:
    return "--verbose" in argv or "-v" in argv or os.environ.get("ASPIRECTL_DEBUG") == "1"


def run(argv: list[str]) -> int:
    import typer.main

    from aspirectl.cli.app import build_app

    if COMPLETE_VAR in os.environ:
        # TAB: Typer's completion classes speak the instruction style of the shipped scripts.
        from typer.completion import completion_init  # type: ignore[attr-defined]

        completion_init()
    cli = typer.main.get_command(build_app())
    if COMPLETE_VAR not in os.environ:
        argv = hoist_global_options(cli, argv)
    command = _command_of(cli, argv)
    if signal.getsignal(signal.SIGINT) is _interrupted_early:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here on, the handlers below
    try:
        result = cli.main(args=argv, prog_name="aspirectl", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except NO_ARGS_IS_HELP as exc:  # `aspirectl` or `aspirectl keys` alone: the help, on stdout
        sys.stdout.write(exc.format_message() + "\n")
        return 0
    except click.UsageError as exc:
        return _failed(argv, command, ErrorKind.USAGE, _usage_hint(exc, command))
    except click.ClickException as exc:
        return _failed(argv, command, ErrorKind.USAGE, exc.format_message())
    except (click.exceptions.Abort, KeyboardInterrupt):
        _quiet_interrupted_coroutines()
        _error_line("interrupted")
        return int(ExitStatus.INTERRUPTED)
    except AspirectlError as exc:
        code = _failed(argv, command, exc.kind, str(exc))
        if exc.detail and _verbose(argv):
            _error_line(exc.detail)
        return code
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a line.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 0
    except Exception as exc:  # the catch-all every monitoring plugin needs
        code = _failed(argv, command, ErrorKind.INTERNAL, f"internal error: {type(exc).__name__}: {exc} "
                       "(please report it; --verbose shows where)")
        if _verbose(argv):
            import traceback

            frame = traceback.extract_tb(exc.__traceback__)[-1]
            _error_line(f"raised at {frame.filename}:{frame.lineno} in {frame.name}")
        return code
    if code == ExitStatus.INTERRUPTED:  # Ctrl-C, which Typer turns into Exit(130) on its own
        _quiet_interrupted_coroutines()
        _error_line("interrupted")
    return code


def _failed(argv: list[str], command: str | None, kind: ErrorKind, message: str) -> int:
    """One error line on stderr; for a monitoring command also its Nagios line on stdout and
    its textfile (cli/fallout.py). Returns the exit code of ``kind`` for ``command``."""
    from aspirectl.cli.fallout import family_for
    from aspirectl.secrets.redact import redact
    from aspirectl.textsafe import one_line

    code = exit_code_for(kind, family_for(command, argv))
    _error_line(message)
    try:
        from aspirectl.cli.fallout import monitoring_fallout

        monitoring_fallout(argv, command, code, one_line(redact(message), 400))
    except Exception as exc:  # the fallout itself must never turn an error into a traceback
        _error_line(f"also: {type(exc).__name__} while reporting it")
    return code


def _quiet_interrupted_coroutines() -> None:
    """A Ctrl-C that lands between creating a coroutine and awaiting it leaves Python to warn
    'coroutine ... was never awaited' at exit: expected after an interrupt, not news."""
    import warnings

    warnings.filterwarnings("ignore", message="coroutine .* was never awaited", category=RuntimeWarning)


def main(argv: list[str] | None = None) -> int:
    try:
        return run(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:  # between run()'s own handlers, e.g. while Python imports
        _quiet_interrupted_coroutines()
        _error_line("interrupted")
        return int(ExitStatus.INTERRUPTED)


if __name__ == "__main__":
    raise SystemExit(main())
