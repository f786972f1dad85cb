"""aspirectl route: which hop serves an alias right now, and why every other hop does not."""

from typing import Annotated

import typer

from aspirectl.cli.context import app_context
from aspirectl.cli.options import AliasArg, Deadline, Output, Timeout, ViaGateway


def route(
    ctx: typer.Context,
    alias: AliasArg = None,
    all_: Annotated[bool, typer.Option("--all", help="Every alias, as a table.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Declared states only; no network.")]
    = False,
    cached: Annotated[bool, typer.Option("--cached", help="Use the last probe's saved results.")]
    = False,
    sensitivity: Annotated[str | None, typer.Option(
        "--sensitivity", help="Show which hops the dormant sensitivity routing would allow for "
        "this data class (not enforced by the gateway).", metavar="CLASS")] = None,
    deep: Annotated[bool, typer.Option("--deep", help="Add the 1-token canary.")] = False,
    via_gateway: ViaGateway = False,
    output: Output = None,
    timeout: Timeout = 10.0,
    deadline: Deadline = 20.0,
) -> None:
    """Walk the chain against live probe results; explain each skipped hop and the cost.

    Exit: 0 OK, 1 WARNING, 2 CRITICAL (nothing serves), 3 UNKNOWN; 2 also for an unknown alias,
    except with -o nagios, where route is a Nagios check and every error is UNKNOWN (3).
    """
    from aspirectl import documents
    from aspirectl.checks import ProbeRequest, check_limits, egress_route, gateway_urls, route_aliases
    from aspirectl.cli.progress import progress_for
    from aspirectl.errors import UnknownName, UsageError
    from aspirectl.probe.options import RunOptions
    from aspirectl.render import route as view
    from aspirectl.render.structured import to_json
    from aspirectl.routing import sensitivity_view

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "route")
    if alias and all_:
        raise UsageError("name one alias or use --all, not both")
    if not alias and not all_:
        raise UsageError("name an alias, or use --all for every alias")
    if sensitivity and not alias:
        raise UsageError("--sensitivity needs one alias")
    if offline and cached:
        raise UsageError("--offline and --cached exclude each other")
    check_limits(timeout, deadline)
    catalog = app_ctx.catalog()
    if alias and alias not in catalog.aliases:
        raise UnknownName("alias", alias, catalog.aliases)
    aliases = [alias] if alias else list(catalog.aliases)
    how = "offline" if offline else "cached" if cached else "live"
    if via_gateway and how != "live":
        raise UsageError(f"--via-gateway probes now: it does not go with --{how}")
    via = egress_route(catalog, gateway_urls(app_ctx.settings.gateway_urls, catalog), via_gateway,
                       "route") if how == "live" else None
    request = ProbeRequest(aliases, RunOptions(timeout=timeout, deadline=deadline), deep, via)
    if how == "live":
        app_ctx.announce_credentials(catalog, aliases, via)
    with progress_for(app_ctx, enabled=how == "live" and fmt == "table") as progress:
        routed = route_aliases(catalog, aliases, how, request,
                               app_ctx.resolver() if how == "live" else None, progress)
    decisions, status = routed.decisions, routed.status
    if fmt == "nagios":
        from aspirectl.render.nagios import route_nagios

        app_ctx.emit(route_nagios(decisions, status, routed.note))
    elif fmt == "json":
        view_of = None
        if sensitivity and alias:
            view_of = {"class": sensitivity, "enforced": catalog.sensitivity.enforced,
                       "hops": [h._asdict() for h in sensitivity_view(catalog, alias, sensitivity)]}
        app_ctx.emit(to_json(documents.route(decisions, status, catalog, routed.source, view_of, routed.via)))
    elif alias:
        text = view.route_text(decisions[0], app_ctx.style(), routed.note)
        if sensitivity:
            text += view.sensitivity_text(alias, sensitivity, sensitivity_view(catalog, alias, sensitivity))
        app_ctx.emit(text)
    else:
        app_ctx.emit(view.routes_table(decisions, app_ctx.style()) + f"status: {status.name}{routed.note}\n")
    raise typer.Exit(int(status))

