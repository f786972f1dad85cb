"""aspirectl route: which hop serves an alias right now, and why every other hop does not."""

from typing import Annotated

import typer

from aspirectl.cli.context import app_context
from aspirectl.cli.options import AliasArg, Deadline, Output, Timeout

FORMATS = ("table", "json")


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
    output: Output = None,
    timeout: Timeout = 10.0,
    deadline: Deadline = 20.0,
) -> None:
    """Walk the chain against live probe results; explain each skipped hop and the cost.

    Exit: 0 OK, 1 WARNING, 2 CRITICAL (nothing serves), 3 UNKNOWN; 2 also for an unknown alias.
    """
    from aspirectl import documents
    from aspirectl.checks import check_limits
    from aspirectl.errors import ConfigError, UnknownName, UsageError
    from aspirectl.render import route as view
    from aspirectl.render.structured import to_json
    from aspirectl.routing import resolve, sensitivity_view, worst

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    if bool(alias) == all_:
        raise UsageError("name one alias or use --all")
    if sensitivity and not alias:
        raise UsageError("--sensitivity needs one alias")
    if offline and cached:
        raise UsageError("--offline and --cached exclude each other")
    check_limits(timeout, deadline)
    catalog = app_ctx.catalog()
    if alias and alias not in catalog.aliases:
        raise UnknownName("alias", alias, catalog.aliases)
    aliases = [alias] if alias else list(catalog.aliases)
    age_note = ""
    if offline:
        report = None
        age_note = " (offline: declared states only, nothing probed)"
    elif cached:
        from aspirectl.probe.plan import with_fallbacks
        from aspirectl.state import load_state

        saved = load_state()
        if saved is None:
            raise ConfigError("no saved probe result", hint="run 'aspirectl probe' first")
        report = saved.report()
        minutes = saved.age_s() / 60
        age_note = f" (cached probe from {minutes:.0f} min ago)"
        missing = [a for a in with_fallbacks(catalog, aliases)
                   if all(report.result(a, h.upstream) is None for h in catalog.hops(a))]
        if missing:
            age_note += f"; not in the cache, judged on declared states: {', '.join(missing)}"
    else:
        from aspirectl.checks import ProbeRequest, probe_aliases
        from aspirectl.probe.options import RunOptions

        request = ProbeRequest(aliases, RunOptions(timeout=timeout, deadline=deadline), deep)
        app_ctx.announce_credentials(catalog, aliases)
        report = probe_aliases(catalog, request, app_ctx.resolver()).report
    decisions = [resolve(catalog, report, a) for a in aliases]
    status = worst([d.status for d in decisions])
    if fmt == "json":
        view_of = None
        if sensitivity and alias:
            view_of = {"class": sensitivity, "enforced": catalog.sensitivity.enforced,
                       "hops": [h._asdict() for h in sensitivity_view(catalog, alias, sensitivity)]}
        app_ctx.emit(to_json(documents.route(decisions, status, catalog,
                                             report.source if report else "offline", view_of)))
    elif alias:
        text = view.route_text(decisions[0], app_ctx.style(), age_note)
        if sensitivity:
            text += view.sensitivity_text(alias, sensitivity, sensitivity_view(catalog, alias, sensitivity))
        app_ctx.emit(text)
    else:
        app_ctx.emit(view.routes_table(decisions, app_ctx.style()) + f"status: {status.name}{age_note}\n")
    raise typer.Exit(int(status))

