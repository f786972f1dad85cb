"""probe --via-gateway: every hop probed THROUGH the real LiteLLM proxy (configured by our own
export for its own release, in front of the simulators), with the gateway key as the only
credential on this side, read as a direct probe reads the upstream itself."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aspirectl.litellm.releases import DEFAULT_TARGET
from tests.conftest import assert_one_line_error
from tests.test_gateway import MASTER, RELEASES, export, litellm_proxy


@pytest.fixture(params=RELEASES)
def release(request, monkeypatch) -> str:
    """Each real-proxy test runs on every release; the export targets it."""
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", request.param)
    return request.param


# Every difference between a direct probe and a probe through the gateway that cannot be
# closed, by (scenario, release, alias, upstream): (direct kind, kind through the gateway, why).
# Listed in the README too (tests/test_via_gateway.py holds the two in step).
NOT_RELAYED = ("the release does not relay the provider's headers on an error, and the body of a "
               "subscription window's 429 is Anthropic's plain rate_limit_error: the 5-hour window "
               "(anthropic-ratelimit-unified-status: rejected) is not visible through it")
KNOWN_DIFFERENCES: dict[tuple[str, str, str, str], tuple[str, str, str]] = {
    ("oauth-exhausted", release, alias, "anthropic-oauth"): ("quota_exhausted", "rate_limited", NOT_RELAYED)
    for release in ("1.80.0", "1.85.0")
    for alias in ("claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7")
}


def _without_upstream_credentials(monkeypatch) -> None:
    for name in list(os.environ):
        if name.startswith("ASPIRECTL_SECRET_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)


def _kinds(doc: dict) -> dict[tuple[str, str], str]:
    return {(h["alias"], h["upstream"]): h["outcome"] for h in doc["hops"]}


def _through_one_proxy(cli, sandbox_chains, tmp_path, monkeypatch, release, scenarios, more=()):
    """For each scenario in turn (the simulators switched live, which keeps every upstream's
    transport: scenarios that refuse connections elsewhere need a proxy of their own; one real
    proxy of ``release`` configured by our export, started once): (direct probe document,
    --via-gateway document, outputs of the ``more`` commands run through the gateway)."""
    from aspirectl.sandbox.app import scenario_named

    tmp_path.mkdir(exist_ok=True)
    chains = sandbox_chains(scenarios[0])
    box = sandbox_chains.box
    upstream = {k: v for k, v in os.environ.items() if k.startswith("ASPIRECTL_SECRET_")}
    config = export(cli, chains, tmp_path / "config.yaml")
    runs = {}
    with litellm_proxy(config, chains, tmp_path, release) as url:
        for scenario in scenarios:
            box.switch(scenario_named(scenario))
            for name, value in upstream.items():
                monkeypatch.setenv(name, value)
            direct = cli("--chains", chains, "probe", "-o", "json", "--deep")
            assert direct.code in (0, 1, 2), direct.text
            _without_upstream_credentials(monkeypatch)
            via = cli("--chains", chains, "--gateway-url", url, "probe", "--via-gateway", "-o", "json")
            assert "Traceback" not in via.text and via.code in (0, 1, 2), via.text
            outputs = [cli("--chains", chains, "--gateway-url", url, *args) for args in more]
            runs[scenario] = (json.loads(direct.out), json.loads(via.out), outputs)
    return runs


def _differences(direct: dict, via: dict) -> dict[tuple[str, str], tuple[str, str]]:
    direct_kinds, via_kinds = _kinds(direct), _kinds(via)
    assert set(direct_kinds) == set(via_kinds)
    return {k: (direct_kinds[k], via_kinds[k]) for k in direct_kinds if direct_kinds[k] != via_kinds[k]}


def _expected(scenario: str, release: str) -> dict[tuple[str, str], tuple[str, str]]:
    return {k[2:]: v[:2] for k, v in KNOWN_DIFFERENCES.items() if k[:2] == (scenario, release)}


def test_through_the_gateway_every_hop_reads_as_directly_on_every_release(cli, sandbox_chains, tmp_path,
                                                                          monkeypatch, release):
    """The issue's 'done': with only a gateway key, codex-shim refused, qwen-3.6-omni's vision
    path failing and served by claude-haiku-4-5, Code Assist at capacity, every other hop
    serving; each hop the same kind as the direct probe (in the seed and oauth-exhausted
    states on every release, all-up and outage too on the default one); route --via-gateway
    shows the gateway's own answer per hop. What a release relays decides what is visible:
    1.108.7 relays the provider's headers on an error (llm_provider-*), so the Claude
    subscription's 5-hour window is read from them, with its reset; 1.80.0 and 1.85.0 do not,
    and the hop says so."""
    more = (("route", "gpt-5.5", "--via-gateway"), ("probe", "--via-gateway", "-o", "nagios"))
    runs = _through_one_proxy(cli, sandbox_chains, tmp_path / "seed", monkeypatch, release, ["seed"], more)
    runs.update(_through_one_proxy(cli, sandbox_chains, tmp_path / "rest", monkeypatch, release,
                                   ["oauth-exhausted"] + (["all-up"] if release == DEFAULT_TARGET else [])))
    if release == DEFAULT_TARGET:
        runs.update(_through_one_proxy(cli, sandbox_chains, tmp_path / "outage", monkeypatch, release, ["outage"]))
    for scenario, (direct, via, _) in runs.items():
        assert _differences(direct, via) == _expected(scenario, release), scenario
    direct, via, (route, nagios) = runs["seed"]
    down = {k: v for k, v in _kinds(via).items() if v != "ok"}
    assert down == {("gpt-4.1", "codex-shim"): "unreachable", ("gpt-5.2", "codex-shim"): "unreachable",
                    ("gpt-5.5", "codex-shim"): "unreachable",
                    ("qwen-3.6-omni", "cloud-first-litellm"): "upstream_error",
                    ("gemini-2.5-pro", "google-code-assist"): "overloaded"}
    served = {a["alias"]: a for a in via["aliases"]}
    assert served["qwen-3.6-omni"]["served_by"]["alias"] == "claude-haiku-4-5"
    code_assist = next(h for h in via["hops"] if h["upstream"] == "google-code-assist")
    assert code_assist["retry_after_s"] == 40.0  # RetryInfo inside the body LiteLLM wraps
    assert via["status"] == "WARNING"
    assert route.code == 0  # codex-shim is declared deferred: known, not news
    assert "codex-shim" in route.out and "Connection error" in route.out  # the gateway's own words
    assert "every hop asked through the gateway" in route.out
    assert nagios.code == 1 and nagios.out.startswith("ASPIRECTL WARNING")
    _, exhausted, _ = runs["oauth-exhausted"]
    oauth = next(h for h in exhausted["hops"] if h["upstream"] == "anthropic-oauth")
    if release in ("1.80.0", "1.85.0"):
        assert "not relayed by this gateway's release" in oauth["detail"]
        assert oauth["reset_at"] is None
    else:
        assert oauth["outcome"] == "quota_exhausted" and oauth["reset_at"] and oauth["retry_after_s"] == 7200


# ----------------------------------------------------------------- a scripted loopback gateway
# Bodies below are the real proxy's own answers, captured on loopback from 1.80.0-1.108.7
# (tests/recorded/litellm-proxy holds them; each test names the one it imitates).

GATEWAY_KEY = "sk-monitor-" + "0123456789abcdef"


def _gateway(answer):
    """A loopback 'gateway' that records every request and answers with ``answer(request)``
    for completions (liveliness always 200)."""
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import http_server

    seen: list = []

    def respond(request):
        seen.append(request)
        if request.path == "/health/liveliness":
            return Response(200, b'"I\'m alive!"', {"content-type": "application/json"})
        return answer(request)

    return http_server(respond), seen


def _ok(request):
    from aspirectl.sandbox.httpserver import Response

    body = request.json() or {}
    group = body.get("model", "")
    return Response(200, {"id": "x", "object": "chat.completion", "model": group,
                          "choices": [{"index": 0, "finish_reason": "length",
                                       "message": {"role": "assistant", "content": "p"}}]},
                    {"content-type": "application/json"})


def _via(cli, chains, url, *args):
    return cli("--chains", chains, "--gateway-url", url, "probe", "--via-gateway", *args)


def test_only_the_gateway_key_is_sent_and_only_to_the_gateway(cli, tmp_path, monkeypatch):
    """Every hop asked by its model group with fallbacks and retries off; the gateway key is the
    only credential that leaves; the upstreams (a recording server) are never contacted."""
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import chains_pointing, credential_env, http_server

    upstream_hits: list = []

    def upstream(request):
        upstream_hits.append(request)
        return Response(500, b"{}")

    for name, value in credential_env("sk-upstream-secret-must-stay-home").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    server, seen = _gateway(_ok)
    with http_server(upstream) as upstream_url, server as url:
        chains = chains_pointing(tmp_path / "chains", {u: upstream_url for u in (
            "anthropic-oauth", "anthropic-api", "codex-shim", "openai-api", "cloud-first-litellm",
            "google-code-assist", "google-ai-studio")})
        result = _via(cli, chains, url, "-o", "json")
    assert result.code == 1, result.text  # all serve: the hops declared broken are stale news
    assert upstream_hits == []
    completions = [r for r in seen if r.path == "/v1/chat/completions"]
    groups = sorted(r.json()["model"] for r in completions)
    assert groups == sorted([
        "claude-haiku-4-5", "claude-haiku-4-5@anthropic-api", "claude-sonnet-4-6",
        "claude-sonnet-4-6@anthropic-api", "claude-opus-4-7", "claude-opus-4-7@anthropic-api",
        "gemini-2.5-pro", "gemini-2.5-pro@google-ai-studio", "gpt-4.1", "gpt-4.1@openai-api", "gpt-5.2",
        "gpt-5.2@openai-api", "gpt-5.5", "gpt-5.5@openai-api", "qwen-3.6", "qwen-3.6-omni"])
    for request in completions:
        body = request.json()
        assert body == {"model": body["model"], "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}],
                        "disable_fallbacks": True, "num_retries": 0, "metadata": {"tags": ["aspirectl-probe"]}}
        assert request.headers["authorization"] == f"Bearer {GATEWAY_KEY}"
    assert not any(b"sk-upstream-secret" in r.body or "sk-upstream-secret" in str(r.headers) for r in seen)
    lively = [r for r in seen if r.path == "/health/liveliness"]
    assert [r.method for r in lively] == ["GET"]  # once for the gateway, not once a hop
    assert "authorization" not in {k.lower() for k in lively[0].headers}  # it needs no key
    assert {r.method for r in completions} == {"POST"}
    doc = json.loads(result.out)
    assert doc["via_gateway"] == url and doc["summary"]["hops_serving"] == 16
    assert {h["detail"] for h in doc["hops"] if h["outcome"] == "ok"} == {
        "gateway alive; 1-token answer through the gateway"}  # what each step proved


def test_no_gateway_key_is_unknown_and_nothing_is_sent(cli, tmp_path, monkeypatch):
    from tests.hostile import chains_pointing

    for name in list(os.environ):
        if name.startswith("ASPIRECTL_SECRET_"):
            monkeypatch.delenv(name)
    server, seen = _gateway(_ok)
    with server as url:
        result = _via(cli, chains_pointing(tmp_path / "c", {}), url, "claude-haiku-4-5")
    assert result.code == 3
    assert "credential 'gateway-key' is not set here" in result.out
    assert "ASPIRECTL_SECRET_GATEWAY_KEY" in result.out
    assert [r for r in seen if r.path != "/health/liveliness"] == []


def _error(status: int, body: dict):
    from aspirectl.sandbox.httpserver import Response

    return lambda request: Response(status, body, {"content-type": "application/json"})


# The real proxy's refusal of a key it does not know (1.108.7, recorded in
# tests/recorded/litellm-proxy: 401 token_not_found_in_db), of a model group a key may not use
# (1.108.7 on a database, seen by tests/test_replicas_db.py, which checks every release's own:
# 401 on 1.80.0, 403 on 1.85.0 and 1.108.7), and its answer for a model group it does not have
# (400 "Invalid model name passed in model=...", all three releases).
KEY_REFUSED = (401, {"error": {"message": "Authentication Error, Invalid proxy server token passed. "
                                          "Received API Key = sk-...cdef, Key Hash (Token) =abc. Unable to "
                                          "find token in cache or `LiteLLM_VerificationTokenTable`",
                               "type": "token_not_found_in_db", "param": "key", "code": "401"}})
def _recorded(name: str) -> tuple[int, dict]:
    """(status, body) the real proxy answered (scripts/capture-litellm-refusals)."""
    case = json.loads((Path(__file__).parent / "recorded" / "litellm-refusals" / f"{name}.json").read_text())
    return case["status"], case["body"]


GROUP_DENIED = (403, {"error": {"message": "The requested model 'claude-haiku-4-5' is not available for this "
                                           "API key, or the model name is invalid. Check the models available to "
                                           "you and try again.",
                                "type": "key_model_access_denied", "param": "model", "code": "403"}})
NO_GROUP = (400, {"error": {"message": "/chat/completions: Invalid model name passed in model=claude-haiku-4-5. "
                                       "Call `/v1/models` to view available models for your key.",
                            "type": "None", "param": "None", "code": "400"}})


@pytest.mark.parametrize(("answer", "says"), [
    (KEY_REFUSED, "the gateway refused aspirectl's gateway key (401 token_not_found_in_db)"),
    (GROUP_DENIED, "the gateway key may not call the hop group 'claude-haiku-4-5' (key_model_access_denied): "
                   "run 'aspirectl keys create monitor --monitoring'"),
    (NO_GROUP, "the gateway has no model group 'claude-haiku-4-5': it does not run the current export"),
    (_recorded("1.85.0-over-budget-chat"), "aspirectl's gateway key has used its budget on the gateway (429 "
                                           "budget_exceeded): Budget has been exceeded!"),
    (_recorded("1.108.7-key-rpm-chat"), "aspirectl's gateway key hit its own rate limit on the gateway (429): "
                                        "Rate limit exceeded for api_key:"),
], ids=["key-refused", "group-denied", "no-such-group", "key-over-budget", "key-rate-limit"])
def test_the_gateway_refusing_us_is_unknown_never_the_hops_failure(cli, tmp_path, monkeypatch, answer, says):
    from tests.hostile import chains_pointing

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    server, _ = _gateway(_error(*answer))
    with server as url:
        chains = chains_pointing(tmp_path / "c", {})
        result = _via(cli, chains, url, "claude-haiku-4-5", "-o", "json")
        nagios = _via(cli, chains, url, "claude-haiku-4-5", "-o", "nagios")
    assert result.code == 3 and nagios.code == 3, result.text
    hop = next(h for h in json.loads(result.out)["hops"] if h["upstream"] == "anthropic-oauth")
    assert hop["origin"] == "local" and says in hop["detail"]
    assert nagios.out.startswith("ASPIRECTL UNKNOWN")


def test_a_gateway_that_is_down_is_critical(cli, tmp_path, monkeypatch):
    from tests.hostile import chains_pointing
    from tests.test_gateway import _free_port

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    result = _via(cli, chains_pointing(tmp_path / "c", {}), f"http://127.0.0.1:{_free_port()}", "claude-haiku-4-5")
    assert result.code == 2, result.text
    assert "unreachable" in result.out and "connection refused" in result.out
    # the gateway itself is down: callers get no answer at all, not the 500 an unreachable
    # upstream behind a live gateway would give them
    assert "GATEWAY DOWN: no answer" in result.out and "FAILS LOUDLY" not in result.out, result.out
    assert "the gateway itself does not answer" in result.out and "500" not in result.out, result.out
    url = f"http://127.0.0.1:{_free_port()}"
    doc = json.loads(_via(cli, chains_pointing(tmp_path / "d", {}), url, "claude-haiku-4-5", "-o", "json").out)
    failure = next(a for a in doc["aliases"] if a["alias"] == "claude-haiku-4-5")["failure"]
    assert failure["gateway_down"] is True and failure["status"] is None and failure["type"] is None
    route = cli("--chains", str(chains_pointing(tmp_path / "e", {})), "route", "claude-haiku-4-5",
                "--via-gateway", "--gateway-url", url)
    assert route.code == 2 and "the gateway itself does not answer" in route.out, route.out
    assert "callers get no answer at all" in route.out and "answers 500" not in route.out, route.out


def test_a_hostile_gateway_answer_stays_one_bounded_printable_line(cli, tmp_path, monkeypatch):
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import chains_pointing

    evil = "\x1b[31mRED\x1b]52;c;cHduZWQ=\x07 litellm.RateLimitError: AnthropicException - " + "{" * 5000
    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    server, _ = _gateway(lambda r: Response(429, {"error": {"message": evil, "type": "throttling_error",
                                                            "code": "429"}}))
    with server as url:
        result = _via(cli, chains_pointing(tmp_path / "c", {}), url, "claude-haiku-4-5")
    assert result.code == 2 and "Traceback" not in result.text
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "rate_limited" in result.out


def test_gateway_only_egress_in_the_catalog_never_contacts_an_upstream(cli, tmp_path, monkeypatch):
    """upstreams.yaml `gateway: {replicas: [...], egress: gateway-only}`: probe, route and the
    live graph go through the gateway without being asked, and say so."""
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import chains_pointing, http_server

    upstream_hits: list = []

    def upstream(request):
        upstream_hits.append(request)
        return Response(500, b"{}")

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    server, seen = _gateway(_ok)
    with http_server(upstream) as upstream_url, server as url:
        chains = chains_pointing(tmp_path / "chains", {"anthropic-oauth": upstream_url, "openai-api": upstream_url})
        with open(chains / "upstreams.yaml", "a") as f:
            f.write(f"gateway:\n  replicas:\n    - {url}\n  egress: gateway-only\n")
        probe = cli("--chains", chains, "probe", "-o", "json")
        route = cli("--chains", chains, "route", "gpt-5.5")
        graph = cli("--chains", chains, "chains", "graph", "--live")
        verbose = cli("--chains", chains, "-v", "probe", "claude")
    assert upstream_hits == []
    assert probe.code == 1 and json.loads(probe.out)["via_gateway"] == url
    assert route.code == 1 and f"through the gateway {url}" in route.out
    assert graph.code == 1 and "thick" not in graph.err, graph.text
    assert "the catalog declares the gateway the only egress (gateway.egress: gateway-only)" in verbose.err
    assert len([r for r in seen if r.path == "/v1/chat/completions"]) == 16 + 2 + 16 + 6


@pytest.mark.parametrize(("block", "says"), [
    ("gateway:\n  egress: gateway-only\n", "egress: gateway-only needs the gateway's URL"),
    ("gateway:\n  egress: gateway-first\n", "unknown egress 'gateway-first'"),
    ("gateway:\n  replicas: [http://user:pw@gw:4000]\n", "carries credentials"),
    ("gateway:\n  replicas: [http://gw:4000, http://gw:4000/]\n", "listed twice"),
    ("gateway:\n  replicas: [42]\n", "a gateway replica must be a URL"),
], ids=["no-url", "bad-egress", "userinfo", "twice", "not-a-url"])
def test_a_bad_gateway_block_is_a_catalog_error_with_its_line(cli, tmp_path, block, says):
    from tests.hostile import chains_pointing

    chains = chains_pointing(tmp_path / "chains", {})
    with open(chains / "upstreams.yaml", "a") as f:
        f.write(block)
    result = cli("--chains", chains, "probe")
    assert result.code == 3 and says in result.text and "upstreams.yaml:" in result.text
    assert "pw" not in result.text
    assert "Traceback" not in result.text


def test_via_gateway_without_a_url_is_a_usage_error(cli, monkeypatch):
    monkeypatch.delenv("ASPIRECTL_GATEWAY_URL", raising=False)
    # a usage error: UNKNOWN for the monitoring check, 2 for route (its family, status.FAMILIES)
    for args, code in ((("probe", "--via-gateway"), 3), (("route", "gpt-5.5", "--via-gateway"), 2),
                       (("chains", "graph", "--live", "--via-gateway"), 2)):
        result = cli(*args)
        assert result.code == code and "--via-gateway needs the gateway's URL" in result.err, args
        assert_one_line_error(result)
    offline = cli("route", "gpt-5.5", "--via-gateway", "--offline")
    assert offline.code == 2 and "--via-gateway probes now" in offline.err


# ----------------------------------------------------------------- replicas

def _stale(config: Path) -> Path:
    """The same export with gpt-5.5's fallback switched to another vendor (an older config)."""
    import yaml

    doc = yaml.safe_load(config.read_text())
    for entry in doc["router_settings"]["fallbacks"]:
        if "gpt-5.5" in entry:
            entry["gpt-5.5"] = ["claude-haiku-4-5"]
    stale = config.with_name("stale.yaml")
    stale.write_text(yaml.safe_dump(doc))
    return stale


