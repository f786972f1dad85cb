"""aspirectl probe: every hop of every chain, right now, with a cron-grade exit code."""

from pathlib import Path
from typing import Annotated

import typer

from aspirectl.cli.context import app_context
from aspirectl.cli.options import AliasesOrFamilies, Deadline, Output, Timeout, ViaGateway


def probe(
    ctx: typer.Context,
    names: AliasesOrFamilies = None,
    deep: Annotated[bool, typer.Option("--deep", help="Add the 1-token canary to every hop.")] = False,
    gateway: Annotated[bool, typer.Option(
        "--gateway", help="Also ask the running gateway (--gateway-url / ASPIRECTL_GATEWAY_URL) which "
        "hop serves each alias, and flag DRIFT from the prediction.")] = False,
    via_gateway: ViaGateway = False,
    output: Output = None,
    textfile: Annotated[Path | None, typer.Option(
        "--textfile", help="Also write Prometheus metrics here, atomically (node_exporter "
        "textfile collector).", metavar="PATH", dir_okay=False)] = None,
    html_file: Annotated[Path | None, typer.Option(
        "--html", help="Also write a self-contained HTML status page here, atomically (0644).",
        metavar="PATH", dir_okay=False)] = None,
    timeout: Timeout = 10.0,
    deadline: Deadline = 20.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Nothing when OK; one line "
                                        "otherwise.")] = False,
    changes: Annotated[bool, typer.Option("--changes", help="Only report what changed since the "
                                          "last run (with -q: nothing at all when nothing changed).")]
    = False,
) -> None:
    """Probe every hop (known-broken ones too) and say precisely why each does or does not serve.

    Exit: 0 OK, 1 WARNING (a later hop or a declared fallback serves), 2 CRITICAL (an alias
    nothing serves, or the gateway down), 3 UNKNOWN (bad config or arguments, deadline overrun).
    """
    from aspirectl import documents
    from aspirectl.checks import (
        ProbeRequest,
        check_limits,
        egress_route,
        gateway_urls,
        monitored_probe,
        select_aliases,
    )
    from aspirectl.cli.progress import progress_for
    from aspirectl.errors import UsageError
    from aspirectl.probe.options import RunOptions
    from aspirectl.render import health as view
    from aspirectl.render.nagios import nagios_text
    from aspirectl.render.prometheus import prometheus_text
    from aspirectl.render.structured import to_json
    from aspirectl.state import write_textfile

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "probe")
    check_limits(timeout, deadline)
    catalog = app_ctx.catalog()
    urls = gateway_urls(app_ctx.settings.gateway_urls, catalog)
    if gateway and not urls:
        raise UsageError("--gateway needs the gateway's URL",
                         hint="pass --gateway-url URL before the command, set ASPIRECTL_GATEWAY_URL, or "
                              "list it under gateway.replicas in upstreams.yaml")
    via = egress_route(catalog, urls, via_gateway, "probe")
    options = RunOptions(timeout=timeout, deadline=deadline)
    request = ProbeRequest(select_aliases(catalog, names), options, deep, via)
    app_ctx.announce_credentials(catalog, request.aliases, via)
    with progress_for(app_ctx, enabled=not quiet and fmt == "table") as progress:
        run = monitored_probe(catalog, request, app_ctx.resolver(), gateway_urls=urls if gateway else (),
                              on_progress=progress)
    assessment, previous, changed, last_ok = run.assessment, run.previous, run.changes, run.last_success
    if textfile:
        write_textfile(textfile, prometheus_text(assessment, last_ok))
    if html_file:
        from aspirectl.render.html import status_page
        from aspirectl.safefile import atomic_write

        atomic_write(html_file, status_page(assessment, catalog), 0o644, what="status page")
    status = assessment.status
    if changes and quiet:  # cron: silent unless something changed
        if changed:
            app_ctx.emit("".join(f"{t}\n" for t in changed) + view.summary_line(assessment) + "\n")
        raise typer.Exit(int(status))
    if quiet and status == 0:
        raise typer.Exit(0)
    if quiet:
        app_ctx.emit(view.summary_line(assessment) + "\n")
        raise typer.Exit(int(status))
    if changes:
        if fmt == "json":
            app_ctx.emit(to_json(documents.changes(assessment, catalog, previous, changed)))
        elif previous is None:
            app_ctx.emit(f"first run, nothing to compare: {view.summary_line(assessment)}\n")
        elif changed:
            app_ctx.emit("".join(f"{t}\n" for t in changed) + view.summary_line(assessment) + "\n")
        else:
            app_ctx.emit(f"no change since the last run ({previous.saved_at:%Y-%m-%d %H:%M}Z): "
                         f"{view.summary_line(assessment)}\n")
        raise typer.Exit(int(status))
    renderers = {
        "table": lambda: view.probe_text(assessment, app_ctx.style()),
        "json": lambda: to_json(documents.probe(assessment, catalog)),
        "prometheus": lambda: prometheus_text(assessment, last_ok),
        "nagios": lambda: nagios_text(assessment),
        "html": lambda: _html(assessment, catalog),
    }
    app_ctx.emit(renderers[fmt]())
    raise typer.Exit(int(status))



def _html(assessment: object, catalog: object) -> str:
    from aspirectl.render.html import status_page

    return status_page(assessment, catalog)  # type: ignore[arg-type]
