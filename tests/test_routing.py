"""The resolver is a pure function: catalog + results in, decision out."""

from __future__ import annotations

from aspirectl.catalog.loader import load_catalog
from aspirectl.probe.outcomes import Outcome
from aspirectl.probe.report import HopResult, ProbeReport
from aspirectl.routing import resolve, worst
from aspirectl.status import Health
from tests.conftest import SHIPPED_CHAINS

CATALOG = load_catalog(SHIPPED_CHAINS)


def report(*results: tuple[str, str, Outcome, int | None]) -> ProbeReport:
    hops = []
    for alias, upstream, outcome, status in results:
        position = next(i for i, h in enumerate(CATALOG.hops(alias), 1) if h.upstream == upstream)
        hop = CATALOG.hops(alias)[position - 1]
        hops.append(HopResult(alias, upstream, position, alias, outcome, f"{outcome.value} detail", status,
                              declared=CATALOG.declared_state(alias, hop)))
    return ProbeReport(tuple(hops))


def test_first_hop_serves_ok():
    d = resolve(CATALOG, report(("claude-opus-4-7", "anthropic-oauth", Outcome.OK, 200),
                                ("claude-opus-4-7", "anthropic-api", Outcome.OK, 200)), "claude-opus-4-7")
    assert d.status is Health.OK and d.served.upstream == "anthropic-oauth"
    assert d.served.cost == "$0 marginal — subscription"


def test_standby_failure_is_noted_but_not_raised():
    d = resolve(CATALOG, report(("claude-opus-4-7", "anthropic-oauth", Outcome.OK, 200),
                                ("claude-opus-4-7", "anthropic-api", Outcome.AUTH_INVALID, 401)),
                "claude-opus-4-7")
    assert d.status is Health.OK
    assert "standby hop 2 (anthropic-api) does not serve: auth_invalid (credential rejected: replace it)" in d.reasons


def test_later_hop_is_warning_with_reason():
    d = resolve(CATALOG, report(("claude-opus-4-7", "anthropic-oauth", Outcome.QUOTA_EXHAUSTED, 429),
                                ("claude-opus-4-7", "anthropic-api", Outcome.OK, 200)), "claude-opus-4-7")
    assert d.status is Health.WARNING
    assert d.reasons[0] == ("served by hop 2 (anthropic-api, paid per token) because anthropic-oauth "
                            "does not serve: quota_exhausted (quota used up until the reset)")


def test_declared_deferred_failure_is_not_news():
    d = resolve(CATALOG, report(("gpt-5.5", "codex-shim", Outcome.UNREACHABLE, None),
                                ("gpt-5.5", "openai-api", Outcome.OK, 200)), "gpt-5.5")
    assert d.status is Health.OK
    assert d.expected.upstream == "openai-api"
    assert "declared deferred since 2026-05-14, so known and not news" in d.hops[0].reason


def test_declared_deferred_that_serves_is_news():
    d = resolve(CATALOG, report(("gpt-5.5", "codex-shim", Outcome.OK, 200),
                                ("gpt-5.5", "openai-api", Outcome.OK, 200)), "gpt-5.5")
    assert d.status is Health.WARNING
    assert "codex-shim serves although the chain file declares it deferred: a change of state, update the chain file" in d.reasons


def test_nothing_serves_is_the_gateway_loud_failure():
    """The gateway answers with the error of the group asked for (its first hop), not the last
    fallback's: recorded from the real proxy on three releases (tests/test_gateway.py)."""
    d = resolve(CATALOG, report(("gpt-5.5", "codex-shim", Outcome.AUTH_INVALID, 401),
                                ("gpt-5.5", "openai-api", Outcome.UNREACHABLE, None)), "gpt-5.5")
    assert d.status is Health.CRITICAL
    assert d.failure.status == 401 and d.failure.error_type == "authentication_error"
    assert "Received Model Group=gpt-5.5" in d.failure.message and "from codex-shim" in d.failure.message
    limited = resolve(CATALOG, report(("gpt-5.5", "codex-shim", Outcome.RATE_LIMITED, 429),
                                      ("gpt-5.5", "openai-api", Outcome.AUTH_INVALID, 401)), "gpt-5.5")
    assert limited.failure.status == 429
    down = resolve(CATALOG, report(("gpt-5.5", "codex-shim", Outcome.UNREACHABLE, None),
                                   ("gpt-5.5", "openai-api", Outcome.UPSTREAM_ERROR, 502)), "gpt-5.5")
    # recorded: a refused first hop is 500 InternalServerError "Connection error.", whatever
    # the fallback answered (502 here)
    assert down.failure.status == 500 and "Connection error" in down.failure.message
    overloaded = resolve(CATALOG, report(("claude-haiku-4-5", "anthropic-oauth", Outcome.OVERLOADED, 529),
                                         ("claude-haiku-4-5", "anthropic-api", Outcome.OVERLOADED, 529)),
                         "claude-haiku-4-5")
    assert overloaded.failure.status == 500  # Anthropic's 529 is LiteLLM's InternalServerError
    # Code Assist's capacity 429 passes on as a 429: LiteLLM's RateLimitError, typed as every
    # recorded 429 is (tests/recorded/litellm-proxy/*-outage-chat-gemini-2.5-pro@google-code-assist)
    capacity = resolve(CATALOG, report(("gemini-2.5-pro", "google-code-assist", Outcome.OVERLOADED, 429),
                                       ("gemini-2.5-pro", "google-ai-studio", Outcome.OVERLOADED, 503)),
                       "gemini-2.5-pro")
    assert capacity.failure.status == 429 and capacity.failure.error_type == "throttling_error"
    assert capacity.failure.message.startswith("litellm.RateLimitError:")


def test_cross_family_fallback_is_flagged_and_advised():
    d = resolve(CATALOG, report(("qwen-3.6-omni", "cloud-first-litellm", Outcome.UPSTREAM_ERROR, 502),
                                ("claude-haiku-4-5", "anthropic-oauth", Outcome.OK, 200)), "qwen-3.6-omni")
    assert d.status is Health.WARNING
    assert d.fallback.cross_family and d.served.alias == "claude-haiku-4-5"
    assert "Name claude-haiku-4-5 explicitly" in d.advice
    assert [h.upstream for h in d.walked] == ["cloud-first-litellm", "anthropic-oauth", "anthropic-api"]


def test_offline_uses_declared_states():
    d = resolve(CATALOG, None, "gpt-5.5")
    assert d.status is Health.OK and d.served.upstream == "openai-api" and d.served.outcome is None
    omni = resolve(CATALOG, None, "qwen-3.6-omni")
    assert omni.status is Health.WARNING and omni.served.alias == "claude-haiku-4-5"


def test_worst_puts_critical_over_unknown():
    assert worst([Health.OK, Health.UNKNOWN, Health.WARNING]) is Health.UNKNOWN
    assert worst([Health.UNKNOWN, Health.CRITICAL]) is Health.CRITICAL
    assert worst([]) is Health.OK
