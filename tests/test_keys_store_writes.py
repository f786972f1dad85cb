"""The key store's writes in milliseconds, on a real SQLite store with LiteLLM's tables, without
the CLI: every row create, provision, rotate, end_grace, revoke and delete write (the key row,
LiteLLM's deprecated-key and deleted-key tables, its audit log), what each returns, each
refusal word for word with nothing written, and the delivery's prepare/abort/commit order.
Written for the mutants of aspirectl/keys/store.py (second in its mutation selection;
tests/test_keys.py checks the same through the CLI on SQLite and on PostgreSQL with LiteLLM's
own migrations)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.errors import OperationFailed, UnknownName, UsageError
from aspirectl.keys.db import AUDIT, DELETED, DEPRECATED, TOKENS, open_database
from aspirectl.keys.model import KeyStatus
from aspirectl.keys.store import Capabilities, KeySpec, KeyStore
from aspirectl.keys.tokens import hash_token

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC).replace(tzinfo=None)
STAMP = "2026-12-06 12:00:00.000"


class Store:
    """A SQLite gateway DB opened as the CLI opens it, with a clock the test moves."""

    def __init__(self, path, release: str | None = "1.108.7", drop: tuple[str, ...] = ()) -> None:
        self.path = path
        open_database(f"sqlite:///{path}", create=True).close()
        with sqlite3.connect(path) as conn:
            for table in drop:
                conn.execute(f'DROP TABLE "{table}"')
        self.db = open_database(f"sqlite:///{path}")
        self.now = NOW
        self.keys = KeyStore(self.db, clock=lambda: self.now, release=release, release_source="test")

    def later(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def rows(self, table: str, where: str = "1", params: tuple = ()) -> list[dict]:
        conn = sqlite3.connect(self.path)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(f'SELECT * FROM "{table}" WHERE {where} ORDER BY rowid', params)]
        finally:
            conn.close()

    def sql(self, statement: str, params: tuple = ()) -> None:
        with sqlite3.connect(self.path) as conn:
            conn.execute(statement, params)

    def snapshot(self) -> dict[str, list[dict]]:
        return {t: self.rows(t) for t in (TOKENS, DEPRECATED, DELETED, AUDIT) if self.db.has_table(t)}


@pytest.fixture
def s(tmp_path):
    store = Store(tmp_path / "keys.db")
    yield store
    store.db.close()


class Recorder:
    """A Delivery that records what it was told, and when (inside or after the transaction)."""

    def __init__(self, store: Store, fail: bool = False) -> None:
        self.store, self.fail, self.calls = store, fail, []

    def prepare(self, keys) -> None:
        # inside the transaction: the new row is not visible to another connection yet
        self.calls.append(("prepare", [k.consumer for k in keys], len(self.store.rows(TOKENS))))
        if self.fail:
            raise OSError("disk full")

    def abort(self) -> None:
        self.calls.append(("abort",))

    def commit(self) -> None:
        self.calls.append(("commit", len(self.store.rows(TOKENS))))


def _audit(s: Store) -> list[tuple]:
    return [(a["action"], a["object_id"], a["changed_by"], a["changed_by_api_key"], a["table_name"],
             a["updated_at"], None if a["before_value"] is None else json.loads(a["before_value"]),
             None if a["updated_values"] is None else json.loads(a["updated_values"])) for a in s.rows(AUDIT)]


# create ---------------------------------------------------------------------------------------
def test_create_writes_the_row_litellm_reads_and_one_audit_entry(s):
    new = s.keys.create("app", KeySpec(models=("a", "b"), expires_in=timedelta(days=30), max_budget=5.5,
                                       rpm_limit=60, tpm_limit=1000, metadata={"team": "x"}))
    (row,) = s.rows(TOKENS)
    assert row["token"] == hash_token(new.plaintext) and len(row["token"]) == 64
    assert row["key_name"] == "sk-..." + new.plaintext[-4:]
    assert {k: row[k] for k in ("key_alias", "spend", "models", "metadata", "expires", "max_budget", "rpm_limit",
                                "tpm_limit", "created_at", "created_by", "updated_at", "updated_by",
                                "rotation_count", "allowed_routes", "blocked")} == {
        "key_alias": "app", "spend": 0.0, "models": '["a", "b"]', "metadata": '{"team": "x"}',
        "expires": "2027-01-05 12:00:00.000", "max_budget": 5.5, "rpm_limit": 60, "tpm_limit": 1000,
        "created_at": STAMP, "created_by": "aspirectl", "updated_at": STAMP, "updated_by": "aspirectl",
        "rotation_count": 0, "allowed_routes": "[]", "blocked": None}
    assert _audit(s) == [("created", row["token"], "aspirectl", "", TOKENS, STAMP, None,
                          {"key_alias": "app", "key_name": row["key_name"]})]
    record = new.record
    assert (new.consumer, record.consumer, record.token, record.key_name, record.status) == (
        "app", "app", row["token"], row["key_name"], KeyStatus.ACTIVE)
    assert (record.models, record.metadata, record.expires, record.created_at, record.max_budget,
            record.rpm_limit, record.tpm_limit, record.created_by, record.rotation_count) == (
        ("a", "b"), {"team": "x"}, NOW + timedelta(days=30), NOW, 5.5, 60, 1000, "aspirectl", 0)


def test_a_key_without_expiry_or_limits_stores_nulls_and_all_models(s):
    new = s.keys.create("app", KeySpec())
    (row,) = s.rows(TOKENS)
    assert (row["expires"], row["max_budget"], row["rpm_limit"], row["tpm_limit"], row["models"], row["metadata"]) == (
        None, None, None, None, "[]", "{}")
    assert (new.record.expires, new.record.models, new.record.status, new.record.metadata) == (
        None, (), KeyStatus.ACTIVE, {})


@pytest.mark.parametrize("expires_in", [None, timedelta(days=3), timedelta(minutes=1)])
def test_a_second_create_is_refused_while_a_key_authenticates_and_writes_nothing(s, expires_in):
    """An expiring key (within the warning window) still authenticates: still refused."""
    s.keys.create("app", KeySpec(expires_in=expires_in))
    before = s.snapshot()
    with pytest.raises(OperationFailed) as caught:
        s.keys.create("app", KeySpec())
    name = before[TOKENS][0]["key_name"]
    assert caught.value.message == f"app already has an active key ({name})"
    assert caught.value.hint == "rotate it with 'aspirectl keys rotate app', or pass --allow-second"
    assert s.snapshot() == before


def test_a_blocked_or_expired_key_does_not_hold_the_alias(s):
    s.keys.create("blocked", KeySpec())
    s.sql(f'UPDATE "{TOKENS}" SET blocked = 1')
    s.keys.create("expired", KeySpec(expires_in=timedelta(minutes=1)))
    s.later(minutes=2)
    assert s.keys.create("blocked", KeySpec()).record.consumer == "blocked"
    assert s.keys.create("expired", KeySpec()).record.consumer == "expired"
    assert sorted(r["key_alias"] for r in s.rows(TOKENS)) == [
        "blocked", "blocked/retired-20261206120200", "expired", "expired/retired-20261206120200"]
    retired = [a for a in _audit(s) if a[0] == "alias_retired"]
    assert [(a[6], a[7]) for a in retired] == [
        ({"key_alias": "blocked"}, {"key_alias": "blocked/retired-20261206120200"}),
        ({"key_alias": "expired"}, {"key_alias": "expired/retired-20261206120200"})]
    assert {r["updated_by"] for r in s.rows(TOKENS, "key_alias LIKE '%retired%'")} == {"aspirectl"}
    assert {r["updated_at"] for r in s.rows(TOKENS, "key_alias LIKE '%retired%'")} == {"2026-12-06 12:02:00.000"}


def test_a_bad_consumer_name_is_refused_before_anything_is_written(s):
    with pytest.raises(UsageError):
        s.keys.create("-bad", KeySpec())
    assert s.rows(TOKENS) == [] and s.rows(AUDIT) == []


def test_delivery_is_prepared_inside_the_transaction_and_committed_after(s):
    delivery = Recorder(s)
    s.keys.create("app", KeySpec(), delivery=delivery)
    assert delivery.calls == [("prepare", ["app"], 0), ("commit", 1)]


def test_a_failing_delivery_aborts_and_leaves_no_key_behind(s):
    delivery = Recorder(s, fail=True)
    with pytest.raises(OSError):
        s.keys.create("app", KeySpec(), delivery=delivery)
    assert delivery.calls == [("prepare", ["app"], 0), ("abort",)]
    assert s.rows(TOKENS) == [] and s.rows(AUDIT) == []


def test_a_refused_write_aborts_the_delivery_without_preparing_it(s):
    s.keys.create("app", KeySpec())
    delivery = Recorder(s)
    with pytest.raises(OperationFailed):
        s.keys.create("app", KeySpec(), delivery=delivery)
    assert delivery.calls == [("abort",)]


def test_without_an_audit_table_nothing_is_audited_and_the_key_is_written(tmp_path):
    s = Store(tmp_path / "k.db", drop=(AUDIT,))
    s.keys.create("app", KeySpec())
    s.keys.provision([("fleet", KeySpec())])
    assert [r["key_alias"] for r in s.rows(TOKENS)] == ["app", "fleet"]
    assert not s.db.has_table(AUDIT)


# provision / plan -----------------------------------------------------------------------------
def test_provision_creates_only_the_consumers_without_a_working_key(s):
    s.keys.create("kept", KeySpec())
    s.keys.create("stopped", KeySpec())
    s.sql(f'UPDATE "{TOKENS}" SET blocked = 1 WHERE key_alias = ?', ("stopped",))
    specs = [("kept", KeySpec()), ("new", KeySpec(models=("m",), rpm_limit=5)),
             ("stopped", KeySpec(expires_in=timedelta(days=1)))]
    assert s.keys.plan(specs) == (["new", "stopped"], ["kept"])
    assert len(s.rows(TOKENS)) == 2  # plan writes nothing
    delivery = Recorder(s)
    done = s.keys.provision(specs, delivery=delivery)
    assert [k.consumer for k in done.created] == ["new", "stopped"] and done.existing == ["kept"]
    assert delivery.calls == [("prepare", ["new", "stopped"], 2), ("commit", 4)]
    new = s.rows(TOKENS, "key_alias = ?", ("new",))[0]
    assert (new["models"], new["rpm_limit"], new["token"], new["created_by"]) == (
        '["m"]', 5, hash_token(done.created[0].plaintext), "aspirectl")
    assert done.created[1].record.expires == NOW + timedelta(days=1)
    assert done.created[0].record.models == ("m",) and done.created[0].record.created_at == NOW
    created = [(a[1], a[7]) for a in _audit(s) if a[0] == "created"][2:]
    assert created == [(new["token"], {"key_alias": "new", "key_name": new["key_name"]}),
                       (hash_token(done.created[1].plaintext),
                        {"key_alias": "stopped", "key_name": done.created[1].record.key_name})]
    again = s.keys.provision(specs, delivery=Recorder(s))
    assert again.created == [] and again.existing == ["kept", "new", "stopped"]


def test_provision_of_a_fleet_already_there_prepares_no_delivery(s):
    s.keys.provision([("app", KeySpec())])
    delivery = Recorder(s)
    s.keys.provision([("app", KeySpec())], delivery=delivery)
    assert delivery.calls == [("commit", 1)]


def test_a_consumer_listed_twice_is_refused_by_name(s):
    with pytest.raises(UsageError) as caught:
        s.keys.provision([("bb", KeySpec()), ("aa", KeySpec()), ("bb", KeySpec()), ("aa", KeySpec()),
                          ("cc", KeySpec())])
    assert caught.value.message == "consumer listed twice: aa, bb"
    with pytest.raises(UsageError):
        s.keys.plan([("aa", KeySpec()), ("aa", KeySpec())])
    assert s.rows(TOKENS) == []


def test_a_fleet_larger_than_one_query_batch_is_read_whole(s):
    """Active keys are looked up 500 names at a time: the 501st is not forgotten."""
    specs = [(f"c{n:03}", KeySpec()) for n in range(501)]
    s.keys.provision(specs[:250] + specs[499:])
    create, keep = s.keys.plan(specs)
    assert keep == [f"c{n:03}" for n in [*range(250), 499, 500]]
    assert create == [f"c{n:03}" for n in range(250, 499)]


# rotate -----------------------------------------------------------------------------------------
def test_rotate_with_grace_moves_the_row_archives_the_old_one_and_lets_it_work_until_then(s):
    first = s.keys.create("app", KeySpec(models=("m",), max_budget=2.0))
    s.later(hours=1)
    rotation = s.keys.rotate("app", timedelta(hours=24))
    old_token, new_token = hash_token(first.plaintext), hash_token(rotation.new.plaintext)
    (row,) = s.rows(TOKENS)
    assert (row["token"], row["key_name"], row["rotation_count"], row["last_rotation_at"], row["updated_at"],
            row["updated_by"], row["blocked"], row["created_at"], row["models"], row["max_budget"]) == (
        new_token, rotation.new.record.key_name, 1, "2026-12-06 13:00:00.000", "2026-12-06 13:00:00.000",
        "aspirectl", None, STAMP, '["m"]', 2.0)
    (grace,) = s.rows(DEPRECATED)
    assert (grace["token"], grace["active_token_id"], grace["revoke_at"], grace["created_at"]) == (
        old_token, new_token, "2026-12-07 13:00:00.000", "2026-12-06 13:00:00.000")
    (archived,) = s.rows(DELETED)
    assert (archived["token"], archived["key_name"], archived["key_alias"], archived["deleted_at"],
            archived["deleted_by"], archived["litellm_changed_by"], archived["models"], archived["created_at"]) == (
        old_token, first.record.key_name, "app", "2026-12-06 13:00:00.000", "aspirectl", "aspirectl", '["m"]', STAMP)
    assert _audit(s)[-1] == ("rotated", new_token, "aspirectl", "", TOKENS, "2026-12-06 13:00:00.000",
                             {"token": old_token, "key_name": first.record.key_name},
                             {"token": new_token, "key_name": rotation.new.record.key_name,
                              "grace_until": "2026-12-07T13:00:00"})
    assert (rotation.old_key_name, rotation.revoke_at) == (first.record.key_name, NOW + timedelta(hours=25))
    record = rotation.new.record
    assert (record.consumer, record.token, record.rotation_count, record.last_rotation_at, record.status,
            record.models, record.max_budget) == ("app", new_token, 1, NOW + timedelta(hours=1), KeyStatus.ACTIVE,
                                                  ("m",), 2.0)
    shown = s.keys.show("app")
    assert [(r.token, r.status, r.key_name, r.revoke_at, r.models) for r in shown] == [
        (new_token, KeyStatus.ACTIVE, record.key_name, None, ("m",)),
        (old_token, KeyStatus.IN_GRACE, first.record.key_name, NOW + timedelta(hours=25), ("m",))]
    assert s.keys.lookup([old_token, new_token, "0" * 64]) == {
        new_token: shown[0], old_token: s.keys.lookup([old_token])[old_token]}
    assert s.keys.lookup([old_token])[old_token].status is KeyStatus.IN_GRACE
    s.later(hours=25)
    assert s.keys.lookup([old_token])[old_token].status is KeyStatus.EXPIRED
    assert [r.status for r in s.keys.show("app")] == [KeyStatus.ACTIVE]


def test_every_grace_key_follows_the_row_through_later_rotations(s):
    first = s.keys.create("app", KeySpec())
    second = s.keys.rotate("app", timedelta(hours=2)).new
    s.later(minutes=10)
    third = s.keys.rotate("app", timedelta(hours=1)).new
    targets = {r["token"]: r["active_token_id"] for r in s.rows(DEPRECATED)}
    assert targets == {hash_token(first.plaintext): hash_token(third.plaintext),
                       hash_token(second.plaintext): hash_token(third.plaintext)}
    assert s.rows(TOKENS)[0]["rotation_count"] == 2
    in_grace = [r for r in s.keys.show("app") if r.status is KeyStatus.IN_GRACE]
    # ordered by when each grace ends; the key name of each comes from its archived row
    assert [(r.token, r.key_name) for r in in_grace] == [
        (hash_token(second.plaintext), second.record.key_name), (hash_token(first.plaintext), first.record.key_name)]


def test_a_key_rotated_again_within_its_grace_gets_the_later_end(s):
    """ON CONFLICT: the old hash's grace row is updated, not duplicated."""
    first = s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    # the same old hash rotated from again (a restored row, as after a failed deploy)
    s.sql(f'UPDATE "{TOKENS}" SET token = ?', (hash_token(first.plaintext),))
    s.sql(f'DELETE FROM "{DEPRECATED}"')
    s.sql(f'INSERT INTO "{DEPRECATED}" (id, token, active_token_id, revoke_at) VALUES (?, ?, ?, ?)',
          ("x", hash_token(first.plaintext), "elsewhere", "2026-12-06 12:30:00.000"))
    latest = s.keys.rotate("app", timedelta(hours=5)).new
    (grace,) = s.rows(DEPRECATED)
    assert (grace["token"], grace["active_token_id"], grace["revoke_at"]) == (
        hash_token(first.plaintext), hash_token(latest.plaintext), "2026-12-06 17:00:00.000")


