"""Every row of every protocol's rule table that names a code, a type or a reason is reachable
on its own: an answer carrying only what the row asks for (its status, code, type or reason,
no words) is read by that very row. A row that an earlier row shadows, or whose condition a
change broke while a row in words still catches the recorded answers, fails here (written
from the mutants scripts/mutation found surviving: the corpus's answers carry code and words
together)."""

from __future__ import annotations

import importlib

import pytest

from aspirectl.probe.outcomes import Facts, Rule, classify

MODULES = ("anthropic", "openai", "gemini", "code_assist", "litellm")


def _rows():
    for name in MODULES:
        module = importlib.import_module(f"aspirectl.probe.protocols.{name}")
        for index, rule in enumerate(module.RULES):
            if rule.message or rule.header or rule.when:
                continue  # read from words, headers or a predicate: the recorded corpus holds those
            if not (rule.error_type or rule.error_code or rule.reason):
                continue  # the status alone: below
            yield pytest.param(name, index, rule, id=f"{name}-{index}-{rule.label[:30]}")


def _first(value):
    return value[0] if isinstance(value, tuple) else value


@pytest.mark.parametrize(("name", "index", "rule"), list(_rows()))
def test_a_row_that_names_a_code_reads_an_answer_with_only_that_code(name, index, rule: Rule):
    module = importlib.import_module(f"aspirectl.probe.protocols.{name}")
    for status in (rule.status if isinstance(rule.status, tuple) else (rule.status or 400,)):
        facts = Facts(status=status, headers={}, error_type=_first(rule.error_type),
                      error_code=_first(rule.error_code), reasons=(rule.reason,) if rule.reason else ())
        assert classify(facts, module.RULES) is rule, (status, classify(facts, module.RULES))
        if rule.status is not None:  # and not at a status the row does not name
            other = Facts(status=418, headers={}, error_type=facts.error_type, error_code=facts.error_code,
                          reasons=facts.reasons)
            assert classify(other, module.RULES) is not rule
    for value in (rule.error_type, rule.error_code):
        if isinstance(value, tuple):  # every member of a tuple counts
            for member in value:
                facts = Facts(status=_first(rule.status) or 400, headers={},
                              error_type=member if value is rule.error_type else _first(rule.error_type),
                              error_code=member if value is rule.error_code else _first(rule.error_code),
                              reasons=(rule.reason,) if rule.reason else ())
                assert classify(facts, module.RULES) is rule, member


@pytest.mark.parametrize("name", MODULES)
def test_a_row_on_the_status_alone_reads_a_bare_answer_of_that_status(name):
    module = importlib.import_module(f"aspirectl.probe.protocols.{name}")
    for rule in module.RULES:
        if any((rule.error_type, rule.error_code, rule.reason, rule.message, rule.header, rule.when)):
            continue
        for status in (rule.status if isinstance(rule.status, tuple) else (rule.status,)):
            # a row guarded by a predicate on the same status (a retry delay) may come first:
            # one of a short and a long delay reaches this row
            reached = [classify(Facts(status=status, headers={}, retry_after_s=delay), module.RULES)
                       for delay in (None, 86400.0)]
            assert rule in reached, (name, rule.label, status, [r.label for r in reached])


# ----------------------------------------------------------------- what describe() reads

def _openai(status: int, body, headers=None) -> Facts:
    from aspirectl.probe.protocols import openai

    facts = Facts(status=status, headers=headers or {}, body=body)
    openai.describe(facts)
    return facts


def test_openai_reads_the_error_envelope_the_detail_forms_and_the_plain_string():
    f = _openai(400, {"error": {"type": "invalid_request_error", "code": "bad", "message": None}})
    assert (f.error_type, f.error_code, f.message) == ("invalid_request_error", "bad", "")
    f = _openai(400, {"error": "just words"})
    assert (f.error_type, f.error_code, f.message) == (None, None, "just words")
    f = _openai(400, {"detail": {"type": "t1", "code": "c1", "message": "m1"}})
    assert (f.error_type, f.error_code, f.message) == ("t1", "c1", "m1")
    f = _openai(400, {"detail": {"type": "t1"}})
    assert (f.error_type, f.error_code, f.message) == ("t1", None, "")
    f = _openai(400, {"detail": "Instructions are required"})
    assert (f.error_type, f.error_code, f.message) == (None, None, "Instructions are required")


