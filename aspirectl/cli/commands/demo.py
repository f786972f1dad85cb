"""aspirectl demo: the sandbox in-process, a probe of every hop, and what it means."""

import contextlib
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
    usage: Annotated[bool, typer.Option(
        "--usage", help="Instead: 'aspirectl usage' on an embedded SQLite file holding a week of the "
        "gateway's request log in the seed state (what served, what it cost, who leans on a fallback).")]
    = False,
    via_gateway: Annotated[bool, typer.Option(
        "--via-gateway", help="Start LiteLLM's own proxy (configured by the export for its release) in "
        "front of the simulators and probe every hop through it, as 'probe --via-gateway' does.")] = False,
    litellm: Annotated[Path | None, typer.Option(
        "--litellm", help="The LiteLLM proxy command for --via-gateway (default: 'litellm' on PATH).",
        metavar="PATH", dir_okay=False)] = None,
) -> None:
    """One command, no credentials, no network: simulate every upstream, probe, route, explain.

    Exits with the health code of what it found (the seed scenario: 1, WARNING).
    """
    from aspirectl.errors import UsageError

    if usage:
        if via_gateway or litellm:
            raise UsageError("--usage reads an embedded request log: it does not go with --via-gateway")
        _usage_demo(ctx, output)
        return
    if litellm is not None and not via_gateway:
        raise UsageError("--litellm names the proxy for --via-gateway: add --via-gateway")
    from aspirectl import documents
    from aspirectl.checks import ProbeRequest, check_limits, probe_aliases
    from aspirectl.cli.progress import progress_for
    from aspirectl.graph import build
    from aspirectl.probe.options import RunOptions
    from aspirectl.render import health as view
    from aspirectl.render.html import status_page
    from aspirectl.render.mermaid import live_mermaid
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
    binary = None
    if via_gateway:
        from aspirectl.gateway.launch import find_litellm

        binary = find_litellm(litellm)
    gateway_line = ""
    with contextlib.ExitStack() as stack:
        box = stack.enter_context(SandboxThread(catalog, chosen))
        sandboxed = box.sandbox_catalog()
        options = RunOptions(timeout=timeout, deadline=timeout * 2 + 1, trust_env=False)
        request = ProbeRequest(list(sandboxed.aliases), options)
        resolver = Resolver([MappingSource(box.credentials, "sandbox")])
        if binary is not None:
            from aspirectl.gateway.check import GATEWAY_KEY
            from aspirectl.gateway.launch import sandbox_gateway
            from aspirectl.probe.cost import COST_NOTE

            if app_ctx.settings.tty and fmt == "table":
                app_ctx.say(f"starting LiteLLM's proxy ({binary}) in front of the simulators…")
            gateway = stack.enter_context(sandbox_gateway(box, binary))
            request = request._replace(via=gateway.url)
            resolver = Resolver([MappingSource({GATEWAY_KEY: gateway.key}, "demo gateway")])
            release = f"LiteLLM {gateway.release}" if gateway.release else "LiteLLM (its release not told)"
            gateway_line = (f"Every hop is asked through {release}'s own proxy on {gateway.url}, started "
                            f"for this demo with the export for {gateway.target} and the same dummy "
                            "credentials; fallbacks and retries off per request (in front of real "
                            f"upstreams {COST_NOTE}).\n")
        progress = stack.enter_context(progress_for(app_ctx, enabled=fmt == "table"))
        assessment = probe_aliases(sandboxed, request, resolver, progress)
    if fmt == "table":
        style = app_ctx.style()
        head = (f"aspirectl demo — scenario '{chosen.name}': {chosen.summary}.\n"
                f"Every upstream is simulated on 127.0.0.1 with dummy credentials; the catalog is "
                f"{Path(catalog.directory).resolve()}.\n{gateway_line}\n")
        from aspirectl.render.table import wrap_prose

        app_ctx.emit(wrap_prose(head, style) + view.aliases_table(assessment, style) + "\n"
                     + view.hops_table(assessment, style) + "\n"
                     + wrap_prose(view.explanation(assessment) + view.summary_line(assessment), style) + "\n")
    else:
        renderers = {"json": lambda: to_json(documents.probe(assessment, catalog, scenario=chosen.name)),
                     "prometheus": lambda: prometheus_text(assessment),
                     "nagios": lambda: nagios_text(assessment),
                     "html": lambda: status_page(assessment, sandboxed, scenario=chosen.name),
                     "mermaid": lambda: live_mermaid(build(sandboxed, list(assessment.decisions), "live"))}
        app_ctx.emit(renderers[fmt]())
    raise typer.Exit(int(assessment.status))



def _usage_demo(ctx: typer.Context, output: str | None) -> None:
    """A fresh SQLite file with LiteLLM's tables, a week of seed-state rows, then `usage`."""
    from aspirectl import paths
    from aspirectl.keys.db import open_database
    from aspirectl.render.usage import render_usage
    from aspirectl.sandbox.spendlogs import fill
    from aspirectl.usage import Thresholds, usage_report, window

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "usage")
    directory = paths.ensure_private_dir(paths.cache_dir())
    path = directory / "demo-usage.db"
    for stale in (path, path.with_name(path.name + "-journal")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    db = open_database(url, create=True)
    try:
        rows = fill(db)
    finally:
        db.close()
    catalog = app_ctx.catalog()
    report = usage_report(url, catalog, window("7d", None), None, Thresholds(), by_consumer=True)
    catalog_path = str(Path(catalog.directory).resolve())
    database = f"sqlite {path} (demo data)"
    if fmt != "table":
        app_ctx.emit(render_usage(report, fmt, "consumer", catalog_path, database, app_ctx.style()))
        raise typer.Exit(int(report.status))
    app_ctx.emit(f"aspirectl demo --usage: {rows:,} request rows written as LiteLLM writes them, a week of "
                 f"the seed state, in {path}\n$ aspirectl --db sqlite:///{path} usage --since 7d\n\n")
    app_ctx.emit(render_usage(report, "table", "hop", catalog_path, database, app_ctx.style()))
    app_ctx.emit(f"\n$ aspirectl --db sqlite:///{path} usage --since 7d --by consumer\n\n")
    app_ctx.emit(render_usage(report, "table", "consumer", catalog_path, database, app_ctx.style()))
    raise typer.Exit(int(report.status))