def test_rotate_now_ends_the_old_keys_graces_at_once(s):
    first = s.keys.create("app", KeySpec())
    second = s.keys.rotate("app", timedelta(hours=2)).new
    rotation = s.keys.rotate("app", None)
    assert rotation.revoke_at is None and rotation.old_key_name == second.record.key_name
    assert s.rows(DEPRECATED) == []
    assert _audit(s)[-1][7]["grace_until"] is None
    assert s.keys.lookup([hash_token(first.plaintext)]) == {}
    assert [r["token"] for r in s.rows(DELETED)] == [hash_token(first.plaintext), hash_token(second.plaintext)]


def test_rotate_keeps_a_blocked_key_blocked_unless_the_replicas_blocked_it(s):
    first = s.keys.create("app", KeySpec())
    second = s.keys.create("app", KeySpec(), allow_second=True)
    s.sql(f'UPDATE "{TOKENS}" SET blocked = 1')
    with pytest.raises(OperationFailed) as caught:  # blocked by someone: not rotated
        s.keys.rotate("app", None, key=second.record.key_name)
    assert caught.value.message == f"app has no active key {second.record.key_name} to rotate"
    reopened = frozenset({hash_token(first.plaintext)})  # blocked by the eviction just before
    rotation = s.keys.rotate("app", None, reopened=reopened)
    row = s.rows(TOKENS, "token = ?", (hash_token(rotation.new.plaintext),))[0]
    assert row["blocked"] is None and rotation.new.record.status is KeyStatus.ACTIVE
    assert rotation.old_key_name == first.record.key_name
    assert s.rows(TOKENS, "key_alias = ?", ("app/2",))[0]["blocked"] == 1


