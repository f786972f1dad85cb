"""Property test: arbitrary answers (status, headers, JSON bodies with control characters,
markup and numbers of any size) fed to every protocol's parser and judges, then to every
renderer. No exception escapes a hop, no control character or markup reaches the output,
and every run prints its summary line."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aspirectl.catalog.loader import load_catalog
from aspirectl.graph import build
from aspirectl.health import assess
from aspirectl.probe.adapter import adapter_for
from aspirectl.probe.outcomes import Facts
from aspirectl.probe.plan import plan_targets
from aspirectl.probe.report import ProbeReport
from aspirectl.probe.runner import _result, read_answer
from aspirectl.render import health as view
from aspirectl.render.html import status_page
from aspirectl.render.mermaid import live_mermaid
from aspirectl.render.nagios import nagios_text
from aspirectl.render.prometheus import prometheus_text
from aspirectl.render.route import route_text
from aspirectl.render.structured import to_json
from aspirectl.render.table import Style
from aspirectl.secrets.store import MappingSource, Resolver
from tests.conftest import SHIPPED_CHAINS

CATALOG = load_catalog(SHIPPED_CHAINS)
CREDS = {c: "sk-fuzz-credential-000000001" for c in (
    "anthropic-oauth-token", "anthropic-api-key", "codex-shim-token", "openai-api-key",
    "cloud-first-litellm-key", "google-code-assist-token", "google-ai-studio-key")}
TARGETS = plan_targets(CATALOG, list(CATALOG.aliases), Resolver([MappingSource(CREDS)]), deep=True)
# One target per upstream is enough for the parser; every alias is rendered.
BY_UPSTREAM = {t.upstream.name: t for t in TARGETS}

HOSTILE_CHARS = st.sampled_from(["\x1b", "\x1b]8;;x\x07", "\n", "\r", "\x00", "\x07", "\u2028", "\u202e",
                                 "[link=http://e]", "[/bogus]", "[bold]", "|", "ASPIRECTL OK - ", "%s",
                                 "{", "}", "'", '"', "\\", "<script>alert(1)</script>",
                                 "<img src=x onerror=alert(1)>", "%%{init: {}}%%", "\nclick x call y()"])
TEXT = st.one_of(st.text(max_size=40), st.lists(st.one_of(HOSTILE_CHARS, st.text(max_size=5)),
                                                 max_size=6).map("".join))
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([10**30, -1, 0, 1e308, 2**63]))
KEYS = st.sampled_from(["error", "type", "message", "code", "status", "details", "@type", "reason",
                        "metadata", "quotaResetDelay", "quotaResetTimeStamp", "retryDelay", "violations",
                        "quotaId", "errors", "resets_at", "resets_in_seconds", "detail", "data", "id",
                        "healthy_endpoints", "unhealthy_endpoints", "exception_status", "choices",
                        "message", "content", "candidates", "finishReason", "currentTier",
                        "cloudaicompanionProject", "buckets", "modelId", "remainingFraction", "resetTime",
                        "five_hour", "seven_day", "utilization", "request_id", "ineligibleTiers",
                        "response", "x"])
JSON = st.recursive(st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
                    lambda children: st.one_of(st.lists(children, max_size=4),
                                               st.dictionaries(KEYS, children, max_size=5)),
                    max_leaves=25)
# The envelopes the parsers really read, filled with hostile values, so that foreign text
# reaches the details most runs (arbitrary JSON alone rarely hits a parsed field).
ANY = st.one_of(TEXT, NUMBERS, st.none(), st.lists(TEXT, max_size=2))
ENVELOPES = st.one_of(
    st.fixed_dictionaries({"error": st.fixed_dictionaries(
        {"type": ANY, "message": TEXT, "code": ANY},
        optional={"details": st.one_of(ANY, st.fixed_dictionaries({"error_code": ANY})),
                  "resets_at": ANY, "resets_in_seconds": ANY})}),
    st.fixed_dictionaries({"type": st.just("error"), "error": st.fixed_dictionaries(
        {"type": ANY, "message": TEXT, "details": st.fixed_dictionaries({"error_code": ANY})})}),
    st.fixed_dictionaries({"error": st.fixed_dictionaries(
        {"code": ANY, "message": TEXT, "status": ANY,
         "details": st.one_of(ANY, st.lists(st.fixed_dictionaries(
             {"@type": st.sampled_from(["type.googleapis.com/google.rpc.ErrorInfo",
                                        "type.googleapis.com/google.rpc.RetryInfo",
                                        "type.googleapis.com/google.rpc.QuotaFailure"]),
              "reason": ANY, "retryDelay": ANY,
              "metadata": st.one_of(ANY, st.fixed_dictionaries(
                  {"quotaResetDelay": ANY, "quotaResetTimeStamp": ANY, "quota_limit": ANY})),
              "violations": st.one_of(ANY, st.lists(st.fixed_dictionaries({"quotaId": ANY}),
                                                    max_size=2))}), max_size=3))})}),
    st.fixed_dictionaries({"healthy_endpoints": st.one_of(ANY, st.lists(ANY, max_size=2)),
                           "unhealthy_endpoints": st.one_of(ANY, st.lists(st.fixed_dictionaries(
                               {"error": ANY, "exception_status": ANY, "model": ANY}), max_size=2))}),
    st.fixed_dictionaries({"detail": st.one_of(TEXT, st.fixed_dictionaries(
        {"type": ANY, "code": ANY, "message": TEXT}))}),
)
BODIES = st.one_of(JSON, ENVELOPES)
HEADER_NAMES = st.sampled_from(["retry-after", "anthropic-ratelimit-unified-status",
                                "anthropic-ratelimit-unified-reset", "anthropic-ratelimit-unified-5h-reset",
                                "anthropic-ratelimit-unified-representative-claim", "request-id",
                                "x-request-id", "x-ratelimit-reset-requests", "x-litellm-call-id",
                                "x-cloudaicompanion-trace-id", "content-type"])
HEADERS = st.dictionaries(HEADER_NAMES, st.one_of(TEXT, NUMBERS.map(str), st.sampled_from(
    ["rejected", "allowed_warning", "five_hour", "seven_day", "9" * 30, "1e999", "nan"])), max_size=5)
STATUS = st.one_of(st.sampled_from([200, 400, 401, 402, 403, 404, 408, 429, 499, 500, 502, 503, 504, 529]),
                   st.integers(100, 599))

# Every line the live Mermaid renderer writes: a classDef, subgraph, node, edge, class or end.
MERMAID_LINE = re.compile(r"  (classDef \w+ [\w:#,.\- ]+|subgraph \w+\[\"[^\"\n]*\"\]|  \w+(\(\[|\[|\{\{)\"[^\"\n]*\""
                          r"(\]\)|\]|\}\})|end|\w+ (==>|-->|-\.->)(\|[^|\n]*\|)? \w+|class \w+ \w+)")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]")


def _answers(upstream: str, status: int, headers: dict[str, str], body) -> list:
    target = BY_UPSTREAM[upstream]
    adapter = adapter_for(target.upstream.protocol)
    verdicts = []
    context: dict[str, Facts] = {}
    for step in adapter.steps(target):
        try:
            text = json.dumps(body)
        except ValueError:
            text = "not json"
        facts = Facts(status=status, headers=headers, body=body, text=text)
        verdict = read_answer(adapter, step, facts, target, context, 1 << 20)  # must not raise
        if verdict is not None:
            verdicts.append((verdict, step.name))
            break
        context[step.name] = facts
    return verdicts


@pytest.mark.parametrize("upstream", sorted(BY_UPSTREAM))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=STATUS, headers=HEADERS, body=BODIES)
def test_every_parser_reads_any_answer_without_raising(upstream, status, headers, body):
    for verdict, _ in _answers(upstream, status, headers, body):
        assert verdict.outcome is not None
        assert isinstance(verdict.detail, str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_renderer_keeps_foreign_text_inert(data):
    results = []
    for target in TARGETS:
        status = data.draw(STATUS)
        headers = data.draw(HEADERS)
        body = data.draw(BODIES)
        from aspirectl.probe.outcomes import Outcome, Verdict

        found = _answers(target.upstream.name, status, headers, body)
        verdict, step = found[0] if found else (Verdict(Outcome.OK, "reachable"), "")
        results.append(_result(target, verdict, step, 12.0))
    report = ProbeReport(tuple(results))
    assessment = assess(CATALOG, report, list(CATALOG.aliases))
    outputs = {
        "plain": view.probe_text(assessment, Style(rich=False, color=False)),
        "rich": view.probe_text(assessment, Style(rich=True, color=False, width=200)),
        "nagios": nagios_text(assessment),
        "prometheus": prometheus_text(assessment),
        "json": to_json(assessment.to_dict()),
        "route": "".join(route_text(d, Style()) for d in assessment.decisions),
        "explanation": view.explanation(assessment),
        "html": status_page(assessment, CATALOG),
        "mermaid": live_mermaid(build(CATALOG, list(assessment.decisions), "live")),
    }
    for name, text in outputs.items():
        assert not CONTROL.search(text), (name, CONTROL.search(text))
    assert outputs["plain"].rstrip().splitlines()[-1].startswith("ASPIRECTL ")
    nagios = outputs["nagios"].splitlines()
    assert nagios[0].startswith("ASPIRECTL ") and nagios[0].count("|") == 1
    assert not any(line.startswith("ASPIRECTL") for line in nagios[1:])
    json.loads(outputs["json"])  # valid JSON: no NaN, no Infinity
    assert "<script" not in outputs["html"] and "<img" not in outputs["html"]  # foreign markup is text
    for line in outputs["mermaid"].splitlines()[1:]:
        assert MERMAID_LINE.fullmatch(line), line
    for line in outputs["prometheus"].splitlines():
        assert line.startswith("#") or re.match(r'^aspirectl_\w+(\{.*\})? -?[0-9.e+]+$', line), line


# ------------------------------------------------------- strings read from the gateway's DB

DB_TEXT = st.one_of(TEXT, st.none())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consumer=DB_TEXT, key_name=DB_TEXT, cause=TEXT, model_id=TEXT, models=st.lists(DB_TEXT, max_size=3),
       created_by=DB_TEXT, spend=NUMBERS)
def test_usage_and_keys_renderers_keep_db_text_inert(consumer, key_name, cause, model_id, models, created_by,
                                                     spend):
    from datetime import UTC, datetime, timedelta

    from aspirectl.keys.model import KeyRecord, KeyStatus
    from aspirectl.render import keys as keys_view
    from aspirectl.render.usage import render_usage
    from aspirectl.usage import Group, Sizes, Thresholds, Unknown, Window, summarise

    now = datetime.now(UTC)
    span = Window(now - timedelta(days=1), now)

    def group(**kw):
        base = dict(model_id="gpt-5.5@openai-api", requested="gpt-5.5", failed=False, cache_hit=False, cause="",
                    api_key="k", consumer=consumer, key_name=key_name, requests=3, spend=1.0, p50_ms=10.0,
                    p95_ms=20.0, without_original=0, retry=False, unpriced=0)
        return Group(**{**base, **kw})

    groups = [group(), group(failed=True, cause=cause, model_id=""), group(failed=True, cause=cause,
                                                                           requested="", model_id="")]
    unknown = Unknown([group(model_id=model_id, requested="")], 7, 20, 3.0)
    report = summarise(CATALOG, groups, span, None, Thresholds(50, 10), groups, unknown, Sizes(4, 9))
    outputs = {f"{by}-{fmt}": render_usage(report, fmt, by, "/c", "db", Style())
               for by in ("hop", "consumer") for fmt in ("table", "json", "nagios", "prometheus")}
    safe_models = tuple(m for m in models if isinstance(m, str))
    record = KeyRecord(token="t" * 64, consumer=consumer, key_name=key_name, status=KeyStatus.ACTIVE,
                       models=safe_models, created_by=created_by,
                       spend=spend if isinstance(spend, float) and spend == spend else 0.0)
    outputs["keys-table"] = "".join(keys_view.stream_table([[record]]))
    outputs["keys-detail"] = keys_view.detail([record])
    for name, text in outputs.items():
        assert not CONTROL.search(text), (name, CONTROL.search(text))
        if name.endswith("nagios"):
            lines = text.splitlines()
            assert lines[0].startswith("ASPIRECTL USAGE ") and lines[0].count("|") == 1
            assert not any(line.startswith("ASPIRECTL") for line in lines[1:])
    json.loads(outputs["hop-json"])
    for line in outputs["hop-prometheus"].splitlines():
        assert line.startswith("#") or re.match(r'^aspirectl_\w+(\{.*\})? -?[0-9.e+]+$', line), line


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(alias=TEXT, key_name=TEXT, metadata=TEXT, models=TEXT, spend=TEXT, original=TEXT, error_class=TEXT)
def test_every_string_read_from_a_real_db_is_read_without_raising(tmp_path_factory, alias, key_name, metadata,
                                                                  models, spend, original, error_class):
    """Raw column values (any text, where LiteLLM writes JSON or numbers too) in a real
    SQLite gateway DB: keys list and usage read them, in every format, as data."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from aspirectl.cli.main import run
    from aspirectl.keys.db import open_database

    directory = tmp_path_factory.mktemp("db")
    url = f"sqlite:///{directory}/gw.db"
    open_database(url, create=True).close()
    conn = sqlite3.connect(directory / "gw.db")
    now = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None).isoformat(sep=" ")
    conn.execute('INSERT INTO "LiteLLM_VerificationToken" (token, key_alias, key_name, metadata, models, spend) '
                 "VALUES (?, ?, ?, ?, ?, ?)", ("k" * 64, alias, key_name, metadata, models, spend))
    meta = json.dumps({"original_model_group": original, "error_information": {"error_class": error_class}})
    for status, meta_text in (("success", meta), ("failure", meta), ("failure", metadata)):
        conn.execute('INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime", '
                     "model_id, model_group, metadata, cache_hit, status) "
                     "VALUES (?, 'acompletion', ?, ?, ?, ?, ?, ?, ?, 'False', ?)",
                     (f"r-{status}-{len(meta_text)}-{id(meta_text)}", "k" * 64, spend, now, now, "gpt-5.5@openai-api",
                      original, meta_text, status))
    conn.commit()
    conn.close()
    import contextlib
    import io

    for args in (["keys", "list"], ["keys", "list", "-o", "json"], ["usage", "--by", "consumer"],
                 ["usage", "-o", "nagios"], ["usage", "-o", "json"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["--db", url, "--chains", str(SHIPPED_CHAINS), *args])
        assert "internal error" not in err.getvalue(), (args, err.getvalue())
        assert code in (0, 1, 2), (args, code, err.getvalue())
        assert not CONTROL.search(out.getvalue() + err.getvalue()), args
