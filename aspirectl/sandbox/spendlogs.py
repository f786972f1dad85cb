"""A week of the gateway's request log in the seed state, for the demo: rows written exactly
as LiteLLM 1.100+ ``get_logging_payload`` writes them (``model_id`` = the exported
``ALIAS@UPSTREAM``, ``metadata.original_model_group`` and ``attempted_fallbacks``,
``status``, ``cache_hit`` as text, ``spend`` at LiteLLM's list price).

The seed state (design note of 2026-05-21): codex-shim refuses, so every gpt-* request is
served and billed by the OpenAI API after one attempted fallback; qwen-3.6-omni's vision path
is down, so it is served by claude-haiku-4-5 on the Claude Max OAuth hop through the declared
cross-family fallback; Code Assist is mostly at capacity, so AI Studio serves most Gemini
traffic; the Claude Max quota runs out now and then, so a few Claude requests reach the paid
Anthropic API. Deterministic (seeded), so the README can show its numbers.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aspirectl.keys.db import Database

# consumer -> (requests per day, {alias: weight})
CONSUMERS: dict[str, tuple[int, dict[str, float]]] = {
    "postiz": (90, {"claude-sonnet-4-6": 0.6, "gpt-5.5": 0.4}),
    "knowledge-os": (120, {"qwen-3.6": 0.5, "qwen-3.6-omni": 0.3, "claude-haiku-4-5": 0.2}),
    "openclaw-agent-01": (40, {"claude-opus-4-7": 0.5, "gpt-5.2": 0.3, "gemini-2.5-pro": 0.2}),
    "openclaw-agent-02": (35, {"claude-opus-4-7": 0.4, "gpt-4.1": 0.3, "gemini-2.5-pro": 0.3}),
}
# alias -> ((deployment id, original group or None, attempted fallbacks, weight), ...)
SERVED: dict[str, tuple[tuple[str, str | None, int, float], ...]] = {
    "claude-haiku-4-5": (("claude-haiku-4-5@anthropic-oauth", None, 0, 0.96),
                         ("claude-haiku-4-5@anthropic-api", None, 1, 0.04)),
    "claude-sonnet-4-6": (("claude-sonnet-4-6@anthropic-oauth", None, 0, 0.95),
                          ("claude-sonnet-4-6@anthropic-api", None, 1, 0.05)),
    "claude-opus-4-7": (("claude-opus-4-7@anthropic-oauth", None, 0, 0.9),
                        ("claude-opus-4-7@anthropic-api", None, 1, 0.1)),
    "gpt-4.1": (("gpt-4.1@openai-api", None, 1, 1.0),),
    "gpt-5.2": (("gpt-5.2@openai-api", None, 1, 1.0),),
    "gpt-5.5": (("gpt-5.5@openai-api", None, 1, 1.0),),
    "qwen-3.6": (("qwen-3.6@cloud-first-litellm", None, 0, 1.0),),
    "qwen-3.6-omni": (("claude-haiku-4-5@anthropic-oauth", "qwen-3.6-omni", 1, 1.0),),
    "gemini-2.5-pro": (("gemini-2.5-pro@google-code-assist", None, 0, 0.3),
                       ("gemini-2.5-pro@google-ai-studio", None, 1, 0.7)),
}
LIST_PRICE = {"claude-haiku-4-5": 0.004, "claude-sonnet-4-6": 0.015, "claude-opus-4-7": 0.06,
              "gpt-4.1": 0.008, "gpt-5.2": 0.012, "gpt-5.5": 0.02, "qwen-3.6": 0.001,
              "qwen-3.6-omni": 0.002, "gemini-2.5-pro": 0.01}
LATENCY_MS = {"anthropic-oauth": 1400, "anthropic-api": 1500, "openai-api": 1100,
              "cloud-first-litellm": 700, "google-code-assist": 2600, "google-ai-studio": 1800}
FAILURES = {"gpt-5.5": ("RateLimitError", 0.01), "gemini-2.5-pro": ("RateLimitError", 0.03),
            "qwen-3.6": ("InternalServerError", 0.005)}
CACHE_HIT = 0.03
DAYS = 7


def key_for(consumer: str) -> str:
    """A demo consumer's (made-up, never used) virtual key: only its hash is stored."""
    return "sk-demo" + hashlib.sha256(consumer.encode()).hexdigest()[:16]


def fill(db: Database, now: datetime | None = None, seed: int = 20260521) -> int:
    """Write the demo keys and a week of request rows into ``db``; returns the row count."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    start = now - timedelta(days=DAYS)
    keys = {c: hashlib.sha256(key_for(c).encode()).hexdigest() for c in CONSUMERS}
    with db.transaction():
        for consumer, token in keys.items():
            db.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, models, '
                       'metadata, created_by) VALUES (%s, %s, %s, %s, %s, %s)',
                       [token, f"sk-...{key_for(consumer)[-4:]}", consumer, db.array([]),
                        db.json({"demo": True}), "aspirectl demo"])
    rows: list[list[Any]] = []
    number = 0
    for consumer, (per_day, weights) in CONSUMERS.items():
        aliases, shares = list(weights), list(weights.values())
        for _ in range(per_day * DAYS):
            number += 1
            alias = rng.choices(aliases, shares)[0]
            begin = start + timedelta(seconds=rng.uniform(0, DAYS * 86400))
            row = _row(rng, number, keys[consumer], alias, begin)
            row[15] = db.json(row[15])  # jsonb in PostgreSQL, JSON text in SQLite
            rows.append(row)
    rows.sort(key=lambda r: r[7])
    with db.transaction():
        db.executemany(
            'INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, '
            'prompt_tokens, completion_tokens, "startTime", "endTime", request_duration_ms, model, '
            'model_id, model_group, custom_llm_provider, api_base, metadata, cache_hit, status) '
            'VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)', rows)
    return len(rows)


def _row(rng: random.Random, number: int, api_key: str, alias: str, begin: datetime) -> list[Any]:
    choices = SERVED[alias]
    deployment, original, fallbacks, _ = rng.choices(choices, [c[3] for c in choices])[0]
    served_alias, upstream = deployment.split("@", 1)
    failure = FAILURES.get(alias)
    failed = failure is not None and rng.random() < failure[1]
    cached = not failed and rng.random() < CACHE_HIT
    duration = 0 if cached else int(rng.lognormvariate(0, 0.35) * LATENCY_MS[upstream])
    tokens = rng.randint(200, 2400)
    spend = 0.0 if (failed or cached) else round(LIST_PRICE[alias] * tokens / 1000, 6)
    metadata: dict[str, Any] = {
        "user_api_key": api_key, "status": "failure" if failed else "success",
        "attempted_fallbacks": fallbacks, "original_model_group": original or alias,
        "error_information": ({"error_class": failure[0],
                               "error_code": "429" if "Rate" in failure[0] else "500",
                               "llm_provider": upstream} if failed and failure else None),
    }
    group = served_alias if deployment.endswith(("@anthropic-oauth", "@google-code-assist",
                                                 "@cloud-first-litellm")) or original else deployment
    if failed:
        deployment, group = "", alias  # what the proxy logs for a request that failed
    end = begin + timedelta(milliseconds=duration)
    return [f"demo-{number:07d}", "acompletion", api_key, spend, 0 if failed else tokens,
            0 if failed else tokens - 50, 0 if failed else 50, begin.replace(tzinfo=None),
            end.replace(tzinfo=None), duration, served_alias, deployment, group, upstream, "",
            metadata, str(cached), "failure" if failed else "success"]
