"""Anthropic Messages API: x-api-key keys, and Claude Max OAuth (Bearer + oauth beta)."""

from __future__ import annotations

import re
from typing import Any

from aspirectl.catalog.model import AuthScheme
from aspirectl.sandbox.httpserver import Request, Response
from aspirectl.sandbox.simulators.base import Fault, SimUpstream, apply_fault, iso_in, now, only, request_id

MODEL_PATH = re.compile(r"^/v1/models/(?P<model>[^/]+)$")
MODEL_KINDS = {"model", "generate", "count"}


def error(status: int, kind: str, message: str, headers: dict[str, str] | None = None,
          details: dict[str, str] | None = None) -> Response:
    rid = request_id()
    body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}, "request_id": rid}
    if details:
        body["error"]["details"] = details
    return Response(status, body, {"request-id": rid, **(headers or {})})


def _unified_rejected(req: Request, sim: SimUpstream, kind: str, model: str | None) -> Response | None:
    reset = now() + 2 * 3600
    if kind == "usage":
        return Response(200, {"five_hour": {"utilization": 100, "resets_at": iso_in(7200)},
                              "seven_day": {"utilization": 64, "resets_at": iso_in(5 * 86400)},
                              "seven_day_opus": None, "seven_day_sonnet": None,
                              "extra_usage": {"is_enabled": False}})
    if kind == "generate":
        return error(429, "rate_limit_error", "This request would exceed your account's rate limit. "
                     "Please try again later.", {
                         "anthropic-ratelimit-unified-status": "rejected",
                         "anthropic-ratelimit-unified-reset": str(reset),
                         "anthropic-ratelimit-unified-representative-claim": "five_hour",
                         "anthropic-ratelimit-unified-5h-status": "rejected",
                         "anthropic-ratelimit-unified-5h-reset": str(reset),
                         "anthropic-ratelimit-unified-5h-utilization": "1.02",
                         "retry-after": str(reset - now())})
    return None


def _nearly_exhausted(req: Request, sim: SimUpstream, kind: str, model: str | None) -> Response | None:
    if kind != "generate":
        return None
    ok = _message(model or "claude")
    ok.headers["anthropic-ratelimit-unified-status"] = "allowed_warning"
    return ok


FAULTS: dict[str, Fault] = {
    "auth_invalid": lambda r, s, k, m: error(401, "authentication_error",
                                             "Invalid authentication credentials"),
    "auth_expired": lambda r, s, k, m: error(401, "authentication_error", "OAuth token has expired. "
                                             "Please obtain a new token or refresh your existing token."),
    "forbidden": only(MODEL_KINDS, lambda r, s, k, m: error(
        403, "permission_error", "Your API key does not have permission to use the specified resource.")),
    "claude_code_only": only(MODEL_KINDS, lambda r, s, k, m: error(
        400, "invalid_request_error", "This credential is only authorized for use with Claude Code "
        "and cannot be used for other API requests.")),
    "rate_limited": only(MODEL_KINDS, lambda r, s, k, m: error(
        429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
        {"retry-after": "20", "anthropic-ratelimit-requests-remaining": "0",
         "anthropic-ratelimit-requests-reset": iso_in(20)})),
    "subscription_rejected": _unified_rejected,
    # the quota read still shows room, but generation is refused (the read can lag)
    "unified_429": lambda r, s, k, m: _unified_rejected(r, s, k, m) if k == "generate" else None,
    # word for word tests/recorded/providers/anthropic-api-monthly-spend-limit.json
    "spend_cap": only(MODEL_KINDS, lambda r, s, k, m: error(
        429, "rate_limit_error",
        "This request would exceed your account's monthly spend limit. Please try again later.")),
    # word for word tests/recorded/providers/anthropic-oauth-third-party-add-more.json
    "third_party_extra_usage": only({"generate"}, lambda r, s, k, m: error(
        400, "invalid_request_error", "Third-party apps now draw from your extra usage, not your plan "
        "limits. Add more at claude.ai/settings/usage and keep going.")),
    "credit_low": only(MODEL_KINDS, lambda r, s, k, m: error(
        400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API. "
        "Please go to Plans & Billing to upgrade or purchase credits.")),
    "billing_error": only(MODEL_KINDS, lambda r, s, k, m: error(402, "billing_error",
                                                               "There is an issue with your billing.")),
    "overloaded": only(MODEL_KINDS, lambda r, s, k, m: error(529, "overloaded_error", "Overloaded")),
    "overloaded_500": only(MODEL_KINDS, lambda r, s, k, m: error(500, "api_error", "Overloaded")),
    "api_error": only(MODEL_KINDS, lambda r, s, k, m: error(500, "api_error", "Internal server error")),
    "timeout_error": only(MODEL_KINDS, lambda r, s, k, m: error(504, "timeout_error", "Request timeout")),
    # as tests/recorded/providers/anthropic-api-model-not-found.json: "model: <the id asked for>"
    "model_not_found": only(MODEL_KINDS, lambda r, s, k, m: error(404, "not_found_error", f"model: {m}")),
    "nearly_exhausted": _nearly_exhausted,
    "usage_throttled": only({"usage"}, lambda r, s, k, m: error(
        429, "rate_limit_error", "Rate limited. Please try again later.", {"retry-after": "0"})),
}


