"""The LiteLLM passthrough module's own decisions in milliseconds: which /health entries are the
probed group's, what an unhealthy entry's status and words are, an answer of an unknown shape,
the model list, what describe() takes from LiteLLM's envelope, which exception class a nested
error names, and a wrapped Google body's own status. Each starts from a recorded answer
(tests/recorded/) and changes one thing in it, said where it is done; written for the mutants
of aspirectl/probe/protocols/litellm.py (first in its mutation selection)."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest

from aspirectl.probe.outcomes import Facts, Outcome
from aspirectl.probe.protocols import litellm
from tests.test_recorded import LITELLM_TARGET

RECORDED = Path(__file__).parent / "recorded"


def _recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


def _health(body: dict, status: int = 503, model: str = "qwen-3.6"):
    facts = Facts(status=status, headers={}, body=body, text=json.dumps(body))
    litellm.describe(facts)
    return litellm._judge_health(facts, replace(LITELLM_TARGET, model=model), {})


THROTTLED = _recorded("litellm-proxy/1.108.7-throttled-health-qwen-3.6")["body"]
THROTTLED_180 = _recorded("litellm-proxy/1.80.0-throttled-health-qwen-3.6")["body"]
EVERYTHING_180 = _recorded("litellm-refusals/1.80.0-background-health-health-qwen-3.6-omni")["body"]


# which entries are the group's -------------------------------------------------------------------
def test_1_80_0s_list_of_every_deployment_is_cut_to_the_probed_groups_own():
    """1.80.0 with background checks lists all 18 deployments: qwen-3.6-omni's is the one whose
    provider model ends in '/qwen-3.6-omni', not qwen-3.6's, not another provider's."""
    verdict = _health(EVERYTHING_180, status=200, model="qwen-3.6-omni")
    assert verdict is not None and verdict.detail.startswith(
        "passthrough health check: the upstream behind the passthrough failed: litellm.BadGatewayError: ")
    assert _health(EVERYTHING_180, status=200, model="qwen-3.6") is None  # its own entry is healthy
    assert _health(EVERYTHING_180, status=200, model="claude-haiku-4-5") is None


@pytest.mark.parametrize(("entries", "model", "kept"), [
    ([{"model": "openai/qwen-3.6"}, {"model": "openai/qwen-3.6-omni"}], "qwen-3.6", [0]),
    ([{"model": "qwen-3.6"}, {"model": "xqwen-3.6"}], "qwen-3.6", [0]),  # whole name, or after a '/'
    ([{"model": "a/b/qwen-3.6"}, {"model": "qwen-3.6/x"}], "qwen-3.6", [0]),
    ([{"model": "openai/other"}, {"model": "openai/else"}], "qwen-3.6", [0, 1]),  # none: all of them
    (["not an entry", {"model": "openai/qwen-3.6"}], "qwen-3.6", [1]),
    (["not an entry", {"no": "model"}], "qwen-3.6", [0, 1]),
    ([{"model": "openai/qwen-3.6", "model_id": "qwen-3.6-omni"}], "qwen-3.6-omni", [0]),  # model_id is no name
])
def test_an_entry_is_the_groups_when_its_provider_model_is_it_or_ends_in_it(entries, model, kept):
    assert litellm._for_model(entries, model) == [entries[i] for i in kept]


def test_a_group_with_healthy_and_unhealthy_deployments_is_degraded_with_the_count():
    body = copy.deepcopy(THROTTLED)  # the recorded throttled group, plus two healthy deployments
    body["healthy_endpoints"] = [dict(body["unhealthy_endpoints"][0], error=None)] * 2
    verdict = _health(body)
    assert (verdict.outcome, verdict.detail) == (Outcome.DEGRADED,
                                                 "1 of 3 deployments unhealthy on the passthrough")
    body["unhealthy_endpoints"] = []
    assert _health(body, status=200) is None


# an unhealthy entry ----------------------------------------------------------------------------
def test_an_unhealthy_entry_is_read_by_its_cause_with_the_status_litellm_gave_it():
    verdict = _health(THROTTLED)
    assert (verdict.outcome, verdict.facts.status, verdict.facts.error_code, verdict.facts.body) == (
        Outcome.RATE_LIMITED, 429, "RateLimitError", None)
    assert verdict.detail == ("passthrough health check: rate limited behind the passthrough (LiteLLM's status "
                              "429): litellm.RateLimitError: RateLimitError: OpenAIException - "
                              "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for "
                              "requests")
    older = _health(THROTTLED_180, status=200)  # 1.80.0 gives no exception_status
    assert (older.outcome, older.facts.status) == (Outcome.RATE_LIMITED, 200)
    assert older.detail.startswith("passthrough health check: rate limited behind the passthrough: litellm.")


@pytest.mark.parametrize(("seen", "status", "said"), [
    (400, 400, " (LiteLLM's status 400)"), (599, 599, " (LiteLLM's status 599)"),
    (399, 503, ""), (600, 503, ""), (True, 503, ""), ("429", 503, ""), (None, 503, "")])
def test_only_an_error_status_litellm_wrote_as_a_number_is_the_hops(seen, status, said):
    """exception_status changed in the recorded answer: a bool, a string or a number outside
    400-599 is not a status (the /health answer's own 503 stays)."""
    body = copy.deepcopy(THROTTLED)
    body["unhealthy_endpoints"][0]["exception_status"] = seen
    verdict = _health(body)
    assert verdict.facts.status == status
    assert verdict.detail.startswith(f"passthrough health check: rate limited behind the passthrough{said}: ")


def test_an_entry_whose_words_name_no_cause_is_read_by_its_status():
    body = copy.deepcopy(THROTTLED)
    body["unhealthy_endpoints"][0]["error"] = "something LiteLLM never wrote\nsecond line"
    verdict = _health(body)
    assert (verdict.outcome, verdict.facts.status, verdict.facts.message) == (
        Outcome.RATE_LIMITED, 429, "something LiteLLM never wrote")
    assert verdict.detail == "passthrough health check: rate limited: something LiteLLM never wrote"
    del body["unhealthy_endpoints"][0]["exception_status"]  # as 1.80.0 writes it: a server error
    verdict = _health(body, status=200)
    assert (verdict.outcome, verdict.facts.status) == (Outcome.UPSTREAM_ERROR, 200)
    assert verdict.detail.startswith("passthrough health check: ")


@pytest.mark.parametrize("entry", ["not an object", {"model": "openai/qwen-3.6"}, {"error": ""}, {"error": None}])
def test_an_unhealthy_entry_without_words_says_unhealthy(entry):
    body = {"healthy_endpoints": [], "unhealthy_endpoints": [entry]}
    verdict = _health(body)
    assert verdict.facts.message == "unhealthy"
    assert verdict.detail == "passthrough health check: provider error: unhealthy"


def test_an_entry_of_only_litellms_notes_says_unhealthy():
    body = {"healthy_endpoints": [], "unhealthy_endpoints": [{"error": "\nstack trace: Traceback ..."}]}
    assert _health(body).facts.message == "unhealthy"


# the answer itself ----------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    {"healthy_endpoints": "all of them", "unhealthy_endpoints": []},
    {"healthy_endpoints": [], "unhealthy_endpoints": {"model": "x"}}])
