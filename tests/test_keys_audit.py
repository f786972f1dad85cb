"""keys audit (#23): a fixture gateway DB (LiteLLM's own schema on PostgreSQL) with one key of
each finding; each is reported, with the right severity and next command, in every format."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.conftest import SHIPPED_CHAINS

NOW = datetime.now(UTC).replace(tzinfo=None)


@pytest.fixture
def gateway(cli, pg_url, monkeypatch, tmp_path):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")

    def keys(*args):
        return cli("--chains", SHIPPED_CHAINS, "--db", pg_url, "keys", *args)

    def sql(statement, params=()):
        with psycopg.connect(pg_url, autocommit=True) as conn:
            return conn.execute(statement, params).fetchall() if statement.lstrip().startswith("SELECT") \
                else conn.execute(statement, params)

    def token(alias):
        return sql('SELECT token FROM "LiteLLM_VerificationToken" WHERE key_alias = %s', (alias,))[0][0]

    for args in (("clean-agent", "--models", "gpt-5.5"),
                 ("expiring-soon", "--models", "gpt-5.5", "--expires", "2d"),
                 ("expiring-today", "--models", "gpt-5.5", "--expires", "12h"),
                 ("over-budget", "--models", "gpt-5.5", "--budget", "10"),
                 ("near-budget", "--models", "gpt-5.5", "--budget", "10"),
                 ("idle-agent", "--models", "gpt-5.5"),
                 ("open-all",),
                 ("rotated", "--models", "gpt-5.5"),
                 ("dup", "--models", "gpt-5.5"), ("dup-twin", "--models", "gpt-5.5"),
                 ("nameless", "--models", "gpt-5.5"),
                 ("fleet-key", "--models", "gpt-5.5"),
                 ("gone", "--models", "gpt-5.5", "--expires", "1h")):
        assert keys("create", *args).code == 0, args
    leaked = tmp_path / "leaky.env"
    assert keys("create", "leaky", "--models", "gpt-5.5", "--save", leaked).code == 0
    assert keys("rotate", "rotated", "--grace", "12h").code == 0
    sql('UPDATE "LiteLLM_VerificationToken" SET spend = 10 WHERE key_alias = %s', ("over-budget",))
    sql('UPDATE "LiteLLM_VerificationToken" SET spend = 8.5 WHERE key_alias = %s', ("near-budget",))
    sql('UPDATE "LiteLLM_VerificationToken" SET created_at = %s WHERE key_alias = %s',
        (NOW - timedelta(days=200), "idle-agent"))
    sql('UPDATE "LiteLLM_VerificationToken" SET key_alias = %s WHERE key_alias = %s', ("dup", "dup-twin"))
    sql('UPDATE "LiteLLM_VerificationToken" SET key_alias = NULL WHERE key_alias = %s', ("nameless",))
    sql('UPDATE "LiteLLM_VerificationToken" SET expires = %s WHERE key_alias = %s',
        (NOW - timedelta(days=1), "gone"))
    fleet = token("fleet-key")
    for i, ip in enumerate(("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.3")):
        sql('INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime", '
            'model, requester_ip_address) VALUES (%s, %s, %s, 0, %s, %s, %s, %s)',
            (f"r{i}", "acompletion", fleet, NOW - timedelta(hours=i + 1), NOW - timedelta(hours=i + 1),
             "gpt-5.5", ip))
    keys.url = pg_url
    keys.leaked = leaked
    return keys


EXPECTED = {  # (consumer, kind) -> severity
    ("expiring-soon", "expiring"): "WARNING",
    ("expiring-today", "expiring"): "CRITICAL",
    ("over-budget", "budget"): "CRITICAL",
    ("near-budget", "budget"): "WARNING",
    ("idle-agent", "unused"): "WARNING",
    ("open-all", "unrestricted"): "WARNING",
    ("rotated", "grace_ending"): "WARNING",
    ("dup", "duplicate_alias"): "WARNING",
    ("(no key_alias)", "missing_alias"): "WARNING",
    ("fleet-key", "shared"): "WARNING",
    ("gone", "expired"): "WARNING",
    ("leaky", "plaintext"): "CRITICAL",
}


def test_every_finding_in_every_format(gateway, tmp_path):
    doc_run = gateway("audit", gateway.leaked, "-o", "json")
    assert doc_run.code == 2, doc_run.text  # CRITICAL: a key in plaintext, a key at its budget
    doc = json.loads(doc_run.out)
    assert doc["schema"] == "aspirectl.keys-audit/v1" and doc["sources_checked"] is True
    found = {(f["consumer"], f["kind"]): f["severity"] for f in doc["findings"]}
    assert found == EXPECTED
    nexts = {(f["consumer"], f["kind"]): f["next"] for f in doc["findings"]}
    assert nexts[("leaky", "plaintext")] == "aspirectl keys rotate leaky --now"
    assert nexts[("idle-agent", "unused")] == "aspirectl keys revoke idle-agent"
    table = gateway("audit", gateway.leaked)
    assert table.code == 2
    for consumer, _ in EXPECTED:
        assert consumer in table.out
    assert table.out.rstrip().splitlines()[-1].startswith("ASPIRECTL KEYS CRITICAL - 14 keys, 12 findings")
    nagios = gateway("audit", gateway.leaked, "-o", "nagios")
    lines = nagios.out.splitlines()
    assert nagios.code == 2 and lines[0].startswith("ASPIRECTL KEYS CRITICAL - ") and " | findings=12;" in lines[0]
    assert len(lines) == 1 + len(EXPECTED)
    assert "leaky: CRITICAL plaintext - a working key in plaintext at" in nagios.out
    textfile = tmp_path / "keys.prom"
    prom = gateway("audit", gateway.leaked, "-o", "prometheus", "--textfile", textfile)
    assert 'aspirectl_keys_finding{kind="shared",consumer="fleet-key",severity="WARNING"} 1' in prom.out
    assert "aspirectl_keys_audit_status 2" in textfile.read_text()
    promtool = shutil.which("promtool")
    assert promtool, "promtool is needed (scripts/test installs it)"
    check = subprocess.run([promtool, "check", "metrics"], input=prom.out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for secret in (gateway.leaked.read_text().strip().split("=", 1)[1],):
        assert secret not in doc_run.text + table.text + nagios.text + prom.text


def test_thresholds_move_the_findings(gateway):
    doc = json.loads(gateway("audit", "--expiring", "1", "--unused", "365", "--budget-warn", "90",
                             "--many-sources", "4", "-o", "json").out)
    found = {(f["consumer"], f["kind"]) for f in doc["findings"]}
    assert ("expiring-soon", "expiring") not in found and ("expiring-today", "expiring") in found
    assert ("idle-agent", "unused") not in found and ("near-budget", "budget") not in found
    assert ("fleet-key", "shared") not in found


def test_a_clean_store_has_no_finding_and_an_old_log_says_what_it_cannot_tell(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
    db = f"sqlite:///{tmp_path}/k.db"
    assert cli("--db", db, "keys", "create", "svc", "--models", "gpt-5.5", "--create").code == 0
    clean = cli("--db", db, "keys", "audit")
    assert clean.code == 0, clean.text
    assert "No findings." in clean.out and "ASPIRECTL KEYS OK - 1 keys, 0 findings" in clean.out
    assert "cannot be told" not in clean.out
    import sqlite3

    conn = sqlite3.connect(tmp_path / "k.db")  # a request log that does not keep requester addresses
    conn.execute('ALTER TABLE "LiteLLM_SpendLogs" DROP COLUMN requester_ip_address')
    conn.commit()
    conn.close()
    older = cli("--db", db, "keys", "audit")
    assert older.code == 0 and "shared keys cannot be told" in older.out


@pytest.mark.parametrize("args, said", [(("--expiring", "soon"), "is not a list of days"),
                                        (("--expiring", "0"), "whole days of 1 or more"),
                                        (("/no/such/dir",), "no such file or directory")])
def test_bad_audit_arguments_are_unknown_with_a_nagios_line(cli, tmp_path, args, said):
    db = f"sqlite:///{tmp_path}/k.db"
    assert cli("--db", db, "keys", "create", "svc", "--create").code == 0
    textfile = tmp_path / "keys.prom"
    result = cli("--db", db, "keys", "audit", *args, "-o", "nagios", "--textfile", textfile)
    assert result.code == 3, result.text
    assert result.out.startswith("ASPIRECTL KEYS UNKNOWN - ") and said in result.out
    assert "aspirectl_keys_audit_status 3" in textfile.read_text()
