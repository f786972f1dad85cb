"""The Google RPC error envelope, shared by the AI Studio and Code Assist simulators."""

from __future__ import annotations

from typing import Any

from aspirectl.sandbox.httpserver import Response

TYPE = "type.googleapis.com/google.rpc."


def rpc_error(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None,
              headers: dict[str, str] | None = None) -> Response:
    # No "details" key when there are none: Google's real answers carry none then (e.g.
    # tests/recorded/providers/gemini-overloaded-503.json, gemini-internal-500.json).
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    body = {"error": error}
    return Response(code, body, headers or {})


def error_info(reason: str, domain: str, **metadata: str) -> dict[str, Any]:
    return {"@type": TYPE + "ErrorInfo", "reason": reason, "domain": domain, "metadata": metadata}


def retry_info(delay: str) -> dict[str, Any]:
    return {"@type": TYPE + "RetryInfo", "retryDelay": delay}


def quota_failure(quota_id: str, metric: str, model: str) -> dict[str, Any]:
    return {"@type": TYPE + "QuotaFailure", "violations": [{
        "quotaMetric": metric, "quotaId": quota_id,
        "quotaDimensions": {"location": "global", "model": model}, "quotaValue": "50"}]}
