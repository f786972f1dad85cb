"""aspirectl chains list|show|validate|graph|export."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from aspirectl.cli.context import app_context
from aspirectl.cli.formats import DATA
from aspirectl.cli.options import AliasOrFamily, Deadline, Output, Timeout, ViaGateway

app = typer.Typer(rich_markup_mode=None, no_args_is_help=True,
                  help="Inspect the fallback chains: which upstreams serve each alias, in order.")

FORMATS = DATA


@app.command("list")
def list_(ctx: typer.Context, output: Output = None) -> None:
    """Every alias with its family and its hops in order (billing class, declared state)."""
    from aspirectl.catalog.views import chain_listing
    from aspirectl.documents import chains_listing as listing_document
    from aspirectl.render import chains as view
    from aspirectl.render.structured import to_json, to_yaml

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    catalog = app_ctx.catalog()
    chains = chain_listing(catalog)
    renderers = {
        "table": lambda: view.listing_text(chains, app_ctx.style()),
        "json": lambda: to_json(listing_document(chains, catalog.directory)),
        "yaml": lambda: to_yaml(listing_document(chains, catalog.directory)),
    }
    app_ctx.emit(renderers[fmt]())


@app.command("show")
def show(ctx: typer.Context, name: AliasOrFamily, output: Output = None) -> None:
    """One alias or family as a tree: hops, credentials (names only), states, fallbacks."""
    from aspirectl.catalog.views import alias_chain, family_document
    from aspirectl.documents import chains_listing as listing_document
    from aspirectl.errors import UnknownName
    from aspirectl.render import chains as view
    from aspirectl.render.structured import to_json, to_yaml

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    catalog = app_ctx.catalog()
    if name in catalog.families:
        fam = catalog.families[name]
        chains = [alias_chain(catalog, a) for a in fam.aliases]
        document = family_document(catalog, name)
        text = lambda: view.family_tree(fam.title, fam.name, chains, fam.note,  # noqa: E731
                                        app_ctx.style())
    elif name in catalog.aliases:
        chain = alias_chain(catalog, name)
        document = listing_document([chain], catalog.directory)
        text = lambda: view.alias_tree(chain, app_ctx.style())  # noqa: E731
    else:
        raise UnknownName("alias or family", name, catalog.names)
    renderers: dict[str, Callable[[], str]] = {"table": text, "json": lambda: to_json(document),
                                               "yaml": lambda: to_yaml(document)}
    app_ctx.emit(renderers[fmt]())


@app.command("validate")
def validate(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(
        help="Chains directory (a file means its directory); default: --chains.",
        show_default=False)] = None,
    output: Output = None,
) -> None:
    """Check chain files; exit 0 when valid, 3 listing every problem as file:line."""
    from aspirectl.catalog.loader import validate_catalog
    from aspirectl.errors import ConfigError
    from aspirectl.render.chains import problems_text
    from aspirectl.render.structured import to_json, to_yaml
    from aspirectl.status import ExitStatus

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, FORMATS)
    target = path or app_ctx.settings.chains_dir
    if target.is_file():
        app_ctx.say(f"note: {target} is one file of the catalog in {target.parent}: a file is "
                    "checked with the rest of its catalog, so the whole directory is validated")
        target = target.parent
    if not target.exists():
        raise ConfigError(f"no such chains directory: {target}")
    catalog, problems = validate_catalog(target)
    from aspirectl.documents import validation

    document = validation(target, catalog, problems)
    if fmt == "table":
        if problems:
            app_ctx.emit(problems_text(problems))
        else:
            assert catalog is not None
            app_ctx.emit(f"{target}: valid — {len(catalog.families)} families, "
                         f"{len(catalog.aliases)} aliases, {len(catalog.upstreams)} upstreams\n")
    else:
        app_ctx.emit(to_json(document) if fmt == "json" else to_yaml(document))
    raise typer.Exit(int(ExitStatus.CONFIG) if problems else 0)


@app.command("graph")
def graph(
    ctx: typer.Context,
    live: Annotated[bool, typer.Option("--live", help="Probe every hop now and draw the live chain.")]
    = False,
    cached: Annotated[bool, typer.Option("--cached", help="Draw the live chain of the last probe.")]
    = False,
    usage_since: Annotated[str | None, typer.Option(
        "--usage", help="Label each edge with the share of traffic it served since WHEN (24h, 7d): "
        "the gateway's request log, as 'aspirectl usage' reads it.", metavar="WHEN",
        show_default=False)] = None,
    via_gateway: ViaGateway = False,
    timeout: Timeout = 10.0,
    deadline: Deadline = 20.0,
    output: Output = None,
) -> None:
    """Mermaid 'graph LR' of families, hops and fallbacks (paste into any Markdown); with
    --live or --cached every hop carries its state and the path traffic takes now is thick."""
    from aspirectl.errors import UsageError
    from aspirectl.render.mermaid import declared_mermaid

    app_ctx = app_context(ctx)
    fmt = app_ctx.output(output, "chains graph")
    if live and cached:
        raise UsageError("--live and --cached exclude each other")
    catalog = app_ctx.catalog()
    if not (live or cached):
        if usage_since:
            raise UsageError("--usage labels the live chain: add --live or --cached")
        if fmt == "json":
            raise UsageError("-o json draws the live chain: add --live or --cached",
                             hint="the declared chain as JSON is 'chains list -o json'")
        app_ctx.emit(declared_mermaid(catalog))
        return
    from aspirectl import documents
    from aspirectl.checks import ProbeRequest, check_limits, egress_route, gateway_urls, route_aliases
    from aspirectl.cli.progress import progress_for
    from aspirectl.graph import build
    from aspirectl.probe.options import RunOptions
    from aspirectl.render.mermaid import live_mermaid
    from aspirectl.render.structured import to_json

    check_limits(timeout, deadline)
    aliases = list(catalog.aliases)
    if via_gateway and not live:
        raise UsageError("--via-gateway probes now: add --live")
    via = egress_route(catalog, gateway_urls(app_ctx.settings.gateway_urls, catalog), via_gateway,
                       "chains graph --live") if live else None
    request = ProbeRequest(aliases, RunOptions(timeout=timeout, deadline=deadline), via=via)
    if live:
        app_ctx.announce_credentials(catalog, aliases, via)
    with progress_for(app_ctx, enabled=live) as progress:
        routed = route_aliases(catalog, aliases, "live" if live else "cached", request,
                               app_ctx.resolver() if live else None, progress)
    shares = _usage_shares(app_ctx, catalog, usage_since) if usage_since else None
    picture = build(catalog, routed.decisions, routed.source, shares)
    if fmt == "json":
        app_ctx.emit(to_json(documents.graph(picture, catalog)))
    else:
        app_ctx.emit(live_mermaid(picture))
    raise typer.Exit(int(routed.status))


def _usage_shares(app_ctx: Any, catalog: Any, since: str) -> dict[tuple[str, str], float]:
    from aspirectl.keys import service
    from aspirectl.usage import hop_shares

    return hop_shares(service.db_url(app_ctx.settings.db_url, app_ctx.resolver()), catalog, since)


@app.command("export")
def export(
    ctx: typer.Context,
    format_: Annotated[str, typer.Option("--format", help="Only 'litellm': a LiteLLM proxy config.yaml.")]
    = "litellm",
    check: Annotated[Path | None, typer.Option(
        "--check", help="Compare this running config with the chains instead; exit 1 on drift.",
        metavar="CONFIG", dir_okay=False)] = None,
    write: Annotated[Path | None, typer.Option(
        "--write", help="Write DIR/config.yaml, DIR/gateway.env.example and the custom provider files "
        "it needs, instead of stdout.", metavar="DIR", file_okay=False)] = None,
    litellm_version: Annotated[str | None, typer.Option(
        "--litellm-version", help="The gateway's LiteLLM release (default: ASPIRECTL_LITELLM_VERSION, "
        "else the gateway's readiness answer with --gateway-url, else 1.108.7).", metavar="X.Y.Z",
        show_default=False)] = None,
) -> None:
    """The chains as a LiteLLM proxy config (one deployment per hop, fallbacks in chain order),
    for the gateway's LiteLLM release."""
    from aspirectl.errors import ConfigError, UsageError
    from aspirectl.gateway.export import gateway_env_text, litellm_yaml
    from aspirectl.keys import service

    app_ctx = app_context(ctx)
    if format_ != "litellm":
        raise UsageError(f"unknown export format '{format_}'", hint="the only format is litellm")
    catalog = app_ctx.catalog()
    target, source = service.learn_release(litellm_version, app_ctx.settings.gateway_url)
    if target is not None and (app_ctx.settings.tty or app_ctx.settings.verbose):
        app_ctx.say(f"for LiteLLM {target} ({source})")
    if check is None and write is not None:
        from aspirectl.gateway.export import HANDLER_FILE, handler_source, needs_handler
        from aspirectl.safefile import atomic_write

        write.mkdir(parents=True, exist_ok=True)
        atomic_write(write / "config.yaml", litellm_yaml(catalog, target), 0o644, what="config")
        atomic_write(write / "gateway.env.example", gateway_env_text(catalog, target), 0o644,
                     what="environment example")
        written = [write / "config.yaml", write / "gateway.env.example"]
        if needs_handler(catalog):
            atomic_write(write / HANDLER_FILE, handler_source(), 0o644, what="custom provider")
            written.append(write / HANDLER_FILE)
        app_ctx.say("wrote " + ", ".join(str(p) for p in written))
        return
    if check is None:
        app_ctx.emit(litellm_yaml(catalog, target))
        return
    from aspirectl.gateway.drift import compare_config

    if not check.is_file():
        raise ConfigError(f"no such config file: {check}")
    differences = compare_config(catalog, check, target)
    if not differences:
        app_ctx.emit(f"{check} matches the catalog {Path(catalog.directory).resolve()}: no drift\n")
        return
    app_ctx.emit("".join(f"{d}\n" for d in differences) + f"{len(differences)} difference"
                 f"{'s' if len(differences) != 1 else ''} between {check} and the chains\n")
    raise typer.Exit(1)
