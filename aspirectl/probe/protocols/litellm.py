"""A LiteLLM proxy used as an upstream (cloud-first.ai): OpenAI-compatible (auth and the
completion canary are the openai module's) plus /health and LiteLLM's own error envelope.

Default probe: /health/liveliness (process up; shared), /v1/models (the key's model groups;
shared) and /health?model=NAME, the proxy's own per-model verdict: that is how one alias
on an otherwise healthy upstream (qwen-3.6-omni's vision path) shows as failing. Canary:
POST /v1/chat/completions with max_tokens 1.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from aspirectl.litellm.errors import CLASS_STATUS, KEY_REFUSALS, MODEL_ACCESS_DENIED, find_provider
from aspirectl.probe.adapter import Context, ProbeTarget, Step, adapter_for
from aspirectl.probe.outcomes import (
    GENERIC_RULES,
    Facts,
    Outcome,
    Rule,
    Verdict,
    classify,
    verdict_from_error,
)

# LiteLLM speaks OpenAI's auth: `headers` is part of this module's adapter interface.
from aspirectl.probe.protocols.openai import headers as headers
from aspirectl.probe.protocols.openai import judge_completion
from aspirectl.probe.wire import as_text, dig, parse_duration

_CLASS = re.compile(r"litellm\.(\w+)")

_ERROR_CODE = re.compile(r"Error code: (\d{3}) - ")

RULES: tuple[Rule, ...] = (
    # What the proxy decides itself, every row read from a real answer: its liveliness while it
    # drains (1.108.7 proxy/health_endpoints/_health_endpoints.py: 503 {"status":
    # "shutting_down"}; 1.80.0 and 1.85.0 have no such answer), and its refusals of the caller
    # (tests/recorded/litellm-refusals/, captured from 1.80.0, 1.85.0 and 1.108.7; the types are
    # ProxyErrorTypes, 1.108.7 proxy/_types.py). An upstream's failure behind it is read from
    # the exception it wraps (embedded_cause), and a bare status by the generic table.
    Rule(Outcome.OVERLOADED, status=503, message=r"^shutting_down$",
         label="the passthrough is shutting down"),
    # an unknown or malformed key (token_not_found_in_db, auth_error), a blocked one (auth_error)
    Rule(Outcome.AUTH_INVALID, status=401, error_type=("auth_error", "token_not_found_in_db"),
         label="the passthrough rejected our virtual key"),
    # 401 on 1.85.0 and 1.108.7, 400 on 1.80.0
    Rule(Outcome.AUTH_EXPIRED, status=(400, 401), error_type="expired_key",
         label="our virtual key on the passthrough has expired"),
    Rule(Outcome.UPSTREAM_ERROR, error_type="no_db_connection",
         label="the passthrough cannot check keys: it has no database"),
    # a group it does not have: 400, typed None (1.80.0, 1.85.0) or invalid_request_error
    Rule(Outcome.MODEL_NOT_FOUND, status=400, message=r"Invalid model name",
         label="model not served by the passthrough"),
    # our key's own budget there: 400 on 1.80.0, 429 on 1.85.0, 422 on 1.108.7
    Rule(Outcome.BILLING, error_type="budget_exceeded", label="budget exceeded"),
    # 401 on 1.80.0, 403 after
    Rule(Outcome.FORBIDDEN, error_type=tuple(sorted(MODEL_ACCESS_DENIED)),
         label="our key may not use this model on the passthrough"),
    # our key's own rate limit there ("Rate limit exceeded for api_key: ...")
    Rule(Outcome.RATE_LIMITED, status=429, label="rate limited"),
)


def describe(facts: Facts) -> None:
    error = dig(facts.body, "error")
    if isinstance(error, dict):
        facts.error_type = as_text(error.get("type"))
        facts.message = str(error.get("message") or "")
        code = as_text(error.get("code"))
        match = _CLASS.search(facts.message)
        # LiteLLM's `code` is the HTTP status as a string; the exception class says more.
        facts.error_code = match.group(1) if match and code and code.isdigit() else code
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


# What a LiteLLM error string says, read from the exception class it names and the provider's
# own error embedded in it (the status LiteLLM puts on it is its mapping, not the cause:
# OpenAI's insufficient_quota arrives as a RateLimitError/429, Anthropic's overload as an
# InternalServerError/500, a refused upstream as "InternalServerError ... Connection error.").
# (needle in the text before the stack trace, outcome, label); the first match wins.
EMBEDDED: tuple[tuple[str, Outcome, str], ...] = (
    # Each needle is read in a recorded answer whose provider body no provider rule reads on its
    # own (tests/recorded/: the proxy's outages and relays), and says more than the class it
    # names; the ones no recorded answer held (insufficient_quota, billing_error, PerDay,
    # invalid_api_key, not_found_error, ...) or whose class says the same (rate_limit_error,
    # authentication_error, "UNAVAILABLE") are gone.
    # BudgetExceededError's message (1.108.7 exceptions.py, proxy/auth/auth_checks.py), relayed
    # by a LiteLLM in front of it as "BadRequestError: OpenAIException - Budget has been exceeded!"
    ("Budget has been exceeded", Outcome.BILLING, "budget exceeded on the passthrough"),
    ("The model is overloaded", Outcome.OVERLOADED, "the upstream behind the passthrough is overloaded"),
    ("permission_error", Outcome.FORBIDDEN, "not allowed behind the passthrough"),
    ("Connection error", Outcome.UNREACHABLE, "the passthrough cannot reach its upstream"),
)
# The exception class LiteLLM names ("litellm.NotFoundError: ..."; the last one named, when it
# nests them). Every class is held to str() of LiteLLM's own exception on each release
# (tests/test_relayed.py): BudgetExceededError names no class (its words are a needle above)
# and ContextWindowExceededError ends in "litellm.BadRequestError: ...", so neither is a row.
EXCEPTION_CLASS: dict[str, tuple[Outcome, str]] = {
    "RateLimitError": (Outcome.RATE_LIMITED, "rate limited behind the passthrough"),
    "AuthenticationError": (Outcome.AUTH_INVALID, "the passthrough's own upstream key is rejected"),
    "PermissionDeniedError": (Outcome.FORBIDDEN, "not allowed behind the passthrough"),
    "NotFoundError": (Outcome.MODEL_NOT_FOUND, "the model is unknown behind the passthrough"),
    "ServiceUnavailableError": (Outcome.OVERLOADED, "the upstream behind the passthrough is unavailable"),
    "InternalServerError": (Outcome.UPSTREAM_ERROR, "the upstream behind the passthrough failed"),
    "BadGatewayError": (Outcome.UPSTREAM_ERROR, "the upstream behind the passthrough failed"),
    "APIError": (Outcome.UPSTREAM_ERROR, "the upstream behind the passthrough failed"),
    "Timeout": (Outcome.TIMEOUT, "the passthrough's upstream timed out"),
    "APIConnectionError": (Outcome.UNREACHABLE, "the passthrough cannot reach its upstream"),
    "BadRequestError": (Outcome.BAD_REQUEST, "request rejected behind the passthrough"),
}
# Where LiteLLM's insides begin in an error message: its stack trace, or a Python traceback
# (a custom provider's error on 1.80.0 and 1.85.0, recorded).
_TRACE = r"\nstack trace:|Traceback \(most recent call last\)"
# ... and where its router's fallback notes begin (1.80.0/1.85.0 and 1.108.7 wording): the
# cause is before both.
_CUT = re.compile(_TRACE + r"|No fallback model group found|(?:\. )?Received Model Group="
                  r"|LiteLLM: model group '", re.I)


def without_trace(text: str) -> str:
    """A LiteLLM error message without its stack trace or traceback (the fallback notes stay)."""
    return re.split(_TRACE, text)[0].rstrip()


def _cause_part(text: str) -> str:
    """A LiteLLM error message before its stack trace and its router's notes."""
    return _CUT.split(text)[0]