def test_openai_reads_when_a_limit_resets():
    f = _openai(429, {"error": {"type": "usage_limit_reached", "resets_in_seconds": 120}})
    assert f.retry_after_s == 120 and f.reset_at is None
    f = _openai(429, {"error": {"type": "usage_limit_reached", "resets_at": 1893456000, "resets_in_seconds": 5}})
    assert f.reset_at is not None and f.reset_at.year == 2030 and f.retry_after_s is None
    f = _openai(429, {"error": {"type": "x"}}, {"retry-after": "7"})
    assert f.retry_after_s == 7
    f = _openai(429, {"error": {"type": "x"}}, {"x-ratelimit-reset-requests": "1m30s"})
    assert f.retry_after_s == 90
    f = _openai(429, {"error": {"type": "x"}}, {"retry-after": "3", "x-ratelimit-reset-requests": "1m30s"})
    assert f.retry_after_s == 3
    f = _openai(500, {"error": {"type": "x"}}, {"x-ratelimit-reset-requests": "1m30s"})
    assert f.retry_after_s is None  # only a 429 is told to wait by the bucket's reset
    f = _openai(429, {"error": {"type": "usage_limit_reached", "resets_in_seconds": 120}}, {"retry-after": "9"})
    assert f.retry_after_s == 9  # the header wins


def test_openai_request_id_from_either_header():
    assert _openai(400, {}, {"x-request-id": "req_1", "x-oai-request-id": "req_2"}).request_id == "req_1"
    assert _openai(400, {}, {"x-oai-request-id": "req_2"}).request_id == "req_2"
    assert _openai(400, {}).request_id is None


@pytest.mark.parametrize(("body", "verdict"), [
    ({"choices": [{"message": {"content": "p"}, "finish_reason": "length"}]}, None),
    ({"choices": [{"message": {"content": "", "reasoning_content": "thinking"}}]}, None),  # Qwen3 via LiteLLM
    ({"choices": [{"message": {"content": ""}, "finish_reason": "length"}]}, None),  # 1 token: cut by the limit
    ({"choices": [{"message": None, "finish_reason": "stop"}]}, None),
    ({"choices": [{"message": {"content": ""}, "finish_reason": "content_filter"}]}, "200 with an empty answer"),
    ({"choices": [{"message": {}}]}, "200 with an empty answer"),
    ({"choices": []}, "200 without choices"),
    ({"choices": ["text"]}, "200 without choices"),
    ({"object": "chat.completion"}, "200 without choices"),
])
def test_an_openai_completion_serves_only_with_an_answer_or_a_clean_stop(body, verdict):
    from aspirectl.probe.protocols.openai import judge_completion

    result = judge_completion(Facts(status=200, headers={}, body=body), None, None)  # type: ignore[arg-type]
    if verdict is None:
        assert result is None
    else:
        assert result is not None and result.outcome.value == "degraded" and result.detail == verdict


# ----------------------------------------------------------------- Anthropic's own headers