@pytest.mark.parametrize(("release", "drop", "message", "hint"), [
    ("1.108.7", (DEPRECATED,),
     "no grace period for app: this gateway's database has no LiteLLM_DeprecatedVerificationToken table "
     "(LiteLLM before 1.81): the old key would stop at once",
     "'aspirectl keys rotate app --now' (the old key stops at once), or upgrade the gateway to LiteLLM 1.89.1+"),
    (None, (DEPRECATED,),
     "no grace period for app: this gateway's database has no LiteLLM_DeprecatedVerificationToken table "
     "(LiteLLM before 1.81): the old key would stop at once",
     "'aspirectl keys rotate app --now' (the old key stops at once), or upgrade the gateway to LiteLLM 1.89.1+"),
    (None, (),
     "no grace period for app: the gateway's LiteLLM release is unknown, and releases before 1.89.1 refuse "
     "every key in its grace period",
     "say which release the gateway runs (--litellm-version X.Y.Z, ASPIRECTL_LITELLM_VERSION, or "
     "--gateway-url URL to ask it), or 'aspirectl keys rotate app --now' (the old key stops at once), or "
     "upgrade the gateway to LiteLLM 1.89.1+"),
    ("1.89.0", (),
     "no grace period for app: LiteLLM 1.89.0 refuses every key in its grace period "
     "('LiteLLM_VerificationTokenView' object is not subscriptable; LiteLLM issues #27193 and #35797, fixed in "
     "1.89.1 by PR #30327)",
     "'aspirectl keys rotate app --now' (the old key stops at once), or upgrade the gateway to LiteLLM 1.89.1+"),
])
def test_a_grace_period_the_gateway_would_not_honour_is_refused_before_anything_is_written(
        tmp_path, release, drop, message, hint):
    s = Store(tmp_path / "k.db", release=release, drop=drop)
    s.keys.create("app", KeySpec())
    before = s.snapshot()
    with pytest.raises(OperationFailed) as caught:
        s.keys.rotate("app", timedelta(hours=1))
    assert (caught.value.message, caught.value.hint) == (message, hint)
    assert s.snapshot() == before
    rotation = s.keys.rotate("app", None)  # --now works on every one of them
    assert rotation.revoke_at is None and len(s.rows(TOKENS)) == 1


