"""Text for `aspirectl usage`: per alias the hops that served, their share, what they cost at
the margin, the paid leak and failures; by consumer who leans on a fallback; Nagios and
Prometheus for cron."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aspirectl.render.table import Style, Table, render_table
from aspirectl.status import NAGIOS_PREFIX
from aspirectl.textsafe import nagios_text as nagios_safe
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.usage import AliasUsage, HopUsage, UsageReport


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.1f}s" if value >= 10_000 else f"{value:.0f}ms"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _period(report: UsageReport) -> str:
    span = report.window
    return f"{span.since:%Y-%m-%d %H:%M}Z to {span.until:%Y-%m-%d %H:%M}Z ({span.days:.1f} days)"


def _hop_row(h: HopUsage) -> tuple[str, ...]:
    where = f"{h.position}. {h.upstream}" if h.position else (h.upstream or h.deployment)
    if h.served_alias and "fallback" in h.route:
        where = f"{h.served_alias} via {h.upstream} ({h.route})"
    return (where, h.billing, f"{h.share:.1%}", f"{h.requests:,}", _priced(h, h.list_spend),
            _priced(h, h.marginal_spend) if h.paid else _money(h.marginal_spend),
            _ms(h.p50_ms), _ms(h.p95_ms))


def _priced(h: HopUsage, value: float) -> str:
    """Money a hop cost, where LiteLLM priced it: requests with tokens and no price are not $0."""
    if not h.unpriced:
        return _money(value)
    if h.unpriced >= h.requests:
        return "unpriced"
    return f"{_money(value)} + {h.unpriced:,} unpriced"


def _causes(counts: dict[str, int]) -> str:
    """Failure causes as LiteLLM logged them (error_class: foreign text, made one short line)."""
    return ", ".join(f"{n:,} {one_line(cause, 80)}" for cause, n in sorted(counts.items()))


def _alias_block(u: AliasUsage, style: Style) -> str:
    failures = _causes(u.failures)
    outcome = f"{u.served:,} served, {u.failed:,} failed: {failures}" if u.failed else "all served"
    head = f"{u.alias}: {u.requests:,} requests ({outcome}); {u.cache_hits:,} cache hits apart"
    if u.refused:
        head += (f"; {sum(u.refused.values()):,} refused by the gateway before any upstream "
                 f"({_causes(u.refused)}: the caller's key, not the alias)")
    rows = [_hop_row(h) for h in sorted(u.hops.values(), key=_order)]
    table = render_table(Table(("SERVED BY", "BILLING", "SHARE", "REQUESTS", "LIST PRICE", "MARGINAL",
                                "P50", "P95"), rows), style) if rows else ""
    lines = [head, table.rstrip("\n")] if table else [head]
    if u.paid_requests:
        unpriced = f" and {u.unpriced:,} requests LiteLLM has no price for" if u.unpriced else ""
        lines.append(f"leaked to paid API: {u.paid_share:.0%} of {u.alias}, {_money(u.paid_spend)}{unpriced}")
    if u.failed_spend or u.billed_retries:
        spent = [f"failures billed {_money(u.failed_spend)}"] if u.failed_spend else []
        if u.billed_retries:
            spent.append(f"{u.billed_retries:,} earlier attempts billed {_money(u.retry_spend)} "
                         "(LiteLLM's retry rows: spend, not requests)")
        lines.append("also paid for: " + "; ".join(spent))
    for reason in u.reasons:
        lines.append(f"{u.status.name if u.status is not None else 'OK'}: {reason}")
    return "\n".join(lines) + "\n"


def _order(h: HopUsage) -> tuple[int, int, str]:
    from aspirectl.usage import _hop_order

    return _hop_order(h)


def usage_text(report: UsageReport, style: Style, catalog_path: str) -> str:
    out = [f"Usage {_period(report)}, catalog {catalog_path}"]
    if report.empty:
        out.append("No requests in this period (LiteLLM_SpendLogs has no row between these times).")
        return "\n".join(out) + "\n"
    for u in report.aliases:
        out.append("")
        out.append(_alias_block(u, style).rstrip("\n"))
    if report.unknown:
        out.append("")
        out.append("Deployments not in the chains (a silent vendor fallback or a hand-added deployment):")
        rows = [(one_line(h.deployment, 120), f"{h.requests:,}", _money(h.list_spend), _ms(h.p50_ms))
                for h in report.unknown]
        table = Table(("MODEL ID", "REQUESTS", "LIST PRICE", "P50"), rows)
        out.append(render_table(table, style).rstrip("\n"))
        total = report.unknown_total
        if total.deployments > len(report.unknown):
            rest = total.requests - sum(h.requests for h in report.unknown)
            out.append(f"... and {total.deployments - len(report.unknown):,} more deployments with "
                       f"{rest:,} requests (the busiest {len(report.unknown)} are listed; --top N shows "
                       "more)")
    if report.unattributed_failures:
        causes = _causes(report.unattributed_failures)
        out.append("")
        out.append(f"Failures the log does not attribute to an alias (blank model_group): {causes}")
    if report.rows_without_original_group:
        out.append("")
        out.append(f"note: {report.rows_without_original_group:,} served rows of a fallback's target name no "
                   "alias asked for (LiteLLM before 1.100 writes no original_model_group, and the gateway's "
                   "config gives fallbacks no copies of their own): each counts for the alias that served "
                   "it, so traffic through a declared fallback may show under its target. Deploy "
                   "'aspirectl chains export --litellm-version RELEASE' for the gateway's release.")
    out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"


def consumers_text(report: UsageReport, style: Style, catalog_path: str) -> str:
    rows = []
    advice: dict[str, str] = {}
    for c in report.consumers or []:
        served = ", ".join(f"{where} {n:,}"
                           for where, n in sorted(c.served_by.items(), key=lambda kv: -kv[1]))
        rows.append((one_line(c.consumer, 120), one_line(c.key_name, 40) or "-", c.alias, f"{c.requests:,}",
                     served or "-", f"{c.via_fallback:,}",
                     f"{c.cross_family:,}", f"{c.paid_requests:,}", _money(c.paid_spend), f"{c.failed:,}"))
        if c.cross_family and c.advice:
            advice[f"{one_line(c.consumer, 120)} ({c.alias})"] = c.advice
    out = [f"Usage by consumer {_period(report)}, catalog {catalog_path}"]
    if not rows:
        out.append("No requests in this period.")
        return "\n".join(out) + "\n"
    out.append(render_table(Table(("CONSUMER", "KEY", "ASKED FOR", "SERVED", "SERVED BY", "VIA FALLBACK",
                                   "CROSS-FAMILY", "PAID", "PAID $", "FAILED"), rows), style).rstrip("\n"))
    beyond = report.consumers_beyond
    if beyond is not None and beyond.keys:
        out.append(f"... and {beyond.keys:,} more keys with {beyond.requests:,} requests (the busiest "
                   f"keys are listed; --top N shows more)")
    for who, text in advice.items():
        out.append(f"advice for {who}: {one_line(text)}")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"


def summary_line(report: UsageReport) -> str:
    """The state, then why (the reasons that made it, worst first), then the totals: a Nagios
    first line that says its own cause."""
    total = sum(u.requests for u in report.aliases)
    paid = sum(u.paid_spend for u in report.aliases)
    leaking = [f"{u.alias} {u.paid_share:.0%} paid" for u in report.aliases if u.paid_requests]
    causes = [f"{u.alias}: {r}" for u in sorted(report.aliases, key=lambda u: -int(u.status or 0))
              for r in u.reasons]
    text = f"{NAGIOS_PREFIX['usage']} {report.status.name} - "
    if causes:
        text += "; ".join(causes) + "; "
    text += f"{len(report.aliases)} aliases, {total:,} requests, {_money(paid)} paid at the margin"
    if leaking and not causes:
        text += f" ({', '.join(leaking)})"
    if report.unknown_total.deployments:
        text += f"; {report.unknown_total.deployments} deployment(s) not in the chains"
    return text


def render_usage(report: UsageReport, fmt: str, by: str, catalog_path: str, database: str,
                 style: Style) -> str:
    """The report in the asked format (one dispatch for `usage` and `demo --usage`)."""
    if fmt == "json":
        from aspirectl import documents
        from aspirectl.render.structured import to_json

        return to_json(documents.usage(report, catalog_path, database, by, report.thresholds))
    if fmt == "prometheus":
        return usage_prometheus(report)
    if fmt == "nagios":
        return usage_nagios(report)
    if by == "consumer":
        return consumers_text(report, style, catalog_path)
    return usage_text(report, style, catalog_path)


def usage_nagios(report: UsageReport) -> str:
    paid = "" if report.thresholds.max_paid_share is None else f"{report.thresholds.max_paid_share:g}"
    failed = "" if report.thresholds.max_failure_share is None else f"{report.thresholds.max_failure_share:g}"
    perf = []
    for u in report.aliases:
        label = u.alias.replace("'", "")
        perf.append(f"'paid_share_{label}'={u.paid_share * 100:.1f}%;{paid};;0;100")
        perf.append(f"'failure_share_{label}'={u.failure_share * 100:.1f}%;;{failed};0;100")
        perf.append(f"'paid_spend_{label}'={u.paid_spend:.2f};;;0;")
        perf.append(f"'failed_spend_{label}'={u.failed_spend + u.retry_spend:.2f};;;0;")
    lines = [nagios_safe(summary_line(report)) + " | " + " ".join(perf)]
    lines.extend(nagios_safe(r) for r in report.reasons)
    return "\n".join(lines) + "\n"


def _labels(**labels: str) -> str:
    from aspirectl.render.prometheus import _labels as labels_of

    return labels_of(**labels)


def usage_prometheus(report: UsageReport, now: float | None = None) -> str:
    now = time.time() if now is None else now
    lines: list[str] = []

    def family(name: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        for labels, value in samples:
            shown = repr(round(float(value), 6)) if not float(value).is_integer() else str(int(value))
            lines.append(f"{name}{labels} {shown}")

    window = f"{report.window.days:g}d"
    hops = [(u, h) for u in report.aliases for h in u.hops.values()]
    family("aspirectl_usage_requests", "Requests an alias's hop served in the window.",
           [(_labels(alias=u.alias, hop=h.deployment, upstream=h.upstream or "", route=h.route,
                     window=window), h.requests) for u, h in hops])
    family("aspirectl_usage_share", "Share of an alias's served requests that this hop served (0-1).",
           [(_labels(alias=u.alias, hop=h.deployment, window=window), h.share) for u, h in hops])
    family("aspirectl_usage_marginal_spend_dollars", "Spend at the margin (paid hops only), USD.",
           [(_labels(alias=u.alias, hop=h.deployment, window=window), h.marginal_spend) for u, h in hops])
    family("aspirectl_usage_failed_spend_dollars",
           "What failed requests and billed earlier attempts of retried requests cost (list price), USD.",
           [(_labels(alias=u.alias, window=window), u.failed_spend + u.retry_spend) for u in report.aliases])
    family("aspirectl_usage_unpriced_requests",
           "Requests a paid hop served that LiteLLM has no price for (tokens, no spend).",
           [(_labels(alias=u.alias, hop=h.deployment, window=window), h.unpriced) for u, h in hops if h.paid])
    family("aspirectl_usage_paid_share", "Share of the alias's served requests that a paid hop served (0-1).",
           [(_labels(alias=u.alias, window=window), u.paid_share) for u in report.aliases])
    family("aspirectl_usage_failure_share", "Share of the alias's requests that failed (0-1).",
           [(_labels(alias=u.alias, window=window), u.failure_share) for u in report.aliases])
    family("aspirectl_usage_cache_hits", "Requests answered from LiteLLM's cache (no upstream).",
           [(_labels(alias=u.alias, window=window), u.cache_hits) for u in report.aliases])
    family("aspirectl_usage_unknown_deployment_requests",
           "Requests served by a deployment not in the chains.",
           [(_labels(hop=h.deployment, window=window), h.requests) for h in report.unknown])
    family("aspirectl_usage_status", "Nagios state of the usage check.", [("", int(report.status))])
    family("aspirectl_usage_last_run_timestamp_seconds", "When this was computed.", [("", round(now))])
    return "\n".join(lines) + "\n"
