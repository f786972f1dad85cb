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
    def unjudged(self) -> bool:
        """Probed, but not answered for by the upstream: a cause on this machine (credential
        not set, no DNS, no route) or aspirectl's own deadline. Says nothing about the gateway."""
        return self.result is not None and not self.serves and not self.result.judged

    @property
    def label(self) -> str:
        """The outcome code (stable, greppable), or what the offline view assumes."""
        if self.outcome is None:
            return "assumed" if self.serves else "declared down"
        return self.outcome.value

    @property
    def why_not(self) -> str:
        """Why the hop does not serve, as prose: 'quota_exhausted (quota used up until the reset)'."""
        from aspirectl.probe.taxonomy import MEANING

        return f"{self.label} ({MEANING[self.outcome]})" if self.outcome else self.label

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
            "judged": not self.unjudged,
            "declared_state": self.declared.to_dict() if self.declared else None,
        }


class LoudFailure(NamedTuple):
    status: int
    error_type: str
    message: str
    cause: str  # the outcome of the last hop tried
    # probed through the gateway, and the gateway itself gave no answer at all: callers get no
    # error from it either (no status, no type), only their own connection error
    gateway_down: bool = False

    def to_dict(self) -> dict[str, Any]:
        if self.gateway_down:
            return {"status": None, "type": None, "message": self.message, "cause": self.cause,
                    "gateway_down": True}
        return {"status": self.status, "type": self.error_type, "message": self.message,
                "cause": self.cause}

    @property
    def said(self) -> str:
        """What callers get, in the words every output uses."""
        if self.gateway_down:
            return "no answer: the gateway itself is down"
        return f"{self.status} {self.error_type}"


# outcome of the last hop -> what the LiteLLM gateway answers (status, type, exception class)
GATEWAY_FAILURE: dict[Outcome, tuple[int, str, str]] = {
    Outcome.AUTH_INVALID: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.AUTH_EXPIRED: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.NO_CREDENTIALS: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.FORBIDDEN: (403, "permission_error", "litellm.PermissionDeniedError"),
    # Recorded (tests/recorded/litellm-proxy/*-out-of-credit-chat-*, *-throttled-chat-*): every
    # release types an upstream's 429 "throttling_error", a spend cap and a quota included.
    Outcome.RATE_LIMITED: (429, "throttling_error", "litellm.RateLimitError"),
    Outcome.QUOTA_EXHAUSTED: (429, "throttling_error", "litellm.RateLimitError"),
    Outcome.BILLING: (429, "throttling_error", "litellm.RateLimitError"),
    # Recorded from the real proxy (tests/recorded/litellm-proxy/*-outage-chat-*.json, 1.80.0,
    # 1.85.0, 1.108.7): Anthropic's 529 and Gemini's 503 overload both arrive as 500
    # InternalServerError, a refused upstream as 500 "... Connection error.", an upstream 502
    # as 502 BadGatewayError.
    Outcome.OVERLOADED: (500, "internal_server_error", "litellm.InternalServerError"),
    Outcome.UPSTREAM_ERROR: (502, "internal_server_error", "litellm.BadGatewayError"),
    Outcome.UNREACHABLE: (500, "internal_server_error", "litellm.InternalServerError: Connection error."),
    Outcome.TIMEOUT: (408, "timeout", "litellm.Timeout"),
    Outcome.MODEL_NOT_FOUND: (404, "invalid_request_error", "litellm.NotFoundError"),
    Outcome.BAD_REQUEST: (400, "invalid_request_error", "litellm.BadRequestError"),
    # Not recognised: the upstream's own status passes on (_loud_failure), named by its class.
    Outcome.UNRECOGNISED: (500, "internal_server_error", "litellm.APIError"),
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
    advice: str  # the declared fallback's advice, when it serves

    @property
    def served_alias(self) -> str | None:
        return self.served.alias if self.served else None

    @property
    def served_text(self) -> str:
        """Who serves, in the words every output uses: 'openai-api (hop 2)', 'claude-haiku-4-5
        via anthropic-oauth (cross-family fallback)', 'FAILS LOUDLY: 500 ...'."""
        if self.served is None:
            f = self.failure
            if f is None:
                return "unknown from here"
            return "GATEWAY DOWN: no answer" if f.gateway_down else f"FAILS LOUDLY: {f.status} {f.error_type}"
        served = self.served
        if self.fallback is not None:
            kind = "cross-family fallback" if self.fallback.cross_family else "fallback"
            return f"{self.fallback.target} via {served.upstream} ({kind})"
        return f"{served.upstream} (hop {served.position})"

    # The health meaning of the decision, defined once here and read by every renderer
    # (table, Nagios, Prometheus, JSON, HTML), so that no two outputs can disagree.

    @property
    def on_later_hop(self) -> bool:
        """Served, but not by the first hop that is expected to serve (a later hop of its own
        chain, or a declared fallback)."""
        served, expected = self.served, self.expected
        if served is None:
            return False
        return self.fallback is not None or (expected is not None and served.position > expected.position)

    @property
    def degraded(self) -> bool:
        return self.served is not None and self.served.outcome is Outcome.DEGRADED

    @property
    def failing(self) -> bool:
        """Nothing serves, and upstream answers say so: the gateway fails loudly."""
        return self.failure is not None

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
            "on_later_hop": self.on_later_hop,
            "degraded": self.degraded,
            "reasons": list(self.reasons),
        }