def _authenticate(req: Request, sim: SimUpstream) -> Response | None:
    bearer = req.header("authorization")
    key = req.header("x-api-key")
    if sim.scheme is AuthScheme.OAUTH_BEARER:
        # The OAuth token as x-api-key alone is refused; with a Bearer present, the Bearer and
        # the oauth beta decide (LiteLLM's anthropic provider always sends some x-api-key).
        if key and not bearer:
            return error(401, "authentication_error", "invalid x-api-key")
        if bearer != f"Bearer {sim.credential}":
            return error(401, "authentication_error", "Invalid bearer token")
        if "oauth-2025-04-20" not in req.header("anthropic-beta"):
            return error(401, "authentication_error", "OAuth authentication is currently not supported.")
    elif key != sim.credential and bearer != f"Bearer {sim.credential}":
        # The API takes a key as x-api-key or as a Bearer (the anthropic SDK from 2.x sends
        # `Authorization: Bearer <api key>`: anthropic/_client.py, _api_key_auth).
        return error(401, "authentication_error", "invalid x-api-key")
    if not req.header("anthropic-version"):
        return error(400, "invalid_request_error", "anthropic-version: header is required")
    return None


def _message(model: str) -> Response:
    rid = request_id()
    return Response(200, {"id": "msg_" + rid[4:], "type": "message", "role": "assistant",
                          "model": model, "content": [{"type": "text", "text": "p"}],
                          "stop_reason": "max_tokens", "stop_sequence": None,
                          "usage": {"input_tokens": 8, "output_tokens": 1}},
                    {"request-id": rid, "anthropic-ratelimit-requests-remaining": "49"})


def _model(model: str) -> dict[str, Any]:
    return {"type": "model", "id": model, "display_name": model.replace("-", " ").title(),
            "created_at": "2026-01-01T00:00:00Z"}


def _endpoint(req: Request) -> tuple[str, str | None]:
    body = req.json() if req.method == "POST" else None
    model = body.get("model") if isinstance(body, dict) else None
    if req.method == "GET" and req.path == "/api/oauth/usage":
        return "usage", None
    if req.method == "GET" and req.path == "/v1/models":
        return "list", None
    match = MODEL_PATH.match(req.path)
    if req.method == "GET" and match:
        return "model", match.group("model")
    if req.method == "POST" and req.path == "/v1/messages":
        return "generate", model
    if req.method == "POST" and req.path == "/v1/messages/count_tokens":
        return "count", model
    return "unknown", None


def handle(req: Request, sim: SimUpstream) -> Response:
    denied = _authenticate(req, sim)
    if denied:
        return denied
    kind, model = _endpoint(req)
    if kind == "unknown":
        return error(404, "not_found_error", "Not found")
    injected = apply_fault(FAULTS, req, sim, kind, model)
    if injected is not None:
        return injected
    if kind == "usage":
        if sim.scheme is not AuthScheme.OAUTH_BEARER:
            return error(401, "authentication_error", "OAuth token required")
        return Response(200, {"five_hour": {"utilization": 25, "resets_at": iso_in(3 * 3600)},
                              "seven_day": {"utilization": 40, "resets_at": iso_in(4 * 86400)},
                              "seven_day_opus": None, "seven_day_sonnet": None,
                              "extra_usage": {"is_enabled": False}})
    if kind == "list":
        data = [_model(m) for m in sorted(sim.models)]
        return Response(200, {"data": data, "has_more": False,
                              "first_id": data[0]["id"] if data else None,
                              "last_id": data[-1]["id"] if data else None})
    if model not in sim.models:
        return error(404, "not_found_error", f"model: {model} was not found")
    if kind == "model":
        return Response(200, _model(model), {"request-id": request_id()})
    if kind == "count":
        return Response(200, {"input_tokens": 8})
    body = req.json() or {}
    if not isinstance(body.get("max_tokens"), int) or not body.get("messages"):
        return error(400, "invalid_request_error", "max_tokens: Field required")
    return _message(model)
