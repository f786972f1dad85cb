"""The gateway's key database: PostgreSQL (the real gateway DB, LiteLLM's own schema, never
created or altered here) or SQLite (the embedded default, created on first use).

SQL is written once, in PostgreSQL form; the SQLite backend rewrites placeholders and drops
the casts. Columns are read from the live schema so that snapshots copy whatever columns
this LiteLLM version has.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aspirectl import paths
from aspirectl.errors import ConfigError, OperationFailed
from aspirectl.secrets.redact import mask_url, redact
from aspirectl.textsafe import one_line

TOKENS = "LiteLLM_VerificationToken"
DEPRECATED = "LiteLLM_DeprecatedVerificationToken"
DELETED = "LiteLLM_DeletedVerificationToken"
AUDIT = "LiteLLM_AuditLog"
# Only the key table itself is required: LiteLLM 1.80 (proxy-extras 0.4.5) has neither the
# deleted- nor the deprecated-key table; the store uses them where they exist.
REQUIRED_TABLES = (TOKENS,)
OPTIONAL_KEY_TABLES = (DEPRECATED, DELETED)
SPEND = "LiteLLM_SpendLogs"
ERRORS = "LiteLLM_ErrorLogs"
KNOWN_TABLES = (*REQUIRED_TABLES, *OPTIONAL_KEY_TABLES, AUDIT, SPEND, ERRORS)
# Who writes a table a command needs, for the message when it is missing.
WRITTEN_BY = {
    SPEND: "the LiteLLM proxy writes it when it runs with a database (DATABASE_URL) and spend "
           "logs are on (general_settings.disable_spend_logs not true)",
}
CONNECT_TIMEOUT_S = 5
LOCK_NAMESPACE = "aspirectl:key_alias:"


@dataclass(frozen=True)
class DbTarget:
    kind: str  # "postgresql" | "sqlite"
    url: str  # may hold a password: never shown
    display: str  # host:port/name or the file path: safe to show

    @property
    def path(self) -> Path:
        return Path(self.url)


def default_sqlite() -> Path:
    return paths.data_dir() / "keys.db"


def parse_db_url(url: str | None) -> DbTarget:
    """postgresql://user@host:port/db, sqlite:///relative/path, sqlite:////absolute/path."""
    if not url:
        path = default_sqlite()
        return DbTarget("sqlite", str(path), f"sqlite {path} (embedded default)")
    shown = mask_url(url)  # also remembers the password, so that no error can echo it
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
        if parts.netloc.count("@") > 1:
            raise ConfigError(f"the password in {shown} holds a raw '@'",
                              hint="percent-encode it: '@' is %40 in a URL")
        if not parts.path.strip("/"):
            raise ConfigError(f"no database name in {shown}",
                              hint="use postgresql://USER@HOST:PORT/DBNAME")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ConfigError(f"bad port in database URL {shown}") from None
        clean = url if not scheme.startswith("postgresql+") else "postgresql" + url[len(scheme):]
        return DbTarget("postgresql", clean, f"postgresql {parts.hostname or 'localhost'}:{port}"
                                             f"/{parts.path.strip('/')}")
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
            raise ConfigError(f"bad SQLite URL '{shown}'",
                              hint="use sqlite:///relative/path.db or sqlite:////absolute/path.db")
        named = url[len("sqlite:///"):]
        return DbTarget("sqlite", named, f"sqlite {named}")
    raise ConfigError(f"unsupported database URL scheme '{one_line(scheme, 20) or '(none)'}' in '{shown}'",
                      hint="use postgresql://... (the gateway DB) or sqlite:///PATH")


_CAST = re.compile(r"::(?:text|jsonb|timestamp)(?:\[\])?")


