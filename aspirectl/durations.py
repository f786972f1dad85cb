"""Human durations for flags: 90d, 24h, 30m, 2w, 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta

from aspirectl.errors import UsageError

_PART = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, flag: str) -> timedelta:
    cleaned = text.strip().lower()
    pos, total = 0, 0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not cleaned or pos != len(cleaned):
        raise UsageError(f"bad duration '{text}' for {flag}", hint="use e.g. 90d, 24h, 30m, 2w or 1h30m")
    if total <= 0:
        raise UsageError(f"{flag} must be longer than 0, got '{text}'")
    return timedelta(seconds=total)


def describe(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
