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


def directory_key(chains_dir: Path | str) -> str:
    """A catalog by where it is (not what it says): its lock and acknowledgements survive
    an edit of the chain files."""
    import hashlib

    return hashlib.sha256(str(Path(chains_dir).resolve()).encode()).hexdigest()[:16]


def lock_file(chains_dir: Path | str | None = None) -> Path:
    """One lock per catalog: two Nagios services probing one catalog take turns; probes of
    two catalogs never wait for each other."""
    if chains_dir is None:
        return paths.runtime_dir() / "probe.lock"
    return paths.runtime_dir() / f"probe-{directory_key(chains_dir)}.lock"


@contextlib.contextmanager
def exclusive_run(path: Path | None = None, wait_s: float = 0.0) -> Iterator[None]:
    """flock(LOCK_EX): a second overlapping run waits up to ``wait_s`` for the first, then
    fails with BusyError (UNKNOWN: "another run holds the lock"); the kernel drops the lock
    when the process ends, so there are no stale lock files to clean."""
    import time

    path = path or lock_file()
    paths.ensure_private_dir(path.parent)
    fd = open_lock(path)
    try:
        give_up = time.monotonic() + max(0.0, wait_s)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    raise BusyError(f"another aspirectl run holds the lock of this catalog ({path}) "
                                    f"and did not finish within {wait_s:g}s",
                                    hint="runs of one catalog take turns; give the check more time "
                                         "(--deadline) or space the runs out") from None
                time.sleep(0.05)
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
    # the last complete run (every alias of the catalog) that reached a verdict (not UNKNOWN)
    last_success_at: datetime | None
    acknowledged: tuple[str, ...] = ()  # the acks this run applied, to report their end as news

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
    found = doc.get("acknowledged")
    acknowledged: list[Any] = found if isinstance(found, list) else []
    return SavedState(saved, doc.get("chains_dir", ""), hops, doc.get("aliases", {}),
                      doc.get("status", "UNKNOWN"),
                      parse_time(doc.get("last_success_at") or doc.get("last_ok_at")),
                      tuple(str(a) for a in acknowledged))


def last_success_of(chains_dir: Path | str) -> float | None:
    """When the catalog's last complete run reached a verdict (epoch seconds), if ever."""
    saved = load_state(chains_dir)
    return saved.last_success_at.timestamp() if saved and saved.last_success_at else None


def save_state(assessment_doc: dict[str, Any], previous: SavedState | None, chains_dir: str,
               path: Path | None = None, *, complete: bool = False) -> datetime | None:
    """Merge this run's hops and aliases into the saved state (a partial probe keeps the
    rest). ``complete``: the run probed every alias of the catalog; only such a run that
    reached a verdict (not UNKNOWN) is a success. Returns the catalog's last success."""
    chains_dir = str(Path(chains_dir).resolve())
    hops = {(h.alias, h.upstream): h.to_dict() for h in previous.hops.values()} if previous else {}
    for hop in assessment_doc["hops"]:
        hops[(hop["alias"], hop["upstream"])] = hop
    aliases = dict(previous.aliases) if previous else {}
    for alias in assessment_doc["aliases"]:
        aliases[alias["alias"]] = {"status": alias["status"], "served_by": alias["served_by"],
                                   "failure": alias["failure"]}
    moment = datetime.now(UTC).replace(microsecond=0)
    now = moment.isoformat().replace("+00:00", "Z")
    succeeded = complete and assessment_doc["status"] != "UNKNOWN"
    last_success = moment if succeeded else (previous.last_success_at if previous else None)
    doc = {"schema": STATE_SCHEMA, "saved_at": now, "chains_dir": chains_dir,
           "status": assessment_doc["status"],
           "last_success_at": last_success.isoformat().replace("+00:00", "Z") if last_success else None,
           "acknowledged": _still_acknowledged(assessment_doc, previous),
           "hops": list(hops.values()), "aliases": aliases}
    write_private(path or state_file(chains_dir), json.dumps(redact_obj(doc), indent=1))
    return last_success


def _still_acknowledged(assessment_doc: dict[str, Any], previous: SavedState | None) -> list[str]:
    """The acknowledgements that apply after this run: those it applied, and those of
    subjects it did not probe (a partial run keeps what it did not look at)."""
    applied = [a["subject"] for a in assessment_doc.get("acknowledgements", []) if a.get("applied")]
    probed = {a["alias"] for a in assessment_doc["aliases"]} | {h["upstream"] for h in assessment_doc["hops"]}
    kept = [s for s in (previous.acknowledged if previous else ()) if s not in probed]
    return sorted({*applied, *kept})


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


def served_text(entry: dict[str, Any] | None, alias: str = "") -> str:
    """An alias's verdict in words ("WARNING via anthropic-oauth on claude-haiku-4-5 ..."):
    what --changes compares and what an acknowledgement records."""
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
        before = served_text(previous.aliases.get(alias["alias"]), alias["alias"])
        after = served_text({"status": alias["status"], "served_by": alias["served_by"],
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
    # An acknowledgement that applied last run and does not now (it ended, was removed, or the
    # state it acknowledged changed) is news: its WARNING pages again.
    notes = {a["subject"]: a for a in assessment_doc.get("acknowledgements", [])}
    probed = {a["alias"] for a in assessment_doc["aliases"]} | {h["upstream"] for h in assessment_doc["hops"]}
    for subject in previous.acknowledged:
        note = notes.get(subject)
        if subject not in probed:  # a partial run that did not probe it says nothing of it
            continue
        if note is None or not note.get("applied"):
            why = (note or {}).get("why_not") or "removed"
            out.append(Transition(f"acknowledgement {subject}", "acknowledged", "no longer", why))
    return out
