"""The outcome taxonomy of a probe (no classification machinery: cheap to import)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    AUTH_INVALID = "auth_invalid"
    AUTH_EXPIRED = "auth_expired"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    BILLING = "billing"
    OVERLOADED = "overloaded"
    UPSTREAM_ERROR = "upstream_error"
    MODEL_NOT_FOUND = "model_not_found"
    BAD_REQUEST = "bad_request"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    NO_CREDENTIALS = "no_credentials"
    UNRECOGNISED = "unrecognised"  # an answer no rule knows: the status and the provider's words

    @property
    def serves(self) -> bool:
        return self in SERVING


SERVING = frozenset({Outcome.OK, Outcome.DEGRADED})


class Origin(StrEnum):
    """Who the outcome is about. Only an upstream's own answer (or its silence) says what the
    gateway would do; the others say only that aspirectl could not find out from here."""

    UPSTREAM = "upstream"  # the upstream answered, refused, reset or stayed silent
    LOCAL = "local"  # this machine: credential not set, no DNS, no route, the proxy
    DEADLINE = "deadline"  # aspirectl's own global deadline cut the probe short

    @property
    def judged(self) -> bool:
        return self is Origin.UPSTREAM

# What each outcome means for the operator, in a few words.
MEANING: dict[Outcome, str] = {
    Outcome.OK: "serves",
    Outcome.DEGRADED: "serves, but not cleanly",
    Outcome.AUTH_INVALID: "credential rejected: replace it",
    Outcome.AUTH_EXPIRED: "credential expired: the owner must refresh it",
    Outcome.FORBIDDEN: "credential not allowed to use this",
    Outcome.RATE_LIMITED: "throttled for a short while",
    Outcome.QUOTA_EXHAUSTED: "quota used up until the reset",
    Outcome.BILLING: "out of credit or over a spend cap",
    Outcome.OVERLOADED: "provider at capacity",
    Outcome.UPSTREAM_ERROR: "provider error",
    Outcome.MODEL_NOT_FOUND: "model unknown to this upstream",
    Outcome.BAD_REQUEST: "rejected: the request or the deployment's configuration must change",
    Outcome.UNREACHABLE: "cannot connect",
    Outcome.TIMEOUT: "no answer in time",
    Outcome.NO_CREDENTIALS: "credential not set",
    Outcome.UNRECOGNISED: "an answer no rule recognises: read the provider's words",
}
