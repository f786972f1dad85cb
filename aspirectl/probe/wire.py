"""Small parsers shared by the provider modules: delays, timestamps, JSON envelopes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_duration(text: str) -> float | None:
    """'40s', '33740.91s', '1m3s', '12ms', '6' -> seconds."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            return None
        value, unit = float(match.group(1)), match.group(2)
        total += value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
        pos = match.end()
    return total if pos == len(text) and pos else None


def parse_time(value: Any) -> datetime | None:
    """Unix seconds (int/str) or RFC 3339 -> aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value) / (1000 if value > 10**11 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return parse_time(float(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def in_seconds(seconds: float | None) -> datetime | None:
    if seconds is None:
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
