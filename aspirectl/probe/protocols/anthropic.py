"""Anthropic Messages API, by API key (x-api-key) or Claude Max OAuth (Bearer + beta).

Default probe: for OAuth the subscription quota read (/api/oauth/usage, shared by every
alias on the upstream), then GET /v1/models/{model}. The canary is POST /v1/messages with
max_tokens 1. The OAuth token is the gateway's: it is never refreshed here.
"""

from __future__ import annotations

from aspirectl.catalog.model import AuthScheme
from aspirectl.probe.adapter import Context, ProbeTarget, Step
from aspirectl.probe.outcomes import Facts, Outcome, Rule, Verdict
from aspirectl.probe.wire import as_text, dig, parse_duration, parse_time

API_VERSION = "2023-06-01"
OAUTH_BETA = "oauth-2025-04-20"
UNIFIED = "anthropic-ratelimit-unified-"

# Which weekly window also limits a model, besides five_hour and seven_day.
_MODEL_WINDOWS = (("opus", "seven_day_opus"), ("sonnet", "seven_day_sonnet"))


def _over_five_minutes(facts: Facts) -> bool:
    return (facts.retry_after_s or 0) > 300


# The causes Anthropic names in `error.details.error_code`, as the official SDK types them
# (anthropic-sdk-python 2.14.0 _error_classes.py ERROR_CLASSES: (status, code) -> error class;
# "treat an unrecognized error_code as the bare type"). Those a model request can meet and whose
# meaning the SDK documents (user_profile_* carry no description: read as their bare type).
ERROR_CODES: dict[str, tuple[Outcome, str]] = {
    "contract_spend_limit_reached": (Outcome.BILLING, "the contract's spend limit is reached"),
    "enforced_spend_limit_reached": (Outcome.BILLING, "monthly spend cap reached"),
    "linked_organization_spend_limit_reached": (Outcome.BILLING,
                                                "the linked organization's spend limit is reached"),
    "linked_organization_billing_unavailable": (Outcome.BILLING,
                                                "Anthropic cannot bill the linked organization"),
    "ramp_limit_exceeded": (Outcome.RATE_LIMITED, "usage growing faster than the ramp limit allows"),
    "organization_on_hold": (Outcome.FORBIDDEN,
                             "Anthropic put the organization on hold: only Anthropic can lift it"),
    "organization_type_not_supported": (Outcome.FORBIDDEN, "the organization's type may not use this"),
    "parent_organization_required": (Outcome.FORBIDDEN, "only organizations under a parent may use this"),
    "sandbox_egress_restricted": (Outcome.FORBIDDEN, "sent from a restricted Claude sandbox"),
    "cmek_key_disabled": (Outcome.FORBIDDEN, "the workspace's encryption key is disabled or revoked"),
    "cmek_key_network_blocked": (Outcome.FORBIDDEN,
                                 "the key service's network rules block the workspace's key"),
    "cmek_key_unreachable": (Outcome.UPSTREAM_ERROR, "the workspace's encryption key cannot be reached"),
    "cmek_context_unavailable": (Outcome.UPSTREAM_ERROR,
                                 "the workspace's encryption settings cannot be read"),
    "claude_code_key_creator_not_member": (Outcome.AUTH_INVALID,
                                           "the key's creator left the organization: issue a new key"),
    "claude_code_version_too_old": (Outcome.BAD_REQUEST,
                                    "the client version the deployment sends is too old for this model"),
}

