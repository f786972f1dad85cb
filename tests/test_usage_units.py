"""usage's pure parts, word for word: the window a --since/--until names (every unit, dates
with and without a zone, each bad value's one line), written from the mutants of
aspirectl/usage.py that survived the hand-computed-log tests (tests/test_usage*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aspirectl.errors import UsageError
from aspirectl.usage import Window, parse_moment, window

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "ago"), [
    ("90m", timedelta(minutes=90)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
    ("2w", timedelta(weeks=2)), (" 1 d ", timedelta(days=1)), ("0h", timedelta(0))])
def test_a_duration_is_that_long_ago(text, ago):
    assert parse_moment(text, NOW, "--since") == NOW - ago


@pytest.mark.parametrize(("text", "moment"), [
    ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
    ("2026-11-20T06:00:00Z", datetime(2026, 11, 20, 6, tzinfo=UTC)),
    ("2026-11-20T06:00:00+10:00", datetime(2026, 11, 20, 6, tzinfo=timezone(timedelta(hours=10)))),
    ("2026-11-20T06:00:00", datetime(2026, 11, 20, 6, tzinfo=UTC)),  # UTC unless it says
])
def test_a_date_is_that_moment_in_utc_unless_it_says(text, moment):
    parsed = parse_moment(text, NOW, "--since")
    assert parsed == moment and parsed.utcoffset() == moment.utcoffset()


@pytest.mark.parametrize(("text", "message", "hint"), [
    ("soon", "--until 'soon' is neither a duration nor a date",
     "use e.g. 24h, 7d, 2w, 2026-11-20 or 2026-11-20T06:00:00Z"),
    ("7y", "--until '7y' is neither a duration nor a date", None),
    ("x" * 60, f"--until '{'x' * 39}…' is neither a duration nor a date", None),
    ("99999999999999w", "--until '99999999999999w' reaches before the year 1", "use a shorter duration or a date"),
    ("9" * 60 + "d", f"--until '{'9' * 40}' reaches before the year 1", None),
])
def test_a_bad_moment_is_one_line_with_what_to_write(text, message, hint):
    with pytest.raises(UsageError) as caught:
        parse_moment(text, NOW, "--until")
    assert caught.value.message == message
    if hint:
        assert caught.value.hint == hint


def test_a_window_runs_from_since_to_until_or_now():
    assert window("7d", None, NOW) == Window(NOW - timedelta(days=7), NOW)
    assert window("7d", "1d", NOW) == Window(NOW - timedelta(days=7), NOW - timedelta(days=1))
    assert window("7d", None, NOW).days == 7.0 and window("12h", None, NOW).days == 0.5
    for since, until in (("1d", "2d"), ("1d", "1d")):
        with pytest.raises(UsageError) as caught:
            window(since, until, NOW)
        assert caught.value.message == "--until must be later than --since"
    with pytest.raises(UsageError) as since:
        window("soon", None, NOW)
    with pytest.raises(UsageError) as until:
        window("1d", "later", NOW)
    assert since.value.message.startswith("--since 'soon'") and until.value.message.startswith("--until 'later'")
    recent = window("1h", None)
    assert abs((recent.until - datetime.now(UTC)).total_seconds()) < 60


def _log(url: str, rows: list[tuple[str, str, str, str | None]], original: str | None = "qwen-3.6",
         **columns: object) -> None:
    """Rows of LiteLLM_SpendLogs: (request id, model_id, status, error class) a minute ago,
    1 s long, with ``columns`` set on each too."""
    import json

    from aspirectl.keys.db import SPEND, open_database

    db = open_database(url)
    try:
        start = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)
        for rid, model_id, status, error in rows:
            metadata: dict[str, object] = {"original_model_group": original} if original else {}
            if error:
                metadata["error_information"] = {"error_class": error}
            values = {"request_id": rid, "call_type": "acompletion", "api_key": "k", "spend": 0, "startTime": start,
                      "endTime": start + timedelta(seconds=1), "model_id": model_id, "model_group": "qwen-3.6",
                      "metadata": json.dumps(metadata), "status": status, **columns}
            names = ", ".join(f'"{n}"' for n in values)
            db.execute(f'INSERT INTO "{SPEND}" ({names}) VALUES ({", ".join(["%s"] * len(values))})',
                       list(values.values()))
    finally:
        db.close()


def _report(url: str, by_consumer: bool = False, top: int = 50):
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.usage import Thresholds, usage_report
    from tests.conftest import SHIPPED_CHAINS

    return usage_report(url, load_catalog(SHIPPED_CHAINS), window("1h", None), None, Thresholds(), by_consumer,
                        top)


def _fresh(tmp_path, drop: tuple[str, ...] = ()) -> str:
    import sqlite3

    from aspirectl.keys.db import open_database

    tmp_path.mkdir(exist_ok=True)
    url = f"sqlite:///{tmp_path}/gw.db"
    open_database(url, create=True).close()
    with sqlite3.connect(tmp_path / "gw.db") as conn:
        for column in drop:
            conn.execute(f'ALTER TABLE "LiteLLM_SpendLogs" DROP COLUMN {column}')
    return url


def test_a_failure_the_gateway_refused_before_any_upstream_is_not_the_alias_failing(tmp_path):
    """1.80.0/1.85.0 write ProxyException with no deployment for a refused key: refused, not failed."""
    url = _fresh(tmp_path)
    _log(url, [("r1", "", "failure", "ProxyException"), ("r2", "qwen-3.6@cloud-first-litellm", "failure",
                                                          "ProxyException")])
    (qwen,) = _report(url).aliases
    assert qwen.refused == {"ProxyException": 1} and qwen.failures == {"ProxyException": 1}


def test_a_failure_row_that_names_only_the_model_asked_is_that_alias(tmp_path):
    """1.80.0's failure rows carry the alias asked for in `model` and no original group."""
    url = _fresh(tmp_path)
    _log(url, [("r1", "", "failure", "RateLimitError")], original=None, model="qwen-3.6", model_group="")
    (qwen,) = _report(url).aliases
    assert qwen.alias == "qwen-3.6" and qwen.failures == {"RateLimitError": 1}


