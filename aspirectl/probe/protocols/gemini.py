"""Google AI Studio (Gemini API). The key goes in x-goog-api-key, never in the URL.

Default probe: GET /v1beta/models/{model}. Canary: :generateContent with maxOutputTokens 1
(a 200 with finishReason MAX_TOKENS and no text counts as serving).
"""

from __future__ import annotations

from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Outcome, Rule, Verdict
from aspirectl.probe.protocols import google_rpc
from aspirectl.probe.wire import dig

RULES: tuple[Rule, ...] = (
    Rule(Outcome.AUTH_INVALID, reason="API_KEY_INVALID", label="API key not valid"),
    Rule(Outcome.AUTH_INVALID, status=400, message=r"API key not (valid|found)", label="API key not valid"),
    Rule(Outcome.FORBIDDEN, status=429, message=r"limit: 0\b",
         label="model not available on this project's tier (limit 0)"),
    Rule(Outcome.FORBIDDEN, status=429, reason=google_rpc.LIMIT_ZERO,
         label="this project's limit for this quota is 0 (region or tier): waiting will not help"),
    # 403 too: the legacy envelope said a daily limit with 403 usageLimits (murer/dsopz#3).
    Rule(Outcome.QUOTA_EXHAUSTED, status=(429, 403), when=google_rpc.is_daily,
         label="daily quota exhausted (resets at midnight Pacific)"),
    Rule(Outcome.RATE_LIMITED, status=429, when=lambda f: google_rpc.has_quota(f, "PerMinute"),
         label="per-minute quota hit"),
    Rule(Outcome.RATE_LIMITED, status=429, when=lambda f: (f.retry_after_s or 0) <= 300,
         label="rate limited"),
    Rule(Outcome.QUOTA_EXHAUSTED, status=429, label="quota exhausted"),
    Rule(Outcome.FORBIDDEN, status=400, error_type="FAILED_PRECONDITION",
         label="not available for this project (billing or region)"),
    # continuedev/continue#10513: the key is blocked for good; only a new key helps.
    Rule(Outcome.AUTH_INVALID, status=403, message=r"reported as leaked",
         label="API key reported as leaked: Google blocked it; create a new key and find the leak"),
    # No key reached Google at all (PublicAffairs/openai-gemini#92, gunpal5/Google_GenerativeAI#15):
    # a 403 PERMISSION_DENIED, yet nothing is forbidden: the deployment sends no key.
    Rule(Outcome.AUTH_INVALID, status=403, message=r"doesn't allow unregistered callers",
         label="no API key reached Google: the deployment sends none"),
    Rule(Outcome.FORBIDDEN, status=403, label="permission denied"),
    # Google names the model: "models/X is not found for API version ..." (recorded).
    Rule(Outcome.MODEL_NOT_FOUND, status=404, message=r"^models/\S+ is not found",
         label="model not found"),
    Rule(Outcome.OVERLOADED, status=503, label="model overloaded"),
    Rule(Outcome.UPSTREAM_ERROR, status=(500, 504), label="Gemini API error"),
    Rule(Outcome.BAD_REQUEST, status=400, error_type="INVALID_ARGUMENT", label="bad request"),
)


def headers(target: ProbeTarget) -> dict[str, str]:
    return {"x-goog-api-key": target.credential or ""}


def describe(facts: Facts) -> None:
    google_rpc.describe(facts)


def _judge_generate(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    candidate = dig(facts.body, "candidates", 0)
    if not isinstance(candidate, dict):
        return Verdict(Outcome.DEGRADED, "200 without candidates", facts)
    text = dig(candidate, "content", "parts", 0, "text")
    if not text and candidate.get("finishReason") not in ("MAX_TOKENS", "STOP"):
        return Verdict(Outcome.DEGRADED, f"empty answer ({candidate.get('finishReason')})", facts)
    return None


def steps(target: ProbeTarget) -> list[Step]:
    plan = [Step("model", "GET", f"/v1beta/models/{target.model}", "model resolves")]
    if target.canary:
        plan.append(Step(
            "canary", "POST", f"/v1beta/models/{target.model}:generateContent",
            "1-token canary answered",
            json={"contents": [{"role": "user", "parts": [{"text": "ping"}]}],
                  "generationConfig": {"maxOutputTokens": 1}},
            judge=_judge_generate,
        ))
    return plan
