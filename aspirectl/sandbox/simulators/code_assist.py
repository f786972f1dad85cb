"""Google Code Assist (cloudcode-pa v1internal), gemini-cli's free tier behind OAuth."""

from __future__ import annotations

from aspirectl.sandbox.httpserver import Request, Response
from aspirectl.sandbox.simulators.base import Fault, SimUpstream, apply_fault, iso_in, only, request_id
from aspirectl.sandbox.simulators.google import error_info, retry_info, rpc_error

DOMAIN = "cloudcode-pa.googleapis.com"
PROJECT = "sandbox-companion-4821"
MODEL_KINDS = {"generate", "count"}


def _trace() -> dict[str, str]:
    return {"x-cloudaicompanion-trace-id": request_id("")}


def _capacity(status: int) -> Fault:
    code = "UNAVAILABLE" if status == 503 else "RESOURCE_EXHAUSTED"
    return only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        status, code, f"No capacity available for model {m} on the server",
        [error_info("MODEL_CAPACITY_EXHAUSTED", DOMAIN, model=m or ""), retry_info("40s")], _trace()))


FAULTS: dict[str, Fault] = {
    "capacity": _capacity(429),
    "capacity_503": _capacity(503),
    "quota_exhausted": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        429, "RESOURCE_EXHAUSTED", "You have exhausted your capacity on this model. Your quota will "
        "reset after 8h44m7s.", [error_info("QUOTA_EXHAUSTED", DOMAIN, uiMessage="true", model=m or "",
                                            quotaResetDelay="31447.91s", quotaResetTimeStamp=iso_in(31448)),
                                 retry_info("31447.910400305s")], _trace())),
    "rate_limit": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        429, "RESOURCE_EXHAUSTED", "Rate limit exceeded.",
        [error_info("RATE_LIMIT_EXCEEDED", DOMAIN), retry_info("10s")], _trace())),
    "g1_credits": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        429, "RESOURCE_EXHAUSTED", "Insufficient credits.",
        [error_info("INSUFFICIENT_G1_CREDITS_BALANCE", DOMAIN)], _trace())),
    "validation_required": lambda r, s, k, m: rpc_error(
        403, "PERMISSION_DENIED", "Verify your account to continue.",
        [error_info("VALIDATION_REQUIRED", DOMAIN),
         {"@type": "type.googleapis.com/google.rpc.Help",
          "links": [{"description": "Verify", "url": "https://accounts.google.com/signin/continue"}]}]),
    # word for word tests/recorded/providers/google-unauthenticated-401.json (Google's auth front)
    "unauthenticated": lambda r, s, k, m: rpc_error(
        401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 "
        "access token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."),
    "not_found": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        404, "NOT_FOUND", f"Requested entity was not found: model {m}")),
    # word for word tests/recorded/providers/gemini-bare-429.json (Google's RPC envelope, no details)
    "bare_429": only(MODEL_KINDS, lambda r, s, k, m: rpc_error(
        429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")),
    "not_onboarded": only({"load"}, lambda r, s, k, m: Response(200, {
        "allowedTiers": [{"id": "free-tier", "name": "Gemini Code Assist for individuals"}],
        "ineligibleTiers": [{"reasonCode": "VALIDATION_REQUIRED", "reasonMessage": "Verify your account",
                             "validationUrl": "https://accounts.google.com/signin/continue"}]})),
    "bucket_empty": only({"quota"}, lambda r, s, k, m: Response(200, {"buckets": [
        {"modelId": model, "tokenType": "REQUESTS", "remainingFraction": 0, "remainingAmount": "0",
         "resetTime": iso_in(6 * 3600)} for model in sorted(s.models)]})),
}


def _endpoint(req: Request) -> tuple[str, str | None]:
    if req.method != "POST" or not req.path.startswith("/v1internal:"):
        return "unknown", None
    method = req.path.split(":", 1)[1]
    body = req.json() if isinstance(req.json(), dict) else {}
    model = body.get("model") or (body.get("request") or {}).get("model")
    if isinstance(model, str):
        model = model.removeprefix("models/")
    kinds = {"loadCodeAssist": "load", "retrieveUserQuota": "quota", "generateContent": "generate",
             "countTokens": "count"}
    return kinds.get(method, "unknown"), model if isinstance(model, str) else None


def handle(req: Request, sim: SimUpstream) -> Response:
    if req.header("authorization") != f"Bearer {sim.credential}":
        return FAULTS["unauthenticated"](req, sim, "any", None)  # type: ignore[return-value]
    kind, model = _endpoint(req)
    if kind == "unknown":
        return rpc_error(404, "NOT_FOUND", "Method not found.")
    injected = apply_fault(FAULTS, req, sim, kind, model)
    if injected is not None:
        return injected
    if kind == "load":
        return Response(200, {"currentTier": {"id": "free-tier", "name": "Gemini Code Assist for "
                                              "individuals"},
                              "allowedTiers": [{"id": "free-tier", "isDefault": True}],
                              "cloudaicompanionProject": PROJECT})
    body = req.json() or {}
    if kind == "quota":
        if body.get("project") != PROJECT:
            return rpc_error(403, "PERMISSION_DENIED", "Permission denied on project.")
        return Response(200, {"buckets": [{"modelId": m, "tokenType": "REQUESTS",
                                           "remainingFraction": 0.87, "resetTime": iso_in(6 * 3600)}
                                          for m in sorted(sim.models)]})
    if model not in sim.models:
        return FAULTS["not_found"](req, sim, "generate", model)  # type: ignore[return-value]
    if kind == "count":
        return Response(200, {"totalTokens": 1})
    if body.get("project") != PROJECT:
        return rpc_error(400, "FAILED_PRECONDITION", "Precondition Failed")
    return Response(200, {"response": {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "p"}]}, "finishReason": "MAX_TOKENS"}], "usageMetadata": {"totalTokenCount": 2},
        "modelVersion": model}, "traceId": request_id("")}, _trace())
