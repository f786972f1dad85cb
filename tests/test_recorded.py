"""The classifier against recorded real answers, and the simulators against the recorded
answers they imitate (tests/recorded/README.md says where each came from).

tests/recorded/litellm-proxy/ was written by scripts/capture-litellm: the real proxy (1.80.0,
1.85.0 and 1.108.7, each from its own virtualenv), configured by `chains export` for that
release, in front of the simulators in three scenarios (`outage`, and the capture's own
`out-of-credit` and `throttled`). tests/recorded/providers/ holds provider answers from public
issues and gemini-cli's tests. The expected outcome of each is written by hand from what the
upstream did, not from what aspirectl says.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aspirectl.catalog.loader import load_catalog
from aspirectl.catalog.model import Protocol as WireProtocol
from aspirectl.litellm.releases import SUPPORTED
from aspirectl.probe.adapter import adapter_for
from aspirectl.probe.outcomes import Facts, Outcome
from aspirectl.probe.plan import plan_targets
from aspirectl.probe.runner import _result, read_answer
from aspirectl.sandbox.simulators.litellm import FAULTS
from aspirectl.secrets.store import MappingSource, Resolver
from tests.conftest import ROOT, SHIPPED_CHAINS

RECORDED = Path(__file__).parent / "recorded" / "litellm-proxy"
CASES = sorted(RECORDED.glob("*.json"))
VERSIONS = tuple(SUPPORTED)

# (scenario, model group) -> what the upstream behind it really did -> the outcome an operator
# must see. The capture-only scenarios are in scripts/capture-litellm (CAPTURE_SCENARIOS).
TRUTH = {
    ("outage", "claude-haiku-4-5@anthropic-api"): Outcome.OVERLOADED,  # Anthropic 529 overloaded_error
    ("outage", "gpt-5.5@openai-api"): Outcome.UPSTREAM_ERROR,  # OpenAI answered 502
    ("outage", "qwen-3.6"): Outcome.UNREACHABLE,  # connection refused
    ("outage", "gemini-2.5-pro@google-ai-studio"): Outcome.OVERLOADED,  # Gemini 503 UNAVAILABLE "overloaded"
    # No group has this name (hop 1's group is the alias itself): /health lists nothing (200 on
    # 1.80.0, 503 later); the chat reaches the deployment by its model_info.id, overloaded.
    ("outage", "claude-haiku-4-5@anthropic-oauth"): Outcome.OVERLOADED,
    # Code Assist 429 MODEL_CAPACITY_EXHAUSTED through aspirectl's exported provider (no group of
    # that name either: /health lists nothing; the chat is LiteLLM's own RateLimitError).
    ("outage", "gemini-2.5-pro@google-code-assist"): Outcome.OVERLOADED,
    # Anthropic 429 rate_limit_error "monthly spend limit" (anthropic-api-monthly-spend-limit.json)
    ("out-of-credit", "claude-haiku-4-5@anthropic-api"): Outcome.BILLING,
    ("out-of-credit", "gpt-5.5@openai-api"): Outcome.BILLING,  # OpenAI 429 insufficient_quota
    # AI Studio 429 with a QuotaFailure GenerateRequestsPerDayPerProjectPerModel-FreeTier
    ("out-of-credit", "gemini-2.5-pro@google-ai-studio"): Outcome.QUOTA_EXHAUSTED,
    ("out-of-credit", "qwen-3.6"): Outcome.BILLING,  # the passthrough's own budget_exceeded
    ("throttled", "claude-haiku-4-5@anthropic-api"): Outcome.RATE_LIMITED,  # 429 rate_limit_error
    ("throttled", "gpt-5.5@openai-api"): Outcome.RATE_LIMITED,  # 429 RPM rate_limit_exceeded, 20 s
    ("throttled", "gemini-2.5-pro@google-ai-studio"): Outcome.RATE_LIMITED,  # per-minute quota, 12 s
    ("throttled", "qwen-3.6"): Outcome.RATE_LIMITED,  # the passthrough's RateLimitError
}
HEALTH_TRUTH = {("outage", "claude-haiku-4-5@anthropic-oauth"): Outcome.MODEL_NOT_FOUND,
                ("outage", "gemini-2.5-pro@google-code-assist"): Outcome.MODEL_NOT_FOUND}
_NAME = re.compile(r"^(?P<version>\d+\.\d+\.\d+)-(?P<scenario>.+)-(?P<request>health|chat)-(?P<group>.+)\.json$")


def _key(path: Path) -> tuple[str, str]:
    found = _NAME.match(path.name)
    assert found, path.name
    return found["scenario"], found["group"]


CATALOG = load_catalog(SHIPPED_CHAINS)
_TARGETS = plan_targets(CATALOG, list(CATALOG.aliases),
                        Resolver([MappingSource({"cloud-first-litellm-key": "sk-recorded-000000001"})]),
                        deep=True)
LITELLM_TARGET = next(t for t in _TARGETS if t.upstream.protocol is WireProtocol.LITELLM)


def _load(path: Path) -> dict:
    case = json.loads(path.read_text())
    assert case["source"].startswith("captured from LiteLLM "), path.name
    return case


def _verdict(case: dict):
    """What aspirectl concludes from this answer, read exactly as a probe reads it."""
    adapter = adapter_for(WireProtocol.LITELLM)
    target = replace(LITELLM_TARGET, model=case["model"], canary=True)
    wanted = "health" if case["request"].startswith("GET /health?") else "canary"
    step = next(s for s in adapter.steps(target) if s.name == wanted)
    facts = Facts(status=case["status"], headers={}, body=case["body"], text=json.dumps(case["body"]))
    return read_answer(adapter, step, facts, target, {}, 1 << 20)


def test_the_corpus_covers_every_release_scenario_and_group():
    names = {p.name for p in CASES}
    for version in VERSIONS:
        assert f"{version}-readiness.json" in names
        for scenario, group in TRUTH:
            assert f"{version}-{scenario}-health-{group}.json" in names
            assert f"{version}-{scenario}-chat-{group}.json" in names
    assert {_key(p) for p in CASES if "readiness" not in p.name} == set(TRUTH)


@pytest.mark.parametrize("path", [p for p in CASES if "readiness" not in p.name], ids=lambda p: p.stem)
def test_recorded_answer_is_read_as_what_happened(path):
    case = _load(path)
    verdict = _verdict(case)
    assert verdict is not None, "a failing upstream must not pass"
    truth = TRUTH[_key(path)]
    if case["request"].startswith("GET /health?"):
        truth = HEALTH_TRUTH.get(_key(path), truth)
    assert verdict.outcome is truth, (verdict.outcome, verdict.detail)


def test_releases_differ_in_health_status_and_all_are_read_alike():
    """1.80.0 answers /health with 200 and no exception_status; 1.85.0 and 1.108.7 with 503
    and one: the passthrough's judge reads all three as the same upstream failure, with the
    status the model answers (502) where the release says it."""
    verdicts = {}
    for version in VERSIONS:
        case = _load(RECORDED / f"{version}-outage-health-gpt-5.5@openai-api.json")
        verdicts[version] = _verdict(case)
    assert {v.outcome for v in verdicts.values()} == {TRUTH[("outage", "gpt-5.5@openai-api")]}
    assert [verdicts[v].facts.status for v in VERSIONS] == [200, 502, 502]


def test_the_status_litellm_puts_on_an_error_is_not_its_cause():
    """Anthropic's overload and a refused connection both arrive as 500 InternalServerError:
    only the text inside tells them apart, and they page differently."""
    overloaded = _load(RECORDED / "1.108.7-outage-chat-claude-haiku-4-5@anthropic-api.json")
    refused = _load(RECORDED / "1.108.7-outage-chat-qwen-3.6.json")
    assert overloaded["status"] == refused["status"] == 500
    assert (_verdict(overloaded).outcome, _verdict(refused).outcome) == (Outcome.OVERLOADED, Outcome.UNREACHABLE)


def test_readiness_reports_the_release_only_on_older_proxies():
    """Why `keys` and `chains export` ask for --litellm-version when readiness is silent: the
    recorded readiness answers, served on loopback, read by the code that learns the release."""
    from aspirectl.keys.service import learn_release
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import http_server

    learnt = {}
    for version in VERSIONS:
        case = _load(RECORDED / f"{version}-readiness.json")
        with http_server(lambda req, c=case: Response(c["status"], json.dumps(c["body"]).encode())) as url:
            learnt[version] = learn_release(None, url)
    assert learnt["1.80.0"][0] == "1.80.0"
    assert learnt["1.85.0"][0] is learnt["1.108.7"][0] is None
    assert "does not report its release" in learnt["1.108.7"][1]


def test_no_sandbox_credential_port_or_stack_trace_is_in_the_corpus():
    for path in CASES:
        text = path.read_text()
        assert not re.search(r"sk-ant-(oat|api)\d\d-|sk-proj-|AIza|ya29\.|127\.0\.0\.1:\d", text), path.name
        assert "stack trace" not in text, path.name
        assert "raw_request" not in text, path.name


# The simulator's faults and the recorded answers they imitate (the same upstream failure).
IMITATES = [
    ("bad_gateway", "1.108.7-outage-health-gpt-5.5@openai-api.json", "health"),
    ("bad_gateway", "1.108.7-outage-chat-gpt-5.5@openai-api.json", "generate"),
    ("connection_error", "1.108.7-outage-health-qwen-3.6.json", "health"),
    ("connection_error", "1.108.7-outage-chat-qwen-3.6.json", "generate"),
]


@pytest.mark.parametrize(("fault", "recorded", "kind"), IMITATES, ids=lambda v: str(v))
def test_simulator_answers_like_the_real_proxy(fault, recorded, kind):
    real = _load(RECORDED / recorded)
    sim = FAULTS[fault](None, None, kind, real["model"])  # type: ignore[arg-type]
    assert sim is not None
    assert sim.status == real["status"]
    if kind == "health":
        real_entry, sim_entry = real["body"]["unhealthy_endpoints"][0], sim.body["unhealthy_endpoints"][0]
        assert set(sim_entry) <= set(real_entry) | {"model_name"}
        assert sim_entry["exception_status"] == real_entry["exception_status"]
        real_text, sim_text = real_entry["error"], sim_entry["error"]
        assert set(sim.body) == set(real["body"])
    else:
        assert set(sim.body["error"]) == set(real["body"]["error"])
        assert sim.body["error"]["code"] == real["body"]["error"]["code"]
        real_text, sim_text = real["body"]["error"]["message"], sim.body["error"]["message"]
    # the same "litellm.Class: Class: ProviderException - " prefix, word for word
    assert sim_text.split(" - ", 1)[0] == real_text.split(" - ", 1)[0]
    # and aspirectl reads both the same way
    as_real = _verdict(real)
    as_sim = _verdict({**real, "status": sim.status, "body": sim.body})
    assert as_sim.outcome is as_real.outcome


# The passthrough's own refusals, captured on the wire from three releases: tests/test_recorded_refusals.py.


# Real provider answers pasted in public issues (tests/recorded/providers/): each file names its
# source, the upstream it came from and the outcome an operator must see.
PROVIDER_CASES = sorted((Path(__file__).parent / "recorded" / "providers").glob("*.json"))
_BY_UPSTREAM = {t.upstream.name: t for t in plan_targets(
    CATALOG, list(CATALOG.aliases), Resolver([MappingSource({c: "sk-recorded-000000001" for c in (
        "anthropic-oauth-token", "anthropic-api-key", "codex-shim-token", "openai-api-key",
        "cloud-first-litellm-key", "google-code-assist-token", "google-ai-studio-key")})]), deep=True)}


@pytest.mark.parametrize("path", PROVIDER_CASES, ids=lambda p: p.stem)
def test_recorded_provider_answer_is_read_as_what_happened(path):
    case = json.loads(path.read_text())
    assert case["source"].startswith("https://github.com/"), "every case names where it was seen"
    target = replace(_BY_UPSTREAM[case["upstream"]], canary=True)
    assert target.upstream.protocol.value == case["protocol"]
    adapter = adapter_for(target.upstream.protocol)
    step = [s for s in adapter.steps(target) if s.method == "POST"][-1]  # the generation
    facts = Facts(status=case["status"], headers=case.get("headers", {}), body=case["body"],
                  text=json.dumps(case["body"]))
    verdict = read_answer(adapter, step, facts, target, {}, 1 << 20)
    assert verdict is not None and verdict.outcome.value == case["outcome"], (verdict and verdict.detail)
    if "reset_at" in case:  # the reset the answer names reaches the operator
        assert verdict.facts is not None and verdict.facts.reset_at is not None
        assert verdict.facts.reset_at.isoformat() == case["reset_at"]
    if case.get("daily_reset"):  # a daily quota without a reset time: Google's next midnight, Pacific
        assert verdict.facts is not None and verdict.facts.reset_at is not None
        pacific = verdict.facts.reset_at.astimezone(ZoneInfo("America/Los_Angeles"))
        assert (pacific.hour, pacific.minute, pacific.second) == (0, 0, 0)
        assert timedelta(0) < verdict.facts.reset_at - datetime.now(UTC) <= timedelta(hours=25)
    # the provider's own words reach the operator, in the detail or the excerpt of the result
    result = _result(target, verdict, step.path, None)
    assert case["operator_sees"] in f"{result.detail} {result.excerpt}", (result.detail, result.excerpt)


# Each simulator fault and the recorded provider answer it imitates. "word" faults repeat the
# answer word for word; the others answer with the same status and the same error fields (the
# envelope's keys, the type/code/status, Google's ErrorInfo reasons and quota ids), in words of
# their own, and aspirectl must read both the same way.
SIM_PROVIDER = [
    ("anthropic", "auth_invalid", "anthropic-api-invalid-key.json", "same"),
    ("anthropic", "forbidden", "anthropic-oauth-scope.json", "same"),
    ("anthropic", "rate_limited", "anthropic-api-input-tpm.json", "same"),
    ("anthropic", "spend_cap", "anthropic-api-monthly-spend-limit.json", "word"),
    ("anthropic", "third_party_extra_usage", "anthropic-oauth-third-party-add-more.json", "word"),
    ("anthropic", "credit_low", "anthropic-api-credit-too-low.json", "word"),
    ("anthropic", "overloaded", "anthropic-api-overloaded-529.json", "word"),
    ("anthropic", "api_error", "anthropic-api-internal-error.json", "word"),
    ("anthropic", "auth_expired", "anthropic-oauth-token-expired.json", "word"),
    ("anthropic", "claude_code_only", "anthropic-oauth-claude-code-only.json", "word"),
    ("anthropic", "model_not_found", "anthropic-api-model-not-found.json", "same"),
    ("anthropic", "overloaded_500", "anthropic-api-overloaded-500.json", "word"),
    ("openai", "auth_invalid", "openai-invalid-api-key.json", "same"),
    ("openai", "token_expired", "codex-token-expired.json", "word"),
    ("openai", "model_not_found", "openai-model-not-found.json", "same"),
    ("openai", "insufficient_quota", "openai-insufficient-quota.json", "word"),
    ("openai", "usage_limit_reached", "codex-usage-limit-reached.json", "same"),
    ("openai", "unsupported_parameter", "openai-unsupported-parameter.json", "word"),
    ("openai", "forbidden", "openai-unsupported-country.json", "word"),
    ("openai", "detail_400", "codex-instructions-required.json", "detail"),
    ("openai", "server_error", "openai-server-error-500.json", "word"),
    ("openai", "at_capacity", "openai-model-overloaded-503.json", "same"),
    ("openai", "rate_limited", "openai-tpm-rate-limited.json", "same"),
    ("openai", "usage_not_included", "codex-usage-not-included.json", "word"),
    ("openai", "overloaded", "codex-server-is-overloaded.json", "word"),
    ("gemini", "per_minute", "gemini-per-minute-free-tier.json", "same"),
    ("code_assist", "unauthenticated", "google-unauthenticated-401.json", "word"),
    ("code_assist", "bare_429", "gemini-bare-429.json", "word"),
    ("gemini", "invalid_argument", "gemini-invalid-argument.json", "word"),
    ("gemini", "leaked_key", "gemini-leaked-key-403.json", "word"),
    ("gemini", "daily_quota", "gemini-daily-free-tier.json", "same"),
    ("gemini", "api_key_invalid", "gemini-api-key-invalid.json", "word"),
    ("gemini", "overloaded", "gemini-overloaded-503.json", "word"),
    ("gemini", "internal", "gemini-internal-500.json", "word"),
    ("gemini", "failed_precondition", "gemini-user-location.json", "word"),
    ("gemini", "not_found", "gemini-model-not-found.json", "word"),
    ("code_assist", "capacity", "code-assist-capacity-no-legacy.json", "same"),
    ("code_assist", "capacity_503", "code-assist-capacity-503.json", "same"),
    ("code_assist", "quota_exhausted", "code-assist-quota-exhausted.json", "same"),
    ("code_assist", "rate_limit", "code-assist-rate-limit-short.json", "same"),
    ("code_assist", "g1_credits", "code-assist-g1-credits.json", "same"),
    ("code_assist", "validation_required", "code-assist-validation-required.json", "same"),
]
# Faults no recorded answer backs yet (the shape is from our notes, providers.md), or that are
# not an upstream answer at all (a hostile echo, a 200 with headers, a read of the quota API).
UNRECORDED = {
    "anthropic": {"subscription_rejected", "unified_429", "billing_error", "timeout_error", "nearly_exhausted",
                  "usage_throttled"},
    "openai": {"bad_gateway", "echo_key"},
    "gemini": {"permission_denied", "limit_zero", "deadline"},
    "code_assist": {"not_found", "not_onboarded", "bucket_empty"},
}


def _error_fields(body):
    """What a client reads from an error body: the envelope, the error's keys and its codes."""
    if isinstance(body, list):
        body = body[0]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return {"envelope": sorted(body) if isinstance(body, dict) else type(body).__name__}
    details = error.get("details")
    infos = [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []
    return {
        "envelope": sorted(k for k in body if k != "request_id"),  # the simulator makes its own id
        "keys": sorted(error),
        "type": error.get("type"), "code": error.get("code"), "status": error.get("status"),
        "error_code": error.get("details", {}).get("error_code") if isinstance(error.get("details"), dict) else None,
        "reasons": sorted(d.get("reason", "") for d in infos if str(d.get("@type", "")).endswith("ErrorInfo")),
        "quota_ids": sorted(v.get("quotaId", "") for d in infos for v in d.get("violations", []) if isinstance(v, dict)),
    }


def test_every_simulator_fault_is_paired_with_a_recording_or_declared_unrecorded():
    import importlib

    for module, unrecorded in UNRECORDED.items():
        faults = set(importlib.import_module(f"aspirectl.sandbox.simulators.{module}").FAULTS)
        paired = {fault for mod, fault, _, _ in SIM_PROVIDER if mod == module}
        assert faults == paired | unrecorded, (module, faults ^ (paired | unrecorded))
        assert not paired & unrecorded


@pytest.mark.parametrize(("module", "fault", "recorded", "how"), SIM_PROVIDER, ids=lambda v: str(v))
def test_simulator_answers_like_the_recorded_provider(module, fault, recorded, how):
    import importlib

    real = json.loads((Path(__file__).parent / "recorded" / "providers" / recorded).read_text())
    model = real["request"].split("/models/")[-1].split(":")[0] if "/models/" in real["request"] else "m"
    sim = importlib.import_module(f"aspirectl.sandbox.simulators.{module}").FAULTS[fault](None, None, "generate", model)
    assert sim is not None and sim.status == real["status"]
    real_body = real["body"][0] if isinstance(real["body"], list) else real["body"]
    if how == "detail":  # FastAPI's {"detail": "..."} of the ChatGPT backend: the whole body
        assert sim.body == real_body
    elif how == "word":
        assert sim.body["error"] == real_body["error"]  # every field, word for word
        assert set(sim.body) <= set(real_body) | {"request_id"}
    else:
        sim_body = json.loads(json.dumps(sim.body))
        for field in real.get("dropped", ()):  # what the source did not keep (its "source" says so)
            sim_body["error"].pop(field, None)
        assert _error_fields(sim_body) == _error_fields(real_body)
    # and aspirectl reads the simulator's answer as it reads the real one
    target = replace(_BY_UPSTREAM[real["upstream"]], canary=True)
    adapter = adapter_for(target.upstream.protocol)
    step = [s for s in adapter.steps(target) if s.method == "POST"][-1]
    verdicts = [read_answer(adapter, step, Facts(status=status, headers=headers, body=body, text=json.dumps(body)),
                            target, {}, 1 << 20)
                for status, headers, body in ((real["status"], real.get("headers", {}), real["body"]),
                                              (sim.status, dict(sim.headers or {}), sim.body))]
    assert verdicts[0] is not None and verdicts[1] is not None
    assert verdicts[1].outcome is verdicts[0].outcome


def _capture_scenarios() -> dict:
    """The scenarios scripts/capture-litellm recorded the real proxy in (its own definitions)."""
    import importlib.machinery
    import importlib.util

    from aspirectl.sandbox.catalogue import SCENARIOS

    loader = importlib.machinery.SourceFileLoader("capture_litellm", str(ROOT / "scripts" / "capture-litellm"))
    spec = importlib.util.spec_from_loader("capture_litellm", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return {**SCENARIOS, **module.CAPTURE_SCENARIOS}


@pytest.fixture(scope="module")
def predicted() -> dict:
    """(scenario, model group) -> the loud failure `route` predicts for that group, from a real
    probe of the scenario the proxy was recorded in: routing._loud_failure on the group's hop."""
    from aspirectl.routing import _loud_failure
    from tests.sandboxing import probe_scenario

    scenarios = _capture_scenarios()
    out = {}
    for path in CASES:
        if "-chat-" not in path.name:
            continue
        scenario, group = _key(path)
        if (scenario, group) in out:
            continue
        alias, _, upstream = group.partition("@")
        decision = next(d for d in probe_scenario(scenarios[scenario], [alias]).decisions if d.alias == alias)
        own = [h for h in decision.hops if h.alias == alias]
        hop = next(h for h in own if h.upstream == upstream) if upstream else own[-1]
        out[(scenario, group)] = _loud_failure(group, hop)
    return out


@pytest.mark.parametrize("path", [p for p in CASES if "-chat-" in p.name], ids=lambda p: p.stem)
def test_route_predicts_the_status_the_real_gateway_answers(path, predicted):
    """What `route` says the gateway answers when nothing serves a group is what the real proxy
    answered for it, in the scenario it was recorded in: status, exception class, type."""
    case = _load(path)
    failure = predicted[_key(path)]
    assert failure.status == case["status"], (failure, case["status"])
    recorded = case["body"]["error"]["message"]
    assert recorded.startswith(failure.message.split(":")[0] + ":"), (failure.message, recorded[:120])
    if recorded.startswith("litellm.APIConnectionError"):
        assert recorded.endswith("Connection error.")
    # 1.80.0 and 1.85.0 send no type on a 5xx
    assert case["body"]["error"]["type"] in (failure.error_type, None), (failure, case["body"]["error"]["type"])


def test_a_health_error_that_is_only_litellms_own_note_is_still_read():
    """Crafted: nothing before LiteLLM's fallback note; the verdict says 'unhealthy', no crash."""
    body = {"healthy_endpoints": [], "unhealthy_endpoints": [
        {"model": "openai/qwen-3.6", "exception_status": 500,
         "error": "Received Model Group=qwen-3.6\nAvailable Model Group Fallbacks=None"}]}
    verdict = _verdict({"request": "GET /health?model=qwen-3.6", "model": "qwen-3.6", "status": 503, "body": body})
    assert verdict is not None and verdict.outcome is Outcome.UPSTREAM_ERROR
    assert "unparseable" not in verdict.detail and "unhealthy" in verdict.detail


def test_the_corpus_is_250_real_answers_over_every_upstream_and_release():
    """The floor: more than 250 recorded cases (captured from the real proxy: its answers in
    front of the simulators, its own refusals, every provider answer as it relays it; pasted in
    public issues or typed by an official SDK) over the seven upstreams and the three releases."""
    providers = [json.loads(p.read_text()) for p in PROVIDER_CASES]
    relayed = sorted((Path(__file__).parent / "recorded" / "litellm-relayed").glob("*.json"))
    refusals = sorted((Path(__file__).parent / "recorded" / "litellm-refusals").glob("*.json"))
    total = len(CASES) + len(refusals) + len(providers) + len(relayed)
    assert total > 250 and len(providers) >= 100, (total, len(providers))
    assert {json.loads(p.read_text())["release"] for p in relayed} == set(VERSIONS)
    upstreams = {c["upstream"] for c in providers} | {"cloud-first-litellm"}  # + the passthrough captures
    assert upstreams == {u.name for u in CATALOG.upstreams.values()}
    assert {p.name.split("-", 1)[0] for p in CASES} == set(VERSIONS)


def test_code_assist_through_the_exported_provider_is_litellms_own_error_on_every_release():
    """The provider raises LiteLLM's RateLimitError with Google's body inside: no 500
    APIConnectionError, no Python traceback (what CustomLLMError gave on 1.80.0 and 1.85.0)."""
    for version in VERSIONS:
        case = _load(RECORDED / f"{version}-outage-chat-gemini-2.5-pro@google-code-assist.json")
        message = case["body"]["error"]["message"]
        assert case["status"] == 429 and message.startswith("litellm.RateLimitError: CodeAssistException - {")
        assert "Traceback" not in message and "APIConnectionError" not in message
        verdict = _verdict(case)
        assert verdict is not None and verdict.outcome is Outcome.OVERLOADED
        assert "no capacity" in verdict.detail
