"""A stand-in for the generated Prisma client that LiteLLM's proxy imports (`from prisma import
Prisma`), executing the same operations on PostgreSQL through psycopg.

Why: the real client drives a query-engine binary that Prisma downloads at run time, which this
machine cannot fetch; without it LiteLLM's proxy cannot start on a database at all. With this
package first on the proxy's PYTHONPATH, everything above the database layer is LiteLLM's own,
unmodified code (its auth, key cache, key endpoints, spend writer); only the translation of
Prisma's query API into SQL is ours. The schema is the release's own: its migrations
(litellm-proxy-extras of that release) build the database, its schema.prisma names the models
and relations. What it stands in for, exactly (README "The DB-backed proxy in the tests"):

- model actions: find_unique, find_unique_or_raise, find_first, find_first_or_raise, find_many
  (where, take, skip, order, include), count, create, create_many (skip_duplicates), update,
  update_many, upsert, delete, delete_many; where filters equals/not/in/not_in/lt/lte/gt/gte/
  contains/startswith/endswith (mode insensitive)/has/has_some/has_every/is_empty, AND/OR/NOT;
  update operators set/increment/decrement/multiply/divide/push; relation connect/disconnect;
  include of a relation (both directions);
- query_raw, query_first, execute_raw ($1..$n parameters), tx() and batch_();
- connect/disconnect/is_connected; errors as prisma.errors names them (UniqueViolationError,
  RecordNotFoundError, ...).

Anything else raises NotImplementedError naming the operation: a gap shows in the proxy's log,
never as a silently wrong answer.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prisma import errors
from prisma.records import Record

__all__ = ["Base64", "Json", "Prisma", "TransactionManager", "errors", "models", "register", "types"]


class Json:
    """prisma.Json: a value for a Json field."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Json({self.data!r})"


class Base64(str):
    pass


def register(client: Any) -> None:  # prisma.register: nothing to do here
    return None


# ------------------------------------------------------------------ the release's schema.prisma

class Model:
    def __init__(self, name: str) -> None:
        self.name = name
        self.table = name
        self.columns: dict[str, str] = {}  # field -> column
        self.types: dict[str, str] = {}  # field -> prisma type (String, Json, String[], ...)
        self.relations: dict[str, tuple[str, list[str], list[str], bool]] = {}  # field -> (model, fields, refs, list)
        self.ids: list[str] = []
        self.updated_at: list[str] = []  # @updatedAt: set by the client on every write
        self.generated: dict[str, str] = {}  # @default(uuid()|cuid()): made by the client


_FIELD = re.compile(r"^\s*(\w+)\s+(\w+)(\[\])?(\?)?(.*)$")


def _schema_path() -> Path:
    spec = importlib.util.find_spec("litellm")
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))) / "proxy" / "schema.prisma"


def parse_schema(text: str) -> dict[str, Model]:
    models: dict[str, Model] = {}
    current: Model | None = None
    enums: set[str] = set(re.findall(r"^enum\s+(\w+)", text, re.M))
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].rstrip()
        start = re.match(r"^model\s+(\w+)\s*\{", line)
        if start:
            current = models.setdefault(start.group(1), Model(start.group(1)))
            continue
        if current is None:
            continue
        if line.strip() == "}":
            current = None
            continue
        mapped = re.search(r'@@map\("([^"]+)"\)', line)
        if mapped:
            current.table = mapped.group(1)
            continue
        ident = re.search(r"@@id\(\[([^\]]+)\]\)", line)
        if ident:
            current.ids = [f.strip() for f in ident.group(1).split(",")]
            continue
        found = _FIELD.match(line)
        if not found or line.strip().startswith("@@"):
            continue
        name, kind, listed, _, rest = found.groups()
        current.types[name] = kind + ("[]" if listed else "")
        relation = re.search(r"@relation\(([^)]*)\)", rest)
        scalar = kind in ("String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json",
                          "Bytes") or kind in enums
        if not scalar:
            fields = refs = []
            if relation:
                f = re.search(r"fields:\s*\[([^\]]*)\]", relation.group(1))
                r = re.search(r"references:\s*\[([^\]]*)\]", relation.group(1))
                fields = [x.strip() for x in f.group(1).split(",")] if f else []
                refs = [x.strip() for x in r.group(1).split(",")] if r else []
            current.relations[name] = (kind, fields, refs, bool(listed))
            continue
        column = re.search(r'@map\("([^"]+)"\)', rest)
        current.columns[name] = column.group(1) if column else name
        if "@updatedAt" in rest:
            current.updated_at.append(name)
        made = re.search(r"@default\((uuid|cuid)\(\)\)", rest)
        if made:
            current.generated[name] = made.group(1)
        if "@id" in rest:
            current.ids = [name]
    return models


