"""Keys under concurrency and faults: one active row, nothing lost, nothing half written."""

from __future__ import annotations

import os
import stat
import threading

import psycopg
import pytest

from aspirectl.errors import OperationFailed
from aspirectl.keys.db import open_database
from aspirectl.keys.store import KeySpec, KeyStore
from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.test_keys import execute, rows, sha


@pytest.fixture(autouse=True)
def _gateway_release(monkeypatch):
    """The key tests run on LiteLLM 1.108.7's schema: tell aspirectl that release (grace works)."""
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")


def _parallel(n: int, work) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        db = open_database(work.url)
        try:
            barrier.wait()
            results[i] = work(KeyStore(db, release="1.108.7"))
        except Exception as exc:
            results[i] = exc
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_twenty_concurrent_rotations_leave_one_active_row_and_lose_nothing(db_url):
    db = open_database(db_url)
    first = KeyStore(db).create("knowledge-os", KeySpec(rpm_limit=30))
    db.close()

    def rotate(store: KeyStore):
        return store.rotate("knowledge-os", __import__("datetime").timedelta(hours=24))

    rotate.url = db_url
    results = _parallel(20, rotate)
    assert all(not isinstance(r, Exception) for r in results), results
    live = rows(db_url, 'SELECT * FROM "LiteLLM_VerificationToken" WHERE key_alias = %s', ("knowledge-os",))
    assert len(live) == 1
    assert live[0]["rotation_count"] == 20 and live[0]["rpm_limit"] == 30
    new_hashes = {sha(r.new.plaintext) for r in results}
    superseded = (new_hashes - {live[0]["token"]}) | {sha(first.plaintext)}
    assert len(superseded) == 20
    archived = {r["token"] for r in rows(db_url, 'SELECT token FROM "LiteLLM_DeletedVerificationToken"')}
    grace = rows(db_url, 'SELECT token, active_token_id FROM "LiteLLM_DeprecatedVerificationToken"')
    assert archived == superseded  # every superseded hash is in the archive
    assert {g["token"] for g in grace} == superseded  # and still accepted during its grace
    assert {g["active_token_id"] for g in grace} == {live[0]["token"]}  # pointing at the live row


def test_concurrent_creates_of_one_consumer_yield_one_key(db_url):
    def create(store: KeyStore):
        return store.create("postiz", KeySpec())

    create.url = db_url
    results = _parallel(20, create)
    made = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, OperationFailed)]
    assert len(made) == 1 and len(refused) == 19
    assert "already has an active key" in str(refused[0])
    assert len(rows(db_url, 'SELECT * FROM "LiteLLM_VerificationToken"')) == 1


def _sabotage(url: str) -> None:
    """Make the DB fail in the middle of a rotation (after the archive insert)."""
    if url.startswith("sqlite:///"):
        execute(url, 'CREATE TRIGGER boom BEFORE INSERT ON "LiteLLM_DeprecatedVerificationToken" '
                "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END")
    else:
        execute(url, "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$")
        execute(url, 'CREATE TRIGGER boom BEFORE INSERT ON "LiteLLM_DeprecatedVerificationToken" '
                "FOR EACH ROW EXECUTE FUNCTION boom()")


def test_failure_mid_transaction_writes_nothing(cli, db_url, tmp_path):
    def keys(*args):
        return cli("--chains", SHIPPED_CHAINS, "--db", db_url, "keys", *args)

    plaintext = keys("create", "postiz").out.strip()
    before = {t: rows(db_url, f'SELECT * FROM "{t}"') for t in (
        "LiteLLM_VerificationToken", "LiteLLM_DeletedVerificationToken",
        "LiteLLM_DeprecatedVerificationToken", "LiteLLM_AuditLog")}
    _sabotage(db_url)
    target = tmp_path / "postiz.env"
    result = keys("rotate", "postiz", "--save", target)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("database: ")
    assert_one_line_error(result.__class__(1, "", "\n".join(lines[1:])))
    assert "disk quota exceeded" in result.err
    after = {t: rows(db_url, f'SELECT * FROM "{t}"') for t in before}
    assert after == before  # nothing half written
    assert rows(db_url, 'SELECT token FROM "LiteLLM_VerificationToken"')[0]["token"] == sha(plaintext)
    assert not target.exists() and not list(tmp_path.glob(".postiz.env.*"))  # no orphan file


