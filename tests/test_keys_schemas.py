"""Issue 10: every keys command on the three LiteLLM schema versions the project supports
(the migrations of litellm-proxy-extras 0.4.5, 0.4.72 and 0.4.110, pinned by LiteLLM 1.80.0,
1.85.0 and 1.108.7) and on SQLite; LiteLLM's key_alias uniqueness after every command; a grace
period only where that release honours it; and a key never committed without being delivered."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from aspirectl.litellm.releases import SUPPORTED
from tests.conftest import SHIPPED_CHAINS

RELEASE = {extras: release for release, extras in SUPPORTED.items()}  # schema -> its release


def _rows(url: str, sql: str) -> list[dict]:
    """The rows as the DB holds them. Never [] for a missing database or table: a test that
    reads an absent table has to say so (``_has_table``), or it could not fail."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        assert Path(path).exists(), f"no database file {path}"
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql)]
        finally:
            conn.close()
    with psycopg.connect(url) as conn:
        cur = conn.execute(sql)
        return [dict(zip([c.name for c in cur.description], row, strict=True)) for row in cur.fetchall()]


def _has_table(url: str, table: str) -> bool:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(f"file:{url[len('sqlite:///'):]}?mode=ro", uri=True)
        try:
            return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchall())
        finally:
            conn.close()
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{table}"',)).fetchone()[0]


def _snapshot(url: str) -> list:
    out = []
    for table in ("LiteLLM_VerificationToken", "LiteLLM_DeprecatedVerificationToken",
                  "LiteLLM_DeletedVerificationToken"):
        rows = _rows(url, f'SELECT * FROM "{table}"') if _has_table(url, table) else [{"absent": table}]
        out.append(sorted(json.dumps(r, sort_keys=True, default=str) for r in rows))
    return out


def _aliases_unique(url: str) -> None:
    aliases = [r["key_alias"] for r in _rows(url, 'SELECT key_alias FROM "LiteLLM_VerificationToken"')
               if r["key_alias"] is not None]
    assert len(aliases) == len(set(aliases)), aliases  # LiteLLM's own rule (/key/generate, /key/update)


@pytest.fixture(params=["0.4.5", "0.4.72", "0.4.110", "sqlite"])
def gateway_db(request, pg_schema, tmp_path, monkeypatch):
    version = request.param
    if version == "sqlite":
        from aspirectl.keys.db import open_database

        url = f"sqlite:///{tmp_path}/keys.db"
        open_database(url, create=True).close()
        monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
        return url, "1.108.7", True
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", RELEASE[version])
    return pg_schema(version), RELEASE[version], version != "0.4.5"


def _keys(cli, url):
    def run(*args):
        return cli("--chains", SHIPPED_CHAINS, "--db", url, "keys", *map(str, args))
    return run


