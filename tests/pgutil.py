"""PostgreSQL with LiteLLM's real schema: the migrations shipped in litellm-proxy-extras,
applied in order to a template database once; each test gets a fresh copy."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg

from aspirectl.litellm.releases import DEFAULT_TARGET, SUPPORTED

PG_HOST = os.environ.get("ASPIRECTL_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ASPIRECTL_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ASPIRECTL_TEST_PG_USER", "postgres")


def admin_url(database: str = "postgres") -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


# The litellm-proxy-extras releases pinned by the LiteLLM releases the project supports
# (aspirectl/litellm/releases.py SUPPORTED); the newest is the installed test extra.
SCHEMA_VERSIONS = tuple(SUPPORTED.values())
NEWEST = SUPPORTED[DEFAULT_TARGET]


# Read when the test session starts (tests get their own HOME and XDG dirs afterwards).
CI_CACHE = Path(os.environ.get("ASPIRECTL_CI_CACHE")
                or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aspirectl-ci")


def extras_cache(version: str) -> Path:
    """Where scripts/test unpacks an older proxy-extras wheel (its migrations only)."""
    return CI_CACHE / f"litellm-proxy-extras-{version}" / "litellm_proxy_extras"


def migrations_dir(version: str | None = None) -> Path:
    import litellm_proxy_extras

    installed = Path(litellm_proxy_extras.__file__).parent
    if version in (None, NEWEST):
        return installed / "migrations"
    unpacked = extras_cache(version) / "migrations"
    if not unpacked.is_dir():
        raise FileNotFoundError(f"LiteLLM's migrations of litellm-proxy-extras {version} are not at "
                                f"{unpacked}: run scripts/test, which fetches them")
    return unpacked


def migration_files(version: str | None = None) -> list[Path]:
    directory = migrations_dir(version)
    return sorted((d / "migration.sql" for d in directory.iterdir()
                   if (d / "migration.sql").is_file()), key=lambda p: p.parent.name)


def apply_migrations(url: str, version: str | None = None) -> int:
    files = migration_files(version)
    with psycopg.connect(url, autocommit=True) as conn:
        for path in files:
            conn.execute(path.read_text(encoding="utf-8"))
    return len(files)


def create_database(template: str | None = None, prefix: str = "aspirectl_t_") -> str:
    name = prefix + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def template_database(version: str | None = None) -> str:
    name = create_database(prefix="aspirectl_tpl_")
    try:
        apply_migrations(admin_url(name), version)
    except BaseException:
        drop_database(name)
        raise
    return name