def test_the_logged_duration_wins_over_start_and_end_and_older_logs_still_read(tmp_path):
    url = _fresh(tmp_path)
    _log(url, [("r1", "qwen-3.6@cloud-first-litellm", "success", None)], request_duration_ms=250, total_tokens=9)
    (hop,) = _report(url).aliases[0].hops.values()
    assert (hop.requests, hop.p50_ms) == (1, 250.0)
    old = _fresh(tmp_path / "old", drop=("request_duration_ms", "total_tokens", "model"))
    _log(old, [("r1", "qwen-3.6@cloud-first-litellm", "success", None)])
    (hop,) = _report(old).aliases[0].hops.values()
    assert (hop.requests, hop.unpriced) == (1, 0) and hop.p50_ms == pytest.approx(1000, abs=1)  # start to end


def test_failure_causes_beyond_the_twenty_most_frequent_are_other(tmp_path):
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.keys.db import open_database
    from aspirectl.usage import Thresholds, usage_report
    from tests.conftest import SHIPPED_CHAINS

    url = f"sqlite:///{tmp_path}/gw.db"
    open_database(url, create=True).close()
    causes = [f"Error{n:02d}" for n in range(1, 23)]  # 22 classes; Error01 twice, so first
    _log(url, [(f"f{n}", "", "failure", cause) for n, cause in enumerate(["Error01", *causes])])
    report = usage_report(url, load_catalog(SHIPPED_CHAINS), window("1h", None), None, Thresholds(), False)
    (qwen,) = report.aliases
    assert qwen.failures == {"Error01": 2, **{c: 1 for c in causes[1:20]}, "(other)": 2}


def test_deployments_the_chains_do_not_name_are_listed_by_the_fifty_busiest(tmp_path):
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.keys.db import open_database
    from aspirectl.usage import Thresholds, usage_report
    from tests.conftest import SHIPPED_CHAINS

    url = f"sqlite:///{tmp_path}/gw.db"
    open_database(url, create=True).close()
    _log(url, [(f"s{n}", f"stray-{n:02d}@elsewhere", "success", None) for n in range(51)]
         + [("again", "stray-00@elsewhere", "success", None)])
    report = usage_report(url, load_catalog(SHIPPED_CHAINS), window("1h", None), None, Thresholds(), False)
    total = report.unknown_total
    assert (total.deployments, total.requests) == (51, 52) and len(report.unknown) == 50
    assert report.unknown[0].deployment == "stray-00@elsewhere" and report.unknown[0].requests == 2
    assert all(a.served == 0 for a in report.aliases)  # never folded into an alias