def test_replicas_each_checked_the_stale_one_named_the_down_one_critical(cli, sandbox_chains, tmp_path,
                                                                         monkeypatch):
    """Two real proxies of one release, the second started from a stale config, and a third
    replica that is down: one line each; the stale one named with its drift and its config
    differences; the down one CRITICAL for that replica, not a DRIFT."""
    from tests.test_gateway import _free_port

    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", DEFAULT_TARGET)
    chains = sandbox_chains("seed")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    config = export(cli, chains, tmp_path / "one" / "config.yaml")
    stale = _stale(config)
    (tmp_path / "two" / "aspirectl_code_assist.py").write_text((tmp_path / "one" / "aspirectl_code_assist.py").read_text())
    stale = stale.rename(tmp_path / "two" / "config.yaml")
    down = f"http://127.0.0.1:{_free_port()}"
    with litellm_proxy(config, chains, tmp_path / "one", DEFAULT_TARGET) as one, \
            litellm_proxy(stale, chains, tmp_path / "two", DEFAULT_TARGET) as two:
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
        args = ("--chains", chains, "--gateway-url", one, "--gateway-url", two, "--gateway-url", down)
        table = cli(*args, "probe", "--gateway")
        nagios = cli(*args, "probe", "--gateway", "-o", "nagios")
        doc = json.loads(cli(*args, "probe", "--gateway", "-o", "json").out)
        prom = cli(*args, "probe", "--gateway", "-o", "prometheus").out
        two_only = json.loads(cli("--chains", chains, "--gateway-url", one, "probe", "--gateway", "-o", "json").out)
    assert table.code == 2 and nagios.code == 2  # a replica down is CRITICAL
    first, second, third = doc["replicas"]
    assert first["release"] == DEFAULT_TARGET and first["config_differences"] == []
    assert not any(a["drift"] for a in first["aliases"])
    assert second["release"] == DEFAULT_TARGET
    assert any("undeclared fallback gpt-5.5 -> claude-haiku-4-5" in d for d in second["config_differences"])
    assert [a["alias"] for a in second["aliases"] if a["drift"]] == ["gpt-5.5"]
    assert second["status"] == "WARNING" and third["status"] == "CRITICAL" and not third["alive"]
    assert nagios.out.startswith("ASPIRECTL CRITICAL")
    head = nagios.out.splitlines()[0]
    assert "gateway 2/3 replicas up" in head and "replica 3 of 3 DOWN" in head
    assert "replica 2 of 3 runs another config: DRIFT gpt-5.5" in head
    assert f"gateway: replica 3 of 3 ({down}): gateway down: connection refused" in nagios.out
    lines = table.out.splitlines()
    rows = [line for line in lines if line.split()[:3][-1:] and line.split()[0].isdigit() and "of 3" in line]
    assert len(rows) == 3 and "DOWN" in rows[2] and "gpt-5.5" in rows[1] and "config as the chains" in rows[0]
    assert f'aspirectl_gateway_replica_up{{replica="{down}"}} 0' in prom
    assert f'aspirectl_gateway_replica_drift{{replica="{two}"}} 1' in prom
    assert "replicas" not in two_only and two_only["gateway"]["config_differences"] == []
    assert MASTER not in table.out + nagios.out + prom + json.dumps(doc)


