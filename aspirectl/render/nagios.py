"""Monitoring-plugin output: one status line with perfdata, then long output lines."""

from __future__ import annotations

from collections.abc import Sequence

from aspirectl.health import Assessment
from aspirectl.render.health import plural, replica_summary, verdict_text
from aspirectl.render.route import served_text
from aspirectl.routing import Decision
from aspirectl.status import NAGIOS_PREFIX as PREFIX
from aspirectl.status import Health
from aspirectl.textsafe import nagios_text as nagios_safe


def error_line(command: str, state: Health, cause: str) -> str:
    """The one line a monitoring command prints when it ends in an error, not a verdict."""
    return f"{PREFIX.get(command, 'ASPIRECTL')} {state.name} - {nagios_safe(cause)}"


def _perf(label: str, value: float | int, uom: str = "", lo: int | None = 0,
          hi: int | None = None) -> str:
    lo_s = "" if lo is None else str(lo)
    hi_s = "" if hi is None else str(hi)
    return f"{label}={value}{uom};;;{lo_s};{hi_s}"


def nagios_text(assessment: Assessment) -> str:
    c = assessment.counts()
    n = c["aliases"]
    summary = verdict_text(assessment)
    if assessment.report.deadline_hit:
        summary += ", deadline overrun"
    gw = assessment.gateway
    if assessment.replicas:
        summary += ", " + replica_summary(assessment)
    elif gw is not None:
        summary += (f", gateway {'DOWN' if not gw.alive else ('DB down' if not gw.ready else 'up')}"
                    f", {len(gw.drifted)} drift" + (", config differs" if gw.config else ""))
    perf = " ".join([
        _perf("aliases_ok", c["ok"], hi=n), _perf("aliases_fallback", c["on_later_hop"], hi=n),
        _perf("aliases_degraded", c["degraded"], hi=n), _perf("aliases_failing", c["failing"], hi=n),
        _perf("aliases_unknown", c["unknown"], hi=n),
        _perf("hops_serving", c["hops_serving"], hi=c["hops"]),
        _perf("time", round(assessment.report.duration_s, 3), "s", hi=None),
    ] + ([_perf("gateway_drift", sum(len(r.drifted) for r in assessment.replicas or (gw,)), hi=n)]
         if gw is not None else []))
    lines = [f"{PREFIX['probe']} {assessment.status.name} - {nagios_safe(summary)} | {perf}"]
    for replica in assessment.replicas or ((gw,) if gw is not None else ()):
        lines.extend(nagios_safe(f"gateway: {reason}") for reason in replica.reasons)
        lines.extend(nagios_safe(f"gateway config ({replica.url}): {d}") for d in (replica.config or ())[1:])
    acknowledged = assessment.acknowledged
    for d in assessment.decisions:
        if d.status is not Health.OK:
            why = "; ".join(d.reasons)
            note = acknowledged.get(d.alias)
            ack = f" [acknowledged until {note.ack.until:%Y-%m-%d %H:%MZ}: {note.ack.reason}]" if note else ""
            lines.append(nagios_safe(f"{d.alias}: {d.status.name}{ack} - {served_text(d)}"
                                     + (f" ({why})" if why else "")))
    lines.extend(nagios_safe(f"acknowledgement of {n.ack.subject} not applied: {n.why_not}")
                 for n in assessment.acknowledgements if not n.applied)
    return "\n".join(lines) + "\n"


def route_nagios(decisions: Sequence[Decision], status: Health, note: str = "") -> str:
    """route as a Nagios check: the aliases by state on the first line, one long-output line per
    alias that is not OK (who serves it, and why)."""
    by_state: dict[Health, list[str]] = {}
    for d in decisions:
        by_state.setdefault(d.status, []).append(d.alias)
    words = {Health.OK: "ok", Health.WARNING: "warning", Health.CRITICAL: "failing loudly",
             Health.UNKNOWN: "unknown"}
    parts = [f"{len(by_state.get(Health.OK, []))} ok"]
    parts += [f"{len(names)} {words[state]} ({', '.join(names)})" for state, names in sorted(by_state.items())
              if state is not Health.OK]
    first = f"{PREFIX['probe']} {status.name} - route: {plural(len(decisions), 'alias')}: {', '.join(parts)}"
    lines = [nagios_safe(first + (f";{note}" if note else ""))]
    for d in decisions:
        if d.status is not Health.OK:
            why = "; ".join(d.reasons)
            lines.append(nagios_safe(f"{d.alias}: {d.status.name} - {d.served_text}"
                                     + (f" ({why})" if why else "")))
    return "\n".join(lines) + "\n"
