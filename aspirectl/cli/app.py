"""The root Typer app: global options and the command groups. Imports stay light."""

from pathlib import Path
from typing import Annotated

import typer

from aspirectl import __version__
from aspirectl.cli.context import AppContext
from aspirectl.settings import Settings


def _help() -> str:
    from aspirectl.cli.lazy import exit_codes_help

    return f"The operator's command line for Aspire's LLM gateway.\n\n{exit_codes_help()}\n"

def _version(ctx: typer.Context, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        typer.echo(f"aspirectl {__version__}")
        raise typer.Exit(0)


def root(
    ctx: typer.Context,
    chains: Annotated[Path | None, typer.Option(
        "--chains", help="Chains directory [env: ASPIRECTL_CHAINS; default "
        "$XDG_CONFIG_HOME/aspirectl/chains if present, else the installed copy; never ./chains "
        "unless named].", show_default=False, file_okay=False)] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Key database URL: postgresql://... or sqlite:///PATH "
        "[env: ASPIRECTL_DB_URL; default: embedded SQLite].", show_default=False)] = None,
    gateway: Annotated[list[str] | None, typer.Option(
        "--gateway-url", help="Gateway base URL, http(s)://HOST[:PORT]; repeat it for each replica "
        "[env: ASPIRECTL_GATEWAY_URL, comma-separated; default: gateway.replicas in upstreams.yaml]. "
        "'probe --gateway' asks every replica, '--via-gateway' probes through the first.",
        show_default=False)] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Default output format for every command.",
        show_default=False)] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No ANSI colour (also NO_COLOR).")]
    = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail on errors.")]
    = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    if isinstance(ctx.obj, AppContext):  # injected by a test or an embedding program
        return
    ctx.obj = AppContext(Settings.resolve(chains=chains, db=db, gateway=gateway, output=output,
                                          no_color=no_color, verbose=verbose))


def build_app() -> typer.Typer:
    import typer.core

    from aspirectl.cli.lazy import LazyGroup

    # Help is plain Click text (rich_markup_mode=None everywhere). Typer still escapes the
    # '[required]' and '[default: ...]' notes for Rich whenever Rich is importable, which
    # prints a literal '\[required]'; with no Rich for Typer, the notes stay as written.
    setattr(typer.core, "rich", None)  # noqa: B010 - typer.core does not export it

    app = typer.Typer(
        name="aspirectl",
        cls=LazyGroup,
        help=_help(),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    return app