# ------------------------------------------------------------------------ the SQL translation

_OPS = {"equals", "not", "in", "not_in", "notIn", "lt", "lte", "gt", "gte", "contains", "startswith",
        "startsWith", "endswith", "endsWith", "mode", "has", "has_some", "hasSome", "has_every", "hasEvery",
        "is_empty", "isEmpty"}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Query:
    """One statement being built: SQL text with %s placeholders and its parameters."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def param(self, value: Any, cast: str = "") -> str:
        self.params.append(value)
        return "%s" + cast


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


class Client:
    """The model actions and raw queries over one psycopg connection (or one transaction)."""

    def __init__(self, owner: Prisma, tx: Any = None) -> None:
        self._owner = owner
        self._tx = tx  # a transaction's own connection, else the owner's (under its lock)

    # ---- execution
    async def _run(self, sql: str, params: Iterable[Any], fetch: bool = True) -> tuple[list[dict[str, Any]], int]:
        import psycopg

        async def go(conn: Any) -> tuple[list[dict[str, Any]], int]:
            try:
                async with conn.cursor() as cur:
                    await cur.execute(sql, list(params))
                    rows = await cur.fetchall() if (fetch and cur.description) else []
                    names = [d.name for d in cur.description] if cur.description else []
                    return [dict(zip(names, row, strict=True)) for row in rows], cur.rowcount
            except psycopg.errors.UniqueViolation as exc:
                raise errors.UniqueViolationError(str(exc)) from None
            except psycopg.errors.ForeignKeyViolation as exc:
                raise errors.ForeignKeyViolationError(str(exc)) from None
            except psycopg.errors.UndefinedTable as exc:
                raise errors.TableNotFoundError(str(exc)) from None
            except psycopg.Error as exc:
                raise errors.DataError(str(exc)) from None

        if self._tx is not None:
            return await go(self._tx)
        owner = self._owner
        if owner._conn is None:
            raise errors.ClientNotConnectedError("Client is not connected to the query engine, you must call `connect()`")
        async with owner._lock:
            return await go(owner._conn)

    # ---- raw
    @staticmethod
    def _raw(query: str, args: tuple[Any, ...]) -> tuple[str, list[Any]]:
        """Prisma's $1..$n placeholders -> psycopg's %s, in order of appearance."""
        params: list[Any] = []

        def swap(m: re.Match[str]) -> str:
            value = args[int(m.group(1)) - 1]
            params.append(_naive_utc(value) if isinstance(value, datetime) else value)
            return "%s"

        text = query.replace("%", "%%")
        return re.sub(r"\$(\d+)", swap, text), params

    async def query_raw(self, query: str, *args: Any, model: Any = None) -> list[Any]:
        sql, params = self._raw(query, args)
        rows, _ = await self._run(sql, params)
        out = [{k: _read_raw(v) for k, v in row.items()} for row in rows]
        return [model(**r) for r in out] if model else out

    async def query_first(self, query: str, *args: Any, model: Any = None) -> Any:
        """The first row, or None (prisma-client-py 0.15 client.py.jinja: `if not results:
        return None`)."""
        rows = await self.query_raw(query, *args, model=model)
        return rows[0] if rows else None

    async def execute_raw(self, query: str, *args: Any) -> int:
        sql, params = self._raw(query, args)
        _, count = await self._run(sql, params, fetch=False)
        return max(count, 0)

    def batch_(self) -> Batch:
        return Batch(self._owner, self._tx)

    def __getattr__(self, name: str) -> Actions:
        if name.startswith("_"):
            raise AttributeError(name)
        models = self._owner._models
        for model in models.values():
            if model.name.lower() == name:
                return Actions(self, model)
        raise AttributeError(f"prisma adapter: no model '{name}' in schema.prisma")


def _read_raw(value: Any) -> Any:
    """A raw query's value as Prisma's engine returns it (prisma/_raw_query.py): JSON parsed,
    bigint and decimal as numbers, a DateTime as its ISO 8601 string (not converted)."""
    from decimal import Decimal

    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _read(value: Any) -> Any:
    """A column value as Prisma returns it: DateTime aware (UTC)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Actions:
    """client.<model>.<action>(...)"""

    def __init__(self, client: Client, model: Model) -> None:
        self.client = client
        self.model = model
        self.models = client._owner._models

    # ---- pieces
    def _column(self, field: str) -> str:
        if field not in self.model.columns:
            raise NotImplementedError(f"prisma adapter: {self.model.name}.{field} is no scalar field")
        return _ident(self.model.columns[field])

    def _value(self, field: str, value: Any) -> tuple[Any, str]:
        """(parameter, cast) for a value written to or compared with a field."""
        from psycopg.types.json import Jsonb

        kind = self.model.types.get(field, "")
        if isinstance(value, Json):
            return Jsonb(value.data), "::jsonb"
        if kind == "Json":
            if isinstance(value, str):
                return value, "::jsonb"  # Prisma takes a Json field's value as serialised JSON
            return (None if value is None else Jsonb(value)), "::jsonb"
        if kind.endswith("[]"):
            base = {"String": "text", "Int": "integer", "BigInt": "bigint", "Float": "double precision",
                    "Boolean": "boolean"}.get(kind[:-2], "text")
            return (list(value) if value is not None else None), f"::{base}[]"
        if isinstance(value, datetime):
            return _naive_utc(value), ""
        return value, ""

    def _where(self, where: dict[str, Any] | None, q: Query, alias: str = "") -> str:
        if not where:
            return "TRUE"
        parts = []
        for key, value in where.items():
            if key == "AND":
                items = value if isinstance(value, list) else [value]
                parts.append("(" + " AND ".join(self._where(i, q, alias) for i in items) + ")" if items else "TRUE")
            elif key == "OR":
                items = value if isinstance(value, list) else [value]
                parts.append("(" + " OR ".join(self._where(i, q, alias) for i in items) + ")" if items else "FALSE")
            elif key == "NOT":
                items = value if isinstance(value, list) else [value]
                parts.append("NOT (" + " AND ".join(self._where(i, q, alias) for i in items) + ")")
            elif key in self.model.relations:
                parts.append(self._relation_filter(key, value, q))
            elif key in self.model.columns:
                parts.append(self._filter(key, value, q, alias))
            elif "_" in key and isinstance(value, dict) and all(f in self.model.columns for f in value):
                parts.append(self._where(value, q, alias))  # a compound unique key: {a_b: {a:..., b:...}}
            else:
                raise NotImplementedError(f"prisma adapter: filter on {self.model.name}.{key}")
        return " AND ".join(parts) if parts else "TRUE"

    def _filter(self, field: str, value: Any, q: Query, alias: str) -> str:
        col = (alias + "." if alias else "") + self._column(field)
        kind = self.model.types.get(field, "")
        is_ops = isinstance(value, dict) and value and set(value) <= _OPS and not (kind == "Json" and "equals" not in value
                                                                                   and set(value) - _OPS)
        if not is_ops:
            if value is None:
                return f"{col} IS NULL"
            param, cast = self._value(field, value)
            return f"{col} = {q.param(param, cast)}"
        insensitive = value.get("mode") == "insensitive"
        parts = []
        for op, operand in value.items():
            if op == "mode":
                continue
            if op == "equals":
                parts.append(self._filter(field, operand, q, alias) if operand is not None else f"{col} IS NULL")
            elif op == "not":
                if operand is None:
                    parts.append(f"{col} IS NOT NULL")
                elif isinstance(operand, dict):
                    parts.append(f"NOT ({self._filter(field, operand, q, alias)})")
                else:
                    param, cast = self._value(field, operand)
                    parts.append(f"{col} <> {q.param(param, cast)}")
            elif op == "in":
                items = [self._value(field, v)[0] for v in operand]
                parts.append(f"{col} = ANY({q.param(items)})" if items else "FALSE")
            elif op in ("not_in", "notIn"):
                items = [self._value(field, v)[0] for v in operand]
                parts.append(f"NOT ({col} = ANY({q.param(items)}))" if items else "TRUE")
            elif op in ("lt", "lte", "gt", "gte"):
                sign = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[op]
                param, cast = self._value(field, operand)
                parts.append(f"{col} {sign} {q.param(param, cast)}")
            elif op in ("contains", "startswith", "startsWith", "endswith", "endsWith"):
                escaped = str(operand).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                pattern = {"contains": f"%{escaped}%", "startswith": f"{escaped}%", "startsWith": f"{escaped}%",
                           "endswith": f"%{escaped}", "endsWith": f"%{escaped}"}[op]
                parts.append(f"{col} {'ILIKE' if insensitive else 'LIKE'} {q.param(pattern)}")
            elif op == "has":
                parts.append(f"{q.param(operand)} = ANY({col})")
            elif op in ("has_some", "hasSome"):
                param, cast = self._value(field, operand)
                parts.append(f"{col} && {q.param(param, cast)}")
            elif op in ("has_every", "hasEvery"):
                param, cast = self._value(field, operand)
                parts.append(f"{col} @> {q.param(param, cast)}")
            elif op in ("is_empty", "isEmpty"):
                parts.append(f"coalesce(cardinality({col}), 0) {'=' if operand else '>'} 0")
        return "(" + " AND ".join(parts or ["TRUE"]) + ")"

    def _relation_filter(self, field: str, value: Any, q: Query) -> str:
        target_name, fields, refs, _ = self.model.relations[field]
        target = Actions(self.client, self.models[target_name])
        if fields and isinstance(value, dict) and set(value) <= {"is", "is_not", "isNot"}:
            inner = value.get("is") or value.get("is_not") or value.get("isNot") or {}
            join = " AND ".join(f"t.{target._column(r)} = {_ident(self.model.table)}.{self._column(f)}"
                                for f, r in zip(fields, refs, strict=True))
            sub = f"EXISTS (SELECT 1 FROM {_ident(target.model.table)} t WHERE {join} AND {target._where(inner, q, 't')})"
            return sub if "is" in value else f"NOT {sub}"
        raise NotImplementedError(f"prisma adapter: relation filter {self.model.name}.{field} {list(value)}")

    def _order(self, order: Any) -> str:
        if not order:
            return ""
        items = order if isinstance(order, list) else [order]
        parts = []
        for item in items:
            for field, direction in item.items():
                parts.append(f"{self._column(field)} {'DESC' if str(direction).lower() == 'desc' else 'ASC'}")
        return " ORDER BY " + ", ".join(parts)

    def _record(self, row: dict[str, Any]) -> Record:
        by_column = {c: f for f, c in self.model.columns.items()}
        return Record(**{by_column.get(k, k): _read(v) for k, v in row.items()})

    async def _include(self, records: list[Record], include: dict[str, Any] | None) -> list[Record]:
        for field, wanted in (include or {}).items():
            if not wanted:
                continue
            if field not in self.model.relations:
                raise NotImplementedError(f"prisma adapter: include {self.model.name}.{field}")
            target_name, fields, refs, listed = self.model.relations[field]
            target = Actions(self.client, self.models[target_name])
            nested = wanted.get("include") if isinstance(wanted, dict) else None
            for record in records:
                if fields:  # this model holds the foreign key
                    keys = {r: getattr(record, f, None) for f, r in zip(fields, refs, strict=True)}
                    found = None if any(v is None for v in keys.values()) else await target.find_first(
                        where=keys, include=nested)
                    setattr(record, field, found)
                else:  # the other model points here
                    back = next((rel for rel in target.model.relations.values() if rel[0] == self.model.name and rel[1]),
                                None)
                    if back is None:
                        raise NotImplementedError(f"prisma adapter: include {self.model.name}.{field}")
                    where = {f: getattr(record, r, None) for f, r in zip(back[1], back[2], strict=True)}
                    many = await target.find_many(where=where, include=nested)
                    setattr(record, field, many if listed else (many[0] if many else None))
        return records

    def _assignments(self, data: dict[str, Any], q: Query) -> tuple[list[str], list[str]]:
        """(columns, value SQL) for an INSERT, or 'col = expr' pairs for an UPDATE (second list)."""
        columns, values = [], []
        for field, value in data.items():
            if field in self.model.relations:
                _, fields, refs, _ = self.model.relations[field]
                if isinstance(value, dict) and "connect" in value and fields:
                    for f, r in zip(fields, refs, strict=True):
                        columns.append(self._column(f))
                        values.append(q.param(value["connect"][r]))
                    continue
                if isinstance(value, dict) and value.get("disconnect") and fields:
                    for f in fields:
                        columns.append(self._column(f))
                        values.append("NULL")
                    continue
                raise NotImplementedError(f"prisma adapter: nested write {self.model.name}.{field} {list(value)}")
            if field not in self.model.columns:
                raise NotImplementedError(f"prisma adapter: write to {self.model.name}.{field}")
            col = self._column(field)
            if isinstance(value, dict) and self.model.types.get(field) != "Json" and len(value) == 1 \
                    and next(iter(value)) in ("set", "increment", "decrement", "multiply", "divide", "push"):
                op, operand = next(iter(value.items()))
                if op == "set":
                    param, cast = self._value(field, operand)
                    expr = q.param(param, cast)
                elif op == "push":
                    param, cast = self._value(field, operand if isinstance(operand, list) else [operand])
                    expr = f"coalesce({col}, '{{}}') || {q.param(param, cast)}"
                else:
                    sign = {"increment": "+", "decrement": "-", "multiply": "*", "divide": "/"}[op]
                    expr = f"coalesce({col}, 0) {sign} {q.param(operand)}"
                columns.append(col)
                values.append(expr)
                continue
            param, cast = self._value(field, value)
            columns.append(col)
            values.append(q.param(param, cast))
        return columns, values

    # ---- reads
    async def find_many(self, where: dict[str, Any] | None = None, take: int | None = None, skip: int | None = None,
                        order: Any = None, include: dict[str, Any] | None = None, distinct: Any = None,
                        cursor: Any = None, **extra: Any) -> list[Record]:
        if distinct or cursor or extra.get("select"):
            raise NotImplementedError(f"prisma adapter: find_many with {'distinct' if distinct else 'cursor'}")
        q = Query()
        sql = f"SELECT * FROM {_ident(self.model.table)} WHERE {self._where(where, q)}{self._order(order)}"
        if take is not None:
            sql += f" LIMIT {int(take)}"
        if skip:
            sql += f" OFFSET {int(skip)}"
        rows, _ = await self.client._run(sql, q.params)
        return await self._include([self._record(r) for r in rows], include)

    async def find_first(self, where: dict[str, Any] | None = None, include: dict[str, Any] | None = None,
                         order: Any = None, skip: int | None = None, **extra: Any) -> Record | None:
        found = await self.find_many(where=where, take=1, skip=skip, order=order, include=include, **extra)
        return found[0] if found else None

    async def find_unique(self, where: dict[str, Any], include: dict[str, Any] | None = None,
                          **extra: Any) -> Record | None:
        return await self.find_first(where=where, include=include, **extra)

    async def find_unique_or_raise(self, where: dict[str, Any], include: dict[str, Any] | None = None) -> Record:
        found = await self.find_first(where=where, include=include)
        if found is None:
            raise errors.RecordNotFoundError(f"{self.model.name}: no record for {list(where)}")
        return found

    async def find_first_or_raise(self, where: dict[str, Any] | None = None, **kwargs: Any) -> Record:
        found = await self.find_first(where=where, **kwargs)
        if found is None:
            raise errors.RecordNotFoundError(f"{self.model.name}: no record")
        return found

    async def count(self, where: dict[str, Any] | None = None, **extra: Any) -> int:
        q = Query()
        rows, _ = await self.client._run(f"SELECT count(*) AS n FROM {_ident(self.model.table)} WHERE "
                                         f"{self._where(where, q)}", q.params)
        return int(rows[0]["n"])

    async def group_by(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"prisma adapter: {self.model.name}.group_by")

    # ---- writes
    def _on_create(self, data: dict[str, Any]) -> dict[str, Any]:
        """What Prisma's client adds to a create: generated ids, @updatedAt."""
        import uuid

        out = dict(data)
        for field in self.model.generated:
            out.setdefault(field, str(uuid.uuid4()))
        return self._on_update(out)

    def _on_update(self, data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for field in self.model.updated_at:
            out.setdefault(field, datetime.now(UTC))
        return out

    async def create(self, data: dict[str, Any], include: dict[str, Any] | None = None) -> Record:
        q = Query()
        columns, values = self._assignments(self._on_create(data), q)
        sql = (f"INSERT INTO {_ident(self.model.table)} ({', '.join(columns)}) VALUES ({', '.join(values)}) "
               "RETURNING *") if columns else f"INSERT INTO {_ident(self.model.table)} DEFAULT VALUES RETURNING *"
        rows, _ = await self.client._run(sql, q.params)
        return (await self._include([self._record(rows[0])], include))[0]

    async def create_many(self, data: list[dict[str, Any]], skip_duplicates: bool = False) -> int:
        count = 0
        for item in data:
            q = Query()
            columns, values = self._assignments(self._on_create(item), q)
            sql = f"INSERT INTO {_ident(self.model.table)} ({', '.join(columns)}) VALUES ({', '.join(values)})"
            if skip_duplicates:
                sql += " ON CONFLICT DO NOTHING"
            _, n = await self.client._run(sql, q.params, fetch=False)
            count += max(n, 0)
        return count

    async def update(self, where: dict[str, Any], data: dict[str, Any],
                     include: dict[str, Any] | None = None) -> Record | None:
        q = Query()
        columns, values = self._assignments(self._on_update(data) if data else data, q)
        if not columns:
            return await self.find_first(where=where, include=include)
        sets = ", ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True))
        rows, _ = await self.client._run(f"UPDATE {_ident(self.model.table)} SET {sets} WHERE "
                                         f"{self._where(where, q)} RETURNING *", q.params)
        if not rows:
            return None
        return (await self._include([self._record(rows[0])], include))[0]

    async def update_many(self, where: dict[str, Any] | None, data: dict[str, Any]) -> int:
        q = Query()
        columns, values = self._assignments(self._on_update(data), q)
        sets = ", ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True))
        _, n = await self.client._run(f"UPDATE {_ident(self.model.table)} SET {sets} WHERE {self._where(where, q)}",
                                      q.params, fetch=False)
        return max(n, 0)

    async def upsert(self, where: dict[str, Any], data: dict[str, Any],
                     include: dict[str, Any] | None = None) -> Record:
        found = await self.find_first(where=where)
        if found is None:
            try:
                return await self.create(data["create"], include=include)
            except errors.UniqueViolationError:  # created meanwhile by another replica
                pass
        updated = await self.update(where=where, data=data.get("update") or {}, include=include)
        assert updated is not None
        return updated

    async def delete(self, where: dict[str, Any], include: dict[str, Any] | None = None) -> Record | None:
        q = Query()
        rows, _ = await self.client._run(f"DELETE FROM {_ident(self.model.table)} WHERE {self._where(where, q)} "
                                         "RETURNING *", q.params)
        return self._record(rows[0]) if rows else None

    async def delete_many(self, where: dict[str, Any] | None = None) -> int:
        q = Query()
        _, n = await self.client._run(f"DELETE FROM {_ident(self.model.table)} WHERE {self._where(where, q)}",
                                      q.params, fetch=False)
        return max(n, 0)


# ------------------------------------------------------------------------ the client itself

class TransactionManager:
    """prisma.tx(): its own connection, BEGIN ... COMMIT (ROLLBACK on an exception)."""

    def __init__(self, owner: Prisma, **kwargs: Any) -> None:
        self.owner = owner
        self.conn: Any = None

    async def start(self) -> Client:
        import psycopg

        self.conn = await psycopg.AsyncConnection.connect(self.owner._url, autocommit=False)
        return Client(self.owner, self.conn)

    async def commit(self) -> None:
        await self.conn.commit()
        await self.conn.close()

    async def rollback(self) -> None:
        await self.conn.rollback()
        await self.conn.close()

    async def __aenter__(self) -> Client:
        return await self.start()

    async def __aexit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is None:
            await self.commit()
        else:
            await self.rollback()


class Batch:
    """prisma.batch_(): model actions and raw statements queued, run in one transaction on
    commit() (inside a transaction: on its connection, as part of it)."""

    RAW = ("execute_raw", "query_raw")

    def __init__(self, owner: Prisma, tx: Any = None) -> None:
        self.owner = owner
        self.tx = tx
        self.queued: list[tuple[str | None, str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        batch = self
        if name in self.RAW:
            return lambda *args, **kwargs: batch.queued.append((None, name, args, kwargs))

        class Queue:
            def __getattr__(self, action: str) -> Any:
                return lambda *args, **kwargs: batch.queued.append((name, action, args, kwargs))

        return Queue()

    async def _apply(self, client: Client) -> None:
        for name, action, args, kwargs in self.queued:
            target = client if name is None else getattr(client, name)
            await getattr(target, action)(*args, **kwargs)

    async def commit(self) -> None:
        if not self.queued:
            return
        if self.tx is not None:
            await self._apply(Client(self.owner, self.tx))
        else:
            manager = TransactionManager(self.owner)
            client = await manager.start()
            try:
                await self._apply(client)
            except BaseException:
                await manager.rollback()
                raise
            await manager.commit()
        self.queued = []

    async def __aenter__(self) -> Batch:
        return self

    async def __aexit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is None:
            await self.commit()


class Prisma(Client):
    def __init__(self, *args: Any, datasource: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(self)
        self._url = (datasource or {}).get("url") or os.environ["DATABASE_URL"]
        self._conn: Any = None
        self._lock = asyncio.Lock()
        self._models = parse_schema(_schema_path().read_text())

    async def connect(self, timeout: Any = None) -> None:
        import psycopg

        if self._conn is None:
            self._conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
            self._lock = asyncio.Lock()

    async def disconnect(self, timeout: Any = None) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    def is_connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def tx(self, **kwargs: Any) -> TransactionManager:
        return TransactionManager(self, **kwargs)


from prisma import models, types  # noqa: E402  - after Prisma: models imports records only