def test_every_keys_command_on_every_schema(cli, gateway_db):
    url, release, has_tables = gateway_db
    keys = _keys(cli, url)
    created = keys("create", "postiz", "--models", "gpt-5.5")
    assert created.code == 0, created.text
    _aliases_unique(url)
    listed = keys("list")
    assert listed.code == 0 and "postiz" in listed.out
    expected = "has the deleted-key table and the deprecated-key table" if has_tables else \
        "no deleted-key table and no deprecated-key table"
    assert expected in listed.err and f"LiteLLM {release}" in listed.err
    shown = keys("show", "postiz", "-o", "json")
    assert json.loads(shown.out)["keys"][0]["models"] == ["gpt-5.5", "gpt-5.5@openai-api"]
    # --now works on every schema.
    now = keys("rotate", "postiz", "--now")
    assert now.code == 0, now.text
    _aliases_unique(url)
    # A grace period only where the gateway honours it; a refusal changes nothing.
    before = _snapshot(url)
    grace = keys("rotate", "postiz", "--grace", "24h")
    if release == "1.108.7":
        assert grace.code == 0, grace.text
        assert "end it early with 'aspirectl keys rotate postiz --end-grace'" in grace.err
        (row,) = _rows(url, 'SELECT * FROM "LiteLLM_DeprecatedVerificationToken"')
        assert row["active_token_id"] == _rows(url, 'SELECT token FROM "LiteLLM_VerificationToken"')[0]["token"]
        listed = keys("list", "-o", "json")
        in_grace = [k for k in json.loads(listed.out)["keys"] if k["status"] == "in grace"]
        assert in_grace and in_grace[0]["models"] == ["gpt-5.5", "gpt-5.5@openai-api"]  # real models
        # The hint is a command that does what it says.
        ended = keys("rotate", "postiz", "--end-grace")
        assert ended.code == 0 and "ended the grace period of 1 old key" in ended.err
        assert _rows(url, 'SELECT * FROM "LiteLLM_DeprecatedVerificationToken"') == []
        assert keys("show", "postiz", "-o", "json").out.count('"status": "active"') == 1
    else:
        assert grace.code == 1
        lines = [ln for ln in grace.err.splitlines() if not ln.startswith("database: ")]
        assert len(lines) == 1 and "no grace period for postiz" in lines[0]
        assert ("LiteLLM 1.85.0 refuses every key in its grace period" in lines[0] if release == "1.85.0"
                else "no LiteLLM_DeprecatedVerificationToken table" in lines[0])
        assert "keys rotate postiz --now" in lines[0]
        assert _snapshot(url) == before  # nothing changed
    # Revoke, then a new key for the same consumer: the blocked row gives its alias up.
    assert keys("revoke", "postiz").code == 0
    again = keys("create", "postiz")
    assert again.code == 0, again.text
    _aliases_unique(url)
    aliases = sorted(r["key_alias"] for r in _rows(url, 'SELECT key_alias FROM "LiteLLM_VerificationToken"'))
    assert aliases[0] == "postiz" and aliases[1].startswith("postiz/retired-")
    second = keys("create", "postiz", "--allow-second")
    assert second.code == 0
    _aliases_unique(url)
    assert "postiz/2" in {r["key_alias"] for r in _rows(url, 'SELECT key_alias FROM "LiteLLM_VerificationToken"')}
    shown = json.loads(keys("show", "postiz", "-o", "json").out)["keys"]
    assert len(shown) == 3
    # provision and scan on the same schema.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fleet = Path(tmp) / "fleet.yaml"
        fleet.write_text(f"fleet: f\nsave: {{dir: {tmp}}}\nconsumers: [agent-01, agent-02]\n")
        assert keys("provision", fleet).code == 0
        assert keys("provision", fleet).code == 0  # idempotent
        _aliases_unique(url)
        scanned = keys("scan", tmp)
        assert scanned.code == 1 and "LIVE key" in scanned.out and "agent-01" in scanned.out
    deleted = keys("delete", "postiz", "--yes")
    assert deleted.code == 0, deleted.text
    left = [r["key_alias"] for r in _rows(url, 'SELECT key_alias FROM "LiteLLM_VerificationToken"')]
    assert sorted(left) == ["agent-01", "agent-02"]  # every postiz row went, nobody else's
    if has_tables:
        archived = _rows(url, 'SELECT * FROM "LiteLLM_DeletedVerificationToken"')
        assert len(archived) >= 3
    else:  # LiteLLM 1.80.0's schema has no archive table, and aspirectl never creates one
        assert not _has_table(url, "LiteLLM_DeletedVerificationToken")


@pytest.mark.parametrize("name", ["bob\n", "bob\r", "bob\x1b[2J", "bob/2", "bob/retired-20261128000000"])
def test_a_name_with_a_control_character_or_our_suffix_is_refused(cli, tmp_path, name):
    url = f"sqlite:///{tmp_path}/k.db"
    result = cli("--db", url, "keys", "create", name, "--create")
    assert result.code == 2 and "bad consumer name" in result.err
    assert "\x1b" not in result.err and result.err.count("\n") <= 2


