"""The probe/route/demo workflows as functions: catalog + credentials in, Assessment out."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from aspirectl.errors import UnknownName, UsageError

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.health import Assessment
    from aspirectl.probe.options import RunOptions
    from aspirectl.probe.report import ProbeReport
    from aspirectl.probe.runner import Progress
    from aspirectl.routing import Decision
    from aspirectl.secrets.store import Resolver
    from aspirectl.state import SavedState, Transition
    from aspirectl.status import Health


def select_aliases(catalog: Catalog, names: list[str] | None) -> list[str]:
    """Alias and family names -> aliases (all when none given); unknown names are usage errors."""
    for name in names or []:
        if name not in catalog.aliases and name not in catalog.families:
            raise UnknownName("alias or family", name, catalog.names)
    return catalog.expand(names) if names else list(catalog.aliases)


def check_url(url: str, what: str, option: str) -> str:
    """An http(s) URL with a host, or a usage error (never 'gateway down' for a typo)."""
    from urllib.parse import urlsplit

    from aspirectl.secrets.redact import display_url
    from aspirectl.textsafe import one_line

    shown = one_line(display_url(url), 200)  # a password (or a token as the user) is never echoed
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option} '{shown}' is not a URL of the {what}",
                         hint="use http(s)://HOST[:PORT], e.g. http://gateway:4000")
    if parts.username or parts.password:
        # httpx would send it as 'Authorization: Basic', in place of the gateway's Bearer key
        raise UsageError(f"{option} '{shown}' carries credentials",
                         hint="the gateway's keys are credentials of their own (gateway-key, "
                              "gateway-admin-key), sent as a Bearer; name the URL without user:password")
    del port
    return url.strip().rstrip("/")


def check_limits(timeout: float, deadline: float) -> None:
    if timeout <= 0:
        raise UsageError(f"--timeout must be more than 0 seconds, got {timeout:g}")
    if deadline <= 0:
        raise UsageError(f"--deadline must be more than 0 seconds, got {deadline:g}")


_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    import ipaddress

    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_credentials(catalog: Catalog, aliases: list[str]) -> list[str]:
    """One line per upstream of these aliases (their fallbacks too) whose credential would
    cross a network unencrypted: http:// to a host that is not loopback."""
    from urllib.parse import urlsplit

    from aspirectl.catalog.model import AuthScheme
    from aspirectl.probe.plan import with_fallbacks

    out: list[str] = []
    seen: set[str] = set()
    for alias in with_fallbacks(catalog, aliases):
        for hop in catalog.hops(alias):
            upstream = catalog.upstreams[hop.upstream]
            if upstream.name in seen or upstream.auth.scheme is AuthScheme.NONE:
                continue
            seen.add(upstream.name)
            parts = urlsplit(upstream.base_url)
            if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
                out.append(f"{upstream.name}'s credential '{upstream.auth.credential}' goes over plain "
                           f"http to {parts.hostname} (use https, or keep that host on a private network)")
    return out


def plain_http_gateway(url: str) -> list[str]:
    """The gateway key would cross a network unencrypted: http:// to a host that is not loopback."""
    from urllib.parse import urlsplit

    from aspirectl.secrets.redact import display_url

    parts = urlsplit(url)
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        return [f"the gateway key goes over plain http to {display_url(url)} (use https, or keep the "
                "gateway on a private network)"]
    return []


class ProbeRequest(NamedTuple):
    aliases: list[str]
    options: RunOptions
    deep: bool = False
    via: str | None = None  # probe every hop through this gateway (its URL), not directly


def gateway_urls(flagged: tuple[str, ...], catalog: Catalog) -> tuple[str, ...]:
    """The gateway's replicas: --gateway-url (repeatable) or ASPIRECTL_GATEWAY_URL, else the
    catalog's gateway.replicas; each checked as a URL (a typo is a usage error, never 'down')."""
    urls = [check_url(u, "gateway", "--gateway-url") for u in flagged] or list(catalog.gateway.replicas)
    return tuple(dict.fromkeys(urls))


def egress_route(catalog: Catalog, urls: tuple[str, ...], via_gateway: bool, command: str) -> str | None:
    """The gateway to probe every hop through, or None to reach each upstream directly.

    Through the gateway when asked (--via-gateway) or when the catalog declares the gateway the
    only egress (gateway.egress: gateway-only): then aspirectl never contacts an upstream."""
    if not (via_gateway or catalog.gateway.only_egress):
        return None
    if not urls:
        raise UsageError(f"{command} --via-gateway needs the gateway's URL",
                         hint="pass --gateway-url URL before the command, set ASPIRECTL_GATEWAY_URL, "
                              "or list it under gateway.replicas in upstreams.yaml")
    return urls[0]


