"""keys audit's findings across keys, word for word, on a real SQLite key store written by
aspirectl itself (keys create/rotate, then rows changed as LiteLLM or a person would): a
key_alias two working keys share or none at all, a consumer whose only key expired, a grace
period ending (the one-day boundary), one key used from many requester addresses (the
count and window boundaries), a working key in plaintext, which keys are counted, and the
order findings are printed in. Written from the mutants of aspirectl/keys/audit.py that
survived tests/test_keys_audit.py (which checks severities and kinds in every format)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.keys import audit
from aspirectl.status import Health

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
TOKENS, GRACE, SPEND = "LiteLLM_VerificationToken", "LiteLLM_DeprecatedVerificationToken", "LiteLLM_SpendLogs"


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class Store:
    def __init__(self, cli, tmp_path):
        self.cli, self.path = cli, tmp_path / "keys.db"
        self.url = f"sqlite:///{self.path}"

    def keys(self, *args: str) -> str:
        result = self.cli("--db", self.url, "keys", *args)
        assert result.code == 0, result.text
        return result.out.strip()

    def sql(self, statement: str, params: tuple = ()) -> list:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(statement, params).fetchall()

    def name(self, alias: str) -> str:
        return self.sql(f'SELECT key_name FROM "{TOKENS}" WHERE key_alias = ? ORDER BY created_at', (alias,))[0][0]

    def token(self, alias: str) -> str:
        return self.sql(f'SELECT token FROM "{TOKENS}" WHERE key_alias = ?', (alias,))[0][0]

    def log(self, alias: str, ips: list[str], when: datetime) -> None:
        token = self.token(alias)
        for i, ip in enumerate(ips):
            self.sql(f'INSERT INTO "{SPEND}" (request_id, call_type, api_key, spend, "startTime", "endTime", model, '
                     "requester_ip_address) VALUES (?, 'acompletion', ?, 0, ?, ?, 'gpt-5.5', ?)",
                     (f"{alias}-{i}-{when:%s}", token, _at(when), _at(when), ip))

    def audit(self, scanned=(), thresholds: audit.Thresholds | None = None) -> audit.AuditReport:
        from aspirectl.keys.db import open_database
        from aspirectl.keys.store import KeyStore

        db = open_database(self.url)
        try:
            return audit.audit(KeyStore(db, clock=lambda: NOW), "the db", NOW, thresholds or audit.Thresholds(),
                               scanned)
        finally:
            db.close()


@pytest.fixture
def store(cli, tmp_path, monkeypatch) -> Store:
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
    s = Store(cli, tmp_path)
    s.keys("create", "first-agent", "--models", "gpt-5.5", "--create")
    return s


def _found(report: audit.AuditReport, kind: str) -> list[tuple]:
    return [(f.severity, f.consumer, f.key_name, f.detail, f.next) for f in report.findings if f.kind == kind]


def test_a_key_alias_shared_by_two_working_keys_or_none_at_all(store):
    store.keys("create", "dup-a", "--models", "gpt-5.5")
    store.keys("create", "dup-b", "--models", "gpt-5.5")
    store.keys("create", "nameless", "--models", "gpt-5.5")
    store.keys("create", "blank", "--models", "gpt-5.5")
    store.keys("create", "dup-c", "--models", "gpt-5.5")
    a, b, c = store.name("dup-a"), store.name("dup-b"), store.name("dup-c")
    nameless, blank = store.name("nameless"), store.name("blank")
    store.sql(f'UPDATE "{TOKENS}" SET key_alias = ? WHERE key_alias IN (?, ?)', ("dup", "dup-a", "dup-b"))
    store.sql(f'UPDATE "{TOKENS}" SET key_alias = ?, blocked = 1 WHERE key_alias = ?', ("dup", "dup-c"))
    store.sql(f'UPDATE "{TOKENS}" SET key_alias = NULL WHERE key_alias = ?', ("nameless",))
    store.sql(f'UPDATE "{TOKENS}" SET key_alias = ? WHERE key_alias = ?', ("  ", "blank"))
    report = store.audit()
    assert c not in _found(report, "duplicate_alias")[0][2]  # a blocked key opens nothing
    assert _found(report, "duplicate_alias") == [
        (Health.WARNING, "dup", f"{a}, {b}", "2 working keys share the key_alias (LiteLLM's own API refuses that)",
         "aspirectl keys show dup")]
    said = ("a working key with no key_alias: nobody can tell who holds it",
            "name it with LiteLLM's /key/update, or revoke it there")
    assert sorted(_found(report, "missing_alias")) == sorted([
        (Health.WARNING, "(no key_alias)", nameless, *said), (Health.WARNING, "(no key_alias)", blank, *said)])
    assert report.keys_checked == 6 and report.status is Health.WARNING


def test_the_consumer_of_an_alias_aspirectl_gave_a_second_or_retired_key():
    from aspirectl.keys.store import consumer_of

    assert consumer_of("renewed/2") == "renewed" and consumer_of("renewed/12") == "renewed"
    assert consumer_of("lapsed/retired-20261206193113") == "lapsed"
    assert consumer_of("lapsed/retired-20261206193113-2") == "lapsed"
    for alias in ("team/agent", "renewed/2x", "a/2/b", "/2", "plain", "renewed/retired-2026"):
        assert consumer_of(alias) == alias, alias


def test_a_consumer_whose_only_key_expired_is_broken(store):
    """Only a consumer with no working key at all: NAME's second key (NAME/2) working, or its
    expired key retired beside a new one, is not broken."""
    store.keys("create", "gone", "--models", "gpt-5.5")
    store.keys("create", "renewed", "--models", "gpt-5.5")
    store.keys("create", "renewed", "--models", "gpt-5.5", "--allow-second")
    store.keys("create", "ended", "--models", "gpt-5.5")
    store.sql(f'UPDATE "{TOKENS}" SET expires = ? WHERE key_alias IN (?, ?)', (_at(NOW - timedelta(hours=1)),
                                                                                "gone", "ended"))
    first = store.sql(f'SELECT token FROM "{TOKENS}" WHERE key_alias = ? ORDER BY created_at', ("renewed",))[0][0]
    store.sql(f'UPDATE "{TOKENS}" SET expires = ? WHERE token = ?', (_at(NOW - timedelta(days=2)), first))
    store.sql(f'UPDATE "{TOKENS}" SET blocked = 1 WHERE key_alias = ?', ("ended",))  # revoked: not broken
    # an expired key, then a new one: aspirectl retires the old row (lapsed/retired-...)
    store.keys("create", "lapsed", "--models", "gpt-5.5")
    store.sql(f'UPDATE "{TOKENS}" SET expires = ? WHERE key_alias = ?', (_at(NOW - timedelta(days=3)), "lapsed"))
    store.keys("create", "lapsed", "--models", "gpt-5.5")
    retired = store.sql(f'SELECT key_alias FROM "{TOKENS}" WHERE key_alias LIKE ?', ("lapsed/retired-%",))
    assert len(retired) == 1
    assert _found(store.audit(), "expired") == [
        (Health.WARNING, "gone", "-", "its only key has expired: its calls are refused",
         "aspirectl keys rotate gone --now")]


@pytest.mark.parametrize("left, found", [(timedelta(hours=12), True), (timedelta(days=1), True),
                                         (timedelta(days=1, minutes=1), False)])
def test_a_grace_period_ending_within_a_day(store, left, found):
    old = store.name("first-agent")
    store.keys("rotate", "first-agent", "--grace", "48h")
    revoke_at = NOW + left
    store.sql(f'UPDATE "{GRACE}" SET revoke_at = ?', (_at(revoke_at),))
    report = store.audit()
    expected = [(Health.WARNING, "first-agent", old,
                 f"the rotated-out key stops working at {revoke_at:%Y-%m-%d %H:%M}Z: every agent must hold the "
                 "new one by then", "aspirectl keys show first-agent")]
    assert _found(report, "grace_ending") == (expected if found else [])
    assert report.keys_checked == 1  # the key in grace is not a key of its own


@pytest.mark.parametrize("ips, age, finding", [
    (["10.0.0.1", "10.0.0.2", "10.0.0.3"], timedelta(days=1), True),
    (["10.0.0.1", "10.0.0.2", "10.0.0.2", "", ""], timedelta(days=1), False),  # 2 addresses; blanks are none
    (["10.0.0.1", "10.0.0.2", "10.0.0.3"], timedelta(days=31), False),  # outside the 30-day window
    (["10.0.0.1", "10.0.0.2", "10.0.0.3"], timedelta(days=29), True),
])
def test_one_key_used_from_many_addresses(store, ips, age, finding):
    store.log("first-agent", ips, NOW - age)
    report = store.audit()
    assert report.sources_checked is True
    expected = [(Health.WARNING, "first-agent", store.name("first-agent"),
                 "used from 3 requester addresses in 30 days: one key shared by several agents",
                 "give each agent its own key: aspirectl keys provision FLEET.yaml, then "
                 "aspirectl keys revoke first-agent")]
    assert _found(report, "shared") == (expected if finding else [])


def test_shared_counts_follow_the_thresholds_and_a_revoked_key_is_not_shared(store):
    store.keys("create", "old-fleet", "--models", "gpt-5.5")
    store.log("first-agent", ["a", "b", "c", "d"], NOW - timedelta(days=5))
    store.log("old-fleet", ["a", "b", "c", "d"], NOW - timedelta(days=5))
    store.keys("revoke", "old-fleet")
    wide = store.audit(thresholds=audit.Thresholds(many_sources=4, window_days=6))
    assert [(f.consumer, f.detail[:43]) for f in wide.findings if f.kind == "shared"] == [
        ("first-agent", "used from 4 requester addresses in 6 days: ")]
    assert _found(store.audit(thresholds=audit.Thresholds(many_sources=5)), "shared") == []
    assert _found(store.audit(thresholds=audit.Thresholds(window_days=4)), "shared") == []


def test_a_working_key_in_plaintext_pages_and_a_dead_one_does_not(store, tmp_path):
    from aspirectl.keys.scan import match, sightings
    from aspirectl.keys.store import KeyStore

    live = store.keys("create", "leaky", "--models", "gpt-5.5")
    dead = store.keys("create", "was-leaky", "--models", "gpt-5.5")
    store.keys("revoke", "was-leaky")
    env = tmp_path / "agent.env"
    env.write_text(f"# the agent\nLITELLM_API_KEY={live}\nOLD_KEY={dead}\n")
    found, _ = sightings([env])
    from aspirectl.keys.db import open_database

    db = open_database(store.url)
    try:
        records = KeyStore(db).lookup([t for s in found for t in s.tokens])
    finally:
        db.close()
    report = store.audit([match(s, records) for s in found])
    deep = tmp_path / ("d" * 120) / ("e" * 120)
    deep.mkdir(parents=True)
    (deep / "agent.env").write_text(f"KEY={live}\n")
    far, _ = sightings([deep / "agent.env"])
    (long,) = [f.detail for f in store.audit([match(s, records) for s in far]).findings if f.kind == "plaintext"]
    assert long == f"a working key in plaintext at {str(deep / 'agent.env')[:199]}…:1"
    assert _found(report, "plaintext") == [
        (Health.CRITICAL, "leaky", store.name("leaky"), f"a working key in plaintext at {env}:2",
         "aspirectl keys rotate leaky --now")]
    assert report.status is Health.CRITICAL and live not in repr(report.findings)


def test_findings_are_printed_worst_first_then_by_kind_then_consumer(store, tmp_path):
    store.keys("create", "zeta", "--models", "gpt-5.5", "--budget", "10")
    store.keys("create", "alpha", "--models", "gpt-5.5", "--budget", "10")
    store.keys("create", "open-b")
    store.keys("create", "open-a")
    store.keys("create", "near", "--models", "gpt-5.5", "--budget", "10")
    store.sql(f'UPDATE "{TOKENS}" SET spend = 10 WHERE key_alias IN (?, ?)', ("zeta", "alpha"))
    store.sql(f'UPDATE "{TOKENS}" SET spend = 9 WHERE key_alias = ?', ("near",))  # a WARNING 'budget'

    store.sql(f'UPDATE "{TOKENS}" SET expires = ? WHERE key_alias = ?', (_at(NOW + timedelta(hours=3)), "open-b"))
    report = store.audit()
    assert [(f.severity.name, f.kind, f.consumer) for f in report.findings] == [
        ("CRITICAL", "budget", "alpha"), ("CRITICAL", "budget", "zeta"), ("CRITICAL", "expiring", "open-b"),
        ("WARNING", "budget", "near"), ("WARNING", "unrestricted", "open-a"), ("WARNING", "unrestricted", "open-b")]
    assert report.database == "the db" and report.keys_checked == 6