def test_the_consumer_view_names_each_key_and_counts_what_it_left_out(tmp_path):
    """Keys by their key_alias and name from the key table; a key the table does not hold and
    a row with no key said as such; beyond the --top busiest keys, how many keys and requests."""
    from aspirectl.keys.db import TOKENS, open_database
    from aspirectl.usage import Sizes

    url = _fresh(tmp_path)
    db = open_database(url)
    try:
        for token, alias, name in (("h-ko", "knowledge-os", "sk-...ko01"), ("h-pz", "postiz", "sk-...pz02")):
            db.execute(f'INSERT INTO "{TOKENS}" (token, key_alias, key_name) VALUES (%s, %s, %s)', [token, alias, name])
    finally:
        db.close()
    served = "qwen-3.6@cloud-first-litellm"
    for key, count in (("h-ko", 4), ("h-pz", 3), ("h-gone", 2), ("h-x1", 1), ("h-x2", 1)):
        _log(url, [(f"{key}-{n}", served, "success", None) for n in range(count)], api_key=key)
    _log(url, [("nokey", served, "success", None)], api_key="")  # LiteLLM's column is NOT NULL
    report = _report(url, by_consumer=True, top=3)
    named = {(c.consumer, c.key_name): c.requests for c in report.consumers}
    assert named == {("knowledge-os", "sk-...ko01"): 4, ("postiz", "sk-...pz02"): 3,
                     ("(the master key or a key not in LiteLLM_VerificationToken)", None): 2}
    assert report.consumers_beyond == Sizes(3, 3)  # h-x1, h-x2 and the row with no key: 3 keys, 3 requests
    everyone = _report(url, by_consumer=True, top=50)
    assert everyone.consumers_beyond == Sizes(0, 0)
    assert ("(no key)", None) in {(c.consumer, c.key_name) for c in everyone.consumers}
    assert _report(url).consumers is None and _report(url).consumers_beyond is None


def test_deployments_the_chains_do_not_name_are_totalled_with_their_spend(tmp_path):
    from aspirectl.usage import Unknown

    url = _fresh(tmp_path)
    _log(url, [("q", "qwen-3.6@cloud-first-litellm", "success", None)])
    assert _report(url).unknown_total == Unknown([], 0, 0, 0.0)
    _log(url, [("a", "stray@x", "success", None)], spend=0.25)
    _log(url, [("b", "stray@x", "success", None)], spend=0.5)
    _log(url, [("c", "other@y", "success", None)])
    report = _report(url)
    total = report.unknown_total
    assert (total.deployments, total.requests, total.spend) == (2, 3, 0.75)
    assert [(h.deployment, h.share, h.billing) for h in report.unknown] == [("stray@x", 0.0, "unknown"),
                                                                             ("other@y", 0.0, "unknown")]
    assert "2 deployment(s) not in the chains served traffic: stray@x, other@y" in report.reasons
    free = _fresh(tmp_path / "free")
    _log(free, [("z", "stray@x", "success", None)])
    assert _report(free).unknown_total.spend == 0.0


def _hop(deployment, route, position, billing="paid", **kw):
    from aspirectl.usage import HopUsage

    return HopUsage(deployment, deployment.partition("@")[2] or None, deployment.partition("@")[0], position,
                    billing, route, **kw)


