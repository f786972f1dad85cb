"""Every outcome of the taxonomy, produced by a simulator over real sockets, classified from
status + body + headers together; every provider error shape of the providers reference."""

from __future__ import annotations

import pytest

from aspirectl.probe.outcomes import Outcome
from aspirectl.sandbox.catalogue import Behaviour
from tests.sandboxing import hop, probe_scenario, scenario

# (upstream, alias, fault, deep, expected outcome, text the detail must contain)
FAULT_CASES = [
    # Anthropic, Claude Max OAuth
    ("anthropic-oauth", "claude-haiku-4-5", "auth_expired", False, Outcome.AUTH_EXPIRED, "OAuth token has expired"),
    ("anthropic-oauth", "claude-haiku-4-5", "auth_invalid", False, Outcome.AUTH_INVALID, "Invalid authentication"),
    ("anthropic-oauth", "claude-opus-4-7", "subscription_rejected", False, Outcome.QUOTA_EXHAUSTED, "five_hour window at 100%"),
    ("anthropic-oauth", "claude-haiku-4-5", "unified_429", True, Outcome.QUOTA_EXHAUSTED, "subscription quota rejected"),
    ("anthropic-oauth", "claude-haiku-4-5", "claude_code_only", False, Outcome.FORBIDDEN, "limited to Claude Code"),
    ("anthropic-oauth", "claude-haiku-4-5", "usage_throttled", False, Outcome.OK, "model resolves"),
    ("anthropic-oauth", "claude-haiku-4-5", "nearly_exhausted", True, Outcome.DEGRADED, "allowed_warning"),
    ("anthropic-oauth", "claude-haiku-4-5", "third_party_extra_usage", True, Outcome.BILLING, "extra usage"),
    # Anthropic API key
    ("anthropic-api", "claude-sonnet-4-6", "rate_limited", False, Outcome.RATE_LIMITED, "per-minute rate limit"),
    ("anthropic-api", "claude-sonnet-4-6", "spend_cap", False, Outcome.BILLING, "monthly spend cap"),
    ("anthropic-api", "claude-sonnet-4-6", "credit_low", False, Outcome.BILLING, "credit balance is too low"),
    ("anthropic-api", "claude-sonnet-4-6", "billing_error", False, Outcome.BILLING, "billing"),
    ("anthropic-api", "claude-sonnet-4-6", "overloaded", False, Outcome.OVERLOADED, "not your quota"),
    ("anthropic-api", "claude-sonnet-4-6", "overloaded_500", False, Outcome.OVERLOADED, "Overloaded"),
    ("anthropic-api", "claude-sonnet-4-6", "api_error", False, Outcome.UPSTREAM_ERROR, "Internal server error"),
    ("anthropic-api", "claude-sonnet-4-6", "timeout_error", False, Outcome.TIMEOUT, "Request timeout"),
    ("anthropic-api", "claude-sonnet-4-6", "model_not_found", False, Outcome.MODEL_NOT_FOUND, "model: claude-sonnet-4-6"),
    ("anthropic-api", "claude-sonnet-4-6", "forbidden", False, Outcome.FORBIDDEN, "permission"),
    # OpenAI API
    ("openai-api", "gpt-5.5", "auth_invalid", False, Outcome.AUTH_INVALID, "Incorrect API key provided"),
    ("openai-api", "gpt-5.5", "insufficient_quota", False, Outcome.BILLING, "insufficient_quota"),
    ("openai-api", "gpt-5.5", "rate_limited", False, Outcome.RATE_LIMITED, "rate_limit_exceeded"),
    ("openai-api", "gpt-5.5", "model_not_found", False, Outcome.MODEL_NOT_FOUND, "does not exist"),
    ("openai-api", "gpt-5.5", "overloaded", False, Outcome.OVERLOADED, "server_is_overloaded"),
    ("openai-api", "gpt-5.5", "at_capacity", False, Outcome.OVERLOADED, "at capacity"),
    ("openai-api", "gpt-5.5", "server_error", False, Outcome.UPSTREAM_ERROR, "server had an error"),
    ("openai-api", "gpt-5.5", "forbidden", False, Outcome.FORBIDDEN, "unsupported_country"),
    ("openai-api", "gpt-5.5", "unsupported_parameter", False, Outcome.BAD_REQUEST, "max_completion_tokens"),
    ("openai-api", "gpt-5.5", "detail_400", False, Outcome.BAD_REQUEST, "Instructions are required"),
    # codex-shim (OpenAI-compatible, ChatGPT Pro OAuth behind it)
    ("codex-shim", "gpt-4.1", "usage_limit_reached", False, Outcome.QUOTA_EXHAUSTED, "usage limit"),
    ("codex-shim", "gpt-4.1", "usage_not_included", False, Outcome.FORBIDDEN, "does not include Codex"),
    ("codex-shim", "gpt-4.1", "token_expired", False, Outcome.AUTH_EXPIRED, "token_expired"),
    ("codex-shim", "gpt-4.1", "bad_gateway", False, Outcome.UPSTREAM_ERROR, "Bad gateway"),
    # LiteLLM passthrough (cloud-first.ai)
    ("cloud-first-litellm", "qwen-3.6", "gateway_auth", False, Outcome.AUTH_INVALID, "rejected our virtual key"),
    ("cloud-first-litellm", "qwen-3.6", "upstream_auth", False, Outcome.AUTH_INVALID, "own upstream key is rejected"),
    ("cloud-first-litellm", "qwen-3.6", "bad_gateway", False, Outcome.UPSTREAM_ERROR, "BadGatewayError"),
    ("cloud-first-litellm", "qwen-3.6", "connection_error", False, Outcome.UNREACHABLE, "cannot reach its upstream"),
    ("cloud-first-litellm", "qwen-3.6", "service_unavailable", False, Outcome.OVERLOADED, "ServiceUnavailable"),
    ("cloud-first-litellm", "qwen-3.6", "timeout", False, Outcome.TIMEOUT, "timed out"),
    ("cloud-first-litellm", "qwen-3.6", "rate_limited", False, Outcome.RATE_LIMITED, "RateLimitError"),
    ("cloud-first-litellm", "qwen-3.6", "no_deployments", False, Outcome.RATE_LIMITED, "No deployments available"),
    ("cloud-first-litellm", "qwen-3.6", "budget_exceeded", False, Outcome.BILLING, "Budget has been exceeded"),
    ("cloud-first-litellm", "qwen-3.6", "key_model_access_denied", False, Outcome.FORBIDDEN, "not allowed"),
    ("cloud-first-litellm", "qwen-3.6", "invalid_model", False, Outcome.MODEL_NOT_FOUND, "Invalid model name"),
    ("cloud-first-litellm", "qwen-3.6", "not_listed", False, Outcome.MODEL_NOT_FOUND, "not among the key's model groups"),
    ("cloud-first-litellm", "qwen-3.6", "shutting_down", False, Outcome.OVERLOADED, "shutting down"),
    ("cloud-first-litellm", "qwen-3.6", "bad_gateway", True, Outcome.UPSTREAM_ERROR, "BadGatewayError"),
    # Google AI Studio
    ("google-ai-studio", "gemini-2.5-pro", "api_key_invalid", False, Outcome.AUTH_INVALID, "API key not valid"),
    ("google-ai-studio", "gemini-2.5-pro", "leaked_key", False, Outcome.AUTH_INVALID, "reported as leaked"),
    ("google-ai-studio", "gemini-2.5-pro", "failed_precondition", False, Outcome.FORBIDDEN, "User location is not supported"),
    ("google-ai-studio", "gemini-2.5-pro", "permission_denied", False, Outcome.FORBIDDEN, "SERVICE_DISABLED"),
    ("google-ai-studio", "gemini-2.5-pro", "not_found", False, Outcome.MODEL_NOT_FOUND, "is not found"),
    ("google-ai-studio", "gemini-2.5-pro", "daily_quota", False, Outcome.QUOTA_EXHAUSTED, "daily quota"),
    ("google-ai-studio", "gemini-2.5-pro", "per_minute", False, Outcome.RATE_LIMITED, "per-minute"),
    ("google-ai-studio", "gemini-2.5-pro", "limit_zero", False, Outcome.FORBIDDEN, "limit 0"),
    ("google-ai-studio", "gemini-2.5-pro", "overloaded", False, Outcome.OVERLOADED, "overloaded"),
    ("google-ai-studio", "gemini-2.5-pro", "internal", False, Outcome.UPSTREAM_ERROR, "internal error"),
    ("google-ai-studio", "gemini-2.5-pro", "deadline", False, Outcome.UPSTREAM_ERROR, "DEADLINE_EXCEEDED"),
    ("google-ai-studio", "gemini-2.5-pro", "invalid_argument", True, Outcome.BAD_REQUEST, "Invalid JSON payload"),
    # Google Code Assist (its default probe includes the canary: free tier)
    ("google-code-assist", "gemini-2.5-pro", "capacity", False, Outcome.OVERLOADED, "MODEL_CAPACITY_EXHAUSTED"),
    ("google-code-assist", "gemini-2.5-pro", "capacity_503", False, Outcome.OVERLOADED, "No capacity available"),
    ("google-code-assist", "gemini-2.5-pro", "quota_exhausted", False, Outcome.QUOTA_EXHAUSTED, "QUOTA_EXHAUSTED"),
    ("google-code-assist", "gemini-2.5-pro", "rate_limit", False, Outcome.RATE_LIMITED, "RATE_LIMIT_EXCEEDED"),
    ("google-code-assist", "gemini-2.5-pro", "g1_credits", False, Outcome.BILLING, "INSUFFICIENT_G1_CREDITS"),
    ("google-code-assist", "gemini-2.5-pro", "validation_required", False, Outcome.FORBIDDEN, "validation"),
    ("google-code-assist", "gemini-2.5-pro", "unauthenticated", False, Outcome.AUTH_EXPIRED, "the gateway owns its refresh"),
    ("google-code-assist", "gemini-2.5-pro", "not_found", False, Outcome.MODEL_NOT_FOUND, "not found"),
    ("google-code-assist", "gemini-2.5-pro", "bare_429", False, Outcome.RATE_LIMITED, "Resource has been exhausted"),
    ("google-code-assist", "gemini-2.5-pro", "not_onboarded", False, Outcome.FORBIDDEN, "not onboarded"),
    ("google-code-assist", "gemini-2.5-pro", "bucket_empty", False, Outcome.QUOTA_EXHAUSTED, "no REQUESTS quota left"),
]


