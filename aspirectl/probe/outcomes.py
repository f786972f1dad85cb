"""The outcome taxonomy, the facts a response yields, and the rule tables that classify them.

Classification never looks at the status alone: a rule matches on any combination of
status, error type/code, Google ErrorInfo reason, message text and response headers, and
each provider module contributes its own table ahead of the generic one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aspirectl.probe.taxonomy import MEANING, SERVING, Origin, Outcome

__all__ = ["MEANING", "SERVING", "Facts", "Origin", "Outcome", "Rule", "Verdict", "classify",
           "unrecognised", "verdict_from_error"]


@dataclass
class Facts:
    """Everything a response says, normalised by the provider module."""

    # (Not mutated: an annotation is never evaluated here, and each default is the field's
    # "absent"; every reader treats None, "" and () alike. scripts/mutation.)
    status: int  # pragma: no mutate
    headers: Mapping[str, str]  # pragma: no mutate
    body: Any = None  # pragma: no mutate  (parsed JSON, or None)
    text: str = ""  # pragma: no mutate  (raw body text, already capped)
    error_type: str | None = None  # pragma: no mutate
    error_code: str | None = None  # pragma: no mutate
    reasons: tuple[str, ...] = ()  # pragma: no mutate  (Google ErrorInfo reasons, quota ids, ...)
    message: str = ""  # pragma: no mutate
    retry_after_s: float | None = None  # pragma: no mutate
    reset_at: datetime | None = None  # pragma: no mutate
    request_id: str | None = None  # pragma: no mutate
    truncated: bool = False  # pragma: no mutate

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


Predicate = Callable[[Facts], bool]


def _matches(value: str | None, wanted: str | tuple[str, ...] | None) -> bool:
    if wanted is None:
        return True
    if value is None:
        return False
    return value in wanted if isinstance(wanted, tuple) else value == wanted


@dataclass(frozen=True)
class Rule:
    """One row of a classification table; ``None`` means 'any'."""

    # (Not mutated: annotations are never evaluated; the defaults are "any"; the compiled
    # pattern is derived from ``message``. scripts/mutation.)
    outcome: Outcome  # pragma: no mutate
    status: int | tuple[int, ...] | None = None  # pragma: no mutate
    error_type: str | tuple[str, ...] | None = None  # pragma: no mutate
    error_code: str | tuple[str, ...] | None = None  # pragma: no mutate
    reason: str | None = None  # pragma: no mutate  (one of facts.reasons)
    message: str | None = None  # pragma: no mutate  (case-insensitive regex searched in the message)
    header: tuple[str, str] | None = None  # pragma: no mutate  ((name, regex on its value))
    when: Predicate | None = None  # pragma: no mutate
    label: str = ""  # short explanation shown before the provider message
    _message_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)  # pragma: no mutate

    def __post_init__(self) -> None:
        if self.message:
            object.__setattr__(self, "_message_re", re.compile(self.message, re.I))

    def matches(self, facts: Facts) -> bool:
        if self.status is not None:
            wanted = self.status if isinstance(self.status, tuple) else (self.status,)
            if facts.status not in wanted:
                return False
        if not _matches(facts.error_type, self.error_type):
            return False
        if not _matches(facts.error_code, self.error_code):
            return False
        if self.reason is not None and self.reason not in facts.reasons:
            return False
        if self._message_re is not None and not self._message_re.search(facts.message or ""):
            return False
        if self.header is not None:
            name, pattern = self.header
            if not re.search(pattern, facts.header(name), re.I):
                return False
        return not (self.when is not None and not self.when(facts))


# Applied after every provider's own table: what the status alone says, where HTTP itself
# defines it (401, 402, 403, 408/504, 429, 503/529, 5xx). A 400, a 404 or any other 4xx no rule
# recognises is said to be unrecognised, with the provider's words: a 404 is as often a wrong
# base URL or route as a missing model, and a 400 as often an account problem in words no rule
# knows as a malformed request; guessing the nearest category pages the wrong person.
GENERIC_RULES: tuple[Rule, ...] = (
    Rule(Outcome.AUTH_INVALID, status=401, label="HTTP 401"),
    Rule(Outcome.BILLING, status=402, label="HTTP 402"),
    Rule(Outcome.FORBIDDEN, status=403, label="HTTP 403"),
    Rule(Outcome.TIMEOUT, status=(408, 504), label="upstream timed out"),
    Rule(Outcome.RATE_LIMITED, status=429, when=lambda f: (f.retry_after_s or 0) <= 300,
         label="HTTP 429"),
    Rule(Outcome.QUOTA_EXHAUSTED, status=429, label="HTTP 429 with a retry delay over 5 min"),
    Rule(Outcome.OVERLOADED, status=(503, 529), label="provider unavailable"),
    Rule(Outcome.UPSTREAM_ERROR, when=lambda f: f.status >= 500, label="provider error"),
)


def unrecognised(facts: Facts) -> Rule:
    """The rule for an answer no table knows: it says so, with the status."""
    return Rule(Outcome.UNRECOGNISED, label=f"unrecognised answer (HTTP {facts.status})")


def classify(facts: Facts, rules: tuple[Rule, ...]) -> Rule:
    """The first matching rule of the provider table, then of the generic one."""
    for rule in (*rules, *GENERIC_RULES):
        if rule.matches(facts):
            return rule
    return unrecognised(facts)


@dataclass(frozen=True)
class Verdict:
    """What one probe step concluded."""

    outcome: Outcome
    detail: str
    facts: Facts | None = None
    origin: Origin = Origin.UPSTREAM


def verdict_from_error(facts: Facts, rules: tuple[Rule, ...]) -> Verdict:
    rule = classify(facts, rules)
    message = facts.message.strip().splitlines()[0] if facts.message.strip() else ""
    code = facts.error_code or facts.error_type
    if code and code in message:
        code = None
    parts = [p for p in (rule.label, code, message) if p]
    detail = ": ".join(dict.fromkeys(parts)) or f"HTTP {facts.status}"
    return Verdict(rule.outcome, detail, facts)