def test_a_hop_and_an_alias_as_their_json_documents_say_them():
    """Every member by name, the rounding each number gets (4 places for shares, 6 for money,
    1 for milliseconds), and the hops in the order people read them: the chain, then declared
    fallbacks, undeclared ones, unknown deployments, by position."""
    from aspirectl.status import Health
    from aspirectl.usage import AliasUsage

    first = _hop("gpt-5.5@codex-shim", "chain", 1, "subscription", requests=3, list_spend=0.1234567,
                 p50_ms=12.34, p95_ms=45.67, share=0.123456, unpriced=1)
    assert first.to_dict() == {
        "deployment": "gpt-5.5@codex-shim", "upstream": "codex-shim", "served_alias": "gpt-5.5", "position": 1,
        "billing": "subscription", "route": "chain", "requests": 3, "share": 0.1235, "list_spend": 0.123457,
        "marginal_spend": 0.0, "unpriced_requests": 1, "p50_ms": 12.3, "p95_ms": 45.7}
    assert not first.fallback and not first.paid
    second = _hop("gpt-5.5@openai-api", "chain", 2, requests=5, list_spend=0.0000015)
    assert second.fallback and second.to_dict()["marginal_spend"] == 0.000002 and second.to_dict()["p50_ms"] is None
    unknown = _hop("stray@x", "unknown deployment", None, requests=1)
    assert unknown.fallback and _hop("odd@y", "chain", None).fallback is False  # no position: not a later hop
    cross = _hop("claude-haiku-4-5@anthropic-oauth", "declared cross-family fallback", 1, "subscription", requests=2)
    same = _hop("gpt-4.1@openai-api", "declared fallback", 2, requests=1)
    undeclared = _hop("gemini-2.5-pro@google-ai-studio", "undeclared fallback", 2, requests=1)
    other = _hop("zz@q", "some future route", 1, requests=1)
    usage = AliasUsage("gpt-5.5", hops={h.deployment: h for h in (other, unknown, undeclared, same, cross, second,
                                                                    first)},
                       cache_hits=2, failures={"Timeout": 1, "APIError": 2}, refused={"KeyNotFoundError": 1},
                       failed_spend=0.0123456, failed_paid_spend=0.01, billed_retries=1, retry_spend=0.0000004,
                       retry_paid_spend=0.0)
    doc = usage.to_dict()
    assert [h["deployment"] for h in doc["hops"]] == [
        "gpt-5.5@codex-shim", "gpt-5.5@openai-api", "claude-haiku-4-5@anthropic-oauth", "gpt-4.1@openai-api",
        "gemini-2.5-pro@google-ai-studio", "stray@x", "zz@q"]
    served = 3 + 5 + 1 + 2 + 1 + 1 + 1
    assert doc == {
        "alias": "gpt-5.5", "status": "OK", "requests": served + 3, "served": served, "cache_hits": 2, "failed": 3,
        "failure_share": round(3 / (served + 3), 4), "failures": {"APIError": 2, "Timeout": 1},
        "refused_by_gateway": {"KeyNotFoundError": 1}, "paid_requests": 5 + 1 + 1 + 1 + 1,
        "paid_share": round(9 / served, 4), "paid_spend": round(0.0000015 + 0.01, 6),
        "list_spend": round(0.1234567 + 0.0000015 + 0.0123456 + 0.0000004, 6), "failed_spend": 0.012346,
        "billed_retry_attempts": 1, "retry_spend": 0.0, "unpriced_paid_requests": 0, "via_fallback": served - 3,
        "cross_family": 2, "hops": doc["hops"], "reasons": []}
    usage.status, usage.reasons = Health.WARNING, ["paid share 64%"]
    assert (usage.to_dict()["status"], usage.to_dict()["reasons"]) == ("WARNING", ["paid share 64%"])
    idle = AliasUsage("qwen-3.6")
    assert (idle.paid_share, idle.failure_share, idle.to_dict()["status"], idle.reasons) == (0.0, 0.0, "OK", [])


def test_a_consumer_as_its_json_document_says_it():
    from aspirectl.usage import ConsumerUsage

    c = ConsumerUsage("knowledge-os", "sk-...ko01", "qwen-3.6-omni", requests=5, via_fallback=4, cross_family=4,
                      paid_requests=1, paid_spend=0.0123456, failed=1,
                      served_by={"cloud-first-litellm": 1, "claude-haiku-4-5 via anthropic-oauth": 4})
    doc = c.to_dict()
    assert doc == {"consumer": "knowledge-os", "key_name": "sk-...ko01", "alias": "qwen-3.6-omni", "requests": 5,
                   "via_fallback": 4, "cross_family": 4, "paid_requests": 1, "paid_spend": 0.012346, "failed": 1,
                   "served_by": {"claude-haiku-4-5 via anthropic-oauth": 4, "cloud-first-litellm": 1},
                   "advice": ""}
    assert list(doc["served_by"]) == ["claude-haiku-4-5 via anthropic-oauth", "cloud-first-litellm"]  # busiest first


def test_hops_of_one_route_are_ordered_by_position_not_name():
    from aspirectl.usage import _hop_order

    hops = [_hop("a@y", "chain", 2), _hop("b@x", "chain", 1), _hop("c@z", "chain", None)]
    assert [h.deployment for h in sorted(hops, key=_hop_order)] == ["b@x", "a@y", "c@z"]


