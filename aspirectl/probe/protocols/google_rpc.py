"""The Google RPC error envelope shared by AI Studio and Code Assist."""

from __future__ import annotations

import re

from aspirectl.probe.outcomes import Facts
from aspirectl.probe.wire import as_text, dig, parse_duration, parse_time

_RETRY_IN_MESSAGE = re.compile(r"retry in (\d+(?:\.\d+)?)\s*s\b", re.I)


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


def has_quota(facts: Facts, *needles: str) -> bool:
    return any(r.startswith("quota:") and any(n in r for n in needles) for r in facts.reasons)
