"""A LiteLLM proxy as an upstream (cloud-first.ai): OpenAI-compatible plus /health."""

from __future__ import annotations

import hashlib

from aspirectl.sandbox.httpserver import Request, Response
from aspirectl.sandbox.simulators.base import Fault, SimUpstream, apply_fault, now, only, request_id

MODEL_KINDS = {"health", "generate"}


def error(status: int, message: str, kind: str | None = None, code: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"error": {"message": message, "type": kind, "param": None,
                                       "code": code if code is not None else str(status)}},
                    {"x-litellm-call-id": request_id(""), **(headers or {})})


def _gateway_auth(req: Request) -> Response:
    """An unknown key, as 1.80.0 and 1.85.0 refuse it (tests/recorded/litellm-refusals/)."""
    presented = req.header("authorization").removeprefix("Bearer ").strip()
    tail = presented[-4:] if len(presented) > 8 else "****"
    token_hash = hashlib.sha256(presented.encode()).hexdigest()
    return error(401, "Authentication Error, Invalid proxy server token passed. Received API Key = "
                 f"sk-...{tail}, Key Hash (Token) ={token_hash}. Unable to find token in cache or "
                 "`LiteLLM_VerificationTokenTable`", "token_not_found_in_db", "401")


def _unhealthy(model: str, error_text: str, status: int) -> Response:
    return Response(503, {"healthy_endpoints": [], "unhealthy_endpoints": [
        {"model": f"openai/{model}", "error": error_text, "exception_status": status,
         "model_id": "cf-" + model}], "healthy_count": 0, "unhealthy_count": 1})


def _upstream_failure(cls: str, status: int, text: str) -> Fault:
    def fault(req: Request, sim: SimUpstream, kind: str, model: str | None) -> Response | None:
        message = f"litellm.{cls}: {text}"
        if kind == "health":
            return _unhealthy(model or "?", message, status)
        if kind == "generate":
            return error(status, message, None, str(status))
        return None

    return fault


FAULTS: dict[str, Fault] = {
    "gateway_auth": lambda r, s, k, m: _gateway_auth(r),
    "upstream_auth": _upstream_failure("AuthenticationError", 401, "OpenAIException - Incorrect API "
                                       "key provided: sk-ab***wxyz."),
    # bad_gateway and connection_error repeat, word for word, what LiteLLM 1.108.7 said on
    # loopback (tests/recorded/litellm-proxy/1.108.7-outage-*-{gpt-5.5@openai-api,qwen-3.6}.json;
    # tests/test_recorded.py holds the two side by side). The others are not recorded yet.
    "bad_gateway": _upstream_failure("BadGatewayError", 502, "BadGatewayError: OpenAIException - "
                                     "Bad gateway: upstream vision backend unavailable"),
    "connection_error": _upstream_failure("InternalServerError", 500, "InternalServerError: "
                                          "OpenAIException - Connection error."),
    "service_unavailable": _upstream_failure("ServiceUnavailableError", 503, "OpenAIException - "
                                             "ServiceUnavailable"),
    "timeout": _upstream_failure("Timeout", 408, "Request timed out. Timeout passed=600.0"),
    "rate_limited": _upstream_failure("RateLimitError", 429, "RateLimitError: OpenAIException - Rate "
                                      "limit reached for requests"),
    "no_deployments": only(MODEL_KINDS, lambda r, s, k, m: error(
        429, "litellm.RateLimitError: No deployments available for selected model, Try again in 60 "
        "seconds.", "throttling_error", "429", {"retry-after": "60"})),
    "budget_exceeded": only(MODEL_KINDS, lambda r, s, k, m: error(
        400, "Budget has been exceeded! Current cost: 101.2, Max budget: 100.0", "budget_exceeded", "400")),
    "key_model_access_denied": only(MODEL_KINDS, lambda r, s, k, m: error(
        403, f"key not allowed to access model. This key can only access models=[]. Tried to access {m}",
        "key_model_access_denied", "403")),
    "invalid_model": only(MODEL_KINDS, lambda r, s, k, m: error(
        400, f"/chat/completions: Invalid model name passed in model={m}. Call `/v1/models` to view "
        "available models for your key.", "invalid_request_error", "400")),
    "not_listed": lambda r, s, k, m: None,  # handled in the model list
    # the proxy's own database is down: readiness 503, and no key can be checked (500)
    "db_down": only(MODEL_KINDS | {"list"}, lambda r, s, k, m: error(
        500, "Authentication Error - Can't reach database server at `litellm-db:5432`",
        "internal_server_error", "500")),
    "shutting_down": lambda r, s, k, m: Response(503, {"status": "shutting_down"})
    if k == "liveliness" else None,
}


def _endpoint(req: Request) -> tuple[str, str | None]:
    if req.method == "GET" and req.path in ("/health/liveliness", "/health/liveness"):
        return "liveliness", None
    if req.method == "GET" and req.path == "/health/readiness":
        return "readiness", None
    if req.method == "GET" and req.path in ("/v1/models", "/models"):
        return "list", None
    if req.method == "GET" and req.path == "/health":
        return "health", req.query.get("model")
    if req.method == "POST" and req.path in ("/v1/chat/completions", "/chat/completions"):
        body = req.json()
        return "generate", body.get("model") if isinstance(body, dict) else None
    return "unknown", None


def handle(req: Request, sim: SimUpstream) -> Response:
    kind, model = _endpoint(req)
    if kind == "liveliness":
        fault = sim.fault_for(None)
        if fault == "shutting_down":
            return Response(503, {"status": "shutting_down"})
        return Response(200, "\"I'm alive!\"")
    if kind == "readiness":
        if sim.fault == "db_down":
            return Response(503, {"detail": "Service Unhealthy (Can't reach database server at "
                                            "`litellm-db:5432`)"})
        return Response(200, {"status": "healthy", "db": "connected", "litellm_version": "1.80.0"})
    if req.header("authorization") != f"Bearer {sim.credential}":
        return _gateway_auth(req)
    if kind == "unknown":
        return error(404, "Not Found", None, "404")
    injected = apply_fault(FAULTS, req, sim, kind, model)
    if injected is not None:
        return injected
    if kind == "list":
        hidden = {m for m, f in sim.model_faults.items() if f == "not_listed"}
        if sim.fault == "not_listed":
            hidden = set(sim.models)
        data = [{"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "openai"}
                for m in sorted(sim.models - hidden)]
        return Response(200, {"object": "list", "data": data})
    if model not in sim.models:
        return FAULTS["invalid_model"](req, sim, "generate", model)  # type: ignore[return-value]
    if kind == "health":
        return Response(200, {"healthy_endpoints": [{"model": f"openai/{model}", "model_id": "cf-" + model}],
                              "unhealthy_endpoints": [], "healthy_count": 1, "unhealthy_count": 0})
    return Response(200, {"id": "chatcmpl-" + request_id("")[:20], "object": "chat.completion",
                          "created": now(), "model": model,
                          "choices": [{"index": 0, "finish_reason": "length", "message": {
                              "role": "assistant", "content": None, "reasoning_content": "The"}}],
                          "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10}},
                    {"x-litellm-call-id": request_id(""), "x-litellm-model-group": model})
