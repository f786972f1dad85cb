"""The key store's decisions in milliseconds, on a real SQLite store with LiteLLM's tables,
without the CLI: which rows are a consumer's, what is listed (LiteLLM's own UI session keys
never), page by page, what a hostile column reads as, and the second key's and a retired key's
aliases. Written for the mutants of aspirectl/keys/store.py (first in its mutation selection;
tests/test_keys.py checks the same decisions through the CLI on both backends)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.keys.db import TOKENS, open_database
from aspirectl.keys.model import KeyStatus
from aspirectl.keys.store import KeySpec, KeyStore

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path}/keys.db"
    db = open_database(url, create=True)
    clock = {"now": NOW}
    keys = KeyStore(db, clock=lambda: clock["now"])
    keys.path = tmp_path / "keys.db"  # type: ignore[attr-defined]
    keys.tick = clock  # type: ignore[attr-defined]
    yield keys
    db.close()


def _sql(store, statement: str, params: tuple = ()) -> list:
    with sqlite3.connect(store.path) as conn:
        return conn.execute(statement, params).fetchall()


def _later(store, minutes: int) -> None:
    store.tick["now"] = store.tick["now"] + timedelta(minutes=minutes)


def test_a_consumers_rows_are_its_alias_its_second_key_and_its_retired_ones_only(store):
    """LIKE's wildcards in a name match nothing more: 'a_b' is not 'axb', 'a%' not 'abc'."""
    store.create("a_b", KeySpec())
    _later(store, 1)
    store.create("a_b", KeySpec(), allow_second=True)
    _later(store, 1)
    for other in ("axb", "a_bc", "a_b.x", "xa_b"):
        store.create(other, KeySpec())
        _later(store, 1)
        store.create(other, KeySpec(), allow_second=True)
        _later(store, 1)
    _sql(store, f'UPDATE "{TOKENS}" SET key_alias = ? WHERE key_alias = ?', ("a_b/retired-20261206120000", "a_b"))
    assert [r.consumer for r in store.show("a_b")] == ["a_b/retired-20261206120000", "a_b/2"]
    assert [r.consumer for r in store.show("axb")] == ["axb", "axb/2"]
    assert store.tokens_of("a_b") == [r.token for r in store.show("a_b")]


def test_litellms_ui_session_keys_are_never_listed(store):
    store.create("app", KeySpec())
    store.create("ui", KeySpec())
    _sql(store, f'UPDATE "{TOKENS}" SET team_id = ? WHERE key_alias = ?', ("litellm-dashboard", "ui"))
    store.create("team", KeySpec())
    _sql(store, f'UPDATE "{TOKENS}" SET team_id = ? WHERE key_alias = ?', ("platform", "team"))
    assert store.consumers() == ["app", "team"]
    listed = [r.consumer for page in store.iter_keys(include_all=True) for r in page]
    assert sorted(listed) == ["app", "team"]


def test_every_key_is_listed_once_page_by_page_in_creation_order(store):
    for n in range(5):
        store.create(f"c{n}", KeySpec())
        _later(store, 1)
    store.create("blocked", KeySpec())
    _sql(store, f'UPDATE "{TOKENS}" SET blocked = 1 WHERE key_alias = ?', ("blocked",))
    _later(store, 1)
    store.create("gone", KeySpec(expires_in=timedelta(minutes=1)))
    _later(store, 5)
    pages = list(store.iter_keys(page_size=2))
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [r.consumer for p in pages for r in p] == ["c0", "c1", "c2", "c3", "c4"]
    everything = [r.consumer for p in store.iter_keys(include_all=True, page_size=2) for r in p]
    assert everything == ["c0", "c1", "c2", "c3", "c4", "blocked", "gone"]
    statuses = {r.consumer: r.status for p in store.iter_keys(include_all=True) for r in p}
    assert statuses["blocked"] is KeyStatus.BLOCKED and statuses["gone"] is KeyStatus.EXPIRED


def test_keys_created_in_the_same_instant_are_paged_by_token(store):
    for n in range(4):
        store.create(f"same{n}", KeySpec())  # one clock reading: equal created_at
    tokens = [r.token for p in store.iter_keys(page_size=1) for r in p]
    assert tokens == sorted(tokens) and len(tokens) == 4


@pytest.mark.parametrize(("stored", "read"), [
    (None, None), (12, 12), ("12", 12), ("twelve", None), (True, None), (False, None), (2.0, 2),
    (float("inf"), None)])
def test_a_limit_column_reads_as_a_number_or_none_whatever_is_stored(store, stored, read):
    """rpm/tpm limits as the DB holds them; a bool (SQLite keeps whatever it is given) is no limit."""
    from aspirectl.keys.store import _count

    assert _count(stored) == read


def test_a_second_key_takes_the_next_free_number(store):
    store.create("app", KeySpec())
    second = store.create("app", KeySpec(), allow_second=True)
    third = store.create("app", KeySpec(), allow_second=True)
    assert (second.record.consumer, third.record.consumer) == ("app/2", "app/3")
    _sql(store, f'DELETE FROM "{TOKENS}" WHERE key_alias = ?', ("app/2",))
    fourth = store.create("app", KeySpec(), allow_second=True)
    assert fourth.record.consumer == "app/2"


