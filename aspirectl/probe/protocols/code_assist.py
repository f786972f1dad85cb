"""Google Code Assist (gemini-cli "Login with Google", free tier): v1internal methods.

Default probe: loadCodeAssist (tier, project; shared), retrieveUserQuota (shared), then
either the 1-token generateContent canary (the upstream is $0, and its quota buckets are no
proof of capacity) or countTokens. The OAuth token is the gateway's: never refreshed here.
"""

from __future__ import annotations

import uuid

from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Outcome, Rule, Verdict
from aspirectl.probe.protocols import google_rpc
from aspirectl.probe.wire import dig, parse_time

METADATA = {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"}

RULES: tuple[Rule, ...] = (
    Rule(Outcome.OVERLOADED, reason="MODEL_CAPACITY_EXHAUSTED",
         label="no capacity for this model (free tier)"),
    Rule(Outcome.QUOTA_EXHAUSTED, reason="QUOTA_EXHAUSTED", label="quota exhausted"),
    Rule(Outcome.BILLING, reason="INSUFFICIENT_G1_CREDITS_BALANCE", label="out of credits"),
    # Before RATE_LIMIT_EXCEEDED: a per-day limit said only in ErrorInfo or in words
    # (google-gemini/gemini-cli#10513) is not a short throttle.
    Rule(Outcome.QUOTA_EXHAUSTED, status=(429, 403), when=google_rpc.is_daily,
         label="daily quota exhausted (resets at midnight Pacific)"),
    Rule(Outcome.QUOTA_EXHAUSTED, reason="RATE_LIMIT_EXCEEDED", when=lambda f: (f.retry_after_s or 0) > 300,
         label="rate limited for more than 5 minutes"),
    Rule(Outcome.RATE_LIMITED, reason="RATE_LIMIT_EXCEEDED", label="rate limited"),
    Rule(Outcome.FORBIDDEN, reason="VALIDATION_REQUIRED", label="account needs validation in a browser"),
    Rule(Outcome.FORBIDDEN, reason="SECURITY_POLICY_VIOLATED", label="blocked by a security policy"),
    Rule(Outcome.AUTH_EXPIRED, status=401,
         label="OAuth access token expired or invalid (the gateway owns its refresh)"),
    Rule(Outcome.FORBIDDEN, status=403, label="permission denied"),
    Rule(Outcome.MODEL_NOT_FOUND, status=404,
         message=r"^(models/\S+ is not found|Requested entity was not found)", label="model not found"),
    Rule(Outcome.OVERLOADED, status=503, label="capacity unavailable"),
    Rule(Outcome.RATE_LIMITED, status=(429, 499), label="transient capacity limit"),
)


def headers(target: ProbeTarget) -> dict[str, str]:
    return {"authorization": f"Bearer {target.credential}"}


def describe(facts: Facts) -> None:
    google_rpc.describe(facts)


def _project(context: Context) -> str | None:
    load = context.get("load")
    return dig(load.body, "cloudaicompanionProject") if load else None


def _judge_load(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    if dig(facts.body, "currentTier") is None:
        reasons = [t.get("reasonCode") for t in dig(facts.body, "ineligibleTiers") or []
                   if isinstance(t, dict)]
        why = ", ".join(r for r in reasons if r) or "no current tier"
        return Verdict(Outcome.FORBIDDEN, f"account not onboarded to Code Assist ({why})", facts)
    if not dig(facts.body, "cloudaicompanionProject"):
        return Verdict(Outcome.FORBIDDEN, "no Code Assist project (set GOOGLE_CLOUD_PROJECT on "
                       "the gateway)", facts)
    return None


def _judge_quota(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    for bucket in dig(facts.body, "buckets") or []:
        if not isinstance(bucket, dict) or bucket.get("modelId") != target.model:
            continue
        left = bucket.get("remainingFraction")
        if isinstance(left, (int, float)) and left <= 0:
            facts.reset_at = parse_time(bucket.get("resetTime"))
            return Verdict(Outcome.QUOTA_EXHAUSTED, f"no {bucket.get('tokenType', 'request')} quota "
                           f"left for {target.model}", facts)
    return None


def _judge_generate(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    candidate = dig(facts.body, "response", "candidates", 0)
    if not isinstance(candidate, dict):
        return Verdict(Outcome.DEGRADED, "200 without candidates", facts)
    return None


def steps(target: ProbeTarget) -> list[Step]:
    plan = [
        Step("load", "POST", "/v1internal:loadCodeAssist", "account onboarded", shared=True,
             json={"metadata": METADATA}, judge=_judge_load),
        Step("quota", "POST", "/v1internal:retrieveUserQuota", "quota buckets have room",
             shared=True, json=lambda ctx: {"project": _project(ctx)}, judge=_judge_quota,
             inconclusive=frozenset({429})),
    ]
    contents = [{"role": "user", "parts": [{"text": "ping"}]}]
    if target.canary:
        plan.append(Step(
            "canary", "POST", "/v1internal:generateContent", "1-token canary answered",
            json=lambda ctx: {
                "model": target.model, "project": _project(ctx),
                "user_prompt_id": str(uuid.uuid4()),
                "request": {"contents": contents, "generationConfig": {"maxOutputTokens": 1}},
            },
            judge=_judge_generate,
        ))
    else:
        plan.append(Step("count", "POST", "/v1internal:countTokens", "model counts tokens",
                         json={"request": {"model": f"models/{target.model}", "contents": contents}}))
    return plan