# The provider exception LiteLLM wraps ("AnthropicException - {...}", "geminiException - {...}",
# "OpenAIException - <message>", "DashscopeException - Error code: 429 - {'error': ...}": every
# prefix LiteLLM writes, litellm.errors) is read by the protocol module of that provider's wire
# format. The status is LiteLLM's mapping of the class, unless the wrapped body states its own.


# Error types a LiteLLM passthrough answers with that the gateway relays as they are
# (recorded: 1.108.7 answers a passthrough's budget 400 typed "budget_exceeded"; 1.80.0 and
# 1.85.0 send no type): (status, words in the error) -> type.
RELAYED_TYPES: tuple[tuple[int, str, str], ...] = (
    (400, "budget has been exceeded", "budget_exceeded"),
)


def relayed_type(status: int, text: str) -> str | None:
    lowered = text.lower()
    return next((t for s, words, t in RELAYED_TYPES if s == status and words in lowered), None)


class Embedded(NamedTuple):
    """What a LiteLLM error string says about its cause."""

    outcome: Outcome
    label: str
    cls: str | None  # the LiteLLM exception class it names
    retry_after_s: float | None = None  # pragma: no mutate  (annotation) from the wrapped body's RetryInfo
    reset_at: datetime | None = None  # pragma: no mutate  (annotation)