@pytest.mark.parametrize("release", ["1.89.1", "1.108.7", "2.0.0"])
def test_a_release_with_the_grace_fix_is_given_its_grace_period(tmp_path, release):
    s = Store(tmp_path / "k.db", release=release)
    s.keys.create("app", KeySpec())
    assert s.keys.caps.grace_refusal() is None
    assert s.keys.rotate("app", timedelta(hours=1)).revoke_at == NOW + timedelta(hours=1)


def test_rotate_refusals_name_the_consumer_and_the_way_out(s):
    with pytest.raises(UnknownName):
        s.keys.rotate("ghost", None)
    s.keys.create("app", KeySpec(expires_in=timedelta(minutes=1)))
    s.later(minutes=2)
    with pytest.raises(OperationFailed) as caught:
        s.keys.rotate("app", None)
    assert (caught.value.message, caught.value.hint) == (
        "app has no active key to rotate", "create one with 'aspirectl keys create app'")
    first = s.keys.create("app", KeySpec())
    s.later(seconds=1)
    second = s.keys.create("app", KeySpec(), allow_second=True)
    before = s.snapshot()
    with pytest.raises(UsageError) as two:
        s.keys.rotate("app", None)
    assert (two.value.message, two.value.hint) == (
        f"app has 2 active keys ({first.record.key_name}, {second.record.key_name})", "pick one with --key sk-...abcd")
    with pytest.raises(OperationFailed) as wrong:
        s.keys.rotate("app", None, key="sk-...zzzz")
    assert wrong.value.message == "app has no active key sk-...zzzz to rotate"
    assert s.snapshot() == before
    assert s.keys.rotation_target("app") == []
    assert s.keys.rotation_target("app", second.record.key_name) == [hash_token(second.plaintext)]
    rotation = s.keys.rotate("app", None, key=second.record.key_name)
    assert rotation.new.consumer == "app" and rotation.new.record.consumer == "app/2"
    assert s.rows(TOKENS, "key_alias = ?", ("app",))[0]["token"] == hash_token(first.plaintext)