def test_a_hops_percentiles_are_over_all_its_rows_whoever_sent_them(tmp_path):
    """Exact nearest-rank p50 over the hop's rows (100, 200 from one key, 900 from another): 200,
    never one key's own percentile."""
    url = _fresh(tmp_path)
    served = "qwen-3.6@cloud-first-litellm"
    _log(url, [("a1", served, "success", None)], api_key="key-a", request_duration_ms=100)
    _log(url, [("a2", served, "success", None)], api_key="key-a", request_duration_ms=200)
    _log(url, [("b1", served, "success", None)], api_key="key-b", request_duration_ms=900)
    (hop,) = _report(url).aliases[0].hops.values()
    assert (hop.requests, hop.p50_ms, hop.p95_ms) == (3, 200.0, 900.0)


def test_the_consumer_view_without_the_key_table(tmp_path):
    """A log kept apart from LiteLLM's key table: every key is one the table does not hold."""
    import sqlite3

    url = _fresh(tmp_path)
    _log(url, [("r", "qwen-3.6@cloud-first-litellm", "success", None)], api_key="h-1")
    with sqlite3.connect(tmp_path / "gw.db") as conn:
        conn.execute('DROP TABLE "LiteLLM_VerificationToken"')
    (only,) = _report(url, by_consumer=True).consumers
    assert (only.consumer, only.key_name, only.requests) == (
        "(the master key or a key not in LiteLLM_VerificationToken)", None, 1)


def test_the_logged_duration_wins_on_postgresql_too(pg_schema):
    from aspirectl.litellm.releases import SUPPORTED

    url = pg_schema(SUPPORTED["1.108.7"])
    _log(url, [("r1", "qwen-3.6@cloud-first-litellm", "success", None)], request_duration_ms=250)
    (hop,) = _report(url).aliases[0].hops.values()
    assert (hop.requests, hop.p50_ms) == (1, 250.0)


def _g(**kw):
    from aspirectl.usage import Group

    base = dict(model_id="gpt-5.5@openai-api", requested="gpt-5.5", failed=False, cache_hit=False, cause="",
                api_key="k", consumer="ko", key_name="sk-...ko01", requests=1, spend=0.0, p50_ms=10.0, p95_ms=20.0,
                without_original=0, retry=False, unpriced=0)
    return Group(**{**base, **kw})


