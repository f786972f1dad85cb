"""Small parsers shared by the provider modules: delays, timestamps, JSON envelopes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
# A delay or reset further away than this is no delay an upstream means: ignored.
MAX_DELAY_S = 400 * 24 * 3600


def parse_duration(text: str) -> float | None:
    """'40s', '33740.91s', '1m3s', '12ms', '6' -> seconds."""
    text = (text or "").strip()[:64]
    if not text:
        return None
    try:
        return _bounded(float(text))
    except ValueError:
        pass
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            return None
        value, unit = float(match.group(1)), match.group(2)
        total += value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
        pos = match.end()
    return _bounded(total) if pos == len(text) and pos else None


def _bounded(seconds: float) -> float | None:
    return seconds if 0 <= seconds <= MAX_DELAY_S else None  # also refuses nan and inf


def parse_time(value: Any) -> datetime | None:
    """Unix seconds (int/str) or RFC 3339 -> aware UTC datetime."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            seconds = float(value) / (1000 if value > 10**11 else 1)
            return datetime.fromtimestamp(seconds, UTC)
        if not isinstance(value, str):
            return None
        text = value.strip()[:64]
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return parse_time(float(text))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):  # out of range for a date: no reset at all
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def in_seconds(seconds: float | None) -> datetime | None:
    if seconds is None or _bounded(seconds) is None:
        return None
    return datetime.now(UTC) + timedelta(seconds=seconds)


def dig(document: Any, *keys: Any) -> Any:
    """document[k1][k2]... or None if any level is missing or of the wrong kind."""
    for key in keys:
        if isinstance(document, list) and isinstance(key, int):
            if not -len(document) <= key < len(document):
                return None
            document = document[key]
        elif isinstance(document, dict) and key in document:
            document = document[key]
        else:
            return None
    return document


def as_text(value: Any) -> str | None:
    return None if value is None else str(value)
