"""Text for the keys commands. Rows stream page by page (no waiting for 10,000 keys)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from aspirectl.keys.audit import AuditReport
from aspirectl.keys.model import KeyRecord
from aspirectl.keys.scan import Finding
from aspirectl.keys.store import Provisioned
from aspirectl.render.table import Style
from aspirectl.status import NAGIOS_PREFIX
from aspirectl.textsafe import one_line

COLUMNS = ("CONSUMER", "KEY", "STATUS", "CREATED", "EXPIRES", "LAST ACTIVE", "SPEND", "MODELS")
WIDTHS = (24, 11, 9, 16, 16, 16, 9, 0)
SCHEMA_KEYS = "aspirectl.keys/v1"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def row(record: KeyRecord) -> tuple[str, ...]:
    """Every text a row shows comes from the gateway's DB (LiteLLM lets any key manager set an
    alias): each is made one printable line."""
    expires = _when(record.revoke_at) if record.revoke_at else _when(record.expires)
    models = ",".join(record.models) if record.models else "all"
    return (one_line(record.consumer, 200) or "?", one_line(record.key_name, 40) or "?", record.status.value,
            _when(record.created_at), expires, _when(record.last_active), f"${record.spend:.2f}",
            one_line(models, None))


def _line(cells: Iterable[str]) -> str:
    parts = [c.ljust(w) if w else c for c, w in zip(cells, WIDTHS, strict=True)]
    return "  ".join(parts).rstrip() + "\n"


def stream_table(pages: Iterable[list[KeyRecord]]) -> Iterator[str]:
    """Fixed-width plain rows: the first page is printed before the next is read."""
    yield _line(COLUMNS)
    total = 0
    for page in pages:
        total += len(page)
        yield "".join(_line(row(r)) for r in page)
    yield f"{total} key{'s' if total != 1 else ''}\n"


def stream_json(pages: Iterable[list[KeyRecord]], database: str) -> Iterator[str]:
    from aspirectl.documents import keys_head
    from aspirectl.secrets.redact import redact_obj

    head = keys_head(database)
    yield json.dumps(head)[:-1] + ', "keys": ['  # stream the array: no waiting for the last page
    first = True
    for page in pages:
        for record in page:
            yield ("\n  " if first else ",\n  ") + json.dumps(redact_obj(record.to_dict()))
            first = False
    yield "\n]}\n"


def detail(records: list[KeyRecord]) -> str:
    lines = []
    for r in records:
        lines.append(f"{one_line(r.consumer, 200)}  {one_line(r.key_name, 40)}  {r.status.value}")
        pairs: list[tuple[str, Any]] = [
            ("created", _when(r.created_at)), ("expires", _when(r.expires)),
            ("grace until", _when(r.revoke_at) if r.revoke_at else None),
            ("last active", _when(r.last_active)), ("spend", f"${r.spend:.2f}"),
            ("budget", f"${r.max_budget:g}" if r.max_budget is not None else None),
            ("rpm limit", r.rpm_limit), ("tpm limit", r.tpm_limit),
            ("models", one_line(", ".join(r.models), None) if r.models else "all (models = [])"),
            ("metadata", json.dumps(r.metadata) if r.metadata else None),  # JSON escapes controls
            ("rotations", r.rotation_count or None), ("last rotated", _when(r.last_rotation_at)
                                                      if r.last_rotation_at else None),
            ("created by", one_line(r.created_by, 200) or None), ("sha256", one_line(r.token, 80)),
        ]
        lines.extend(f"  {name:12} {value}" for name, value in pairs if value not in (None, "-") or
                     name in ("expires", "last active"))
    return "\n".join(lines) + "\n"


def provision_text(result: Provisioned, where: dict[str, str]) -> str:
    lines = [f"created  {k.consumer}  {one_line(k.record.key_name, 40)}  -> "
             f"{one_line(where[k.consumer], None)}" for k in result.created]
    lines += [f"exists   {one_line(c, 200)}  (has an active key; unchanged)" for c in result.existing]
    return "".join(f"{line}\n" for line in lines)


def scan_text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        if f.record is None:
            continue
        label = "LIVE" if f.live else f.record.status.value
        lines.append(f"{one_line(f.sighting.path, None)}:{f.sighting.line}: {label} key "
                     f"{one_line(f.key_name, 40)} of {one_line(f.record.consumer, 200) or '?'} "
                     f"({f.record.status.value})")
    return "".join(f"{line}\n" for line in lines)


def scan_summary(findings: list[Finding]) -> str:
    live = sum(1 for f in findings if f.live)
    unknown = sum(1 for f in findings if f.record is None)
    return (f"{len(findings)} sk-... strings found, {live} live gateway keys, {unknown} unknown to this "
            "gateway")


# ------------------------------------------------------------------------------ audit

def audit_summary(report: AuditReport) -> str:
    kinds: dict[str, list[str]] = {}
    for f in report.findings:
        kinds.setdefault(f.kind, []).append(f.consumer)
    said = ", ".join(f"{len(who)} {kind.replace('_', ' ')} ({', '.join(sorted(set(who)))})"
                     for kind, who in sorted(kinds.items()))
    return one_line(f"{NAGIOS_PREFIX['keys']} {report.status.name} - {report.keys_checked} keys, "
                    f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
                    + (f": {said}" if said else ""), None)


def audit_text(report: AuditReport, style: Style) -> str:
    from aspirectl.render.table import Table, render_table

    rows = [(f.consumer, f.key_name, f.severity.name, f.kind.replace("_", " "), f.detail, f.next)
            for f in report.findings]
    out = [f"Key audit of {report.database}"]
    if rows:
        out.append(render_table(Table(("CONSUMER", "KEY", "SEVERITY", "FINDING", "DETAIL", "NEXT"), rows),
                                style).rstrip("\n"))
    else:
        out.append("No findings.")
    if not report.sources_checked:
        out.append("note: the request log has no requester addresses here (LiteLLM_SpendLogs."
                   "requester_ip_address): shared keys cannot be told")
    out.append(audit_summary(report))
    return "\n".join(out) + "\n"


def audit_nagios(report: AuditReport) -> str:
    from aspirectl.textsafe import nagios_text

    perf = [f"findings={len(report.findings)};;;0;", f"keys={report.keys_checked};;;0;"]
    lines = [nagios_text(audit_summary(report)) + " | " + " ".join(perf)]
    lines += [nagios_text(f"{f.consumer}: {f.severity.name} {f.kind} - {f.detail} (next: {f.next})")
              for f in report.findings]
    return "\n".join(lines) + "\n"


def audit_prometheus(report: AuditReport, now: float | None = None) -> str:
    import time

    from aspirectl.render.prometheus import _labels

    now = time.time() if now is None else now
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    lines = ["# HELP aspirectl_keys_findings Findings of the key audit, by kind.",
             "# TYPE aspirectl_keys_findings gauge"]
    lines += [f"aspirectl_keys_findings{_labels(kind=k)} {n}" for k, n in sorted(counts.items())]
    lines += ["# HELP aspirectl_keys_finding One finding: the consumer, its kind and severity.",
              "# TYPE aspirectl_keys_finding gauge"]
    lines += [f"aspirectl_keys_finding{_labels(kind=f.kind, consumer=f.consumer, severity=f.severity.name)} 1"
              for f in report.findings]
    lines += ["# HELP aspirectl_keys_audit_status Nagios state of the key audit.",
              "# TYPE aspirectl_keys_audit_status gauge", f"aspirectl_keys_audit_status {int(report.status)}",
              "# HELP aspirectl_keys_audit_last_run_timestamp_seconds When the audit ran.",
              "# TYPE aspirectl_keys_audit_last_run_timestamp_seconds gauge",
              f"aspirectl_keys_audit_last_run_timestamp_seconds {round(now)}"]
    return "\n".join(lines) + "\n"


def cache_lines(evictions: list[Any] | None, replicas: int, admin_key_set: bool,
                holds_until: datetime) -> list[str]:
    """What each replica's key cache does with the changed key, one line each (stderr)."""
    from aspirectl.envnames import secret_env
    from aspirectl.keys.evict import ADMIN_KEY
    from aspirectl.keys.model import CACHE_TTL_NOTE

    if not replicas:
        return [f"note: {CACHE_TTL_NOTE}; name the gateway's replicas (--gateway-url, repeatable, or "
                f"gateway.replicas in upstreams.yaml) and set {secret_env(ADMIN_KEY)} to drop it from "
                "every replica's cache at once"]
    if not admin_key_set:
        return [f"warning: not dropped from the key cache of the {replicas} replica(s): credential "
                f"'{ADMIN_KEY}' (the gateway's master key) is not set ({secret_env(ADMIN_KEY)} or 'aspirectl "
                f"secrets set {ADMIN_KEY}'); each may honour the old key until {holds_until:%H:%M:%S} UTC"]
    lines = []
    for i, e in enumerate(evictions or [], 1):
        where = f"replica {i} of {replicas} ({one_line(e.replica, 200)})"
        if e.dropped:
            lines.append(f"{where}: {e.detail}: refused from now on")
        else:
            until = f"{e.holds_until:%H:%M:%S} UTC" if e.holds_until else "its cache's TTL"
            lines.append(f"warning: {where} {e.detail}: it may honour the old key until {until}")
    return lines
