"""PostgreSQL with LiteLLM's real schema: the migrations shipped in litellm-proxy-extras,
applied in order to a template database once; each test gets a fresh copy."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg

PG_HOST = os.environ.get("ASPIRECTL_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ASPIRECTL_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("ASPIRECTL_TEST_PG_USER", "postgres")


def admin_url(database: str = "postgres") -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def migrations_dir() -> Path:
    import litellm_proxy_extras

    return Path(litellm_proxy_extras.__file__).parent / "migrations"


def migration_files() -> list[Path]:
    return sorted((d / "migration.sql" for d in migrations_dir().iterdir()
                   if (d / "migration.sql").is_file()), key=lambda p: p.parent.name)


def apply_migrations(url: str) -> int:
    files = migration_files()
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


def template_database() -> str:
    name = create_database(prefix="aspirectl_tpl_")
    try:
        apply_migrations(admin_url(name))
    except BaseException:
        drop_database(name)
        raise
    return name
