"""aspirectl demo: the sandbox in-process, a probe of every hop, and what it means."""

from pathlib import Path
from typing import Annotated

import typer

from aspirectl.cli.commands.sandbox import Scenario
from aspirectl.cli.context import app_context
from aspirectl.cli.options import Output


def demo(
    ctx: typer.Context,
    scenario: Scenario = "seed",
    output: Output = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per hop probe.",
                                           metavar="S")] = 5.0,
) -> None:
    """One command, no credentials, no network: simulate every upstream, probe, route, explain.

    Exits with the health code of what it found (the seed scenario: 1, WARNING).
    """
    from aspirectl import documents
    from aspirectl.checks import ProbeRequest, check_limits, probe_aliases
    from aspirectl.cli.progress import progress_for
    from aspirectl.probe.options import RunOptions
    from aspirectl.render import health as view
    from aspirectl.render.nagios import nagios_text
    from aspirectl.render.prometheus import prometheus_text
    from aspirectl.render.structured import to_json
    from aspirectl.sandbox.app import SandboxThread, scenario_named
    from aspirectl.secrets.store import MappingSource, Resolver

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "demo")
    chosen = scenario_named(scenario)
    check_limits(timeout, timeout * 2 + 1)
    catalog = app_ctx.catalog()
    with SandboxThread(catalog, chosen) as box, progress_for(app_ctx, enabled=fmt == "table") as progress:
        sandboxed = box.sandbox_catalog()
        resolver = Resolver([MappingSource(box.credentials, "sandbox")])
        options = RunOptions(timeout=timeout, deadline=timeout * 2 + 1, trust_env=False)
        assessment = probe_aliases(sandboxed, ProbeRequest(list(sandboxed.aliases), options), resolver,
                                   progress)
    if fmt == "table":
        style = app_ctx.style()
        head = (f"aspirectl demo — scenario '{chosen.name}': {chosen.summary}.\n"
                f"Every upstream is simulated on 127.0.0.1 with dummy credentials; the catalog is "
                f"{Path(catalog.directory).resolve()}.\n\n")
        app_ctx.emit(head + view.aliases_table(assessment, style) + "\n"
                     + view.hops_table(assessment, style) + "\n" + view.explanation(assessment)
                     + view.summary_line(assessment) + "\n")
    else:
        renderers = {"json": lambda: to_json(documents.probe(assessment, catalog, scenario=chosen.name)),
                     "prometheus": lambda: prometheus_text(assessment),
                     "nagios": lambda: nagios_text(assessment)}
        app_ctx.emit(renderers[fmt]())
    raise typer.Exit(int(assessment.status))