def test_rotation_target_is_the_one_active_key(s):
    first = s.keys.create("app", KeySpec())
    assert s.keys.rotation_target("app") == [hash_token(first.plaintext)]
    s.sql(f'UPDATE "{TOKENS}" SET blocked = 1')
    assert s.keys.rotation_target("app") == []


def test_rotate_delivers_the_new_key(s):
    s.keys.create("app", KeySpec())
    delivery = Recorder(s)
    rotation = s.keys.rotate("app", None, delivery=delivery)
    assert delivery.calls == [("prepare", ["app"], 1), ("commit", 1)]
    assert rotation.new.consumer == "app"


# end_grace / revoke / delete ------------------------------------------------------------------
def test_end_grace_ends_every_grace_period_and_keeps_the_active_key(s):
    s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    s.keys.rotate("app", timedelta(hours=1))
    s.keys.create("other", KeySpec())
    s.keys.rotate("other", timedelta(hours=1))
    active = s.rows(TOKENS, "key_alias = ?", ("app",))[0]["token"]
    assert s.keys.end_grace("app") == 2
    assert [r["active_token_id"] for r in s.rows(DEPRECATED)] == [s.rows(TOKENS, "key_alias = ?", ("other",))[0]["token"]]
    assert _audit(s)[-1] == ("grace_ended", active, "aspirectl", "", TOKENS, STAMP, None,
                             {"grace_ended_at": "2026-12-06T12:00:00"})
    assert s.keys.end_grace("app") == 0
    with pytest.raises(UnknownName):
        s.keys.end_grace("ghost")


def test_end_grace_without_the_deprecated_table_ends_nothing(tmp_path):
    s = Store(tmp_path / "k.db", drop=(DEPRECATED,))
    s.keys.create("app", KeySpec())
    assert s.keys.end_grace("app") == 0
    assert [a[0] for a in _audit(s)] == ["created"]


