"""A key as the gateway sees it, and the one place its status is derived."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

EXPIRING_WITHIN = timedelta(days=7)
CACHE_TTL_NOTE = ("the gateway's key cache may honour the old key for up to its TTL "
                  "(general_settings.user_api_key_cache_ttl, 60 s by default)")


class KeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"  # active, expires within EXPIRING_WITHIN
    IN_GRACE = "in grace"  # an old hash of a rotated key, accepted until revoke_at
    BLOCKED = "blocked"
    EXPIRED = "expired"
    DELETED = "deleted"

    @property
    def authenticates(self) -> bool:
        return self in (KeyStatus.ACTIVE, KeyStatus.EXPIRING, KeyStatus.IN_GRACE)


def utcnow() -> datetime:
    """Naive UTC with millisecond precision: what TIMESTAMP(3) columns hold."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def derive_status(blocked: bool | None, expires: datetime | None, now: datetime) -> KeyStatus:
    if blocked:
        return KeyStatus.BLOCKED
    if expires is not None and expires < now:
        return KeyStatus.EXPIRED
    if expires is not None and expires - now < EXPIRING_WITHIN:
        return KeyStatus.EXPIRING
    return KeyStatus.ACTIVE


@dataclass(frozen=True)
class KeyRecord:
    token: str  # sha256 hex: never the plaintext
    consumer: str | None
    key_name: str | None
    status: KeyStatus
    created_at: datetime | None = None
    expires: datetime | None = None
    last_active: datetime | None = None
    spend: float = 0.0
    max_budget: float | None = None
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    models: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    rotation_count: int = 0
    last_rotation_at: datetime | None = None
    revoke_at: datetime | None = None  # for keys in grace
    created_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat(timespec="seconds") + "Z" if moment else None

        return {
            "consumer": self.consumer,
            "key_name": self.key_name,
            "status": self.status.value,
            "token_sha256": self.token,
            "created_at": iso(self.created_at),
            "expires": iso(self.expires),
            "last_active": iso(self.last_active),
            "revoke_at": iso(self.revoke_at),
            "spend": self.spend,
            "max_budget": self.max_budget,
            "rpm_limit": self.rpm_limit,
            "tpm_limit": self.tpm_limit,
            "models": list(self.models),
            "metadata": self.metadata,
            "rotation_count": self.rotation_count,
            "last_rotation_at": iso(self.last_rotation_at),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class NewKey:
    """A freshly minted key: the plaintext exists only here, in memory, until delivered."""

    consumer: str
    plaintext: str
    record: KeyRecord

    def __repr__(self) -> str:  # never let a repr or a traceback show the plaintext
        return f"NewKey(consumer={self.consumer!r}, key_name={self.record.key_name!r})"