def test_a_health_answer_of_an_unknown_shape_is_an_upstream_error(body):
    verdict = _health(body, status=200)
    assert (verdict.outcome, verdict.detail) == (Outcome.UPSTREAM_ERROR,
                                                 "passthrough health answer of an unknown shape")


@pytest.mark.parametrize("status", [200, 503])
def test_no_deployment_of_the_group_is_model_not_found(status):
    """Recorded: 1.80.0 answers an unknown group with 200 and both lists empty, 1.85.0+ with 503."""
    verdict = _health({"healthy_endpoints": [], "unhealthy_endpoints": []}, status=status, model="nope")
    assert (verdict.outcome, verdict.detail) == (
        Outcome.MODEL_NOT_FOUND, "no deployment of 'nope' in the passthrough's health answer")
    assert _health({}, status=200, model="nope").outcome is Outcome.MODEL_NOT_FOUND


def test_a_health_refusal_is_read_as_the_error_it_is():
    case = _recorded("litellm-refusals/1.108.7-unknown-key-models")
    verdict = _health(case["body"], status=case["status"])
    assert (verdict.outcome, verdict.detail.split(":")[0]) == (
        Outcome.AUTH_INVALID, "the passthrough rejected our virtual key")


# the model list, describe() ----------------------------------------------------------------------
def test_the_model_list_holds_the_group_or_says_it_does_not():
    facts = Facts(status=200, headers={}, body={"data": [{"id": "qwen-3.6"}, "junk", {"no": "id"}]})
    target = replace(LITELLM_TARGET, model="qwen-3.6")
    assert litellm._judge_models(facts, target, {}) is None
    verdict = litellm._judge_models(facts, replace(target, model="gpt-5.5"), {})
    assert (verdict.outcome, verdict.detail) == (Outcome.MODEL_NOT_FOUND,
                                                 "'gpt-5.5' is not among the key's model groups")
    assert litellm._judge_models(Facts(status=200, headers={}, body={}), target, {}).outcome is Outcome.MODEL_NOT_FOUND


