"""The official SDKs as a second opinion on the simulators and the classifier.

For every provider fault of tests/test_probe_classification.py on an upstream an official SDK
speaks (anthropic 2.14 for the Anthropic API and Claude Max OAuth, openai 3.57 for OpenAI,
codex-shim and the LiteLLM passthrough, google-genai 3.6 for AI Studio), the SDK is pointed at
the simulator and asked for the same 1-token generation aspirectl's canary sends. Then:

- the SDK authenticates the way it does against the real API (anthropic: `x-api-key`, or
  `Authorization: Bearer` for an OAuth token; openai: Bearer; genai: `x-goog-api-key`), and
  the simulator accepts it: no fault, no SDK error;
- the SDK raises for the same HTTP status aspirectl saw (OTHER_STEP names the faults
  aspirectl reads elsewhere, with the reason), and the provider error type/code aspirectl
  reports is one the SDK parsed out of the body: two parsers, one of them the vendor's,
  agree on what the simulator said;
- the SDK's generation succeeds only where it should (SDK_SUCCEEDS, with the reason).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The official SDKs are test dependencies (pyproject [test]): missing, these 91 cases fail,
# they are never skipped.
import anthropic
import google.genai as genai
import google.genai.errors as genai_errors
import openai
import pytest

from aspirectl.probe.outcomes import Outcome
from aspirectl.sandbox.catalogue import Behaviour
from aspirectl.sandbox.httpserver import Response
from tests.hostile import http_server
from tests.sandboxing import hop, probe_box, running, scenario
from tests.test_probe_classification import FAULT_CASES

SDK_UPSTREAMS = {"anthropic-api", "anthropic-oauth", "openai-api", "codex-shim", "cloud-first-litellm",
                 "google-ai-studio"}
CASES = [c for c in FAULT_CASES if c[0] in SDK_UPSTREAMS]


def _generate(box, upstream_name: str, model: str, base_url: str | None = None) -> Any:
    """The SDK's own 1-token generation against the simulator (or another server at base_url,
    path kept); returns the answer or raises."""
    upstream = box.sandbox_catalog().upstreams[upstream_name]
    credential = box.credentials[upstream.auth.credential]
    base_url = base_url or upstream.base_url
    if upstream_name == "anthropic-api":
        client = anthropic.Anthropic(api_key=credential, base_url=base_url, max_retries=0, timeout=5)
        return client.messages.create(model=model, max_tokens=1, messages=[{"role": "user", "content": "ping"}])
    if upstream_name == "anthropic-oauth":
        client = anthropic.Anthropic(auth_token=credential, base_url=base_url, max_retries=0, timeout=5,
                                     default_headers={"anthropic-beta": "oauth-2025-04-20"})
        return client.messages.create(model=model, max_tokens=1, messages=[{"role": "user", "content": "ping"}])
    if upstream_name == "google-ai-studio":
        client = genai.Client(api_key=credential, http_options={"base_url": base_url, "timeout": 5000,
                                                                "retry_options": {"attempts": 1}})
        return client.models.generate_content(model=model, contents="ping",
                                              config={"max_output_tokens": 1})
    base = base_url if base_url.endswith("/v1") else base_url + "/v1"
    client = openai.OpenAI(api_key=credential, base_url=base, max_retries=0, timeout=5)
    if upstream_name == "openai-api":
        return client.chat.completions.create(model=model, max_completion_tokens=1,
                                              messages=[{"role": "user", "content": "ping"}])
    return client.chat.completions.create(model=model, max_tokens=1, messages=[{"role": "user", "content": "ping"}])


def _sdk_reading(exc: Exception) -> tuple[int | None, set[str]]:
    """(HTTP status, the error type/code/status strings) as the SDK itself parsed them."""
    if isinstance(exc, anthropic.APIStatusError):
        error = (exc.body or {}).get("error", {}) if isinstance(exc.body, dict) else {}
        return exc.status_code, {str(v) for v in (error.get("type"),) if v}
    if isinstance(exc, openai.APIStatusError):
        # A LiteLLM passthrough names its exception class in the error message the SDK parsed
        # ("litellm.RateLimitError: ..."): that class is what aspirectl reports as the code.
        body = exc.body if isinstance(exc.body, dict) else {}
        classes = set(re.findall(r"\blitellm\.([A-Z]\w+)", str(body.get("message", ""))))
        return exc.status_code, {str(v) for v in (exc.code, exc.type) if v} | classes
    if isinstance(exc, genai_errors.APIError):
        details = (exc.details or {}).get("error", {}).get("details", []) if isinstance(exc.details, dict) else []
        reasons = {str(d.get("reason")) for d in details if isinstance(d, dict) and d.get("reason")}
        return exc.code, {str(v) for v in (exc.status,) if v} | reasons
    raise exc


def _model(box, upstream: str, alias: str) -> str:
    catalog = box.sandbox_catalog()
    return next(h.model_for(alias) for h in catalog.hops(alias) if h.upstream == upstream)


def test_every_sdk_is_accepted_where_nothing_is_wrong():
    with running("all-up") as box:
        for upstream, alias in (("anthropic-api", "claude-sonnet-4-6"), ("anthropic-oauth", "claude-haiku-4-5"),
                                ("openai-api", "gpt-5.5"), ("codex-shim", "gpt-4.1"),
                                ("cloud-first-litellm", "qwen-3.6"), ("google-ai-studio", "gemini-2.5-pro")):
            answer = _generate(box, upstream, _model(box, upstream, alias))
            assert answer is not None, upstream


# Faults aspirectl reads on a step the SDK's generation does not take, where the two see
# different statuses by design: (upstream, fault) -> why.
OTHER_STEP = {
    ("anthropic-oauth", "subscription_rejected"): "aspirectl reads the quota windows (200, utilization 100%)",
}
# (The passthrough's /health answers 503 whatever the cause; aspirectl takes the status the
# model answers from the entry's exception_status, which is the status the SDK's chat sees.)
# Faults on which the SDK's generation rightly succeeds: (upstream, fault) -> why.
SDK_SUCCEEDS = {
    ("anthropic-oauth", "usage_throttled"): "only the usage endpoint is throttled; the hop serves",
    ("anthropic-oauth", "nearly_exhausted"): "the answer is 200; the warning is in its headers",
    ("cloud-first-litellm", "not_listed"): "the model works but is missing from the key's /v1/models",
    ("cloud-first-litellm", "shutting_down"): "only liveliness says shutting_down",
}


@pytest.mark.parametrize(("upstream", "alias", "fault", "deep", "expected", "text"), CASES,
                         ids=[f"{c[0]}-{c[2]}{'-deep' if c[3] else ''}" for c in CASES])
def test_the_sdk_reads_each_fault_as_aspirectl_does(upstream, alias, fault, deep, expected, text):
    with running(scenario(**{upstream.replace("-", "_"): Behaviour(fault=fault)})) as box:
        result = hop(probe_box(box, [alias], deep=True), alias, upstream)
        try:
            _generate(box, upstream, _model(box, upstream, alias))
        except Exception as exc:  # the SDK's verdict
            status, said = _sdk_reading(exc)
            text_seen = f"{exc} {json.dumps(getattr(exc, 'body', None) or getattr(exc, 'details', None))}"
        else:
            assert (upstream, fault) in SDK_SUCCEEDS, (fault, result)
            return
    assert (upstream, fault) not in SDK_SUCCEEDS, "the SDK failed where it should not"
    assert result.outcome is expected and not result.outcome.serves
    if (upstream, fault) in OTHER_STEP:
        assert status != result.http_status
    else:
        assert status == result.http_status, (fault, status, result.http_status)
    if result.error_code and (upstream, fault) not in OTHER_STEP:
        # the provider error aspirectl reports is the one the SDK's own parser found
        assert result.error_code in said, (fault, said, result.error_code, text_seen[:200])
    if expected not in (Outcome.AUTH_INVALID, Outcome.AUTH_EXPIRED):
        assert status != 401, "the simulator refused the SDK's own way of authenticating"


# --- the SDKs on the recorded real answers -------------------------------------------------

_ALIAS = {"anthropic-api": "claude-sonnet-4-6", "anthropic-oauth": "claude-haiku-4-5", "openai-api": "gpt-5.5",
          "codex-shim": "gpt-4.1", "google-ai-studio": "gemini-2.5-pro"}


def _sdk_verdict(box, upstream: str, model: str, base_url: str | None = None) -> tuple[str, int | None, set[str]]:
    try:
        _generate(box, upstream, model, base_url)
    except Exception as exc:
        status, said = _sdk_reading(exc)
        return type(exc).__name__, status, said
    return "no error", None, set()


def _sdk_pairs():
    from tests.test_recorded import SIM_PROVIDER

    out = []
    for module, fault, recorded, _ in SIM_PROVIDER:
        case = json.loads((Path(__file__).parent / "recorded" / "providers" / recorded).read_text())
        # an SDK speaks to the upstream, whose simulator must be the one the fault belongs to
        if case["upstream"] in _ALIAS and module != "code_assist":
            out.append((case["upstream"], fault, recorded, case))
    return out


@pytest.mark.parametrize(("upstream", "fault", "recorded", "case"), _sdk_pairs(),
                         ids=[f"{u}-{f}" for u, f, _, _ in _sdk_pairs()])
def test_the_sdk_raises_on_the_simulator_what_it_raises_on_the_recorded_answer(upstream, fault, recorded, case):
    """Each SDK, on the recorded real answer (replayed on loopback) and on the simulator answer that
    imitates it, raises the same exception class with the same status and error type/code."""
    with running(scenario(**{upstream.replace("-", "_"): Behaviour(fault=fault)})) as box:
        model = _model(box, upstream, _ALIAS[upstream])
        on_simulator = _sdk_verdict(box, upstream, model)
        recorded_answer = Response(case["status"], case["body"], case.get("headers", {}))
        with http_server(lambda request: recorded_answer) as replay:  # the recording, on loopback
            path = urlsplit(box.sandbox_catalog().upstreams[upstream].base_url).path
            on_record = _sdk_verdict(box, upstream, model, replay + path)
    assert on_record[0] != "no error", "the recorded answer is an error: the SDK must raise"
    if "status" in case.get("dropped", ()):  # the source kept no Google status string to compare
        import importlib

        module = {"google-ai-studio": "gemini"}[upstream]
        sim = importlib.import_module(f"aspirectl.sandbox.simulators.{module}").FAULTS[fault](None, None, "generate", model)
        on_simulator = (*on_simulator[:2], on_simulator[2] - {sim.body["error"].get("status")})
    assert on_simulator == on_record, (recorded, on_simulator, on_record)