def test_budget_zero_and_empty_models(cli, tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    keys = _keys(cli, url)
    assert keys("create", "svc-a", "--budget", "0", "--create").code == 0
    assert _rows(url, 'SELECT max_budget FROM "LiteLLM_VerificationToken"')[0]["max_budget"] == 0
    for models in (",", ""):
        refused = keys("create", "svc-b", "--models", models)
        assert refused.code == 2 and "--models names no model" in refused.err


def test_save_refuses_to_overwrite_another_file_without_force(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
    url = f"sqlite:///{tmp_path}/k.db"
    keys = _keys(cli, url)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    refused = keys("create", "svc-a", "--save", notes, "--create")
    assert refused.code == 2 and "--force" in refused.err and notes.read_text() == "my notes\n"
    db = tmp_path / "k.db"  # refused before anything: no key, and no database started either
    assert not db.exists() or _rows(url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []
    forced = keys("create", "svc-a", "--save", notes, "--force", "--create")
    assert forced.code == 0 and "LITELLM_API_KEY=sk-" in notes.read_text()
    # The same consumer's own key file may be replaced by a rotation without --force.
    assert keys("rotate", "svc-a", "--save", notes, "--now").code == 0


# ----------------------------------------------------- delivered, or not committed

def _fail_commits(path: Path) -> None:
    """Make the next COMMIT fail (a deferred foreign key violated by a trigger): the point
    between a key's delivery and its commit."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE t_parent (id TEXT PRIMARY KEY);
        CREATE TABLE t_child (pid TEXT REFERENCES t_parent(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER t_ins AFTER INSERT ON "LiteLLM_VerificationToken" BEGIN INSERT INTO t_child VALUES ('x'); END;
        CREATE TRIGGER t_upd AFTER UPDATE ON "LiteLLM_VerificationToken" BEGIN INSERT INTO t_child VALUES ('x'); END;
    """)
    conn.close()


def _heal(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("DROP TRIGGER t_ins; DROP TRIGGER t_upd; DELETE FROM t_child;")
    conn.close()


def test_a_failed_commit_takes_every_delivery_back(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
    db = tmp_path / "k.db"
    url = f"sqlite:///{db}"
    keys = _keys(cli, url)
    old = keys("create", "svc-a", "--create").out.strip()
    env_file = tmp_path / "svc-a.env"
    assert keys("rotate", "svc-a", "--now", "--save", env_file).code == 0
    current = env_file.read_text()
    _fail_commits(db)
    # rotate --save FILE: the file is back as it was, the key in it still valid.
    failed = keys("rotate", "svc-a", "--save", env_file)
    assert failed.code == 1 and env_file.read_text() == current
    assert not list(tmp_path.glob(".svc-a.env.*"))  # no plaintext left in a temporary file
    # create --save FILE: no file at all.
    new_file = tmp_path / "svc-b.env"
    assert keys("create", "svc-b", "--save", new_file).code == 1 and not new_file.exists()
    # create to the screen: the printed key is declared void.
    shown = keys("create", "svc-c")
    assert shown.code == 1 and "shown above was NOT created" in shown.err
    # provision: no file for any consumer; the next run (the DB healed) delivers them all.
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(f"fleet: f\nsave: {{dir: {tmp_path / 'fleet-keys'}}}\nconsumers: [agent-01, agent-02]\n")
    (tmp_path / "fleet-keys").mkdir()
    assert keys("provision", fleet).code == 1
    assert list((tmp_path / "fleet-keys").iterdir()) == []
    _heal(db)
    assert keys("provision", fleet).code == 0
    assert sorted(p.name for p in (tmp_path / "fleet-keys").iterdir()) == ["agent-01.env", "agent-02.env"]
    assert old not in env_file.read_text()


def test_a_full_or_closed_stdout_creates_no_key(tmp_path):
    from aspirectl.keys.db import open_database

    url = f"sqlite:///{tmp_path}/k.db"
    open_database(url, create=True).close()
    env = {**os.environ, "ASPIRECTL_LITELLM_VERSION": "1.108.7"}
    command = [sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "--db", url, "keys"]
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*command, "create", "svc-a"], stdout=full, stderr=subprocess.PIPE, text=True,
                              env=env)
    assert proc.returncode == 1 and "cannot print the new key" in proc.stderr and "no key was created" in proc.stderr
    assert _rows(url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []
    closed = subprocess.run(["bash", "-c", " ".join(f"'{c}'" for c in [*command, "create", "svc-b"]) + " >&-"],
                            capture_output=True, text=True, env=env)
    assert closed.returncode == 1 and "no key was created" in closed.stderr
    assert _rows(url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []
    # rotate > /dev/full: the old key stays the active one.
    created = subprocess.run([*command, "create", "svc-c"], capture_output=True, text=True, env=env)
    old = created.stdout.strip()
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*command, "rotate", "svc-c"], stdout=full, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.returncode == 1
    import hashlib

    tokens = [r["token"] for r in _rows(url, 'SELECT token FROM "LiteLLM_VerificationToken"')]
    assert hashlib.sha256(old.encode()).hexdigest() in tokens


def test_the_release_is_learnt_from_the_gateways_readiness_answer(cli, pg_schema, monkeypatch):
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import http_server

    url = pg_schema("0.4.110")
    keys = _keys(cli, url)
    assert keys("create", "postiz").code == 0
    for release, code in (("1.85.0", 1), ("1.108.7", 0)):
        ready = {"status": "healthy", "db": "connected", "litellm_version": release}
        with http_server(lambda req, r=ready: Response(200, r)) as gateway:
            result = cli("--gateway-url", gateway, "--chains", SHIPPED_CHAINS, "--db", url, "keys", "rotate",
                         "postiz", "--grace", "1h")
        assert result.code == code, result.text
        if code:
            assert f"LiteLLM {release} refuses every key in its grace period" in result.err
    unknown = keys("rotate", "postiz", "--grace", "1h")
    assert unknown.code == 1 and "--litellm-version X.Y.Z" in unknown.err
    told = keys("rotate", "postiz", "--grace", "1h", "--litellm-version", "1.89.1")
    assert told.code == 0, told.text


def test_show_says_when_a_key_lacks_its_fallback_groups(cli, tmp_path):
    url = f"sqlite:///{tmp_path}/k.db"
    keys = _keys(cli, url)
    assert keys("create", "ko", "--create", "--models", "qwen-3.6-omni").code == 0
    assert "may not use" not in keys("show", "ko").err
    conn = sqlite3.connect(tmp_path / "k.db")
    conn.execute("""UPDATE "LiteLLM_VerificationToken" SET models = '["qwen-3.6-omni"]'""")  # as made elsewhere
    conn.commit()
    conn.close()
    shown = keys("show", "ko")
    assert "may not use claude-haiku-4-5, claude-haiku-4-5@anthropic-api" in shown.err


LOOKUP = r'''
import asyncio, json, sys
from datetime import datetime, timezone
from types import SimpleNamespace
from litellm.proxy.utils import _lookup_deprecated_key  # LiteLLM's own grace lookup

rows = json.load(sys.stdin)

class Deprecated:  # prisma's find_first(where=...) over the rows read from the real database
    async def find_first(self, where):
        for row in rows:
            revoke_at = datetime.fromisoformat(row["revoke_at"]).replace(tzinfo=timezone.utc)
            if row["token"] == where["token"] and revoke_at > where["revoke_at"]["gt"]:
                return SimpleNamespace(token=row["token"], active_token_id=row["active_token_id"],
                                       revoke_at=revoke_at)
        return None

db = SimpleNamespace(litellm_deprecatedverificationtoken=Deprecated())
print(asyncio.run(_lookup_deprecated_key(db=db, hashed_token=sys.argv[1])))
'''


def test_litellm_1_108_7_own_lookup_accepts_the_old_key_in_its_grace(cli, pg_schema, monkeypatch):
    import hashlib

    python = pgutil_ci_cache() / "litellm-1.108.7" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"LiteLLM 1.108.7 is needed at {python}: run scripts/test, which installs it")
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
    url = pg_schema("0.4.110")
    keys = _keys(cli, url)
    old = keys("create", "postiz").out.strip()
    assert keys("rotate", "postiz", "--grace", "24h").code == 0
    rows = _rows(url, 'SELECT token, active_token_id, revoke_at FROM "LiteLLM_DeprecatedVerificationToken"')
    payload = json.dumps([{**r, "revoke_at": r["revoke_at"].isoformat()} for r in rows])
    old_hash = hashlib.sha256(old.encode()).hexdigest()
    found = subprocess.run([str(python), "-c", LOOKUP, old_hash], input=payload, capture_output=True,
                           text=True, timeout=120)
    assert found.returncode == 0, found.stderr[-2000:]
    (active,) = _rows(url, 'SELECT token FROM "LiteLLM_VerificationToken"')
    assert found.stdout.strip().splitlines()[-1] == active["token"]  # the old key acts as the new row


def pgutil_ci_cache() -> Path:
    from tests import pgutil

    return pgutil.CI_CACHE
