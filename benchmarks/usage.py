"""Usage budgets (issue: what actually served), against PostgreSQL with LiteLLM's schema from
its own migrations (litellm-proxy-extras 0.4.110), 1,000,000 LiteLLM_SpendLogs rows over 30 days
(the shape the demo writes: 9 aliases on their chain's hops, 40 consumers, 1% failures, 3% cache
hits, 1.100+ metadata), generated inside PostgreSQL.

* `aspirectl usage --since 7d` (whole CLI process): <= 1.5 s
* `aspirectl usage --since 7d --by consumer`: <= 2 s

Run: .venv-test/bin/python benchmarks/usage.py [--rows N]   (needs PostgreSQL on 127.0.0.1:5432)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from benchmarks._common import report
from tests import pgutil

CLI = [sys.executable, "-m", "aspirectl", "--chains", str(Path(__file__).resolve().parent.parent / "chains")]
# (deployment id, model_group, requested alias, paid list price per request)
HOPS = [
    ("claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5", "claude-haiku-4-5", 0.004),
    ("claude-sonnet-4-6@anthropic-oauth", "claude-sonnet-4-6", "claude-sonnet-4-6", 0.015),
    ("claude-opus-4-7@anthropic-oauth", "claude-opus-4-7", "claude-opus-4-7", 0.06),
    ("claude-opus-4-7@anthropic-api", "claude-opus-4-7@anthropic-api", "claude-opus-4-7", 0.06),
    ("gpt-4.1@openai-api", "gpt-4.1@openai-api", "gpt-4.1", 0.008),
    ("gpt-5.2@openai-api", "gpt-5.2@openai-api", "gpt-5.2", 0.012),
    ("gpt-5.5@openai-api", "gpt-5.5@openai-api", "gpt-5.5", 0.02),
    ("qwen-3.6@cloud-first-litellm", "qwen-3.6", "qwen-3.6", 0.001),
    ("claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5", "qwen-3.6-omni", 0.004),
    ("gemini-2.5-pro@google-code-assist", "gemini-2.5-pro", "gemini-2.5-pro", 0.01),
    ("gemini-2.5-pro@google-ai-studio", "gemini-2.5-pro@google-ai-studio", "gemini-2.5-pro", 0.01),
]


def fill(url: str, rows: int) -> None:
    hops = ", ".join(f"('{d}', '{g}', '{r}', {p})" for d, g, r, p in HOPS)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, metadata)
            SELECT md5('key' || i), 'sk-...' || lpad(i::text, 4, '0'), 'consumer-' || i, '{}', '{}'
            FROM generate_series(1, 40) AS i""")
        conn.execute(f"""
            WITH hop(deployment, grp, requested, price) AS (VALUES {hops}),
            numbered AS (SELECT row_number() OVER () - 1 AS n, * FROM hop)
            INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime",
                request_duration_ms, model, model_id, model_group, metadata, cache_hit, status)
            SELECT 'bench-' || i, 'acompletion', md5('key' || (1 + i %% 40)),
                   CASE WHEN i %% 100 = 0 OR i %% 33 = 0 THEN 0 ELSE h.price END,
                   now() AT TIME ZONE 'utc' - (i::float8 / %s * interval '30 days'),
                   now() AT TIME ZONE 'utc' - (i::float8 / %s * interval '30 days') + interval '1 second',
                   500 + (i::bigint * 7919) %% 2500, h.requested,
                   CASE WHEN i %% 100 = 0 THEN '' ELSE h.deployment END,
                   CASE WHEN i %% 100 = 0 THEN '' ELSE h.grp END,
                   jsonb_build_object('original_model_group', h.requested,
                                      'attempted_fallbacks', CASE WHEN h.requested <> split_part(h.deployment, '@', 1)
                                                                  THEN 1 ELSE 0 END,
                                      'status', CASE WHEN i %% 100 = 0 THEN 'failure' ELSE 'success' END,
                                      'error_information', CASE WHEN i %% 100 = 0
                                          THEN jsonb_build_object('error_class', 'RateLimitError') END),
                   CASE WHEN i %% 33 = 0 THEN 'True' ELSE 'False' END,
                   CASE WHEN i %% 100 = 0 THEN 'failure' ELSE 'success' END
            FROM generate_series(1, %s) AS i
            JOIN numbered h ON h.n = i %% {len(HOPS)}""", [rows, rows, rows])
        conn.execute('ANALYZE "LiteLLM_SpendLogs"')


def timed(args: list[str], runs: int = 3) -> tuple[float, str]:
    samples, out = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(CLI + args, capture_output=True, text=True)
        samples.append(time.perf_counter() - t0)
        out = proc.stdout
        if proc.returncode not in (0, 1, 2):
            raise SystemExit(f"usage failed: {proc.stderr.strip()}")
    return statistics.median(samples), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows_wanted = parser.parse_args().rows
    template = pgutil.template_database()
    name = pgutil.create_database(template=template)
    url = pgutil.admin_url(name)
    results = []
    try:
        t0 = time.perf_counter()
        fill(url, rows_wanted)
        print(f"filled {rows_wanted:,} rows over 30 days in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        hop_s, out = timed(["--db", url, "usage", "--since", "7d"])
        assert "ASPIRECTL USAGE" in out, out[-500:]
        results.append((f"usage --since 7d, {rows_wanted:,} rows in 30 days", f"{hop_s:.2f} s", "<= 1.5 s",
                        hop_s <= 1.5))
        consumer_s, out = timed(["--db", url, "usage", "--since", "7d", "--by", "consumer"])
        assert "consumer-" in out, out[-500:]
        results.append(("usage --since 7d --by consumer", f"{consumer_s:.2f} s", "<= 2 s", consumer_s <= 2))
        month_s, _ = timed(["--db", url, "usage", "--since", "30d"], runs=1)
        results.append(("usage --since 30d (every row)", f"{month_s:.2f} s", "-", True))
    finally:
        pgutil.drop_database(name)
        pgutil.drop_database(template)
    report(results)


if __name__ == "__main__":
    main()