@pytest.mark.parametrize("release", ["1.80.0", "1.85.0", "1.108.7"])
def test_anthropic_requests_carry_the_version_the_gateway_sends_and_the_oauth_beta(release):
    """The probe asks as the gateway asks: LiteLLM's anthropic provider's default
    anthropic-version at each release (read from its installed code; the official SDK itself has
    moved on to a later version, which the gateway does not send)."""
    import re
    from dataclasses import replace as _replace

    from aspirectl.probe.protocols import anthropic
    from tests import pgutil
    from tests.test_recorded import _BY_UPSTREAM

    source = next((pgutil.CI_CACHE / f"litellm-{release}" / "lib").glob(
        "python3*/site-packages/litellm/llms/anthropic/common_utils.py")).read_text()
    sent = re.search(r'"anthropic-version": anthropic_version or "([0-9-]+)"', source)
    assert sent is not None
    api = _replace(_BY_UPSTREAM["anthropic-api"], credential="sk-ant-api03-test")
    oauth = _replace(_BY_UPSTREAM["anthropic-oauth"], credential="sk-ant-oat01-test")
    assert anthropic.headers(api) == {"anthropic-version": sent.group(1), "x-api-key": "sk-ant-api03-test"}
    assert anthropic.headers(oauth) == {"anthropic-version": sent.group(1),
                                        "authorization": "Bearer sk-ant-oat01-test",
                                        "anthropic-beta": "oauth-2025-04-20"}


def _anthropic(status: int, headers: dict, body=None) -> Facts:
    from aspirectl.probe.protocols import anthropic

    facts = Facts(status=status, headers=headers, body=body or {"type": "error", "error": {
        "type": "rate_limit_error", "message": "x"}})
    anthropic.describe(facts)
    return facts


def test_anthropic_reads_the_subscription_window_that_rejected_and_its_reset():
    u = "anthropic-ratelimit-unified-"
    f = _anthropic(429, {u + "status": "rejected", u + "representative-claim": "five_hour",
                         u + "5h-reset": "1893456000", "retry-after": "301", "request-id": "req_9"})
    assert f.reasons == ("window:five_hour",) and f.reset_at is not None and f.reset_at.year == 2030
    assert f.retry_after_s == 301 and f.request_id == "req_9"
    from aspirectl.probe.protocols import anthropic

    rule = classify(f, anthropic.RULES)
    assert (rule.outcome.value, rule.label) == ("quota_exhausted", "Claude subscription quota rejected")
    rule = classify(_anthropic(429, {"retry-after": "301"}), anthropic.RULES)
    assert (rule.outcome.value, rule.label) == ("quota_exhausted", "rate limited for more than 5 minutes")
    rule = classify(_anthropic(504, {}, {"type": "error", "error": {"type": "timeout_error", "message": "t"}}),
                    anthropic.RULES)
    assert (rule.outcome.value, rule.label) == ("timeout", "Anthropic timed out")
    f = _anthropic(429, {u + "status": "rejected", u + "representative-claim": "seven_day",
                         u + "7d-reset": "1893456000"})
    assert f.reasons == ("window:seven_day",) and f.reset_at is not None
    f = _anthropic(429, {u + "status": "rejected", u + "representative-claim": "seven_day",
                         u + "reset": "1893542400", u + "7d-reset": "1893456000"})
    assert f.reset_at is not None and f.reset_at.day == 2  # the overall reset wins
    f = _anthropic(429, {u + "status": "allowed", u + "representative-claim": "five_hour"})
    assert f.reasons == () and f.reset_at is None
    f = _anthropic(429, {}, {"type": "error", "error": {"type": "rate_limit_error", "message": "m"},
                             "request_id": "req_body"})
    assert f.request_id == "req_body" and f.retry_after_s is None


@pytest.mark.parametrize(("retry", "outcome"), [("300", "rate_limited"), ("301", "quota_exhausted"), (None, "rate_limited")])
def test_anthropic_a_429_longer_than_five_minutes_is_a_quota(retry, outcome):
    from aspirectl.probe.protocols import anthropic

    facts = _anthropic(429, {"retry-after": retry} if retry else {})
    assert classify(facts, anthropic.RULES).outcome.value == outcome


@pytest.mark.parametrize(("model", "window"), [("claude-opus-4-1", "seven_day_opus"),
                                               ("claude-sonnet-4-5", "seven_day_sonnet")])