def _wrapped_body(rest: str) -> Any:
    """The provider's body after a prefix: JSON, or the Python literal the OpenAI SDK prints
    (single quotes, None); None for words, a cut body or anything hostile."""
    if not rest.startswith(("{", "[")) or len(rest) > 65536:
        return None
    try:
        return json.JSONDecoder().raw_decode(rest)[0]
    except (ValueError, RecursionError):
        pass
    depth = 0
    for index, char in enumerate(rest):  # the literal's own extent: where its brackets balance
        depth += {"{": 1, "[": 1, "}": -1, "]": -1}.get(char, 0)
        if depth == 0:
            end = index + 1
            break
    else:
        return None  # they never do: a body cut short
    try:
        value = ast.literal_eval(rest[:end])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (dict, list)) else None


def _provider_reading(head: str, cls: str | None, headers: Mapping[str, str]) -> Embedded | None:
    """The wrapped provider error read by that provider's own rules, if one of its specific rules
    (not the status-only generic ones) recognises it. ``headers`` are the provider's own
    response headers where the gateway relayed them (1.108.7 does, on errors too)."""
    found = find_provider(head)
    if not found:
        return None
    protocol, end = found
    module = adapter_for(protocol)
    rest = head[end:].strip()
    status = CLASS_STATUS.get(cls, 500) if cls else 500  # a class it does not name: a server error
    said = _ERROR_CODE.match(rest)  # the OpenAI SDK's "Error code: 429 - {'error': {...}}"
    if said:
        status, rest = int(said.group(1)), rest[said.end():]
    body = _wrapped_body(rest)
    if body is None:  # only words (OpenAI's message): the openai envelope around them
        body = {"error": {"message": rest}}
    code = dig(body, "error", "code")
    if isinstance(code, int) and 400 <= code <= 599:  # Google's envelope states the real status
        status = code
    inner = Facts(status=status, headers=dict(headers), body=body, text=rest)
    module.describe(inner)
    rule = classify(inner, module.RULES)
    # A rule that reads the status alone knows no more than LiteLLM's class: let the needles
    # and the class speak (LiteLLM's status is its mapping, not the provider's).
    specific = any(v is not None for v in (rule.error_type, rule.error_code, rule.reason, rule.message,
                                            rule.header, rule.when))
    if rule in GENERIC_RULES or not specific:
        return None
    return Embedded(rule.outcome, f"{rule.label} (behind the passthrough)", cls, inner.retry_after_s,
                    inner.reset_at)


def embedded_cause(text: str, headers: Mapping[str, str] | None = None) -> Embedded | None:
    """The cause a LiteLLM error string names, or None if it names none: the wrapped provider
    error read by that provider's rules (with the provider's relayed ``headers``, if any), then
    the needles, then the class."""
    head = _cause_part(text)
    classes = _CLASS.findall(head)
    cls = classes[-1] if classes else None  # "litellm.RateLimitError: litellm.RateLimitError: ..."
    provider = _provider_reading(head, cls, headers or {})
    if provider is not None:
        return provider
    for needle, outcome, label in EMBEDDED:
        if needle in head:
            return Embedded(outcome, label, cls)
    if cls in EXCEPTION_CLASS:
        outcome, label = EXCEPTION_CLASS[cls]
        return Embedded(outcome, label, cls)
    return None


def _for_model(entries: list[Any], model: str) -> list[Any]:
    """The entries of the probed model group. With background health checks on, 1.80.0's /health
    ignores ?model= and lists every deployment by its provider model alone (its
    health_check.py shows only "model" and "mode_error"; 1.85.0 and 1.108.7 answer for the
    group asked, each entry with its "model_id": recorded): keep those whose provider model is
    the group or ends in it; if none does (a passthrough's own model strings), the answer is
    about the asked model already."""
    mine = [e for e in entries if isinstance(e, dict) and isinstance(m := e.get("model"), str)
            and (m == model or m.endswith("/" + model))]
    return mine or list(entries)


