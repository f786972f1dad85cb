"""aspirectl sandbox: serve the upstream simulators on loopback until interrupted."""

from pathlib import Path
from typing import Annotated

import typer

from aspirectl.cli import completers
from aspirectl.cli.context import app_context

Scenario = Annotated[str, typer.Option("--scenario", help="Which faults to simulate.",
                                       autocompletion=completers.scenarios, metavar="NAME")]


def sandbox(
    ctx: typer.Context,
    scenario: Scenario = "seed",
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).",
                                      min=0, max=65535)] = 0,
    write_chains: Annotated[Path | None, typer.Option(
        "--write-chains", help="Write a catalog pointing at the sandbox, plus credentials.env "
        "(0600), to this directory.", metavar="DIR", file_okay=False)] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios and exit.")] = False,
) -> None:
    """Serve faithful simulators of every upstream (Anthropic, OpenAI, LiteLLM, Gemini, Code Assist).

    From another shell: set -a; . DIR/credentials.env; set +a; aspirectl --chains DIR probe
    """
    import asyncio
    import signal

    from aspirectl.sandbox.app import Sandbox, scenario_named
    from aspirectl.sandbox.catalogue import SCENARIOS

    app_ctx = app_context(ctx)
    if list_:
        app_ctx.emit("".join(f"{s.name:16} {s.summary}\n" for s in SCENARIOS.values()))
        raise typer.Exit(0)
    chosen = scenario_named(scenario)
    catalog = app_ctx.catalog()

    async def serve() -> None:
        box = Sandbox(catalog, chosen, port=port)
        await box.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        def stopped_by(sig: int) -> None:
            received.append(sig)
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped_by, sig)
        app_ctx.say(f"aspirectl sandbox: scenario '{chosen.name}' on http://127.0.0.1:{box.port} "
                    f"({chosen.summary})")
        for name, upstream in box.sandbox_catalog().upstreams.items():
            app_ctx.say(f"  {name:22} {upstream.base_url}")
        if write_chains:
            creds = box.write_chains(write_chains)
            app_ctx.say(f"chains written to {write_chains}; dummy credentials in {creds}")
            app_ctx.say(f"  set -a; . {creds}; set +a; aspirectl --chains {write_chains} probe")
        app_ctx.say("Ctrl-C to stop")
        await stop.wait()
        await box.stop()

    received: list[int] = []
    asyncio.run(serve())
    # Stopped by a signal, as documented: 130 for Ctrl-C (128 + SIGINT), 143 for SIGTERM.
    raise typer.Exit(128 + int(received[0]) if received else 0)

