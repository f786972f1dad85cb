"""OpenAI API (and the codex-shim sidecar, which speaks the same protocol)."""

from __future__ import annotations

import re
from typing import Any

from aspirectl.sandbox.httpserver import Request, Response
from aspirectl.sandbox.simulators.base import Fault, SimUpstream, apply_fault, now, only, request_id

MODEL_PATH = re.compile(r"^/v1/models/(?P<model>[^/]+)$")
MODEL_KINDS = {"model", "generate"}
REASONING = re.compile(r"^(o\d|gpt-5)")


def error(status: int, kind: str | None, message: str, code: str | None = None,
          param: str | None = None, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"error": {"message": message, "type": kind, "param": param, "code": code}},
                    {"x-request-id": request_id(""), **(headers or {})})


def _limits(remaining: int = 499) -> dict[str, str]:
    return {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": "120ms" if remaining else "7s",
            "x-ratelimit-limit-tokens": "30000", "x-ratelimit-remaining-tokens": "29990",
            "x-ratelimit-reset-tokens": "20ms"}


def _usage_limit(req: Request, sim: SimUpstream, kind: str, model: str | None) -> Response:
    resets = now() + 13872
    return Response(429, {"error": {"type": "usage_limit_reached", "message": "The usage limit has "
                                    "been reached", "plan_type": "pro", "resets_at": resets,
                                    "eligible_promo": None, "resets_in_seconds": 13872}},
                    {"x-codex-primary-used-percent": "100", "x-codex-primary-reset-at": str(resets)})


FAULTS: dict[str, Fault] = {
    "auth_invalid": lambda r, s, k, m: error(
        401, "invalid_request_error", "Incorrect API key provided: sk-ab***wxyz. You can find your "
        "API key at https://platform.openai.com/account/api-keys.", "invalid_api_key"),
    # word for word tests/recorded/providers/codex-token-expired.json (the ChatGPT backend)
    "token_expired": lambda r, s, k, m: Response(401, {"error": {
        "message": "Provided authentication token is expired. Please try signing in again.",
        "type": None, "code": "token_expired", "param": None}, "status": 401}),
    # word for word tests/recorded/providers/openai-unsupported-country.json
    "forbidden": only(MODEL_KINDS, lambda r, s, k, m: error(
        403, "request_forbidden", "Country, region, or territory not supported",
        "unsupported_country_region_territory")),
    "model_not_found": only(MODEL_KINDS, lambda r, s, k, m: error(
        404, "invalid_request_error", f"The model `{m}` does not exist or you do not have access to it.",
        "model_not_found")),
    # the fields of tests/recorded/providers/openai-tpm-rate-limited.json, in its own numbers
    "rate_limited": only(MODEL_KINDS, lambda r, s, k, m: error(
        429, "tokens", f"Rate limit reached for {m} in organization org-sandbox on tokens per min "
        "(TPM): Limit 10000, Used 9990, Requested 20. Please try again in 20s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.", "rate_limit_exceeded",
        headers={"retry-after": "20", **_limits(0)})),
    "insufficient_quota": only(MODEL_KINDS, lambda r, s, k, m: error(
        429, "insufficient_quota", "You exceeded your current quota, please check your plan and billing "
        "details.", "insufficient_quota")),
    "usage_limit_reached": only(MODEL_KINDS, _usage_limit),
    # codex-usage-not-included.json, word for word (RayBytes/ChatMock#54)
    "usage_not_included": only(MODEL_KINDS, lambda r, s, k, m: Response(403, {"error": {
        "message": "Usage not included in your plan"}})),
    # codex-server-is-overloaded.json, word for word (Wei-Shaw/sub2api#6631)
    "overloaded": only(MODEL_KINDS, lambda r, s, k, m: error(
        503, "service_unavailable_error", "Our servers are currently overloaded. Please try again later.",
        "server_is_overloaded")),
    "at_capacity": only(MODEL_KINDS, lambda r, s, k, m: error(
        503, "server_error", "Selected model is at capacity. Please try a different model.")),
    # word for word tests/recorded/providers/openai-server-error-500.json
    "server_error": only(MODEL_KINDS, lambda r, s, k, m: error(
        500, "server_error", "The server had an error while processing your request. Sorry about that!")),
    "bad_gateway": only(MODEL_KINDS, lambda r, s, k, m: error(502, None, "Bad gateway: upstream "
                                                             "connection failed")),
    "unsupported_parameter": only(MODEL_KINDS, lambda r, s, k, m: error(
        400, "invalid_request_error", "Unsupported parameter: 'max_tokens' is not supported with this "
        "model. Use 'max_completion_tokens' instead.", "unsupported_parameter", "max_tokens")),
    # worse than the real API: echoes the whole presented key (redaction must still hold)
    "echo_key": lambda r, s, k, m: error(
        401, "invalid_request_error", "Incorrect API key provided: "
        f"{r.header('authorization').removeprefix('Bearer ')}.", "invalid_api_key"),
    "detail_400": only(MODEL_KINDS, lambda r, s, k, m: Response(
        400, {"detail": "Instructions are required"})),
}


def _endpoint(req: Request) -> tuple[str, str | None]:
    if req.method == "GET" and req.path == "/v1/models":
        return "list", None
    match = MODEL_PATH.match(req.path)
    if req.method == "GET" and match:
        return "model", match.group("model")
    if req.method == "POST" and req.path == "/v1/chat/completions":
        body = req.json()
        return "generate", body.get("model") if isinstance(body, dict) else None
    return "unknown", None


def _model(model: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "system"}


def handle(req: Request, sim: SimUpstream) -> Response:
    if req.header("authorization") != f"Bearer {sim.credential}":
        return FAULTS["auth_invalid"](req, sim, "any", None)  # type: ignore[return-value]
    kind, model = _endpoint(req)
    if kind == "unknown":
        return error(404, "invalid_request_error", f"Invalid URL ({req.method} {req.path})")
    injected = apply_fault(FAULTS, req, sim, kind, model)
    if injected is not None:
        return injected
    if kind == "list":
        return Response(200, {"object": "list", "data": [_model(m) for m in sorted(sim.models)]})
    if model not in sim.models:
        return FAULTS["model_not_found"](req, sim, "model", model)  # type: ignore[return-value]
    if kind == "model":
        return Response(200, _model(model), {"x-request-id": request_id("")})
    body = req.json() or {}
    if "max_tokens" in body and REASONING.match(model):
        return FAULTS["unsupported_parameter"](req, sim, "generate", model)  # type: ignore[return-value]
    return Response(200, {"id": "chatcmpl-" + request_id("")[:20], "object": "chat.completion",
                          "created": now(), "model": model,
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": ""},
                                       "finish_reason": "length"}],
                          "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9}},
                    {"x-request-id": request_id(""), "openai-processing-ms": "212", **_limits()})
