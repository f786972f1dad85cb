"""OpenAI API and OpenAI-compatible sidecars (codex-shim): Bearer key, base URL ends in /v1.

Default probe: GET /models/{model} (no tokens; proves key and model, not credit). Canary:
POST /chat/completions with max_completion_tokens 1 (reasoning models reject max_tokens).
"""

from __future__ import annotations

from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Outcome, Rule, Verdict
from aspirectl.probe.wire import as_text, dig, parse_duration, parse_time

RULES: tuple[Rule, ...] = (
    Rule(Outcome.BILLING, status=429, error_code="insufficient_quota",
         label="out of credit (insufficient_quota)"),
    # A prepaid account with no credit left: 429 with error.code credit_balance_exhausted and no
    # Retry-After (promptfoo/promptfoo#10881, merged: its retries ran 20 minutes against one).
    # Only the code is cited there, not a whole body: none is in tests/recorded.
    Rule(Outcome.BILLING, status=429, error_code="credit_balance_exhausted",
         label="prepaid credit used up (credit_balance_exhausted)"),
    Rule(Outcome.BILLING, status=429, error_type="insufficient_quota", label="out of credit"),
    # An account whose billing is not active (lifan0127/ai-research-assistant#174: 429, type and
    # code billing_not_active; binary-husky/gpt_academic#681: code null): no wait helps.
    Rule(Outcome.BILLING, error_type="billing_not_active", label="billing not active on the account"),
    Rule(Outcome.BILLING, message=r"^Your account is not active, please check your billing",
         label="billing not active on the account"),
    # DashScope's compatible mode (OpenAI envelope) for an account in arrears: 400, code and type
    # Arrearage (hsliuping/TradingAgents-CN#170, 1Panel-dev/MaxKB#5297).
    Rule(Outcome.BILLING, error_code="Arrearage", label="account in arrears (overdue payment)"),
    Rule(Outcome.BILLING, message=r"make sure your account is in good standing",
         label="account in arrears (overdue payment)"),
    # The same said only in words: LiteLLM relays insufficient_quota as "RateLimitError:
    # OpenAIException - You exceeded your current quota, ..." (recorded on 1.80.0-1.108.7).
    Rule(Outcome.BILLING, status=429, message=r"^You exceeded your current quota",
         label="out of credit (insufficient_quota)"),
    Rule(Outcome.QUOTA_EXHAUSTED, error_type="usage_limit_reached",
         label="ChatGPT subscription usage limit reached"),
    # A ChatGPT plan without Codex (RayBytes/ChatMock#54: the shim relays only the words).
    Rule(Outcome.FORBIDDEN, message=r"^Usage not included in your plan", label="plan does not include Codex"),
    # A per-day limit wears the rate_limit_exceeded code and a short "try again in" (the RPD
    # bucket refills a request at a time), yet the day's allowance is spent (MSU-AI-Agents/
    # fall-2025-course#76): a quota until tomorrow, not a throttle.
    Rule(Outcome.QUOTA_EXHAUSTED, status=429, message=r"per day \((RPD|TPD)\)",
         label="daily limit reached (requests or tokens per day)"),
    # One request larger than the per-minute token limit: a 429 no wait fixes (TheR1D/shell_gpt#653,
    # enricoros/big-AGI#636): the request must shrink or the limit grow.
    Rule(Outcome.BAD_REQUEST, status=429, message=r"^Request too large for .* on tokens per min",
         label="one request larger than the tokens-per-minute limit: no wait fixes it"),
    Rule(Outcome.RATE_LIMITED, status=429, error_code="rate_limit_exceeded", label="rate limited"),
    Rule(Outcome.AUTH_EXPIRED, status=401, error_code="token_expired", label="token expired"),
    Rule(Outcome.AUTH_INVALID, status=401, error_code="token_invalidated",
         label="ChatGPT sign-in invalidated: sign in again"),
    # The same three ChatGPT-backend answers said only in words: LiteLLM keeps the message, not
    # the code (tests/recorded/litellm-relayed/, every release; 1.80.0 and 1.85.0 relay the
    # invalidated sign-in as a BadRequestError).
    Rule(Outcome.AUTH_EXPIRED, message=r"^Provided authentication token is expired", label="token expired"),
    Rule(Outcome.AUTH_INVALID, message=r"^Your authentication token has been invalidated",
         label="ChatGPT sign-in invalidated: sign in again"),
    Rule(Outcome.QUOTA_EXHAUSTED, message=r"^The usage limit has been reached",
         label="ChatGPT subscription usage limit reached"),
    # A region refusal (openai-unsupported-country: 403 unsupported_country_region_territory);
    # LiteLLM relays it as an APIError (500) with the words only: still a refusal, not an error.
    Rule(Outcome.FORBIDDEN, message=r"^Country, region, or territory not supported",
         label="not offered in this country or region"),
    # Org verification gates a model or streaming (Lamb-Project/lamb#54, microsoft/vscode#260670):
    # a 400 unsupported_value, yet nothing is wrong with the request; the org must be verified.
    Rule(Outcome.FORBIDDEN, message=r"organization must be verified",
         label="OpenAI organization not verified for this model"),
    # A 401 for a key or sign-in that lacks a scope: the credential is good, its permissions are
    # not (openclaw/openclaw#56658, anomalyco/opencode#21928).
    Rule(Outcome.FORBIDDEN, status=(401, 403), message=r"Missing scopes?:",
         label="credential lacks a permission (scope)"),
    # A model the ChatGPT plan behind the sidecar may not use (openai/codex#6603, #19654): 400,
    # yet the request is fine: the account may not have it.
    Rule(Outcome.FORBIDDEN, message=r"model is not supported when using Codex with a ChatGPT account",
         label="this ChatGPT account may not use this model"),
    Rule(Outcome.AUTH_INVALID, status=401, label="API key rejected"),
    Rule(Outcome.FORBIDDEN, status=403, label="not allowed"),
    # The model exists, on another endpoint (n8n-io/n8n#18352, chatboxai/chatbox#2173): the
    # deployment must call it differently; no key or wait helps.
    Rule(Outcome.BAD_REQUEST, status=404, message=r"only supported in v1/responses|not a chat model",
         label="model not served on this endpoint"),
    # OpenAI says which model it does not know (code model_not_found, "The model `X` does not
    # exist", recorded); a 404 that names no model is a wrong base URL or route.
    # A wrong base URL or route (harry0703/MoneyPrinterTurbo#57, stitionai/devika#456): not a model.
    Rule(Outcome.BAD_REQUEST, status=404, error_code="unknown_url",
         label="wrong base URL or route: the deployment's api_base is wrong"),
    Rule(Outcome.BAD_REQUEST, status=404, message=r"^(Invalid URL \(|Unknown request URL)",
         label="wrong base URL or route: the deployment's api_base is wrong"),
    Rule(Outcome.MODEL_NOT_FOUND, status=404, error_code="model_not_found", label="model not found"),
    Rule(Outcome.MODEL_NOT_FOUND, status=404, message=r"^The model:? `[^`]*` does not exist",
         label="model not found"),
    # OpenAI's overload by its code (Wei-Shaw/sub2api#6631, from a stream: at any status) and the
    # Codex backend's capacity refusal in words (openai/codex#39571)
    Rule(Outcome.OVERLOADED, error_code="server_is_overloaded", label="OpenAI overloaded"),
    Rule(Outcome.OVERLOADED, message=r"^Selected model is at capacity", label="model at capacity"),
    Rule(Outcome.BAD_REQUEST, status=400, error_type="invalid_request_error", label="bad request"),
    # The ChatGPT backend's FastAPI `detail` refusals of the request itself (recorded: codex
    # "Instructions are required", "Instructions are not valid").
    Rule(Outcome.BAD_REQUEST, status=400, message=r"^Instructions are ", label="bad request"),
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
