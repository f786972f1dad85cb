"""What `usage` says a period cost, against rows written as LiteLLM writes them: spend on
failure rows counts; 1.108.7's rows of billed earlier attempts (``<id>-attempt-N``,
``metadata.billed_retry_attempt``, proxy_track_cost_callback.py) are spend, never requests
(nor latency); a paid hop's request with tokens and no spend is "unpriced", never "$0.00".
Every number in table, JSON, Nagios and Prometheus, on SQLite and PostgreSQL (oldest and
newest LiteLLM schema)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from aspirectl.keys.db import SPEND, open_database
from tests.conftest import SHIPPED_CHAINS

NOW = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
APP = hashlib.sha256(b"sk-app-money-key").hexdigest()

# (request_id, model_id, status, spend, tokens, duration ms, billed retry?, error class)
ROWS = [
    ("m01", "gpt-5.5@openai-api", "success", 0.40, 100, 100, False, None),
    ("m02", "gpt-5.5@openai-api", "success", 0.0, 80, 200, False, None),  # unpriced
    ("m03", "gpt-5.5@openai-api", "failure", 0.07, 10, 50, False, "Timeout"),  # a billed failure
    # the row LiteLLM re-keys from the final (successful) attempt for an earlier billed one
    ("m04-attempt-0", "gpt-5.5@openai-api", "success", 0.03, 30, 5000, True, None),
    ("m04", "gpt-5.5@openai-api", "success", 0.10, 20, 300, False, None),
    ("m05", "gpt-5.5@codex-shim", "success", 0.0, 50, 400, False, None),  # subscription: $0 is right
]


@pytest.fixture(params=["sqlite", "0.4.5", "0.4.110"])
def money_db(request, tmp_path, pg_schema):
    url = f"sqlite:///{tmp_path}/gw.db" if request.param == "sqlite" else pg_schema(request.param)
    db = open_database(url, create=request.param == "sqlite")
    try:
        with db.transaction():
            db.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, metadata) '
                       'VALUES (%s, %s, %s, %s, %s)', [APP, "sk-...app", "app", db.array([]), db.json({})])
            for age, (rid, model_id, status, spend, tokens, ms, retry, error) in enumerate(ROWS, 1):
                start = NOW - timedelta(minutes=10 * age)
                metadata = {"user_api_key": APP, "status": status, "original_model_group": "gpt-5.5",
                            "error_information": {"error_class": error} if error else None}
                if retry:
                    metadata.update({"billed_retry_attempt": True, "attempted_retries": 0})
                values = {"request_id": rid, "call_type": "acompletion", "api_key": APP, "spend": spend,
                          "total_tokens": tokens, "startTime": start,
                          "endTime": start + timedelta(milliseconds=ms), "model": "gpt-5.5",
                          "model_id": model_id, "model_group": model_id, "metadata": db.json(metadata),
                          "cache_hit": "False", "status": status}
                names = ", ".join(f'"{n}"' for n in values)
                db.execute(f'INSERT INTO "{SPEND}" ({names}) VALUES ({", ".join(["%s"] * len(values))})',
                           list(values.values()))
    finally:
        db.close()
    return url


def _usage(cli, url, *args):
    return cli("--db", url, "--chains", SHIPPED_CHAINS, "usage", "--since", "24h", *args)


def test_failures_retries_and_unpriced_requests_in_every_output(cli, money_db):
    result = _usage(cli, money_db, "-o", "json")
    assert result.code == 0, result.text
    gpt = next(a for a in json.loads(result.out)["aliases"] if a["alias"] == "gpt-5.5")
    # m04-attempt-0 is no request: 4 served, 1 failed, 5 requests
    assert (gpt["served"], gpt["failed"], gpt["requests"]) == (4, 1, 5)
    assert gpt["billed_retry_attempts"] == 1 and gpt["retry_spend"] == pytest.approx(0.03)
    assert gpt["failed_spend"] == pytest.approx(0.07)
    openai = next(h for h in gpt["hops"] if h["deployment"] == "gpt-5.5@openai-api")
    assert openai["requests"] == 3 and openai["list_spend"] == pytest.approx(0.50)
    assert openai["unpriced_requests"] == 1 and gpt["unpriced_paid_requests"] == 1
    # the attempt's 5 s is no request's latency: nearest rank of 100, 200, 300 ms
    assert openai["p50_ms"] == pytest.approx(200, abs=1) and openai["p95_ms"] == pytest.approx(300, abs=1)
    # paid at the margin: what the paid hop served, what failed there, what its retries cost
    assert gpt["paid_spend"] == pytest.approx(0.60) and gpt["list_spend"] == pytest.approx(0.60)

    table = _usage(cli, money_db)
    assert table.code == 0, table.text
    assert "$0.50 + 1 unpriced" in table.out, table.out
    assert "failures billed $0.07" in table.out and "1 earlier attempts billed $0.03" in table.out, table.out
    assert "and 1 requests LiteLLM has no price for" in table.out, table.out

    nagios = _usage(cli, money_db, "-o", "nagios")
    assert "'failed_spend_gpt-5.5'=0.10;;;0;" in nagios.out and "'paid_spend_gpt-5.5'=0.60;;;0;" in nagios.out, \
        nagios.out

    prom = _usage(cli, money_db, "-o", "prometheus").out
    assert 'aspirectl_usage_failed_spend_dollars{alias="gpt-5.5",window="1d"} 0.1' in prom, prom
    assert 'aspirectl_usage_unpriced_requests{alias="gpt-5.5",hop="gpt-5.5@openai-api",window="1d"} 1' in prom

    consumers = json.loads(_usage(cli, money_db, "--by", "consumer", "-o", "json").out)
    app = [c for c in consumers["consumers"] if c["consumer"] == "app"]
    assert sum(c["requests"] + c["failed"] for c in app) == 5, app  # the retry row is no request
