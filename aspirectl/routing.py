"""Who serves an alias, and why: a pure function of the catalog and probe results.

Walks the alias's hops in order, then its declared fallback, and says which hop serves,
why every other hop was skipped, what it costs, and - when nothing serves - the loud
failure the gateway returns (seed table: key invalid -> 401 with model-group context,
upstream down -> 502 with the upstream message, rate limit -> 429, gateway DB down -> 500).
"""


from typing import TYPE_CHECKING, Any, NamedTuple

from aspirectl.catalog.model import Catalog, DeclaredState, DeclaredStatus, Fallback, Hop
from aspirectl.errors import UnknownName, UsageError
from aspirectl.probe.taxonomy import Outcome
from aspirectl.status import Health

if TYPE_CHECKING:
    from aspirectl.probe.report import HopResult, ProbeReport


class HopState(NamedTuple):
    alias: str
    position: int
    upstream: str
    title: str
    billing: str
    cost: str
    serves: bool
    outcome: Outcome | None  # None: not probed, judged on the declared state
    reason: str
    declared: DeclaredState | None
    result: "HopResult | None"

    @property
    def known_down(self) -> bool:
        return bool(self.declared and self.declared.known_down)

    @property
    def label(self) -> str:
        return self.outcome.value if self.outcome else ("assumed" if self.serves else "declared down")

    def to_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "position": self.position,
            "upstream": self.upstream,
            "billing": self.billing,
            "cost": self.cost,
            "serves": self.serves,
            "outcome": self.outcome.value if self.outcome else None,
            "reason": self.reason,
            "known_down": self.known_down,
            "declared_state": self.declared.to_dict() if self.declared else None,
        }


class LoudFailure(NamedTuple):
    status: int
    error_type: str
    message: str
    cause: str  # the outcome of the last hop tried

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "type": self.error_type, "message": self.message,
                "cause": self.cause}


# outcome of the last hop -> what the LiteLLM gateway answers (status, type, exception class)
GATEWAY_FAILURE: dict[Outcome, tuple[int, str, str]] = {
    Outcome.AUTH_INVALID: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.AUTH_EXPIRED: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.NO_CREDENTIALS: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.FORBIDDEN: (403, "permission_error", "litellm.PermissionDeniedError"),
    Outcome.RATE_LIMITED: (429, "rate_limit_error", "litellm.RateLimitError"),
    Outcome.QUOTA_EXHAUSTED: (429, "rate_limit_error", "litellm.RateLimitError"),
    Outcome.BILLING: (429, "rate_limit_error", "litellm.RateLimitError"),
    Outcome.OVERLOADED: (503, "internal_server_error", "litellm.ServiceUnavailableError"),
    Outcome.UPSTREAM_ERROR: (502, "internal_server_error", "litellm.BadGatewayError"),
    Outcome.UNREACHABLE: (502, "internal_server_error", "litellm.APIConnectionError: Connection error"),
    Outcome.TIMEOUT: (408, "timeout", "litellm.Timeout"),
    Outcome.MODEL_NOT_FOUND: (404, "invalid_request_error", "litellm.NotFoundError"),
    Outcome.BAD_REQUEST: (400, "invalid_request_error", "litellm.BadRequestError"),
}

class Decision(NamedTuple):
    alias: str
    family: str
    hops: tuple[HopState, ...]
    served: HopState | None
    expected: HopState | None
    fallback: Fallback | None  # the declared fallback, when it was taken
    via: "Decision | None"  # the fallback alias's own decision
    failure: LoudFailure | None
    status: Health
    reasons: tuple[str, ...]
    advice: str = ""

    @property
    def served_alias(self) -> str | None:
        return self.served.alias if self.served else None

    @property
    def walked(self) -> tuple[HopState, ...]:
        """Every hop tried, in order, across the fallback too."""
        return self.hops + (self.via.walked if self.via else ())

    @property
    def skipped(self) -> tuple[HopState, ...]:
        return tuple(h for h in self.walked if not h.serves)

    def to_dict(self) -> dict[str, Any]:
        served = self.served
        return {
            "alias": self.alias,
            "family": self.family,
            "status": self.status.name,
            "served_by": None if served is None else {
                "alias": served.alias, "upstream": served.upstream, "position": served.position,
                "billing": served.billing, "cost": served.cost,
                "outcome": served.outcome.value if served.outcome else None,
            },
            "expected_upstream": self.expected.upstream if self.expected else None,
            "via_fallback": None if self.fallback is None else {
                "alias": self.fallback.target, "cross_family": self.fallback.cross_family,
                "reason": self.fallback.reason, "advice": self.fallback.advice,
            },
            "hops": [h.to_dict() for h in self.walked],
            "failure": self.failure.to_dict() if self.failure else None,
            "reasons": list(self.reasons),
        }


def _state_of(catalog: Catalog, report: "ProbeReport | None", alias: str, position: int,
              hop: Hop) -> HopState:
    up = catalog.upstreams[hop.upstream]
    declared = catalog.declared_state(alias, hop)
    result = report.result(alias, hop.upstream) if report else None
    common = {"alias": alias, "position": position, "upstream": up.name, "title": up.title,
              "billing": up.billing.value, "cost": up.cost, "declared": declared}
    if result is not None:
        reason = result.detail
        if result.known_down and not result.serves:
            since = f" since {declared.since}" if declared and declared.since else ""
            reason = f"{reason} (declared {declared.status.value}{since}: known, not news)"  # type: ignore[union-attr]
        return HopState(serves=result.serves, outcome=result.outcome, reason=reason,
                        result=result, **common)
    if declared and declared.known_down:
        since = f" since {declared.since}" if declared.since else ""
        return HopState(serves=False, outcome=None, result=None,
                        reason=f"declared {declared.status.value}{since}: {declared.note}".rstrip(": "),
                        **common)
    note = "declared degraded" if declared and declared.status is DeclaredStatus.DEGRADED else \
        "not probed: assumed to serve"
    return HopState(serves=True, outcome=None, reason=note, result=None, **common)


