"""aspirectl ack: acknowledge a known WARNING ("known, stop telling me"), list and remove."""

from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from aspirectl.cli.context import app_context
from aspirectl.cli.options import Output


class AckGroup(TyperGroup):
    """`aspirectl ack SUBJECT ...` is `aspirectl ack add SUBJECT ...`: the first word that is
    no subcommand (nor an option) is what to acknowledge."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = next((a for a in args if not a.startswith("-")), None)
        if first is not None and first not in self.commands and "--help" not in args:
            args = ["add", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=AckGroup, no_args_is_help=True, rich_markup_mode=None, add_completion=False,
                  help="Acknowledge a known WARNING of an alias or an upstream for a while (exit 0, with a "
                       "note in every output); list and remove acknowledgements.")

Subject = Annotated[str, typer.Argument(help="An alias, or an upstream (every alias whose own chain has it "
                                             "failing).", metavar="ALIAS|UPSTREAM", show_default=False)]


@app.command("add")
def add(ctx: typer.Context, subject: Subject,
        for_: Annotated[str, typer.Option("--for", help="How long: 7d, 24h, 2w (at most 90d).",
                                          metavar="DURATION")] = "7d",
        reason: Annotated[str, typer.Option("--reason", help="Why this state is known and fine for now "
                                            "(shown in every output).", metavar="TEXT",
                                            show_default=False)] = "") -> None:
    """Acknowledge SUBJECT's current WARNING for --for (the state of the last probe: a change
    of state, a CRITICAL or the end of the period pages again).

    Example: aspirectl ack qwen-3.6-omni --for 30d --reason "declared fallback, KO names haiku"
    """
    import getpass

    from aspirectl.acks import add_ack
    from aspirectl.durations import parse_duration

    app_ctx = app_context(ctx)
    catalog = app_ctx.catalog()
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    ack, replaced = add_ack(catalog, subject, parse_duration(for_, "--for"), reason, who)
    what = f"'{ack.state}'"
    app_ctx.say(f"{'replaced the acknowledgement of' if replaced else 'acknowledged'} {ack.subject} "
                f"({ack.kind}) until {ack.until:%Y-%m-%d %H:%MZ}: {what}")


@app.command("list")
def list_(ctx: typer.Context, output: Output = None) -> None:
    """The catalog's acknowledgements, ended ones included (kept 7 days after their end)."""
    from datetime import UTC, datetime

    from aspirectl.acks import load_acks
    from aspirectl.render.structured import to_json
    from aspirectl.render.table import Table, render_table
    from aspirectl.textsafe import one_line

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "ack list")
    catalog = app_ctx.catalog()
    acks = load_acks(catalog.directory)
    now = datetime.now(UTC)
    if fmt == "json":
        from aspirectl import documents

        app_ctx.emit(to_json(documents.acks(catalog, acks, now)))
        return
    rows = [(a.subject, a.kind, f"{a.until:%Y-%m-%d %H:%MZ}" + ("" if a.until > now else " (ended)"),
             a.created_by, one_line(a.state or "any WARNING", 80), a.reason) for a in acks]
    app_ctx.emit(render_table(Table(("SUBJECT", "KIND", "UNTIL", "BY", "ACKNOWLEDGED STATE", "REASON"), rows),
                              app_ctx.style()))


@app.command("remove")
def remove(ctx: typer.Context, subject: Subject) -> None:
    """End the acknowledgement of SUBJECT now (its WARNING pages again)."""
    from aspirectl.acks import remove_ack
    from aspirectl.errors import OperationFailed

    app_ctx = app_context(ctx)
    if not remove_ack(app_ctx.catalog(), subject):
        raise OperationFailed(f"{subject} is not acknowledged", hint="'aspirectl ack list' shows what is")
    app_ctx.say(f"removed the acknowledgement of {subject}")
