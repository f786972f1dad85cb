"""The parsed catalog, cached per chains directory (XDG cache, 0700): TAB completion and
`route --offline` then need no YAML parser. The key is the directory, the names, sizes and
mtimes of its chain files, and the aspirectl version; a changed file means a fresh parse.
Invalid catalogs are never cached."""

from __future__ import annotations

import contextlib
import os
from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aspirectl import __version__, paths

if TYPE_CHECKING:
    from aspirectl.catalog.model import Catalog

CACHE_FORMAT = 3  # 3: the gateway block


def fingerprint(directory: Path) -> str:
    parts = [str(directory.resolve()), __version__, str(CACHE_FORMAT)]
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return ""
    for entry in entries:
        if entry.name.endswith((".yaml", ".yml")):
            try:
                st = entry.stat()
            except OSError:  # a dangling link or a link loop: no cache, the loader says why
                return ""
            parts.append(f"{entry.name}:{st.st_mtime_ns}:{st.st_size}")
    return "|".join(parts)


def _cache_path(key: str) -> Path:
    import binascii  # built in: cheaper to import than hashlib

    return paths.cache_dir() / f"catalog-{binascii.crc32(key.encode()):08x}.marshal"


def _encode(value: Any) -> Any:
    """Model objects -> marshal-able plain values (marshal is built in: nothing to import)."""
    if isinstance(value, Enum):
        return ("E", type(value).__name__, value.value)
    if isinstance(value, date):
        return ("D", value.isoformat())
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("T", type(value).__name__, tuple(_encode(v) for v in value))
    if isinstance(value, tuple):
        return ("t", tuple(_encode(v) for v in value))
    if isinstance(value, dict):
        return ("d", {k: _encode(v) for k, v in value.items()})
    return ("v", value)


def _decode(value: Any, types: dict[str, Any]) -> Any:
    tag = value[0]
    if tag == "E" or tag == "T":
        kind = types[value[1]]
        return kind(value[2]) if tag == "E" else kind(*(_decode(v, types) for v in value[2]))
    if tag == "D":
        return date.fromisoformat(value[1])
    if tag == "t":
        return tuple(_decode(v, types) for v in value[1])
    if tag == "d":
        return {k: _decode(v, types) for k, v in value[1].items()}
    return value[1]


def _model_types() -> dict[str, Any]:
    from aspirectl.catalog import model

    return {name: obj for name, obj in vars(model).items() if isinstance(obj, type)}


def _private_cache() -> bool:
    """The cache is used only in a directory of the user's own that nobody else may write
    (a planted cache would decide where credentials go), and it is only an optimisation: a
    user without a writable home (cron as nobody, a system user) parses the YAML instead."""
    from aspirectl.errors import AspirectlError

    try:
        paths.ensure_private_dir(paths.cache_dir())
    except (AspirectlError, OSError):
        return False
    return True


def load_cached_catalog(directory: Path) -> Catalog:
    import marshal

    key = fingerprint(directory) if _private_cache() else ""
    if key:
        path = _cache_path(key)
        with contextlib.suppress(Exception):
            stored_key, plain = marshal.loads(path.read_bytes())
            if stored_key == key:
                cached: Catalog = _decode(plain, _model_types())
                return cached
    from aspirectl.catalog.loader import load_catalog

    catalog = load_catalog(directory)
    if key:
        with contextlib.suppress(OSError):
            tmp = _cache_path(key).with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps((key, _encode(catalog))))
            os.replace(tmp, _cache_path(key))
    return catalog
