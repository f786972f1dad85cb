"""aspirectl usage against a hand-computed request log, written exactly as LiteLLM's
get_logging_payload writes rows (1.100+ metadata with original_model_group, and the older
metadata without it), on SQLite and on PostgreSQL with LiteLLM's own migrations (the oldest
supported schema, proxy-extras 0.4.5, and the newest, 0.4.110)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.keys.db import SPEND, open_database
from tests.conftest import SHIPPED_CHAINS

NOW = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
POSTIZ = hashlib.sha256(b"sk-postiz-test-key").hexdigest()
KO = hashlib.sha256(b"sk-ko-test-key").hexdigest()
MASTER = hashlib.sha256(b"sk-master").hexdigest()

# (id, key, model_id, model_group, status, cache_hit, spend, duration ms, original group, error class, age h)
ROWS = [
    ("r01", POSTIZ, "gpt-5.5@openai-api", "gpt-5.5@openai-api", "success", "False", 0.10, 100, "gpt-5.5", None, 1),
    ("r02", POSTIZ, "gpt-5.5@openai-api", "gpt-5.5@openai-api", "success", "False", 0.20, 200, "gpt-5.5", None, 2),
    ("r03", POSTIZ, "gpt-5.5@openai-api", "gpt-5.5@openai-api", "success", "False", 0.30, 300, "gpt-5.5", None, 3),
    ("r04", POSTIZ, "gpt-5.5@codex-shim", "gpt-5.5", "success", "False", 0.05, 400, "gpt-5.5", None, 4),
    ("r05", POSTIZ, "", "", "failure", "False", 0.0, 50, "gpt-5.5", "RateLimitError", 5),
    ("r06", POSTIZ, "gpt-5.5@openai-api", "gpt-5.5@openai-api", "success", "True", 0.0, 5, "gpt-5.5", None, 6),
    ("r07", KO, "claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5", "success", "False", 0.02, 700,
     "qwen-3.6-omni", None, 7),
    ("r08", KO, "claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5", "success", "False", 0.02, 900,
     "qwen-3.6-omni", None, 8),
    ("r09", KO, "claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5", "success", "False", 0.01, 500,
     "claude-haiku-4-5", None, 9),
    ("r10", POSTIZ, "gpt-5.5@rogue-provider", "gpt-5.5", "success", "False", 1.00, 1000, "gpt-5.5", None, 10),
    ("r11", KO, "", "", "failure", "False", 0.0, 10, None, "APIConnectionError", 11),
    ("r12", POSTIZ, "gpt-5.5@openai-api", "gpt-5.5@openai-api", "success", "False", 5.00, 100, "gpt-5.5", None,
     72),
    ("r13", MASTER, "qwen-3.6@cloud-first-litellm", "qwen-3.6", "success", "False", 0.001, 80, "qwen-3.6",
     None, 12),
]


def _write(url: str, style: str) -> None:
    """style 'new': LiteLLM >= 1.100 metadata (original_model_group, attempted_fallbacks);
    'old': the metadata before it (no original_model_group)."""
    db = open_database(url, require=(SPEND,))
    try:
        columns = db.columns(SPEND)
        with db.transaction():
            for token, alias in ((POSTIZ, "postiz"), (KO, "knowledge-os")):
                db.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, '
                           'metadata) VALUES (%s, %s, %s, %s, %s)',
                           [token, f"sk-...{alias[:4]}", alias, db.array([]), db.json({})])
            for rid, key, model_id, group, status, cache, spend, ms, original, error, age in ROWS:
                start = NOW - timedelta(hours=age)
                metadata: dict = {"user_api_key": key, "status": status,
                                  "error_information": {"error_class": error, "error_code": "429"}
                                  if error else None}
                if style == "new":
                    metadata.update({"original_model_group": original,
                                     "attempted_fallbacks": 1 if original and original != group else 0})
                elif error:  # before mid-2026 a failure row names no model at all
                    pass
                values = {"request_id": rid, "call_type": "acompletion", "api_key": key, "spend": spend,
                          "startTime": start, "endTime": start + timedelta(milliseconds=ms),
                          "model": model_id.split("@")[0], "model_id": model_id, "model_group": group,
                          "metadata": db.json(metadata), "cache_hit": cache, "status": status}
                if "request_duration_ms" in columns:
                    values["request_duration_ms"] = ms if style == "new" else None
                names = ", ".join(f'"{n}"' for n in values)
                db.execute(f'INSERT INTO "{SPEND}" ({names}) VALUES ({", ".join(["%s"] * len(values))})',
                           list(values.values()))
    finally:
        db.close()


@pytest.fixture(params=[("sqlite", "new"), ("0.4.5", "old"), ("0.4.110", "new"), ("0.4.110", "old")],
                ids=["sqlite-1.100", "pg-0.4.5-pre-1.100", "pg-0.4.110-1.100", "pg-0.4.110-pre-1.100"])
def spend_db(request, tmp_path, pg_schema):
    where, style = request.param
    url = f"sqlite:///{tmp_path}/gw.db" if where == "sqlite" else pg_schema(where)
    if where == "sqlite":
        open_database(url, create=True).close()  # a fresh embedded file gets LiteLLM's tables
    _write(url, style)
    return url, style


def _usage(cli, url, *args):
    result = cli("--db", url, "--chains", SHIPPED_CHAINS, "usage", "--since", "24h", *args)
    return result, (json.loads(result.out) if "-o" in args and "json" in args else None)


def test_every_number_of_the_hand_computed_log(cli, spend_db):
    url, style = spend_db
    result, doc = _usage(cli, url, "-o", "json")
    assert result.code == 0, result.text
    aliases = {a["alias"]: a for a in doc["aliases"]}
    gpt = aliases["gpt-5.5"]
    # r01-r04 served (3 by the paid OpenAI API, 1 by codex-shim at $0 marginal), r06 a cache hit,
    # r10 served by a deployment the chains do not know (listed apart), r12 outside the window.
    assert gpt["served"] == 4 and gpt["cache_hits"] == 1
    hops = {h["deployment"]: h for h in gpt["hops"]}
    openai, shim = hops["gpt-5.5@openai-api"], hops["gpt-5.5@codex-shim"]
    assert (openai["requests"], openai["share"], openai["billing"]) == (3, 0.75, "paid")
    assert (shim["requests"], shim["share"], shim["billing"]) == (1, 0.25, "subscription")
    assert openai["list_spend"] == pytest.approx(0.60) and openai["marginal_spend"] == pytest.approx(0.60)
    assert shim["list_spend"] == pytest.approx(0.05) and shim["marginal_spend"] == 0
    assert gpt["paid_share"] == 0.75 and gpt["paid_spend"] == pytest.approx(0.60)
    # hop 2 (openai-api) served 3: a fallback by the alias's own chain, none cross-family
    assert (gpt["via_fallback"], gpt["cross_family"]) == (3, 0)
    # Nearest-rank percentiles of 100, 200, 300 ms (durations from request_duration_ms or the times).
    assert openai["p50_ms"] == pytest.approx(200, abs=1) and openai["p95_ms"] == pytest.approx(300, abs=1)
    unknown = {h["deployment"]: h for h in doc["unknown_deployments"]}
    assert unknown["gpt-5.5@rogue-provider"]["requests"] == 1
    assert unknown["gpt-5.5@rogue-provider"]["route"] == "unknown deployment"
    assert "gpt-5.5@rogue-provider" not in hops
    if style == "new":
        # r05: a failure that names its requested alias; r11 names none.
        assert gpt["failures"] == {"RateLimitError": 1} and gpt["requests"] == 5
        assert gpt["failure_share"] == 0.2
        assert doc["unattributed_failures"] == {"APIConnectionError": 1}
        omni = aliases["qwen-3.6-omni"]
        assert omni["served"] == 2 and omni["via_fallback"] == 2
        assert omni["hops"][0]["route"] == "declared cross-family fallback"
        assert omni["hops"][0]["served_alias"] == "claude-haiku-4-5" and omni["paid_spend"] == 0
        assert aliases["claude-haiku-4-5"]["served"] == 1
        assert doc["rows_without_original_group"] == 0
    else:
        # Before 1.100, with an export without fallback copies, no row says which alias was asked
        # for: the fallback's rows count for the alias that served them, failures are
        # unattributed, and the report counts the 3 rows of the fallback's target (claude-haiku-4-5)
        # as in doubt (the other 5 served rows are of aliases no fallback reaches).
        assert gpt["failures"] == {} and gpt["requests"] == 4
        assert doc["unattributed_failures"] == {"APIConnectionError": 1, "RateLimitError": 1}
        assert "qwen-3.6-omni" not in aliases and aliases["claude-haiku-4-5"]["served"] == 3
        assert doc["rows_without_original_group"] == 3
    assert aliases["qwen-3.6"]["served"] == 1 and aliases["qwen-3.6"]["paid_spend"] == 0


def test_by_consumer_joins_keys_and_gives_the_fallback_advice(cli, spend_db):
    url, style = spend_db
    _, doc = _usage(cli, url, "--by", "consumer", "-o", "json")
    rows = {(c["consumer"], c["alias"]): c for c in doc["consumers"]}
    postiz = rows[("postiz", "gpt-5.5")]
    assert postiz["requests"] == 4 and postiz["paid_requests"] == 3 and postiz["paid_spend"] == pytest.approx(0.6)
    assert postiz["via_fallback"] == 3 and postiz["served_by"] == {"openai-api": 3, "codex-shim": 1}
    master = [c for (name, _), c in rows.items() if "not in LiteLLM_VerificationToken" in name]
    assert master and master[0]["requests"] == 1
    if style == "new":
        omni = rows[("knowledge-os", "qwen-3.6-omni")]
        assert omni["cross_family"] == 2 and "Name claude-haiku-4-5 explicitly" in omni["advice"]
        assert omni["via_fallback"] == 2 and omni["served_by"] == {"claude-haiku-4-5 via anthropic-oauth": 2}
    table, _ = _usage(cli, url, "--by", "consumer")
    assert POSTIZ not in table.text and POSTIZ[:12] not in table.text and KO[:12] not in table.text
    if style == "new":
        assert "advice for knowledge-os (qwen-3.6-omni): Name claude-haiku-4-5 explicitly" in table.out


def test_thresholds_page_like_probe(cli, spend_db):
    url, style = spend_db
    warn, _ = _usage(cli, url, "--max-paid-share", "50", "-o", "nagios")
    assert warn.code == 1 and warn.out.startswith("ASPIRECTL USAGE WARNING - gpt-5.5: leaked to paid API: 75%")
    assert "gpt-5.5: leaked to paid API: 75% of gpt-5.5, $0.60 (over 50%)" in warn.out
    assert "'paid_share_gpt-5.5'=75.0%;50;;0;100" in warn.out
    prom, _ = _usage(cli, url, "--max-paid-share", "50", "-o", "prometheus")
    assert 'aspirectl_usage_paid_share{alias="gpt-5.5",window="1d"} 0.75' in prom.out
    assert 'aspirectl_usage_requests{alias="gpt-5.5",hop="gpt-5.5@openai-api",upstream="openai-api",' \
           'route="chain",window="1d"} 3' in prom.out
    assert "aspirectl_usage_status 1" in prom.out
    crit, _ = _usage(cli, url, "--max-failure-share", "10")
    assert crit.code == (2 if style == "new" else 0)
    calm, _ = _usage(cli, url, "--max-paid-share", "80")
    assert calm.code == 0


def test_an_empty_period_and_a_database_without_the_log(cli, tmp_path, pg_schema):
    url = f"sqlite:///{tmp_path}/empty.db"
    open_database(url, create=True).close()
    empty = cli("--db", url, "--chains", SHIPPED_CHAINS, "usage", "--since", "24h")
    assert empty.code == 0 and "No requests in this period" in empty.out
    import sqlite3

    bare = tmp_path / "keys-only.db"
    conn = sqlite3.connect(bare)
    conn.execute('CREATE TABLE "LiteLLM_VerificationToken" (token TEXT PRIMARY KEY)')
    conn.close()
    missing = cli("--db", f"sqlite:///{bare}", "--chains", SHIPPED_CHAINS, "usage")
    assert missing.code == 3
    assert "has no LiteLLM_SpendLogs table" in missing.err and "DATABASE_URL" in missing.err
    down = cli("--db", "postgresql://nobody@127.0.0.1:1/x", "--chains", SHIPPED_CHAINS, "usage")
    assert down.code == 3 and "cannot connect" in down.err


@pytest.mark.parametrize("args, text", [
    (("--since", "yesterday"), "is neither a duration nor a date"),
    (("--since", "1h", "--until", "2h"), "--until must be later than --since"),
    (("--by", "team"), "--by 'team' is neither hop nor consumer"),
    (("--max-paid-share", "150"), "percentage from 0 to 100"),
    (("gtp-5.5",), "unknown alias or family 'gtp-5.5'"),
])
def test_bad_arguments_are_unknown_with_one_line(cli, args, text):
    result = cli("--chains", SHIPPED_CHAINS, "usage", *args)
    assert result.code == 3 and text in result.err and "Traceback" not in result.text


def test_demo_usage_shows_the_seed_week(cli):
    result = cli("--chains", SHIPPED_CHAINS, "demo", "--usage")
    assert result.code == 0, result.text
    assert "leaked to paid API: 100% of gpt-5.5" in result.out
    assert "claude-haiku-4-5 via anthropic-oauth (declared cross-family fallback)" in result.out
    assert "advice for knowledge-os (qwen-3.6-omni): Name claude-haiku-4-5 explicitly" in result.out
    doc = json.loads(cli("--chains", SHIPPED_CHAINS, "demo", "--usage", "-o", "json").out)
    assert doc["schema"] == "aspirectl.usage/v1" and doc["consumers"]


def test_usage_recipes_use_metrics_usage_writes(cli, spend_db, tmp_path):
    import os
    import re
    import subprocess
    import sys

    import yaml

    from tests.conftest import ROOT

    url, _ = spend_db
    textfile = tmp_path / "aspirectl-usage.prom"
    _usage(cli, url, "--textfile", textfile)
    written = textfile.read_text()
    rules = yaml.safe_load((ROOT / "docs" / "recipes" / "usage-alerts.yml").read_text())
    for rule in rules["groups"][0]["rules"]:
        for metric in re.findall(r"\baspirectl_[a-z_]+", rule["expr"]):
            assert f"{metric}{{" in written, metric
    crontab = (ROOT / "docs" / "recipes" / "crontab").read_text()
    line = next(ln for ln in crontab.splitlines() if ln.startswith("7 * * * * "))
    command = line.split(None, 5)[5].replace("/var/lib/node_exporter/textfile", str(tmp_path)).replace(
        "aspirectl ", f"aspirectl --db {url} --chains {SHIPPED_CHAINS} ", 1)
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env)
    assert result.stdout.startswith("ASPIRECTL USAGE WARNING") and "gpt-5.5" in result.stdout
    assert (tmp_path / "aspirectl-usage.prom").exists()
