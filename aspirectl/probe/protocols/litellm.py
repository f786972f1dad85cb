"""A LiteLLM proxy used as an upstream (cloud-first.ai): OpenAI-compatible (auth and the
completion canary are the openai module's) plus /health and LiteLLM's own error envelope.

Default probe: /health/liveliness (process up; shared), /v1/models (the key's model groups;
shared) and /health?model=NAME, the proxy's own per-model verdict: that is how one alias
on an otherwise healthy upstream (qwen-3.6-omni's vision path) shows as failing. Canary:
POST /v1/chat/completions with max_tokens 1.
"""

from __future__ import annotations

import re

from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Outcome, Rule, Verdict, verdict_from_error

# LiteLLM speaks OpenAI's auth: `headers` is part of this module's adapter interface.
from aspirectl.probe.protocols.openai import headers as headers
from aspirectl.probe.protocols.openai import judge_completion
from aspirectl.probe.wire import as_text, dig, parse_duration

_CLASS = re.compile(r"litellm\.(\w+)")
_STATUS_IN_MESSAGE = re.compile(r"(?:Error code|status(?:_code)?)[:=]?\s*(\d{3})", re.I)

RULES: tuple[Rule, ...] = (
    Rule(Outcome.OVERLOADED, status=503, message=r"^shutting_down$",
         label="the passthrough is shutting down"),
    Rule(Outcome.AUTH_INVALID, status=401, error_type="auth_error",
         label="the passthrough rejected our virtual key"),
    Rule(Outcome.AUTH_INVALID, status=401, message=r"AuthenticationError",
         label="the passthrough's own upstream rejected its key"),
    Rule(Outcome.MODEL_NOT_FOUND, status=(400, 404), message=r"Invalid model name",
         label="model not served by the passthrough"),
    Rule(Outcome.RATE_LIMITED, status=429, message=r"No deployments available",
         label="all deployments cooling down"),
    Rule(Outcome.BILLING, error_type="budget_exceeded", label="budget exceeded"),
    Rule(Outcome.FORBIDDEN, error_type="key_model_access_denied", label="key may not use this model"),
    Rule(Outcome.RATE_LIMITED, status=429, label="rate limited"),
    Rule(Outcome.UNREACHABLE, message=r"APIConnectionError",
         label="the passthrough cannot reach its upstream"),
    Rule(Outcome.TIMEOUT, status=408, label="the passthrough's upstream timed out"),
    Rule(Outcome.UPSTREAM_ERROR, status=502, label="upstream behind the passthrough failed"),
    Rule(Outcome.OVERLOADED, status=503, message=r"ServiceUnavailable|overloaded",
         label="upstream behind the passthrough unavailable"),
)


def describe(facts: Facts) -> None:
    error = dig(facts.body, "error")
    if isinstance(error, dict):
        facts.error_type = as_text(error.get("type"))
        facts.message = str(error.get("message") or "")
        code = as_text(error.get("code"))
        match = _CLASS.search(facts.message)
        # LiteLLM's `code` is the HTTP status as a string; the exception class says more.
        facts.error_code = match.group(1) if match and (code or "").isdigit() else code
    elif isinstance(dig(facts.body, "status"), str):
        facts.message = facts.body["status"]  # /health/liveliness while shutting down
    facts.request_id = facts.header("x-litellm-call-id") or None
    facts.retry_after_s = parse_duration(facts.header("retry-after"))


def _judge_models(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    ids = [m.get("id") for m in dig(facts.body, "data") or [] if isinstance(m, dict)]
    if target.model not in ids:
        return Verdict(Outcome.MODEL_NOT_FOUND,
                       f"'{target.model}' is not among the key's model groups", facts)
    return None


def _judge_health(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    healthy = dig(facts.body, "healthy_endpoints") or []
    unhealthy = dig(facts.body, "unhealthy_endpoints") or []
    if healthy and not unhealthy:
        return None
    if healthy:
        return Verdict(Outcome.DEGRADED, f"{len(unhealthy)} of {len(healthy) + len(unhealthy)} "
                       "deployments unhealthy on the passthrough", facts)
    if not unhealthy:
        if facts.status >= 400:
            return verdict_from_error(facts, RULES)
        return Verdict(Outcome.MODEL_NOT_FOUND, f"no deployment of '{target.model}'", facts)
    first = unhealthy[0] if isinstance(unhealthy[0], dict) else {}
    error = str(first.get("error") or "unhealthy")
    status = first.get("exception_status")
    if not isinstance(status, int):
        found = _STATUS_IN_MESSAGE.search(error)
        status = int(found.group(1)) if found else 500
    inner = Facts(status=status, headers=facts.headers, message=error.splitlines()[0])
    match = _CLASS.search(error)
    inner.error_code = match.group(1) if match else None
    verdict = verdict_from_error(inner, RULES)
    return Verdict(verdict.outcome, f"passthrough health check: {verdict.detail}",
                   Facts(status=facts.status, headers=facts.headers, body=facts.body,
                         text=facts.text, error_code=inner.error_code, message=inner.message,
                         request_id=facts.request_id))


def steps(target: ProbeTarget) -> list[Step]:
    plan = [
        Step("liveliness", "GET", "/health/liveliness", "proxy alive", shared=True, auth=False),
        Step("models", "GET", "/v1/models", "model group listed", shared=True, judge=_judge_models),
        Step("health", "GET", "/health", "passthrough reports the model healthy",
             params=(("model", target.model),), judge=_judge_health,
             judged_statuses=frozenset({503})),
    ]
    if target.canary:
        plan.append(Step(
            "canary", "POST", "/v1/chat/completions", "1-token canary answered",
            json={"model": target.model, "max_tokens": 1,
                  "messages": [{"role": "user", "content": "ping"}]},
            judge=judge_completion,
        ))
    return plan