def test_revoke_blocks_every_unblocked_key_and_ends_their_graces(s):
    s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    s.later(seconds=1)
    s.keys.create("app", KeySpec(), allow_second=True)
    s.keys.create("other", KeySpec())
    s.later(minutes=3)
    revoked = s.keys.revoke("app")
    assert [(r.consumer, r.status) for r in revoked] == [("app", KeyStatus.BLOCKED), ("app/2", KeyStatus.BLOCKED)]
    assert [(r["key_alias"], r["blocked"], r["updated_at"], r["updated_by"]) for r in s.rows(TOKENS)] == [
        ("app", 1, "2026-12-06 12:03:01.000", "aspirectl"), ("app/2", 1, "2026-12-06 12:03:01.000", "aspirectl"),
        ("other", None, "2026-12-06 12:00:01.000", "aspirectl")]
    assert s.rows(DEPRECATED) == []
    assert [(a[0], a[6], a[7]) for a in _audit(s)[-2:]] == [("blocked", {"blocked": None}, {"blocked": True})] * 2
    with pytest.raises(OperationFailed) as caught:
        s.keys.revoke("app")
    assert caught.value.message == "app has no key left to revoke (all are blocked already)"


def test_revoke_blocks_only_the_keys_not_blocked_yet(s):
    s.keys.create("app", KeySpec())
    s.sql(f'UPDATE "{TOKENS}" SET blocked = 1, updated_by = ?', ("someone",))
    s.keys.create("app", KeySpec())
    revoked = s.keys.revoke("app")
    assert [r.consumer for r in revoked] == ["app"]
    assert s.rows(TOKENS, "key_alias LIKE '%retired%'")[0]["updated_by"] == "aspirectl"  # the retiring
    assert len([a for a in _audit(s) if a[0] == "blocked"]) == 1


def test_delete_archives_every_row_of_the_consumer_then_deletes_them(s):
    first = s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    s.later(minutes=1)
    s.keys.create("app", KeySpec(), allow_second=True)
    s.keys.create("other", KeySpec())
    tokens = s.keys.tokens_of("app")
    deleted = s.keys.delete("app")
    assert [(r.consumer, r.status, r.token) for r in deleted] == [
        ("app", KeyStatus.DELETED, tokens[0]), ("app/2", KeyStatus.DELETED, tokens[1])]
    assert [r["key_alias"] for r in s.rows(TOKENS)] == ["other"]
    archived = s.rows(DELETED)
    assert [(r["token"], r["deleted_at"]) for r in archived] == [
        (hash_token(first.plaintext), STAMP), (tokens[0], "2026-12-06 12:01:00.000"),
        (tokens[1], "2026-12-06 12:01:00.000")]
    assert s.rows(DEPRECATED) == []
    assert [(a[0], a[1], a[6], a[7]) for a in _audit(s) if a[0] == "deleted"] == [
        ("deleted", tokens[0], {"key_alias": "app", "key_name": deleted[0].key_name}, None),
        ("deleted", tokens[1], {"key_alias": "app", "key_name": deleted[1].key_name}, None)]
    with pytest.raises(UnknownName) as caught:
        s.keys.delete("app")
    assert caught.value.message == "unknown consumer 'app'"


def test_without_the_deleted_table_rotate_and_delete_archive_nothing(tmp_path):
    s = Store(tmp_path / "k.db", drop=(DELETED,))
    first = s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    grace = [r for r in s.keys.show("app") if r.status is KeyStatus.IN_GRACE]
    assert [(r.token, r.key_name) for r in grace] == [(hash_token(first.plaintext), None)]
    s.keys.delete("app")
    assert s.rows(TOKENS) == [] and s.rows(DEPRECATED) == []


# reading what was written -----------------------------------------------------------------------
def test_an_unknown_consumer_suggests_only_names_that_can_be_typed(s):
    s.keys.create("billing", KeySpec())
    s.sql(f'INSERT INTO "{TOKENS}" (token, key_alias) VALUES (?, ?)', ("f" * 64, "billin; rm -rf /"))
    with pytest.raises(UnknownName) as caught:
        s.keys.show("billin")
    assert caught.value.message == "unknown consumer 'billin'"
    assert "billing" in (caught.value.hint or "") and "rm" not in (caught.value.hint or "")


def test_the_grace_keys_are_the_last_page_of_the_listing(s):
    s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    s.later(seconds=1)
    s.keys.create("other", KeySpec())
    pages = list(s.keys.iter_keys())
    assert [[(r.consumer, r.status) for r in p] for p in pages] == [
        [("app", KeyStatus.ACTIVE), ("other", KeyStatus.ACTIVE)], [("app", KeyStatus.IN_GRACE)]]
    s.later(hours=2)
    assert [len(p) for p in s.keys.iter_keys()] == [2]


