"""Text for probe, route and demo: hop table, alias table, routes, summary, explanation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aspirectl.render.route import STATUS_COLOUR, served_text, shorten
from aspirectl.render.table import Style, Table, paint, render_table, wrap_prose
from aspirectl.status import NAGIOS_PREFIX, Health
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.gateway.check import GatewayCheck
    from aspirectl.health import Assessment
    from aspirectl.probe.report import HopResult
    from aspirectl.routing import Decision, HopState



def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    delta = (moment - datetime.now(UTC)).total_seconds()
    if abs(delta) < 48 * 3600:
        sign = "in " if delta >= 0 else ""
        hours, rest = divmod(int(abs(delta)), 3600)
        ago = "" if delta >= 0 else " ago"
        return f"{sign}{hours}h{rest // 60:02d}m{ago}"
    return moment.strftime("%Y-%m-%d %H:%MZ")


def _reset(result: HopResult) -> str:
    if result.reset_at:
        return "resets " + _when(result.reset_at)
    if result.retry_after_s is not None and not result.serves:
        return f"retry {result.retry_after_s:g}s"
    return ""


def hops_table(assessment: Assessment, style: Style) -> str:
    rows, styles = [], {}
    for i, r in enumerate(assessment.report.results):
        mark = r.outcome.value + ("*" if r.known_down else "")
        rows.append((r.alias, str(r.position), r.upstream, mark,
                     str(r.http_status or "-"),
                     f"{r.latency_ms:.0f}ms" if r.latency_ms is not None else "-",
                     _reset(r), shorten(_unhinted(r.detail))))
        if not r.serves:
            styles[i] = "dim" if r.known_down else "red"
    table = Table(("ALIAS", "#", "UPSTREAM", "OUTCOME", "HTTP", "LATENCY", "RESET/RETRY", "DETAIL"),
                  rows, "Hops (* = declared deferred/broken: probed, not news)", styles)
    return render_table(table, style)


def aliases_table(assessment: Assessment, style: Style) -> str:
    rows, styles = [], {}
    for i, d in enumerate(assessment.decisions):
        cost = d.served.cost if d.served else "-"
        rows.append((d.alias, d.status.name, served_text(d), cost, shorten(_unhinted("; ".join(d.reasons)))))
        if d.status is not Health.OK:
            styles[i] = STATUS_COLOUR[d.status]
    table = Table(("ALIAS", "STATUS", "SERVED BY", "COST", "WHY"), rows, "Aliases", styles)
    return render_table(table, style)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 'es' if word.endswith('s') else many or word + 's')}"


def ack_lines(assessment: Assessment) -> list[str]:
    """One line per acknowledgement: what it acknowledges now, or why it no longer does."""
    out = []
    for n in assessment.acknowledgements:
        if n.applied:
            out.append(f"acknowledged ({', '.join(n.applied_to)}): {one_line(n.text(), 400)}")
        else:
            out.append(f"NOT acknowledged any more: {one_line(n.text(), 400)}")
    return out


def summary_line(assessment: Assessment) -> str:
    prefix = f"{NAGIOS_PREFIX['probe']} {assessment.status.name} - "
    return prefix + verdict_text(assessment) + _tail(assessment)


def verdict_text(assessment: Assessment) -> str:
    """'9 aliases: 7 ok, 2 warning (gemini-2.5-pro, qwen-3.6-omni), 2 acknowledged (...)': every
    alias counted once, by its status, with the names of those that are not OK; the one
    sentence the table, cron and Nagios lines share."""
    c = assessment.counts()
    parts = [f"{plural(c['aliases'], 'alias')}: {c['ok']} ok"]
    for status, key, word in ((Health.WARNING, "warning", "warning"),
                              (Health.CRITICAL, "critical", "failing loudly"),
                              (Health.UNKNOWN, "unknown", "unknown")):
        if c[key]:
            names = [d.alias for d in assessment.decisions if d.status is status]
            parts.append(f"{c[key]} {word} ({', '.join(names)})")
    if c["acknowledged"]:
        parts.append(f"{c['acknowledged']} acknowledged ({', '.join(sorted(assessment.acknowledged))})")
    ended = [n.ack.subject for n in assessment.acknowledgements if not n.applied]
    if ended:
        parts.append(f"acknowledgement not applied: {', '.join(ended)}")
    return ", ".join(parts)


def _tail(assessment: Assessment) -> str:
    c = assessment.counts()
    tail = f"; {c['hops_serving']}/{c['hops']} hops serve ({assessment.report.duration_s:.2f}s)"
    gw = assessment.gateway
    if assessment.replicas:
        tail += f"; {replica_summary(assessment)}"
    elif gw is not None:
        tail += f"; gateway: {'; '.join(gw.reasons) if gw.reasons else 'serves as predicted'}"
    if assessment.report.deadline_hit:
        tail += "; global deadline overrun"
    return tail


def config_text(gw: GatewayCheck) -> str:
    """What is known of a replica's live config, in a few words."""
    if gw.config is None:
        return f"config not compared ({gw.config_note})" if gw.config_note and gw.config_note != "not asked" \
            else "config not compared"
    return "config as the chains" if not gw.config else f"config differs from the chains ({len(gw.config)})"