def test_a_consumer_whose_keys_stopped_gets_its_alias_back_and_the_old_ones_are_retired(store):
    store.create("app", KeySpec(expires_in=timedelta(minutes=1)))
    store.create("app", KeySpec(expires_in=timedelta(minutes=1)), allow_second=True)
    _sql(store, f'UPDATE "{TOKENS}" SET key_alias = ? WHERE key_alias = ?', ("app", "app/2"))  # two rows, one alias
    _later(store, 5)
    fresh = store.create("app", KeySpec())
    assert fresh.record.consumer == "app"
    aliases = sorted(a for (a,) in _sql(store, f'SELECT key_alias FROM "{TOKENS}"'))
    assert aliases == ["app", "app/retired-20261206120500", "app/retired-20261206120500-2"]


@pytest.mark.parametrize(("alias", "consumer"), [
    ("a/2", "a"), ("app/12", "app"), ("app/retired-20261206120500", "app"), ("app/retired-20261206120500-2", "app"),
    ("/2", "/2"), ("app", "app"), ("app/2x", "app/2x"), ("a/b/3", "a/b")])
def test_which_consumer_an_alias_belongs_to(alias, consumer):
    from aspirectl.keys.store import consumer_of

    assert consumer_of(alias) == consumer


@pytest.mark.parametrize(("name", "message", "hint"), [
    ("app/2", "bad consumer name 'app/2': it ends like the alias aspirectl gives a second key (NAME/2) or a "
              "retired one (NAME/retired-...)", "choose another name"),
    ("a..b", "bad consumer name 'a..b'", "2-255 characters: letters, digits and _ - / . @, starting and ending "
                                         "with a letter or digit (LiteLLM's key_alias rule)"),
    ("-app", "bad consumer name '-app'", None), ("x" * 300, f"bad consumer name '{'x' * 79}…'", None),
    ("x" * 300 + "/2", f"bad consumer name '{'x' * 79}…': it ends like the alias aspirectl gives a second key "
                       "(NAME/2) or a retired one (NAME/retired-...)", None)])
def test_a_bad_consumer_name_is_one_line_with_the_rule(name, message, hint):
    from aspirectl.errors import UsageError
    from aspirectl.keys.store import check_consumer

    with pytest.raises(UsageError) as caught:
        check_consumer(name)
    assert caught.value.message == message
    if hint:
        assert caught.value.hint == hint
    assert check_consumer("a.b@c/d_e-f") == "a.b@c/d_e-f"


def test_what_the_store_says_of_the_gateway_database_it_opened():
    from aspirectl.keys.store import Capabilities

    assert Capabilities(True, True, "1.108.7", "ASPIRECTL_LITELLM_VERSION").describe() == (
        "has the deleted-key table and the deprecated-key table; LiteLLM 1.108.7 (ASPIRECTL_LITELLM_VERSION): "
        "grace periods honoured")
    assert Capabilities(False, False, None, "").describe() == (
        "no deleted-key table and no deprecated-key table (LiteLLM before 1.81); release unknown: no grace periods")
    assert Capabilities(True, False, "1.85.0", "x").describe() == (
        "has the deleted-key table; no deprecated-key table (LiteLLM before 1.81); LiteLLM 1.85.0 (x): "
        "no grace periods")


def test_a_new_keys_json_columns_are_empty_objects_never_null(store):
    """LiteLLM reads these as objects: the schema's defaults give '{}' (LiteLLM's migrations and
    aspirectl's SQLite schema; tests/test_keys.py checks PostgreSQL)."""
    store.create("app", KeySpec())
    columns = ("aliases", "config", "permissions", "model_spend", "model_max_budget", "router_settings")
    present = {c for (_, c, *_) in _sql(store, f'PRAGMA table_info("{TOKENS}")')}
    assert set(columns) <= present
    row = _sql(store, f'SELECT {", ".join(columns)} FROM "{TOKENS}" WHERE key_alias = ?', ("app",))[0]
    assert row == ("{}",) * len(columns)


@pytest.mark.parametrize(("name", "matches", "misses"), [
    ("a_b", ["a_b/2"], ["axb/2", "a_bc/2"]),
    ("a%b", ["a%b/2"], ["axyzb/2", "ab/2"]),
    ("a\\b", ["a\\b/2"], ["ab/2", "a\\\\b/2"])])
def test_the_prefilter_takes_a_name_literally_in_sqls_like(store, name, matches, misses):
    """The LIKE that picks a consumer's candidate rows in SQL (consumer_of decides in Python):
    its wildcards and its escape character in a name match only themselves."""
    from aspirectl.keys.store import _like

    with sqlite3.connect(store.path) as conn:
        for alias in matches + misses:
            conn.execute(f'INSERT INTO "{TOKENS}" (token, key_alias) VALUES (?, ?)', (alias, alias))
    found = [a for (a,) in _sql(store, f'SELECT key_alias FROM "{TOKENS}" WHERE key_alias LIKE ? ESCAPE \'\\\' '
                                "ORDER BY key_alias", (_like(name) + "/%",))]
    assert found == matches


def test_a_consumer_is_not_another_whose_name_it_begins(store):
    """'app' and 'app/team' are two consumers: app/team's keys (and its second key, app/team/2)
    are not app's, though they match app's LIKE 'app/%'."""
    store.create("app", KeySpec())
    store.create("app/team", KeySpec())
    _later(store, 1)
    store.create("app/team", KeySpec(), allow_second=True)
    assert [r.consumer for r in store.show("app")] == ["app"]
    assert [r.consumer for r in store.show("app/team")] == ["app/team", "app/team/2"]
    assert len(store.tokens_of("app")) == 1
