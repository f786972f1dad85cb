"""Key operations over the gateway DB, each one transaction, as LiteLLM itself would do them.

* create: one active key per consumer (key_alias), checked under a per-consumer lock;
* rotate: like LiteLLM's regenerate, in place: archive the old row, move the row to the new
  hash, and (with a grace period) let the old hash authenticate as the new row until
  ``revoke_at``;
* revoke: ``blocked = true`` (reversible), ending any grace period;
* delete: archive with ``deleted_at``/``deleted_by``, then delete.

Plaintext keys exist only in memory (``NewKey``) until a Delivery hands them over; the DB
gets the SHA-256 hex only.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from aspirectl.errors import OperationFailed, UnknownName, UsageError
from aspirectl.keys.db import AUDIT, DELETED, DEPRECATED, TOKENS, Database
from aspirectl.keys.model import KeyRecord, KeyStatus, NewKey, derive_status, utcnow
from aspirectl.keys.tokens import hash_token, key_name, mint
from aspirectl.litellm.releases import GRACE_FIXED_IN, release_tuple

ACTOR = "aspirectl"
UI_TEAM = "litellm-dashboard"  # LiteLLM's UI session keys: never listed
PAGE_SIZE = 1000  # pragma: no mutate  (any size lists the same keys: test_keys_store_units pages by 1 and 2)
# LiteLLM's key_alias_pattern (key_management_endpoints.py); matched with fullmatch (a
# trailing newline would satisfy "$").
CONSUMER_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_\-/.@]{0,253}[a-zA-Z0-9]")
# What aspirectl appends to a consumer's alias: a second key (/2) or a retired one.
_SUFFIX = re.compile(r"/(?:\d+|retired-\d{14}(?:-\d+)?)")
_SUFFIX_AT_END = re.compile(_SUFFIX.pattern + r"\Z")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _count(value: Any) -> int | None:
    """An integer column as stored (rpm/tpm limits, rotations); anything else is no value."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# "pragma: no mutate" (scripts/mutation) marks lines whose mutants are equivalent: `frozen=False`
# where nothing assigns to an instance, and annotations (never evaluated: __future__ annotations).
@dataclass(frozen=True)  # pragma: no mutate
class KeySpec:
    models: tuple[str, ...] = ()  # () means every model (LiteLLM: [] = all)
    expires_in: timedelta | None = None  # pragma: no mutate  (annotation)
    max_budget: float | None = None  # pragma: no mutate  (annotation)
    rpm_limit: int | None = None  # pragma: no mutate  (annotation)
    tpm_limit: int | None = None  # pragma: no mutate  (annotation)
    metadata: dict[str, Any] = field(default_factory=dict)


class Delivery(Protocol):
    """Hands new plaintexts over: prepared inside the transaction, finished after commit."""

    def prepare(self, keys: list[NewKey]) -> None: ...

    def abort(self) -> None: ...

    def commit(self) -> None: ...


@dataclass(frozen=True)  # pragma: no mutate
class Rotation:
    new: NewKey
    old_key_name: str | None
    revoke_at: datetime | None  # None: the old key stopped at once (--now)


@dataclass(frozen=True)  # pragma: no mutate
class Provisioned:
    created: list[NewKey]
    existing: list[str]


def consumer_of(alias: str) -> str:
    """The consumer a key_alias belongs to: NAME for the alias aspirectl gives NAME's second key
    (NAME/2) or a retired one (NAME/retired-...), else the alias itself."""
    found = _SUFFIX_AT_END.search(alias)
    return alias[:found.start()] if found and found.start() > 0 else alias


def is_consumer(name: str) -> bool:
    """A name aspirectl takes as a consumer (LiteLLM's key_alias_pattern, no '..')."""
    return bool(CONSUMER_RE.fullmatch(name)) and ".." not in name