def replica_state(gw: GatewayCheck) -> str:
    return "DOWN" if not gw.alive else ("DB down" if not gw.ready else "up")


def replica_summary(assessment: Assessment) -> str:
    """One clause for all replicas, cause first: 'replica 2 of 3 runs another config: DRIFT gpt-5.5'."""
    replicas = assessment.replicas
    n = len(replicas)
    down = [i for i, r in enumerate(replicas, 1) if not (r.alive and r.ready)]
    odd = [i for i, r in enumerate(replicas, 1) if r.config or r.drifted]
    parts = [f"gateway {n - len(down)}/{n} replicas up"]
    for i in down:
        parts.append(f"replica {i} of {n} {replica_state(replicas[i - 1])}")
    for i in odd:
        r = replicas[i - 1]
        drift = f": DRIFT {', '.join(a.alias for a in r.drifted)}" if r.drifted else ""
        parts.append(f"replica {i} of {n} runs another config{drift}")
    return ", ".join(parts)


def gateway_table(assessment: Assessment, style: Style) -> str:
    gw = assessment.gateway
    if gw is None:
        return ""
    if assessment.replicas:
        return replicas_table(assessment, style)
    release = f", LiteLLM {gw.release}" if gw.release else ""
    head = (f"Gateway {gw.url}: {'alive' if gw.alive else 'DOWN'}, {'ready' if gw.ready else 'NOT READY'}, "
            f"db {gw.db}{release}, {config_text(gw)}")
    lines = [head] + [f"  {r}" for r in gw.reasons] + [f"    {d}" for d in (gw.config or ())[1:]]
    if not gw.aliases:
        return "\n".join(lines) + "\n"
    rows, styles = [], {}
    for i, a in enumerate(gw.aliases):
        served = a.served or (f"ERROR {a.status} {a.error_type or ''}".strip() if a.status else "no answer")
        expected = a.expected or ("fails loudly" if a.predicted else "unknown from here")
        rows.append((a.alias, served, expected, "DRIFT" if a.drift else "",
                     shorten(a.message) if a.message else ""))
        if a.drift:
            styles[i] = "yellow"
    columns = ("ALIAS", "SERVED BY (gateway)", "EXPECTED (route)", "DRIFT", "GATEWAY ERROR")
    table = Table(columns, rows, styles=styles)
    return "\n".join(lines) + "\n" + render_table(table, style)


def replicas_table(assessment: Assessment, style: Style) -> str:
    """One line per replica, then every reason (each names its replica)."""
    rows, styles = [], {}
    n = len(assessment.replicas)
    for i, r in enumerate(assessment.replicas):
        drift = ", ".join(a.alias for a in r.drifted)
        rows.append((f"{i + 1} of {n}", r.url, replica_state(r), r.release or "not told", config_text(r),
                     drift or ("-" if r.aliases else "not asked")))
        if r.status is not Health.OK:
            styles[i] = "red" if r.status is Health.CRITICAL else "yellow"
    table = Table(("REPLICA", "URL", "STATE", "LITELLM", "CONFIG", "DRIFT"), rows, styles=styles)
    lines = []
    for r in assessment.replicas:
        for reason in r.reasons:
            lines.append(f"  {reason}")
            if "config differs" in reason:
                lines.extend(f"    {d}" for d in (r.config or ())[1:])
    return (f"Gateway replicas: {replica_summary(assessment)}\n" + render_table(table, style)
            + "".join(f"{line}\n" for line in lines))


def _unhinted(text: str) -> str:
    """A detail without the how-to-set-a-credential hint: the table says that once, below."""
    from aspirectl.probe.runner import CREDENTIAL_HINT

    return CREDENTIAL_HINT.sub("", text)


