"""Prometheus text exposition for the node_exporter textfile collector (no timestamps)."""

from __future__ import annotations

import time

from aspirectl.health import Assessment
from aspirectl.status import Health
from aspirectl.textsafe import one_line

LAST_SUCCESS_HELP = ("When a complete run (every alias of the catalog) last reached a verdict, OK, WARNING "
                     "or CRITICAL (0: never, as far as the state file knows).")


def _escape(value: str) -> str:
    """A label value: one printable line (a deployment name from the gateway's DB may carry
    control characters), then the exposition format's own escapes."""
    return one_line(value, 200).replace("\\", "\\\\").replace('"', '\\"')


def _labels(**labels: str | int) -> str:
    inner = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
    return "{" + inner + "}"


class _Metrics:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, help_text: str, samples: list[tuple[dict[str, str | int], float]]) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} gauge")
        for labels, value in samples:
            fractional = isinstance(value, float) and not value.is_integer()
            shown = repr(float(value)) if fractional else str(int(value))
            self.lines.append(f"{name}{_labels(**labels) if labels else ''} {shown}")


def prometheus_text(assessment: Assessment, last_success: float | None = None,
                    now: float | None = None) -> str:
    now = time.time() if now is None else now
    m = _Metrics()
    hops = assessment.report.results

    def hop_labels(r: object) -> dict[str, str | int]:
        return {"alias": r.alias, "upstream": r.upstream, "position": r.position}  # type: ignore[attr-defined]

    m.family("aspirectl_probe_success", "Whether the hop serves right now (1) or not (0).",
             [(hop_labels(r), 1 if r.serves else 0) for r in hops])
    m.family("aspirectl_probe_duration_seconds", "How long the hop's probe took.",
             [(hop_labels(r), round((r.latency_ms or 0) / 1000, 4)) for r in hops])
    m.family("aspirectl_probe_http_status_code", "HTTP status of the deciding response (0: none).",
             [(hop_labels(r), r.http_status or 0) for r in hops])
    m.family("aspirectl_probe_outcome", "The hop's outcome (1 for the current one).",
             [({**hop_labels(r), "outcome": r.outcome.value}, 1) for r in hops])
    m.family("aspirectl_probe_known_down", "The hop is declared deferred/broken in the chain files.",
             [(hop_labels(r), 1 if r.known_down else 0) for r in hops])
    resets = [(hop_labels(r), r.reset_at.timestamp()) for r in hops if r.reset_at]
    if resets:
        m.family("aspirectl_probe_reset_timestamp_seconds", "When a quota or limit resets.",
                 [(labels, round(value)) for labels, value in resets])
    decisions = assessment.decisions
    m.family("aspirectl_alias_serving_hop",
             "Position of the hop that serves the alias in its own chain (0: fallback or none).",
             [({"alias": d.alias}, d.served.position if d.served and d.fallback is None else 0)
              for d in decisions])
    m.family("aspirectl_alias_serving", "Which upstream serves the alias (1), and how.",
             [({"alias": d.alias, "upstream": d.served.upstream, "served_alias": d.served.alias,
                "via": "cross_family_fallback" if d.fallback and d.fallback.cross_family
                else ("fallback" if d.fallback else "chain")}, 1)
              for d in decisions if d.served])
    m.family("aspirectl_alias_fallback_active", "The alias is served by a later hop or a fallback.",
             [({"alias": d.alias}, 1 if d.on_later_hop else 0) for d in decisions])
    m.family("aspirectl_alias_degraded", "The hop serving the alias serves, but not cleanly.",
             [({"alias": d.alias}, 1 if d.degraded else 0) for d in decisions])
    m.family("aspirectl_alias_failing", "Nothing serves the alias: the gateway fails loudly.",
             [({"alias": d.alias}, 1 if d.failing else 0) for d in decisions])
    m.family("aspirectl_alias_status", "Nagios state of the alias: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
             [({"alias": d.alias}, int(d.status)) for d in decisions])
    gw = assessment.gateway
    if gw is not None:
        m.family("aspirectl_gateway_up", "The gateway process answers /health/liveliness.",
                 [({}, 1 if gw.alive else 0)])
        m.family("aspirectl_gateway_ready", "The gateway is ready (its database reachable).",
                 [({}, 1 if gw.ready else 0)])
        m.family("aspirectl_gateway_drift", "The gateway serves the alias from another hop than predicted.",
                 [({"alias": a.alias}, 1 if a.drift else 0) for a in gw.aliases])
    replicas = assessment.replicas or ((gw,) if gw is not None else ())
    if replicas:
        m.family("aspirectl_gateway_replica_up", "The replica answers, ready (1) or not (0).",
                 [({"replica": r.url}, 1 if r.alive and r.ready else 0) for r in replicas])
        m.family("aspirectl_gateway_replica_drift", "Aliases the replica serves otherwise than predicted.",
                 [({"replica": r.url}, len(r.drifted)) for r in replicas])
        m.family("aspirectl_gateway_replica_config_differences",
                 "Differences between the replica's live config and the chains (-1: not compared).",
                 [({"replica": r.url}, -1 if r.config is None else len(r.config)) for r in replicas])
    m.family("aspirectl_status", "Nagios state of the whole run.", [({}, int(assessment.status))])
    m.family("aspirectl_run_duration_seconds", "Wall time of the whole probe run.",
             [({}, round(assessment.report.duration_s, 4))])
    m.family("aspirectl_last_run_timestamp_seconds", "When this file was written.", [({}, round(now))])
    m.family("aspirectl_last_success_timestamp_seconds", LAST_SUCCESS_HELP, [({}, round(last_success or 0))])
    notes = assessment.acknowledged
    m.family("aspirectl_alias_acknowledged",
             "The alias's WARNING is acknowledged (aspirectl ack) until the labelled time.",
             [({"alias": alias, "until": n.ack.until.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "reason": n.ack.reason}, 1) for alias, n in sorted(notes.items())])
    return "\n".join(m.lines) + "\n"


def error_metrics(command: str, state: Health, last_success: float | None = None,
                  now: float | None = None) -> str:
    """The textfile of a run that ended in an error: its status (3 for UNKNOWN), when it ran,
    and (probe) the last complete run's success as the state file knows it, so that the
    status alert fires and the staleness and success alerts keep their meaning."""
    now = time.time() if now is None else now
    m = _Metrics()
    if command == "keys audit":
        m.family("aspirectl_keys_audit_status", "Nagios state of the key audit.", [({}, int(state))])
        m.family("aspirectl_keys_audit_last_run_timestamp_seconds", "When the audit ran.", [({}, round(now))])
        return "\n".join(m.lines) + "\n"
    if command == "usage":
        m.family("aspirectl_usage_status", "Nagios state of the usage check.", [({}, int(state))])
        m.family("aspirectl_usage_last_run_timestamp_seconds", "When this was computed.", [({}, round(now))])
        return "\n".join(m.lines) + "\n"
    m.family("aspirectl_status", "Nagios state of the whole run.", [({}, int(state))])
    m.family("aspirectl_last_run_timestamp_seconds", "When this file was written.", [({}, round(now))])
    m.family("aspirectl_last_success_timestamp_seconds", LAST_SUCCESS_HELP, [({}, round(last_success or 0))])
    return "\n".join(m.lines) + "\n"