@pytest.mark.parametrize(("upstream", "alias", "fault", "deep", "expected", "text"), FAULT_CASES,
                         ids=[f"{c[0]}-{c[2]}{'-deep' if c[3] else ''}" for c in FAULT_CASES])
def test_provider_error_shapes_classify(upstream, alias, fault, deep, expected, text):
    assessment = probe_scenario(scenario(**{upstream: Behaviour(fault=fault)}), [alias], deep=deep)
    result = hop(assessment, alias, upstream)
    assert result.outcome is expected, result.detail
    assert text.lower() in result.detail.lower(), result.detail
    assert result.latency_ms is not None and result.latency_ms < 3000


def test_quota_exhausted_carries_reset_time():
    assessment = probe_scenario(scenario(anthropic_oauth=Behaviour(fault="subscription_rejected")),
                                ["claude-haiku-4-5"])
    result = hop(assessment, "claude-haiku-4-5", "anthropic-oauth")
    assert result.reset_at is not None
    from datetime import UTC, datetime

    hours = (result.reset_at - datetime.now(UTC)).total_seconds() / 3600
    assert 1.9 < hours < 2.1
    unified = probe_scenario(scenario(anthropic_oauth=Behaviour(fault="unified_429")),
                             ["claude-haiku-4-5"], deep=True)
    assert hop(unified, "claude-haiku-4-5", "anthropic-oauth").reset_at is not None
    google = probe_scenario(scenario(google_code_assist=Behaviour(fault="quota_exhausted")),
                            ["gemini-2.5-pro"])
    assert hop(google, "gemini-2.5-pro", "google-code-assist").reset_at is not None