@pytest.mark.parametrize(("error", "code"), [
    ({"message": "litellm.RateLimitError: x", "type": "throttling_error", "code": "429"}, "RateLimitError"),
    ({"message": "litellm.RateLimitError: x", "type": "throttling_error", "code": 429}, "RateLimitError"),
    ({"message": "litellm.RateLimitError: x", "code": "rate_limit"}, "rate_limit"),  # a code that says more
    ({"message": "no class named", "code": "429"}, "429"),
    ({"message": "litellm.RateLimitError: x"}, None),
])
def test_describe_takes_the_exception_class_only_where_code_is_a_bare_status(error, code):
    facts = Facts(status=429, headers={"x-litellm-call-id": "call-1", "retry-after": "7"}, body={"error": error})
    litellm.describe(facts)
    assert (facts.error_code, facts.error_type, facts.message, facts.request_id, facts.retry_after_s) == (
        code, error.get("type"), error["message"], "call-1", 7.0)


def test_describe_reads_no_message_as_empty_and_a_draining_status_as_the_message():
    facts = Facts(status=400, headers={}, body={"error": {"message": None, "type": None}})
    litellm.describe(facts)
    assert (facts.message, facts.error_type, facts.error_code, facts.request_id, facts.retry_after_s) == (
        "", None, None, None, None)
    draining = Facts(status=503, headers={}, body={"status": "shutting_down"})
    litellm.describe(draining)
    assert draining.message == "shutting_down"
    odd = Facts(status=503, headers={}, body={"status": 3})
    litellm.describe(odd)
    assert odd.message == ""


# what a nested error names ----------------------------------------------------------------------
def test_the_last_class_named_before_the_router_notes_is_the_cause():
    text = ("litellm.APIConnectionError: litellm.NotFoundError: gone. No fallback model group found for "
            "original model_group=x. Fallbacks=[{'x': ['y']}] litellm.RateLimitError: later")
    cause = litellm.embedded_cause(text)
    assert (cause.outcome, cause.cls) == (Outcome.MODEL_NOT_FOUND, "NotFoundError")
    assert litellm.embedded_cause("no class at all") is None
    assert litellm.embedded_cause("litellm.SomethingNewError: x") is None
    assert litellm.embedded_cause("litellm.SomethingNewError: Connection error.") == litellm.Embedded(
        Outcome.UNREACHABLE, "the passthrough cannot reach its upstream", "SomethingNewError")


def test_without_trace_keeps_the_router_notes_and_drops_the_stack_trace():
    text = "litellm.RateLimitError: x. Received Model Group=y  \nstack trace: Traceback (most recent call last):\n a"
    assert litellm.without_trace(text) == "litellm.RateLimitError: x. Received Model Group=y"
    assert litellm.without_trace("a Traceback (most recent call last) b Traceback (most recent call last) c") == "a"


LOCATION = _recorded("providers/gemini-user-location")["body"]  # 400 FAILED_PRECONDITION


@pytest.mark.parametrize(("cls", "code", "outcome"), [
    ("InternalServerError", 400, Outcome.FORBIDDEN),  # the body's 400, not the class's 500
    ("BadRequestError", 599, Outcome.BAD_REQUEST),  # any 4xx/5xx the body states is the status
    ("BadRequestError", 600, Outcome.FORBIDDEN),  # not a status: the class's 400 stays
    ("InternalServerError", 399, Outcome.UPSTREAM_ERROR),
    ("InternalServerError", True, Outcome.UPSTREAM_ERROR),
    ("InternalServerError", "400", Outcome.UPSTREAM_ERROR)])