class Database:
    """One connection; ``transaction(lock=...)`` serialises writers per consumer."""

    kind: str
    target: DbTarget

    def __init__(self, target: DbTarget) -> None:
        self.target = target
        self._columns: dict[str, list[str]] = {}

    # adapters -------------------------------------------------------------------------
    def json(self, value: Any) -> Any:
        raise NotImplementedError

    def array(self, values: Sequence[str]) -> Any:
        raise NotImplementedError

    def time(self, value: datetime | None) -> Any:
        raise NotImplementedError

    def read_json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def read_array(self, value: Any) -> list[str]:
        if value is None:
            return []
        return list(json.loads(value)) if isinstance(value, str) else list(value)

    def read_time(self, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(str(value))

    # statements -----------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self, lock: Sequence[str] = ()) -> Iterator[None]:
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        return self._columns.get(table, [])

    def has_table(self, table: str) -> bool:
        return bool(self._columns.get(table))


class PostgresDatabase(Database):
    kind = "postgresql"

    def __init__(self, target: DbTarget, require: Sequence[str] = REQUIRED_TABLES) -> None:
        super().__init__(target)
        import psycopg
        from psycopg.rows import dict_row

        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(target.url, connect_timeout=CONNECT_TIMEOUT_S,
                                        row_factory=dict_row, autocommit=True,
                                        application_name="aspirectl")
        except psycopg.Error as exc:
            raise OperationFailed(f"cannot connect to {target.display}: {_first_line(exc)}",
                                  hint="check --db / ASPIRECTL_DB_URL and that the server is up") from None
        rows = self.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ANY(%s) ORDER BY ordinal_position",
            [list(KNOWN_TABLES)])
        for row in rows:
            self._columns.setdefault(row["table_name"], []).append(row["column_name"])
        missing = [t for t in require if t not in self._columns]
        if missing:
            self.close()
            raise missing_tables(target, missing)

    def json(self, value: Any) -> Any:
        from psycopg.types.json import Jsonb

        return Jsonb(value)

    def array(self, values: Sequence[str]) -> Any:
        return list(values)

    def time(self, value: datetime | None) -> Any:
        return value

    def _run(self, sql: str, params: Sequence[Any], many: bool = False) -> Any:
        psycopg = self._psycopg
        try:
            with self.conn.cursor() as cur:
                if many:
                    cur.executemany(sql, params)
                    return None
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else cur.rowcount
        except psycopg.errors.ReadOnlySqlTransaction:
            raise OperationFailed(f"{self.target.display} is read-only",
                                  hint="use the primary, not a replica") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise OperationFailed(f"not allowed on {self.target.display}: {_first_line(exc)}") from None
        except psycopg.OperationalError as exc:
            raise OperationFailed(f"lost the connection to {self.target.display}: "
                                  f"{_first_line(exc)}") from None
        except psycopg.Error as exc:
            raise OperationFailed(f"{self.target.display} refused the change: {_first_line(exc)}") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._run(sql, params)
        return rows

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        count: int = self._run(sql, params)
        return count

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._run(sql, list(rows), many=True)

    @contextlib.contextmanager
    def transaction(self, lock: Sequence[str] = ()) -> Iterator[None]:
        psycopg = self._psycopg
        try:
            with self.conn.transaction():
                if lock:
                    # One advisory lock per consumer, taken in a fixed order (no deadlocks):
                    # the DB has no unique constraint on key_alias, so this is what keeps
                    # check-then-insert and rotate-in-place race free.
                    self.query("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                               "FROM unnest(%s::text[]) AS k ORDER BY k",
                               [[LOCK_NAMESPACE + name for name in sorted(set(lock))]])
                yield
        except psycopg.Error as exc:
            raise OperationFailed(f"{self.target.display}: transaction failed, nothing was "
                                  f"written: {_first_line(exc)}") from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