def test_the_subscription_usage_names_a_models_own_weekly_window(model, window):
    from dataclasses import replace as _replace

    from aspirectl.probe.protocols import anthropic
    from tests.test_recorded import _BY_UPSTREAM

    target = _replace(_BY_UPSTREAM["anthropic-oauth"], model=model)
    usage = next(s for s in anthropic.steps(target) if s.name == "usage")
    body = {"five_hour": {"utilization": 10}, "seven_day": {"utilization": 20},
            window: {"utilization": 100, "resets_at": "2030-01-01T00:00:00Z"}}
    verdict = usage.judge(Facts(status=200, headers={}, body=body), target, None)  # type: ignore[arg-type,misc]
    assert verdict is not None and verdict.outcome.value == "quota_exhausted" and window in verdict.detail
    other = "claude-haiku-4-5"
    verdict = usage.judge(Facts(status=200, headers={}, body=body), _replace(target, model=other), None)  # type: ignore[arg-type,misc]
    assert verdict is None  # another model's weekly window does not stop this one


@pytest.mark.parametrize(("headers", "body", "detail"), [
    ({}, {"type": "message", "content": [{"type": "text", "text": "p"}]}, None),
    ({}, {"type": "message", "content": []}, None),  # max_tokens 1 may stop before any text
    ({"anthropic-ratelimit-unified-status": "allowed_warning"}, {"type": "message", "content": []},
     "serves, but the subscription quota is nearly used (anthropic-ratelimit-unified-status: allowed_warning)"),
    ({"anthropic-ratelimit-unified-status": "allowed"}, {"type": "message", "content": []}, None),
    ({}, {"type": "completion", "content": []}, "200 without a message body"),
    ({}, {"type": "message", "content": "text"}, "200 without a message body"),
    ({}, {"type": "message"}, "200 without a message body"),
])
def test_an_anthropic_message_serves_cleanly_or_says_why_not(headers, body, detail):
    from aspirectl.probe.protocols import anthropic

    canary = next(s for s in anthropic.steps(_target("anthropic-api", canary=True)) if s.name == "canary")
    verdict = canary.judge(Facts(status=200, headers=headers, body=body), None, None)  # type: ignore[arg-type,misc]
    if detail is None:
        assert verdict is None
    else:
        assert verdict is not None and verdict.outcome.value == "degraded" and verdict.detail == detail


def _target(upstream: str, **changes):
    from dataclasses import replace as _replace

    from tests.test_recorded import _BY_UPSTREAM

    return _replace(_BY_UPSTREAM[upstream], **changes)


def test_anthropic_asks_what_the_gateway_would_and_oauth_reads_the_quota_first():
    from aspirectl.probe.protocols import anthropic

    api = anthropic.steps(_target("anthropic-api", model="claude-haiku-4-5", canary=True))
    assert [(s.name, s.method, s.path) for s in api] == [
        ("model", "GET", "/v1/models/claude-haiku-4-5"), ("canary", "POST", "/v1/messages")]
    assert api[1].json == {"model": "claude-haiku-4-5", "max_tokens": 1,
                           "messages": [{"role": "user", "content": "ping"}]}
    oauth = anthropic.steps(_target("anthropic-oauth", model="claude-haiku-4-5", canary=False))
    assert [(s.name, s.method, s.path) for s in oauth] == [
        ("usage", "GET", "/api/oauth/usage"), ("model", "GET", "/v1/models/claude-haiku-4-5")]
    assert oauth[0].shared and oauth[0].inconclusive == frozenset({403, 429})