def test_summarise_adds_every_group_up_per_alias_and_per_consumer():
    """Several groups of one alias (as SQL gives them: one per cause, key, retry mark, cache hit)
    are summed, never the last one kept; an alias filter keeps only what was asked for."""
    from aspirectl.catalog.loader import load_catalog
    from aspirectl.usage import Thresholds, summarise
    from tests.conftest import SHIPPED_CHAINS

    catalog = load_catalog(SHIPPED_CHAINS)
    groups = [
        _g(retry=True, requested="", requests=1),  # a billed attempt that names no alias: skipped, nothing else
        _g(requests=3, spend=0.3), _g(requests=2, spend=0.2, api_key="k2"),
        _g(retry=True, requests=2, spend=0.1), _g(retry=True, requests=1, spend=0.05),
        _g(retry=True, model_id="gpt-5.5@codex-shim", requests=1, spend=0.5),
        _g(cache_hit=True, requests=2), _g(cache_hit=True, requests=1),
        _g(failed=True, cause="Timeout", requests=1, spend=0.01),
        _g(failed=True, cause="Timeout", requests=2, spend=0.02),
        _g(failed=True, cause="Timeout", model_id="gpt-5.5@codex-shim", requests=1, spend=0.04),
        _g(failed=True, cause="ProxyException", model_id="", requests=2),
        _g(failed=True, cause="ProxyException", requests=1),
        _g(requested="qwen-3.6-omni", model_id="claude-haiku-4-5@anthropic-oauth", requests=4),
        _g(requested="qwen-3.6-omni", model_id="claude-haiku-4-5@anthropic-api", requests=1, spend=0.01),
        _g(requested="gpt-4.1", model_id="gpt-5.5@openai-api", requests=2, spend=0.02),
        _g(requested="gpt-4.1", model_id="gpt-4.1@codex-shim", requests=1),
    ]
    per_key = [g for g in groups if not g.retry]  # read_consumers leaves billed retries out in SQL
    report = summarise(catalog, groups, window("1d", None, NOW), None, Thresholds(), per_key)
    usage = {u.alias: u for u in report.aliases}
    gpt = usage["gpt-5.5"]
    (hop,) = gpt.hops.values()
    assert (hop.requests, round(hop.list_spend, 6), gpt.cache_hits) == (5, 0.5, 3)
    assert (gpt.billed_retries, round(gpt.retry_spend, 6), round(gpt.retry_paid_spend, 6)) == (4, 0.65, 0.15)
    assert gpt.failures == {"Timeout": 4, "ProxyException": 1} and gpt.refused == {"ProxyException": 2}
    assert (round(gpt.failed_spend, 6), round(gpt.failed_paid_spend, 6)) == (0.07, 0.03)
    routes = {(a.alias, h.deployment): h.route for a in report.aliases for h in a.hops.values()}
    assert routes == {("gpt-5.5", "gpt-5.5@openai-api"): "chain",
                      ("gpt-4.1", "gpt-5.5@openai-api"): "undeclared fallback",
                      ("qwen-3.6-omni", "claude-haiku-4-5@anthropic-oauth"): "declared cross-family fallback",
                      ("qwen-3.6-omni", "claude-haiku-4-5@anthropic-api"): "declared cross-family fallback",
                      ("gpt-4.1", "gpt-4.1@codex-shim"): "chain"}
    assert usage["qwen-3.6-omni"].cross_family == 5 and usage["gpt-4.1"].via_fallback == 2
    consumers = {(c.consumer, c.alias): c for c in report.consumers}
    ko = consumers[("ko", "gpt-5.5")]
    assert (ko.requests, ko.failed, ko.paid_requests, round(ko.paid_spend, 6), ko.via_fallback) == (5, 7, 5, 0.5, 5)
    assert ko.served_by == {"openai-api": 5} and ko.advice == ""
    omni = consumers[("ko", "qwen-3.6-omni")]
    assert (omni.requests, omni.cross_family, omni.via_fallback, omni.paid_requests) == (5, 5, 5, 1)
    assert omni.served_by == {"claude-haiku-4-5 via anthropic-oauth": 4, "claude-haiku-4-5 via anthropic-api": 1}
    assert omni.advice.startswith("Name claude-haiku-4-5 explicitly")
    older = consumers[("ko", "gpt-4.1")]
    assert (older.requests, older.via_fallback, older.cross_family, older.advice) == (3, 2, 0, "")
    only = summarise(catalog, groups, window("1d", None, NOW), ["gpt-4.1"], Thresholds(), per_key)
    assert [u.alias for u in only.aliases] == ["gpt-4.1"] and {c.alias for c in only.consumers} == {"gpt-4.1"}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_fallback_copy_is_the_requesters_traffic_on_the_deployment_it_copies(tmp_path, pg_schema, backend):
    """Rows of an export for 1.80.0/1.85.0 (REQUESTER>ALIAS@UPSTREAM, no original group) and of
    one for 1.108.7 (the served id, the original group) in one window, as after an upgrade: one
    hop of the requester's, served by the alias copied, its percentiles over all four rows; a
    failed walk whose last copy's `model` is another alias's name is still the requester's."""
    from aspirectl.litellm.releases import SUPPORTED

    url = _fresh(tmp_path) if backend == "sqlite" else pg_schema(SUPPORTED["1.85.0"])
    copy, served = "qwen-3.6-omni>claude-haiku-4-5@anthropic-oauth", "claude-haiku-4-5@anthropic-oauth"
    for rid, ms in (("c1", 100), ("c2", 200), ("c3", 300)):
        _log(url, [(rid, copy, "success", None)], original=None, model_group=copy, request_duration_ms=ms)
    _log(url, [("n1", served, "success", None)], original="qwen-3.6-omni", model_group="claude-haiku-4-5",
         request_duration_ms=900)
    _log(url, [("f1", "qwen-3.6-omni>claude-haiku-4-5@anthropic-api", "failure", "InternalServerError")],
         original=None, model="claude-haiku-4-5", model_group="qwen-3.6-omni>claude-haiku-4-5@anthropic-api")
    report = _report(url)
    (omni,) = report.aliases
    assert omni.alias == "qwen-3.6-omni" and omni.failures == {"InternalServerError": 1}
    assert report.rows_without_original_group == 0  # every row says who asked
    (hop,) = omni.hops.values()
    assert (hop.deployment, hop.served_alias, hop.upstream, hop.position, hop.route) == (
        served, "claude-haiku-4-5", "anthropic-oauth", 1, "declared cross-family fallback")
    assert (hop.requests, hop.p50_ms, hop.p95_ms) == (4, 200.0, 900.0)
    (consumer,) = _report(url, by_consumer=True).consumers
    assert (consumer.alias, consumer.requests, consumer.failed, consumer.served_by) == (
        "qwen-3.6-omni", 4, 1, {"claude-haiku-4-5 via anthropic-oauth": 4})