def test_an_export_for_a_later_release_in_front_of_an_older_gateway_is_named_with_its_fix(
        cli, sandbox_chains, tmp_path, monkeypatch):
    """An export for 1.108.7 (native OAuth: no Bearer in extra_headers) deployed on 1.80.0
    silently bills every Claude alias to the paid API: the replica says which release it runs,
    and what to re-export."""
    chains = sandbox_chains("seed")
    monkeypatch.setenv("ASPIRECTL_LITELLM_VERSION", "1.108.7")
    config = export(cli, chains, tmp_path / "config.yaml")
    with litellm_proxy(config, chains, tmp_path, "1.80.0") as url:
        monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", MASTER)
        result = cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "claude-haiku-4-5")
        doc = json.loads(cli("--chains", chains, "--gateway-url", url, "probe", "--gateway", "claude-haiku-4-5",
                             "-o", "json").out)
    gateway = doc["gateway"]
    assert gateway["release"] == "1.80.0"
    assert "runs LiteLLM 1.80.0, the export targets 1.108.7 (ASPIRECTL_LITELLM_VERSION): re-export with " \
           "--litellm-version 1.80.0" in " ".join(gateway["reasons"])
    assert any("every Claude alias is billed to the paid API" in d and "--litellm-version 1.80.0" in d
               for d in gateway["config_differences"])
    served = {a["alias"]: a for a in gateway["aliases"]}
    assert served["claude-haiku-4-5"]["served_by"] == "claude-haiku-4-5@anthropic-api"  # the symptom
    assert result.code == 1 and "billed to the paid API" in result.out