def test_rate_limit_carries_retry_after():
    assessment = probe_scenario(scenario(openai_api=Behaviour(fault="rate_limited")), ["gpt-5.5"])
    result = hop(assessment, "gpt-5.5", "openai-api")
    assert result.retry_after_s == 20
    assert result.http_status == 429
    assert result.request_id
    assert result.error_code == "rate_limit_exceeded"
    assert "Rate limit reached" in result.excerpt


def test_missing_credential_is_no_credentials_not_a_failed_run():
    from tests.sandboxing import probe_box, running

    with running("all-up") as box:
        creds = {k: v for k, v in box.credentials.items() if k != "openai-api-key"}
        assessment = probe_box(box, ["gpt-5.5"], credentials=creds)
    result = hop(assessment, "gpt-5.5", "openai-api")
    assert result.outcome is Outcome.NO_CREDENTIALS
    assert "ASPIRECTL_SECRET_OPENAI_API_KEY" in result.detail
    assert result.http_status is None


def test_one_alias_fails_while_its_upstream_serves_the_others():
    assessment = probe_scenario("seed", ["qwen-3.6", "qwen-3.6-omni"])
    assert hop(assessment, "qwen-3.6", "cloud-first-litellm").outcome is Outcome.OK
    omni = hop(assessment, "qwen-3.6-omni", "cloud-first-litellm")
    assert omni.outcome is Outcome.UPSTREAM_ERROR
    assert "502" in omni.detail and omni.known_down


