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

Failure rows, as LiteLLM wrote them on loopback (tests/test_usage_real_rows.py): when every
hop failed, 1.80.0 and 1.85.0 put the LAST deployment tried in ``model_id``/``model_group``,
and 1.80.0 the alias asked for in ``model`` (1.85.0 that last deployment's model); 1.108.7
the alias's first deployment and ``original_model_group``. A failure row is attributed to the
alias its ``model`` names where it names one (1.80.0), else as the ids say. For those two
releases the export gives each alias its own copies of the deployments its fallback reaches
(``REQUESTER>ALIAS@UPSTREAM``, litellm/naming.py): a row whose id is a copy is the
requester's traffic, served (or failed) by the deployment it copies, whatever its ``model``
says. A request the gateway refused before any upstream (its key, its model access:
``releases.GATEWAY_REFUSALS``, or 1.80.0/1.85.0's ``ProxyException`` with blank ids) is
counted apart, as refused by the gateway, never as the alias failing.

1.108.7 also writes a row for every earlier attempt of a request that was billed although it
failed (``request_id`` ``<id>-attempt-N``, ``metadata.billed_retry_attempt``: "keeps its spend
... without counting it as a request the caller sent", proxy_track_cost_callback.py): its spend
counts, as a billed retry, never as a request. Spend on failure rows counts too (what failed
was paid for); a paid hop's request with tokens but no spend is "unpriced" (LiteLLM knows no
price for the model), never "$0.00".

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
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.keys.db import Database
    from aspirectl.status import Health

SPEND = "LiteLLM_SpendLogs"
TOKENS = "LiteLLM_VerificationToken"
PAID = "paid"

# --------------------------------------------------------------------------- window

_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])\Z")
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
        try:
            return now - timedelta(seconds=int(relative.group(1)) * _UNIT[relative.group(2)])
        except (OverflowError, ValueError):
            raise UsageError(f"{flag} '{value[:40]}' reaches before the year 1",
                             hint="use a shorter duration or a date") from None
    try:
        moment = datetime.fromisoformat(value)  # Python 3.11+ reads a trailing Z itself
    except ValueError:
        raise UsageError(f"{flag} '{one_line(value, 40)}' is neither a duration nor a date",
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
#
# Everything that grows with the log is bounded in the database: rows are mapped onto the
# chains in SQL (a requested group, served deployment or model group the chains do not name
# becomes '' or '?', so a million distinct hostile strings make one group, not a million),
# failure causes beyond the TOP_CAUSES most frequent are '(other)', and deployments the chains
# do not know and consumers are limited to the ``top`` busiest, the rest counted as "N more".
# Python receives at most a few hundred groups whatever the log holds.

UNKNOWN_DEPLOYMENT = "?"  # model_id of a served row whose deployment the chains do not name
OTHER_CAUSE = "(other)"
TOP_CAUSES = 20
DEFAULT_TOP = 50


class Group(NamedTuple):
    """One aggregated group of request rows (never one row)."""

    model_id: str  # a chains deployment (ALIAS@UPSTREAM), UNKNOWN_DEPLOYMENT, or ""
    requested: str  # the catalog alias the request asked for ("" when the row names none)
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
    without_original: int  # rows that name no requested group: neither an original group nor a copy
    retry: bool  # 1.108.7's rows of billed earlier attempts: spend, never requests
    unpriced: int  # rows with tokens and no spend: LiteLLM knows no price for the model


class Unknown(NamedTuple):
    """Served rows whose deployment the chains do not name: the ``top`` busiest, and the rest."""

    top: list[Group]
    deployments: int
    requests: int
    spend: float


class Sizes(NamedTuple):
    """How much the consumer view left out: keys beyond the top, and their requests."""

    keys: int
    requests: int


def _names(catalog: Catalog) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(every name a row may carry -> the alias asked for, every deployment -> the alias asked
    for, every fallback copy -> the alias it served: naming.fallback_id). A fallback copy
    ``A>B@U`` is B@U's call made for A (exports for releases that log no requested group)."""
    from aspirectl.gateway.export import fallback_reach
    from aspirectl.litellm.naming import fallback_id

    deployments = {dep: alias for dep, (alias, _, _) in _deployments(catalog).items()}
    copies = {fallback_id(requester, alias, upstream): requester for requester in catalog.aliases
              for alias, _, upstream in fallback_reach(catalog, requester)}
    deployments.update(copies)
    return {**{a: a for a in catalog.aliases}, **deployments}, deployments, copies


class _Dialect(NamedTuple):
    names: str  # a table (key, value) from one JSON-object parameter
    requested: str
    asked: str  # the row's `model` (on a 1.80.0 failure row, the alias asked for)
    error_class: str
    duration: str
    spend: str
    retry: str  # metadata.billed_retry_attempt is true
    tokens: str


def _dialect(db: Database) -> _Dialect:
    columns = db.columns(SPEND)
    asked = "CAST(s.model AS TEXT)" if "model" in columns else "NULL"  # a log without it: not read
    tokens = "COALESCE(s.total_tokens, 0)" if "total_tokens" in columns else "0"
    if db.kind == "postgresql":
        elapsed = 'EXTRACT(EPOCH FROM (s."endTime" - s."startTime")) * 1000'
        meta = "CASE WHEN jsonb_typeof(s.metadata) = 'object' THEN s.metadata END"
        return _Dialect(
            names="jsonb_each_text(CAST(%s AS jsonb))",
            requested=f"({meta})->>'original_model_group'",
            asked=asked,
            error_class=f"CASE WHEN jsonb_typeof(({meta})->'error_information') = 'object' "
                        f"THEN ({meta})->'error_information'->>'error_class' END",
            duration=(f"COALESCE(s.request_duration_ms::float8, {elapsed})"
                      if "request_duration_ms" in columns else elapsed),
            # NaN sorts above every number in PostgreSQL, so "< 1e15" also refuses it.
            spend="CASE WHEN s.spend >= 0 AND s.spend < 1e15 THEN s.spend ELSE 0 END",
            retry=f"COALESCE(({meta})->>'billed_retry_attempt', '') = 'true'", tokens=tokens)
    elapsed = '(julianday(s."endTime") - julianday(s."startTime")) * 86400000.0'
    meta = "CASE WHEN json_valid(s.metadata) AND json_type(s.metadata) = 'object' THEN s.metadata END"
    return _Dialect(
        names="json_each(%s)",
        asked=asked,
        requested=f"CASE WHEN json_type(({meta}), '$.original_model_group') = 'text' "
                  f"THEN json_extract(({meta}), '$.original_model_group') END",
        error_class=f"CASE WHEN json_type(({meta}), '$.error_information.error_class') = 'text' "
                    f"THEN json_extract(({meta}), '$.error_information.error_class') END",
        duration=(f"COALESCE(s.request_duration_ms, {elapsed})" if "request_duration_ms" in columns
                  else elapsed),
        spend="CASE WHEN typeof(s.spend) IN ('real', 'integer') AND s.spend >= 0 AND s.spend < 1e15 "
              "THEN s.spend ELSE 0 END",
        retry=f"COALESCE(json_type(({meta}), '$.billed_retry_attempt') = 'true', 0)",
        tokens=f"CASE WHEN typeof({tokens}) = 'integer' THEN {tokens} ELSE 0 END")


def _mapped(d: _Dialect, with_key: bool) -> str:
    """CTEs ``names``, ``deps``, ``base`` (raw rows of the window) and ``mapped`` (rows in
    the chains' terms: a fallback copy's rows under the deployment it copies, asked for by
    its requester). Parameters: names JSON, deployments JSON, copies JSON, since, until."""
    key = "COALESCE(s.api_key, '')" if with_key else "''"
    return f"""
        names AS (SELECT key AS name, value AS alias FROM {d.names}),
        deps AS (SELECT key AS name, value AS alias FROM {d.names}),
        copies AS (SELECT key AS name, value AS alias FROM {d.names}),
        base AS (
            SELECT COALESCE(s.model_id, '') AS model_id, COALESCE(s.model_group, '') AS model_group,
                   COALESCE({d.requested}, '') AS requested,
                   COALESCE({d.asked}, '') AS asked,
                   COALESCE(s.status, 'success') = 'failure' AS failed,
                   COALESCE(s.cache_hit, '') = 'True' AS cache_hit,
                   COALESCE(NULLIF({d.error_class}, ''), 'unknown') AS error_class,
                   {key} AS api_key, {d.spend} AS spend, {d.duration} AS duration,
                   {d.retry} AS retry, {d.tokens} AS tokens
            FROM "{SPEND}" s
            WHERE s."startTime" >= %s AND s."startTime" < %s
        ),
        mapped AS (
            SELECT CASE WHEN c.name IS NOT NULL THEN SUBSTR(b.model_id, LENGTH(c.alias) + 2)
                        WHEN dep.name IS NOT NULL OR b.model_id = '' THEN b.model_id
                        ELSE '{UNKNOWN_DEPLOYMENT}' END AS model_id,
                   COALESCE(r.alias, c.alias, CASE WHEN b.failed THEN a.alias END, dep.alias, g.alias, '')
                       AS requested,
                   CASE WHEN r.name IS NULL AND c.name IS NULL THEN 1 ELSE 0 END AS without_original,
                   b.failed, b.cache_hit, CASE WHEN b.failed THEN b.error_class ELSE '' END AS cause,
                   b.api_key, b.spend, b.duration, b.retry, b.tokens
            FROM base b
            LEFT JOIN names r ON r.name = b.requested
            LEFT JOIN names a ON a.name = b.asked AND b.failed
            LEFT JOIN deps dep ON dep.name = b.model_id
            LEFT JOIN copies c ON c.name = b.model_id
            LEFT JOIN names g ON g.name = b.model_group
        )"""


def _percentiles(db: Database, keys: str, source: str) -> str:
    """``source`` (a CTE with ``duration``) grouped by ``keys`` with exact nearest-rank p50 and
    p95 of every group (PostgreSQL's percentile_disc; window functions on SQLite)."""
    if db.kind == "postgresql":
        return f"""
            SELECT {keys}, COUNT(*) AS requests, COALESCE(SUM(spend), 0) AS spend,
                   SUM(without_original) AS without_original,
                   SUM(CASE WHEN spend = 0 AND tokens > 0 THEN 1 ELSE 0 END) AS unpriced,
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY duration) AS p50_ms,
                   percentile_disc(0.95) WITHIN GROUP (ORDER BY duration) AS p95_ms
            FROM {source} GROUP BY {keys}"""
    return f"""
        , ranked AS (
            SELECT *, ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY duration) AS rn,
                      COUNT(*) OVER (PARTITION BY {keys}) AS n
            FROM {source}
        )
        SELECT {keys}, COUNT(*) AS requests, COALESCE(SUM(spend), 0) AS spend,
               SUM(without_original) AS without_original,
               SUM(CASE WHEN spend = 0 AND tokens > 0 THEN 1 ELSE 0 END) AS unpriced,
               MIN(CASE WHEN rn >= 0.5 * n THEN duration END) AS p50_ms,
               MIN(CASE WHEN rn >= 0.95 * n THEN duration END) AS p95_ms
        FROM ranked GROUP BY {keys}"""


def _params(db: Database, catalog: Catalog, span: Window) -> list[Any]:
    import json

    names, deployments, copies = _names(catalog)
    # LiteLLM stores "startTime" as a UTC timestamp without a zone: compare with naive UTC.
    since, until = (m.astimezone(UTC).replace(tzinfo=None) for m in span)
    return [json.dumps(names), json.dumps(deployments), json.dumps(copies), db.time(since), db.time(until)]


def _group(row: dict[str, Any], **fixed: Any) -> Group:
    values: dict[str, Any] = {
        "model_id": str(row.get("model_id") or ""), "requested": str(row.get("requested") or ""),
        "failed": bool(row.get("failed")), "cache_hit": bool(row.get("cache_hit")),
        "cause": str(row.get("cause") or ""), "api_key": str(row.get("api_key") or ""),
        "consumer": row.get("key_alias"), "key_name": row.get("key_name"),
        "requests": int(row["requests"]), "spend": float(row.get("spend") or 0),
        "p50_ms": None if row.get("p50_ms") is None else float(row["p50_ms"]),
        "p95_ms": None if row.get("p95_ms") is None else float(row["p95_ms"]),
        "without_original": int(row.get("without_original") or 0),
        "retry": bool(row.get("retry")), "unpriced": int(row.get("unpriced") or 0)}
    values.update(fixed)
    return Group(**values)


def read_groups(db: Database, catalog: Catalog, span: Window) -> list[Group]:
    """The request log of the window per (deployment, requested alias, outcome), mapped onto
    the chains and aggregated in the database: exact percentiles per hop."""
    d = _dialect(db)
    keys = "model_id, requested, failed, cache_hit, cause, retry"
    sql = f"""
        WITH {_mapped(d, with_key=False)},
        causes AS (SELECT cause FROM mapped WHERE failed GROUP BY cause
                   ORDER BY COUNT(*) DESC, cause LIMIT {TOP_CAUSES}),
        bounded AS (
            SELECT model_id, requested, failed, cache_hit,
                   CASE WHEN NOT failed OR cause IN (SELECT cause FROM causes) THEN cause
                        ELSE '{OTHER_CAUSE}' END AS cause,
                   spend, duration, without_original, retry, tokens
            FROM mapped
        )"""
    sql += _percentiles(db, keys, "bounded")
    return [_group(row) for row in db.query(sql, _params(db, catalog, span))]


def read_unknown(db: Database, catalog: Catalog, span: Window, top: int) -> Unknown:
    """Served rows of deployments the chains do not name: the ``top`` busiest with their
    percentiles, and the totals of all of them."""
    d = _dialect(db)
    head = f"""
        WITH names AS (SELECT key AS name, value AS alias FROM {d.names}),
        deps AS (SELECT key AS name, value AS alias FROM {d.names}),
        copies AS (SELECT key AS name, value AS alias FROM {d.names}),
        unknown AS (
            SELECT COALESCE(s.model_id, '') AS model_id, {d.spend} AS spend, {d.duration} AS duration,
                   0 AS without_original, {d.tokens} AS tokens
            FROM "{SPEND}" s
            WHERE s."startTime" >= %s AND s."startTime" < %s
              AND COALESCE(s.status, 'success') <> 'failure' AND COALESCE(s.model_id, '') <> ''
              AND NOT EXISTS (SELECT 1 FROM deps WHERE deps.name = s.model_id)
        )"""
    params = _params(db, catalog, span)
    totals = db.query(head + " SELECT COUNT(DISTINCT model_id) AS deployments, COUNT(*) AS requests, "
                             "COALESCE(SUM(spend), 0) AS spend FROM unknown", params)[0]
    if not totals["requests"]:
        return Unknown([], 0, 0, 0.0)
    sql = head + f""",
        busiest AS (SELECT model_id FROM unknown GROUP BY model_id
                    ORDER BY COUNT(*) DESC, model_id LIMIT {int(top)}),
        chosen AS (SELECT * FROM unknown WHERE model_id IN (SELECT model_id FROM busiest))"""
    sql += _percentiles(db, "model_id", "chosen")
    groups = [_group(row) for row in db.query(sql, params)]
    return Unknown(groups, int(totals["deployments"]), int(totals["requests"]), float(totals["spend"] or 0))


def read_consumers(db: Database, catalog: Catalog, span: Window, top: int) -> tuple[list[Group], Sizes]:
    """The log per key of the ``top`` busiest keys (by requests), and how many keys and
    requests are beyond them. No percentiles: the consumer view shows none. One pass over the
    window: rows are grouped per key first, and the key table is joined to the groups."""
    d = _dialect(db)
    join_tokens = bool(db.columns(TOKENS))
    who = "t.key_alias AS key_alias, t.key_name AS key_name" if join_tokens else \
        "NULL AS key_alias, NULL AS key_name"
    join = f'LEFT JOIN "{TOKENS}" t ON t.token = g.api_key' if join_tokens else ""
    sql = f"""
        WITH {_mapped(d, with_key=True)},
        grouped AS (
            SELECT model_id, requested, failed, cache_hit, cause, api_key, COUNT(*) AS requests,
                   COALESCE(SUM(spend), 0) AS spend
            FROM mapped WHERE NOT retry
            GROUP BY model_id, requested, failed, cache_hit, cause, api_key
        ),
        per_key AS (SELECT api_key, SUM(requests) AS total FROM grouped GROUP BY api_key),
        busiest AS (SELECT api_key FROM per_key ORDER BY total DESC, api_key LIMIT {int(top)})
        SELECT g.model_id, g.requested, g.failed, g.cache_hit, g.cause, g.api_key, {who},
               g.requests, g.spend, (SELECT COUNT(*) FROM per_key) AS all_keys,
               (SELECT SUM(total) FROM per_key) AS all_requests
        FROM grouped g {join}
        WHERE g.api_key IN (SELECT api_key FROM busiest)"""
    rows = db.query(sql, _params(db, catalog, span))
    groups = [_group(row) for row in rows]
    # no row: no key sent anything in the window (--top is at least 1)
    keys, requests = (int(rows[0]["all_keys"]), int(rows[0]["all_requests"])) if rows else (0, 0)
    beyond = Sizes(max(0, keys - len({g.api_key for g in groups})),
                   max(0, requests - sum(g.requests for g in groups)))
    return groups, beyond


# -------------------------------------------------------------------------- results

@dataclass
class HopUsage:
    deployment: str  # ALIAS@UPSTREAM for the chains' own deployments (a fallback copy's rows under
    # the deployment it copies), else the model_id as logged
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
    unpriced: int = 0  # requests with tokens but no spend: LiteLLM has no price for the model

    @property
    def paid(self) -> bool:
        return self.billing == PAID

    @property
    def fallback(self) -> bool:
        """Served by anything but the alias's first hop: a later hop of its own chain or a
        declared (or undeclared) fallback. Cross-family is a count of its own."""
        return self.route != "chain" or (self.position or 1) > 1

    @property
    def marginal_spend(self) -> float:
        return self.list_spend if self.paid else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "upstream": self.upstream, "served_alias": self.served_alias,
                "position": self.position, "billing": self.billing, "route": self.route,
                "requests": self.requests, "share": round(self.share, 4),
                "list_spend": round(self.list_spend, 6), "marginal_spend": round(self.marginal_spend, 6),
                "unpriced_requests": self.unpriced,
                "p50_ms": None if self.p50_ms is None else round(self.p50_ms, 1),
                "p95_ms": None if self.p95_ms is None else round(self.p95_ms, 1)}


