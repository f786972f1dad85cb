"""What actually served, and what it cost: the gateway's own request log (LiteLLM_SpendLogs)
read against the chains.

Facts from LiteLLM (``get_logging_payload`` in ``proxy/spend_tracking/spend_tracking_utils.py``
and ``schema.prisma``, read in releases 1.80.0 and 1.108.7): one row per request, not per
attempt; ``model_id`` is the ``model_info.id`` of the deployment that served (the export makes
it ``ALIAS@UPSTREAM``), ``model_group`` the group that served (after a fallback, the
fallback's group); ``api_key`` the key's SHA-256; ``spend`` LiteLLM's list price;
``cache_hit`` the text ``True``/``False``/``None``; ``status`` ``success``/``failure``;
``request_duration_ms`` from proxy-extras 0.4.x of 2026 on (else ``endTime - startTime``);
``metadata.error_information.error_class`` on failures; ``metadata.original_model_group`` and
``attempted_fallbacks`` from LiteLLM 1.100 on.

All counting, summing and percentiles happen in SQL (the ``startTime`` index bounds the scan);
Python only maps the few aggregated groups onto the chains. Subscription, free-tier and owned
hops cost $0 at the margin whatever LiteLLM priced them at; only ``paid`` hops leak money.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from aspirectl.errors import UsageError

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.keys.db import Database
    from aspirectl.status import Health

SPEND = "LiteLLM_SpendLogs"
TOKENS = "LiteLLM_VerificationToken"
PAID = "paid"
UNATTRIBUTED = "(unattributed)"

# --------------------------------------------------------------------------- window

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Window(NamedTuple):
    since: datetime
    until: datetime

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400


def parse_moment(text: str, now: datetime, flag: str) -> datetime:
    """'24h', '7d', '90m', '2w' (ago), or an ISO date / date-time (UTC unless it says)."""
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        return now - timedelta(seconds=int(relative.group(1)) * _UNIT[relative.group(2)])
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{flag} '{value}' is neither a duration nor a date",
                         hint="use e.g. 24h, 7d, 2w, 2026-11-20 or 2026-11-20T06:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window(since: str, until: str | None, now: datetime | None = None) -> Window:
    now = now or datetime.now(UTC)
    start = parse_moment(since, now, "--since")
    end = parse_moment(until, now, "--until") if until else now
    if end <= start:
        raise UsageError("--until must be later than --since")
    return Window(start, end)


# ------------------------------------------------------------------------------ SQL

class Group(NamedTuple):
    """One aggregated group of request rows (never one row)."""

    model_id: str
    model_group: str
    requested: str  # metadata.original_model_group (LiteLLM >= 1.100), else ""
    failed: bool
    cache_hit: bool
    cause: str  # metadata.error_information.error_class of failures
    api_key: str  # the key's hash ("" unless grouped by consumer)
    consumer: str | None  # key_alias of that hash, if the key is known
    key_name: str | None
    requests: int
    spend: float
    p50_ms: float | None
    p95_ms: float | None


def _pg_sql(columns: list[str], by_consumer: bool, join_tokens: bool) -> str:
    duration = ('COALESCE(request_duration_ms::float8, EXTRACT(EPOCH FROM ("endTime" - "startTime")) * 1000)'
                if "request_duration_ms" in columns else
                'EXTRACT(EPOCH FROM ("endTime" - "startTime")) * 1000')
    key = "s.api_key" if by_consumer else "''"
    who = ("t.key_alias, t.key_name" if by_consumer and join_tokens else "NULL::text AS key_alias, "
           "NULL::text AS key_name")
    join = f'LEFT JOIN "{TOKENS}" t ON t.token = s.api_key' if by_consumer and join_tokens else ""
    return f"""
        SELECT COALESCE(s.model_id, '') AS model_id, COALESCE(s.model_group, '') AS model_group,
               COALESCE(s.metadata->>'original_model_group', '') AS requested,
               COALESCE(s.status, 'success') = 'failure' AS failed,
               COALESCE(s.cache_hit, '') = 'True' AS cache_hit,
               CASE WHEN COALESCE(s.status, 'success') = 'failure'
                    THEN COALESCE(NULLIF(s.metadata->'error_information'->>'error_class', ''), 'unknown')
                    ELSE '' END AS cause,
               {key} AS api_key, {who},
               COUNT(*) AS requests, COALESCE(SUM(s.spend), 0) AS spend,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY {duration}) AS p50_ms,
               percentile_disc(0.95) WITHIN GROUP (ORDER BY {duration}) AS p95_ms
        FROM "{SPEND}" s {join}
        WHERE s."startTime" >= %s AND s."startTime" < %s
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    """


def _sqlite_sql(columns: list[str], by_consumer: bool, join_tokens: bool) -> str:
    elapsed = '(julianday(s."endTime") - julianday(s."startTime")) * 86400000.0'
    duration = f"COALESCE(s.request_duration_ms, {elapsed})" if "request_duration_ms" in columns else elapsed
    key = "s.api_key" if by_consumer else "''"
    who = "t.key_alias AS key_alias, t.key_name AS key_name" if by_consumer and join_tokens else \
        "NULL AS key_alias, NULL AS key_name"
    join = f'LEFT JOIN "{TOKENS}" t ON t.token = s.api_key' if by_consumer and join_tokens else ""
    keys = "model_id, model_group, requested, failed, cache_hit, cause, api_key, key_alias, key_name"
    # Nearest-rank percentiles with window functions: the smallest duration whose rank is at
    # least p * n within its group.
    return f"""
        WITH rows AS (
            SELECT COALESCE(s.model_id, '') AS model_id, COALESCE(s.model_group, '') AS model_group,
                   COALESCE(json_extract(s.metadata, '$.original_model_group'), '') AS requested,
                   COALESCE(s.status, 'success') = 'failure' AS failed,
                   COALESCE(s.cache_hit, '') = 'True' AS cache_hit,
                   CASE WHEN COALESCE(s.status, 'success') = 'failure'
                        THEN COALESCE(NULLIF(json_extract(s.metadata, '$.error_information.error_class'), ''),
                                      'unknown')
                        ELSE '' END AS cause,
                   {key} AS api_key, {who}, s.spend AS spend, {duration} AS duration
            FROM "{SPEND}" s {join}
            WHERE s."startTime" >= ? AND s."startTime" < ?
        ), ranked AS (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY duration) AS rn,
                      COUNT(*) OVER (PARTITION BY {keys}) AS n
            FROM rows
        )
        SELECT {keys}, COUNT(*) AS requests, COALESCE(SUM(spend), 0) AS spend,
               MIN(CASE WHEN rn >= 0.5 * n THEN duration END) AS p50_ms,
               MIN(CASE WHEN rn >= 0.95 * n THEN duration END) AS p95_ms
        FROM ranked GROUP BY {keys}
    """


def read_groups(db: Database, span: Window, by_consumer: bool) -> list[Group]:
    """The request log of the window, aggregated in the database."""
    columns = db.columns(SPEND)
    join_tokens = bool(db.columns(TOKENS))
    # LiteLLM stores "startTime" as a UTC timestamp without a zone: compare with naive UTC.
    since, until = (m.astimezone(UTC).replace(tzinfo=None) for m in span)
    if db.kind == "postgresql":
        sql, params = _pg_sql(columns, by_consumer, join_tokens), [since, until]
    else:
        sql, params = _sqlite_sql(columns, by_consumer, join_tokens), [db.time(since), db.time(until)]
    groups = []
    for row in db.query(sql, params):
        groups.append(Group(
            model_id=str(row["model_id"] or ""), model_group=str(row["model_group"] or ""),
            requested=str(row["requested"] or ""), failed=bool(row["failed"]),
            cache_hit=bool(row["cache_hit"]), cause=str(row["cause"] or ""),
            api_key=str(row["api_key"] or ""), consumer=row.get("key_alias"), key_name=row.get("key_name"),
            requests=int(row["requests"]), spend=float(row["spend"] or 0),
            p50_ms=None if row["p50_ms"] is None else float(row["p50_ms"]),
            p95_ms=None if row["p95_ms"] is None else float(row["p95_ms"])))
    return groups


# -------------------------------------------------------------------------- results

@dataclass
class HopUsage:
    deployment: str  # model_id as logged: ALIAS@UPSTREAM for the chains' own deployments
    upstream: str | None  # None: a deployment the chains do not know
    served_alias: str | None
    position: int | None  # in the served alias's chain
    billing: str
    # "chain", "declared fallback", "declared cross-family fallback", "undeclared fallback",
    # or "unknown deployment"
    route: str
    requests: int = 0
    list_spend: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    share: float = 0.0  # of the alias's served requests

    @property
    def paid(self) -> bool:
        return self.billing == PAID

    @property
    def marginal_spend(self) -> float:
        return self.list_spend if self.paid else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "upstream": self.upstream, "served_alias": self.served_alias,
                "position": self.position, "billing": self.billing, "route": self.route,
                "requests": self.requests, "share": round(self.share, 4),
                "list_spend": round(self.list_spend, 6), "marginal_spend": round(self.marginal_spend, 6),
                "p50_ms": None if self.p50_ms is None else round(self.p50_ms, 1),
                "p95_ms": None if self.p95_ms is None else round(self.p95_ms, 1)}


@dataclass
class AliasUsage:
    alias: str
    hops: dict[str, HopUsage] = field(default_factory=dict)
    cache_hits: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    status: Health | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def served(self) -> int:
        return sum(h.requests for h in self.hops.values())

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def requests(self) -> int:
        """Every request that reached an upstream or failed (cache hits apart)."""
        return self.served + self.failed

    @property
    def paid_requests(self) -> int:
        return sum(h.requests for h in self.hops.values() if h.paid)

    @property
    def paid_share(self) -> float:
        return self.paid_requests / self.served if self.served else 0.0

    @property
    def paid_spend(self) -> float:
        return sum(h.marginal_spend for h in self.hops.values())

    @property
    def list_spend(self) -> float:
        return sum(h.list_spend for h in self.hops.values())

    @property
    def failure_share(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    @property
    def via_fallback(self) -> int:
        return sum(h.requests for h in self.hops.values() if "fallback" in h.route)

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "status": self.status.name if self.status is not None else "OK",
                "requests": self.requests, "served": self.served, "cache_hits": self.cache_hits,
                "failed": self.failed, "failure_share": round(self.failure_share, 4),
                "failures": dict(sorted(self.failures.items())),
                "paid_requests": self.paid_requests, "paid_share": round(self.paid_share, 4),
                "paid_spend": round(self.paid_spend, 6), "list_spend": round(self.list_spend, 6),
                "via_fallback": self.via_fallback,
                "hops": [h.to_dict() for h in sorted(self.hops.values(), key=_hop_order)],
                "reasons": list(self.reasons)}


def _hop_order(h: HopUsage) -> tuple[int, int, str]:
    rank = {"chain": 0, "declared fallback": 1, "declared cross-family fallback": 1,
            "undeclared fallback": 2, "unknown deployment": 3}.get(h.route, 4)
    return (rank, h.position or 99, h.deployment)


@dataclass
class ConsumerUsage:
    consumer: str  # key_alias, or a description of an unknown key
    key_name: str | None
    alias: str
    requests: int = 0
    via_fallback: int = 0
    cross_family: int = 0
    paid_requests: int = 0
    paid_spend: float = 0.0
    failed: int = 0
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"consumer": self.consumer, "key_name": self.key_name, "alias": self.alias,
                "requests": self.requests, "via_fallback": self.via_fallback,
                "cross_family": self.cross_family, "paid_requests": self.paid_requests,
                "paid_spend": round(self.paid_spend, 6), "failed": self.failed, "advice": self.advice}


@dataclass
class UsageReport:
    window: Window
    aliases: list[AliasUsage]
    unknown: list[HopUsage]  # deployments the chains do not know: never folded into an alias
    unattributed_failures: dict[str, int]
    consumers: list[ConsumerUsage] | None
    rows_without_original_group: int  # served rows whose requested alias LiteLLM did not record
    status: Health
    reasons: list[str]
    thresholds: Thresholds = field(default_factory=lambda: Thresholds())

    @property
    def empty(self) -> bool:
        return not self.aliases and not self.unknown and not self.unattributed_failures


# -------------------------------------------------------------------------- mapping

class Thresholds(NamedTuple):
    max_paid_share: float | None = None  # percent
    max_failure_share: float | None = None  # percent


def _deployments(catalog: Catalog) -> dict[str, tuple[str, str, int]]:
    """ALIAS@UPSTREAM -> (alias, upstream, position), as chains export names them."""
    from aspirectl.gateway.export import deployment_id

    out = {}
    for alias in catalog.aliases:
        for position, hop in enumerate(catalog.hops(alias), 1):
            out[deployment_id(alias, hop.upstream)] = (alias, hop.upstream, position)
    return out


def _route(catalog: Catalog, requested: str, served: str) -> str:
    """How a request for ``requested`` came to be served by ``served``'s chain."""
    if requested == served:
        return "chain"
    current, seen = requested, set()
    while current and current not in seen:  # a fallback of a fallback is still declared
        seen.add(current)
        fallback = catalog.fallback(current)
        if fallback is None:
            break
        if fallback.target == served:
            crosses = catalog.aliases[requested].family != catalog.aliases[served].family
            return "declared cross-family fallback" if crosses else "declared fallback"
        current = fallback.target
    return "undeclared fallback"