def test_wrong_credential_shapes_are_rejected_like_the_provider_does():
    """OAuth sent without the beta header, or an API key in the wrong header, is a 401."""
    from tests.sandboxing import probe_box, running

    with running("all-up") as box:
        swapped = dict(box.credentials)
        swapped["anthropic-api-key"] = box.credentials["anthropic-oauth-token"]
        assessment = probe_box(box, ["claude-haiku-4-5"], credentials=swapped)
    result = hop(assessment, "claude-haiku-4-5", "anthropic-api")
    assert result.outcome is Outcome.AUTH_INVALID
    assert "invalid x-api-key" in result.detail




@pytest.mark.parametrize(("protocol", "status", "body", "words"), [
    # a 404 that names no model (an nginx in front, a wrong route) on every protocol
    ("openai", 404, {"error": {"message": "no route here", "type": "invalid_request_error"}}, "no route here"),
    ("anthropic", 404, {"type": "error", "error": {"type": "not_found_error", "message": "Not Found"}}, "Not Found"),
    ("gemini", 404, {"error": {"code": 404, "message": "Something else entirely", "status": "NOT_FOUND"}},
     "Something else entirely"),
    # a 400 in words no rule knows, a 409 and a 418
    ("openai", 400, {"error": {"message": "Zorp refused the frobnication"}}, "Zorp refused the frobnication"),
    ("gemini", 409, {"error": {"code": 409, "message": "already exists", "status": "ABORTED"}}, "already exists"),
    ("anthropic", 418, {"type": "error", "error": {"type": "teapot", "message": "short and stout"}}, "short and stout"),
])
def test_an_answer_no_rule_knows_is_unrecognised_with_its_status_and_words(protocol, status, body, words):
    """Never the nearest category: the operator sees that nothing recognised it, the status,
    and the provider's own words."""
    import json
    from dataclasses import replace

    from aspirectl.catalog.model import Protocol
    from aspirectl.probe.adapter import adapter_for
    from aspirectl.probe.outcomes import Facts
    from aspirectl.probe.runner import read_answer
    from tests.test_recorded import _BY_UPSTREAM

    upstream = {"openai": "openai-api", "anthropic": "anthropic-api", "gemini": "google-ai-studio"}[protocol]
    target = replace(_BY_UPSTREAM[upstream], canary=True)
    adapter = adapter_for(Protocol(protocol))
    step = [s for s in adapter.steps(target) if s.method == "POST"][-1]
    verdict = read_answer(adapter, step, Facts(status=status, headers={}, body=body, text=json.dumps(body)),
                          target, {}, 1 << 20)
    assert verdict is not None and verdict.outcome is Outcome.UNRECOGNISED, verdict
    assert f"unrecognised answer (HTTP {status})" in verdict.detail and words in verdict.detail