def test_a_wrapped_google_body_states_its_own_status(cls, code, outcome):
    """The recorded Gemini 'User location is not supported' (400 FAILED_PRECONDITION) wrapped as
    LiteLLM wraps it, its code changed: a status 400-599 written as a number is the one its rules
    read; anything else leaves the status of LiteLLM's class."""
    body = copy.deepcopy(LOCATION)
    body["error"]["code"] = code
    cause = litellm.embedded_cause(f"litellm.{cls}: geminiException - " + json.dumps(body))
    assert cause is not None and cause.outcome is outcome


def test_relayed_type_needs_the_status_and_the_words():
    assert litellm.relayed_type(400, "BadRequestError: Budget Has Been Exceeded! x") == "budget_exceeded"
    assert litellm.relayed_type(429, "Budget has been exceeded") is None
    assert litellm.relayed_type(400, "budget exceeded") is None


OVERLOADED_500 = _recorded("providers/anthropic-api-overloaded-500")["body"]


@pytest.mark.parametrize(("prefix", "outcome", "label"), [
    ("", Outcome.OVERLOADED, "Anthropic overloaded (behind the passthrough)"),  # no class: a 500
    ("litellm.SomethingNewError: ", Outcome.OVERLOADED, "Anthropic overloaded (behind the passthrough)"),
    ("litellm.InternalServerError: ", Outcome.OVERLOADED, "Anthropic overloaded (behind the passthrough)"),
    ("litellm.RateLimitError: ", Outcome.RATE_LIMITED, "rate limited behind the passthrough")])
def test_a_wrapped_body_is_read_at_the_status_of_the_class_litellm_names_else_500(prefix, outcome, label):
    """The recorded Anthropic 500 'Overloaded' (its rule reads the words at status 500 only)."""
    cause = litellm.embedded_cause(prefix + "AnthropicException - " + json.dumps(OVERLOADED_500))
    assert (cause.outcome, cause.label) == (outcome, label)


def test_an_entry_whose_model_is_not_text_is_not_the_groups():
    entries = [{"model": ["openai/qwen-3.6"]}, {"model": None}, {"model": "openai/qwen-3.6"}]
    assert litellm._for_model(entries, "qwen-3.6") == [entries[2]]
    assert litellm._for_model(entries[:2], "qwen-3.6") == entries[:2]


def test_a_400_health_refusal_is_read_as_the_error_it_is():
    """1.80.0 refuses an expired key with 400 (recorded on /v1/models; /health refuses alike)."""
    case = _recorded("litellm-refusals/1.80.0-expired-key-models")
    assert case["status"] == 400
    verdict = _health(case["body"], status=400)
    assert verdict.outcome is Outcome.AUTH_EXPIRED


def test_the_health_verdict_keeps_litellms_call_id():
    for body in (THROTTLED, {"healthy_endpoints": [], "unhealthy_endpoints": [{"error": "words"}]}):
        facts = Facts(status=503, headers={"x-litellm-call-id": "call-7"}, body=body)
        litellm.describe(facts)
        verdict = litellm._judge_health(facts, replace(LITELLM_TARGET, model="qwen-3.6"), {})
        assert verdict.facts.request_id == "call-7"


def test_what_each_step_asks_the_passthrough():
    plain = litellm.steps(replace(LITELLM_TARGET, model="qwen-3.6", canary=False))
    assert [(s.name, s.method, s.path, s.ok, s.params, s.shared, s.auth, s.judged_statuses, s.json)
            for s in plain] == [
        ("liveliness", "GET", "/health/liveliness", "proxy alive", (), True, False, frozenset(), None),
        ("models", "GET", "/v1/models", "model group listed", (), True, True, frozenset(), None),
        ("health", "GET", "/health", "passthrough reports the model healthy", (("model", "qwen-3.6"),), False,
         True, frozenset({503}), None)]
    assert [s.judge for s in plain] == [None, litellm._judge_models, litellm._judge_health]
    deep = litellm.steps(replace(LITELLM_TARGET, model="qwen-3.6", canary=True))
    canary = deep[-1]
    assert [s.name for s in deep] == ["liveliness", "models", "health", "canary"]
    assert (canary.method, canary.path, canary.ok, canary.shared, canary.auth, canary.judge) == (
        "POST", "/v1/chat/completions", "1-token canary answered", False, True, litellm.judge_canary)
    assert canary.json == {"model": "qwen-3.6", "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}]}
    assert canary.judged_statuses == frozenset(range(400, 600))