def check_consumer(name: str) -> str:
    from aspirectl.textsafe import one_line

    if _SUFFIX.search(name):
        raise UsageError(f"bad consumer name '{one_line(name, 80)}': it ends like the alias aspirectl "
                         "gives a second key (NAME/2) or a retired one (NAME/retired-...)",
                         hint="choose another name")
    if not is_consumer(name):
        raise UsageError(f"bad consumer name '{one_line(name, 80)}'",
                         hint="2-255 characters: letters, digits and _ - / . @, starting and ending "
                              "with a letter or digit (LiteLLM's key_alias rule)")
    return name


@dataclass(frozen=True)  # pragma: no mutate
class Capabilities:
    """What this gateway DB has (read on open) and what the gateway's release honours."""

    deleted_table: bool  # LiteLLM_DeletedVerificationToken: rotate/delete archive there
    deprecated_table: bool  # LiteLLM_DeprecatedVerificationToken: where grace periods live
    release: str | None  # the gateway's LiteLLM release, if known
    release_source: str  # "the gateway's readiness answer", "ASPIRECTL_LITELLM_VERSION", ...

    def describe(self) -> str:
        have = [t for t, ok in (("deleted-key table", self.deleted_table),
                                ("deprecated-key table", self.deprecated_table)) if ok]
        lacks = [t for t, ok in (("deleted-key table", self.deleted_table),
                                 ("deprecated-key table", self.deprecated_table)) if not ok]
        parts = []
        if have:
            parts.append("has the " + " and the ".join(have))
        if lacks:
            parts.append("no " + " and no ".join(lacks) + " (LiteLLM before 1.81)")
        source = f" ({self.release_source})" if self.release_source else ""
        release = f"LiteLLM {self.release}{source}" if self.release else "release unknown"
        grace = "grace periods honoured" if self.grace_refusal() is None else "no grace periods"
        return f"{'; '.join(parts)}; {release}: {grace}"

    def grace_refusal(self) -> str | None:
        """Why a grace period would not be honoured by this gateway, or None."""
        if not self.deprecated_table:
            return ("this gateway's database has no LiteLLM_DeprecatedVerificationToken table "
                    "(LiteLLM before 1.81): the old key would stop at once")
        if self.release is None:
            return ("the gateway's LiteLLM release is unknown, and releases before "
                    f"{GRACE_FIXED_IN} refuse every key in its grace period")
        if release_tuple(self.release) < release_tuple(GRACE_FIXED_IN):
            return (f"LiteLLM {self.release} refuses every key in its grace period "
                    "('LiteLLM_VerificationTokenView' object is not subscriptable; LiteLLM issues "
                    f"#27193 and #35797, fixed in {GRACE_FIXED_IN} by PR #30327)")
        return None


# The first LiteLLM release whose auth honours LiteLLM_DeprecatedVerificationToken: PR #30327
# ("return deprecated-key lookup result directly") is in 1.89.1's proxy/utils.py, not in 1.89.0's.


