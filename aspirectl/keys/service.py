"""What the keys commands need besides the store: the DB URL, flag parsing, save targets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aspirectl.errors import UsageError
from aspirectl.keys.db import Database, open_database, parse_db_url
from aspirectl.secrets.store import Resolver

METADATA_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def db_url(flag_or_env: str | None, resolver: Resolver | None) -> str | None:
    """--db / ASPIRECTL_DB_URL, then the 'db-url' secret (env or keyring), else the default."""
    if flag_or_env:
        return flag_or_env
    return resolver.value("db-url") if resolver is not None else None


def describe_db(url: str | None) -> str:
    return parse_db_url(url).display


def connect(url: str | None) -> Database:
    return open_database(url)


def parse_metadata(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not METADATA_KEY.match(key):
            raise UsageError(f"bad --metadata '{pair}'", hint="use key=value, e.g. --metadata team=ko")
        try:
            value = json.loads(raw)
            if not isinstance(value, (bool, int, float)) and value is not None:
                value = raw
        except ValueError:
            value = raw
        out[key] = value
    return out


def parse_positive(value: float | None, flag: str) -> float | None:
    if value is not None and value <= 0:
        raise UsageError(f"{flag} must be more than 0, got {value:g}")
    return value


def save_target(value: str | None) -> tuple[str, Path | None]:
    """--save keyring | --save PATH -> ("keyring", None) | ("file", PATH) | ("screen", None)."""
    if value is None:
        return "screen", None
    if value == "keyring":
        return "keyring", None
    return "file", Path(value).expanduser()