@pytest.mark.parametrize(("body", "detail"), [
    ({"five_hour": {"utilization": 100, "resets_at": "2030-01-01T05:00:00Z"}, "seven_day": {"utilization": 40}},
     "Claude subscription five_hour window at 100%, resets 2030-01-01 05:00Z"),
    ({"five_hour": {"utilization": 20}, "seven_day": {"utilization": 100.5}},
     "Claude subscription seven_day window at 100.5%"),
    ({"five_hour": {"utilization": 99.9}, "seven_day": {"utilization": 0}}, None),
])
def test_the_subscription_usage_says_which_window_is_full_and_when_it_resets(body, detail):
    from aspirectl.probe.protocols import anthropic

    target = _target("anthropic-oauth", model="claude-haiku-4-5")
    usage = next(s for s in anthropic.steps(target) if s.name == "usage")
    verdict = usage.judge(Facts(status=200, headers={}, body=body), target, None)  # type: ignore[arg-type,misc]
    if detail is None:
        assert verdict is None
    else:
        assert verdict is not None and verdict.outcome.value == "quota_exhausted" and verdict.detail == detail


@pytest.mark.parametrize("tail", [
    "[" * 5000 + "]" * 5000,  # nesting the parser refuses
    "{'error': {'message': '" + "x" * 70000 + "'}}",  # longer than the literal is read
    "{'error': {'code': " + "9" * 5000 + "}}",  # an int larger than Python converts
    "{'error': __import__('os').system('true')}",  # code, not a literal
    "{'error': {'message': 'cut short",
])
def test_a_hostile_wrapped_body_is_words_never_an_exception(tail):
    from aspirectl.probe.protocols.litellm import embedded_cause

    cause = embedded_cause("litellm.RateLimitError: OpenAIException - Error code: 429 - " + tail)
    assert cause is not None and cause.cls == "RateLimitError"


@pytest.mark.parametrize(("retry", "outcome", "label"), [
    (300.0, "rate_limited", "rate limited"), (300.5, "quota_exhausted", "quota exhausted"),
    (None, "rate_limited", "rate limited"), (0.0, "rate_limited", "rate limited")])
def test_gemini_a_429_that_says_no_quota_is_a_quota_after_five_minutes(retry, outcome, label):
    """A bare RESOURCE_EXHAUSTED 429 (tests/recorded/providers/gemini-bare-429.json) names no
    quota: a wait of 5 minutes or less is a rate limit, a longer one a quota used up."""
    from aspirectl.probe.protocols import gemini

    verdict = classify(Facts(status=429, headers={}, retry_after_s=retry, error_type="RESOURCE_EXHAUSTED"),
                       gemini.RULES)
    assert (verdict.outcome.value, verdict.label) == (outcome, label)


def test_gemini_a_200_with_no_candidate_or_an_empty_one_is_degraded_and_the_key_goes_in_a_header():
    from dataclasses import replace as _replace

    from aspirectl.probe.outcomes import Outcome
    from aspirectl.probe.protocols import gemini
    from tests.test_recorded import _BY_UPSTREAM

    target = _BY_UPSTREAM["google-ai-studio"]

    def judge(body):
        return gemini._judge_generate(Facts(status=200, headers={}, body=body), target, None)

    none = judge({"candidates": []})
    assert (none.outcome, none.detail) == (Outcome.DEGRADED, "200 without candidates")
    empty = judge({"candidates": [{"content": {"parts": [{"text": ""}]}, "finishReason": "SAFETY"}]})
    assert (empty.outcome, empty.detail) == (Outcome.DEGRADED, "empty answer (SAFETY)")
    assert judge({"candidates": [{"content": {"parts": [{"text": ""}]}, "finishReason": "MAX_TOKENS"}]}) is None
    assert judge({"candidates": [{"finishReason": "STOP"}]}) is None
    assert judge({"candidates": [{"content": {"parts": [{"text": "p"}]}, "finishReason": "OTHER"}]}) is None
    assert judge({"candidates": [{"finishReason": "STOP"}, "junk"]}) is None  # the first candidate decides
    assert gemini.headers(target) == {"x-goog-api-key": target.credential}
    assert gemini.headers(_replace(target, credential=None)) == {"x-goog-api-key": ""}