def _judge_health(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    healthy_all = dig(facts.body, "healthy_endpoints") or []
    unhealthy_all = dig(facts.body, "unhealthy_endpoints") or []
    if not isinstance(healthy_all, list) or not isinstance(unhealthy_all, list):
        return Verdict(Outcome.UPSTREAM_ERROR, "passthrough health answer of an unknown shape", facts)
    everything = [*healthy_all, *unhealthy_all]
    mine = {id(e) for e in _for_model(everything, target.model)}
    healthy = [e for e in healthy_all if id(e) in mine]
    unhealthy = [e for e in unhealthy_all if id(e) in mine]
    if healthy and not unhealthy:
        return None
    if healthy:
        return Verdict(Outcome.DEGRADED, f"{len(unhealthy)} of {len(healthy) + len(unhealthy)} "
                       "deployments unhealthy on the passthrough", facts)
    if not unhealthy:
        if facts.status >= 400 and not (isinstance(facts.body, dict) and "healthy_endpoints" in facts.body):
            return verdict_from_error(facts, RULES)
        # Both lists empty: no group of that name (recorded: 200 on 1.80.0, 503 on 1.85.0+).
        return Verdict(Outcome.MODEL_NOT_FOUND, f"no deployment of '{target.model}' in the passthrough's "
                       "health answer", facts)
    first = unhealthy[0] if isinstance(unhealthy[0], dict) else {}
    error = str(first.get("error") or "unhealthy")
    cause = embedded_cause(error)
    message = (_cause_part(error).strip().splitlines() or ["unhealthy"])[0]
    # The status the model answers a request with is the entry's exception_status (the /health
    # answer itself is 503 whatever the cause, recorded): that is the hop's status, the one
    # the gateway passes on when nothing else serves (recorded: 429 for a rate limit, 400 for
    # the passthrough's budget).
    seen = first.get("exception_status")
    answered = seen if isinstance(seen, int) and not isinstance(seen, bool) and 400 <= seen <= 599 else None
    if cause is not None:
        outcome, label, cls = cause.outcome, cause.label, cause.cls
        said = f" (LiteLLM's status {seen})" if answered else ""
        detail = f"passthrough health check: {label}{said}: {message}"
        return Verdict(outcome, detail, Facts(status=answered or facts.status, headers=facts.headers,
                                              body=None, text=message, error_code=cls, message=message,
                                              request_id=facts.request_id))
    # an exception class LiteLLM names but no row reads: its status where the entry says it
    # (1.85.0 on), else a server error (1.80.0 says none)
    inner = Facts(status=answered or 500, headers=facts.headers, message=message)
    verdict = verdict_from_error(inner, RULES)
    return Verdict(verdict.outcome, f"passthrough health check: {verdict.detail}",
                   Facts(status=answered or facts.status, headers=facts.headers, body=None, text=message,
                         message=message, request_id=facts.request_id))


# Errors the passthrough decides itself (our virtual key, its budgets and model access): its
# envelope's type says so and RULES read it. Anything else carries an upstream's failure.
# (Every release types any 429 "throttling_error", an upstream's included: recorded, so not here.)
_OWN_TYPES = KEY_REFUSALS | MODEL_ACCESS_DENIED | {"budget_exceeded"}


def judge_canary(facts: Facts, target: ProbeTarget, context: Context,
                 relayed: Mapping[str, str] | None = None) -> Verdict | None:
    """A completion's answer; an error by the cause it wraps (read with the provider's own
    ``relayed`` headers where a gateway passed them on)."""
    if facts.status < 400:
        return judge_completion(facts, target, context)
    cause = None if facts.error_type in _OWN_TYPES else embedded_cause(facts.message, relayed)
    if cause is None:
        return verdict_from_error(facts, RULES)
    facts.error_code = cause.cls or facts.error_code
    if facts.retry_after_s is None:
        facts.retry_after_s = cause.retry_after_s
    facts.reset_at = facts.reset_at or cause.reset_at
    return Verdict(cause.outcome, f"{cause.label}: {_cause_part(facts.message).strip()}", facts)


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
            # every error: a wrapped 400/401/403/404 names its cause as a 429 or a 5xx does
            judge=judge_canary, judged_statuses=frozenset(range(400, 600)),
        ))
    return plan
