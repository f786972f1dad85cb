"""The gateway's key database: PostgreSQL (the real gateway DB, LiteLLM's own schema, never
created or altered here) or SQLite (the embedded default, created on first use).

SQL is written once, in PostgreSQL form; the SQLite backend rewrites placeholders and drops
the casts. Columns are read from the live schema so that snapshots copy whatever columns
this LiteLLM version has.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sqlite3
import time
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
# No statement may hang a command (a held lock, a recursive view, a huge scan): PostgreSQL
# ends it after these, and SQLite's progress handler likewise.
STATEMENT_TIMEOUT_S = 60
LOCK_TIMEOUT_S = 10


def statement_timeout() -> float:
    """Seconds: ASPIRECTL_DB_TIMEOUT when it is a positive number, else 60."""
    from aspirectl.envnames import DB_TIMEOUT

    try:
        value = float(os.environ.get(DB_TIMEOUT, ""))
    except ValueError:
        return STATEMENT_TIMEOUT_S
    return value if math.isfinite(value) and 0 < value <= 86400 else STATEMENT_TIMEOUT_S
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
        if not url.strip().lower().startswith(f"{scheme}://"):
            raise ConfigError(f"bad PostgreSQL URL '{shown}': '//' must follow '{scheme}:'",
                              hint="use postgresql://USER@HOST:PORT/DBNAME, the password after USER:")
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

    # Values read back from the gateway's DB are foreign: anyone with LiteLLM's key
    # management (or the DB) writes them. Each reader turns a malformed value into the empty
    # one instead of an exception that would end `keys list` or `usage` for every other row.
    def read_json(self, value: Any) -> Any:
        if isinstance(value, (str, bytes)):
            try:
                return json.loads(value)
            except ValueError:
                return None
        return value

    def read_object(self, value: Any) -> dict[str, Any]:
        """A JSON object column (metadata): anything else is {}."""
        found = self.read_json(value)
        return found if isinstance(found, dict) else {}

    def read_array(self, value: Any) -> list[str]:
        """A text[] column (models): NULL, a malformed value or NULL items are left out."""
        found = self.read_json(value) if isinstance(value, (str, bytes)) else value
        if not isinstance(found, (list, tuple)):
            return []
        return [item for item in found if isinstance(item, str)]

    def read_time(self, value: Any) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            text = str(value).strip().lower()
            return datetime.max if text == "infinity" else datetime.min if text == "-infinity" else None

    @staticmethod
    def read_money(value: Any) -> float:
        """A spend or budget: NaN, infinite, negative or non-numeric reads as 0."""
        try:
            number = float(value or 0)
        except (TypeError, ValueError):
            return 0.0
        return number if math.isfinite(number) and number >= 0 else 0.0

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
        _tolerate_infinite_timestamps(self.conn)
        # SET, not the startup 'options' parameter: PgBouncer refuses unknown startup options.
        self.timeout_s = statement_timeout()
        self.lock_timeout_s = min(LOCK_TIMEOUT_S, self.timeout_s)
        self.execute(f"SET statement_timeout = {int(self.timeout_s * 1000)}")
        self.execute(f"SET lock_timeout = {int(self.lock_timeout_s * 1000)}")
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
        except psycopg.errors.LockNotAvailable:
            raise OperationFailed(f"{self.target.display}: a lock held by another session did not come "
                                  f"free within {self.lock_timeout_s:g} s; nothing was changed",
                                  hint="see pg_stat_activity for the session that holds it") from None
        except psycopg.errors.QueryCanceled:
            raise OperationFailed(f"{self.target.display} did not answer within {self.timeout_s:g} s "
                                  "(statement timeout); nothing was changed",
                                  hint="a held lock or a very large table: see pg_stat_activity") from None
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
            self._deadline = 0.0
            self.timeout_s = statement_timeout()
            # Every ~100k virtual-machine steps: past the deadline, the statement is interrupted
            # (a recursive view or a runaway query cannot hang the command).
            self.conn.set_progress_handler(self._overdue, 100_000)
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise OperationFailed(f"cannot open {target.display}: {exc}",
                                  hint="is it an SQLite database?") from None
        # LiteLLM's tables are added only to a file aspirectl started (new, or the embedded
        # default still empty) or when a writing command was told --create: a read-only
        # command pointed at an unrelated SQLite file never alters it.
        ours = fresh or create or (path == default_sqlite() and not tables)
        if not tables.intersection(REQUIRED_TABLES) and ours:
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

    def _overdue(self) -> int:
        return 1 if self._deadline and time.monotonic() > self._deadline else 0

    def _run(self, sql: str, params: Sequence[Any], many: bool = False) -> Any:
        self._deadline = time.monotonic() + self.timeout_s
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
            if text == "interrupted":
                raise OperationFailed(f"{self.target.display}: a statement ran past {self.timeout_s:g} s "
                                      "and was stopped; nothing was changed") from None
            raise OperationFailed(f"{self.target.display}: {one_line(text, 300)}") from None
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


def _tolerate_infinite_timestamps(conn: Any) -> None:
    """PostgreSQL's 'infinity' (a key that never expires, written by hand or another tool)
    has no Python datetime: read it as datetime.max instead of failing the whole listing."""
    from psycopg.types.datetime import TimestampLoader, TimestamptzLoader

    class Timestamp(TimestampLoader):
        def load(self, data: Any) -> datetime:
            text = bytes(data)
            if text in (b"infinity", b"-infinity"):
                return datetime.max if text == b"infinity" else datetime.min
            loaded: datetime = super().load(data)
            return loaded

    class Timestamptz(TimestamptzLoader):
        def load(self, data: Any) -> datetime:
            text = bytes(data)
            if text in (b"infinity", b"-infinity"):
                from datetime import UTC

                return (datetime.max if text == b"infinity" else datetime.min).replace(tzinfo=UTC)
            loaded: datetime = super().load(data)
            return loaded

    conn.adapters.register_loader("timestamp", Timestamp)
    conn.adapters.register_loader("timestamptz", Timestamptz)


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