def test_lookup_reads_more_hashes_than_one_query_batch(s):
    made = [s.keys.create(f"c{n}", KeySpec()) for n in range(3)]
    hashes = [f"{n:064x}" for n in range(600)] + [hash_token(k.plaintext) for k in made]
    found = s.keys.lookup(hashes)
    assert sorted(found) == sorted(hash_token(k.plaintext) for k in made)


def test_the_store_says_where_it_learnt_the_release_only_when_told(tmp_path):
    s = Store(tmp_path / "k.db")
    assert s.keys.caps.describe().endswith("; LiteLLM 1.108.7 (test): grace periods honoured")
    told = KeyStore(s.db, release="1.108.7")
    assert told.caps.describe() == ("has the deleted-key table and the deprecated-key table; LiteLLM 1.108.7: "
                                    "grace periods honoured")
    assert KeyStore(s.db).caps == Capabilities(True, True, None, "")


def test_a_store_without_a_deprecated_table_has_no_grace_rows(tmp_path):
    s = Store(tmp_path / "k.db", drop=(DEPRECATED,))
    made = s.keys.create("app", KeySpec())
    assert [len(p) for p in s.keys.iter_keys()] == [1]
    assert list(s.keys.lookup([hash_token(made.plaintext)])) == [hash_token(made.plaintext)]
    assert s.keys.caps == Capabilities(True, False, "1.108.7", "test")


def test_a_keys_record_carries_what_litellm_wrote_to_its_row(s):
    """Columns LiteLLM itself keeps up to date (last_active, spend) read back as they are stored."""
    s.keys.create("app", KeySpec(max_budget=10.0))
    s.sql(f'UPDATE "{TOKENS}" SET last_active = ?, spend = ?', ("2026-12-06 11:30:00.000", 2.25))
    (record,) = s.keys.show("app")
    assert (record.last_active, record.spend, record.max_budget) == (datetime(2026, 12, 6, 11, 30), 2.25, 10.0)
    (listed,) = next(s.keys.iter_keys())
    assert listed == record


def test_keys_without_a_creation_time_are_listed_first_on_both_backends(db_url):
    """LiteLLM's created_at is nullable (rows from before it was written): such keys are listed,
    before the others, page by page, on SQLite as on PostgreSQL with LiteLLM's schema."""
    db = open_database(db_url, create=True)
    try:
        keys = KeyStore(db, clock=lambda: NOW, release="1.108.7", release_source="test")
        keys.create("app", KeySpec())
        for token, alias in (("1" * 64, "legacy-b"), ("0" * 64, "legacy-a")):  # as many hashes begin
            db.execute(f'INSERT INTO "{TOKENS}" (token, key_alias, created_at, models) VALUES '
                       f'(%s, %s, NULL, {"%s::text[]" if db.kind == "postgresql" else "%s"})',
                       [token, alias, db.array([])])
        for size in (1, 2, 1000):
            assert [r.consumer for p in keys.iter_keys(page_size=size) for r in p] == ["legacy-a", "legacy-b", "app"]
        (legacy,) = keys.show("legacy-a")
        assert legacy.created_at is None
    finally:
        db.close()


def test_lookup_and_the_active_key_check_read_every_batch_of_500(tmp_path):
    """More keys than one query's batch, with and without the grace table: every one is found."""
    for drop in ((), (DEPRECATED,)):
        s = Store(tmp_path / f"k{len(drop)}.db", drop=drop)
        made = s.keys.provision([(f"c{n:03}", KeySpec()) for n in range(501)]).created
        hashes = [hash_token(k.plaintext) for k in made]
        assert sorted(s.keys.lookup(hashes)) == sorted(hashes)
        assert s.keys.plan([(f"c{n:03}", KeySpec()) for n in range(501)]) == ([], [f"c{n:03}" for n in range(501)])


def test_a_grace_keys_lookup_names_its_consumer_and_when_it_stops(s):
    first = s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=2))
    record = s.keys.lookup([hash_token(first.plaintext)])[hash_token(first.plaintext)]
    assert (record.consumer, record.key_name, record.status, record.revoke_at) == (
        "app", None, KeyStatus.IN_GRACE, NOW + timedelta(hours=2))


def test_a_row_litellm_wrote_without_a_key_name_or_rotation_count(s):
    s.sql(f'INSERT INTO "{TOKENS}" (token, key_alias, key_name, rotation_count, created_at) VALUES (?, ?, NULL, NULL, ?)',
          ("c" * 64, "app", "2026-12-01 00:00:00.000"))
    (record,) = s.keys.show("app")
    assert (record.key_name, record.rotation_count) == (None, 0)
    with pytest.raises(OperationFailed) as caught:
        s.keys.create("app", KeySpec())
    assert caught.value.message == "app already has an active key (?)"
    s.keys.create("app", KeySpec(), allow_second=True)
    with pytest.raises(UsageError) as two:
        s.keys.rotate("app", None)
    assert two.value.message.startswith("app has 2 active keys (?, sk-...")
    s.sql(f'DELETE FROM "{TOKENS}" WHERE key_alias = ?', ("app/2",))
    rotated = s.keys.rotate("app", None)
    assert rotated.new.record.rotation_count == 1 and rotated.old_key_name is None
    assert s.rows(TOKENS, "key_alias = ?", ("app",))[0]["rotation_count"] == 1


