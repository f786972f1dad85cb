"""Subcommands loaded on demand (Click's "lazily loading subcommands" recipe, pip's registry).

The root knows each command's module and a static one-line summary, so `aspirectl --help`
and TAB completion build only the command they need, not all of them.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import click
import typer
from typer.core import TyperGroup


class CommandInfo(NamedTuple):
    module: str
    attr: str  # a typer.Typer (a group) or a function (one command)
    summary: str
    family: str = "ops"  # its exit family (status.FAMILIES): monitoring, health or ops


COMMANDS: dict[str, CommandInfo] = {
    "chains": CommandInfo("aspirectl.cli.commands.chains", "app",
                          "Inspect the fallback chains: which upstreams serve each alias, in order."),
    "probe": CommandInfo("aspirectl.cli.commands.probe", "probe",
                         "Probe every hop and say why each does or does not serve.", "monitoring"),
    "route": CommandInfo("aspirectl.cli.commands.route", "route",
                         "Which hop serves an alias right now, and why.", "health"),
    "usage": CommandInfo("aspirectl.cli.commands.usage", "usage",
                         "What served each alias, and what it cost (the gateway's request log).",
                         "monitoring"),
    "ack": CommandInfo("aspirectl.cli.commands.ack", "app",
                       "Acknowledge a known WARNING for a while; list and remove acknowledgements."),
    "keys": CommandInfo("aspirectl.cli.commands.keys", "app",
                        "Create, list, rotate, revoke and scan the gateway's virtual keys."),
    "secrets": CommandInfo("aspirectl.cli.commands.secrets", "app",
                           "Credentials in the OS keyring or ASPIRECTL_SECRET_<NAME>."),
    "sandbox": CommandInfo("aspirectl.cli.commands.sandbox", "sandbox",
                           "Serve simulators of every upstream on loopback."),
    "demo": CommandInfo("aspirectl.cli.commands.demo", "demo",
                        "Sandbox + probe + route in one command: no credentials, no network.", "health"),
}


# Subcommands of an ops group that are monitoring checks themselves.
MONITORING_SUBCOMMANDS = {("keys", "audit")}


def family_of(command: str | None, sub: str | None = None) -> str:
    if (command, sub) in MONITORING_SUBCOMMANDS:
        return "monitoring"
    info = COMMANDS.get(command or "")
    return info.family if info else "ops"


def exit_codes_help() -> str:
    """The root help's exit-code lines, from the families declared above."""
    def names(family: str) -> str:
        return "/".join(n for n, i in COMMANDS.items() if i.family == family)

    return (f"Exit codes of {names('monitoring')} (Nagios checks) and {names('health')}: 0 OK, 1 WARNING, "
            f"2 CRITICAL, 3 UNKNOWN ({names('monitoring')}: every error is UNKNOWN). Other commands: "
            "0 success, 1 failed, 2 usage error, 3 config error.")


def load_command(name: str) -> click.Command:
    info = COMMANDS[name]
    target: Any = getattr(importlib.import_module(info.module), info.attr)
    if not isinstance(target, typer.Typer):
        single = typer.Typer(rich_markup_mode=None, add_completion=False)
        single.command(name)(target)
        target = single
    command = typer.main.get_command(target)
    command.name = name
    _describe(command, name)
    return command


def _describe(command: click.Command, path: str) -> None:
    """Each command's own -o formats (cli/formats.py) in its --help, and its examples
    (cli/examples.py) at the end: one table each, read by the help and by the option."""
    from aspirectl.cli.examples import EXAMPLES
    from aspirectl.cli.formats import FORMATS

    for param in command.params:
        if isinstance(param, click.Option) and "--output" in param.opts and path in FORMATS:
            param.help = f"Output format: {', '.join(FORMATS[path])} (default {FORMATS[path][0]})."
    examples = EXAMPLES.get(path)
    if examples:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in examples)
    if isinstance(command, click.Group):
        for sub_name, sub in command.commands.items():
            _describe(sub, f"{path} {sub_name}")


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        cached = self.commands.get(cmd_name)
        if cached is None:
            cached = self.commands[cmd_name] = load_command(cmd_name)
        return cached

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, info.summary) for name, info in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