def test_a_name_like_a_copy_that_no_export_makes_is_an_unknown_deployment(tmp_path):
    """'qwen-3.6>gpt-5.5@openai-api': qwen-3.6 has no fallback to gpt-5.5, so no export has it."""
    url = _fresh(tmp_path)
    _log(url, [("r1", "qwen-3.6>gpt-5.5@openai-api", "success", None)], original=None, model_group="x")
    report = _report(url)
    assert report.aliases == [] and [h.deployment for h in report.unknown] == ["qwen-3.6>gpt-5.5@openai-api"]


def test_only_rows_of_a_fallbacks_target_without_a_requested_group_are_in_doubt(tmp_path):
    """A row of claude-haiku-4-5 (qwen-3.6-omni's fallback target) with no original group and no
    copy may be qwen-3.6-omni's traffic: counted, and the table says so. gpt-5.5's cannot be
    anyone else's (no fallback reaches it): not counted."""
    from aspirectl.render.table import Style
    from aspirectl.render.usage import usage_text

    url = _fresh(tmp_path)
    _log(url, [("h1", "claude-haiku-4-5@anthropic-oauth", "success", None),
               ("h2", "claude-haiku-4-5@anthropic-api", "success", None),
               ("g1", "gpt-5.5@openai-api", "success", None)], original=None, model_group="")
    report = _report(url)
    assert [(a.alias, a.served) for a in report.aliases] == [("claude-haiku-4-5", 2), ("gpt-5.5", 1)]
    assert report.rows_without_original_group == 2
    assert ("note: 2 served rows of a fallback's target name no alias asked for" in
            " ".join(usage_text(report, Style(), "chains").split()))


def _alias(served_paid: int, served_free: int, failed: int, paid_spend: float = 0.0):
    from aspirectl.usage import AliasUsage

    usage = AliasUsage("gpt-5.5", failures={"RateLimitError": failed} if failed else {})
    if served_free:
        usage.hops["gpt-5.5@codex-shim"] = _hop("gpt-5.5@codex-shim", "chain", 1, "subscription",
                                                 requests=served_free)
    if served_paid:
        usage.hops["gpt-5.5@openai-api"] = _hop("gpt-5.5@openai-api", "chain", 2, requests=served_paid,
                                                 list_spend=paid_spend)
    return usage


@pytest.mark.parametrize(("usage", "thresholds", "status", "reasons"), [
    # a failure share over the line is CRITICAL; at the line it is not
    ((0, 3, 1), (None, 25.0), "OK", []),
    ((0, 3, 1), (None, 24.9), "CRITICAL", ["25.0% of requests failed (over 24.9%)"]),
    ((0, 0, 0), (None, 0.0), "OK", []),  # no request: nothing to judge
    ((0, 0, 2), (None, 99.0), "CRITICAL", ["100.0% of requests failed (over 99%)"]),
    # a paid share over the line is WARNING; at the line it is not
    ((1, 3, 0, 1.5), (25.0, None), "OK", []),
    ((1, 3, 0, 1.5), (24.0, None), "WARNING", ["leaked to paid API: 25% of gpt-5.5, $1.50 (over 24%)"]),
    ((0, 0, 3), (0.0, None), "OK", []),  # nothing served: no share
    ((1, 0, 0, 1234.5), (0.0, None), "WARNING", ["leaked to paid API: 100% of gpt-5.5, $1,234.50 (over 0%)"]),
    # both: the worst, and both reasons in that order
    ((1, 1, 2, 0.5), (10.0, 10.0), "CRITICAL", ["50.0% of requests failed (over 10%)",
                                                 "leaked to paid API: 50% of gpt-5.5, $0.50 (over 10%)"]),
    ((1, 1, 2), (None, None), "OK", []),
])
def test_an_alias_is_judged_by_its_thresholds_over_the_line_never_at_it(usage, thresholds, status, reasons):
    from aspirectl.status import Health
    from aspirectl.usage import Thresholds, _judge

    assert _judge(_alias(*usage), Thresholds(*thresholds)) == (Health[status], reasons)


