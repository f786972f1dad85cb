"""aspirectl usage: what the gateway actually served, and what it cost (its own request log)."""

from pathlib import Path
from typing import Annotated

import typer

from aspirectl.cli.context import app_context
from aspirectl.cli.options import AliasesOrFamilies, Output
from aspirectl.usage import DEFAULT_TOP


def usage(
    ctx: typer.Context,
    names: AliasesOrFamilies = None,
    since: Annotated[str, typer.Option("--since", help="Start: 24h, 7d, 2w ago, or an ISO date/time.",
                                       metavar="WHEN")] = "24h",
    until: Annotated[str | None, typer.Option("--until", help="End (default: now).", metavar="WHEN",
                                              show_default=False)] = None,
    by: Annotated[str, typer.Option("--by", help="hop (per alias and hop) or consumer (per key).",
                                    metavar="hop|consumer")] = "hop",
    max_paid_share: Annotated[float | None, typer.Option(
        "--max-paid-share", help="WARNING (exit 1) when a paid hop served more than PCT% of an alias.",
        metavar="PCT", show_default=False)] = None,
    max_failure_share: Annotated[float | None, typer.Option(
        "--max-failure-share", help="CRITICAL (exit 2) when more than PCT% of an alias's requests failed.",
        metavar="PCT", show_default=False)] = None,
    top: Annotated[int, typer.Option(
        "--top", help="List at most N consumers (--by consumer) and N deployments the chains do not "
        "name, the busiest first; the rest are counted as 'N more'.", metavar="N", min=1,
        max=10000)] = DEFAULT_TOP,
    output: Output = None,
    textfile: Annotated[Path | None, typer.Option(
        "--textfile", help="Also write the Prometheus metrics here, atomically (node_exporter textfile "
        "collector).", metavar="PATH", dir_okay=False)] = None,
) -> None:
    """Which hop served each alias, the paid share and its cost, failures, latency (from
    LiteLLM_SpendLogs in the gateway DB: --db / ASPIRECTL_DB_URL / the db-url secret).

    Exit: 0 OK, 1 WARNING (paid share over --max-paid-share), 2 CRITICAL (failure share over
    --max-failure-share), 3 UNKNOWN (no usable database or log, bad arguments).
    """
    from aspirectl.checks import select_aliases
    from aspirectl.errors import UsageError
    from aspirectl.keys import service
    from aspirectl.render.usage import render_usage
    from aspirectl.usage import Thresholds, check_thresholds, usage_report, window

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "usage")
    if by not in ("hop", "consumer"):
        raise UsageError(f"--by '{by}' is neither hop nor consumer")
    thresholds = Thresholds(max_paid_share, max_failure_share)
    check_thresholds(thresholds)
    span = window(since, until)
    catalog = app_ctx.catalog()
    aliases = select_aliases(catalog, names) if names else None
    url = service.db_url(app_ctx.settings.db_url, app_ctx.resolver())
    database = service.describe_db(url)
    if url:  # with none named, usage_report says so: no notice naming the embedded key store
        app_ctx.say(f"database: {database}")
    report = usage_report(url, catalog, span, aliases, thresholds, by_consumer=by == "consumer", top=top)
    if textfile:
        from aspirectl.render.usage import usage_prometheus
        from aspirectl.state import write_textfile

        write_textfile(textfile, usage_prometheus(report))
    app_ctx.emit(render_usage(report, fmt, by, str(Path(catalog.directory).resolve()), database,
                              app_ctx.style()))
    raise typer.Exit(int(report.status))