def egress_note(catalog: Catalog, via: str | None) -> str:
    """One line for people: how the upstreams were reached, and why."""
    from aspirectl.secrets.redact import display_url

    if via is None:
        return ""
    why = ("the catalog declares the gateway the only egress (gateway.egress: gateway-only)"
           if catalog.gateway.only_egress else "--via-gateway")
    return (f"every hop probed through the gateway {display_url(via)} ({why}); no upstream was "
            "contacted directly")


def probe_aliases(catalog: Catalog, request: ProbeRequest, resolver: Resolver,
                  on_progress: Progress | None = None) -> Assessment:
    from aspirectl.health import assess
    from aspirectl.probe.plan import plan_targets
    from aspirectl.probe.runner import probe

    targets = plan_targets(catalog, request.aliases, resolver, request.deep, via=request.via)
    report = probe(targets, request.options, deep=request.deep, on_progress=on_progress)
    return assess(catalog, report, request.aliases)


class Routed(NamedTuple):
    decisions: list[Decision]
    status: Health
    source: str  # live | cached | offline
    note: str  # where the answer came from, for people ("cached probe of ... from 3 min ago")
    via: str | None = None  # the gateway every hop was probed through (display URL)


def route_aliases(catalog: Catalog, aliases: list[str], how: str, request: ProbeRequest | None,
                  resolver: Resolver | None, on_progress: Progress | None = None) -> Routed:
    """Who serves each alias: ``how`` is "live" (probe now), "cached" (the last probe of this
    very catalog) or "offline" (declared states only, no network)."""
    from pathlib import Path

    from aspirectl.errors import ConfigError
    from aspirectl.routing import resolve, worst

    note = ""
    report: ProbeReport | None
    if how == "offline":
        report, note = None, " (offline: declared states only, nothing probed)"
    elif how == "cached":
        from aspirectl.probe.plan import with_fallbacks
        from aspirectl.state import load_state

        saved = load_state(catalog.directory)
        if saved is None:
            raise ConfigError(f"no saved probe of the catalog {Path(catalog.directory).resolve()}",
                              hint="run 'aspirectl probe' with the same --chains first")
        report = saved.report()
        note = f" (cached probe of {saved.chains_dir} from {saved.age_s() / 60:.0f} min ago)"
        missing = [a for a in with_fallbacks(catalog, aliases)
                   if all(report.result(a, h.upstream) is None for h in catalog.hops(a))]
        if missing:
            note += f"; not in the cache, judged on declared states: {', '.join(missing)}"
    else:
        assert request is not None and resolver is not None
        report = probe_aliases(catalog, request, resolver, on_progress).report
        if report.via:
            note = f" (every hop asked through the gateway {report.via}, fallbacks and retries off)"
    decisions = [resolve(catalog, report, a) for a in aliases]
    return Routed(decisions, worst([d.status for d in decisions]),
                  report.source if report else "offline", note, report.via if report else None)


class MonitoredRun(NamedTuple):
    assessment: Assessment
    previous: SavedState | None
    changes: list[Transition]
    last_success: float | None  # the catalog's last complete run with a verdict (epoch s)


def monitored_probe(catalog: Catalog, request: ProbeRequest, resolver: Resolver, *,
                    gateway_urls: tuple[str, ...] = (), on_progress: Progress | None = None) -> MonitoredRun:
    """The probe as cron runs it: runs of one catalog take turns (flock, waiting up to the
    run's deadline), the gateway asked when a URL is given, the catalog's acknowledgements
    applied, the result merged into the state file and compared with the previous run."""
    from aspirectl.acks import apply_acks, load_acks
    from aspirectl.state import exclusive_run, load_state, lock_file, save_state, transitions

    acks = load_acks(catalog.directory)
    with exclusive_run(lock_file(catalog.directory), wait_s=request.options.deadline):
        previous = load_state(catalog.directory)
        assessment = probe_aliases(catalog, request, resolver, on_progress)
        if gateway_urls:
            from aspirectl.gateway.check import GATEWAY_KEY, gateway_for

            assessment = gateway_for(assessment, gateway_urls, resolver.value(GATEWAY_KEY),
                                     request.options.timeout, request.options.deadline, catalog)
        assessment = apply_acks(assessment, acks)
        document = assessment.to_dict()
        changes = transitions(previous, document)
        complete = set(catalog.aliases) <= set(request.aliases)
        last = save_state(document, previous, str(catalog.directory), complete=complete)
    return MonitoredRun(assessment, previous, changes, last.timestamp() if last else None)
