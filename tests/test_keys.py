"""aspirectl keys on SQLite and on PostgreSQL with LiteLLM's own schema."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import stat
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.conftest import SHIPPED_CHAINS, assert_one_line_error

KEY_RE = re.compile(r"^sk-[A-Za-z0-9_-]{22}$")


@pytest.fixture(autouse=True)
def _gateway_release(monkeypatch):
    """The key tests run on LiteLLM 1.108.7's schema: tell aspirectl that release (grace works)."""
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")


def sha(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def rows(url: str, sql: str, params=()) -> list[dict]:
    """Read the DB directly, as LiteLLM would."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):])
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(sql.replace("%s", "?"), params)]
        except sqlite3.OperationalError as exc:
            assert "no such table" in str(exc)  # no command created the embedded DB yet
            return []
        finally:
            conn.close()
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def execute(url: str, sql: str, params=()) -> None:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url[len("sqlite:///"):])
        conn.execute(sql.replace("%s", "?"), params)
        conn.commit()
        conn.close()
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql, params)


def as_list(value) -> list:
    return json.loads(value) if isinstance(value, str) else list(value)


def as_dict(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value)


def as_time(value) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@pytest.fixture
def keys(cli, db_url):
    def run(*args):
        return cli("--chains", SHIPPED_CHAINS, "--db", db_url, "keys", *args)

    run.url = db_url
    return run


def create(keys, consumer="postiz", *extra) -> str:
    result = keys("create", consumer, *extra)
    assert result.code == 0, result.text
    plaintext = result.out.strip()
    assert KEY_RE.match(plaintext), result.out
    return plaintext


def test_create_writes_exactly_what_litellm_accepts(keys):
    before = datetime.utcnow() - timedelta(seconds=2)
    result = keys("create", "postiz", "--models", "claude,gpt-5.5", "--expires", "90d", "--budget", "20",
                  "--rpm", "60", "--metadata", "team=social", "--metadata", "disable_fallbacks=true")
    assert result.code == 0, result.text
    plaintext = result.out.strip()
    assert KEY_RE.match(plaintext) and result.out.count("\n") == 1
    assert f"new key for postiz (sk-...{plaintext[-4:]}), shown once" in result.err
    assert result.err.startswith("database: ")
    (row,) = rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"')
    assert row["token"] == sha(plaintext)  # sha256 hex of the whole key, sk- included
    assert row["key_name"] == f"sk-...{plaintext[-4:]}"
    assert row["key_alias"] == "postiz"
    # Each alias, and its later hops' groups: LiteLLM 1.100+ checks access to every fallback group.
    assert as_list(row["models"]) == [
        "claude-haiku-4-5", "claude-haiku-4-5@anthropic-api", "claude-sonnet-4-6",
        "claude-sonnet-4-6@anthropic-api", "claude-opus-4-7", "claude-opus-4-7@anthropic-api",
        "gpt-5.5", "gpt-5.5@openai-api"]
    assert as_dict(row["metadata"]) == {"team": "social", "disable_fallbacks": True}
    for column in ("aliases", "config", "permissions", "model_spend", "model_max_budget", "router_settings",
                   "budget_fallbacks"):
        if column in row or column in ("aliases", "config", "permissions", "model_spend"):
            assert as_dict(row[column]) == {}, column  # jsonb never NULL: the schema's default
    assert row["blocked"] in (None, 0, False)
    assert row["spend"] == 0 and row["max_budget"] == 20 and row["rpm_limit"] == 60
    assert row["created_by"] == "aspirectl" and row["updated_by"] == "aspirectl"
    created = as_time(row["created_at"])
    assert created.tzinfo is None and before <= created <= datetime.utcnow() + timedelta(seconds=2)
    assert abs(as_time(row["expires"]) - created - timedelta(days=90)) < timedelta(seconds=1)
    assert plaintext not in json.dumps(row, default=str)
    (audit,) = rows(keys.url, 'SELECT * FROM "LiteLLM_AuditLog"')
    assert audit["action"] == "created" and audit["object_id"] == sha(plaintext)


def test_models_default_to_all_never_null(keys):
    create(keys)
    (row,) = rows(keys.url, 'SELECT models FROM "LiteLLM_VerificationToken"')
    assert row["models"] is not None and as_list(row["models"]) == []


def test_one_active_key_per_consumer(keys):
    first = create(keys)
    again = keys("create", "postiz")
    assert again.code == 1
    assert_one_line_error(again.__class__(again.code, again.out, again.err.split("\n", 1)[1]))
    assert f"postiz already has an active key (sk-...{first[-4:]})" in again.err
    assert "--allow-second" in again.err
    second = create(keys, "postiz", "--allow-second")
    assert {r["token"] for r in rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')} == \
        {sha(first), sha(second)}


def test_list_shows_every_key_paged_and_hides_ui_sessions(keys, tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("consumers:\n" + "".join(f"  - agent-{i:04d}\n" for i in range(2500)))
    assert keys("provision", fleet, "--save", tmp_path / "k").code == 0
    execute(keys.url, 'INSERT INTO "LiteLLM_VerificationToken" (token, key_alias, team_id, models) '
            "VALUES (%s, %s, %s, %s)", ("f" * 64, "ui-session", "litellm-dashboard",
                                         "[]" if keys.url.startswith("sqlite") else []))
    listed = keys("list")
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert lines[0].split()[:3] == ["CONSUMER", "KEY", "STATUS"]
    assert lines[-1] == "2500 keys"
    assert "ui-session" not in listed.out
    doc = json.loads(keys("list", "-o", "json").out)
    assert doc["schema"] == "aspirectl.keys/v1" and len(doc["keys"]) == 2500


def test_rotate_with_grace_like_litellm_regenerate(keys):
    old = create(keys, "knowledge-os", "--budget", "50", "--rpm", "30")
    execute(keys.url, 'UPDATE "LiteLLM_VerificationToken" SET spend = 12.5')
    result = keys("rotate", "knowledge-os", "--grace", "24h")
    assert result.code == 0, result.text
    new = result.out.strip()
    assert KEY_RE.match(new) and new != old
    assert f"the old key sk-...{old[-4:]} keeps working for 1d" in result.err
    (row,) = rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"')
    assert row["token"] == sha(new) and row["key_name"] == f"sk-...{new[-4:]}"
    assert row["key_alias"] == "knowledge-os" and row["spend"] == 12.5
    assert row["max_budget"] == 50 and row["rpm_limit"] == 30
    assert row["rotation_count"] == 1 and row["last_rotation_at"] is not None
    (archived,) = rows(keys.url, 'SELECT * FROM "LiteLLM_DeletedVerificationToken"')
    assert archived["token"] == sha(old) and archived["deleted_by"] == "aspirectl"
    assert archived["key_alias"] == "knowledge-os" and archived["spend"] == 12.5
    (grace,) = rows(keys.url, 'SELECT * FROM "LiteLLM_DeprecatedVerificationToken"')
    assert grace["token"] == sha(old) and grace["active_token_id"] == sha(new)
    assert grace["id"]  # LiteLLM's id has no DB default: we must supply it
    delta = as_time(grace["revoke_at"]) - as_time(row["last_rotation_at"])
    assert abs(delta - timedelta(hours=24)) < timedelta(seconds=1)
    listed = keys("list").out
    assert re.search(rf"knowledge-os\s+sk-\.\.\.{re.escape(new[-4:])}\s+active", listed)
    assert re.search(rf"knowledge-os\s+sk-\.\.\.{re.escape(old[-4:])}\s+in grace", listed)
    actions = [r["action"] for r in rows(keys.url, 'SELECT action FROM "LiteLLM_AuditLog" ORDER BY updated_at')]
    assert actions == ["created", "rotated"]


def test_chained_rotations_keep_every_grace_key_pointing_at_the_live_row(keys):
    first = create(keys)
    second = keys("rotate", "postiz").out.strip()
    third = keys("rotate", "postiz").out.strip()
    grace = {r["token"]: r["active_token_id"] for r in
             rows(keys.url, 'SELECT * FROM "LiteLLM_DeprecatedVerificationToken"')}
    assert grace == {sha(first): sha(third), sha(second): sha(third)}
    now = keys("rotate", "postiz", "--now")
    assert now.code == 0 and "is no longer accepted" in now.err and "60 s by default" in now.err
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_DeprecatedVerificationToken"') == []
    assert len(rows(keys.url, 'SELECT * FROM "LiteLLM_DeletedVerificationToken"')) == 3


def test_revoke_blocks_and_ends_grace(keys):
    create(keys)
    keys("rotate", "postiz")
    result = keys("revoke", "postiz")
    assert result.code == 0
    assert "the gateway's key cache may honour the old key for up to its TTL" in result.err
    (row,) = rows(keys.url, 'SELECT blocked FROM "LiteLLM_VerificationToken"')
    assert row["blocked"] in (True, 1)
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_DeprecatedVerificationToken"') == []
    again = keys("revoke", "postiz")
    assert again.code == 1 and "no key left to revoke" in again.err
    assert "blocked" in keys("list", "--all").out and "postiz" not in keys("list").out
    rotate = keys("rotate", "postiz")
    assert rotate.code == 1 and "postiz has no active key to rotate" in rotate.err


def test_delete_archives_then_deletes(keys):
    plaintext = create(keys)
    refused = keys("delete", "postiz")
    assert refused.code == 2 and "without --yes" in refused.err
    result = keys("delete", "postiz", "--yes")
    assert result.code == 0 and "60 s by default" in result.err
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []
    (archived,) = rows(keys.url, 'SELECT * FROM "LiteLLM_DeletedVerificationToken"')
    assert archived["token"] == sha(plaintext) and archived["deleted_at"] is not None
    assert archived["deleted_by"] == "aspirectl"


def test_unknown_consumer_suggests(keys):
    create(keys, "knowledge-os")
    for verb in ("show", "rotate", "revoke"):
        result = keys(verb, "knowledge-0s")
        assert result.code == 2, verb
        assert "unknown consumer 'knowledge-0s' (did you mean knowledge-os?)" in result.err


@pytest.mark.parametrize(("args", "text"), [
    (("create", "x y"), "bad consumer name 'x y'"),
    (("create", "postiz", "--expires", "soon"), "bad duration 'soon' for --expires"),
    (("create", "postiz", "--expires", "0d"), "--expires must be longer than 0"),
    (("create", "postiz", "--budget", "-5"), "--budget must be 0 or more"),
    (("create", "postiz", "--models", "gpt-5"), "unknown model 'gpt-5' (did you mean gpt-5.5"),
    (("create", "postiz", "--metadata", "noequals"), "bad --metadata 'noequals'"),
    (("create", "postiz", "--var", "1BAD", "--save", "x.env"), "bad variable name '1BAD'"),
    (("rotate", "postiz", "--grace", "1h", "--now"), "--grace, --now and --end-grace exclude each other"),
    (("rotate", "postiz", "--grace", "forever"), "bad duration 'forever' for --grace"),
    (("list", "-o", "yaml"), "output format 'yaml' is not available here"),
])
def test_bad_input_is_a_usage_error_and_writes_nothing(keys, args, text):
    result = keys(*args)
    assert result.code == 2, result.text
    assert text in result.err
    assert "Traceback" not in result.text
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []


def test_save_file_is_0600_and_keeps_the_key_off_the_terminal(keys, tmp_path):
    target = tmp_path / "postiz.env"
    result = keys("create", "postiz", "--save", target)
    assert result.code == 0 and result.out == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    (line,) = [ln for ln in target.read_text().splitlines() if not ln.startswith("#")]
    var, plaintext = line.split("=", 1)
    assert var == "LITELLM_API_KEY" and KEY_RE.match(plaintext)
    assert plaintext not in result.err
    (row,) = rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')
    assert row["token"] == sha(plaintext)
    rotated = keys("rotate", "postiz", "--save", target)
    assert rotated.code == 0
    new = target.read_text().strip().splitlines()[-1].split("=", 1)[1]
    assert new != plaintext and rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')[0]["token"] == sha(new)


def test_save_refuses_a_file_that_is_not_an_env_file(keys, tmp_path):
    precious = tmp_path / "notes.md"
    precious.write_text("# my notes\nsome prose here\n")
    result = keys("create", "postiz", "--save", precious)
    assert result.code == 2 and "refusing to overwrite" in result.err
    assert precious.read_text() == "# my notes\nsome prose here\n"
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []


def test_save_keyring_unavailable_creates_nothing(keys):
    result = keys("create", "postiz", "--save", "keyring")
    assert result.code == 3
    assert "no usable OS keyring" in result.err and "no key was created" in result.err
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []


def test_save_keyring_works_with_a_real_backend(keys, file_keyring):
    result = keys("create", "postiz", "--save", "keyring")
    assert result.code == 0, result.text
    assert result.out == "" and "name key-postiz" in result.err
    plaintext = file_keyring.get_password("aspirectl", "key-postiz")
    assert KEY_RE.match(plaintext)
    (row,) = rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')
    assert row["token"] == sha(plaintext)


def test_json_create_carries_the_plaintext_once(keys):
    result = keys("create", "postiz", "-o", "json")
    doc = json.loads(result.out)
    assert doc["schema"] == "aspirectl.key/v1" and KEY_RE.match(doc["key"])
    assert doc["token_sha256"] == sha(doc["key"]) and doc["consumer"] == "postiz"


def test_show_details(keys):
    create(keys, "postiz", "--rpm", "10")
    keys("rotate", "postiz")
    out = keys("show", "postiz").out
    assert "postiz  sk-..." in out and "active" in out and "in grace" in out
    assert "rpm limit    10" in out and "rotations    1" in out
    doc = json.loads(keys("show", "postiz", "-o", "json").out)
    assert {k["status"] for k in doc["keys"]} == {"active", "in grace"}


def test_fleet_provisioning_is_idempotent_and_never_prints_keys(keys, tmp_path):
    fleet = tmp_path / "openclaw.yaml"
    members = "".join(f"  - openclaw-agent-{i:02d}\n" for i in range(1, 11))
    fleet.write_text("fleet: openclaw\ndefaults:\n  models: [claude, gpt-5.5]\n  expires: 90d\n"
                     "  metadata: {fleet: openclaw}\nsave:\n  dir: agent-keys\nconsumers:\n" + members)
    first = keys("provision", fleet)
    assert first.code == 0, first.text
    assert first.out.count("created  openclaw-agent-") == 10
    env_files = sorted((tmp_path / "agent-keys").glob("*.env"))
    assert len(env_files) == 10
    plaintexts = []
    for path in env_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        plaintexts.append(path.read_text().strip().splitlines()[-1].split("=", 1)[1])
    for plaintext in plaintexts:
        assert plaintext not in first.out + first.err
    tokens = {r["token"] for r in rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')}
    assert tokens == {sha(p) for p in plaintexts}
    again = keys("provision", fleet)
    assert again.code == 0 and "created" not in again.out and again.out.count("exists") == 10
    assert "0 created, 10 already had a key" in again.err
    assert len(rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')) == 10


def test_fleet_file_errors_have_file_and_line(keys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("defaults:\n  models: [gpt-5]\n  expires: soon\nconsumers:\n  - ok-agent\n  - ok-agent\n"
                     "  - {name: x, budget: -1}\n")
    result = keys("provision", fleet, "--save", tmp_path / "k")
    assert result.code == 3
    assert "invalid fleet file: fleet.yaml:2: unknown model 'gpt-5'" in result.err
    assert rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"') == []
    missing = keys("provision", tmp_path / "nope.yaml")
    assert missing.code == 3 and "no such fleet file" in missing.err


def test_scan_finds_live_keys_and_never_prints_them(keys, tmp_path):
    live = create(keys, "postiz")
    dead = create(keys, "old-agent")
    keys("revoke", "old-agent")
    stranger = "sk-" + "Q" * 22
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "config.env").write_text(f"A=1\nLITELLM_API_KEY={live}\n")
    (tmp_path / "repo" / "notes.md").write_text(f"old: {dead}\nother: {stranger}\n")
    result = keys("scan", tmp_path / "repo")
    assert result.code == 1
    assert f"config.env:2: LIVE key sk-...{live[-4:]} of postiz (active)" in result.out
    assert f"notes.md:1: blocked key sk-...{dead[-4:]} of old-agent (blocked)" in result.out
    assert "3 sk-... strings found, 1 live gateway keys, 1 unknown to this gateway" in result.err
    assert "aspirectl keys rotate postiz --now" in result.err
    for secret in (live, dead, stranger):
        assert secret not in result.out + result.err
    keys("revoke", "postiz")
    clean = keys("scan", tmp_path / "repo")
    assert clean.code == 0


def test_scan_of_the_gateway_design_note_finds_postiz(keys):
    from tests.conftest import ROOT

    note = ROOT.parent / "shared" / "seed" / "aspire-llm-gateway-fallback-chain.txt"
    if not note.exists():
        pytest.fail("the shared design note must be beside this checkout (../shared, as CI lays it)")
    # the note's table glues the key to its neighbours: "postizsk-woK9...vSQ2026-05-09"
    published = re.search(r"sk-[A-Za-z0-9_-]{22}", note.read_text()).group(0)
    keys("list")  # creates the embedded DB if that is the backend
    execute(keys.url, 'INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, metadata) '
            "VALUES (%s, %s, %s, %s, %s)",
            (sha(published), f"sk-...{published[-4:]}", "postiz",
             "[]" if keys.url.startswith("sqlite") else [], "{}"))
    result = keys("scan", note)
    assert result.code == 1
    assert f"LIVE key sk-...{published[-4:]} of postiz" in result.out
    assert published not in result.out + result.err


def test_secrets_never_reach_the_database(keys, db_url, tmp_path):
    import subprocess

    plaintexts = [create(keys, "a-1"), keys("rotate", "a-1").out.strip(), create(keys, "b-2")]
    keys("rotate", "b-2", "--now")
    if db_url.startswith("sqlite:///"):
        conn = sqlite3.connect(db_url[len("sqlite:///"):])
        dump = "\n".join(conn.iterdump())
        conn.close()
    else:
        dump = subprocess.run(["pg_dump", "--data-only", db_url], capture_output=True, text=True,
                              check=True).stdout
    assert sha(plaintexts[0]) in dump  # the dump does hold the hashes
    for plaintext in plaintexts:
        assert plaintext not in dump


def test_provision_dry_run_shows_the_plan_and_changes_nothing(keys, tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("fleet: openclaw\nsave:\n  dir: agent-keys\nconsumers:\n  - agent-a\n  - agent-b\n")
    create(keys, "agent-a")
    before = rows(keys.url, 'SELECT token, key_alias FROM "LiteLLM_VerificationToken" ORDER BY token')
    plan = keys("provision", fleet, "--dry-run")
    assert plan.code == 0, plan.text
    assert f"would create  agent-b  -> {tmp_path / 'agent-keys' / 'agent-b.env'}" in plan.out
    assert "keep          agent-a  (has an active key; unchanged)" in plan.out
    assert "dry run: nothing was changed" in plan.err
    assert rows(keys.url, 'SELECT token, key_alias FROM "LiteLLM_VerificationToken" ORDER BY token') == before
    assert not (tmp_path / "agent-keys").exists()
    doc = json.loads(keys("provision", fleet, "--dry-run", "-o", "json").out)
    assert doc["schema"] == "aspirectl.provision-plan/v1" and doc["keep"] == ["agent-a"]
    assert [c["consumer"] for c in doc["create"]] == ["agent-b"]
    real = keys("provision", fleet)
    assert real.code == 0 and real.out.count("created  ") == 1  # the plan was what happened


def test_delete_asks_with_the_database_and_the_number_of_keys(tmp_path):
    """In a real terminal (tmux): the question names the database and how many keys go."""
    import os
    import shutil
    import subprocess
    import sys
    import time
    import uuid

    tmux = shutil.which("tmux")
    assert tmux, "tmux is needed (scripts/test installs it)"
    db = f"sqlite:///{tmp_path}/keys.db"
    env = {**os.environ, "ASPIRECTL_LITELLM_VERSION": "1.108.7"}
    base = [sys.executable, "-m", "aspirectl", "--chains", str(SHIPPED_CHAINS), "--db", db, "keys"]
    for args in (["create", "postiz", "--create"], ["create", "postiz", "--allow-second"], ["revoke", "postiz"]):
        subprocess.run([*base, *args], env=env, capture_output=True, check=False, timeout=60)
    sock = f"aspirectl-{uuid.uuid4().hex[:8]}"
    command = " ".join([*base, "delete", "postiz"])
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-x", "200", "-y", "20", command], env=env, check=True)
    try:
        screen = ""
        for _ in range(100):
            screen = subprocess.run([tmux, "-L", sock, "capture-pane", "-p"], capture_output=True,
                                    text=True).stdout
            if "type 'postiz'" in screen:
                break
            time.sleep(0.1)
        assert f"delete 2 keys of postiz (0 still working) from sqlite {tmp_path}/keys.db?" in screen, screen
        subprocess.run([tmux, "-L", sock, "send-keys", "nope", "Enter"], check=True)
        time.sleep(1.0)
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)
    left = subprocess.run([*base, "show", "postiz"], env=env, capture_output=True, text=True, timeout=60)
    assert left.returncode == 0 and "postiz" in left.stdout  # not confirmed: nothing deleted


def test_create_never_replaces_a_file_holding_a_working_key(keys, tmp_path):
    path = tmp_path / "postiz.env"
    first = keys("create", "postiz", "--save", path)
    assert first.code == 0, first.text
    before = path.read_text()
    for extra in ((), ("--force",)):
        second = keys("create", "postiz", "--allow-second", "--save", path, *extra)
        assert second.code == 2, second.text
        assert "a key the gateway still honours; refusing to replace it" in second.err
        assert path.read_text() == before  # the first key is still where its users read it
    assert len(rows(keys.url, 'SELECT token FROM "LiteLLM_VerificationToken"')) == 1  # nothing created
    keys("revoke", "postiz")
    replaced = keys("create", "postiz", "--allow-second", "--save", path)  # a revoked key: fine to replace
    assert replaced.code == 0, replaced.text
    assert path.read_text() != before


def test_a_monitoring_key_may_call_every_hop_group_and_nothing_else(keys):
    """keys create monitor --monitoring: what probe --via-gateway needs and no more (every hop's
    model group, as the export names them), with a small budget and rate limits."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.gateway.export import litellm_config

    result = keys("create", "monitor", "--monitoring")
    assert result.code == 0, result.text
    (row,) = rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken"')
    exported = {m["model_name"] for m in litellm_config(load_catalog(SHIPPED_CHAINS))[0]["model_list"]}
    assert set(as_list(row["models"])) == exported and len(as_list(row["models"])) == 16
    assert row["max_budget"] == 5.0 and row["rpm_limit"] == 60 and row["tpm_limit"] == 5000
    assert as_dict(row["metadata"])["aspirectl_role"] == "monitoring"
    assert row["expires"] is not None
    overridden = keys("create", "monitor2", "--monitoring", "--budget", "1", "--rpm", "20")
    assert overridden.code == 0
    (second,) = rows(keys.url, 'SELECT * FROM "LiteLLM_VerificationToken" WHERE key_alias = ?'
                     if keys.url.startswith("sqlite") else
                     'SELECT * FROM "LiteLLM_VerificationToken" WHERE key_alias = %s', ("monitor2",))
    assert second["max_budget"] == 1.0 and second["rpm_limit"] == 20
    refused = keys("create", "monitor3", "--monitoring", "--models", "claude")
    assert refused.code == 2 and "--monitoring chooses the models itself" in refused.err
