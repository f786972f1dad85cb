"""The last-resort table and the rule machinery of aspirectl/probe/outcomes.py, case by case
(the recorded corpus reaches them only through the providers' own tables). Written from the
mutants scripts/mutation found surviving."""

from __future__ import annotations

import pytest

from aspirectl.probe.outcomes import GENERIC_RULES, Facts, Outcome, Rule, classify, verdict_from_error


@pytest.mark.parametrize(("status", "retry_after", "outcome", "label"), [
    (401, None, Outcome.AUTH_INVALID, "HTTP 401"),
    (402, None, Outcome.BILLING, "HTTP 402"),
    (403, None, Outcome.FORBIDDEN, "HTTP 403"),
    (408, None, Outcome.TIMEOUT, "upstream timed out"),
    (504, None, Outcome.TIMEOUT, "upstream timed out"),
    (429, None, Outcome.RATE_LIMITED, "HTTP 429"),
    (429, 0.0, Outcome.RATE_LIMITED, "HTTP 429"),
    (429, 300.0, Outcome.RATE_LIMITED, "HTTP 429"),  # five minutes exactly: still a throttle
    (429, 300.5, Outcome.QUOTA_EXHAUSTED, "HTTP 429 with a retry delay over 5 min"),
    (429, 3600.0, Outcome.QUOTA_EXHAUSTED, "HTTP 429 with a retry delay over 5 min"),
    (503, None, Outcome.OVERLOADED, "provider unavailable"),
    (529, None, Outcome.OVERLOADED, "provider unavailable"),
    (500, None, Outcome.UPSTREAM_ERROR, "provider error"),
    (505, None, Outcome.UPSTREAM_ERROR, "provider error"),
    (530, None, Outcome.UPSTREAM_ERROR, "provider error"),
    (599, None, Outcome.UPSTREAM_ERROR, "provider error"),
    # not defined by HTTP alone: said to be unrecognised, never the nearest category
    (400, None, Outcome.UNRECOGNISED, "unrecognised answer (HTTP 400)"),
    (404, None, Outcome.UNRECOGNISED, "unrecognised answer (HTTP 404)"),
    (409, None, Outcome.UNRECOGNISED, "unrecognised answer (HTTP 409)"),
    (430, None, Outcome.UNRECOGNISED, "unrecognised answer (HTTP 430)"),
    (499, None, Outcome.UNRECOGNISED, "unrecognised answer (HTTP 499)"),
    (302, None, Outcome.UNRECOGNISED, "unrecognised answer (HTTP 302)"),
])
def test_the_last_resort_is_the_status_where_http_defines_it(status, retry_after, outcome, label):
    rule = classify(Facts(status=status, headers={}, retry_after_s=retry_after), ())
    assert (rule.outcome, rule.label) == (outcome, label)


def test_a_provider_table_comes_before_the_last_resort():
    mine = Rule(Outcome.BILLING, status=429, label="mine")
    assert classify(Facts(status=429, headers={}), (mine,)) is mine
    assert classify(Facts(status=500, headers={}), (mine,)).outcome is Outcome.UPSTREAM_ERROR


def test_every_condition_of_a_rule_must_hold():
    facts = Facts(status=429, headers={"x-kind": "Rejected"}, error_type="rate_limit_error",
                  error_code="spend", reasons=("QUOTA",), message="Monthly Spend limit")
    assert Rule(Outcome.BILLING, status=429, error_type="rate_limit_error", error_code="spend", reason="QUOTA",
                message="spend LIMIT", header=("X-Kind", "^rejected$"), when=lambda f: True).matches(facts)
    for wrong in (Rule(Outcome.BILLING, status=(400, 500)), Rule(Outcome.BILLING, error_type="other"),
                  Rule(Outcome.BILLING, error_code=("a", "b")), Rule(Outcome.BILLING, reason="OTHER"),
                  Rule(Outcome.BILLING, message="^limit"), Rule(Outcome.BILLING, header=("x-kind", "^allowed$")),
                  Rule(Outcome.BILLING, header=("x-missing", ".")), Rule(Outcome.BILLING, when=lambda f: False)):
        assert not wrong.matches(facts), wrong
    # a field a rule asks for but the answer lacks: no match (None is not any value)
    assert not Rule(Outcome.BILLING, error_type="x").matches(Facts(status=400, headers={}))
    assert not Rule(Outcome.BILLING, error_code=("x",)).matches(Facts(status=400, headers={}))
    # a tuple means one of
    assert Rule(Outcome.BILLING, status=(400, 429), error_code=("a", "spend")).matches(facts)


def test_an_absent_header_or_message_is_empty_text():
    facts = Facts(status=400, headers={"present": "v"})
    assert facts.header("missing") == "" and facts.header("PRESENT") == "v"
    assert Rule(Outcome.BAD_REQUEST, message="^$").matches(facts)
    assert Rule(Outcome.BAD_REQUEST, header=("missing", "^$")).matches(facts)


@pytest.mark.parametrize(("facts", "detail"), [
    (Facts(status=401, headers={}, message="bad key\nsecond line", error_code="invalid_api_key"),
     "HTTP 401: invalid_api_key: bad key"),
    (Facts(status=401, headers={}, message="invalid_api_key: bad key", error_code="invalid_api_key"),
     "HTTP 401: invalid_api_key: bad key"),  # the code already in the words is not said twice
    (Facts(status=401, headers={}, message="  ", error_type="auth"), "HTTP 401: auth"),
    (Facts(status=401, headers={}), "HTTP 401"),
    (Facts(status=404, headers={}, message="Not Found"), "unrecognised answer (HTTP 404): Not Found"),
])
def test_a_verdict_says_the_rule_the_code_and_the_first_line_of_the_words(facts, detail):
    verdict = verdict_from_error(facts, ())
    assert verdict.detail == detail and verdict.facts is facts


def test_a_rule_without_a_label_and_an_answer_without_words_still_say_the_status():
    verdict = verdict_from_error(Facts(status=418, headers={}), (Rule(Outcome.BAD_REQUEST, status=418),))
    assert verdict.outcome is Outcome.BAD_REQUEST and verdict.detail == "HTTP 418"


def test_the_generic_table_is_what_this_file_tests():
    assert {r.label for r in GENERIC_RULES} == {
        "HTTP 401", "HTTP 402", "HTTP 403", "upstream timed out", "HTTP 429",
        "HTTP 429 with a retry delay over 5 min", "provider unavailable", "provider error"}
