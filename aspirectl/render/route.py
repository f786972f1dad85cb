"""Text for `aspirectl route`: one alias's walk, or the table of every alias."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aspirectl.render.table import Style, Table, paint, render_table
from aspirectl.secrets.redact import redact
from aspirectl.status import Health
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.routing import Decision, HopState, SensitivityHop

STATUS_COLOUR = {Health.OK: "green", Health.WARNING: "yellow", Health.CRITICAL: "red",
                 Health.UNKNOWN: "cyan"}


def shorten(text: str, limit: int | None = None) -> str:
    """Foreign or long text as one safe line. Never cut for display: piped output is read by
    programs and people who need the whole hint; on a terminal, Rich tables and ``wrap`` fold
    it at word boundaries instead. (The cap on foreign text is applied where it is read.)"""
    return one_line(redact(text), limit)


def wrap(text: str, style: Style, indent: str = "") -> str:
    """A route line folded at word boundaries on a terminal (render/table.fold)."""
    from aspirectl.render.table import fold

    return fold(text, style, indent, "    ")


def served_text(d: Decision) -> str:
    return d.served_text


def _hop_line(h: HopState, indent: str, style: Style) -> str:
    mark = "✓" if h.serves else ("?" if h.unjudged else "✗")
    alias = "" if indent == "  " else f" [{h.alias}]"
    return wrap(f"{mark} {h.position}. {h.upstream}{alias}  {h.label}  — {shorten(h.reason)}", style, indent)


def route_text(d: Decision, style: Style, age_note: str = "") -> str:
    head = paint(d.alias, "bold", style)
    if d.served is None and d.failure is None:
        lines = [f"{head} → unknown from here: {'; '.join(d.reasons) or 'not judged'}"]
    elif d.failure is not None and d.failure.gateway_down:
        lines = [f"{head} → nothing serves: the gateway itself does not answer"]
    elif d.served is None:
        lines = [f"{head} → nothing serves: the gateway fails loudly"]
    elif d.fallback is not None:
        kind = "CROSS-FAMILY FALLBACK (declared)" if d.fallback.cross_family else "fallback"
        lines = [f"{head} → served by {d.fallback.target} via {d.served.upstream} — {kind}, "
                 f"{d.served.cost}"]
    else:
        lines = [f"{head} → served by {d.served.upstream} (hop {d.served.position} of {len(d.hops)}), "
                 f"{d.served.cost}"]
    lines.extend(_hop_line(h, "  ", style) for h in d.hops)
    if d.via is not None and d.fallback is not None:
        lines.append(wrap(f"↳ declared {'cross-family ' if d.fallback.cross_family else ''}fallback to "
                          f"{d.fallback.target}: {shorten(d.fallback.reason)}", style, "  "))
        lines.extend(_hop_line(h, "    ", style) for h in d.via.walked)
    if d.failure is not None and d.failure.gateway_down:
        lines.append("  callers get no answer at all: the gateway is down")
    elif d.failure is not None:
        f = d.failure
        lines.append(f"  then no further fallback — the gateway answers {f.status} {f.error_type}:")
        lines.append(wrap(shorten(f.message), style, "    "))
    elif d.served is None:
        lines.append("  then no further fallback; whether the gateway fails cannot be told from here")
    else:
        lines.append("  then no further fallback — fail loudly")
    if d.advice:
        lines.append(wrap(f"advice: {shorten(d.advice)}", style, "  "))
    for reason in d.reasons:
        lines.append(wrap(f"note: {shorten(reason)}", style, "  "))
    status = paint(d.status.name, STATUS_COLOUR[d.status], style)
    lines.append(wrap(f"status: {status}{age_note}", style))
    lines[0] = wrap(lines[0], style)
    return "\n".join(lines) + "\n"


def routes_table(decisions: list[Decision], style: Style) -> str:
    rows, styles = [], {}
    for i, d in enumerate(decisions):
        skipped = ", ".join(f"{h.upstream}: {h.label}" for h in d.skipped)
        rows.append((d.alias, d.status.name, served_text(d), d.served.cost if d.served else "-",
                     shorten(skipped) or "-"))
        if d.status is not Health.OK:
            styles[i] = STATUS_COLOUR[d.status]
    return render_table(Table(("ALIAS", "STATUS", "SERVED BY", "COST", "SKIPPED"), rows,
                              styles=styles), style)


def sensitivity_text(alias: str, data_class: str, hops: list[SensitivityHop]) -> str:
    lines = ["*** sensitivity routing is DESIGNED, NOT ENFORCED: the gateway routes every class the "
             "same way ***",
             f"{alias}, data class '{data_class}': hops the dormant policy would allow"]
    for h in hops:
        mark = "allowed" if h.allowed else "not allowed"
        lines.append(f"  {h.position}. {h.upstream}: {mark} ({h.why})")
    return "\n".join(lines) + "\n"