RULES: tuple[Rule, ...] = (
    Rule(Outcome.QUOTA_EXHAUSTED, status=429, header=(UNIFIED + "status", r"^rejected$"),
         label="Claude subscription quota rejected"),
    *(Rule(outcome, error_code=code, label=label) for code, (outcome, label) in ERROR_CODES.items()),
    # A long-context request on a subscription without extra usage: a rate_limit_error no wait
    # fixes (anthropics/claude-code#42616, #50784): extra usage must be turned on, or the
    # deployment must not ask for the 1M context.
    Rule(Outcome.BILLING, status=429, message=r"Extra usage is required",
         label="Claude subscription: long-context requests need extra usage"),
    # The same cap said only in words (can1357/oh-my-pi#5418: a rate_limit_error, yet no retry helps)
    Rule(Outcome.BILLING, status=429, message=r"monthly spend limit", label="monthly spend cap reached"),
    Rule(Outcome.QUOTA_EXHAUSTED, status=429, when=_over_five_minutes,
         label="rate limited for more than 5 minutes"),
    Rule(Outcome.RATE_LIMITED, status=429, label="rate limited"),
    Rule(Outcome.OVERLOADED, status=529, label="Anthropic overloaded (not your quota)"),
    Rule(Outcome.OVERLOADED, status=500, message=r"^overloaded$", label="Anthropic overloaded"),
    # Claude subscription OAuth used by a client Anthropic counts as third-party: the request is
    # billed to extra usage, not the plan (anthropics/claude-code#45911, Wei-Shaw/sub2api#1894;
    # on a workspace plan without "your": decolua/9router#795). ("You're out of extra usage" is
    # Claude Code's own screen, not an API answer: the API said a plain rate_limit_error there,
    # anthropics/claude-code#42654; no rule reads words no recorded answer holds.)
    Rule(Outcome.BILLING, status=400, message=r"Third-party apps now draw from (your )?extra usage",
         label="Claude subscription: this client draws from paid extra usage, not the plan's limits"),
    Rule(Outcome.BILLING, status=400, message=r"credit balance is too low", label="out of credit"),
    Rule(Outcome.BILLING, status=400, message=r"spend limit|usage limits?", label="spend limit"),
    Rule(Outcome.FORBIDDEN, status=400, message=r"only authorized for use with Claude Code",
         label="OAuth credential limited to Claude Code"),
    # anthropics/claude-code#19028: the account is suspended; no key or retry helps.
    Rule(Outcome.FORBIDDEN, status=(400, 403), message=r"organization has been disabled",
         label="Anthropic disabled this organization: only Anthropic support can restore it"),
    Rule(Outcome.AUTH_EXPIRED, status=401, message=r"expired",
         label="OAuth token expired (the gateway owns its refresh)"),
    Rule(Outcome.AUTH_INVALID, status=401, label="authentication failed"),
    Rule(Outcome.BILLING, status=402, label="billing problem"),
    # anthropics/claude-code#12454: a revoked OAuth grant is a 403 permission_error, yet no
    # permission is missing: the gateway's owner must sign in again (a refresh cannot revive it).
    # (1.80.0 relays it as an APIConnectionError: the words decide, whatever the status)
    Rule(Outcome.AUTH_INVALID, message=r"token has been revoked",
         label="OAuth token revoked: sign in again to issue a new one"),
    Rule(Outcome.FORBIDDEN, status=403, error_type="permission_error", label="no permission"),
    # Anthropic names the model it does not know: "model: ID" (recorded). A 404 that names
    # nothing (a wrong base URL or route) is not read as a missing model.
    Rule(Outcome.MODEL_NOT_FOUND, status=404, error_type="not_found_error", message=r"^model: ",
         label="model not found"),
    Rule(Outcome.BAD_REQUEST, status=400, error_type="invalid_request_error", label="bad request"),
    Rule(Outcome.UPSTREAM_ERROR, status=500, label="Anthropic API error"),
    Rule(Outcome.TIMEOUT, status=504, label="Anthropic timed out"),
)


def headers(target: ProbeTarget) -> dict[str, str]:
    out = {"anthropic-version": API_VERSION}
    if target.upstream.auth.scheme is AuthScheme.OAUTH_BEARER:
        out["authorization"] = f"Bearer {target.credential}"
        out["anthropic-beta"] = OAUTH_BETA
    else:
        out["x-api-key"] = target.credential or ""
    return out


def describe(facts: Facts) -> None:
    error = dig(facts.body, "error")
    if isinstance(error, dict):
        facts.error_type = as_text(error.get("type"))
        facts.message = str(error.get("message", ""))
        facts.error_code = as_text(dig(error, "details", "error_code"))
    facts.request_id = facts.header("request-id") or as_text(dig(facts.body, "request_id"))
    facts.retry_after_s = parse_duration(facts.header("retry-after"))
    claim = facts.header(UNIFIED + "representative-claim")
    window = {"five_hour": "5h", "seven_day": "7d"}.get(claim, "")
    reset = facts.header(UNIFIED + "reset") or (window and facts.header(f"{UNIFIED}{window}-reset"))
    facts.reset_at = parse_time(reset) if reset else None
    if facts.header(UNIFIED + "status") == "rejected" and claim:
        facts.reasons = (f"window:{claim}",)


def _judge_usage(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    windows = ["five_hour", "seven_day"]
    windows += [w for key, w in _MODEL_WINDOWS if key in target.model]
    for window in windows:
        used = dig(facts.body, window, "utilization")
        if isinstance(used, (int, float)) and used >= 100:
            facts.reset_at = parse_time(dig(facts.body, window, "resets_at"))
            when = f", resets {facts.reset_at:%Y-%m-%d %H:%M}Z" if facts.reset_at else ""
            return Verdict(Outcome.QUOTA_EXHAUSTED,
                           f"Claude subscription {window} window at {used:g}%{when}", facts)
    return None


def _judge_message(facts: Facts, target: ProbeTarget, context: Context) -> Verdict | None:
    if facts.header(UNIFIED + "status") == "allowed_warning":
        return Verdict(Outcome.DEGRADED, "serves, but the subscription quota is nearly used "
                       "(anthropic-ratelimit-unified-status: allowed_warning)", facts)
    content = dig(facts.body, "content")
    if dig(facts.body, "type") != "message" or not isinstance(content, list):
        return Verdict(Outcome.DEGRADED, "200 without a message body", facts)
    return None


def steps(target: ProbeTarget) -> list[Step]:
    plan: list[Step] = []
    if target.upstream.auth.scheme is AuthScheme.OAUTH_BEARER:
        # Its own aggressive rate limit (429) and a scope error (403) prove nothing.
        plan.append(Step("usage", "GET", "/api/oauth/usage", "subscription quota has room",
                         shared=True, inconclusive=frozenset({403, 429}), judge=_judge_usage))
    plan.append(Step("model", "GET", f"/v1/models/{target.model}", "model resolves"))
    if target.canary:
        plan.append(Step(
            "canary", "POST", "/v1/messages", "1-token canary answered",
            json={"model": target.model, "max_tokens": 1,
                  "messages": [{"role": "user", "content": "ping"}]},
            judge=_judge_message,
        ))
    return plan
