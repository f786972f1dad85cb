"""Argument definitions shared by commands (kept apart from their implementations)."""

from typing import Annotated

import typer

from aspirectl.cli import completers

OUTPUT_HELP = "Output format."

Output = Annotated[
    str | None,
    typer.Option("--output", "-o", help=OUTPUT_HELP, metavar="FORMAT",
                 autocompletion=completers.output_formats, show_default=False),
]
AliasOrFamily = Annotated[
    str, typer.Argument(help="An alias or family name.", autocompletion=completers.names,
                        show_default=False)
]
AliasArg = Annotated[
    str | None, typer.Argument(help="A model alias.", autocompletion=completers.aliases,
                               show_default=False)
]
AliasesOrFamilies = Annotated[
    list[str] | None,
    typer.Argument(help="Aliases or families (default: all).", autocompletion=completers.names,
                   show_default=False),
]

Timeout = Annotated[float, typer.Option("--timeout", help="Seconds per hop probe.", metavar="S")]
Deadline = Annotated[float, typer.Option("--deadline", help="Hard limit for the whole run.",
                                         metavar="S")]
ViaGateway = Annotated[bool, typer.Option(
    "--via-gateway", help="Probe every hop THROUGH the gateway (--gateway-url; its model group for the "
    "hop, fallbacks and retries off, a 1-token answer each) with the gateway key only: no upstream "
    "credential needed here, no upstream contacted. Always so when upstreams.yaml says "
    "gateway.egress: gateway-only.")]