@dataclass
class AliasUsage:
    alias: str
    hops: dict[str, HopUsage] = field(default_factory=dict)
    cache_hits: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # the gateway refused the caller first
    failed_spend: float = 0.0  # what the failure rows were billed (list price)
    failed_paid_spend: float = 0.0  # ... on paid deployments
    billed_retries: int = 0  # 1.108.7's billed earlier attempts (no requests of their own)
    retry_spend: float = 0.0
    retry_paid_spend: float = 0.0
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
        """At the margin: paid hops that served, and what failures and billed retries on paid
        deployments cost."""
        return sum(h.marginal_spend for h in self.hops.values()) + self.failed_paid_spend + \
            self.retry_paid_spend

    @property
    def list_spend(self) -> float:
        return sum(h.list_spend for h in self.hops.values()) + self.failed_spend + self.retry_spend

    @property
    def unpriced(self) -> int:
        return sum(h.unpriced for h in self.hops.values() if h.paid)

    @property
    def failure_share(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    @property
    def via_fallback(self) -> int:
        return sum(h.requests for h in self.hops.values() if h.fallback)

    @property
    def cross_family(self) -> int:
        return sum(h.requests for h in self.hops.values() if "cross-family" in h.route)

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "status": self.status.name if self.status is not None else "OK",
                "requests": self.requests, "served": self.served, "cache_hits": self.cache_hits,
                "failed": self.failed, "failure_share": round(self.failure_share, 4),
                "failures": dict(sorted(self.failures.items())),
                "refused_by_gateway": dict(sorted(self.refused.items())),
                "paid_requests": self.paid_requests, "paid_share": round(self.paid_share, 4),
                "paid_spend": round(self.paid_spend, 6), "list_spend": round(self.list_spend, 6),
                "failed_spend": round(self.failed_spend, 6), "billed_retry_attempts": self.billed_retries,
                "retry_spend": round(self.retry_spend, 6), "unpriced_paid_requests": self.unpriced,
                "via_fallback": self.via_fallback, "cross_family": self.cross_family,
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
    served_by: dict[str, int] = field(default_factory=dict)  # upstream (or ALIAS via upstream) -> requests

    def to_dict(self) -> dict[str, Any]:
        return {"consumer": self.consumer, "key_name": self.key_name, "alias": self.alias,
                "requests": self.requests, "via_fallback": self.via_fallback,
                "cross_family": self.cross_family, "paid_requests": self.paid_requests,
                "paid_spend": round(self.paid_spend, 6), "failed": self.failed,
                "served_by": dict(sorted(self.served_by.items(), key=lambda kv: -kv[1])),
                "advice": self.advice}


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
    thresholds: Thresholds
    # every deployment the chains do not name (``unknown`` lists only the busiest of them)
    unknown_total: Unknown
    consumers_beyond: Sizes | None  # keys and requests beyond the consumers listed

    @property
    def empty(self) -> bool:
        return not self.aliases and not self.unknown and not self.unattributed_failures


# -------------------------------------------------------------------------- mapping

class Thresholds(NamedTuple):
    max_paid_share: float | None = None  # percent
    max_failure_share: float | None = None  # percent


def _deployments(catalog: Catalog) -> dict[str, tuple[str, str, int]]:
    """ALIAS@UPSTREAM -> (alias, upstream, position), as chains export names them."""
    from aspirectl.litellm.naming import deployment_id

    out = {}
    for alias in catalog.aliases:
        for position, hop in enumerate(catalog.hops(alias), 1):
            out[deployment_id(alias, hop.upstream)] = (alias, hop.upstream, position)
    return out


def _fallback_targets(catalog: Catalog) -> set[str]:
    """The aliases some other alias's fallback reaches: only their rows can be traffic asked
    for elsewhere."""
    from aspirectl.gateway.export import fallback_reach

    return {alias for requester in catalog.aliases for alias, _, _ in fallback_reach(catalog, requester)}


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


def refused_by_gateway(error_class: str, model_id: str) -> bool:
    """A failure row of a request the gateway refused before any upstream (the caller's key or
    its model access): not the alias failing (releases.GATEWAY_REFUSALS)."""
    from aspirectl.litellm.releases import GATEWAY_REFUSALS, GENERIC_REFUSAL

    return error_class in GATEWAY_REFUSALS or (error_class == GENERIC_REFUSAL and not model_id)


def summarise(catalog: Catalog, groups: list[Group], span: Window, aliases: list[str] | None,
              thresholds: Thresholds, consumer_groups: list[Group] | None = None,
              unknown: Unknown | None = None, beyond: Sizes | None = None) -> UsageReport:
    """``groups`` aggregated by hop and requested alias in SQL (exact percentiles per hop);
    ``unknown``, the deployments the chains do not name; ``consumer_groups``, when asked for,
    the same rows per key (the busiest keys; ``beyond`` counts the rest)."""
    from aspirectl.routing import worst
    from aspirectl.status import Health

    known = _deployments(catalog)
    targets = _fallback_targets(catalog)
    wanted = set(aliases) if aliases else None
    per_alias: dict[str, AliasUsage] = {}
    unattributed: dict[str, int] = {}
    consumers: dict[tuple[str, str], ConsumerUsage] = {}
    without_original = 0

    for g in groups:
        requested = g.requested
        if g.retry and not requested:  # a billed attempt of a request that names no alias
            continue
        if g.failed and not requested:
            unattributed[g.cause] = unattributed.get(g.cause, 0) + g.requests
            continue
        if not requested or (wanted is not None and requested not in wanted):
            continue
        usage = per_alias.setdefault(requested, AliasUsage(requested))
        paid = g.model_id in known and catalog.upstreams[known[g.model_id][1]].billing.value == PAID
        if g.retry:  # billed, never a request the caller sent
            usage.billed_retries += g.requests
            usage.retry_spend += g.spend
            usage.retry_paid_spend += g.spend if paid else 0.0
            continue
        if g.cache_hit:
            usage.cache_hits += g.requests
            continue
        if g.failed and refused_by_gateway(g.cause, g.model_id):
            usage.refused[g.cause] = usage.refused.get(g.cause, 0) + g.requests
            continue
        if g.failed:
            usage.failures[g.cause] = usage.failures.get(g.cause, 0) + g.requests
            usage.failed_spend += g.spend
            usage.failed_paid_spend += g.spend if paid else 0.0
            continue
        if g.model_id not in known:  # served by a deployment the chains do not name: listed apart
            continue
        served_alias, upstream, position = known[g.model_id]
        if served_alias in targets:  # it may have been another alias's fallback: nothing says
            without_original += g.without_original
        billing = catalog.upstreams[upstream].billing.value
        route = _route(catalog, requested, served_alias)
        hop = usage.hops.setdefault(g.model_id, HopUsage(g.model_id, upstream, served_alias, position,
                                                         billing, route))
        _add(hop, g)

    for g in consumer_groups or []:
        requested = g.requested
        if not requested or g.cache_hit or (wanted is not None and requested not in wanted):
            continue
        row = _consumer(consumers, g, requested)
        if g.failed:
            row.failed += g.requests
            continue
        if g.model_id not in known:
            continue
        served_alias, upstream, position = known[g.model_id]
        route = _route(catalog, requested, served_alias)
        row.requests += g.requests
        where = upstream if served_alias == requested else f"{served_alias} via {upstream}"
        row.served_by[where] = row.served_by.get(where, 0) + g.requests
        if route != "chain" or position > 1:  # not its first hop: a fallback (HopUsage.fallback)
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
    states = [u.status for u in ordered if u.status is not None]
    reasons = [f"{u.alias}: {r}" for u in ordered for r in u.reasons]
    unknown_hops = []
    for g in (unknown.top if unknown else []):
        hop = HopUsage(g.model_id, None, None, None, "unknown", "unknown deployment")
        _add(hop, g)
        unknown_hops.append(hop)
    unknown_hops.sort(key=lambda h: (-h.requests, h.deployment))
    if unknown is not None and unknown.deployments:
        from aspirectl.textsafe import one_line

        named = ", ".join(one_line(h.deployment, 80) for h in unknown_hops[:5])
        more = unknown.deployments - min(5, len(unknown_hops))
        reasons.append(f"{unknown.deployments} deployment(s) not in the chains served traffic: "
                       + named + (f" and {more} more" if more > 0 else ""))
    return UsageReport(span, ordered, unknown_hops, unattributed,
                       sorted(consumers.values(), key=lambda c: (c.consumer, c.alias))
                       if consumer_groups is not None else None,
                       without_original, worst(states) if states else Health.OK, reasons, thresholds,
                       unknown_total=unknown or Unknown([], 0, 0, 0.0), consumers_beyond=beyond)


def usage_report(db_url: str | None, catalog: Catalog, span: Window, aliases: list[str] | None,
                 thresholds: Thresholds, by_consumer: bool, top: int = DEFAULT_TOP) -> UsageReport:
    """The whole workflow: open the gateway DB (its request log is required), aggregate in
    SQL, map onto the chains. A database that cannot be read is UNKNOWN (ConfigError), never
    the gateway failing."""
    from aspirectl.errors import ConfigError, OperationFailed
    from aspirectl.keys.db import open_database

    if not db_url:
        # The embedded key store is no gateway's request log: LiteLLM never writes there, so
        # "0 requests, OK" from it would be a confident wrong answer to a monitoring check.
        raise ConfigError("no gateway database named: usage reads the LiteLLM proxy's request log",
                          hint="pass --db postgresql://... or set ASPIRECTL_DB_URL (or the db-url secret)")
    try:
        db = open_database(db_url, require=(SPEND,))
    except OperationFailed as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    try:
        groups = read_groups(db, catalog, span)
        unknown = read_unknown(db, catalog, span, top)
        consumer_groups, beyond = read_consumers(db, catalog, span, top) if by_consumer else (None, None)
    except OperationFailed as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    finally:
        db.close()
    return summarise(catalog, groups, span, aliases, thresholds, consumer_groups, unknown, beyond)


def hop_shares(db_url: str | None, catalog: Catalog, since: str) -> dict[tuple[str, str], float]:
    """(alias, deployment) -> the share of the alias's traffic that deployment served since
    WHEN: the labels of `chains graph --usage`."""
    report = usage_report(db_url, catalog, window(since, None), None, Thresholds(), by_consumer=False)
    return {(u.alias, h.deployment): h.share for u in report.aliases for h in u.hops.values()}


def _add(hop: HopUsage, g: Group) -> None:
    """One hop of one requested alias is exactly one SQL group (rows with and without
    LiteLLM's original_model_group are mapped to the same alias in SQL), so its percentiles
    are exact and taken as they are."""
    hop.requests += g.requests
    hop.list_spend += g.spend
    hop.unpriced += g.unpriced
    hop.p50_ms, hop.p95_ms = g.p50_ms, g.p95_ms


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