class SqliteDatabase(Database):
    kind = "sqlite"

    def __init__(self, target: DbTarget, require: Sequence[str] = REQUIRED_TABLES,
                 create: bool = False) -> None:
        super().__init__(target)
        path = target.path
        fresh = not path.exists()
        if fresh and not create and path != default_sqlite():
            raise ConfigError(f"no SQLite database at {target.display}",
                              hint="check the path (a typo would start an empty key store); to start a "
                                   "new one there, pass --create to 'keys create' or 'keys provision'")
        if fresh:
            try:
                if path == default_sqlite():
                    paths.ensure_private_dir(path.parent)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise OperationFailed(f"cannot create {target.display}: {exc.strerror or exc}") from None
        try:
            self.conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                        detect_types=0, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise OperationFailed(f"cannot open {target.display}: {exc}",
                                  hint="is it an SQLite database?") from None
        if not tables.intersection(REQUIRED_TABLES):
            from aspirectl.keys.schema import SQLITE_SCHEMA

            try:
                self.conn.executescript(SQLITE_SCHEMA)
            except sqlite3.OperationalError as exc:
                raise OperationFailed(f"cannot create the key tables in {target.display}: {exc}") from None
        for table in KNOWN_TABLES:
            cols = [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]
            if cols:
                self._columns[table] = cols
        missing = [t for t in require if t not in self._columns]
        if missing:
            raise missing_tables(target, missing)

    def json(self, value: Any) -> Any:
        return json.dumps(value)

    def array(self, values: Sequence[str]) -> Any:
        return json.dumps(list(values))

    def time(self, value: datetime | None) -> Any:
        return value.isoformat(sep=" ", timespec="milliseconds") if value else None

    @staticmethod
    def _sql(sql: str) -> str:
        return _CAST.sub("", sql).replace("%s", "?")

    def _run(self, sql: str, params: Sequence[Any], many: bool = False) -> Any:
        try:
            if many:
                self.conn.executemany(self._sql(sql), params)
                return None
            cur = self.conn.execute(self._sql(sql), [_sqlite_value(p) for p in params])
            if cur.description:
                return [dict(row) for row in cur.fetchall()]
            return cur.rowcount
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "readonly" in text or "read-only" in text:
                raise OperationFailed(f"{self.target.display} is read-only",
                                      hint="check the file's permissions") from None
            raise OperationFailed(f"{self.target.display}: {text}") from None
        except sqlite3.DatabaseError as exc:
            raise OperationFailed(f"{self.target.display} refused the change: {exc}") from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._run(sql, params)
        return rows

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        count: int = self._run(sql, params)
        return count

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._run(sql, [[_sqlite_value(p) for p in row] for row in rows], many=True)

    @contextlib.contextmanager
    def transaction(self, lock: Sequence[str] = ()) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the database's write lock up front: writers serialise.
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "readonly" in text:
                raise OperationFailed(f"{self.target.display} is read-only") from None
            raise OperationFailed(f"{self.target.display}: {text}") from None
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            raise OperationFailed(f"{self.target.display}: commit failed, nothing was written: "
                                  f"{exc}") from None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value))
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(text[0] if text else type(exc).__name__)


def missing_tables(target: DbTarget, missing: Sequence[str]) -> ConfigError:
    writers = [f"{t}: {WRITTEN_BY[t]}" for t in missing if t in WRITTEN_BY]
    if writers:
        return ConfigError(f"{target.display} has no {', '.join(missing)} table", hint="; ".join(writers))
    if target.kind == "sqlite":
        return ConfigError(f"{target.display} lacks LiteLLM key tables ({', '.join(missing)})",
                           hint="use a fresh file, or a database with all three tables")
    return ConfigError(f"{target.display} has no LiteLLM key table ({', '.join(missing)} missing)",
                       hint="point --db at the gateway's database: LiteLLM's migrations create it "
                            "(the proxy applies them at start-up; aspirectl never creates tables there)")


def open_database(url: str | None, require: Sequence[str] = REQUIRED_TABLES,
                  create: bool = False) -> Database:
    """``create``: a SQLite file that does not exist yet may be started (the embedded default
    always may); a PostgreSQL database is never created."""
    target = parse_db_url(url)
    if target.kind == "postgresql":
        return PostgresDatabase(target, require)
    return SqliteDatabase(target, require, create=create)