def test_a_gateway_that_answers_from_another_deployment_is_not_the_hops_health(cli, tmp_path, monkeypatch):
    """disable_fallbacks ignored (an older or patched gateway): the answer names another
    deployment in x-litellm-model-id; the hop is not called healthy on someone else's answer."""
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import chains_pointing

    def elsewhere(request):
        answer = _ok(request)
        return Response(answer.status, answer.body, {**answer.headers,
                                                     "x-litellm-model-id": "claude-haiku-4-5@anthropic-api"})

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    server, _ = _gateway(elsewhere)
    with server as url:
        result = _via(cli, chains_pointing(tmp_path / "c", {}), url, "claude-haiku-4-5", "-o", "json")
    hops = {h["upstream"]: h for h in json.loads(result.out)["hops"]}
    assert hops["anthropic-oauth"]["outcome"] == "degraded"
    assert hops["anthropic-oauth"]["detail"] == (
        "the gateway answered from claude-haiku-4-5@anthropic-api, not claude-haiku-4-5@anthropic-oauth: it did not "
        "honour disable_fallbacks (this hop's own health is unknown)")
    assert hops["anthropic-api"]["outcome"] == "ok"  # its own deployment answered


def test_a_draining_gateway_is_overloaded_on_every_hop(cli, tmp_path, monkeypatch):
    """1.108.7 answers /health/liveliness with 503 {"status": "shutting_down"} while it drains
    (its own code: tests/test_recorded_refusals.py holds it to the installed release)."""
    from aspirectl.sandbox.httpserver import Response
    from tests.hostile import chains_pointing, http_server

    def draining(request):
        return Response(503, {"status": "shutting_down"}, {"content-type": "application/json"})

    monkeypatch.setenv("ASPIRECTL_SECRET_GATEWAY_KEY", GATEWAY_KEY)
    with http_server(draining) as url:
        result = _via(cli, chains_pointing(tmp_path / "c", {}), url, "claude-haiku-4-5", "-o", "json")
    hops = json.loads(result.out)["hops"]
    assert {(h["outcome"], h["detail"]) for h in hops} == {("overloaded", "the gateway is shutting down: shutting_down")}, hops