def test_gemini_asks_for_the_model_and_with_deep_a_one_token_canary():
    """What AI Studio is sent: the model's own page, then (--deep) a 1-token generateContent;
    each step named and said as the hop's detail."""
    from dataclasses import replace as _replace

    from aspirectl.probe.protocols import gemini
    from tests.test_recorded import _BY_UPSTREAM

    target = _replace(_BY_UPSTREAM["google-ai-studio"], model="gemini-2.5-pro", canary=False)
    (model,) = gemini.steps(target)
    assert (model.name, model.method, model.path, model.ok, model.json) == (
        "model", "GET", "/v1beta/models/gemini-2.5-pro", "model resolves", None)
    first, canary = gemini.steps(_replace(target, canary=True))
    assert first == model
    assert (canary.name, canary.method, canary.path, canary.ok) == (
        "canary", "POST", "/v1beta/models/gemini-2.5-pro:generateContent", "1-token canary answered")
    assert canary.json == {"contents": [{"role": "user", "parts": [{"text": "ping"}]}],
                           "generationConfig": {"maxOutputTokens": 1}}
    assert canary.judge is gemini._judge_generate


def _rpc(status: int, body, headers=None) -> Facts:
    from aspirectl.probe.protocols import google_rpc

    facts = Facts(status=status, headers=headers or {}, body=body)
    google_rpc.describe(facts)
    return facts


def test_the_google_rpc_envelope_field_by_field():
    """What google_rpc.describe() reads of Google's error envelope (AI Studio and Code Assist):
    status, message, ErrorInfo reasons and their quota metadata, RetryInfo, QuotaFailure
    violations, the legacy errors[] list, a retry said only in words, the trace id."""
    from datetime import UTC, datetime

    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded",
                      "details": [
                          {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                           "metadata": {"quotaResetTimeStamp": "2030-01-02T03:04:05Z", "quota_limit": "PerMinute",
                                        "quota_limit_value": "0"}},
                          {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SECOND"},
                          {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                           "violations": [{"quotaId": "GenerateRequestsPerDayPerProject"}, {"quotaId": ""}, "x"]},
                          {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"},
                          "not a detail", {"@type": "type.googleapis.com/google.rpc.Help"}],
                      "errors": [{"reason": "rateLimitExceeded"}, {"domain": "x"}, "junk"]}}
    f = _rpc(429, body, {"x-cloudaicompanion-trace-id": "trace-1"})
    assert (f.error_type, f.message, f.error_code) == ("RESOURCE_EXHAUSTED", "Quota exceeded", "RATE_LIMIT_EXCEEDED")
    assert f.reasons == ("RATE_LIMIT_EXCEEDED", "quota:PerMinute", "quota_limit_value:0", "SECOND",
                         "quota:GenerateRequestsPerDayPerProject", "rateLimitExceeded")
    assert f.retry_after_s == 17.0 and f.reset_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert f.request_id == "trace-1"
    delay = _rpc(429, {"error": {"status": "RESOURCE_EXHAUSTED", "message": "m", "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R", "metadata": {"quotaResetDelay": "2.5s"}}]}})
    assert delay.retry_after_s == 2.5 and delay.reset_at is None
    first = _rpc(429, {"error": {"status": "RESOURCE_EXHAUSTED", "message": "m", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "9s"},
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R", "metadata": {"quotaResetDelay": "60s"}}]}})
    assert first.retry_after_s == 9.0  # RetryInfo said first: the ErrorInfo delay does not replace it
    worded = _rpc(429, {"error": {"status": "RESOURCE_EXHAUSTED", "message": "Please retry in 41.5s.", "code": 429}})
    assert worded.retry_after_s == 41.5 and worded.reasons == () and worded.error_code is None
    said = _rpc(429, {"error": {"message": "try again; retry in 3s", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "8s"}]}})
    assert said.retry_after_s == 8.0  # the structured delay wins over the words
    junk_first = _rpc(429, {"error": {"status": "RESOURCE_EXHAUSTED", "details": [
        "not a detail", {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "5s"}]}})
    assert junk_first.retry_after_s == 5.0 and junk_first.message == ""  # read past junk; no message is ""
    listed = _rpc(503, [{"error": {"status": "UNAVAILABLE", "message": "overloaded"}}])  # a stream's list
    assert (listed.error_type, listed.message) == ("UNAVAILABLE", "overloaded")
    for nothing in ({"error": "a string"}, [], ["x"], None, {"other": 1}):
        blank = _rpc(500, nothing)
        assert (blank.error_type, blank.message, blank.reasons) == (None, "", ()), nothing