def summarise(catalog: Catalog, groups: list[Group], span: Window, aliases: list[str] | None,
              thresholds: Thresholds, consumer_groups: list[Group] | None = None) -> UsageReport:
    """``groups`` aggregated by deployment (exact percentiles per hop); ``consumer_groups``,
    when asked for, the same rows aggregated by key as well."""
    from aspirectl.routing import worst
    from aspirectl.status import Health

    known = _deployments(catalog)
    wanted = set(aliases) if aliases else None
    per_alias: dict[str, AliasUsage] = {}
    unknown: dict[str, HopUsage] = {}
    unattributed: dict[str, int] = {}
    consumers: dict[tuple[str, str], ConsumerUsage] = {}
    without_original = 0

    def requested_of(g: Group) -> str:
        if g.requested:
            return g.requested
        if g.model_id in known:
            return known[g.model_id][0]
        group = g.model_group.split("@", 1)[0]
        return group if group in catalog.aliases else ""

    for g in groups:
        requested = requested_of(g)
        if g.failed and not requested:
            unattributed[g.cause] = unattributed.get(g.cause, 0) + g.requests
            continue
        if wanted is not None and requested not in wanted:
            continue
        if not g.failed and not g.cache_hit and not g.requested and g.model_id in known:
            without_original += g.requests
        if g.model_id and g.model_id not in known and not g.failed:
            hop = unknown.setdefault(g.model_id, HopUsage(g.model_id, None, None, None, "unknown",
                                                         "unknown deployment"))
            _add(hop, g)
            if requested:
                per_alias.setdefault(requested, AliasUsage(requested))
            continue
        if not requested:
            continue
        usage = per_alias.setdefault(requested, AliasUsage(requested))
        if g.cache_hit:
            usage.cache_hits += g.requests
            continue
        if g.failed:
            usage.failures[g.cause] = usage.failures.get(g.cause, 0) + g.requests
            continue
        served_alias, upstream, position = known[g.model_id]
        billing = catalog.upstreams[upstream].billing.value
        route = _route(catalog, requested, served_alias)
        hop = usage.hops.setdefault(g.model_id, HopUsage(g.model_id, upstream, served_alias, position,
                                                         billing, route))
        _add(hop, g)

    for g in consumer_groups or []:
        requested = requested_of(g)
        if not requested or g.cache_hit or (wanted is not None and requested not in wanted):
            continue
        row = _consumer(consumers, g, requested)
        if g.failed:
            row.failed += g.requests
            continue
        if g.model_id not in known:
            continue
        served_alias, upstream, _ = known[g.model_id]
        route = _route(catalog, requested, served_alias)
        row.requests += g.requests
        if "fallback" in route:
            row.via_fallback += g.requests
        if "cross-family" in route:
            row.cross_family += g.requests
            fallback = catalog.fallback(requested)
            row.advice = fallback.advice if fallback and fallback.advice else \
                f"name {served_alias} explicitly instead of relying on the fallback"
        if catalog.upstreams[upstream].billing.value == PAID:
            row.paid_requests += g.requests
            row.paid_spend += g.spend

    for usage in per_alias.values():
        served = usage.served
        for hop in usage.hops.values():
            hop.share = hop.requests / served if served else 0.0
        usage.status, usage.reasons = _judge(usage, thresholds)
    ordered = [per_alias[a] for a in catalog.aliases if a in per_alias]
    ordered += [u for a, u in per_alias.items() if a not in catalog.aliases]
    states = [u.status for u in ordered if u.status is not None]
    reasons = [f"{u.alias}: {r}" for u in ordered for r in u.reasons]
    if unknown:
        reasons.append(f"{len(unknown)} deployment(s) not in the chains served traffic: "
                       + ", ".join(sorted(unknown)))
    return UsageReport(span, ordered, sorted(unknown.values(), key=lambda h: -h.requests), unattributed,
                       sorted(consumers.values(), key=lambda c: (c.consumer, c.alias))
                       if consumer_groups is not None else None,
                       without_original, worst(states) if states else Health.OK, reasons, thresholds)