def _loud_failure(alias: str, last: HopState | None) -> LoudFailure:
    outcome = last.outcome if last and last.outcome else Outcome.UNREACHABLE
    status, error_type, cls = GATEWAY_FAILURE[outcome]
    result = last.result if last else None
    if result and result.http_status and result.http_status >= 400 and outcome not in (
            Outcome.UNREACHABLE, Outcome.NO_CREDENTIALS):
        status = result.http_status if result.http_status != 529 else 503
    detail = last.reason if last else "no hop"
    where = f" from {last.upstream}" if last else ""
    message = (f"{cls}: {detail}{where}. Received Model Group={alias} — no further fallback, "
               "the gateway fails loudly")
    return LoudFailure(status, error_type, message, outcome.value)


def _judge(alias: str, hops: tuple[HopState, ...], served: HopState | None,
           expected: HopState | None, fallback: Fallback | None,
           failure: LoudFailure | None) -> tuple[Health, list[str]]:
    reasons: list[str] = []
    if failure is not None:
        if hops and all(h.outcome is Outcome.NO_CREDENTIALS or h.known_down for h in hops) and \
                any(h.outcome is Outcome.NO_CREDENTIALS for h in hops):
            return Health.UNKNOWN, [f"no credentials for any hop of {alias}"]
        return Health.CRITICAL, [f"nothing serves {alias}: the gateway answers {failure.status}"]
    assert served is not None
    status = Health.OK
    if fallback is not None:
        status = Health.WARNING
        reasons.append(f"served by {fallback.target} through the declared cross-family fallback"
                       if fallback.cross_family else f"served by fallback {fallback.target}")
    elif expected is None or served.position < expected.position:
        status = Health.WARNING
        reasons.append(f"{served.upstream} is declared "
                       f"{served.declared.status.value if served.declared else 'down'} but serves: "
                       "update the chain file")
    elif served.position > expected.position:
        status = Health.WARNING
        reasons.append(f"served by hop {served.position} ({served.upstream}, {served.cost}) "
                       f"because {expected.upstream} is {expected.label}")
    if served.outcome is Outcome.DEGRADED:
        status = Health.WARNING
        reasons.append(f"{served.upstream} serves degraded: {served.reason}")
    for hop in hops:
        if hop.position > served.position and hop.alias == served.alias and not hop.serves \
                and not hop.known_down and hop.outcome is not None:
            reasons.append(f"standby hop {hop.position} ({hop.upstream}) is {hop.outcome.value}")
    return status, reasons


def resolve(catalog: Catalog, report: "ProbeReport | None", alias: str,
            _visited: frozenset[str] = frozenset()) -> Decision:
    if alias not in catalog.aliases:
        raise UnknownName("alias", alias, catalog.aliases)
    hops = tuple(_state_of(catalog, report, alias, i, hop)
                 for i, hop in enumerate(catalog.hops(alias), 1))
    expected = next((h for h in hops if not h.known_down), None)
    served = next((h for h in hops if h.serves), None)
    fallback, via, failure = None, None, None
    if served is None:
        declared = catalog.fallback(alias)
        if declared and declared.target not in _visited | {alias}:
            via = resolve(catalog, report, declared.target, _visited | {alias})
            fallback = declared
            served = via.served
            failure = via.failure
        else:
            failure = _loud_failure(alias, hops[-1] if hops else None)
    status, reasons = _judge(alias, hops, served, expected, fallback, failure)
    advice = fallback.advice if fallback and served else ""
    return Decision(alias, catalog.aliases[alias].family, hops, served, expected, fallback, via,
                    failure, status, tuple(reasons), advice)


_RANK = {Health.OK: 0, Health.WARNING: 1, Health.UNKNOWN: 2, Health.CRITICAL: 3}


def worst(states: list[Health]) -> Health:
    """CRITICAL dominates UNKNOWN, which dominates WARNING and OK."""
    return max(states, key=_RANK.__getitem__, default=Health.OK)


class SensitivityHop(NamedTuple):
    position: int
    upstream: str
    allowed: bool
    retention: str
    why: str


def sensitivity_view(catalog: Catalog, alias: str, data_class: str) -> list[SensitivityHop]:
    """Which hops the dormant sensitivity routing would allow (the gateway does not enforce it)."""
    classes = catalog.sensitivity.classes
    if classes and data_class not in classes:
        from aspirectl.errors import did_you_mean

        raise UsageError(f"unknown sensitivity class '{data_class}'",
                         hint=did_you_mean(data_class, classes) or f"one of: {', '.join(classes)}")
    out = []
    for i, hop in enumerate(catalog.hops(alias), 1):
        up = catalog.upstreams[hop.upstream]
        allowed = data_class in up.data.cleared_for
        why = (f"retention {up.data.retention}; cleared for {', '.join(up.data.cleared_for)}"
               if up.data.cleared_for else f"retention {up.data.retention}; not assessed for any class")
        out.append(SensitivityHop(i, up.name, allowed, up.data.retention, why))
    return out