class KeyStore:
    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow, release: str | None = None,
                 release_source: str = "") -> None:
        self.db = db
        self.clock = clock
        self._copy_columns = [c for c in db.columns(TOKENS) if c in set(db.columns(DELETED))]
        self.caps = Capabilities(db.has_table(DELETED), db.has_table(DEPRECATED), release, release_source)

    # reading --------------------------------------------------------------------------------
    def _record(self, row: dict[str, Any], now: datetime, status: KeyStatus | None = None) -> KeyRecord:
        db = self.db
        expires = db.read_time(row.get("expires"))
        return KeyRecord(
            token=str(row["token"]), consumer=_text(row.get("key_alias")),
            key_name=_text(row.get("key_name")),
            status=status or derive_status(bool(row.get("blocked")), expires, now),
            created_at=db.read_time(row.get("created_at")), expires=expires,
            last_active=db.read_time(row.get("last_active")), spend=db.read_money(row.get("spend")),
            max_budget=None if row.get("max_budget") is None else db.read_money(row.get("max_budget")),
            rpm_limit=_count(row.get("rpm_limit")), tpm_limit=_count(row.get("tpm_limit")),
            models=tuple(db.read_array(row.get("models"))), metadata=db.read_object(row.get("metadata")),
            rotation_count=_count(row.get("rotation_count")) or 0,
            last_rotation_at=db.read_time(row.get("last_rotation_at")),
            revoke_at=db.read_time(row.get("revoke_at")), created_by=_text(row.get("created_by")),
        )

    def _rows_of(self, consumer: str) -> list[dict[str, Any]]:
        """The consumer's rows: its own alias, a second key's 'NAME/2', a retired 'NAME/retired-...'
        (LiteLLM refuses two rows with one key_alias, so aspirectl never writes one)."""
        rows = self.db.query(f'SELECT * FROM "{TOKENS}" WHERE key_alias = %s OR key_alias LIKE %s '
                             "ESCAPE '\\' ORDER BY created_at, token", [consumer, _like(consumer) + "/%"])
        return [r for r in rows if r["key_alias"] == consumer or consumer_of(r["key_alias"]) == consumer]

    def _free_alias(self, consumer: str, taken: set[str]) -> str:
        n = 2
        while f"{consumer}/{n}" in taken:
            n += 1
        return f"{consumer}/{n}"

    def _retire(self, rows: list[dict[str, Any]], consumer: str, now: datetime) -> None:
        """Rows that no longer authenticate give up the consumer's alias to the new key."""
        for i, row in enumerate(r for r in rows if r["key_alias"] == consumer):
            retired = f"{consumer}/retired-{now:%Y%m%d%H%M%S}" + (f"-{i + 1}" if i else "")
            self.db.execute(f'UPDATE "{TOKENS}" SET key_alias = %s, updated_at = %s, updated_by = %s '
                            "WHERE token = %s", [retired, self.db.time(now), ACTOR, row["token"]])
            self._audit("alias_retired", row["token"], {"key_alias": consumer}, {"key_alias": retired}, now)

    def _active(self, rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        return [r for r in rows if self._record(r, now).status.authenticates]

    def _grace_rows(self, now: datetime, consumer: str | None = None) -> list[dict[str, Any]]:
        """Old keys still in a grace period, with the models and limits of the row they act as."""
        if not self.caps.deprecated_table:
            return []
        where = "d.revoke_at > %s" + (" AND v.key_alias = %s" if consumer else "")
        params: list[Any] = [self.db.time(now)] + ([consumer] if consumer else [])
        name = (f'(SELECT x.key_name FROM "{DELETED}" x WHERE x.token = d.token '
                f' ORDER BY x.deleted_at DESC LIMIT 1)' if self.caps.deleted_table else "NULL")
        return self.db.query(
            f'SELECT d.token, d.revoke_at, d.created_at, v.key_alias, v.models, v.metadata, v.max_budget, '
            f'v.rpm_limit, v.tpm_limit, v.spend, v.expires, {name} AS key_name '
            f'FROM "{DEPRECATED}" d LEFT JOIN "{TOKENS}" v ON v.token = d.active_token_id '
            f'WHERE {where} ORDER BY d.revoke_at', params)

    def _consumer_or_unknown(self, consumer: str) -> list[dict[str, Any]]:
        rows = self._rows_of(consumer)
        if not rows:
            # Only names aspirectl would take are suggested: an alias from the DB such as
            # "x; curl ... | sh" is never offered as something to type.
            raise UnknownName("consumer", consumer, [c for c in self.consumers() if is_consumer(c)])
        return rows

    def consumers(self) -> list[str]:
        rows = self.db.query(f'SELECT DISTINCT key_alias FROM "{TOKENS}" WHERE key_alias IS NOT NULL '
                             "AND (team_id IS NULL OR team_id <> %s) ORDER BY key_alias", [UI_TEAM])
        return [r["key_alias"] for r in rows]

    def iter_keys(self, include_all: bool = False, page_size: int = PAGE_SIZE) -> Iterator[list[KeyRecord]]:
        """Every key, a page at a time (keyset pagination; UI session keys hidden)."""
        now = self.clock()
        # A key without created_at (LiteLLM's column is nullable) sorts as the epoch, written as
        # the backend writes times: SQLite compares the text ('1970-01-01' sorted before
        # '1970-01-01 00:00:00.000' and such keys were never listed there).
        epoch = self.db.time(datetime(1970, 1, 1))
        after: tuple[Any, str] = (epoch, "")
        usable = "" if include_all else (" AND (blocked IS NULL OR blocked = %s)"
                                         " AND (expires IS NULL OR expires > %s)")
        while True:
            params: list[Any] = [UI_TEAM, epoch, after[0], epoch, after[0], after[1]]
            if not include_all:
                params += [False, self.db.time(now)]
            rows = self.db.query(
                f'SELECT * FROM "{TOKENS}" WHERE (team_id IS NULL OR team_id <> %s) '
                "AND (COALESCE(created_at, %s) > %s OR (COALESCE(created_at, %s) = %s AND token > %s))"
                f"{usable} ORDER BY COALESCE(created_at, %s), token LIMIT {int(page_size)}",
                [*params, epoch])
            if rows:
                yield [self._record(r, now) for r in rows]
            if len(rows) < page_size:
                break
            last = rows[-1]
            after = (last["created_at"] if last["created_at"] is not None else epoch, last["token"])
        grace = [self._record(r, now, KeyStatus.IN_GRACE) for r in self._grace_rows(now)]
        if grace:
            yield grace

    def show(self, consumer: str) -> list[KeyRecord]:
        now = self.clock()
        rows = self._consumer_or_unknown(consumer)
        records = [self._record(r, now) for r in rows]
        records += [self._record(r, now, KeyStatus.IN_GRACE) for r in self._grace_rows(now, consumer)]
        return records

    def lookup(self, hashes: Sequence[str]) -> dict[str, KeyRecord]:
        """Which of these SHA-256 hashes are keys of the gateway (live, grace or dead)."""
        now = self.clock()
        found: dict[str, KeyRecord] = {}
        unique = sorted(set(hashes))
        for start in range(0, len(unique), 500):
            batch = unique[start:start + 500]
            marks = ", ".join(["%s"] * len(batch))
            for row in self.db.query(f'SELECT * FROM "{TOKENS}" WHERE token IN ({marks})', batch):
                found[row["token"]] = self._record(row, now)
            if not self.caps.deprecated_table:
                continue
            for row in self.db.query(
                    f'SELECT d.token, d.revoke_at, v.key_alias, v.key_name AS active_key_name '
                    f'FROM "{DEPRECATED}" d LEFT JOIN "{TOKENS}" v ON v.token = d.active_token_id '
                    f'WHERE d.token IN ({marks})', batch):
                revoke_at = self.db.read_time(row["revoke_at"])
                status = KeyStatus.IN_GRACE if revoke_at and revoke_at > now else KeyStatus.EXPIRED
                found.setdefault(row["token"], self._record(
                    {**row, "key_name": None}, now, status))
        return found

    # writing --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _write(self, lock: Sequence[str], delivery: Delivery | None) -> Iterator[list[NewKey]]:
        created: list[NewKey] = []
        try:
            with self.db.transaction(lock):
                yield created
                if delivery is not None and created:
                    delivery.prepare(created)
        except BaseException:
            if delivery is not None:
                delivery.abort()
            raise
        if delivery is not None:
            delivery.commit()

    def _audit(self, action: str, token: str, before: dict[str, Any] | None,
               after: dict[str, Any] | None, now: datetime) -> None:
        if not self.db.has_table(AUDIT):
            return
        self.db.execute(
            f'INSERT INTO "{AUDIT}" (id, updated_at, changed_by, changed_by_api_key, action, table_name, '
            "object_id, before_value, updated_values) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [str(uuid.uuid4()), self.db.time(now), ACTOR, "", action, TOKENS, token,
             None if before is None else self.db.json(before),
             None if after is None else self.db.json(after)])

    def _new_row(self, consumer: str, spec: KeySpec, now: datetime) -> tuple[str, dict[str, Any]]:
        plaintext = mint()
        db = self.db
        values: dict[str, Any] = {
            "token": hash_token(plaintext), "key_name": key_name(plaintext), "key_alias": consumer,
            "spend": 0.0, "models": db.array(spec.models), "metadata": db.json(spec.metadata),
            "expires": db.time(now + spec.expires_in) if spec.expires_in else None,
            "max_budget": spec.max_budget, "rpm_limit": spec.rpm_limit, "tpm_limit": spec.tpm_limit,
            "created_at": db.time(now), "created_by": ACTOR, "updated_at": db.time(now),
            "updated_by": ACTOR, "rotation_count": 0, "allowed_routes": db.array([]),
        }  # the JSON columns (aliases, config, permissions, ...) take their '{}' from the schema
        present = set(db.columns(TOKENS))
        return plaintext, {k: v for k, v in values.items() if k in present}

    def _insert_sql(self, columns: list[str]) -> str:
        casts = {"models": "::text[]", "allowed_routes": "::text[]"}
        marks = ", ".join(f"%s{casts.get(c, '')}" for c in columns)
        return f'INSERT INTO "{TOKENS}" ({", ".join(columns)}) VALUES ({marks})'

    def create(self, consumer: str, spec: KeySpec, *, allow_second: bool = False,
               delivery: Delivery | None = None) -> NewKey:
        check_consumer(consumer)
        with self._write([consumer], delivery) as created:
            now = self.clock()
            rows = self._rows_of(consumer)
            active = self._active(rows, now)
            if active and not allow_second:
                names = ", ".join(r["key_name"] or "?" for r in active)
                raise OperationFailed(f"{consumer} already has an active key ({names})",
                                      hint=f"rotate it with 'aspirectl keys rotate {consumer}', "
                                           "or pass --allow-second")
            alias = consumer
            if active:  # a second key: its own alias, as LiteLLM allows no duplicate key_alias
                alias = self._free_alias(consumer, {r["key_alias"] for r in rows})
            else:
                self._retire(rows, consumer, now)
            plaintext, row = self._new_row(alias, spec, now)
            self.db.execute(self._insert_sql(list(row)), list(row.values()))
            self._audit("created", row["token"], None, {"key_alias": consumer, "key_name": row["key_name"]},
                        now)
            created.append(NewKey(consumer, plaintext, self._record(
                {**row, "models": list(spec.models), "metadata": spec.metadata,
                 "expires": now + spec.expires_in if spec.expires_in else None, "created_at": now}, now)))
        return created[0]

    def _with_active_key(self, names: Sequence[str], now: datetime) -> set[str]:
        have: set[str] = set()
        for start in range(0, len(names), 500):
            batch = list(names[start:start + 500])
            marks = ", ".join(["%s"] * len(batch))
            rows = self.db.query(f'SELECT * FROM "{TOKENS}" WHERE key_alias IN ({marks})', batch)
            have |= {r["key_alias"] for r in self._active(rows, now)}
        return have

    @staticmethod
    def _fleet_names(specs: Sequence[tuple[str, KeySpec]]) -> list[str]:
        names = [check_consumer(c) for c, _ in specs]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise UsageError(f"consumer listed twice: {', '.join(dupes)}")
        return names

    def plan(self, specs: Sequence[tuple[str, KeySpec]]) -> tuple[list[str], list[str]]:
        """What provision would do, changing nothing: (consumers to create, consumers kept)."""
        names = self._fleet_names(specs)
        have = self._with_active_key(names, self.clock())
        return [n for n in names if n not in have], [n for n in names if n in have]

    def provision(self, specs: Sequence[tuple[str, KeySpec]], *,
                  delivery: Delivery | None = None) -> Provisioned:
        """Create a key for every consumer that has no active one; idempotent."""
        names = self._fleet_names(specs)
        existing: list[str] = []
        with self._write(names, delivery) as created:
            now = self.clock()
            have = self._with_active_key(names, now)
            rows_to_insert: list[dict[str, Any]] = []
            for consumer, spec in specs:
                if consumer in have:
                    existing.append(consumer)
                    continue
                plaintext, row = self._new_row(consumer, spec, now)
                rows_to_insert.append(row)
                created.append(NewKey(consumer, plaintext, self._record(
                    {**row, "models": list(spec.models), "metadata": spec.metadata,
                     "expires": now + spec.expires_in if spec.expires_in else None, "created_at": now},
                    now)))
            if rows_to_insert:
                columns = list(rows_to_insert[0])
                self.db.executemany(self._insert_sql(columns), [list(r.values()) for r in rows_to_insert])
                if self.db.has_table(AUDIT):
                    for row in rows_to_insert:
                        self._audit("created", row["token"], None,
                                    {"key_alias": row["key_alias"], "key_name": row["key_name"]}, now)
        return Provisioned(created, existing)

    def _archive(self, token: str, now: datetime) -> None:
        if not self.caps.deleted_table:
            return  # LiteLLM before 1.81 keeps no deleted-key archive
        cols = ", ".join(self._copy_columns)
        self.db.execute(
            f'INSERT INTO "{DELETED}" (id, {cols}, deleted_at, deleted_by, litellm_changed_by) '
            f'SELECT %s, {cols}, %s, %s, %s FROM "{TOKENS}" WHERE token = %s',
            [str(uuid.uuid4()), self.db.time(now), ACTOR, ACTOR, token])

    def _end_graces(self, token: str) -> None:
        if self.caps.deprecated_table:
            self.db.execute(f'DELETE FROM "{DEPRECATED}" WHERE active_token_id = %s', [token])

    def rotate(self, consumer: str, grace: timedelta | None, *, key: str | None = None,
               delivery: Delivery | None = None, reopened: frozenset[str] = frozenset()) -> Rotation:
        """``reopened``: hashes the gateway's replicas blocked just before (keys/evict.py drops a
        key from their caches through /key/block, which blocks the row): read as they were, and
        the new key is not blocked."""
        with self._write([consumer], delivery) as created:
            now = self.clock()
            rows = [{**r, "blocked": None} if r["token"] in reopened else r
                    for r in self._consumer_or_unknown(consumer)]
            if grace is not None:
                refusal = self.caps.grace_refusal()
                if refusal is not None:  # refused before anything is written (rolled back)
                    way_out = (f"'aspirectl keys rotate {consumer} --now' (the old key stops at once), or "
                               f"upgrade the gateway to LiteLLM {GRACE_FIXED_IN}+")
                    if self.caps.deprecated_table and self.caps.release is None:
                        way_out = ("say which release the gateway runs (--litellm-version X.Y.Z, "
                                   "ASPIRECTL_LITELLM_VERSION, or --gateway-url URL to ask it), or "
                                   + way_out)
                    raise OperationFailed(f"no grace period for {consumer}: {refusal}", hint=way_out)
            active = self._active(rows, now)
            if key:
                active = [r for r in active if r["key_name"] == key]
            if not active:
                raise OperationFailed(f"{consumer} has no active key{' ' + key if key else ''} to rotate",
                                      hint=f"create one with 'aspirectl keys create {consumer}'")
            if len(active) > 1:
                names = ", ".join(r["key_name"] or "?" for r in active)
                raise UsageError(f"{consumer} has {len(active)} active keys ({names})",
                                 hint="pick one with --key sk-...abcd")
            old = active[0]
            plaintext = mint()
            new_token = hash_token(plaintext)
            self._archive(old["token"], now)
            revoke_at = now + grace if grace else None
            if revoke_at is not None:
                self.db.execute(
                    f'INSERT INTO "{DEPRECATED}" (id, token, active_token_id, revoke_at, created_at) '
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (token) DO UPDATE SET "
                    "active_token_id = excluded.active_token_id, revoke_at = excluded.revoke_at",
                    [str(uuid.uuid4()), old["token"], new_token, self.db.time(revoke_at), self.db.time(now)])
                # keys still in an earlier grace period follow the row to its new hash
                self.db.execute(f'UPDATE "{DEPRECATED}" SET active_token_id = %s WHERE active_token_id = %s',
                                [new_token, old["token"]])
            else:
                self._end_graces(old["token"])
            changed = self.db.execute(
                f'UPDATE "{TOKENS}" SET token = %s, key_name = %s, updated_at = %s, updated_by = %s, '
                "rotation_count = COALESCE(rotation_count, 0) + 1, last_rotation_at = %s, blocked = %s "
                "WHERE token = %s",
                [new_token, key_name(plaintext), self.db.time(now), ACTOR, self.db.time(now),
                 old.get("blocked"), old["token"]])
            if changed != 1:
                raise OperationFailed(f"{consumer}'s key changed underneath the rotation; "
                                      "nothing was written")
            self._audit("rotated", new_token, {"token": old["token"], "key_name": old["key_name"]},
                        {"token": new_token, "key_name": key_name(plaintext),
                         "grace_until": revoke_at.isoformat() if revoke_at else None}, now)
            row = {**old, "token": new_token, "key_name": key_name(plaintext),
                   "rotation_count": int(old.get("rotation_count") or 0) + 1, "last_rotation_at": now}
            created.append(NewKey(consumer, plaintext, self._record(row, now)))
        return Rotation(created[0], old["key_name"], revoke_at)

    def end_grace(self, consumer: str) -> int:
        """End every grace period of the consumer's old keys (the active key stays)."""
        with self._write([consumer], None):
            now = self.clock()
            rows = self._consumer_or_unknown(consumer)
            if not self.caps.deprecated_table:
                return 0
            ended = 0
            for row in rows:
                ended += self.db.execute(f'DELETE FROM "{DEPRECATED}" WHERE active_token_id = %s',
                                         [row["token"]])
                self._audit("grace_ended", row["token"], None, {"grace_ended_at": now.isoformat()}, now)
            return ended

    def rotation_target(self, consumer: str, key: str | None = None) -> list[str]:
        """The hash of the key a rotation would move (read only; none if it would refuse)."""
        now = self.clock()
        active = [r for r in self._active(self._consumer_or_unknown(consumer), now)
                  if key is None or r["key_name"] == key]
        return [active[0]["token"]] if len(active) == 1 else []

    def tokens_of(self, consumer: str) -> list[str]:
        """Every hash of the consumer's rows (read only)."""
        return [r["token"] for r in self._consumer_or_unknown(consumer)]

    def revoke(self, consumer: str) -> list[KeyRecord]:
        with self._write([consumer], None):
            now = self.clock()
            rows = self._consumer_or_unknown(consumer)
            targets = [r for r in rows if not r.get("blocked")]
            if not targets:
                raise OperationFailed(f"{consumer} has no key left to revoke (all are blocked already)")
            for row in targets:
                self.db.execute(f'UPDATE "{TOKENS}" SET blocked = %s, updated_at = %s, updated_by = %s '
                                "WHERE token = %s", [True, self.db.time(now), ACTOR, row["token"]])
                self._end_graces(row["token"])
                self._audit("blocked", row["token"], {"blocked": row.get("blocked")}, {"blocked": True}, now)
            return [self._record({**r, "blocked": True}, now) for r in targets]

    def delete(self, consumer: str) -> list[KeyRecord]:
        with self._write([consumer], None):
            now = self.clock()
            rows = self._consumer_or_unknown(consumer)
            for row in rows:
                self._archive(row["token"], now)
                self._end_graces(row["token"])
                self._audit("deleted", row["token"], {"key_alias": consumer, "key_name": row["key_name"]},
                            None, now)
            for row in rows:  # the consumer's own alias, a second key's and retired ones
                self.db.execute(f'DELETE FROM "{TOKENS}" WHERE token = %s', [row["token"]])
            return [self._record(r, now, KeyStatus.DELETED) for r in rows]
