"""The Google RPC error envelope shared by AI Studio and Code Assist."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aspirectl.probe.outcomes import Facts
from aspirectl.probe.wire import as_text, dig, parse_duration, parse_time

_RETRY_IN_MESSAGE = re.compile(r"retry in (\d+(?:\.\d+)?)\s*s\b", re.I)
_PER_DAY_IN_MESSAGE = re.compile(r"\bper day\b", re.I)
# Legacy errors[].reason values that name a daily limit (googleapis' usageLimits domain).
_DAILY_LEGACY = frozenset({"dailyLimitExceeded", "dailyLimitExceededUnreg"})
LIMIT_ZERO = "quota_limit_value:0"  # a reason of ours: the project's limit for this quota is 0


def describe(facts: Facts) -> None:
    error = dig(facts.body, "error")
    if not isinstance(error, dict):
        if isinstance(facts.body, list) and facts.body and isinstance(facts.body[0], dict):
            error = facts.body[0].get("error")  # streaming endpoints wrap errors in a list
        if not isinstance(error, dict):
            return
    facts.error_type = as_text(error.get("status"))
    facts.message = str(error.get("message") or "")
    reasons: list[str] = []
    details = error.get("details")
    for detail in details if isinstance(details, list) else []:
        if not isinstance(detail, dict):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("ErrorInfo"):
            reason = as_text(detail.get("reason"))
            if reason:
                reasons.append(reason)
                facts.error_code = facts.error_code or reason
            meta = detail.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            if meta.get("quotaResetTimeStamp"):
                facts.reset_at = parse_time(meta["quotaResetTimeStamp"])
            if meta.get("quotaResetDelay") and facts.retry_after_s is None:
                facts.retry_after_s = parse_duration(str(meta["quotaResetDelay"]))
            # Cloud quota errors name the limit only here (no QuotaFailure, no RetryInfo):
            # tech-shrimp/gemini-playground#10, google-gemini/gemini-cli#10513.
            limit = as_text(meta.get("quota_limit"))
            if limit:
                reasons.append(f"quota:{limit}")
            if str(meta.get("quota_limit_value", "")).strip() == "0":
                reasons.append(LIMIT_ZERO)
        elif kind.endswith("RetryInfo"):
            delay = parse_duration(str(detail.get("retryDelay", "")))
            if delay is not None:
                facts.retry_after_s = delay
        elif kind.endswith("QuotaFailure"):
            violations = detail.get("violations")
            for violation in violations if isinstance(violations, list) else []:
                quota_id = as_text(dig(violation, "quotaId"))
                if quota_id:
                    reasons.append(f"quota:{quota_id}")
    legacy_errors = error.get("errors")
    for legacy in legacy_errors if isinstance(legacy_errors, list) else []:
        if isinstance(legacy, dict) and legacy.get("reason"):
            reasons.append(str(legacy["reason"]))
    facts.reasons = tuple(reasons)
    if facts.retry_after_s is None:
        found = _RETRY_IN_MESSAGE.search(facts.message)
        if found:
            facts.retry_after_s = parse_duration(found.group(1))
    facts.request_id = facts.header("x-cloudaicompanion-trace-id") or facts.request_id
    if facts.reset_at is None and is_daily(facts):
        facts.reset_at = next_daily_reset()


def has_quota(facts: Facts, *needles: str) -> bool:
    return any(r.startswith("quota:") and any(n in r for n in needles) for r in facts.reasons)


def is_daily(facts: Facts) -> bool:
    """A per-day quota, however Google says it: a QuotaFailure or ErrorInfo quota id, a legacy
    errors[].reason, or only the words of the message ("... Requests per day per user ...")."""
    return (has_quota(facts, "PerDay", "Daily", "perDay")
            or any(r in _DAILY_LEGACY for r in facts.reasons)
            or bool(_PER_DAY_IN_MESSAGE.search(facts.message)))


def next_daily_reset(now: datetime | None = None) -> datetime | None:
    """Google's daily quotas reset at midnight Pacific time (the legacy body says so in words)."""
    try:
        pacific = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no tz database here: say nothing rather than guess
        return None
    local = (now or datetime.now(UTC)).astimezone(pacific)
    midnight = datetime(local.year, local.month, local.day, tzinfo=pacific) + timedelta(days=1)
    return midnight.astimezone(UTC)