def test_unreachable_database_is_one_line_without_the_password(cli):
    result = cli("--db", "postgresql://aspire:hunter2-s3cret@127.0.0.1:1/litellm", "keys", "list")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines[0] == "database: postgresql 127.0.0.1:1/litellm"
    assert len(lines) == 2 and lines[1].startswith("aspirectl: error: cannot connect to postgresql 127.0.0.1:1")
    assert "hunter2" not in result.text and "Traceback" not in result.text


@pytest.mark.parametrize(("url", "text"), [
    ("mysql://root@127.0.0.1/test", "unsupported database URL scheme 'mysql'"),
    ("postgresql://127.0.0.1:5432", "no database name"),
    ("postgresql://127.0.0.1:99999/x", "bad port"),
    ("sqlite://relative.db", "bad SQLite URL"),
])
def test_bad_database_urls_are_config_errors(cli, url, text):
    result = cli("--db", url, "keys", "list")
    assert result.code == 3
    assert text in result.err and "Traceback" not in result.text


def test_database_without_litellm_tables(cli):
    from tests import pgutil

    name = pgutil.create_database()
    try:
        result = cli("--db", pgutil.admin_url(name), "keys", "list")
        assert result.code == 3
        assert "has no LiteLLM key table" in result.err and "aspirectl never creates tables there" in result.err
        with psycopg.connect(pgutil.admin_url(name)) as conn:
            tables = conn.execute("SELECT count(*) FROM information_schema.tables "
                                  "WHERE table_schema = 'public'").fetchone()[0]
        assert tables == 0  # nothing was created in a DB that is not ours
    finally:
        pgutil.drop_database(name)


def test_read_only_sqlite_database(cli, tmp_path):
    import shutil
    import subprocess

    url = f"sqlite:///{tmp_path}/ro.db"
    assert cli("--chains", SHIPPED_CHAINS, "--db", url, "keys", "create", "postiz", "--create").code == 0
    before = rows(url, 'SELECT token FROM "LiteLLM_VerificationToken"')
    # root ignores permission bits: make the file immutable instead (ext4 chattr)
    as_root = os.geteuid() == 0
    if as_root:
        if not shutil.which("chattr"):
            pytest.fail("chattr is needed to make a file read-only for root")
        subprocess.run(["chattr", "+i", str(tmp_path / "ro.db")], check=True)
    else:
        os.chmod(tmp_path / "ro.db", stat.S_IRUSR)
        os.chmod(tmp_path, stat.S_IRUSR | stat.S_IXUSR)
    try:
        result = cli("--chains", SHIPPED_CHAINS, "--db", url, "keys", "rotate", "postiz")
        assert result.code == 1, result.text
        assert "read-only" in result.err and "Traceback" not in result.text
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(tmp_path / "ro.db")], check=True)
        else:
            os.chmod(tmp_path, stat.S_IRWXU)
    assert rows(url, 'SELECT token FROM "LiteLLM_VerificationToken"') == before


def test_read_only_postgresql_database(cli, pg_url):
    dbname = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" SET default_transaction_read_only = on')
    result = cli("--chains", SHIPPED_CHAINS, "--db", pg_url, "keys", "create", "postiz")
    assert result.code == 1
    assert "is read-only (use the primary, not a replica)" in result.err
    assert "Traceback" not in result.text


def test_a_file_that_is_not_sqlite(cli, tmp_path):
    bogus = tmp_path / "keys.db"
    bogus.write_text("this is not a database\n" * 100)
    result = cli("--db", f"sqlite:///{bogus}", "keys", "list")
    assert result.code == 1 and "cannot open sqlite" in result.err
