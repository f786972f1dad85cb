"""Key hygiene for cron: `aspirectl keys audit` reads the gateway's key table (and its request
log where there is one) and returns findings, each naming the consumer and the next command.

What is a finding, and how bad (the exit code is the worst one; Nagios semantics):

* expires within 1 day: CRITICAL; within 3 or 7 days: WARNING (the consumer's calls start to
  fail when it does);
* at 100% of its budget: CRITICAL (LiteLLM refuses its calls); at 80%: WARNING;
* a working key nobody used for ``unused_days`` (or never, that long after its creation):
  WARNING (a leak surface with no user);
* no model restriction (``models = []``: every model, the paid ones too): WARNING;
* a rotated key's grace period ending within a day: WARNING (an agent still on the old key
  stops working then);
* two working keys under one key_alias, or a working key with none: WARNING (LiteLLM's API
  refuses the first, and nobody can tell who holds the second);
* one key used from ``many_sources`` or more requester addresses in the request log's last
  ``window_days``: WARNING (one key shared by a fleet: split it per consumer);
* a working key found in plaintext in a scanned file: CRITICAL (rotate it now).

Blocked, expired and deleted keys open nothing and are not findings (but an expired key that
was its consumer's only one is: that consumer is broken).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from aspirectl.keys.model import KeyRecord, KeyStatus
from aspirectl.status import Health

if TYPE_CHECKING:
    from aspirectl.keys.scan import Finding as ScanFinding
    from aspirectl.keys.store import KeyStore


class Thresholds(NamedTuple):
    expiring_days: tuple[int, ...] = (7, 3, 1)
    budget_warn_pct: float = 80.0
    unused_days: int = 90
    many_sources: int = 3
    window_days: int = 30


@dataclass(frozen=True)
class KeyFinding:
    kind: str  # expiring, expired, budget, unused, unrestricted, grace_ending, duplicate_alias,
    # missing_alias, shared, plaintext
    severity: Health
    consumer: str
    key_name: str
    detail: str
    next: str  # the command to run

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity.name, "consumer": self.consumer,
                "key_name": self.key_name, "detail": self.detail, "next": self.next}


@dataclass
class AuditReport:
    database: str
    keys_checked: int
    findings: list[KeyFinding] = field(default_factory=list)
    thresholds: Thresholds = field(default_factory=Thresholds)
    sources_checked: bool = False  # whether the request log could tell who uses each key

    @property
    def status(self) -> Health:
        return max((f.severity for f in self.findings), default=Health.OK)


def _consumer(record: KeyRecord) -> str:
    from aspirectl.textsafe import one_line

    return one_line(record.consumer, 200) or "(no key_alias)"


def _name(record: KeyRecord) -> str:
    from aspirectl.textsafe import one_line

    return one_line(record.key_name, 40) or "?"


def _cmd(action: str, consumer: str, tail: str = "") -> str:
    """The next command, only for a name aspirectl takes (a hostile alias is never put in one)."""
    from aspirectl.keys.store import is_consumer

    if not is_consumer(consumer):
        return "fix the key_alias with LiteLLM's /key/update, then re-run 'aspirectl keys audit'"
    return f"aspirectl keys {action} {consumer}{tail}"


def judge_key(record: KeyRecord, now: datetime, t: Thresholds) -> list[KeyFinding]:
    """The findings about one key, from its own row."""
    out: list[KeyFinding] = []
    if not record.status.authenticates or record.status is KeyStatus.IN_GRACE:
        return out
    who, name = _consumer(record), _name(record)
    if record.expires is not None and record.expires != datetime.max:
        left = record.expires - now
        for days in sorted(t.expiring_days):
            if left <= timedelta(days=days):
                severity = Health.CRITICAL if days <= 1 else Health.WARNING
                out.append(KeyFinding("expiring", severity, who, name,
                                      f"expires {record.expires:%Y-%m-%d %H:%M}Z (within {days} "
                                      f"day{'s' if days != 1 else ''})",
                                      _cmd("rotate", who, " --grace 24h")))
                break
    if record.max_budget is not None and record.max_budget > 0:
        used = record.spend / record.max_budget * 100
        if used >= 100:
            spent = f"spent ${record.spend:,.2f} of its ${record.max_budget:,.2f} budget"
            out.append(KeyFinding("budget", Health.CRITICAL, who, name, f"{spent}: LiteLLM refuses its calls",
                                  "raise max_budget with LiteLLM's /key/update, or "
                                  f"{_cmd('create', who, ' --allow-second --budget USD')}"))
        elif used >= t.budget_warn_pct:
            out.append(KeyFinding("budget", Health.WARNING, who, name,
                                  f"spent {used:.0f}% of its ${record.max_budget:,.2f} budget",
                                  _cmd("show", who)))
    last = record.last_active or record.created_at
    if last is not None and now - last > timedelta(days=t.unused_days):
        since = "never used" if record.last_active is None else f"last used {record.last_active:%Y-%m-%d}"
        out.append(KeyFinding("unused", Health.WARNING, who, name,
                              f"{since}, more than {t.unused_days} days ago: nobody needs it",
                              _cmd("revoke", who)))
    if not record.models:
        out.append(KeyFinding("unrestricted", Health.WARNING, who, name,
                              "no model restriction (models = []: every model, the paid ones too)",
                              "set models with LiteLLM's /key/update, or re-create it: "
                              + _cmd("create", who, " --allow-second --models ALIAS,...")
                              + f", then delete the old key {name}"))
    return out


def audit(store: KeyStore, database: str, now: datetime, t: Thresholds,
          scanned: Sequence[ScanFinding] = ()) -> AuditReport:
    from aspirectl.keys.store import consumer_of
    from aspirectl.textsafe import one_line

    records = [r for page in store.iter_keys(include_all=True) for r in page]
    report = AuditReport(database, sum(1 for r in records if r.status is not KeyStatus.IN_GRACE),
                         thresholds=t)
    by_alias: dict[str | None, list[KeyRecord]] = {}
    for record in records:
        report.findings.extend(judge_key(record, now, t))
        if record.status.authenticates and record.status is not KeyStatus.IN_GRACE:
            by_alias.setdefault(record.consumer, []).append(record)
    for alias, keys in by_alias.items():
        if alias is None or not alias.strip():
            for k in keys:
                report.findings.append(KeyFinding(
                    "missing_alias", Health.WARNING, "(no key_alias)", _name(k),
                    "a working key with no key_alias: nobody can tell who holds it",
                    "name it with LiteLLM's /key/update, or revoke it there"))
        elif len(keys) > 1:
            who = _consumer(keys[0])
            report.findings.append(KeyFinding(
                "duplicate_alias", Health.WARNING, who, ", ".join(_name(k) for k in keys),
                f"{len(keys)} working keys share the key_alias (LiteLLM's own API refuses that)",
                _cmd("show", who)))
    # By consumer, not by alias: NAME's second key (NAME/2) working, or an expired key aspirectl
    # retired (NAME/retired-...) beside NAME's new one, is no broken consumer.
    working = {consumer_of(alias) for alias in by_alias if alias}
    expired_only = {consumer_of(r.consumer) for r in records
                    if r.status is KeyStatus.EXPIRED and r.consumer} - working
    for consumer in sorted(expired_only):
        report.findings.append(KeyFinding("expired", Health.WARNING, one_line(consumer, 200), "-",
                                          "its only key has expired: its calls are refused",
                                          _cmd("rotate", consumer, " --now")))
    for record in (r for r in records if r.status is KeyStatus.IN_GRACE):
        if record.revoke_at is not None and record.revoke_at - now <= timedelta(days=1):
            who = _consumer(record)
            report.findings.append(KeyFinding(
                "grace_ending", Health.WARNING, who, _name(record),
                f"the rotated-out key stops working at {record.revoke_at:%Y-%m-%d %H:%M}Z: every agent "
                "must hold the new one by then", _cmd("show", who)))
    shared, report.sources_checked = _shared_keys(store, now, t)
    tokens = {r.token: r for r in records}
    for token, sources in shared.items():
        holder = tokens.get(token)
        if holder is None or not holder.status.authenticates:
            continue
        who = _consumer(holder)
        report.findings.append(KeyFinding(
            "shared", Health.WARNING, who, _name(holder),
            f"used from {sources} requester addresses in {t.window_days} days: one key shared by "
            "several agents", f"give each agent its own key: aspirectl keys provision FLEET.yaml, then "
                              f"{_cmd('revoke', who)}"))
    for seen in scanned:
        if seen.live and seen.record is not None:
            who = _consumer(seen.record)
            report.findings.append(KeyFinding(
                "plaintext", Health.CRITICAL, who, seen.key_name,
                f"a working key in plaintext at {one_line(str(seen.sighting.path), 200)}:"
                f"{seen.sighting.line}",
                _cmd("rotate", who, " --now")))
    order = {Health.CRITICAL: 0, Health.WARNING: 1}
    report.findings.sort(key=lambda f: (order.get(f.severity, 2), f.kind, f.consumer))
    return report


def _shared_keys(store: KeyStore, now: datetime, t: Thresholds) -> tuple[dict[str, int], bool]:
    """api_key hash -> distinct requester addresses in the window, for keys with many; and
    whether the log could say (it needs LiteLLM_SpendLogs.requester_ip_address)."""
    from aspirectl.keys.db import SPEND

    db = store.db
    if "requester_ip_address" not in db.columns(SPEND):
        return {}, False
    since = now - timedelta(days=t.window_days)
    distinct = "COUNT(DISTINCT requester_ip_address)"
    rows = db.query(f'SELECT api_key, {distinct} AS n FROM "{SPEND}" '
                    'WHERE "startTime" >= %s AND COALESCE(requester_ip_address, \'\') <> \'\' '
                    f"GROUP BY api_key HAVING {distinct} >= {int(t.many_sources)} "
                    "ORDER BY n DESC LIMIT 1000", [db.time(since)])
    return {str(r["api_key"]): int(r["n"]) for r in rows}, True
