"""Small JSON caches that keep TAB completion free of YAML parsing and DB round-trips.

* catalog names: keyed like the catalog cache (directory, files' mtimes and sizes, version);
* consumers: refreshed by every ``keys list`` / ``keys create``; never read from the DB on TAB.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from aspirectl import paths


def _write_json(path: Path, document: object) -> None:
    paths.ensure_private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(document), encoding="utf-8")
    os.replace(tmp, path)


def catalog_names(kind: str, chains_dir: Path | None = None) -> list[str]:
    """Alias or family names, from a JSON cache keyed like the catalog cache (no YAML parser,
    no catalog model on the TAB path)."""
    from aspirectl.catalog.cache import fingerprint
    from aspirectl.settings import Settings

    directory = chains_dir or Settings.resolve().chains_dir
    key = fingerprint(directory)
    cache = paths.cache_dir() / "names.json"
    try:
        doc = json.loads(cache.read_text(encoding="utf-8"))
        if key and doc.get("key") == key:
            return list(doc[kind])
    except (OSError, ValueError, KeyError):
        pass
    from aspirectl.catalog.cache import load_cached_catalog

    catalog = load_cached_catalog(directory)
    doc = {"key": key, "aliases": list(catalog.aliases), "families": list(catalog.families)}
    try:
        _write_json(cache, doc)
    except OSError:
        pass
    return list(doc[kind])


def consumers_cache() -> Path:
    return paths.cache_dir() / "consumers.json"


def cached_consumers() -> list[str]:
    try:
        return list(json.loads(consumers_cache().read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


# zsh's completion script (Typer's) evals what TAB prints, and consumer names come from the
# gateway's database, where LiteLLM lets any key manager set any key_alias ("zz\$(cmd)" ran
# cmd as the operator). Every name aspirectl itself accepts (catalog names, LiteLLM's
# key_alias_pattern) fits this; anything else is never cached nor offered.
SHELL_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./@-]{0,254}")


def shell_safe(values: Iterable[str]) -> list[str]:
    return [v for v in values if isinstance(v, str) and SHELL_SAFE.fullmatch(v)]


def remember_consumers(names: list[str]) -> None:
    """Only names a shell may see are cached for TAB (``shell_safe``)."""
    try:
        _write_json(consumers_cache(), sorted(set(shell_safe(names))))
    except OSError:
        pass