@pytest.mark.parametrize(("paid", "failure", "message"), [
    (100.5, None, "--max-paid-share is a percentage from 0 to 100, got 100.5"),
    (-0.5, None, "--max-paid-share is a percentage from 0 to 100, got -0.5"),
    (None, 101.0, "--max-failure-share is a percentage from 0 to 100, got 101"),
    (None, -1.0, "--max-failure-share is a percentage from 0 to 100, got -1")])
def test_a_threshold_outside_0_to_100_is_refused_by_name(paid, failure, message):
    from aspirectl.usage import Thresholds, check_thresholds

    with pytest.raises(UsageError) as caught:
        check_thresholds(Thresholds(paid, failure))
    assert caught.value.message == message
    for edge in (0.0, 100.0, None):
        check_thresholds(Thresholds(edge, edge))  # the edges are percentages


def test_a_fallback_of_a_fallback_is_declared_and_without_advice_says_to_name_the_alias(tmp_path):
    """The shipped chains plus claude-haiku-4-5 -> claude-sonnet-4-6 (same family, no advice) and
    gemini-2.5-pro -> gpt-5.5 (cross-family, no advice): what served qwen-3.6-omni through two
    fallbacks is declared and cross-family; a cross-family fallback without advice tells the
    consumer to name what served it."""
    import shutil

    from aspirectl.catalog.loader import load_catalog
    from aspirectl.usage import Thresholds, _route, summarise
    from tests.conftest import SHIPPED_CHAINS

    chains = tmp_path / "chains"
    shutil.copytree(SHIPPED_CHAINS, chains)
    with (chains / "claude.yaml").open("a") as f:
        f.write("fallbacks:\n  claude-haiku-4-5:\n    alias: claude-sonnet-4-6\n    reason: haiku's quota\n")
    with (chains / "gemini.yaml").open("a") as f:
        f.write("fallbacks:\n  gemini-2.5-pro:\n    alias: gpt-5.5\n    cross_family: true\n    reason: x\n")
    catalog = load_catalog(chains)
    assert _route(catalog, "qwen-3.6-omni", "claude-sonnet-4-6") == "declared cross-family fallback"
    assert _route(catalog, "claude-haiku-4-5", "claude-sonnet-4-6") == "declared fallback"
    assert _route(catalog, "claude-sonnet-4-6", "claude-haiku-4-5") == "undeclared fallback"
    assert _route(catalog, "qwen-3.6", "claude-sonnet-4-6") == "undeclared fallback"
    assert _route(catalog, "qwen-3.6-omni", "gpt-5.5") == "undeclared fallback"
    assert _route(catalog, "gpt-5.5", "gpt-5.5") == "chain"
    groups = [_g(requested="gemini-2.5-pro", requests=2, spend=0.2),
              _g(requested="qwen-3.6-omni", model_id="claude-sonnet-4-6@anthropic-oauth", requests=1)]
    report = summarise(catalog, groups, window("1d", None, NOW), None, Thresholds(), groups)
    consumers = {c.alias: c for c in report.consumers}
    assert consumers["gemini-2.5-pro"].advice == "name gpt-5.5 explicitly instead of relying on the fallback"
    assert consumers["gemini-2.5-pro"].served_by == {"gpt-5.5 via openai-api": 2}
    assert consumers["qwen-3.6-omni"].advice.startswith("Name claude-haiku-4-5 explicitly")
    assert consumers["qwen-3.6-omni"].cross_family == 1


def test_a_window_no_key_sent_anything_in_leaves_nobody_out(tmp_path):
    from aspirectl.usage import Sizes

    url = _fresh(tmp_path)
    report = _report(url, by_consumer=True, top=1)
    assert report.consumers == [] and report.consumers_beyond == Sizes(0, 0)
