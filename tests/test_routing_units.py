"""routing.resolve and the decision it returns, word for word: every reason a hop or an alias
is given, every form of the loud failure, the document, and the health each state means. The
resolver is a pure function of the catalog and the probe results, so these run in
milliseconds (the CLI tests check the same through real sandboxes; these are what the
mutation run of aspirectl/routing.py judges first)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aspirectl.catalog.loader import load_catalog
from aspirectl.errors import UnknownName, UsageError
from aspirectl.probe.outcomes import Outcome
from aspirectl.probe.report import HopResult, ProbeReport
from aspirectl.probe.taxonomy import Origin
from aspirectl.routing import LoudFailure, resolve, sensitivity_view, worst
from aspirectl.status import Health
from tests.conftest import SHIPPED_CHAINS

CATALOG = load_catalog(SHIPPED_CHAINS)
DEFERRED = "declared deferred since 2026-05-14"


def hop(alias: str, upstream: str, outcome: Outcome, status: int | None = None, detail: str | None = None,
        origin: Origin = Origin.UPSTREAM, catalog=CATALOG) -> HopResult:
    position, spec = next((i, h) for i, h in enumerate(catalog.hops(alias), 1) if h.upstream == upstream)
    return HopResult(alias, upstream, position, alias, outcome, detail or f"{outcome.value} said", status,
                     declared=catalog.declared_state(alias, spec), origin=origin)


def probe(*results: HopResult, via: str | None = None) -> ProbeReport:
    return ProbeReport(tuple(results), via=via)


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> object:
    """The shipped chains with a same-family fallback (gpt-4.1 -> gpt-5.5), a hop declared
    degraded (claude-sonnet-4-6 on anthropic-oauth) and a broken state with a date."""
    import yaml

    directory = tmp_path_factory.mktemp("chains") / "chains"
    shutil.copytree(SHIPPED_CHAINS, directory)
    gpt = yaml.safe_load((directory / "gpt.yaml").read_text())
    gpt.setdefault("fallbacks", {})["gpt-4.1"] = {"alias": "gpt-5.5", "reason": "same family"}
    (directory / "gpt.yaml").write_text(yaml.safe_dump(gpt))
    claude = yaml.safe_load((directory / "claude.yaml").read_text())
    claude["hops"][0]["state"] = {"claude-sonnet-4-6": {"status": "degraded", "note": "slow mornings"},
                                  "claude-opus-4-7": {"status": "broken", "since": "2026-06-01", "note": "ticket OPS-X"}}
    (directory / "claude.yaml").write_text(yaml.safe_dump(claude))
    qwen = yaml.safe_load((directory / "qwen.yaml").read_text())
    qwen["hops"][0]["state"]["qwen-3.6"] = {"status": "broken", "note": "all of it"}
    (directory / "qwen.yaml").write_text(yaml.safe_dump(qwen))
    return load_catalog(Path(directory))


# ------------------------------------------------------------------------------ hop states

def test_a_probed_hop_is_its_result_and_an_unprobed_one_its_declared_state():
    d = resolve(CATALOG, probe(hop("gpt-5.5", "codex-shim", Outcome.UNREACHABLE, detail="refused"),
                               hop("gpt-5.5", "openai-api", Outcome.OK, 200, detail="fine")), "gpt-5.5")
    shim, api = d.hops
    assert shim.reason == f"refused; {DEFERRED}, so known and not news"
    assert (shim.label, shim.why_not, shim.known_down, shim.unjudged) == (
        "unreachable", "unreachable (cannot connect)", True, False)
    assert api.reason == "fine" and api.label == "ok" and api.why_not == "ok (serves)"
    assert shim.to_dict() == {
        "alias": "gpt-5.5", "position": 1, "upstream": "codex-shim", "billing": "subscription",
        "cost": "$0 marginal — subscription", "serves": False, "outcome": "unreachable",
        "reason": f"refused; {DEFERRED}, so known and not news", "known_down": True, "judged": True,
        "declared_state": CATALOG.declared_state("gpt-5.5", CATALOG.hops("gpt-5.5")[0]).to_dict()}
    offline = resolve(CATALOG, None, "gpt-5.5")
    assert offline.hops[0].reason == f"{DEFERRED}: Phase 1b deferred; gpt-* return Connection error or 502."
    assert (offline.hops[0].label, offline.hops[0].serves, offline.hops[0].outcome) == ("declared down", False, None)
    assert (offline.hops[1].reason, offline.hops[1].label) == ("not probed: assumed to serve", "assumed")
    assert offline.hops[1].to_dict()["judged"] is True and offline.hops[1].why_not == "assumed"
    omni = resolve(CATALOG, None, "qwen-3.6-omni").hops[0]
    assert omni.reason.startswith("declared broken: Vision path down on cloud-first.ai")  # no date: no 'since'
    said = resolve(CATALOG, probe(hop("qwen-3.6-omni", "cloud-first-litellm", Outcome.UPSTREAM_ERROR, 502,
                                      "bad gateway")), "qwen-3.6-omni").hops[0]
    assert said.reason == "bad gateway; declared broken, so known and not news"


def test_declared_states_offline_degraded_and_dated(edited):
    sonnet = resolve(edited, None, "claude-sonnet-4-6")
    assert sonnet.hops[0].reason == "declared degraded" and sonnet.hops[0].serves
    assert sonnet.status is Health.OK and sonnet.served.upstream == "anthropic-oauth"
    opus = resolve(edited, None, "claude-opus-4-7")
    assert opus.hops[0].reason == "declared broken since 2026-06-01: ticket OPS-X"
    assert opus.served.upstream == "anthropic-api" and opus.expected.upstream == "anthropic-api"
    assert opus.status is Health.OK and not opus.on_later_hop


def test_only_a_hop_declared_down_that_does_not_serve_is_known_and_not_news(edited):
    served = resolve(CATALOG, probe(hop("gpt-5.5", "codex-shim", Outcome.OK, 200, "answered")), "gpt-5.5")
    assert served.hops[0].reason == "answered"  # declared deferred, yet serving: that is news
    slow = resolve(edited, probe(hop("claude-sonnet-4-6", "anthropic-oauth", Outcome.TIMEOUT, None, "no answer",
                                     catalog=edited)), "claude-sonnet-4-6")
    assert slow.hops[0].reason == "no answer"  # declared degraded is not declared down


def test_a_hop_not_answered_for_by_its_upstream_is_unjudged_unless_declared_down():
    local = hop("claude-haiku-4-5", "anthropic-oauth", Outcome.NO_CREDENTIALS, origin=Origin.LOCAL,
                detail="credential 'anthropic-oauth-token' is not set")
    d = resolve(CATALOG, probe(local, hop("claude-haiku-4-5", "anthropic-api", Outcome.OK, 200)), "claude-haiku-4-5")
    assert d.hops[0].unjudged and d.hops[0].to_dict()["judged"] is False
    assert d.status is Health.UNKNOWN and d.served.upstream == "anthropic-api" and d.failure is None
    assert d.reasons == ("served at least by anthropic-api (hop 2); whether an earlier hop serves is unknown: "
                         "anthropic-oauth: credential 'anthropic-oauth-token' is not set",)
    deferred = hop("gpt-5.5", "codex-shim", Outcome.NO_CREDENTIALS, origin=Origin.LOCAL, detail="no token")
    gpt = resolve(CATALOG, probe(deferred, hop("gpt-5.5", "openai-api", Outcome.OK, 200)), "gpt-5.5")
    assert gpt.status is Health.OK and gpt.reasons == ()  # declared deferred: it decides nothing


def test_nothing_judged_is_unknown_and_no_failure_is_predicted():
    d = resolve(CATALOG, probe(
        hop("claude-haiku-4-5", "anthropic-oauth", Outcome.TIMEOUT, origin=Origin.DEADLINE, detail="deadline"),
        hop("claude-haiku-4-5", "anthropic-api", Outcome.UNREACHABLE, origin=Origin.LOCAL, detail="no DNS")),
        "claude-haiku-4-5")
    assert d.status is Health.UNKNOWN and d.served is None and d.failure is None
    assert d.reasons == ("cannot tell whether anything serves claude-haiku-4-5: anthropic-oauth: deadline; "
                         "anthropic-api: no DNS",)
    assert d.served_text == "unknown from here" and not d.failing and not d.on_later_hop


# ------------------------------------------------------------------------------- health

def test_the_first_hop_serving_is_ok_and_a_standby_failure_a_note():
    d = resolve(CATALOG, probe(hop("claude-opus-4-7", "anthropic-oauth", Outcome.OK, 200),
                               hop("claude-opus-4-7", "anthropic-api", Outcome.RATE_LIMITED, 429)), "claude-opus-4-7")
    assert d.status is Health.OK and d.served_text == "anthropic-oauth (hop 1)"
    assert d.reasons == ("standby hop 2 (anthropic-api) does not serve: rate_limited (throttled for a short while)",)
    assert not d.on_later_hop and not d.degraded and d.skipped == (d.hops[1],)
    assert [h.upstream for h in d.walked] == ["anthropic-oauth", "anthropic-api"]
    quiet = resolve(CATALOG, probe(hop("claude-opus-4-7", "anthropic-oauth", Outcome.OK, 200)), "claude-opus-4-7")
    assert quiet.reasons == ()  # a hop not probed is no standby failure


def test_a_later_hop_serving_is_a_warning_that_says_why_and_what_it_costs():
    d = resolve(CATALOG, probe(hop("gemini-2.5-pro", "google-code-assist", Outcome.OVERLOADED, 429),
                               hop("gemini-2.5-pro", "google-ai-studio", Outcome.OK, 200)), "gemini-2.5-pro")
    assert d.status is Health.WARNING and d.on_later_hop and d.served_text == "google-ai-studio (hop 2)"
    assert d.reasons == ("served by hop 2 (google-ai-studio, paid per token) because google-code-assist does not "
                         "serve: overloaded (provider at capacity)",)
    assert d.expected.upstream == "google-code-assist"


def test_a_hop_declared_down_that_serves_is_news():
    d = resolve(CATALOG, probe(hop("qwen-3.6-omni", "cloud-first-litellm", Outcome.OK, 200)), "qwen-3.6-omni")
    assert d.status is Health.WARNING and d.expected is None and d.fallback is None
    assert d.reasons == ("cloud-first-litellm serves although the chain file declares it broken: a change of "
                         "state, update the chain file",)
    assert not d.on_later_hop  # nothing was expected to serve earlier


def test_a_degraded_answer_warns_even_on_the_first_hop():
    d = resolve(CATALOG, probe(hop("qwen-3.6", "cloud-first-litellm", Outcome.DEGRADED, 200, "slow: 9 s")),
                "qwen-3.6")
    assert d.status is Health.WARNING and d.degraded
    assert d.reasons == ("cloud-first-litellm serves degraded: slow: 9 s",)
    assert d.to_dict()["degraded"] is True and d.to_dict()["served_by"]["outcome"] == "degraded"


def test_the_declared_cross_family_fallback_whole(edited):
    d = resolve(CATALOG, probe(hop("qwen-3.6-omni", "cloud-first-litellm", Outcome.UPSTREAM_ERROR, 502),
                               hop("claude-haiku-4-5", "anthropic-oauth", Outcome.QUOTA_EXHAUSTED, 429),
                               hop("claude-haiku-4-5", "anthropic-api", Outcome.OK, 200)), "qwen-3.6-omni")
    assert d.status is Health.WARNING and d.on_later_hop and d.served_alias == "claude-haiku-4-5"
    assert d.served_text == "claude-haiku-4-5 via anthropic-api (cross-family fallback)"
    assert d.reasons == ("served by claude-haiku-4-5 through the declared cross-family fallback",)
    assert d.advice.startswith("Name claude-haiku-4-5 explicitly")
    doc = d.to_dict()
    assert doc["served_by"] == {"alias": "claude-haiku-4-5", "upstream": "anthropic-api", "position": 2,
                                "billing": "paid", "cost": "paid per token", "outcome": "ok"}
    assert doc["via_fallback"] == {"alias": "claude-haiku-4-5", "cross_family": True,
                                   "reason": d.fallback.reason, "advice": d.fallback.advice}
    assert doc["expected_upstream"] is None and doc["failure"] is None and doc["status"] == "WARNING"
    assert [(h["alias"], h["upstream"]) for h in doc["hops"]] == [
        ("qwen-3.6-omni", "cloud-first-litellm"), ("claude-haiku-4-5", "anthropic-oauth"),
        ("claude-haiku-4-5", "anthropic-api")]
    assert doc["family"] == "qwen" and doc["alias"] == "qwen-3.6-omni" and doc["on_later_hop"] is True
    assert doc["reasons"] == list(d.reasons) and doc["degraded"] is False
    same = resolve(edited, probe(hop("gpt-4.1", "codex-shim", Outcome.UNREACHABLE, catalog=edited),
                                 hop("gpt-4.1", "openai-api", Outcome.AUTH_INVALID, 401, catalog=edited),
                                 hop("gpt-5.5", "codex-shim", Outcome.UNREACHABLE, catalog=edited),
                                 hop("gpt-5.5", "openai-api", Outcome.OK, 200, catalog=edited)), "gpt-4.1")
    assert same.status is Health.WARNING and same.reasons == ("served by fallback gpt-5.5",)
    assert same.served_text == "gpt-5.5 via openai-api (fallback)" and same.advice == ""


def test_a_fallback_that_cannot_be_judged_makes_the_alias_unknown():
    d = resolve(CATALOG, probe(
        hop("qwen-3.6-omni", "cloud-first-litellm", Outcome.UPSTREAM_ERROR, 502),
        hop("claude-haiku-4-5", "anthropic-oauth", Outcome.NO_CREDENTIALS, origin=Origin.LOCAL, detail="unset"),
        hop("claude-haiku-4-5", "anthropic-api", Outcome.NO_CREDENTIALS, origin=Origin.LOCAL, detail="unset")),
        "qwen-3.6-omni")
    assert d.status is Health.UNKNOWN and d.failure is None
    assert d.reasons == ("through the fallback to claude-haiku-4-5: cannot tell whether anything serves "
                         "claude-haiku-4-5: anthropic-oauth: unset; anthropic-api: unset",)


# ------------------------------------------------------------------------- loud failures

def test_nothing_serving_fails_loudly_with_the_first_hops_error():
    d = resolve(CATALOG, probe(hop("qwen-3.6-omni", "cloud-first-litellm", Outcome.UPSTREAM_ERROR, 502, "vision"),
                               hop("claude-haiku-4-5", "anthropic-oauth", Outcome.AUTH_EXPIRED, 401),
                               hop("claude-haiku-4-5", "anthropic-api", Outcome.BILLING, 400)), "qwen-3.6-omni")
    assert d.status is Health.CRITICAL and d.failing and d.served is None and d.advice == ""
    f = d.failure
    assert (f.status, f.error_type, f.cause) == (502, "internal_server_error", "upstream_error")
    assert f.message == ("litellm.BadGatewayError: vision; declared broken, so known and not news from "
                         "cloud-first-litellm. Received Model Group=qwen-3.6-omni — no further fallback, the "
                         "gateway fails loudly")
    assert d.reasons == ("nothing serves qwen-3.6-omni: the gateway answers 502",)
    assert d.served_text == "FAILS LOUDLY: 502 internal_server_error" and f.said == "502 internal_server_error"
    assert f.to_dict() == {"status": 502, "type": "internal_server_error", "message": f.message,
                           "cause": "upstream_error"}
    assert d.to_dict()["failure"] == f.to_dict() and d.to_dict()["served_by"] is None


@pytest.mark.parametrize("outcome, http, expected", [
    (Outcome.AUTH_INVALID, 401, (401, "authentication_error", "litellm.AuthenticationError")),
    (Outcome.FORBIDDEN, 403, (403, "permission_error", "litellm.PermissionDeniedError")),
    (Outcome.RATE_LIMITED, 429, (429, "throttling_error", "litellm.RateLimitError")),
    (Outcome.BILLING, 429, (429, "throttling_error", "litellm.RateLimitError")),
    (Outcome.OVERLOADED, 529, (500, "internal_server_error", "litellm.InternalServerError")),
    (Outcome.OVERLOADED, 503, (500, "internal_server_error", "litellm.InternalServerError")),
    (Outcome.OVERLOADED, 429, (429, "throttling_error", "litellm.RateLimitError")),  # Code Assist's capacity
    (Outcome.UNREACHABLE, None, (500, "internal_server_error", "litellm.InternalServerError: Connection error.")),
    (Outcome.TIMEOUT, None, (408, "timeout", "litellm.Timeout")),
    (Outcome.MODEL_NOT_FOUND, 404, (404, "invalid_request_error", "litellm.NotFoundError")),
    (Outcome.BAD_REQUEST, 400, (400, "invalid_request_error", "litellm.BadRequestError")),
    (Outcome.BILLING, 400, (400, "budget_exceeded", "litellm.BadRequestError")),  # the passthrough's budget
    (Outcome.UPSTREAM_ERROR, 503, (503, "internal_server_error", "litellm.ServiceUnavailableError")),
    (Outcome.UNRECOGNISED, 418, (418, "internal_server_error", "litellm.APIError")),
    (Outcome.UNRECOGNISED, 402, (402, "internal_server_error", "litellm.PaymentRequiredError")),
    (Outcome.UPSTREAM_ERROR, 200, (502, "internal_server_error", "litellm.BadGatewayError")),
])
def test_what_the_gateway_answers_when_nothing_serves(outcome, http, expected):
    detail = "Budget has been exceeded! Current cost: 5" if expected[1] == "budget_exceeded" else "said"
    d = resolve(CATALOG, probe(hop("qwen-3.6", "cloud-first-litellm", outcome, http, detail)), "qwen-3.6")
    f = d.failure
    assert (f.status, f.error_type) == expected[:2] and f.message.startswith(expected[2] + ": " + detail)
    assert f.cause == outcome.value and not f.gateway_down


def test_the_gateway_itself_silent_is_gateway_down_only_through_the_gateway():
    silent = hop("qwen-3.6", "cloud-first-litellm", Outcome.UNREACHABLE, None, "connection refused")
    d = resolve(CATALOG, probe(silent, via="http://gw:4000"), "qwen-3.6")
    f = d.failure
    assert f == LoudFailure(0, "", "connection refused", "unreachable", gateway_down=True)
    assert f.to_dict() == {"status": None, "type": None, "message": "connection refused", "cause": "unreachable",
                           "gateway_down": True}
    assert f.said == "no answer: the gateway itself is down" and d.served_text == "GATEWAY DOWN: no answer"
    assert d.reasons == ("nothing serves qwen-3.6: the gateway itself does not answer (connection refused)",)
    slow = resolve(CATALOG, probe(hop("qwen-3.6", "cloud-first-litellm", Outcome.TIMEOUT, None, "t"), via="g"),
                   "qwen-3.6")
    assert slow.failure.gateway_down
    answered = resolve(CATALOG, probe(hop("qwen-3.6", "cloud-first-litellm", Outcome.UNREACHABLE, 500, "c"),
                                      via="g"), "qwen-3.6")
    assert not answered.failure.gateway_down and answered.failure.status == 500  # the upstream behind it is down
    other = resolve(CATALOG, probe(hop("qwen-3.6", "cloud-first-litellm", Outcome.UPSTREAM_ERROR, None, "x"),
                                   via="g"), "qwen-3.6")
    assert not other.failure.gateway_down
    direct = resolve(CATALOG, probe(silent), "qwen-3.6")
    assert not direct.failure.gateway_down and direct.failure.status == 500


# ----------------------------------------------------------------------------- the rest

def test_an_unknown_alias_is_a_usage_error_with_suggestions():
    with pytest.raises(UnknownName) as caught:
        resolve(CATALOG, None, "gpt-55")
    assert str(caught.value).startswith("unknown alias 'gpt-55'") and "gpt-5.5" in str(caught.value)


def test_offline_an_alias_whose_every_hop_is_declared_down_fails_as_unreachable(edited):
    d = resolve(edited, None, "qwen-3.6")
    assert d.status is Health.CRITICAL and d.served is None
    assert (d.failure.status, d.failure.error_type, d.failure.cause) == (500, "internal_server_error", "unreachable")
    assert d.failure.message == ("litellm.InternalServerError: Connection error.: declared broken: all of it from "
                                 "cloud-first-litellm. Received Model Group=qwen-3.6 — no further fallback, the "
                                 "gateway fails loudly")


def test_the_gateways_answer_is_the_first_hop_that_could_be_asked():
    """codex-shim could not be asked from here (declared deferred: it decides nothing); the
    OpenAI API answered 401: that is what the gateway answers for gpt-5.5."""
    d = resolve(CATALOG, probe(hop("gpt-5.5", "codex-shim", Outcome.NO_CREDENTIALS, origin=Origin.LOCAL,
                                   detail="unset"),
                               hop("gpt-5.5", "openai-api", Outcome.AUTH_INVALID, 401, "bad key")), "gpt-5.5")
    assert d.status is Health.CRITICAL
    assert d.failure.message.startswith("litellm.AuthenticationError: bad key from openai-api.")


def test_worst_orders_ok_warning_unknown_critical():
    assert worst([Health.OK]) is Health.OK and worst([Health.WARNING, Health.OK]) is Health.WARNING
    assert worst([Health.OK, Health.WARNING]) is Health.WARNING
    assert worst([Health.UNKNOWN, Health.WARNING]) is Health.UNKNOWN
    assert worst([Health.WARNING, Health.UNKNOWN]) is Health.UNKNOWN  # both orders: a tie would keep the first
    assert worst([Health.WARNING, Health.CRITICAL, Health.OK]) is Health.CRITICAL
    assert worst([Health.OK, Health.OK]) is Health.OK
    assert worst([Health.CRITICAL, Health.UNKNOWN]) is Health.CRITICAL and worst([]) is Health.OK


def test_the_sensitivity_view_says_what_each_hop_is_cleared_for():
    view = sensitivity_view(CATALOG, "qwen-3.6-omni", "pii")
    assert [(h.position, h.upstream, h.allowed, h.retention) for h in view] == [
        (1, "cloud-first-litellm", True, "none")]
    assert view[0].why == "retention none; cleared for public, internal, pii, financial, legal"
    gpt = sensitivity_view(CATALOG, "gpt-5.5", "pii")
    assert [h.allowed for h in gpt] == [False, False]
    assert all(h.why.endswith("not assessed for any class") for h in gpt)
    with pytest.raises(UsageError) as caught:
        sensitivity_view(CATALOG, "gpt-5.5", "pi")
    assert caught.value.message == "unknown sensitivity class 'pi'" and "pii" in (caught.value.hint or "")
    with pytest.raises(UsageError) as unlike:
        sensitivity_view(CATALOG, "gpt-5.5", "zzzzzz")
    assert unlike.value.hint == "one of: public, internal, pii, financial, legal"


# What the real gateway answers for the last hop's outcome when the hop gave no HTTP status of
# its own (the table routing.GATEWAY_FAILURE holds, written out again here from the recordings
# its comments cite, so that a change to one row shows).
ANSWERED = {
    Outcome.AUTH_INVALID: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.AUTH_EXPIRED: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.NO_CREDENTIALS: (401, "authentication_error", "litellm.AuthenticationError"),
    Outcome.FORBIDDEN: (403, "permission_error", "litellm.PermissionDeniedError"),
    Outcome.RATE_LIMITED: (429, "throttling_error", "litellm.RateLimitError"),
    Outcome.QUOTA_EXHAUSTED: (429, "throttling_error", "litellm.RateLimitError"),
    Outcome.BILLING: (429, "throttling_error", "litellm.RateLimitError"),
    Outcome.OVERLOADED: (500, "internal_server_error", "litellm.InternalServerError"),
    Outcome.UPSTREAM_ERROR: (502, "internal_server_error", "litellm.BadGatewayError"),
    Outcome.UNREACHABLE: (500, "internal_server_error", "litellm.InternalServerError: Connection error."),
    Outcome.TIMEOUT: (408, "timeout", "litellm.Timeout"),
    Outcome.MODEL_NOT_FOUND: (404, "invalid_request_error", "litellm.NotFoundError"),
    Outcome.BAD_REQUEST: (400, "invalid_request_error", "litellm.BadRequestError"),
    Outcome.UNRECOGNISED: (500, "internal_server_error", "litellm.APIError"),
}


@pytest.mark.parametrize("outcome", list(ANSWERED), ids=lambda o: o.value)
def test_each_outcome_without_a_status_of_its_own_is_answered_as_recorded(outcome):
    d = resolve(CATALOG, probe(hop("qwen-3.6", "cloud-first-litellm", outcome, None, "said")), "qwen-3.6")
    status, error_type, cls = ANSWERED[outcome]
    assert (d.failure.status, d.failure.error_type, d.failure.cause) == (status, error_type, outcome.value)
    assert d.failure.message.startswith(f"{cls}: said from cloud-first-litellm.")
    assert d.failure.gateway_down is False and d.failure.to_dict()["status"] == status


def test_a_hop_not_probable_here_answers_for_the_gateway_only_when_nothing_else_can():
    """qwen-3.6-omni's only hop is declared broken and could not be asked from here; its fallback
    was asked and fails: the gateway's answer is predicted from that first hop (LiteLLM answers
    with the first group's error), a 401 for a credential it is missing."""
    d = resolve(CATALOG, probe(
        hop("qwen-3.6-omni", "cloud-first-litellm", Outcome.NO_CREDENTIALS, origin=Origin.LOCAL, detail="unset"),
        hop("claude-haiku-4-5", "anthropic-oauth", Outcome.AUTH_INVALID, 401),
        hop("claude-haiku-4-5", "anthropic-api", Outcome.AUTH_INVALID, 401)), "qwen-3.6-omni")
    assert d.status is Health.CRITICAL
    assert (d.failure.status, d.failure.error_type) == (401, "authentication_error")
    assert d.failure.message.startswith("litellm.AuthenticationError: unset; declared broken, so known and not news")
