"""Acknowledged states: "known, stop telling me" for a tool that has no UI (the Nagios
acknowledgement, the Alertmanager silence).

An acknowledgement names an alias or an upstream of a catalog, a duration and a reason. It
turns a WARNING of that alias (or of every alias whose own chain has that upstream failing)
into an exit 0 with a note in every output, and nothing else:

* never a CRITICAL or an UNKNOWN: only a WARNING is acknowledged;
* never a change of state: the acknowledgement records the state it acknowledges (the
  alias's verdict "WARNING via anthropic-oauth on claude-haiku-4-5 (fallback)", or the
  upstream's failing outcome "overloaded"), from the catalog's last saved probe; when the
  state differs, the WARNING is news again and every output says why;
* it expires loudly: past its end it no longer applies, the outputs say so while it stays
  on file (``ack remove`` or 7 days after it ended), and ``probe --changes`` reports its end.

Kept per catalog (by its directory, so an edit of the chain files keeps them) in the state
directory, 0600, written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aspirectl.documents import ACKS as ACKS_SCHEMA
from aspirectl.errors import UsageError
from aspirectl.status import Health
from aspirectl.textsafe import one_line

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog
    from aspirectl.health import Assessment
    from aspirectl.routing import Decision


LONGEST = timedelta(days=90)  # an acknowledgement is a decision to revisit, not a mute button
KEPT_AFTER_END = timedelta(days=7)
REASON_LIMIT = 200


@dataclass(frozen=True)
class Ack:
    subject: str
    kind: str  # "alias" | "upstream"
    until: datetime
    reason: str
    state: str | None  # what was acknowledged; None: any WARNING (no saved probe at the time)
    created_at: datetime
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": self.kind, "until": _iso(self.until), "reason": self.reason,
                "state": self.state, "created_at": _iso(self.created_at), "created_by": self.created_by}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Ack:
        return cls(one_line(doc["subject"], 200), "upstream" if doc.get("kind") == "upstream" else "alias",
                   _time(doc["until"]), one_line(doc.get("reason", ""), REASON_LIMIT),
                   one_line(doc["state"], 300) if doc.get("state") else None,
                   _time(doc.get("created_at") or doc["until"]), one_line(doc.get("created_by", ""), 80))


@dataclass(frozen=True)
class AckNote:
    """How one acknowledgement stands in one run."""

    ack: Ack
    applied_to: tuple[str, ...]  # the aliases whose WARNING it turns into an exit 0 now
    why_not: str = ""  # when it applies to nothing: expired, the state changed, nothing to acknowledge

    @property
    def applied(self) -> bool:
        return bool(self.applied_to)

    def text(self) -> str:
        head = f"{self.ack.subject} acknowledged until {_shown(self.ack.until)} by {self.ack.created_by}: " \
               f"{self.ack.reason}"
        return head if self.applied else f"{head} ({self.why_not})"

    def to_dict(self) -> dict[str, Any]:
        return {**self.ack.to_dict(), "applied": self.applied, "applied_to": list(self.applied_to),
                "why_not": self.why_not or None}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _shown(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ storage

def acks_file(chains_dir: Path | str) -> Path:
    from aspirectl import paths
    from aspirectl.state import directory_key

    return paths.state_dir() / f"acks-{directory_key(chains_dir)}.json"


def load_acks(chains_dir: Path | str) -> list[Ack]:
    """The catalog's acknowledgements; a file that cannot be read is a ConfigError (an
    acknowledgement silently lost would page someone for a known state)."""
    from aspirectl.errors import ConfigError
    from aspirectl.safefile import describe_unreadable, read_regular

    path = acks_file(chains_dir)
    try:
        data, more = read_regular(path, 1 << 20)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"cannot read the acknowledgements {path}: {describe_unreadable(exc)}",
                          hint="remove the file to start over ('aspirectl ack list' shows them)") from None
    try:
        doc = json.loads(data) if not more else None
        if not isinstance(doc, dict) or doc.get("schema") != ACKS_SCHEMA:
            raise ValueError("not an aspirectl acknowledgements file")
        return [Ack.from_dict(a) for a in doc.get("acks", [])]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read the acknowledgements {path}: {one_line(str(exc), 120)}",
                          hint="remove the file to start over") from None


def save_acks(chains_dir: Path | str, acks: list[Ack], now: datetime | None = None) -> None:
    """Write the acknowledgements (those ended more than 7 days ago are dropped)."""
    from aspirectl.state import write_private

    now = now or datetime.now(UTC)
    kept = [a for a in acks if a.until + KEPT_AFTER_END > now]
    doc = {"schema": ACKS_SCHEMA, "catalog": str(Path(chains_dir).resolve()),
           "acks": [a.to_dict() for a in sorted(kept, key=lambda a: a.subject)]}
    write_private(acks_file(chains_dir), json.dumps(doc, indent=1) + "\n")


# -------------------------------------------------------------------------- operations

def acknowledged_state(catalog: Catalog, subject: str) -> tuple[str, str | None]:
    """(kind, the state to acknowledge from the catalog's last saved probe, or None)."""
    from aspirectl.errors import UnknownName
    from aspirectl.state import load_state, served_text

    if subject in catalog.aliases:
        kind = "alias"
    elif subject in catalog.upstreams:
        kind = "upstream"
    else:
        raise UnknownName("alias or upstream", subject, [*catalog.aliases, *catalog.upstreams])
    saved = load_state(catalog.directory)
    if saved is None:
        return kind, None
    if kind == "alias":
        entry = saved.aliases.get(subject)
        return kind, served_text(entry, subject) if entry else None
    outcomes = sorted({h.outcome.value for (_, upstream), h in saved.hops.items()
                       if upstream == subject and not h.serves})
    return kind, ", ".join(outcomes) if outcomes else None


def add_ack(catalog: Catalog, subject: str, duration: timedelta, reason: str, who: str,
            now: datetime | None = None) -> tuple[Ack, bool]:
    """Record (or replace) the acknowledgement of ``subject``; (the ack, whether it replaced one)."""
    now = now or datetime.now(UTC)
    if duration > LONGEST:
        raise UsageError(f"--for is at most {LONGEST.days} days",
                         hint="an acknowledgement is a decision to revisit: acknowledge again when it ends")
    text = one_line(reason, None)
    if not text:
        raise UsageError("--reason is required: say why this state is known and fine for now")
    if len(text) > REASON_LIMIT:
        raise UsageError(f"--reason is at most {REASON_LIMIT} characters")
    kind, state = acknowledged_state(catalog, subject)
    if state is None:
        raise UsageError(f"no saved probe of this catalog says {subject} is failing: nothing to acknowledge",
                         hint="run 'aspirectl probe' first: the acknowledgement records what it "
                              "acknowledges")
    if kind == "alias" and not state.startswith("WARNING"):
        raise UsageError(f"{subject} is not a WARNING in the last probe ({state}): only a WARNING is "
                         "acknowledged", hint="a CRITICAL or an UNKNOWN always pages")
    ack = Ack(subject, kind, now.replace(microsecond=0) + duration, text, state, now.replace(microsecond=0),
              one_line(who, 80) or "?")
    acks = load_acks(catalog.directory)
    replaced = any(a.subject == subject for a in acks)
    save_acks(catalog.directory, [a for a in acks if a.subject != subject] + [ack], now)
    return ack, replaced


def remove_ack(catalog: Catalog, subject: str) -> bool:
    acks = load_acks(catalog.directory)
    kept = [a for a in acks if a.subject != subject]
    if len(kept) == len(acks):
        return False
    save_acks(catalog.directory, kept)
    return True


# ------------------------------------------------------------------------ judgement

def _failing_upstreams(d: Decision) -> dict[str, str]:
    """The alias's own hops that do not serve: upstream -> outcome."""
    return {h.upstream: h.outcome.value for h in d.hops
            if h.outcome is not None and not h.serves and h.alias == d.alias}


def _verdict(d: Decision) -> str:
    from aspirectl.state import served_text

    doc = d.to_dict()
    return served_text({"status": doc["status"], "served_by": doc["served_by"], "failure": doc["failure"]},
                       d.alias)


def concerns(ack_subject: str, decisions: tuple[Decision, ...]) -> bool:
    """Whether a run of these decisions says anything about the subject (a partial run that
    did not probe it neither applies nor ends its acknowledgement)."""
    return any(d.alias == ack_subject or any(h.upstream == ack_subject for h in d.hops) for d in decisions)


def judge(acks: list[Ack], decisions: tuple[Decision, ...], now: datetime) -> list[AckNote]:
    """How each acknowledgement the run concerns stands in it."""
    notes = []
    for ack in acks:
        if not concerns(ack.subject, decisions):
            continue
        if ack.until <= now:
            notes.append(AckNote(ack, (), f"expired {_shown(ack.until)}: the state is news again"))
            continue
        applied, why = [], "nothing to acknowledge in this run"
        for d in decisions:
            if ack.kind == "alias" and d.alias != ack.subject:
                continue
            failing = _failing_upstreams(d)
            if ack.kind == "upstream" and ack.subject not in failing:
                continue
            if d.status is not Health.WARNING:
                why = f"{d.alias} is {d.status.name}: only a WARNING is acknowledged"
                continue
            current = _verdict(d) if ack.kind == "alias" else failing[ack.subject]
            if ack.state is not None and current != ack.state:
                why = f"the state changed: acknowledged '{ack.state}', now '{current}'"
                continue
            applied.append(d.alias)
        notes.append(AckNote(ack, tuple(applied), "" if applied else why))
    return notes


def apply_acks(assessment: Assessment, acks: list[Ack], now: datetime | None = None) -> Assessment:
    """The assessment with its acknowledgements judged: each acknowledged WARNING alias
    counts as OK for the run's status (the alias's own status stays what it is)."""
    from aspirectl.routing import worst

    if not acks:
        return assessment
    notes = judge(acks, assessment.decisions, now or datetime.now(UTC))
    acknowledged = {alias for n in notes for alias in n.applied_to}
    states = [Health.OK if d.alias in acknowledged else d.status for d in assessment.decisions]
    if assessment.report.deadline_hit:
        states.append(Health.UNKNOWN)
    if assessment.gateway is not None:
        states.append(assessment.gateway.status)
    return replace(assessment, status=worst(states), acknowledgements=tuple(notes))
