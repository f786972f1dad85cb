"""The last probe result on disk (XDG state dir, 0600) and the lock against overlapping runs."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aspirectl import paths
from aspirectl.errors import BusyError
from aspirectl.probe.report import HopResult, ProbeReport
from aspirectl.probe.wire import parse_time
from aspirectl.safefile import atomic_write, open_lock
from aspirectl.secrets.redact import redact_obj
from aspirectl.textsafe import one_line

STATE_SCHEMA = "aspirectl.state/v1"


def catalog_key(chains_dir: Path | str) -> str:
    """Which catalog a saved probe belongs to: its absolute path and the content of its chain
    files. A probe of the sandbox's catalog is never read back for the real one, and an edited
    catalog starts a fresh history."""
    import hashlib

    directory = Path(chains_dir).resolve()
    digest = hashlib.sha256(str(directory).encode())
    try:
        names = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    except OSError:
        names = []
    for path in names:
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes()[: 1 << 20])
        except OSError:
            continue
    return digest.hexdigest()[:16]


def state_file(chains_dir: Path | str | None = None) -> Path:
    """$XDG_STATE_HOME/aspirectl/last-probe-KEY.json, one per catalog."""
    if chains_dir is None:
        return paths.state_dir() / "last-probe.json"
    return paths.state_dir() / f"last-probe-{catalog_key(chains_dir)}.json"


def lock_file() -> Path:
    return paths.runtime_dir() / "probe.lock"


@contextlib.contextmanager
def exclusive_run(path: Path | None = None) -> Iterator[None]:
    """flock(LOCK_EX|LOCK_NB): a second overlapping run fails at once; the kernel drops the
    lock when the process ends, so there are no stale lock files to clean."""
    path = path or lock_file()
    paths.ensure_private_dir(path.parent)
    fd = open_lock(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"another aspirectl probe is running (lock {path})",
                            hint="wait for it, or use 'flock -w SECONDS' in cron") from None
        yield
    finally:
        os.close(fd)


def write_private(path: Path, text: str) -> None:
    """aspirectl's own state: atomic, 0600 from the first byte, in a private directory."""
    paths.ensure_private_dir(path.parent)
    atomic_write(path, text, 0o600, what="state file")


def write_textfile(path: Path, text: str) -> None:
    """node_exporter's textfile collector: atomic, 0644 (the collector's user reads it;
    metrics hold no secrets), into a directory that must already exist (one aspirectl
    created would be 0700 and unreadable to the collector)."""
    atomic_write(path, text, 0o644, what="textfile")


@dataclass(frozen=True)
class SavedState:
    saved_at: datetime
    chains_dir: str
    hops: dict[tuple[str, str], HopResult]
    aliases: dict[str, dict[str, Any]]
    status: str
    last_ok_at: datetime | None

    def report(self) -> ProbeReport:
        return ProbeReport(tuple(self.hops.values()), self.saved_at, 0.0, False, "cached")

    def age_s(self) -> float:
        return (datetime.now(UTC) - self.saved_at).total_seconds()


def load_state(chains_dir: Path | str | None = None, path: Path | None = None) -> SavedState | None:
    path = path or state_file(chains_dir)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != STATE_SCHEMA:
        return None
    try:
        hops = {(h["alias"], h["upstream"]): HopResult.from_dict(h) for h in doc.get("hops", [])}
        saved = parse_time(doc.get("saved_at")) or datetime.now(UTC)
    except (KeyError, ValueError, TypeError):
        return None
    return SavedState(saved, doc.get("chains_dir", ""), hops, doc.get("aliases", {}),
                      doc.get("status", "UNKNOWN"), parse_time(doc.get("last_ok_at")))


def save_state(assessment_doc: dict[str, Any], previous: SavedState | None, chains_dir: str,
               path: Path | None = None) -> None:
    chains_dir = str(Path(chains_dir).resolve())
    """Merge this run's hops and aliases into the saved state (a partial probe keeps the rest)."""
    hops = {(h.alias, h.upstream): h.to_dict() for h in previous.hops.values()} if previous else {}
    for hop in assessment_doc["hops"]:
        hops[(hop["alias"], hop["upstream"])] = hop
    aliases = dict(previous.aliases) if previous else {}
    for alias in assessment_doc["aliases"]:
        aliases[alias["alias"]] = {"status": alias["status"], "served_by": alias["served_by"],
                                   "failure": alias["failure"]}
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    last_ok = now if assessment_doc["status"] == "OK" else (
        previous.last_ok_at.isoformat().replace("+00:00", "Z") if previous and previous.last_ok_at else None)
    doc = {"schema": STATE_SCHEMA, "saved_at": now, "chains_dir": chains_dir,
           "status": assessment_doc["status"], "last_ok_at": last_ok,
           "hops": list(hops.values()), "aliases": aliases}
    write_private(path or state_file(chains_dir), json.dumps(redact_obj(doc), indent=1))


@dataclass(frozen=True)
class Transition:
    subject: str  # "alias gpt-5.5" or "hop gpt-5.5 @ codex-shim"
    before: str
    after: str
    detail: str = ""

    def __str__(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return one_line(f"{self.subject}: {self.before} -> {self.after}{tail}", None)

    def to_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "before": self.before, "after": self.after,
                "detail": self.detail}


def _served(entry: dict[str, Any] | None, alias: str = "") -> str:
    if not entry:
        return "unknown"
    served = entry.get("served_by")
    if served:
        if served.get("alias") and served["alias"] != alias:  # a fallback: say which model serves
            return f"{entry['status']} via {served['alias']} on {served['upstream']} (fallback)"
        return f"{entry['status']} via {served['upstream']}"
    failure = entry.get("failure") or {}
    return f"{entry['status']} (fails loudly {failure.get('status', '')})".replace(" )", ")")


def transitions(previous: SavedState | None, assessment_doc: dict[str, Any]) -> list[Transition]:
    if previous is None:
        return []
    out: list[Transition] = []
    for alias in assessment_doc["aliases"]:
        before = _served(previous.aliases.get(alias["alias"]), alias["alias"])
        after = _served({"status": alias["status"], "served_by": alias["served_by"],
                         "failure": alias["failure"]}, alias["alias"])
        if before != after:
            out.append(Transition(f"alias {alias['alias']}", before, after,
                                  "; ".join(alias["reasons"])))
    for hop in assessment_doc["hops"]:
        old = previous.hops.get((hop["alias"], hop["upstream"]))
        before = old.outcome.value if old else "unknown"
        if before != hop["outcome"]:
            out.append(Transition(f"hop {hop['alias']} @ {hop['upstream']}", before, hop["outcome"],
                                  hop["detail"]))
    return out