def credentials_block(assessment: Assessment) -> str:
    """Every credential not set here, once, with how to set it and what it leaves unprobed
    (a table otherwise repeats the hint on every hop and alias that needs it)."""
    from aspirectl.envnames import secret_env
    from aspirectl.probe.runner import CREDENTIAL_HINT

    missing: dict[str, list[str]] = {}
    for r in assessment.report.results:
        found = CREDENTIAL_HINT.search(r.detail or "")
        if r.outcome.value == "no_credentials" and found:
            missing.setdefault(found.group(1), []).append(f"{r.alias}@{r.upstream}")
    if not missing:
        return ""
    lines = [f"Credentials not set here ({len(missing)}): their hops were not probed. Set each as its "
             "variable, or store it with 'aspirectl secrets set NAME'."]
    for name, hops in sorted(missing.items()):
        lines.append(f"  {name}  ({secret_env(name)}): {plural(len(hops), 'hop')}, {', '.join(hops)}")
    return "\n".join(lines) + "\n"


def probe_text(assessment: Assessment, style: Style) -> str:
    status = paint(wrap_prose(summary_line(assessment), style), STATUS_COLOUR[assessment.status], style)
    parts = [hops_table(assessment, style), aliases_table(assessment, style)]
    if assessment.report.via:
        parts.insert(0, wrap_prose(via_line(assessment.report.via), style))
    block = credentials_block(assessment)
    if block:
        parts.append(wrap_prose(block, style))
    if assessment.gateway is not None:
        parts.append(gateway_table(assessment, style))
    if assessment.acknowledgements:
        parts.append(wrap_prose("".join(f"{line}\n" for line in ack_lines(assessment)), style))
    return "\n".join([*parts, status]) + "\n"


def via_line(via: str) -> str:
    """What a probe through the gateway did and cost: one line above the tables."""
    from aspirectl.probe.cost import COST_NOTE

    return (f"through the gateway {via}: every hop asked by its model group, fallbacks and retries off; "
            f"{COST_NOTE}\n")


def _down_text(h: HopState) -> str:
    what = f"{h.upstream} does not serve: {h.why_not}"
    detail = shorten(h.result.detail) if h.result else ""
    if h.known_down and h.declared:
        since = f" since {h.declared.since}" if h.declared.since else ""
        note = f": {h.declared.note.rstrip('.')}" if h.declared.note else ""
        return f"{what} — {detail}; declared {h.declared.status.value}{since}{note}"
    return f"{what} — {detail}" if detail else what


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _explain(d: Decision) -> str:
    down = "; ".join(_down_text(h) for h in d.hops if not h.serves)
    if d.served is None and d.failure is None:
        return _sentence("; ".join(d.reasons)) + " Not a gateway failure: fix this machine's side and re-run."
    if d.failure is not None and d.failure.gateway_down:
        return (f"nothing serves: the gateway itself does not answer ({d.failure.message}). Callers "
                "get no answer at all, only their own connection error.")
    if d.failure is not None:
        return (f"nothing serves ({down}). The gateway fails loudly with {d.failure.status} "
                f"{d.failure.error_type}: callers see the error, no silent switch to another vendor.")
    assert d.served is not None
    if d.status is Health.UNKNOWN:
        return _sentence("; ".join(d.reasons))
    if d.fallback is not None:
        return (f"{_sentence(down)} The gateway serves it with {d.fallback.target} ({d.served.title}) "
                f"through the one DECLARED cross-family fallback: callers asking for {d.alias} get "
                f"another vendor's model. {d.advice}").rstrip()
    if d.served.known_down:
        return _sentence("; ".join(d.reasons))  # a declared-down hop serves: the one thing to say
    served = f"{d.served.title} serves ({d.served.cost})"
    if not down:
        return _sentence(f"{served}; " + "; ".join(d.reasons)) if d.reasons else _sentence(served)
    known = all(h.known_down for h in d.hops if not h.serves)
    tail = "known and declared, so not news" if known else f"that is news ({d.status.name})"
    return f"{_sentence(down)} {served}; {tail}."


def explanation(assessment: Assessment) -> str:
    """What the operator is looking at, in sentences (the demo's closing words)."""
    groups: dict[str, list[str]] = {}
    for d in assessment.decisions:
        if d.status is Health.OK and all(h.serves for h in d.hops[:1]):
            continue
        groups.setdefault(_explain(d), []).append(d.alias)
    lines = ["What this means:"]
    lines.extend(f"- {', '.join(aliases)}: {text}" for text, aliases in groups.items())
    if len(lines) == 1:
        lines.append("- every alias is served by its first hop.")
    lines.append(f"Exit code {int(assessment.status)} ({assessment.status.name}): 0 OK, 1 WARNING "
                 "(served by a later hop or a declared fallback, degraded, or a hop declared down now "
                 "serves), 2 CRITICAL (an alias nothing serves), 3 UNKNOWN (this machine could not "
                 "tell: a credential not set, no DNS, the deadline).")
    return "\n".join(lines) + "\n"
