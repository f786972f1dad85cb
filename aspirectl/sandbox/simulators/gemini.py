"""Google AI Studio (Gemini API): key in x-goog-api-key (or the leaky ?key=)."""

from __future__ import annotations

import re
from typing import Any

from aspirectl.sandbox.httpserver import Request, Response
from aspirectl.sandbox.simulators.base import Fault, SimUpstream, apply_fault, only
from aspirectl.sandbox.simulators.google import error_info, quota_failure, retry_info, rpc_error

# The Gemini API serves both versions (google-genai 3.x calls /v1 by default).
MODEL_PATH = re.compile(r"^/v1(?:beta)?/models/(?P<model>[^/:]+)(?::(?P<method>\w+))?$")
MODEL_KINDS = {"model", "generate", "count"}
DOMAIN = "googleapis.com"


def _key_invalid() -> Response:
    return rpc_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
        error_info("API_KEY_INVALID", DOMAIN, service="generativelanguage.googleapis.com"),
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
         "message": "API key not valid. Please pass a valid API key."}])


def _quota(quota_id: str, retry: str, limit: int = 50) -> Fault:
    def fault(req: Request, sim: SimUpstream, kind: str, model: str | None) -> Response | None:
        if kind not in MODEL_KINDS:
            return None
        metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
        return rpc_error(429, "RESOURCE_EXHAUSTED",
                         "You exceeded your current quota, please check your plan and billing details. "
                         f"* Quota exceeded for metric: {metric}, limit: {limit}, model: {model} "
                         f"Please retry in {retry}.", [
                             {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                                 {"description": "Learn more about Gemini API quotas",
                                  "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                             quota_failure(quota_id, metric, model or ""), retry_info(retry)])

    return fault


_UNKNOWN_ROLE = ("Invalid JSON payload received. Unknown name \"role\" at 'contents[{}].parts': Cannot find "
                 "field.")

FAULTS: dict[str, Fault] = {
    "api_key_invalid": lambda r, s, k, m: _key_invalid(),
    # word for word tests/recorded/providers/gemini-leaked-key-403.json (no details at all)
    "leaked_key": lambda r, s, k, m: Response(403, {"error": {
        "code": 403, "message": "Your API key was reported as leaked. Please use another API key.",
        "status": "PERMISSION_DENIED"}}),
    # word for word tests/recorded/providers/gemini-user-location.json
    "failed_precondition": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        400, "FAILED_PRECONDITION", "User location is not supported for the API use.")),
    "permission_denied": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        403, "PERMISSION_DENIED", "Generative Language API has not been used in project 123 before or "
        "it is disabled.", [error_info("SERVICE_DISABLED", DOMAIN)])),
    "not_found": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        404, "NOT_FOUND", f"models/{m} is not found for API version v1beta, or is not supported for "
        "generateContent. Call ListModels to see the list of available models and their supported methods.")),
    "daily_quota": _quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "38s"),
    "per_minute": _quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "12s"),
    "limit_zero": _quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "38s", limit=0),
    # word for word tests/recorded/providers/gemini-overloaded-503.json and gemini-internal-500.json
    "overloaded": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        503, "UNAVAILABLE", "The model is overloaded. Please try again later.")),
    "internal": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        500, "INTERNAL", "An internal error has occurred. Please retry or report in "
        "https://developers.generativeai.google/guide/troubleshooting")),
    "deadline": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(504, "DEADLINE_EXCEEDED", "Deadline "
                                                             "expired before operation could complete.")),
    # word for word tests/recorded/providers/gemini-invalid-argument.json
    "invalid_argument": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        400, "INVALID_ARGUMENT", _UNKNOWN_ROLE.format(0) + "\n" + _UNKNOWN_ROLE.format(1), [
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [
                {"field": f"contents[{i}].parts", "description": _UNKNOWN_ROLE.format(i)}
                for i in (0, 1)]}])),
}


def _endpoint(req: Request) -> tuple[str, str | None]:
    if req.method == "GET" and req.path in ("/v1beta/models", "/v1/models"):
        return "list", None
    match = MODEL_PATH.match(req.path)
    if not match:
        return "unknown", None
    method = match.group("method")
    kinds = {(None, "GET"): "model", ("generateContent", "POST"): "generate",
             ("countTokens", "POST"): "count"}
    return kinds.get((method, req.method), "unknown"), match.group("model")


def handle(req: Request, sim: SimUpstream) -> Response:
    if (req.header("x-goog-api-key") or req.query.get("key")) != sim.credential:
        return _key_invalid()
    kind, model = _endpoint(req)
    if kind == "unknown":
        return rpc_error(404, "NOT_FOUND", "Method not found.")
    injected = apply_fault(FAULTS, req, sim, kind, model)
    if injected is not None:
        return injected
    if kind == "list":
        return Response(200, {"models": [_model(m) for m in sorted(sim.models)]})
    if model not in sim.models:
        return FAULTS["not_found"](req, sim, "model", model)  # type: ignore[return-value]
    if kind == "model":
        return Response(200, _model(model))
    if kind == "count":
        return Response(200, {"totalTokens": 1})
    return Response(200, {"candidates": [{"content": {"role": "model", "parts": []},
                                          "finishReason": "MAX_TOKENS", "index": 0}],
                          "usageMetadata": {"promptTokenCount": 1, "totalTokenCount": 2},
                          "modelVersion": model})


def _model(model: str) -> dict[str, Any]:
    return {"name": f"models/{model}", "displayName": model, "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536, "supportedGenerationMethods": ["generateContent", "countTokens"]}