def test_a_consumers_grace_keys_are_its_own(s):
    s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    s.keys.create("other", KeySpec())
    s.keys.rotate("other", timedelta(hours=1))
    assert [r.consumer for r in s.keys.show("app")] == ["app", "app"]
    assert [r.status for r in s.keys.show("other")] == [KeyStatus.ACTIVE, KeyStatus.IN_GRACE]


def test_a_grace_period_ends_at_its_revoke_time(s):
    """As LiteLLM's deprecated-key lookup has it (1.108.7 proxy/utils.py, revoke_at "gt" now):
    one millisecond before revoke_at the old key works, at revoke_at it does not."""
    first = s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=2))
    old = hash_token(first.plaintext)
    s.later(hours=2, milliseconds=-1)
    assert s.keys.lookup([old])[old].status is KeyStatus.IN_GRACE
    assert [r.status for r in s.keys.show("app")] == [KeyStatus.ACTIVE, KeyStatus.IN_GRACE]
    s.later(milliseconds=1)
    assert s.keys.lookup([old])[old].status is KeyStatus.EXPIRED
    assert [r.status for r in s.keys.show("app")] == [KeyStatus.ACTIVE]


def test_a_refused_create_names_every_active_key(s):
    first = s.keys.create("app", KeySpec())
    s.later(seconds=1)
    second = s.keys.create("app", KeySpec(), allow_second=True)
    with pytest.raises(OperationFailed) as caught:
        s.keys.create("app", KeySpec())
    assert caught.value.message == (f"app already has an active key ({first.record.key_name}, "
                                    f"{second.record.key_name})")


def test_every_write_on_both_backends_as_litellm_reads_it(db_url):
    """The same writes on PostgreSQL with LiteLLM's own migrations (text[] models, jsonb, its
    timestamps) as on SQLite, read back through a second connection."""
    from tests.test_keys import as_dict, as_list
    from tests.test_keys import rows as read

    def rows(sql: str, params: tuple = ()) -> list[dict]:
        return read(db_url, sql, params)

    db = open_database(db_url, create=True)
    try:
        keys = KeyStore(db, clock=lambda: NOW, release="1.108.7", release_source="test")
        first = keys.create("app", KeySpec(models=("gpt-5.5", "qwen-3.6"), metadata={"team": "x"}, rpm_limit=5))
        fleet = keys.provision([("fleet-a", KeySpec(models=("m",))), ("fleet-b", KeySpec())]).created
        (row,) = rows(f'SELECT * FROM "{TOKENS}" WHERE key_alias = %s', ("app",))
        assert (as_list(row["models"]), as_dict(row["metadata"]), row["rpm_limit"], as_list(row["allowed_routes"])) == (
            ["gpt-5.5", "qwen-3.6"], {"team": "x"}, 5, [])
        assert [as_list(r["models"]) for r in rows(f'SELECT * FROM "{TOKENS}" WHERE key_alias LIKE %s '
                                                  "ORDER BY key_alias", ("fleet-%",))] == [["m"], []]
        rotation = keys.rotate("app", timedelta(hours=1))
        (grace,) = rows(f'SELECT * FROM "{DEPRECATED}"')
        assert (grace["token"], grace["active_token_id"]) == (hash_token(first.plaintext),
                                                              hash_token(rotation.new.plaintext))
        (archived,) = rows(f'SELECT * FROM "{DELETED}"')
        assert (archived["token"], as_list(archived["models"])) == (hash_token(first.plaintext), ["gpt-5.5", "qwen-3.6"])
        assert [r.status for r in keys.show("app")] == [KeyStatus.ACTIVE, KeyStatus.IN_GRACE]
        assert keys.show("app")[0].models == ("gpt-5.5", "qwen-3.6")
        assert [k.consumer for k in fleet] == ["fleet-a", "fleet-b"]
        keys.revoke("fleet-a")
        assert rows(f'SELECT blocked FROM "{TOKENS}" WHERE key_alias = %s', ("fleet-a",))[0]["blocked"] in (1, True)
        keys.delete("fleet-b")
        assert rows(f'SELECT key_alias FROM "{DELETED}" WHERE key_alias = %s', ("fleet-b",)) == [
            {"key_alias": "fleet-b"}]
        assert [a["action"] for a in rows(f'SELECT action FROM "{AUDIT}" ORDER BY updated_at, action')].count(
            "created") == 3
    finally:
        db.close()


def test_a_second_rotation_counts_two_and_end_grace_counts_every_row(s):
    s.keys.create("app", KeySpec())
    s.keys.rotate("app", timedelta(hours=1))
    assert s.keys.rotate("app", timedelta(hours=1)).new.record.rotation_count == 2
    s.later(seconds=1)
    s.keys.create("app", KeySpec(), allow_second=True)
    s.keys.rotate("app", timedelta(hours=1), key=s.keys.show("app")[1].key_name)
    assert s.keys.end_grace("app") == 3  # two grace keys of app's row, one of app/2's