def usage_report(db_url: str | None, catalog: Catalog, span: Window, aliases: list[str] | None,
                 thresholds: Thresholds, by_consumer: bool) -> UsageReport:
    """The whole workflow: open the gateway DB (its request log is required), aggregate in
    SQL, map onto the chains. A database that cannot be read is UNKNOWN (ConfigError), never
    the gateway failing."""
    from aspirectl.errors import ConfigError, OperationFailed
    from aspirectl.keys.db import open_database

    try:
        db = open_database(db_url, require=(SPEND,))
    except OperationFailed as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    try:
        groups = read_groups(db, span, by_consumer=False)
        consumer_groups = read_groups(db, span, by_consumer=True) if by_consumer else None
    except OperationFailed as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    finally:
        db.close()
    return summarise(catalog, groups, span, aliases, thresholds, consumer_groups)


def hop_shares(db_url: str | None, catalog: Catalog, since: str) -> dict[tuple[str, str], float]:
    """(alias, deployment) -> the share of the alias's traffic that deployment served since
    WHEN: the labels of `chains graph --usage`."""
    report = usage_report(db_url, catalog, window(since, None), None, Thresholds(), by_consumer=False)
    return {(u.alias, h.deployment): h.share for u in report.aliases for h in u.hops.values()}


def _add(hop: HopUsage, g: Group) -> None:
    total = hop.requests + g.requests
    # One hop of one requested alias is one SQL group (exact percentiles); only rows that
    # name no requested alias (pre-1.100) and rows that do can meet here: weighted, then.
    for name, value in (("p50_ms", g.p50_ms), ("p95_ms", g.p95_ms)):
        if value is None:
            continue
        current = getattr(hop, name)
        merged = value if current is None else (current * hop.requests + value * g.requests) / total
        setattr(hop, name, merged)
    hop.requests = total
    hop.list_spend += g.spend


