"""Probe results: one HopResult per (alias, hop), gathered in a ProbeReport."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aspirectl.catalog.model import DeclaredState, DeclaredStatus
from aspirectl.probe.outcomes import Origin, Outcome
from aspirectl.probe.wire import parse_time
from aspirectl.secrets.redact import redact
from aspirectl.textsafe import one_line, optional_line

EXCERPT_CHARS = 300


@dataclass(frozen=True)
class HopResult:
    alias: str
    upstream: str
    position: int
    model: str
    outcome: Outcome
    detail: str
    http_status: int | None = None
    latency_ms: float | None = None
    error_code: str | None = None
    retry_after_s: float | None = None
    reset_at: datetime | None = None
    request_id: str | None = None
    excerpt: str = ""
    step: str = ""
    declared: DeclaredState | None = None
    checked_at: datetime | None = None
    origin: Origin = Origin.UPSTREAM

    @property
    def serves(self) -> bool:
        return self.outcome.serves

    @property
    def judged(self) -> bool:
        """The outcome is the upstream's own (not a cause on this machine, not the deadline)."""
        return self.origin.judged

    @property
    def known_down(self) -> bool:
        return bool(self.declared and self.declared.known_down)

    @property
    def key(self) -> tuple[str, str]:
        return (self.alias, self.upstream)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "upstream": self.upstream,
            "position": self.position,
            "model": self.model,
            "outcome": self.outcome.value,
            "serves": self.serves,
            "detail": redact(self.detail),
            "http_status": self.http_status,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "error_code": self.error_code,
            "retry_after_s": self.retry_after_s,
            "reset_at": self.reset_at.isoformat().replace("+00:00", "Z") if self.reset_at else None,
            "request_id": self.request_id,
            "step": self.step,
            "excerpt": redact(self.excerpt),
            "declared_state": self.declared.to_dict() if self.declared else None,
            "known_down": self.known_down,
            "origin": self.origin.value,
            "checked_at": _iso(self.checked_at),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> HopResult:
        declared = doc.get("declared_state")
        return cls(
            alias=doc["alias"], upstream=doc["upstream"], position=int(doc["position"]),
            model=doc.get("model", doc["alias"]), outcome=Outcome(doc["outcome"]),
            detail=one_line(doc.get("detail", ""), 600), http_status=doc.get("http_status"),
            latency_ms=doc.get("latency_ms"), error_code=optional_line(doc.get("error_code"), 80),
            retry_after_s=doc.get("retry_after_s"), reset_at=parse_time(doc.get("reset_at")),
            request_id=optional_line(doc.get("request_id"), 120),
            excerpt=one_line(doc.get("excerpt", ""), EXCERPT_CHARS),
            step=doc.get("step", ""),
            declared=None if not declared else DeclaredState(DeclaredStatus(declared["status"]),
                                                            None, declared.get("note", "")),
            checked_at=parse_time(doc.get("checked_at")),
            origin=Origin(doc["origin"]) if doc.get("origin") in set(Origin) else Origin.UPSTREAM,
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


@dataclass(frozen=True)
class ProbeReport:
    results: tuple[HopResult, ...]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_s: float = 0.0
    deep: bool = False
    source: str = "live"  # live | cached | offline
    deadline_hit: bool = False
    via: str | None = None  # the gateway every hop was probed through (display URL), if any

    def result(self, alias: str, upstream: str) -> HopResult | None:
        return self._index.get((alias, upstream))

    @property
    def _index(self) -> dict[tuple[str, str], HopResult]:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {r.key: r for r in self.results}
            object.__setattr__(self, "_index_cache", cached)
        return cached

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": _iso(self.started_at),
            "duration_s": round(self.duration_s, 3),
            "deep": self.deep,
            "source": self.source,
            "deadline_hit": self.deadline_hit,
            **({"via_gateway": self.via} if self.via else {}),
            "hops": [r.to_dict() for r in self.results],
        }