def test_a_daily_quota_is_told_in_any_of_its_forms_and_resets_at_midnight_pacific():
    from datetime import UTC, datetime

    from aspirectl.probe.protocols import google_rpc

    daily = [
        {"details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                      "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]},
        {"details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R",
                      "metadata": {"quota_limit": "DailyLimit"}}]},
        {"details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": "perDay"}]}]},
        {"errors": [{"reason": "dailyLimitExceeded"}]},
        {"errors": [{"reason": "dailyLimitExceededUnreg"}]},
        {"message": "Quota exceeded for quota metric 'Requests' and limit 'Requests per day per user'"},
    ]
    for extra in daily:
        f = _rpc(429, {"error": {"status": "RESOURCE_EXHAUSTED", "message": "", **extra}})
        assert google_rpc.is_daily(f) and f.reset_at is not None, extra
    minute = _rpc(429, {"error": {"status": "RESOURCE_EXHAUSTED", "message": "per minute", "details": [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaId": "PerMinute"}]}]}})
    assert not google_rpc.is_daily(minute) and minute.reset_at is None
    assert google_rpc.has_quota(minute, "PerMinute") and not google_rpc.has_quota(minute, "PerDay")
    assert not google_rpc.has_quota(Facts(status=429, headers={}, reasons=("PerMinute",)), "PerMinute")  # not a quota:
    # midnight in Los Angeles, in winter (PST, UTC-8) and in summer (PDT, UTC-7)
    assert google_rpc.next_daily_reset(datetime(2026, 12, 6, 19, 0, tzinfo=UTC)) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert google_rpc.next_daily_reset(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert google_rpc.next_daily_reset(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)


def test_code_assist_judges_the_account_its_quota_buckets_and_the_canary():
    from dataclasses import replace as _replace
    from datetime import UTC, datetime

    from aspirectl.probe.outcomes import Outcome
    from aspirectl.probe.protocols import code_assist as ca
    from tests.test_recorded import _BY_UPSTREAM

    target = _replace(_BY_UPSTREAM["google-code-assist"], model="gemini-2.5-pro")

    def run(judge, body):
        return judge(Facts(status=200, headers={}, body=body), target, {})

    off = run(ca._judge_load, {"ineligibleTiers": [{"reasonCode": "INELIGIBLE_ACCOUNT"}, {"x": 1}, "junk",
                                                  {"reasonCode": "RESTRICTED_AGE"}]})
    assert (off.outcome, off.detail) == (
        Outcome.FORBIDDEN, "account not onboarded to Code Assist (INELIGIBLE_ACCOUNT, RESTRICTED_AGE)")
    assert run(ca._judge_load, {}).detail == "account not onboarded to Code Assist (no current tier)"
    lost = run(ca._judge_load, {"currentTier": {"id": "free-tier"}})
    assert (lost.outcome, lost.detail) == (
        Outcome.FORBIDDEN, "no Code Assist project (set GOOGLE_CLOUD_PROJECT on the gateway)")
    assert run(ca._judge_load, {"currentTier": {"id": "free-tier"}, "cloudaicompanionProject": "p-1"}) is None

    buckets = {"buckets": [
        "junk", {"modelId": "gemini-2.5-flash", "remainingFraction": 0},
        {"modelId": "gemini-2.5-pro", "remainingFraction": 0.0, "tokenType": "REQUESTS",
         "resetTime": "2030-01-01T08:00:00Z"}]}
    facts = Facts(status=200, headers={}, body=buckets)
    empty = ca._judge_quota(facts, target, {})
    assert (empty.outcome, empty.detail) == (Outcome.QUOTA_EXHAUSTED, "no REQUESTS quota left for gemini-2.5-pro")
    assert facts.reset_at == datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    untyped = run(ca._judge_quota, {"buckets": [{"modelId": "gemini-2.5-pro", "remainingFraction": -1}]})
    assert untyped.detail == "no request quota left for gemini-2.5-pro"
    for room in ({"buckets": [{"modelId": "gemini-2.5-pro", "remainingFraction": 0.01}]},
                 {"buckets": [{"modelId": "gemini-2.5-pro", "remainingFraction": "0"}]},
                 {"buckets": [{"modelId": "gemini-2.5-flash", "remainingFraction": 0}]}, {}):
        assert run(ca._judge_quota, room) is None, room

    assert run(ca._judge_generate, {"response": {"candidates": [{"finishReason": "MAX_TOKENS"}]}}) is None
    bare = run(ca._judge_generate, {"response": {"candidates": []}})
    assert (bare.outcome, bare.detail) == (Outcome.DEGRADED, "200 without candidates")
    assert run(ca._judge_generate, {"candidates": [{"finishReason": "STOP"}]}).outcome is Outcome.DEGRADED
    assert ca.headers(target) == {"authorization": f"Bearer {target.credential}"}


def test_code_assist_asks_load_then_quota_then_counts_or_with_deep_generates():
    import uuid
    from dataclasses import replace as _replace

    from aspirectl.probe.protocols import code_assist as ca
    from tests.test_recorded import _BY_UPSTREAM

    target = _replace(_BY_UPSTREAM["google-code-assist"], model="gemini-2.5-pro", canary=False)
    context = {"load": Facts(status=200, headers={}, body={"cloudaicompanionProject": "proj-7"})}
    load, quota, count = ca.steps(target)
    assert (load.name, load.method, load.path, load.ok, load.shared) == (
        "load", "POST", "/v1internal:loadCodeAssist", "account onboarded", True)
    assert load.body(context) == {"metadata": {"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED",
                                               "pluginType": "GEMINI"}}
    assert (quota.name, quota.path, quota.ok, quota.shared, quota.inconclusive) == (
        "quota", "/v1internal:retrieveUserQuota", "quota buckets have room", True, frozenset({429}))
    assert quota.body(context) == {"project": "proj-7"} and quota.body({}) == {"project": None}
    assert (count.name, count.method, count.path, count.ok) == (
        "count", "POST", "/v1internal:countTokens", "model counts tokens")
    assert count.body(context) == {"request": {"model": "models/gemini-2.5-pro",
                                               "contents": [{"role": "user", "parts": [{"text": "ping"}]}]}}
    *_, canary = ca.steps(_replace(target, canary=True))
    assert (canary.name, canary.method, canary.path, canary.ok) == (
        "canary", "POST", "/v1internal:generateContent", "1-token canary answered")
    body = canary.body(context)
    assert uuid.UUID(body.pop("user_prompt_id"))
    assert body == {"model": "gemini-2.5-pro", "project": "proj-7",
                    "request": {"contents": [{"role": "user", "parts": [{"text": "ping"}]}],
                                "generationConfig": {"maxOutputTokens": 1}}}


@pytest.mark.parametrize(("retry", "outcome"), [(300.0, "rate_limited"), (300.5, "quota_exhausted"),
                                                (None, "rate_limited")])
def test_code_assist_a_rate_limit_longer_than_five_minutes_is_a_quota(retry, outcome):
    from aspirectl.probe.protocols import code_assist

    verdict = classify(Facts(status=429, headers={}, retry_after_s=retry, reasons=("RATE_LIMIT_EXCEEDED",)),
                       code_assist.RULES)
    assert verdict.outcome.value == outcome