def _state_of(catalog: Catalog, report: "ProbeReport | None", alias: str, position: int,
              hop: Hop) -> HopState:
    up = catalog.upstreams[hop.upstream]
    declared = catalog.declared_state(alias, hop)
    result = report.result(alias, hop.upstream) if report else None
    common: dict[str, Any] = {"alias": alias, "position": position, "upstream": up.name,
                              "title": up.title, "billing": up.billing.value, "cost": up.cost,
                              "declared": declared}
    if result is not None:
        reason = result.detail
        if result.known_down and not result.serves and declared is not None:
            since = f" since {declared.since}" if declared.since else ""
            reason = f"{reason}; declared {declared.status.value}{since}, so known and not news"
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


def _not_judged(hops: tuple[HopState, ...]) -> list[HopState]:
    """Hops that could decide the alias but were not answered for by their upstream."""
    return [h for h in hops if h.unjudged and not h.known_down]


def _local_cause(hops: list[HopState]) -> str:
    return "; ".join(f"{h.upstream}: {h.reason}" for h in hops)


def _first_judged(hops: tuple[HopState, ...]) -> HopState:
    """The hop whose error the gateway returns when every fallback failed: LiteLLM answers with
    the error of the model group the caller asked for, i.e. of its first hop, not the last
    fallback's (recorded on 1.80.0, 1.85.0 and 1.108.7: gpt-5.5's refused codex-shim, 500,
    while its fallback to the OpenAI API answered 502; tests/test_gateway.py). Every alias has
    a hop: the catalog refuses an empty chain."""
    judged = [h for h in hops if not h.unjudged]
    return judged[0] if judged else hops[0]


def _loud_failure(alias: str, last: HopState, via_gateway: bool = False) -> LoudFailure:
    outcome = last.outcome or Outcome.UNREACHABLE  # not probed (offline): a hop declared down
    if via_gateway and last.result is not None and last.result.http_status is None \
            and outcome in (Outcome.UNREACHABLE, Outcome.TIMEOUT):
        # Probed through the gateway and no HTTP answer came back: the gateway is what is down
        # (an upstream down behind it is an answer, the gateway's 500 "Connection error").
        return LoudFailure(0, "", last.reason, outcome.value, gateway_down=True)
    status, error_type, cls = GATEWAY_FAILURE[outcome]
    result = last.result
    # The upstream's own status passes through, except where the real proxy was recorded
    # mapping it: a refused connection, and an overload answered 529 (Anthropic) or 503
    # (Gemini), are 500. (Code Assist's capacity 429 passes through: the exported provider
    # raises LiteLLM's RateLimitError.)
    mapped = outcome in (Outcome.UNREACHABLE, Outcome.NO_CREDENTIALS) or (
        outcome is Outcome.OVERLOADED and result is not None and result.http_status in (503, 529))
    if result and result.http_status and result.http_status >= 400 and not mapped:
        if result.http_status != status:
            # LiteLLM names the exception and types the error by the status it passes on
            # (recorded: the passthrough's budget 400 arrives as BadRequestError; Code Assist's
            # capacity 429 as RateLimitError typed throttling_error, not as an overload's 500).
            from aspirectl.litellm.errors import class_for_status
            from aspirectl.probe.protocols.litellm import relayed_type

            named = class_for_status(result.http_status)
            cls = f"litellm.{named}" if named else cls
            error_type = relayed_type(result.http_status, result.detail) or next(
                (t for s, t, _ in GATEWAY_FAILURE.values() if s == result.http_status), error_type)
        status = result.http_status
    message = (f"{cls}: {last.reason} from {last.upstream}. Received Model Group={alias} — no further "
               "fallback, the gateway fails loudly")
    return LoudFailure(status, error_type, message, outcome.value)


