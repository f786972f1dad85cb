"""OpenAI API and OpenAI-compatible sidecars (codex-shim): Bearer key, base URL ends in /v1.

Default probe: GET /models/{model} (no tokens; proves key and model, not credit). Canary:
POST /chat/completions with max_completion_tokens 1 (reasoning models reject max_tokens).
"""

from __future__ import annotations

from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Outcome, Rule, Verdict
from aspirectl.probe.wire import as_text, dig, parse_duration, parse_time

RULES: tuple[Rule, ...] = (
    Rule(Outcome.BILLING, status=429, error_code=("insufficient_quota", "credit_balance_exhausted"),
         label="out of credit (insufficient_quota)"),
    Rule(Outcome.BILLING, status=429, error_type="insufficient_quota", label="out of credit"),
    # The same said only in words: LiteLLM relays insufficient_quota as "RateLimitError:
    # OpenAIException - You exceeded your current quota, ..." (recorded on 1.80.0-1.108.7).
    Rule(Outcome.BILLING, status=429, message=r"^You exceeded your current quota",
         label="out of credit (insufficient_quota)"),
    Rule(Outcome.QUOTA_EXHAUSTED, error_type="usage_limit_reached",
         label="ChatGPT subscription usage limit reached"),
    Rule(Outcome.FORBIDDEN, error_type="usage_not_included", label="plan does not include Codex"),
    # A per-day limit wears the rate_limit_exceeded code and a short "try again in" (the RPD
    # bucket refills a request at a time), yet the day's allowance is spent (MSU-AI-Agents/
    # fall-2025-course#76): a quota until tomorrow, not a throttle.
    Rule(Outcome.QUOTA_EXHAUSTED, status=429, message=r"per day \((RPD|TPD)\)",
         label="daily limit reached (requests or tokens per day)"),
    Rule(Outcome.RATE_LIMITED, status=429, error_code="rate_limit_exceeded", label="rate limited"),
    Rule(Outcome.AUTH_EXPIRED, status=401, error_code="token_expired", label="token expired"),
    Rule(Outcome.AUTH_INVALID, status=401, error_code="token_invalidated",
         label="ChatGPT sign-in invalidated: sign in again"),
    # Org verification gates a model or streaming (Lamb-Project/lamb#54, microsoft/vscode#260670):
    # a 400 unsupported_value, yet nothing is wrong with the request; the org must be verified.
    Rule(Outcome.FORBIDDEN, message=r"organization must be verified",
         label="OpenAI organization not verified for this model"),
    # A 401 for a key or sign-in that lacks a scope: the credential is good, its permissions are
    # not (openclaw/openclaw#56658, anomalyco/opencode#21928).
    Rule(Outcome.FORBIDDEN, status=(401, 403), message=r"Missing scopes?:",
         label="credential lacks a permission (scope)"),
    Rule(Outcome.AUTH_INVALID, status=401, label="API key rejected"),
    Rule(Outcome.FORBIDDEN, status=403, label="not allowed"),
    # The model exists, on another endpoint (n8n-io/n8n#18352, chatboxai/chatbox#2173): the
    # deployment must call it differently; no key or wait helps.
    Rule(Outcome.BAD_REQUEST, status=404, message=r"only supported in v1/responses|not a chat model",
         label="model not served on this endpoint"),
    Rule(Outcome.MODEL_NOT_FOUND, status=404, label="model not found"),
    Rule(Outcome.OVERLOADED, status=503, error_code=("server_is_overloaded", "slow_down"),
         label="OpenAI overloaded"),
    Rule(Outcome.OVERLOADED, message=r"at capacity", label="model at capacity"),
    Rule(Outcome.BAD_REQUEST, status=400, label="bad request"),
    Rule(Outcome.UPSTREAM_ERROR, status=(500, 502), label="upstream error"),
)


def headers(target: ProbeTarget) -> dict[str, str]:
    return {"authorization": f"Bearer {target.credential}"}


def describe(facts: Facts) -> None:
    error = dig(facts.body, "error")
    detail = dig(facts.body, "detail")  # FastAPI-style bodies of ChatGPT/codex backends
    if isinstance(error, dict):
        facts.error_type = as_text(error.get("type"))
        facts.error_code = as_text(error.get("code"))
        facts.message = str(error.get("message") or "")
        resets = error.get("resets_at")
        if resets is None and error.get("resets_in_seconds") is not None:
            facts.retry_after_s = parse_duration(str(error["resets_in_seconds"]))
        facts.reset_at = parse_time(resets) if resets is not None else None
    elif isinstance(error, str):
        facts.message = error
    elif isinstance(detail, dict):
        facts.error_type = as_text(detail.get("type"))
        facts.error_code = as_text(detail.get("code"))
        facts.message = str(detail.get("message") or "")
    elif isinstance(detail, str):
        facts.message = detail
    facts.request_id = facts.header("x-request-id") or facts.header("x-oai-request-id") or None
    retry = parse_duration(facts.header("retry-after"))
    if retry is not None:
        facts.retry_after_s = retry
    if facts.retry_after_s is None and facts.status == 429:
        facts.retry_after_s = parse_duration(facts.header("x-ratelimit-reset-requests"))


def judge_completion(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    choice = dig(facts.body, "choices", 0)
    if not isinstance(choice, dict):
        return Verdict(Outcome.DEGRADED, "200 without choices", facts)
    message = choice.get("message") or {}
    # reasoning models (and Qwen3 behind LiteLLM) may answer only in reasoning_content
    answered = message.get("content") or message.get("reasoning_content")
    if not answered and choice.get("finish_reason") not in ("length", "stop"):
        return Verdict(Outcome.DEGRADED, "200 with an empty answer", facts)
    return None


def steps(target: ProbeTarget) -> list[Step]:
    plan = [Step("model", "GET", f"/models/{target.model}", "model resolves")]
    if target.canary:
        plan.append(Step(
            "canary", "POST", "/chat/completions", "1-token canary answered",
            json={"model": target.model, "max_completion_tokens": 1,
                  "messages": [{"role": "user", "content": "ping"}]},
            judge=judge_completion,
        ))
    return plan