def _consumer(consumers: dict[tuple[str, str], ConsumerUsage], g: Group, alias: str) -> ConsumerUsage:
    name = g.consumer or ("(the master key or a key not in LiteLLM_VerificationToken)" if g.api_key
                          else "(no key)")
    return consumers.setdefault((name, alias), ConsumerUsage(name, g.key_name, alias))


def _judge(usage: AliasUsage, thresholds: Thresholds) -> tuple[Health, list[str]]:
    from aspirectl.status import Health

    status, reasons = Health.OK, []
    if thresholds.max_failure_share is not None and usage.requests and \
            usage.failure_share * 100 > thresholds.max_failure_share:
        status = Health.CRITICAL
        reasons.append(f"{usage.failure_share:.1%} of requests failed "
                       f"(over {thresholds.max_failure_share:g}%)")
    if thresholds.max_paid_share is not None and usage.served and \
            usage.paid_share * 100 > thresholds.max_paid_share:
        status = max(status, Health.WARNING)
        reasons.append(f"leaked to paid API: {usage.paid_share:.0%} of {usage.alias}, "
                       f"${usage.paid_spend:,.2f} (over {thresholds.max_paid_share:g}%)")
    return status, reasons


def check_thresholds(thresholds: Thresholds) -> None:
    for flag, value in (("--max-paid-share", thresholds.max_paid_share),
                        ("--max-failure-share", thresholds.max_failure_share)):
        if value is not None and not 0 <= value <= 100:
            raise UsageError(f"{flag} is a percentage from 0 to 100, got {value:g}")