def _judge(alias: str, hops: tuple[HopState, ...], served: HopState | None,
           expected: HopState | None, fallback: Fallback | None,
           failure: LoudFailure | None) -> tuple[Health, list[str]]:
    reasons: list[str] = []
    before = [h for h in hops if served is None or h.position < served.position or h.alias != served.alias]
    blind = _not_judged(tuple(before))
    if blind:
        # Whether an earlier hop would serve is unknown from here: never a gateway prediction.
        if served is None:
            return Health.UNKNOWN, [f"cannot tell whether anything serves {alias}: {_local_cause(blind)}"]
        return Health.UNKNOWN, [f"served at least by {served.upstream} (hop {served.position}); whether "
                                f"an earlier hop serves is unknown: {_local_cause(blind)}"]
    if failure is not None:
        if failure.gateway_down:
            return Health.CRITICAL, [f"nothing serves {alias}: the gateway itself does not answer "
                                     f"({failure.message})"]
        return Health.CRITICAL, [f"nothing serves {alias}: the gateway answers {failure.status}"]
    if served is None:
        return Health.UNKNOWN, [f"cannot tell whether anything serves {alias}"]
    status = Health.OK
    if fallback is not None:
        status = Health.WARNING
        reasons.append(f"served by {fallback.target} through the declared cross-family fallback"
                       if fallback.cross_family else f"served by fallback {fallback.target}")
    elif expected is None or served.position < expected.position:
        status = Health.WARNING
        declared = served.declared.status.value if served.declared else "down"
        reasons.append(f"{served.upstream} serves although the chain file declares it {declared}: "
                       "a change of state, update the chain file")
    elif served.position > expected.position:
        status = Health.WARNING
        reasons.append(f"served by hop {served.position} ({served.upstream}, {served.cost}) "
                       f"because {expected.upstream} does not serve: {expected.why_not}")
    if served.outcome is Outcome.DEGRADED:
        status = Health.WARNING
        reasons.append(f"{served.upstream} serves degraded: {served.reason}")
    for hop in hops:
        if hop.position > served.position and hop.alias == served.alias and not hop.serves \
                and not hop.known_down and hop.outcome is not None:
            reasons.append(f"standby hop {hop.position} ({hop.upstream}) does not serve: {hop.why_not}")
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
    through = bool(report is not None and report.via)
    if served is None and _not_judged(hops):
        pass  # unknown from here: neither the fallback nor a loud failure can be predicted
    elif served is None:
        declared = catalog.fallback(alias)
        if declared and declared.target not in _visited | {alias}:
            via = resolve(catalog, report, declared.target, _visited | {alias})
            fallback = declared
            served = via.served
            if served is None and via.failure is not None:
                failure = _loud_failure(alias, _first_judged(hops), through)
        else:
            failure = _loud_failure(alias, _first_judged(hops), through)
    status, reasons = _judge(alias, hops, served, expected, fallback, failure)
    if via is not None and via.status is Health.UNKNOWN and status is not Health.CRITICAL:
        status, reasons = Health.UNKNOWN, [f"through the fallback to {via.alias}: {r}" for r in via.reasons]
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
